//! One or more generated certificates per reason code (`<case>_is_<reason>`).

use crate::common::*;
use cert_policy::Error;
use test_support::keys::{HashAlg, KeyAlg, SigAlg};
use test_support::pki::{
    CertSpec, KeyUsageBit, LEAF_NOT_AFTER, T2025, T2040, crl, hierarchy, leaf_for, oids,
};

#[test]
fn other_address_is_email_mismatch() {
    let leaf = leaf_for("alice@example.com");
    assert_eq!(code(eval("bob@example.com", &leaf)), "email_mismatch");
    assert_eq!(code(eval("alice@example.org", &leaf)), "email_mismatch");
    match eval("bob@example.com", &leaf) {
        Err(Error::EmailMismatch { presented, .. }) => assert_eq!(presented, ["alice@example.com"]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn no_address_at_all_is_email_mismatch() {
    let mut spec = leaf_spec("no-email", "x@example.com", KeyAlg::Rsa2048);
    spec.san_emails.clear();
    spec.subject_cn = "No Email".into();
    assert_eq!(code(eval("x@example.com", &issue(&spec))), "email_mismatch");
}

#[test]
fn after_not_after_is_cert_expired() {
    let leaf = leaf_for("alice@example.com");
    let r = eval_at(
        &trust(),
        "alice@example.com",
        &leaf,
        &[&hierarchy().intermediate],
        LEAF_NOT_AFTER + 1,
    );
    assert_eq!(code(r), "cert_expired");
}

#[test]
fn expired_intermediate_is_cert_expired() {
    let mut ca = CertSpec::ca("expired-ca", "Expired CA", KeyAlg::Rsa2048);
    ca.not_after_unix = AT - 1;
    let ca = sub_ca(&ca);
    let leaf = CertSpec::leaf("under-expired", "a@example.com", KeyAlg::Rsa2048).issue(&ca);
    let r = eval_at(&trust(), "a@example.com", &leaf, &[&ca], AT);
    match r {
        Err(e @ Error::CertExpired { .. }) => {
            assert_eq!(e.reason_code(), "cert_expired");
            assert!(e.to_string().contains("Expired CA"), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn before_not_before_is_cert_not_yet_valid() {
    let leaf = leaf_for("alice@example.com");
    let r = eval_at(
        &trust(),
        "alice@example.com",
        &leaf,
        &[&hierarchy().intermediate],
        T2025 - 1,
    );
    assert_eq!(code(r), "cert_not_yet_valid");
}

#[test]
fn validity_bounds_are_inclusive() {
    let leaf = leaf_for("alice@example.com");
    let i = &hierarchy().intermediate;
    eval_at(&trust(), "alice@example.com", &leaf, &[i], T2025).unwrap();
    eval_at(&trust(), "alice@example.com", &leaf, &[i], LEAF_NOT_AFTER).unwrap();
}

#[test]
fn missing_intermediate_is_untrusted_chain() {
    let leaf = leaf_for("alice@example.com");
    assert_eq!(
        code(eval_at(&trust(), "alice@example.com", &leaf, &[], AT)),
        "untrusted_chain"
    );
}

#[test]
fn unknown_root_is_untrusted_chain() {
    let other_root = CertSpec::ca("other-root", "Other Root", KeyAlg::P256).self_signed();
    let leaf = CertSpec::leaf("other-leaf", "a@example.com", KeyAlg::Rsa2048).issue(&other_root);
    assert_eq!(
        code(eval_at(
            &trust(),
            "a@example.com",
            &leaf,
            &[&other_root],
            AT
        )),
        "untrusted_chain"
    );
}

#[test]
fn self_signed_leaf_is_untrusted_chain() {
    let leaf = CertSpec::leaf("self", "a@example.com", KeyAlg::Rsa2048).self_signed();
    assert_eq!(code(eval("a@example.com", &leaf)), "untrusted_chain");
}

#[test]
fn forged_issuer_name_is_untrusted_chain() {
    // Same issuer name as the real intermediate, different key: the signature fails.
    let mut fake = CertSpec::ca("fake-email-ca", "Test Email CA", KeyAlg::Rsa2048);
    fake.eku = Some(vec![oids::EMAIL_PROTECTION]);
    let fake = fake.self_signed();
    let mut spec = CertSpec::leaf("forged", "a@example.com", KeyAlg::Rsa2048);
    spec.label = "forged".into();
    let leaf = spec.issue(&fake);
    let r = eval_at(
        &trust(),
        "a@example.com",
        &leaf,
        &[&hierarchy().intermediate, &fake],
        AT,
    );
    assert!(matches!(r, Err(Error::BadSignature { .. })), "{r:?}");
    assert_eq!(code(r), "untrusted_chain");
}

#[test]
fn intermediate_not_ca_is_untrusted_chain() {
    let mut ca = CertSpec::ca("not-a-ca", "Not A CA", KeyAlg::Rsa2048);
    ca.is_ca = false;
    let ca = sub_ca(&ca);
    let leaf = CertSpec::leaf("under-not-ca", "a@example.com", KeyAlg::Rsa2048).issue(&ca);
    let r = eval_at(&trust(), "a@example.com", &leaf, &[&ca], AT);
    assert!(matches!(r, Err(Error::NotCa { .. })), "{r:?}");
    assert_eq!(code(r), "untrusted_chain");
}

#[test]
fn intermediate_without_key_cert_sign_is_untrusted_chain() {
    let mut ca = CertSpec::ca("no-certsign", "No CertSign CA", KeyAlg::Rsa2048);
    ca.key_usage = Some(vec![KeyUsageBit::CrlSign]);
    let ca = sub_ca(&ca);
    let leaf = CertSpec::leaf("under-no-certsign", "a@example.com", KeyAlg::Rsa2048).issue(&ca);
    assert_eq!(
        code(eval_at(&trust(), "a@example.com", &leaf, &[&ca], AT)),
        "untrusted_chain"
    );
}

#[test]
fn path_len_exceeded_is_untrusted_chain() {
    let mut top = CertSpec::ca("pathlen0-top", "PathLen0 Top", KeyAlg::Rsa2048);
    top.path_len = Some(0);
    let top = sub_ca(&top);
    let mid = CertSpec::ca("pathlen0-mid", "PathLen0 Mid", KeyAlg::Rsa2048).issue(&top);
    let leaf = CertSpec::leaf("pathlen0-leaf", "a@example.com", KeyAlg::Rsa2048).issue(&mid);
    let r = eval_at(&trust(), "a@example.com", &leaf, &[&top, &mid], AT);
    assert!(matches!(r, Err(Error::PathLenExceeded { .. })), "{r:?}");
}

#[test]
fn name_constrained_to_other_domain_is_untrusted_chain() {
    let mut ca = CertSpec::ca("nc-other", "Other Domain CA", KeyAlg::Rsa2048);
    ca.permitted_rfc822 = vec!["example.org".into()];
    let ca = sub_ca(&ca);
    let leaf = CertSpec::leaf("nc-other-leaf", "a@example.com", KeyAlg::Rsa2048).issue(&ca);
    let r = eval_at(&trust(), "a@example.com", &leaf, &[&ca], AT);
    assert!(matches!(r, Err(Error::NameConstraint { .. })), "{r:?}");
    assert_eq!(code(r), "untrusted_chain");
}

#[test]
fn excluded_domain_is_untrusted_chain() {
    let mut ca = CertSpec::ca("nc-excluded", "Excluding CA", KeyAlg::Rsa2048);
    ca.excluded_rfc822 = vec![".example.com".into(), "example.com".into()];
    let ca = sub_ca(&ca);
    let leaf = CertSpec::leaf("nc-excluded-leaf", "a@sub.example.com", KeyAlg::Rsa2048).issue(&ca);
    assert_eq!(
        code(eval_at(&trust(), "a@sub.example.com", &leaf, &[&ca], AT)),
        "untrusted_chain"
    );
}

#[test]
fn subject_email_outside_constraints_is_untrusted_chain() {
    // RFC 5280 4.2.1.10: the legacy emailAddress is constrained like rfc822Name.
    let mut ca = CertSpec::ca("nc-dn", "DN Email CA", KeyAlg::Rsa2048);
    ca.permitted_rfc822 = vec!["example.com".into()];
    let ca = sub_ca(&ca);
    let mut spec = CertSpec::leaf("nc-dn-leaf", "a@example.com", KeyAlg::Rsa2048);
    spec.subject_email = Some("a@evil.example".into());
    let leaf = spec.issue(&ca);
    assert_eq!(
        code(eval_at(&trust(), "a@example.com", &leaf, &[&ca], AT)),
        "untrusted_chain"
    );
}

#[test]
fn unknown_critical_extension_is_untrusted_chain() {
    let mut spec = leaf_spec("crit", "a@example.com", KeyAlg::Rsa2048);
    spec.extra_extensions.push((
        const_oid::ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.1"),
        true,
        vec![0x05, 0x00],
    ));
    assert_eq!(
        code(eval("a@example.com", &issue(&spec))),
        "untrusted_chain"
    );
}

#[test]
fn server_auth_only_leaf_is_wrong_purpose() {
    let mut spec = leaf_spec("server-auth", "a@example.com", KeyAlg::Rsa2048);
    spec.eku = Some(vec![oids::SERVER_AUTH, oids::CLIENT_AUTH]);
    let r = eval("a@example.com", &issue(&spec));
    assert!(matches!(r, Err(Error::LeafWrongPurpose { .. })), "{r:?}");
    assert_eq!(code(r), "wrong_purpose");
}

#[test]
fn key_usage_without_signature_is_wrong_purpose() {
    let mut spec = leaf_spec("no-sig-ku", "a@example.com", KeyAlg::Rsa2048);
    spec.key_usage = Some(vec![KeyUsageBit::KeyEncipherment]);
    let r = eval("a@example.com", &issue(&spec));
    assert!(matches!(r, Err(Error::NotForSigning)), "{r:?}");
}

#[test]
fn non_repudiation_alone_signs() {
    let mut spec = leaf_spec("nonrep", "a@example.com", KeyAlg::Rsa2048);
    spec.key_usage = Some(vec![
        KeyUsageBit::NonRepudiation,
        KeyUsageBit::KeyEncipherment,
    ]);
    eval("a@example.com", &issue(&spec)).unwrap();
}

#[test]
fn intermediate_eku_without_email_is_wrong_purpose() {
    let mut ca = CertSpec::ca("tls-ca", "TLS CA", KeyAlg::Rsa2048);
    ca.eku = Some(vec![oids::SERVER_AUTH]);
    let ca = sub_ca(&ca);
    let leaf = CertSpec::leaf("under-tls", "a@example.com", KeyAlg::Rsa2048).issue(&ca);
    let r = eval_at(&trust(), "a@example.com", &leaf, &[&ca], AT);
    assert!(matches!(r, Err(Error::CaWrongPurpose { .. })), "{r:?}");
    assert_eq!(code(r), "wrong_purpose");
}

#[test]
fn ca_certificate_as_signer_is_wrong_purpose() {
    let mut spec = CertSpec::ca("ca-leaf", "a@example.com", KeyAlg::Rsa2048);
    spec.san_emails = vec!["a@example.com".into()];
    let leaf = issue(&spec);
    assert_eq!(code(eval("a@example.com", &leaf)), "wrong_purpose");
}

#[test]
fn rsa_without_key_encipherment_is_unusable_key() {
    let mut spec = leaf_spec("rsa-sig-only", "a@example.com", KeyAlg::Rsa2048);
    spec.key_usage = Some(vec![KeyUsageBit::DigitalSignature]);
    assert_eq!(code(eval("a@example.com", &issue(&spec))), "unusable_key");
}

#[test]
fn ec_without_key_agreement_is_unusable_key() {
    let mut spec = leaf_spec("ec-sig-only", "a@example.com", KeyAlg::P256);
    spec.key_usage = Some(vec![KeyUsageBit::DigitalSignature]);
    assert_eq!(code(eval("a@example.com", &issue(&spec))), "unusable_key");
}

#[test]
fn ed25519_leaf_is_unusable_key() {
    let leaf = issue(&leaf_spec("ed-leaf", "a@example.com", KeyAlg::Ed25519));
    assert_eq!(code(eval("a@example.com", &leaf)), "unusable_key");
    let mut spec = leaf_spec("ed-leaf-noku", "a@example.com", KeyAlg::Ed25519);
    spec.key_usage = None;
    assert_eq!(code(eval("a@example.com", &issue(&spec))), "unusable_key");
}

#[test]
fn rsa_1024_leaf_is_weak_key() {
    let leaf = issue(&leaf_spec("rsa1024", "a@example.com", KeyAlg::Rsa1024));
    match eval("a@example.com", &leaf) {
        Err(e @ Error::WeakKey { .. }) => {
            assert_eq!(e.reason_code(), "weak_key");
            assert!(e.to_string().contains("rsa-1024"), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn secp256k1_leaf_is_weak_key() {
    let leaf = issue(&leaf_spec("k256", "a@example.com", KeyAlg::K256));
    assert_eq!(code(eval("a@example.com", &leaf)), "weak_key");
}

#[test]
fn rsa_1024_intermediate_is_weak_key() {
    let ca = sub_ca(&CertSpec::ca("weak-ca", "Weak CA", KeyAlg::Rsa1024));
    let leaf = CertSpec::leaf("under-weak", "a@example.com", KeyAlg::Rsa2048).issue(&ca);
    assert_eq!(
        code(eval_at(&trust(), "a@example.com", &leaf, &[&ca], AT)),
        "weak_key"
    );
}

#[test]
fn sha1_signed_leaf_is_weak_algorithm() {
    let mut spec = leaf_spec("sha1-leaf", "a@example.com", KeyAlg::Rsa2048);
    spec.sig = Some(SigAlg::RsaPkcs1(HashAlg::Sha1));
    assert_eq!(code(eval("a@example.com", &issue(&spec))), "weak_algorithm");
}

#[test]
fn md5_signed_leaf_is_weak_algorithm() {
    let mut spec = leaf_spec("md5-leaf", "a@example.com", KeyAlg::Rsa2048);
    spec.sig = Some(SigAlg::RsaPkcs1(HashAlg::Md5));
    assert_eq!(code(eval("a@example.com", &issue(&spec))), "weak_algorithm");
}

#[test]
fn sha1_signed_intermediate_is_weak_algorithm() {
    let mut ca = CertSpec::ca("sha1-ca", "SHA1 CA", KeyAlg::Rsa2048);
    ca.sig = Some(SigAlg::RsaPkcs1(HashAlg::Sha1));
    let ca = sub_ca(&ca);
    let leaf = CertSpec::leaf("under-sha1", "a@example.com", KeyAlg::Rsa2048).issue(&ca);
    assert_eq!(
        code(eval_at(&trust(), "a@example.com", &leaf, &[&ca], AT)),
        "weak_algorithm"
    );
}

#[test]
fn sha1_self_signature_of_anchor_is_fine() {
    let mut root = CertSpec::ca("sha1-root", "SHA1 Root", KeyAlg::Rsa2048);
    root.sig = Some(SigAlg::RsaPkcs1(HashAlg::Sha1));
    let root = root.self_signed();
    let leaf = CertSpec::leaf("under-sha1-root", "a@example.com", KeyAlg::Rsa2048).issue(&root);
    let trust = cert_policy::TrustStore::from_pem(&[root.pem().as_bytes()], &[]).unwrap();
    eval_at(&trust, "a@example.com", &leaf, &[], AT).unwrap();
}

#[test]
fn listed_in_crl_is_revoked() {
    let h = hierarchy();
    let leaf = leaf_for("revoked@example.com");
    let list = crl(&h.intermediate, &[leaf.serial()], T2025, T2040);
    let trust = trust().with_crls(&[&list]).unwrap();
    let r = eval_at(&trust, "revoked@example.com", &leaf, &[&h.intermediate], AT);
    assert_eq!(code(r), "revoked");
    // Another leaf of the same CA is not affected.
    let ok = leaf_for("alice@example.com");
    eval_at(&trust, "alice@example.com", &ok, &[&h.intermediate], AT).unwrap();
}

#[test]
fn revoked_intermediate_is_revoked() {
    let h = hierarchy();
    let list = crl(&h.root, &[h.intermediate.serial()], T2025, T2040);
    let pem = test_support::pki::crl_pem(&list);
    let trust = trust().with_crls(&[pem.as_bytes()]).unwrap();
    let leaf = leaf_for("alice@example.com");
    assert_eq!(
        code(eval_at(
            &trust,
            "alice@example.com",
            &leaf,
            &[&h.intermediate],
            AT
        )),
        "revoked"
    );
}

#[test]
fn crl_signed_by_another_key_is_ignored() {
    let h = hierarchy();
    let leaf = leaf_for("revoked@example.com");
    // Same issuer name, different key.
    let fake = CertSpec::ca("fake-email-ca-crl", "Test Email CA", KeyAlg::Rsa2048).self_signed();
    let list = crl(&fake, &[leaf.serial()], T2025, T2040);
    let trust = trust().with_crls(&[&list]).unwrap();
    eval_at(&trust, "revoked@example.com", &leaf, &[&h.intermediate], AT).unwrap();
}

#[test]
fn rejections_read_as_sentences() {
    let leaf = leaf_for("alice@example.com");
    let e = eval("bob@example.com", &leaf).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the certificate names alice@example.com, not the From address bob@example.com"
    );
    let e = eval_at(
        &trust(),
        "alice@example.com",
        &leaf,
        &[&hierarchy().intermediate],
        LEAF_NOT_AFTER + 1,
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "the certificate of CN=alice@example.com expired on 2036-01-01T00:00:00Z, before the evaluation time 2036-01-01T00:00:01Z"
    );
}

#[test]
fn undecodable_signer_is_untrusted_chain() {
    let mut leaf = leaf_for("alice@example.com");
    leaf.der.truncate(leaf.der.len() / 2);
    let r = eval("alice@example.com", &leaf);
    assert!(matches!(r, Err(Error::Malformed { .. })), "{r:?}");
    assert_eq!(code(r), "untrusted_chain");
}

#[test]
fn intermediate_with_unknown_critical_extension_is_untrusted_chain() {
    let mut ca = CertSpec::ca("crit-ca", "Critical CA", KeyAlg::Rsa2048);
    ca.extra_extensions.push((
        const_oid::ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.2"),
        true,
        vec![0x05, 0x00],
    ));
    let ca = sub_ca(&ca);
    let leaf = CertSpec::leaf("under-crit", "a@example.com", KeyAlg::Rsa2048).issue(&ca);
    let r = eval_at(&trust(), "a@example.com", &leaf, &[&ca], AT);
    assert!(
        matches!(r, Err(Error::UnknownCriticalExtension { .. })),
        "{r:?}"
    );
}

/// nameConstraints with one permitted directoryName subtree (raw extension value).
fn permitted_dn(name_der: &[u8]) -> Vec<u8> {
    use test_support::keys::der_util::{seq, tlv};
    let subtree = seq(&[&tlv(0xa4, name_der)]);
    seq(&[&tlv(0xa0, &subtree)])
}

#[test]
fn directory_name_constraints_apply_to_the_subject() {
    let nc = const_oid::ObjectIdentifier::new_unwrap("2.5.29.30");
    let spec = CertSpec::leaf("dn-nc-leaf", "a@example.com", KeyAlg::Rsa2048);
    let mut ok_ca = CertSpec::ca("dn-nc-ok", "DN OK CA", KeyAlg::Rsa2048);
    ok_ca
        .extra_extensions
        .push((nc, true, permitted_dn(&spec.subject_der())));
    let ok_ca = sub_ca(&ok_ca);
    eval_at(
        &trust(),
        "a@example.com",
        &spec.issue(&ok_ca),
        &[&ok_ca],
        AT,
    )
    .unwrap();

    let other = CertSpec::leaf("x", "someone-else@example.com", KeyAlg::Rsa2048);
    let mut bad_ca = CertSpec::ca("dn-nc-bad", "DN Bad CA", KeyAlg::Rsa2048);
    bad_ca
        .extra_extensions
        .push((nc, true, permitted_dn(&other.subject_der())));
    let bad_ca = sub_ca(&bad_ca);
    let r = eval_at(
        &trust(),
        "a@example.com",
        &spec.issue(&bad_ca),
        &[&bad_ca],
        AT,
    );
    assert!(matches!(r, Err(Error::NameConstraint { .. })), "{r:?}");
}
