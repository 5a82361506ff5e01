//! `check_certificate`: one certificate without a message, every check reported.

use crate::common::*;
use cert_policy::{CheckOutcome, Error, Policy, check_certificate};
use test_support::keys::KeyAlg;
use test_support::pki::{CertSpec, hierarchy, leaf_for, oids};

fn others() -> Vec<Vec<u8>> {
    vec![hierarchy().intermediate.der.clone()]
}

#[test]
fn a_valid_path_is_reported_anchor_first_with_every_check() {
    let leaf = leaf_for("alice@example.com");
    let r = check_certificate(&trust(), &Policy::default(), &leaf.der, &others(), AT, true);
    assert!(r.is_valid(), "{:?}", r.error);
    assert!(r.anchored);
    let subjects: Vec<&str> = r.path.iter().map(|c| c.subject.as_str()).collect();
    assert_eq!(
        subjects,
        [
            "CN=Test Root CA",
            "CN=Test Email CA",
            "CN=alice@example.com"
        ]
    );
    assert!(r.checks.iter().all(|c| c.outcome == CheckOutcome::Passed));
    let leaf_checks: Vec<&str> = r
        .checks
        .iter()
        .filter(|c| c.subject == "CN=alice@example.com")
        .map(|c| c.check)
        .collect();
    assert_eq!(leaf_checks.first(), Some(&"6.1.3 (a)(1) signature"));
    assert!(leaf_checks.contains(&"6.1.3 (a)(3) revocation"));
    assert_eq!(
        leaf_checks.last(),
        Some(&"S/MIME: key usage for signing and encryption")
    );
}

#[test]
fn purpose_checks_decide_only_for_smime() {
    let mut spec = CertSpec::leaf("check-server", "a@example.com", KeyAlg::Rsa2048);
    spec.eku = Some(vec![oids::SERVER_AUTH]);
    let leaf = issue(&spec);
    let r = check_certificate(
        &trust(),
        &Policy::default(),
        &leaf.der,
        &others(),
        AT,
        false,
    );
    assert!(r.is_valid(), "{:?}", r.error);
    let reported = r
        .checks
        .iter()
        .find(|c| c.outcome == CheckOutcome::Reported)
        .expect("the purpose is reported");
    assert_eq!(reported.check, "S/MIME: end-entity purpose");
    let r = check_certificate(&trust(), &Policy::default(), &leaf.der, &others(), AT, true);
    assert!(
        matches!(r.error, Some(Error::LeafWrongPurpose { .. })),
        "{:?}",
        r.error
    );
    assert_eq!(r.checks.last().unwrap().outcome, CheckOutcome::Failed);
    // A CA's extendedKeyUsage likewise.
    let mut ca = CertSpec::ca("check-tls-ca", "TLS CA", KeyAlg::P256);
    ca.eku = Some(vec![oids::SERVER_AUTH]);
    let ca = sub_ca(&ca);
    let leaf = CertSpec::leaf("check-under-tls", "a@example.com", KeyAlg::P256).issue(&ca);
    let others = vec![ca.der.clone()];
    let r = check_certificate(&trust(), &Policy::default(), &leaf.der, &others, AT, false);
    assert!(r.is_valid(), "{:?}", r.error);
    let r = check_certificate(&trust(), &Policy::default(), &leaf.der, &others, AT, true);
    assert!(
        matches!(r.error, Some(Error::CaWrongPurpose { .. })),
        "{:?}",
        r.error
    );
}

#[test]
fn a_failure_reports_the_path_that_got_furthest() {
    let leaf = leaf_for("alice@example.com");
    // No intermediate: the path stops at the leaf, not anchored.
    let r = check_certificate(&trust(), &Policy::default(), &leaf.der, &[], AT, false);
    assert!(
        matches!(r.error, Some(Error::UnknownIssuer { .. })),
        "{:?}",
        r.error
    );
    assert!(!r.anchored);
    assert_eq!(r.path.len(), 1);
    // Expired: the failed check is the last one.
    let r = check_certificate(
        &trust(),
        &Policy::default(),
        &leaf.der,
        &others(),
        i64::MAX / 2,
        false,
    );
    assert!(
        matches!(r.error, Some(Error::CertExpired { .. })),
        "{:?}",
        r.error
    );
    let last = r.checks.last().unwrap();
    assert_eq!(
        (last.check, last.outcome),
        ("validity (trust anchor)", CheckOutcome::Failed)
    );
    // Undecodable: no path at all.
    let r = check_certificate(&trust(), &Policy::default(), b"junk", &[], AT, false);
    assert!(
        matches!(r.error, Some(Error::Malformed { .. })),
        "{:?}",
        r.error
    );
    assert!(r.path.is_empty() && r.checks.is_empty());
}
