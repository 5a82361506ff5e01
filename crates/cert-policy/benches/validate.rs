//! Cost of path validation: `cargo bench -p cert-policy`.
//!
//! A plain timing binary (harness = false) like collector's pipeline bench: each scenario
//! warms up, then runs for about two seconds, and prints evaluations per second and the
//! mean time. Results are recorded in BENCHMARKS.md; tests never assert on time.
#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use cert_policy::{
    Candidate, Policy, RevocationPolicy, TrustStore, certificates_from_pem, evaluate,
};

const AT: i64 = test_support::FIXED_NOW_UNIX as i64;

fn report(name: &str, mut one: impl FnMut()) {
    for _ in 0..20 {
        one();
    }
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed() < Duration::from_secs(2) {
        one();
        n += 1;
    }
    let per = start.elapsed() / n;
    println!(
        "{name:<56} {:>9.0} /s  {:>9.1} µs",
        1.0 / per.as_secs_f64(),
        per.as_secs_f64() * 1e6
    );
}

fn pki(f: &str) -> Vec<u8> {
    std::fs::read(test_support::testdata_dir().join("pki").join(f)).unwrap()
}

fn main() {
    let root = pki("root.pem");
    let inter = certificates_from_pem(&pki("intermediate.pem"));
    let alice = certificates_from_pem(&pki("alice.pem")).remove(0);
    let crls = [pki("intermediate.crl.pem"), pki("root.crl.pem")];
    let cand = Candidate {
        from: "alice@example.com",
        signer: &alice,
        others: &inter,
        encryption_preference: None,
    };
    let plain = TrustStore::from_pem(&[&root], &[]).unwrap();
    report("evaluate: RSA leaf, intermediate in the message", || {
        black_box(evaluate(&plain, &Policy::default(), &cand, AT).unwrap());
    });
    let with_crls = TrustStore::from_pem(&[&root], &[])
        .unwrap()
        .with_crls(&[&crls[0], &crls[1]])
        .unwrap();
    report(
        "evaluate: same, with the intermediate's and root's CRLs",
        || {
            black_box(evaluate(&with_crls, &Policy::default(), &cand, AT).unwrap());
        },
    );
    let required = Policy {
        revocation: RevocationPolicy::RequireGood,
        ..Policy::default()
    };
    report("evaluate: same, revocation required", || {
        black_box(evaluate(&with_crls, &required, &cand, AT).unwrap());
    });
    pkits();
}

/// A PKITS row: its certificates (anchor first) and CRLs, DER.
type Row = (Vec<Vec<u8>>, Vec<Vec<u8>>);

/// One pass over every PKITS row with a fresh trust store each (nothing cached), when
/// the corpus is present.
fn pkits() {
    let Some(dir) = std::env::var_os(test_support::CORPUS_ENV)
        .map(|d| std::path::PathBuf::from(d).join("pkits-full"))
        .filter(|d| d.is_dir())
    else {
        println!("PKITS: corpus absent, skipped");
        return;
    };
    let tsv = std::fs::read_to_string(dir.join("tests.tsv")).unwrap();
    let rows: Vec<Row> = tsv
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let read = |sub: &str, ext: &str, list: &str| -> Vec<Vec<u8>> {
                list.split(',')
                    .map(|n| std::fs::read(dir.join(sub).join(format!("{n}.{ext}"))).unwrap())
                    .collect()
            };
            (read("certs", "crt", f[3]), read("crls", "crl", f[4]))
        })
        .collect();
    let policy = Policy {
        revocation: RevocationPolicy::RequireGood,
        ..Policy::default()
    };
    let start = Instant::now();
    let passes = 5;
    for _ in 0..passes {
        for (certs, crls) in &rows {
            let refs: Vec<&[u8]> = crls.iter().map(Vec::as_slice).collect();
            let trust = TrustStore::from_der(&certs[..1], &[])
                .unwrap()
                .with_crls(&refs)
                .unwrap();
            let (leaf, others) = certs[1..].split_last().unwrap();
            black_box(cert_policy::check_certificate(
                &trust, &policy, leaf, others, AT, false,
            ));
        }
    }
    let per_pass = start.elapsed() / passes;
    println!(
        "PKITS: {} rows (default 6.1.1 inputs), one pass                {:>9.1} ms ({:.0} µs/row)",
        rows.len(),
        per_pass.as_secs_f64() * 1e3,
        per_pass.as_secs_f64() * 1e6 / rows.len() as f64
    );
}
