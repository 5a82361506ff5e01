//! The accepted variants of issue 4.

use crate::common::*;
use cert_policy::CertRef;
use test_support::keys::{HashAlg, KeyAlg, SigAlg};
use test_support::pki::{CertSpec, KeyUsageBit, hierarchy, leaf_for, oids};

#[test]
fn standard_leaf_is_accepted_with_its_path() {
    let leaf = leaf_for("alice@example.com");
    let d = eval("alice@example.com", &leaf).unwrap();
    assert_eq!(d.certificate, leaf.der);
    assert!(!d.separate_encryption_cert);
    let subjects: Vec<&str> = d.path.iter().map(|s| s.subject.as_str()).collect();
    assert_eq!(
        subjects,
        [
            "CN=alice@example.com",
            "CN=Test Email CA",
            "CN=Test Root CA"
        ]
    );
    assert_eq!(d.path[0].issuer, "CN=Test Email CA");
    assert_eq!(d.path[0].key, "rsa-2048");
    assert_eq!(d.path[2].key, "rsa-3072");
    assert_eq!(d.path[0].signature_algorithm, "sha256WithRSAEncryption");
    assert_eq!(d.path[0].serial, hex::encode(leaf.serial()));
    assert_eq!(d.path[0].not_before, test_support::pki::T2025);
}

#[test]
fn no_key_usage_extension_is_accepted() {
    let mut spec = leaf_spec("no-ku", "a@example.com", KeyAlg::Rsa2048);
    spec.key_usage = None;
    eval("a@example.com", &issue(&spec)).unwrap();
}

#[test]
fn no_eku_on_leaf_is_accepted() {
    let mut spec = leaf_spec("no-eku", "a@example.com", KeyAlg::Rsa2048);
    spec.eku = None;
    eval("a@example.com", &issue(&spec)).unwrap();
}

#[test]
fn any_eku_on_leaf_is_accepted() {
    let mut spec = leaf_spec("any-eku", "a@example.com", KeyAlg::Rsa2048);
    spec.eku = Some(vec![oids::SERVER_AUTH, oids::ANY_EKU]);
    eval("a@example.com", &issue(&spec)).unwrap();
}

#[test]
fn no_eku_on_intermediate_is_accepted() {
    // Like the original's real Comodo intermediate of 2013.
    let ca = sub_ca(&CertSpec::ca("no-eku-ca", "No EKU CA", KeyAlg::Rsa2048));
    let leaf = CertSpec::leaf("under-no-eku", "a@example.com", KeyAlg::Rsa2048).issue(&ca);
    eval_at(&trust(), "a@example.com", &leaf, &[&ca], AT).unwrap();
}

#[test]
fn email_only_in_subject_is_accepted() {
    let mut spec = leaf_spec("dn-only", "a@example.com", KeyAlg::Rsa2048);
    spec.san_emails.clear();
    spec.subject_cn = "A Person".into();
    spec.subject_email = Some("A@Example.com".into());
    let d = eval("a@example.com", &issue(&spec)).unwrap();
    assert_eq!(d.path[0].emails, ["A@Example.com"]);
}

#[test]
fn several_emails_are_accepted_for_each() {
    let mut spec = leaf_spec("several", "one@example.com", KeyAlg::Rsa2048);
    spec.san_emails.push("two@example.org".into());
    let leaf = issue(&spec);
    eval("one@example.com", &leaf).unwrap();
    let d = eval("two@example.org", &leaf).unwrap();
    assert_eq!(d.path[0].emails, ["one@example.com", "two@example.org"]);
}

#[test]
fn upper_case_address_is_accepted() {
    let leaf = leaf_for("alice@example.com");
    eval("ALICE@EXAMPLE.COM", &leaf).unwrap();
    let mut spec = leaf_spec("upper", "Bob.Smith@Example.COM", KeyAlg::Rsa2048);
    spec.subject_cn = "Bob".into();
    eval("bob.smith@example.com", &issue(&spec)).unwrap();
}

#[test]
fn smtputf8_mailbox_is_accepted() {
    let mut spec = leaf_spec("utf8", "x@example.com", KeyAlg::Rsa2048);
    spec.san_emails.clear();
    spec.san_smtputf8 = vec!["Jürgen@example.com".into()];
    eval("jürgen@EXAMPLE.com", &issue(&spec)).unwrap();
}

