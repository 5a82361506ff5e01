//! `readsmimesig --check-cert`: the built binary over the generated test hierarchy, and
//! PKITS rows when the corpus is present.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::util::{Env, stored_der, testdata};

/// `readsmimesig --at FIXED ARGS...` without a configuration file.
fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_readsmimesig"))
        .args(["--at", test_support::FIXED_NOW_RFC3339])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn pki(f: &str) -> String {
    testdata(&format!("pki/{f}")).display().to_string()
}

fn json(stdout: &str) -> Value {
    serde_json::from_str(stdout.trim()).unwrap()
}

#[test]
fn a_valid_certificate_exits_0_and_shows_its_path_anchor_first() {
    let (status, out, err) = run(&[
        "--check-cert",
        &pki("alice.pem"),
        "--chain",
        &pki("intermediate.pem"),
        "--trust",
        &pki("root.pem"),
    ]);
    assert_eq!(status, 0, "{out}{err}");
    let anchor = out.find("[anchor] CN=Test Root CA").expect("anchor shown");
    let leaf = out.find("[2] CN=alice@example.com").expect("leaf shown");
    assert!(anchor < leaf, "{out}");
    assert!(
        out.contains("ok       6.1.3 (a)(1) signature [CN=alice@example.com]"),
        "{out}"
    );
    assert!(out.trim_end().ends_with("result: valid"), "{out}");
}

#[test]
fn a_revoked_certificate_exits_1_naming_the_failed_check() {
    let (status, out, err) = run(&[
        "--json",
        "--check-cert",
        &pki("revoked.pem"),
        "--chain",
        &pki("intermediate.pem"),
        "--trust",
        &pki("root.pem"),
        "--crl",
        &pki("intermediate.crl.pem"),
        "--crl",
        &pki("root.crl.pem"),
    ]);
    assert_eq!(status, 1, "{out}{err}");
    let v = json(&out);
    assert_eq!(v["valid"], false);
    assert_eq!(v["reason"], "revoked");
    let last = v["checks"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["check"], "6.1.3 (a)(3) revocation");
    assert_eq!(last["outcome"], "failed");
    assert_eq!(v["path"][0]["subject"], "CN=Test Root CA");
}

#[test]
fn with_crls_every_certificate_of_the_path_must_be_covered() {
    let base = [
        "--json",
        "--check-cert",
        &pki("alice.pem"),
        "--chain",
        &pki("intermediate.pem"),
        "--trust",
        &pki("root.pem"),
        "--crl",
        &pki("intermediate.crl.pem"),
    ];
    let (status, out, _) = run(&base);
    assert_eq!(status, 1, "{out}");
    let v = json(&out);
    assert_eq!(v["reason"], "untrusted_chain");
    let detail = v["detail"].as_str().unwrap();
    assert!(
        detail.contains("revocation status of CN=Test Email CA"),
        "{detail}"
    );
    let mut all = base.to_vec();
    let root_crl = pki("root.crl.pem");
    all.extend(["--crl", &root_crl]);
    let (status, out, _) = run(&all);
    assert_eq!(status, 0, "{out}");
}

#[test]
fn without_crl_flags_the_configured_crls_apply_as_in_the_pipeline() {
    let env = Env::new("");
    let config = env.config.display().to_string();
    let check = |leaf: &str| {
        run(&[
            "-c",
            &config,
            "--json",
            "--check-cert",
            &pki(leaf),
            "--chain",
            &pki("intermediate.pem"),
        ])
    };
    // The configured intermediate CRL revokes; the root having no CRL is fine.
    let (status, out, _) = check("revoked.pem");
    assert_eq!(
        (status, json(&out)["reason"].clone()),
        (1, Value::from("revoked"))
    );
    let (status, out, _) = check("alice.pem");
    assert_eq!(status, 0, "{out}");
}

