//! The address rule (issue 11.1) in the email binding check and in rfc822Name name
//! constraints: names in SAN rfc822Name and SmtpUTF8Mailbox (RFC 8398) alike.

use cert_policy::Error;
use test_support::keys::KeyAlg;
use test_support::pki::{CertSpec, TestCert};

use crate::common::{AT, code, eval, eval_at, issue, leaf_spec, sub_ca, trust};

/// A leaf whose only name is one SmtpUTF8Mailbox SAN.
fn utf8_leaf(label: &str, mailbox: &str) -> TestCert {
    let mut spec = leaf_spec(label, "x@example.com", KeyAlg::P256);
    spec.subject_cn = format!("addresses {label}");
    spec.san_emails.clear();
    spec.san_smtputf8 = vec![mailbox.to_owned()];
    issue(&spec)
}

/// A leaf whose only name is one rfc822Name SAN (ASCII).
fn ascii_leaf(label: &str, mailbox: &str) -> TestCert {
    let mut spec = leaf_spec(label, mailbox, KeyAlg::P256);
    spec.subject_cn = format!("addresses {label}");
    issue(&spec)
}

const KELVIN_KATE: &str = "\u{212A}ate@example.com";

#[test]
fn a_kelvin_sign_certificate_does_not_match_ascii_kate() {
    let kelvin = utf8_leaf("kelvin", KELVIN_KATE);
    for from in ["kate@example.com", "Kate@example.com", KELVIN_KATE] {
        let r = eval(from, &kelvin);
        assert!(
            matches!(r, Err(Error::EmailMismatch { .. })),
            "{from}: {r:?}"
        );
        assert_eq!(code(r), "email_mismatch");
    }
    // The detail says why the name matches nothing.
    let detail = eval("kate@example.com", &kelvin).unwrap_err().to_string();
    assert!(detail.contains("not in Unicode NFC"), "{detail}");
    // ASCII kate's own certificate still matches, whatever the ASCII case.
    eval("KATE@example.com", &ascii_leaf("kate", "kate@example.com")).unwrap();
}

#[test]
fn u1fef_and_nfd_names_match_nothing() {
    let varia = utf8_leaf("varia", "a\u{1FEF}b@example.com");
    assert_eq!(code(eval("a`b@example.com", &varia)), "email_mismatch");
    assert_eq!(
        code(eval("a\u{1FEF}b@example.com", &varia)),
        "email_mismatch"
    );
    let nfd = utf8_leaf("nfd", "jo\u{308}rg@example.com");
    assert_eq!(code(eval("j\u{f6}rg@example.com", &nfd)), "email_mismatch");
    let nfc = utf8_leaf("nfc", "j\u{f6}rg@example.com");
    eval("J\u{f6}rg@Example.com", &nfc).unwrap();
    assert_eq!(
        code(eval("jo\u{308}rg@example.com", &nfc)),
        "email_mismatch"
    );
}

#[test]
fn non_ascii_case_is_not_folded() {
    let dotted = utf8_leaf("dotted-i", "\u{130}pek@example.com");
    eval("\u{130}pek@example.com", &dotted).unwrap();
    for from in [
        "ipek@example.com",
        "i\u{307}pek@example.com",
        "Ipek@example.com",
    ] {
        assert_eq!(code(eval(from, &dotted)), "email_mismatch", "{from}");
    }
    let upper = utf8_leaf("upper-umlaut", "J\u{d6}RG@example.com");
    assert_eq!(
        code(eval("j\u{f6}rg@example.com", &upper)),
        "email_mismatch"
    );
    eval("j\u{d6}rg@example.com", &upper).unwrap();
}

#[test]
fn look_alikes_are_other_mailboxes() {
    let cyrillic = utf8_leaf("cyrillic", "\u{430}lice@example.com");
    assert_eq!(code(eval("alice@example.com", &cyrillic)), "email_mismatch");
    eval("\u{430}lice@example.com", &cyrillic).unwrap();
    let fullwidth = utf8_leaf("fullwidth", "\u{ff41}lice@example.com");
    assert_eq!(
        code(eval("alice@example.com", &fullwidth)),
        "email_mismatch"
    );
    assert_eq!(
        code(eval("\u{ff21}lice@example.com", &fullwidth)),
        "email_mismatch"
    );
    eval("\u{ff41}lice@example.com", &fullwidth).unwrap();
}

