//! 6.1.3 (b)-(c) and 6.1.4 (g) over synthetic certificates.

use std::str::FromStr;

use der::asn1::{Ia5String, OctetString};
use x509_cert::ext::pkix::NameConstraints;

use super::*;

fn subtree(base: GeneralName) -> GeneralSubtree {
    GeneralSubtree {
        base,
        minimum: 0,
        maximum: None,
    }
}

fn dns(s: &str) -> GeneralName {
    GeneralName::DnsName(Ia5String::new(s).unwrap())
}

fn uri(s: &str) -> GeneralName {
    GeneralName::UniformResourceIdentifier(Ia5String::new(s).unwrap())
}

fn email(s: &str) -> GeneralName {
    GeneralName::Rfc822Name(Ia5String::new(s).unwrap())
}

fn ip(b: &[u8]) -> GeneralName {
    GeneralName::IpAddress(OctetString::new(b).unwrap())
}

fn dir(s: &str) -> GeneralName {
    GeneralName::DirectoryName(x509_cert::name::Name::from_str(s).unwrap())
}

fn constrained(permitted: Vec<GeneralName>, excluded: Vec<GeneralName>) -> NameConstraintsState {
    let mut ca = Cert::synthetic("CN=Constraining CA,O=Test,C=US", "CN=Root");
    let list = |v: Vec<GeneralName>| (!v.is_empty()).then(|| v.into_iter().map(subtree).collect());
    ca.ext.name_constraints = Some(NameConstraints {
        permitted_subtrees: list(permitted),
        excluded_subtrees: list(excluded),
    });
    let mut state = NameConstraintsState::default();
    update_name_constraints_6_1_4_g(&mut state, &Arc::new(ca));
    state
}

fn leaf(subject: &str, san: Vec<GeneralName>) -> Cert {
    let mut c = Cert::synthetic(subject, "CN=Constraining CA,O=Test,C=US");
    for n in &san {
        if let GeneralName::Rfc822Name(e) = n {
            c.ext.san_emails.push(e.to_string());
        }
    }
    c.ext.san = san;
    c
}

fn check(state: &NameConstraintsState, cert: &Cert) -> Result<(), Error> {
    check_name_constraints_6_1_3_b_c(state, cert, true)
}

#[test]
fn update_name_constraints_6_1_4_g_keeps_only_constraining_cas() {
    let mut state = NameConstraintsState::default();
    update_name_constraints_6_1_4_g(&mut state, &Arc::new(Cert::synthetic("CN=A", "CN=B")));
    assert!(state.from.is_empty());
    let state = constrained(vec![dns("example.com")], vec![]);
    assert_eq!(state.from.len(), 1);
}

#[test]
fn directory_names_must_be_in_a_permitted_subtree() {
    let state = constrained(vec![dir("O=Test,C=US")], vec![dir("OU=Bad,O=Test,C=US")]);
    check(&state, &leaf("CN=Alice,O=TEST,C=US", vec![])).unwrap();
    let e = check(&state, &leaf("CN=Alice,O=Other,C=US", vec![])).unwrap_err();
    assert!(matches!(e, Error::NameConstraint { .. }), "{e:?}");
    check(&state, &leaf("CN=Alice,OU=Bad,O=Test,C=US", vec![])).unwrap_err();
    // A subjectAltName directoryName too.
    check(
        &state,
        &leaf("CN=Alice,O=Test,C=US", vec![dir("CN=X,O=Other,C=US")]),
    )
    .unwrap_err();
}

#[test]
fn dns_uri_and_ip_names_are_checked_in_their_own_form() {
    let state = constrained(
        vec![
            dns("example.com"),
            uri(".example.com"),
            ip(&[10, 0, 0, 0, 255, 0, 0, 0]),
        ],
        vec![dns("bad.example.com")],
    );
    let ok = leaf(
        "CN=A",
        vec![
            dns("www.example.com"),
            uri("https://www.example.com/"),
            ip(&[10, 1, 2, 3]),
        ],
    );
    check(&state, &ok).unwrap();
    for bad in [
        dns("example.org"),
        dns("x.bad.example.com"),
        uri("https://example.com/"),
        ip(&[11, 1, 2, 3]),
    ] {
        let e = check(&state, &leaf("CN=A", vec![bad.clone()])).unwrap_err();
        assert!(matches!(e, Error::NameConstraint { .. }), "{bad:?}: {e:?}");
    }
}

#[test]
fn a_form_without_constraints_is_free() {
    let state = constrained(vec![dns("example.com")], vec![]);
    check(
        &state,
        &leaf("CN=A", vec![email("a@other.org"), uri("urn:x")]),
    )
    .unwrap();
}

#[test]
fn emails_include_the_subject_email_address() {
    let state = constrained(vec![email("example.com")], vec![]);
    let mut c = leaf("CN=A", vec![email("a@example.com")]);
    check(&state, &c).unwrap();
    c.subject_emails.push("a@evil.example".into());
    check(&state, &c).unwrap_err();
}

#[test]
fn constraints_on_unsupported_forms_fail_names_of_that_form() {
    let rid = GeneralName::RegisteredId(const_oid::ObjectIdentifier::new_unwrap("1.2.3"));
    let state = constrained(vec![], vec![rid.clone()]);
    check(&state, &leaf("CN=A", vec![dns("x.example")])).unwrap();
    check(&state, &leaf("CN=A", vec![rid])).unwrap_err();
}

#[test]
fn self_issued_intermediates_are_exempt_but_not_the_last_certificate() {
    let state = constrained(vec![dir("O=Test,C=US")], vec![]);
    let ca = Cert::synthetic("CN=X,O=Elsewhere", "CN=X,O=Elsewhere");
    check_name_constraints_6_1_3_b_c(&state, &ca, false).unwrap();
    check_name_constraints_6_1_3_b_c(&state, &ca, true).unwrap_err();
}

#[test]
fn every_constraining_ca_must_be_satisfied() {
    let mut state = constrained(vec![dns("example.com")], vec![]);
    let second = constrained(vec![dns("www.example.com")], vec![]);
    state.from.extend(second.from);
    check(&state, &leaf("CN=A", vec![dns("www.example.com")])).unwrap();
    check(&state, &leaf("CN=A", vec![dns("mail.example.com")])).unwrap_err();
}