#[test]
fn ec_p256_with_key_agreement_is_accepted() {
    let d = eval(
        "a@example.com",
        &issue(&leaf_spec("p256", "a@example.com", KeyAlg::P256)),
    )
    .unwrap();
    assert_eq!(d.path[0].key, "ec-p256");
}

#[test]
fn ec_p384_with_key_agreement_is_accepted() {
    let d = eval(
        "a@example.com",
        &issue(&leaf_spec("p384", "a@example.com", KeyAlg::P384)),
    )
    .unwrap();
    assert_eq!(d.path[0].key, "ec-p384");
}

#[test]
fn ec_p521_is_accepted() {
    let d = eval(
        "a@example.com",
        &issue(&leaf_spec("p521", "a@example.com", KeyAlg::P521)),
    )
    .unwrap();
    assert_eq!(d.path[0].key, "ec-p521");
}

#[test]
fn reversed_chain_with_unrelated_extras_is_accepted() {
    let top = sub_ca(&CertSpec::ca("rev-top", "Reversed Top CA", KeyAlg::Rsa2048));
    let mid = CertSpec::ca("rev-mid", "Reversed Mid CA", KeyAlg::P384).issue(&top);
    let leaf = CertSpec::leaf("rev-leaf", "a@example.com", KeyAlg::P256).issue(&mid);
    let stranger = CertSpec::ca("stranger", "Stranger CA", KeyAlg::P256).self_signed();
    let other_leaf = leaf_for("someone@example.net");
    let others = [&other_leaf, &top, &stranger, &mid, &leaf];
    let d = eval_at(&trust(), "a@example.com", &leaf, &others, AT).unwrap();
    let subjects: Vec<&str> = d.path.iter().map(|s| s.subject.as_str()).collect();
    assert_eq!(
        subjects,
        [
            "CN=a@example.com",
            "CN=Reversed Mid CA",
            "CN=Reversed Top CA",
            "CN=Test Root CA"
        ]
    );
    assert_eq!(d.path[0].signature_algorithm, "ecdsa-with-SHA384");
}

#[test]
fn configured_intermediate_is_used() {
    let h = hierarchy();
    let trust = cert_policy::TrustStore::from_pem(
        &[h.root.pem().as_bytes()],
        &[h.intermediate.pem().as_bytes()],
    )
    .unwrap();
    assert_eq!(trust.intermediate_count(), 1);
    eval_at(
        &trust,
        "alice@example.com",
        &leaf_for("alice@example.com"),
        &[],
        AT,
    )
    .unwrap();
}

#[test]
fn name_constrained_to_sender_domain_is_accepted() {
    let mut ca = CertSpec::ca("nc-own", "Example Com CA", KeyAlg::Rsa2048);
    ca.permitted_rfc822 = vec!["example.com".into(), ".example.com".into()];
    ca.excluded_rfc822 = vec!["ceo@example.com".into()];
    let ca = sub_ca(&ca);
    let leaf = CertSpec::leaf("nc-own-leaf", "a@Example.COM", KeyAlg::Rsa2048).issue(&ca);
    eval_at(&trust(), "a@example.com", &leaf, &[&ca], AT).unwrap();
    let sub = CertSpec::leaf("nc-own-sub", "b@mail.example.com", KeyAlg::Rsa2048).issue(&ca);
    eval_at(&trust(), "b@mail.example.com", &sub, &[&ca], AT).unwrap();
    let ceo = CertSpec::leaf("nc-own-ceo", "ceo@example.com", KeyAlg::Rsa2048).issue(&ca);
    assert_eq!(
        code(eval_at(&trust(), "ceo@example.com", &ceo, &[&ca], AT)),
        "untrusted_chain"
    );
}