#[test]
fn idn_domains_match_in_u_labels_and_a_labels() {
    let a_label = ascii_leaf("idn-a", "jorg@xn--bcher-kva.de");
    eval("jorg@B\u{fc}cher.de", &a_label).unwrap();
    eval("JORG@XN--BCHER-KVA.DE", &a_label).unwrap();
    let u_label = utf8_leaf("idn-u", "j\u{f6}rg@b\u{fc}cher.de");
    eval("j\u{f6}rg@xn--bcher-kva.de", &u_label).unwrap();
    assert_eq!(
        code(eval("j\u{f6}rg@bucher.de", &u_label)),
        "email_mismatch"
    );
}

#[test]
fn quoted_local_parts_match_by_content() {
    let quoted = ascii_leaf("quoted", "\"a b\"@example.com");
    eval("\"A B\"@Example.com", &quoted).unwrap();
    assert_eq!(code(eval("ab@example.com", &quoted)), "email_mismatch");
    assert_eq!(
        code(eval("\"a  b\"@example.com", &quoted)),
        "email_mismatch"
    );
    let needless = ascii_leaf("quoted-plain", "\"ab\"@example.com");
    eval("ab@example.com", &needless).unwrap();
}

#[test]
fn name_constraints_compare_a_labels() {
    let mut ca = CertSpec::ca("nc-idn", "Buecher CA", KeyAlg::Rsa2048);
    ca.permitted_rfc822 = vec!["xn--bcher-kva.de".into()];
    let ca = sub_ca(&ca);
    let mut inside = leaf_spec("nc-idn-in", "x@example.com", KeyAlg::P256);
    inside.san_emails.clear();
    inside.san_smtputf8 = vec!["j\u{f6}rg@B\u{fc}cher.de".into()];
    let inside = inside.issue(&ca);
    eval_at(&trust(), "j\u{f6}rg@b\u{fc}cher.de", &inside, &[&ca], AT).unwrap();
    let mut outside = leaf_spec("nc-idn-out", "x@example.com", KeyAlg::P256);
    outside.san_emails.clear();
    outside.san_smtputf8 = vec!["j\u{f6}rg@b\u{fc}cher.com".into()];
    let outside = outside.issue(&ca);
    let r = eval_at(&trust(), "j\u{f6}rg@b\u{fc}cher.com", &outside, &[&ca], AT);
    assert!(matches!(r, Err(Error::NameConstraint { .. })), "{r:?}");

    let mut excluding = CertSpec::ca("nc-idn-ex", "Excluding Buecher CA", KeyAlg::Rsa2048);
    excluding.excluded_rfc822 = vec![".xn--bcher-kva.de".into()];
    let excluding = sub_ca(&excluding);
    let mut sub = leaf_spec("nc-idn-ex-leaf", "x@example.com", KeyAlg::P256);
    sub.san_emails.clear();
    sub.san_smtputf8 = vec!["j\u{f6}rg@mail.b\u{fc}cher.de".into()];
    let sub = sub.issue(&excluding);
    assert_eq!(
        code(eval_at(
            &trust(),
            "j\u{f6}rg@mail.b\u{fc}cher.de",
            &sub,
            &[&excluding],
            AT
        )),
        "untrusted_chain"
    );
}

#[test]
fn an_email_with_a_bad_domain_is_refused_on_a_constrained_path() {
    // Excluded subtrees cannot be dodged by a domain that does not normalise.
    let mut ca = CertSpec::ca("nc-bad-domain", "Excluding CA 2", KeyAlg::Rsa2048);
    ca.excluded_rfc822 = vec!["evil.example".into()];
    let ca = sub_ca(&ca);
    let mut spec = leaf_spec("nc-bad-domain-leaf", "a@example.com", KeyAlg::P256);
    spec.san_emails = vec!["a@example.com".into(), "b@evil_.example".into()];
    let leaf = spec.issue(&ca);
    let r = eval_at(&trust(), "a@example.com", &leaf, &[&ca], AT);
    assert!(matches!(r, Err(Error::NameConstraint { .. })), "{r:?}");
}