#[test]
fn der_files_are_read_too() {
    let dir = tempfile::tempdir().unwrap();
    let der = |name: &str| -> PathBuf {
        let p = dir.path().join(format!("{name}.der"));
        std::fs::write(&p, stored_der(&testdata(&format!("pki/{name}.pem")))).unwrap();
        p
    };
    let (leaf, chain, root) = (der("alice"), der("intermediate"), der("root"));
    let s = |p: &Path| p.display().to_string();
    let (status, out, err) = run(&[
        "--check-cert",
        &s(&leaf),
        "--chain",
        &s(&chain),
        "--trust",
        &s(&root),
    ]);
    assert_eq!(status, 0, "{out}{err}");
}

#[test]
fn unreadable_input_exits_2() {
    let root = pki("root.pem");
    let (status, _, err) = run(&["--check-cert", "/no/such/leaf.pem", "--trust", &root]);
    assert_eq!(status, 2);
    assert!(err.contains("/no/such/leaf.pem"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "-----BEGIN NOTHING-----\n-----END NOTHING-----\n").unwrap();
    let (status, _, err) = run(&["--check-cert", empty.to_str().unwrap(), "--trust", &root]);
    assert_eq!(status, 2, "{err}");
    // Bad usage too.
    let (status, _, _) = run(&[
        "--check-cert",
        &pki("alice.pem"),
        "--policy",
        "x",
        "--trust",
        &root,
    ]);
    assert_eq!(status, 2);
}

/// (test, certificates anchor first, CRLs, extra flags, valid)
type PkitsRow = (
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
    bool,
);

const PKITS_ROWS: &[PkitsRow] = &[
    (
        "4.4.19",
        &[
            "TrustAnchorRootCertificate",
            "SeparateCertificateandCRLKeysCertificateSigningCACert",
            "SeparateCertificateandCRLKeysCRLSigningCert",
            "ValidSeparateCertificateandCRLKeysTest19EE",
        ],
        &["TrustAnchorRootCRL", "SeparateCertificateandCRLKeysCRL"],
        &[],
        true,
    ),
    (
        "4.14.31",
        &[
            "TrustAnchorRootCertificate",
            "indirectCRLCA5Cert",
            "indirectCRLCA6Cert",
            "InvalidcRLIssuerTest31EE",
        ],
        &["TrustAnchorRootCRL", "indirectCRLCA5CRL"],
        &[],
        false,
    ),
    (
        "4.8.1 subpart 2",
        &[
            "TrustAnchorRootCertificate",
            "GoodCACert",
            "ValidCertificatePathTest1EE",
        ],
        &["TrustAnchorRootCRL", "GoodCACRL"],
        &["--policy", "2.16.840.1.101.3.2.1.48.1", "--explicit-policy"],
        true,
    ),
    (
        "4.8.1 subpart 3",
        &[
            "TrustAnchorRootCertificate",
            "GoodCACert",
            "ValidCertificatePathTest1EE",
        ],
        &["TrustAnchorRootCRL", "GoodCACRL"],
        &["--policy", "2.16.840.1.101.3.2.1.48.2", "--explicit-policy"],
        false,
    ),
];

#[test]
fn pkits_rows_through_the_command() {
    let Some(corpus) = test_support::corpus_dir() else {
        return;
    };
    let dir = corpus.join("pkits-full");
    for (test, certs, crls, extra, valid) in PKITS_ROWS {
        let cert = |n: &str| {
            dir.join("certs")
                .join(format!("{n}.crt"))
                .display()
                .to_string()
        };
        let crl = |n: &str| {
            dir.join("crls")
                .join(format!("{n}.crl"))
                .display()
                .to_string()
        };
        let mut args = vec!["--check-cert".to_string(), cert(certs[certs.len() - 1])];
        args.extend(["--trust".into(), cert(certs[0])]);
        for c in &certs[1..certs.len() - 1] {
            args.extend(["--chain".into(), cert(c)]);
        }
        for c in *crls {
            args.extend(["--crl".into(), crl(c)]);
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let (status, out, err) = run(&refs);
        assert_eq!(
            status,
            if *valid { 0 } else { 1 },
            "PKITS {test}:\n{out}{err}"
        );
    }
}
