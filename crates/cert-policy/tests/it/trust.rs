//! Trust material loading.

use cert_policy::{TrustStore, certificates_from_pem, summarize};
use test_support::pki::{hierarchy, leaf_for};

#[test]
fn bundles_skip_bad_blocks_and_count_anchors() {
    let h = hierarchy();
    let bundle = format!(
        "# comment\n{}junk\n-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n{}{}",
        h.root.pem(),
        h.intermediate.pem(),
        h.root.pem()
    );
    let t = TrustStore::from_pem(&[bundle.as_bytes()], &[]).unwrap();
    assert_eq!(t.anchor_count(), 2, "duplicates are merged");
    assert_eq!(t.skipped().len(), 1);
}

#[test]
fn no_anchor_is_an_error() {
    let e = TrustStore::from_pem(&[b"nothing here"], &[]).unwrap_err();
    assert_eq!(e.reason_code(), "untrusted_chain");
    assert!(!e.is_transient());
    assert!(TrustStore::from_pem(&[], &[]).is_err());
}

#[test]
fn bad_crl_is_an_error() {
    let t = TrustStore::from_pem(&[hierarchy().root.pem().as_bytes()], &[]).unwrap();
    assert!(t.with_crls(&[b"\x30\x03\x02\x01\x01"]).is_err());
}

#[test]
fn trust_store_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<TrustStore>();
}

#[test]
fn summarize_any_certificate() {
    let leaf = leaf_for("summary@example.com");
    let s = summarize(&leaf.der).unwrap();
    assert_eq!(s.subject, "CN=summary@example.com");
    assert_eq!(s.emails, ["summary@example.com"]);
    assert_eq!(s.key, "rsa-2048");
    assert_eq!(s.sha256.len(), 64);
    assert_eq!(s.not_after, test_support::pki::LEAF_NOT_AFTER);
    assert!(summarize(b"\x30\x00").is_err());
    assert_eq!(certificates_from_pem(leaf.pem().as_bytes()), vec![leaf.der]);
}

#[test]
fn testdata_fixtures_agree() {
    use cert_policy::{Candidate, Policy, evaluate};
    let dir = test_support::testdata_dir().join("pki");
    let read = |f: &str| std::fs::read(dir.join(f)).unwrap();
    let trust = TrustStore::from_pem(&[&read("root.pem")], &[&read("intermediate.pem")])
        .unwrap()
        .with_crls(&[&read("intermediate.crl.pem")])
        .unwrap();
    let at = test_support::FIXED_NOW_UNIX as i64;
    for (file, from, expected) in [
        ("alice.pem", "alice@example.com", None),
        ("bob.pem", "bob@example.org", None),
        ("revoked.pem", "revoked@example.com", Some("revoked")),
    ] {
        let signer = certificates_from_pem(&read(file)).remove(0);
        let cand = Candidate {
            from,
            signer: &signer,
            others: &[],
            encryption_preference: None,
        };
        let got = evaluate(&trust, &Policy::default(), &cand, at)
            .err()
            .map(|e| e.reason_code());
        assert_eq!(got, expected, "{file}");
    }
}
