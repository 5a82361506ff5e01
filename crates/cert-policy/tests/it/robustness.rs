//! No panic on any input; tampering is caught.

use crate::common::*;
use cert_policy::{Candidate, Policy, evaluate};
use test_support::pki::{hierarchy, leaf_for};

#[test]
fn tampered_leaf_signature_is_untrusted_chain() {
    let mut leaf = leaf_for("alice@example.com");
    let last = leaf.der.len() - 1;
    leaf.der[last] ^= 0x01;
    assert_eq!(code(eval("alice@example.com", &leaf)), "untrusted_chain");
}

#[test]
fn mutated_certificates_never_panic() {
    let leaf = leaf_for("alice@example.com");
    let inter = hierarchy().intermediate.der.clone();
    let trust = trust();
    let step = 7;
    for i in (0..leaf.der.len()).step_by(step) {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut der = leaf.der.clone();
            der[i] ^= flip;
            let others = vec![inter.clone(), der.clone()];
            let cand = Candidate {
                from: "alice@example.com",
                signer: &der,
                others: &others,
                encryption_preference: None,
            };
            let _ = evaluate(&trust, &Policy::default(), &cand, AT);
            let _ = cert_policy::summarize(&der);
        }
        let cand = Candidate {
            from: "alice@example.com",
            signer: &leaf.der[..i],
            others: &[],
            encryption_preference: None,
        };
        let _ = evaluate(&trust, &Policy::default(), &cand, AT);
    }
}

#[test]
fn tampered_intermediates_never_panic_and_never_verify() {
    use test_support::keys::{HashAlg, KeyAlg, SigAlg};
    use test_support::pki::CertSpec;
    let mut ca = CertSpec::ca("fuzz-ca", "Fuzz CA", KeyAlg::P384);
    ca.sig = Some(SigAlg::RsaPss(HashAlg::Sha384));
    ca.permitted_rfc822 = vec!["example.com".into()];
    let ca = sub_ca(&ca);
    let mut leaf = CertSpec::leaf("fuzz-leaf", "a@example.com", KeyAlg::P256);
    leaf.san_smtputf8 = vec!["ü@example.com".into()];
    let leaf = leaf.issue(&ca);
    let trust = trust();
    eval_at(&trust, "a@example.com", &leaf, &[&ca], AT).unwrap();
    for i in (0..ca.der.len()).step_by(5) {
        let mut der = ca.der.clone();
        der[i] ^= 0x41;
        let others = vec![der];
        let cand = Candidate {
            from: "a@example.com",
            signer: &leaf.der,
            others: &others,
            encryption_preference: None,
        };
        let r = evaluate(&trust, &Policy::default(), &cand, AT);
        assert!(
            r.is_err(),
            "a tampered intermediate (byte {i}) still gave a path"
        );
    }
}

#[test]
fn mutated_crls_never_panic() {
    use test_support::pki::{T2025, T2040, crl};
    let h = hierarchy();
    let leaf = leaf_for("revoked@example.com");
    let list = crl(&h.intermediate, &[leaf.serial()], T2025, T2040);
    for i in 0..list.len() {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut der = list.clone();
            der[i] ^= flip;
            if let Ok(t) = trust().with_crls(&[&der]) {
                let _ = eval_at(&t, "revoked@example.com", &leaf, &[&h.intermediate], AT);
            }
            let _ = cert_policy::revocation_status(&leaf.der, &h.intermediate.der, &[&der], AT);
        }
        let _ = trust().with_crls(&[&list[..i]]);
    }
}
