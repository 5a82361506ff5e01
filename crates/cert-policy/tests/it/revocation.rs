//! Revocation (RFC 5280 6.3) through `evaluate` and `revocation_status`, with CRLs
//! generated in the test.

use crate::common::*;
use cert_policy::{
    Candidate, Error, Policy, RevocationPolicy, RevocationStatus, TrustStore, evaluate,
    revocation_status,
};
use test_support::pki::{T2020, T2025, T2040, crl, hierarchy, leaf_for};

fn with_crls(crls: &[&[u8]]) -> TrustStore {
    trust().with_crls(crls).unwrap()
}

fn eval_policy(trust: &TrustStore, policy: &Policy, email: &str) -> Result<(), Error> {
    let leaf = leaf_for(email);
    let others = vec![hierarchy().intermediate.der.clone()];
    let cand = Candidate {
        from: email,
        signer: &leaf.der,
        others: &others,
        encryption_preference: None,
    };
    evaluate(trust, policy, &cand, AT).map(|_| ())
}

fn require_good() -> Policy {
    Policy {
        revocation: RevocationPolicy::RequireGood,
        ..Policy::default()
    }
}

#[test]
fn an_entry_on_a_crl_past_its_next_update_still_revokes() {
    let leaf = leaf_for("revoked@example.com");
    let stale = crl(&hierarchy().intermediate, &[leaf.serial()], T2020, T2025);
    let r = eval_policy(
        &with_crls(&[&stale]),
        &Policy::default(),
        "revoked@example.com",
    );
    assert!(matches!(r, Err(Error::Revoked { .. })), "{r:?}");
}

#[test]
fn a_crl_not_yet_valid_at_the_time_is_not_used() {
    let leaf = leaf_for("revoked@example.com");
    let future = crl(&hierarchy().intermediate, &[leaf.serial()], AT + 1, T2040);
    eval_policy(
        &with_crls(&[&future]),
        &Policy::default(),
        "revoked@example.com",
    )
    .unwrap();
}