#[test]
fn rsa_pss_and_ed25519_and_ecdsa_links_verify() {
    let mut pss_ca = CertSpec::ca("pss-ca", "PSS CA", KeyAlg::Rsa2048);
    pss_ca.sig = Some(SigAlg::RsaPss(HashAlg::Sha256));
    let pss_ca = sub_ca(&pss_ca);
    let mut ed_ca = CertSpec::ca("ed-ca", "Ed25519 CA", KeyAlg::Ed25519);
    ed_ca.sig = Some(SigAlg::RsaPss(HashAlg::Sha512));
    let ed_ca = ed_ca.issue(&pss_ca);
    let ec_ca = CertSpec::ca("ec-ca-521", "P521 CA", KeyAlg::P521).issue(&ed_ca);
    let leaf = CertSpec::leaf("deep-leaf", "a@example.com", KeyAlg::Rsa2048).issue(&ec_ca);
    let d = eval_at(
        &trust(),
        "a@example.com",
        &leaf,
        &[&pss_ca, &ed_ca, &ec_ca],
        AT,
    )
    .unwrap();
    let algs: Vec<&str> = d
        .path
        .iter()
        .map(|s| s.signature_algorithm.as_str())
        .collect();
    assert_eq!(
        algs[..3],
        ["ecdsa-with-SHA512", "ed25519", "rsassa-pss-sha512"]
    );
}

#[test]
fn separate_signing_and_encryption_certificates() {
    let mut sign = leaf_spec("sep-sign", "a@example.com", KeyAlg::Rsa2048);
    sign.key_usage = Some(vec![
        KeyUsageBit::DigitalSignature,
        KeyUsageBit::NonRepudiation,
    ]);
    let sign = issue(&sign);
    let mut enc = leaf_spec("sep-enc", "a@example.com", KeyAlg::Rsa2048);
    enc.key_usage = Some(vec![KeyUsageBit::KeyEncipherment]);
    let enc = issue(&enc);
    let i = &hierarchy().intermediate;

    // Stored alone, the signing certificate cannot be encrypted to.
    assert_eq!(code(eval("a@example.com", &sign)), "unusable_key");

    let by_serial = CertRef::IssuerSerial {
        issuer_der: enc.issuer_der(),
        serial: enc.serial(),
    };
    let d = eval_pref("a@example.com", &sign, &[i, &enc], &by_serial).unwrap();
    assert!(d.separate_encryption_cert);
    assert_eq!(d.certificate, enc.der);
    assert_eq!(d.path.len(), 3);

    let by_ski = CertRef::SubjectKeyId(enc.key_id());
    let d = eval_pref("a@example.com", &sign, &[&enc, i], &by_ski).unwrap();
    assert_eq!(d.certificate, enc.der);

    // A preference naming nothing in the message falls back to the signer.
    let absent = CertRef::SubjectKeyId(vec![1, 2, 3]);
    assert_eq!(
        code(eval_pref("a@example.com", &sign, &[i, &enc], &absent)),
        "unusable_key"
    );
    let normal = leaf_for("a@example.com");
    let d = eval_pref("a@example.com", &normal, &[i], &absent).unwrap();
    assert!(!d.separate_encryption_cert);
}

#[test]
fn separate_encryption_certificate_gets_the_same_checks() {
    let sign = leaf_for("a@example.com");
    let i = &hierarchy().intermediate;
    let other = leaf_for("b@example.com");
    let pref = CertRef::SubjectKeyId(other.key_id());
    assert_eq!(
        code(eval_pref("a@example.com", &sign, &[i, &other], &pref)),
        "email_mismatch"
    );
    let ed = issue(&leaf_spec("sep-ed", "a@example.com", KeyAlg::Ed25519));
    let pref = CertRef::SubjectKeyId(ed.key_id());
    assert_eq!(
        code(eval_pref("a@example.com", &sign, &[i, &ed], &pref)),
        "unusable_key"
    );
    // An Ed25519 signer with a separate RSA encryption certificate is fine.
    let mut enc = leaf_spec("sep-enc-for-ed", "a@example.com", KeyAlg::Rsa2048);
    enc.key_usage = Some(vec![KeyUsageBit::KeyEncipherment]);
    let enc = issue(&enc);
    let pref = CertRef::SubjectKeyId(enc.key_id());
    let d = eval_pref("a@example.com", &ed, &[i, &enc], &pref).unwrap();
    assert_eq!(d.certificate, enc.der);
}
