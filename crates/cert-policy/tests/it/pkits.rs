//! The whole NIST PKITS suite (`pkits-full/` of the corpus, `SMIME_COLLECTOR_CORPUS`;
//! skipped when absent): every row of tests.tsv through `check_certificate`, the function
//! `readsmimesig --check-cert` uses, with revocation required (PKITS semantics).

use std::path::Path;

use cert_policy::{PathInputs, Policy, RevocationPolicy, TrustStore, check_certificate};
use const_oid::ObjectIdentifier;

/// Any instant of 2011-2030 will do (README of pkits-full).
const AT: i64 = test_support::FIXED_NOW_UNIX as i64;

/// PKITS 4.1.4-4.1.6: DSA, outside the product's algorithms.
const DSA_TESTS: [&str; 3] = ["4.1.4", "4.1.5", "4.1.6"];

/// One row of tests.tsv.
struct Row {
    test: String,
    name: String,
    certs: Vec<String>,
    crls: Vec<String>,
    should_validate: bool,
    inputs: PathInputs,
    /// `None` when the PDF does not state it.
    user_constrained_policy_set: Option<Vec<String>>,
}

fn oids(list: &str) -> Vec<ObjectIdentifier> {
    list.split(',')
        .map(|o| ObjectIdentifier::new(o).expect("an OID in tests.tsv"))
        .collect()
}

fn rows(dir: &Path) -> Vec<Row> {
    let tsv = std::fs::read_to_string(dir.join("tests.tsv")).unwrap();
    let mut lines = tsv.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (test, name, certs, crls, valid) = (
        col("test"),
        col("name"),
        col("certs"),
        col("crls"),
        col("should_validate"),
    );
    let (policy_set, explicit, mapping, any, constrained) = (
        col("initial_policy_set"),
        col("initial_explicit_policy"),
        col("initial_policy_mapping_inhibit"),
        col("initial_inhibit_any_policy"),
        col("user_constrained_policy_set"),
    );
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let list = |i: usize| -> Vec<String> {
                f[i].split(',')
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect()
            };
            Row {
                test: f[test].into(),
                name: f[name].into(),
                certs: list(certs),
                crls: list(crls),
                should_validate: f[valid] == "true",
                inputs: PathInputs {
                    user_initial_policy_set: oids(f[policy_set]),
                    initial_explicit_policy: f[explicit] == "true",
                    initial_policy_mapping_inhibit: f[mapping] == "true",
                    initial_any_policy_inhibit: f[any] == "true",
                },
                user_constrained_policy_set: match f[constrained] {
                    "-" => None,
                    "(empty)" => Some(Vec::new()),
                    s => Some(s.split(',').map(String::from).collect()),
                },
            }
        })
        .collect()
}

/// What the row gives: `Ok` on a match, else what went wrong.
fn run(dir: &Path, row: &Row) -> Result<(), String> {
    let read = |sub: &str, name: &str, ext: &str| {
        std::fs::read(dir.join(sub).join(format!("{name}.{ext}"))).unwrap()
    };
    let certs: Vec<Vec<u8>> = row.certs.iter().map(|c| read("certs", c, "crt")).collect();
    let crls: Vec<Vec<u8>> = row.crls.iter().map(|c| read("crls", c, "crl")).collect();
    let crl_refs: Vec<&[u8]> = crls.iter().map(Vec::as_slice).collect();
    let (anchor, rest) = certs.split_first().unwrap();
    let (leaf, others) = rest.split_last().unwrap();
    let trust = TrustStore::from_der(std::slice::from_ref(anchor), &[])
        .and_then(|t| t.with_crls(&crl_refs))
        .map_err(|e| format!("trust material: {e}"))?;
    let policy = Policy {
        path_inputs: row.inputs.clone(),
        revocation: RevocationPolicy::RequireGood,
        ..Policy::default()
    };
    let report = check_certificate(&trust, &policy, leaf, others, AT, false);
    let error = report.error.as_ref().map(ToString::to_string);
    if DSA_TESTS.contains(&row.test.as_str()) {
        return match error {
            Some(e) if e.contains("unsupported algorithm") => Ok(()),
            other => Err(format!("expected an unsupported algorithm, got {other:?}")),
        };
    }
    if report.is_valid() != row.should_validate {
        return Err(format!(
            "expected {}, got {}",
            if row.should_validate {
                "valid"
            } else {
                "invalid"
            },
            error.unwrap_or_else(|| "valid".into())
        ));
    }
    if let (true, Some(expected)) = (report.is_valid(), &row.user_constrained_policy_set) {
        let mut got = report.user_constrained_policy_set.clone();
        let mut expected = expected.clone();
        got.sort();
        expected.sort();
        if got != expected {
            return Err(format!(
                "user-constrained policy set {got:?}, expected {expected:?}"
            ));
        }
    }
    Ok(())
}

#[test]
fn pkits_every_row() {
    let Some(corpus) = test_support::corpus_dir() else {
        return;
    };
    let dir = corpus.join("pkits-full");
    let rows = rows(&dir);
    assert!(rows.len() >= 240, "tests.tsv has {} rows", rows.len());
    let (mut passed, mut outside) = (0, 0);
    let mut failures = Vec::new();
    for row in &rows {
        match run(&dir, row) {
            Ok(()) if DSA_TESTS.contains(&row.test.as_str()) => outside += 1,
            Ok(()) => passed += 1,
            Err(why) => failures.push(format!("{} {}: {why}", row.test, row.name)),
        }
    }
    eprintln!(
        "pkits: {passed} passed, {} failed, {outside} outside the product's algorithms",
        failures.len()
    );
    for f in &failures {
        eprintln!("  FAILED {f}");
    }
    assert!(failures.is_empty(), "{} PKITS rows failed", failures.len());
}