#[test]
fn required_revocation_needs_a_good_status_for_every_certificate() {
    let h = hierarchy();
    // The product accepts certificates no CRL covers.
    eval_policy(&trust(), &Policy::default(), "alice@example.com").unwrap();
    // Required: the intermediate has no CRL of the root.
    let leaf_crl = crl(&h.intermediate, &[], T2025, T2040);
    let r = eval_policy(
        &with_crls(&[&leaf_crl]),
        &require_good(),
        "alice@example.com",
    );
    match r {
        Err(e @ Error::RevocationUnknown { .. }) => {
            assert_eq!(e.reason_code(), "untrusted_chain");
            assert!(e.to_string().contains("Test Email CA"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    let root_crl = crl(&h.root, &[], T2025, T2040);
    eval_policy(
        &with_crls(&[&leaf_crl, &root_crl]),
        &require_good(),
        "alice@example.com",
    )
    .unwrap();
    // An expired CRL shows nothing good.
    let stale = crl(&h.root, &[], T2020, T2025);
    let r = eval_policy(
        &with_crls(&[&leaf_crl, &stale]),
        &require_good(),
        "alice@example.com",
    );
    assert!(matches!(r, Err(Error::RevocationUnknown { .. })), "{r:?}");
}

#[test]
fn revocation_status_of_one_certificate_from_fetched_crls() {
    let h = hierarchy();
    let leaf = leaf_for("revoked@example.com");
    let good = crl(&h.intermediate, &[], T2025, T2040);
    let listed = crl(&h.intermediate, &[leaf.serial()], T2025, T2040);
    let status =
        |crls: &[&[u8]]| revocation_status(&leaf.der, &h.intermediate.der, crls, AT).unwrap();
    assert_eq!(status(&[&good]), RevocationStatus::Good);
    assert_eq!(
        status(&[&listed]),
        RevocationStatus::Revoked {
            reason: None,
            date: T2025
        }
    );
    assert!(matches!(status(&[]), RevocationStatus::Unknown { .. }));
    // Signed by another key of the same name: not verifiable with the issuer's key.
    let fake = test_support::pki::CertSpec::ca(
        "fake-email-ca-crl",
        "Test Email CA",
        test_support::keys::KeyAlg::Rsa2048,
    )
    .self_signed();
    let forged = crl(&fake, &[leaf.serial()], T2025, T2040);
    match status(&[&forged]) {
        RevocationStatus::Unknown { why } => assert!(why.contains("cannot be verified"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert!(revocation_status(&leaf.der, &h.intermediate.der, &[b"junk"], AT).is_err());
}

/// A CRL-signing certificate of the intermediate's name and another key, issued by the
/// root (PKITS 4.4.19's separate CRL key).
fn crl_signer() -> test_support::pki::TestCert {
    let mut spec = test_support::pki::CertSpec::ca(
        "email-ca-crl-signer",
        "Test Email CA",
        test_support::keys::KeyAlg::P256,
    );
    spec.key_usage = Some(vec![test_support::pki::KeyUsageBit::CrlSign]);
    sub_ca(&spec)
}

#[test]
fn a_crl_signed_by_a_separate_crl_key_of_the_issuer_counts() {
    let h = hierarchy();
    let signer = crl_signer();
    let leaf = leaf_for("revoked@example.com");
    let list = crl(&signer, &[leaf.serial()], T2025, T2040);
    // The signing certificate known (as a configured intermediate): revoked.
    let trust = TrustStore::from_pem(&[h.root.pem().as_bytes()], &[signer.pem().as_bytes()])
        .unwrap()
        .with_crls(&[&list])
        .unwrap();
    let r = eval_policy(&trust, &Policy::default(), "revoked@example.com");
    assert!(matches!(r, Err(Error::Revoked { .. })), "{r:?}");
    // Unknown signing key: the CRL cannot count.
    let root_good = crl(&h.root, &[], T2025, T2040);
    let r = eval_policy(
        &with_crls(&[&list, &root_good]),
        &require_good(),
        "revoked@example.com",
    );
    match r {
        Err(Error::RevocationUnknown { why, .. }) => {
            assert!(why.contains("cannot be verified"), "{why}")
        }
        other => panic!("{other:?}"),
    }
    // The signing certificate revoked by the root: its CRL cannot count either.
    let root_crl = crl(&h.root, &[signer.serial()], T2025, T2040);
    let trust = TrustStore::from_pem(&[h.root.pem().as_bytes()], &[signer.pem().as_bytes()])
        .unwrap()
        .with_crls(&[&list, &root_crl])
        .unwrap();
    let r = eval_policy(&trust, &require_good(), "revoked@example.com");
    match r {
        Err(Error::RevocationUnknown { why, .. }) => {
            assert!(why.contains("no valid path"), "{why}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_ca_without_crl_sign_cannot_revoke() {
    // PKITS 4.7.4: keyUsage keyCertSign only.
    let mut spec = test_support::pki::CertSpec::ca(
        "no-crl-sign-ca",
        "No cRLSign CA",
        test_support::keys::KeyAlg::P256,
    );
    spec.key_usage = Some(vec![test_support::pki::KeyUsageBit::KeyCertSign]);
    let ca = sub_ca(&spec);
    let leaf = test_support::pki::CertSpec::leaf(
        "under-no-crl-sign",
        "a@example.com",
        test_support::keys::KeyAlg::P256,
    )
    .issue(&ca);
    let list = crl(&ca, &[leaf.serial()], T2025, T2040);
    let root_good = crl(&hierarchy().root, &[], T2025, T2040);
    let trust = with_crls(&[&list, &root_good]);
    eval_at(&trust, "a@example.com", &leaf, &[&ca], AT).unwrap();
    let others = vec![ca.der.clone()];
    let cand = Candidate {
        from: "a@example.com",
        signer: &leaf.der,
        others: &others,
        encryption_preference: None,
    };
    match evaluate(&trust, &require_good(), &cand, AT) {
        Err(Error::RevocationUnknown { why, .. }) => assert!(why.contains("cRLSign"), "{why}"),
        other => panic!("{other:?}"),
    }
}
