//! Certificate policies and name constraints of RFC 5280 over generated certificates.

use crate::common::*;
use cert_policy::{Error, PathInputs, Policy};
use const_oid::ObjectIdentifier;
use test_support::keys::KeyAlg;
use test_support::keys::der_util::{ctx_prim, oid, seq, tlv};
use test_support::pki::{CertSpec, TestCert};

const CERTIFICATE_POLICIES: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.32");
const POLICY_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.36");
const SUBJECT_ALT_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");
const NAME_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.30");
const P1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.7.1");
const P2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.7.2");

fn policies(list: &[ObjectIdentifier]) -> Vec<u8> {
    let infos: Vec<Vec<u8>> = list.iter().map(|p| seq(&[&oid(*p)])).collect();
    let refs: Vec<&[u8]> = infos.iter().map(Vec::as_slice).collect();
    seq(&refs)
}

/// A CA under the shared root with `extensions` `(oid, critical, value)`.
fn ca_with(label: &str, extensions: Vec<(ObjectIdentifier, bool, Vec<u8>)>) -> TestCert {
    let mut spec = CertSpec::ca(label, label, KeyAlg::P256);
    spec.extra_extensions = extensions;
    sub_ca(&spec)
}

/// A leaf of `ca` for a@example.com with extra `extensions`.
fn leaf_with(
    ca: &TestCert,
    label: &str,
    extensions: Vec<(ObjectIdentifier, bool, Vec<u8>)>,
) -> TestCert {
    let mut spec = CertSpec::leaf(label, "a@example.com", KeyAlg::P256);
    spec.extra_extensions = extensions;
    spec.issue(ca)
}

fn eval_inputs(
    leaf: &TestCert,
    ca: &TestCert,
    inputs: PathInputs,
) -> Result<cert_policy::Decision, Error> {
    let others = vec![ca.der.clone()];
    let cand = cert_policy::Candidate {
        from: "a@example.com",
        signer: &leaf.der,
        others: &others,
        encryption_preference: None,
    };
    let policy = Policy {
        path_inputs: inputs,
        ..Policy::default()
    };
    cert_policy::evaluate(&trust(), &policy, &cand, AT)
}

#[test]
fn a_ca_requiring_an_explicit_policy_is_honoured() {
    let ca = ca_with(
        "explicit-ca",
        vec![
            (CERTIFICATE_POLICIES, false, policies(&[P1])),
            // requireExplicitPolicy 0: from here on, a policy is required.
            (POLICY_CONSTRAINTS, true, seq(&[&ctx_prim(0, &[0])])),
        ],
    );
    let bare = leaf_with(&ca, "explicit-bare", vec![]);
    let r = eval_at(&trust(), "a@example.com", &bare, &[&ca], AT);
    assert!(
        matches!(r, Err(Error::ExplicitPolicyRequired { .. })),
        "{r:?}"
    );
    assert_eq!(code(r), "untrusted_chain");
    let with = leaf_with(
        &ca,
        "explicit-p1",
        vec![(CERTIFICATE_POLICIES, true, policies(&[P1]))],
    );
    eval_at(&trust(), "a@example.com", &with, &[&ca], AT).unwrap();
    let other = leaf_with(
        &ca,
        "explicit-p2",
        vec![(CERTIFICATE_POLICIES, false, policies(&[P2]))],
    );
    let r = eval_at(&trust(), "a@example.com", &other, &[&ca], AT);
    assert!(
        matches!(r, Err(Error::ExplicitPolicyRequired { .. })),
        "{r:?}"
    );
}

#[test]
fn ordinary_mail_is_accepted_whatever_its_policies() {
    let ca = ca_with(
        "policy-ca",
        vec![(CERTIFICATE_POLICIES, true, policies(&[P1]))],
    );
    let leaf = leaf_with(
        &ca,
        "policy-p2",
        vec![(CERTIFICATE_POLICIES, true, policies(&[P2]))],
    );
    eval_at(&trust(), "a@example.com", &leaf, &[&ca], AT).unwrap();
}

#[test]
fn the_relying_partys_policy_inputs_apply() {
    let ca = ca_with(
        "inputs-ca",
        vec![(CERTIFICATE_POLICIES, false, policies(&[P1, P2]))],
    );
    let leaf = leaf_with(
        &ca,
        "inputs-p1",
        vec![(CERTIFICATE_POLICIES, false, policies(&[P1]))],
    );
    let inputs = |set: Vec<ObjectIdentifier>| PathInputs {
        user_initial_policy_set: set,
        initial_explicit_policy: true,
        ..PathInputs::default()
    };
    eval_inputs(&leaf, &ca, inputs(vec![P1])).unwrap();
    let r = eval_inputs(&leaf, &ca, inputs(vec![P2]));
    assert!(
        matches!(r, Err(Error::ExplicitPolicyRequired { .. })),
        "{r:?}"
    );
}

/// subjectAltName with a@example.com and `others` (encoded GeneralNames).
fn san(others: &[Vec<u8>]) -> (ObjectIdentifier, bool, Vec<u8>) {
    let mut names = vec![ctx_prim(1, b"a@example.com")];
    names.extend(others.iter().cloned());
    let refs: Vec<&[u8]> = names.iter().map(Vec::as_slice).collect();
    (SUBJECT_ALT_NAME, false, seq(&refs))
}

#[test]
fn dns_and_ip_names_under_name_constraints() {
    // Permitted: rfc822 example.com, dNSName example.com, iPAddress 192.0.2.0/24.
    let permitted = [
        seq(&[&ctx_prim(1, b"example.com")]),
        seq(&[&ctx_prim(2, b"example.com")]),
        seq(&[&ctx_prim(7, &[192, 0, 2, 0, 255, 255, 255, 0])]),
    ]
    .concat();
    let nc = seq(&[&tlv(0xa0, &permitted)]);
    let ca = ca_with("nc-forms-ca", vec![(NAME_CONSTRAINTS, true, nc)]);
    let leaf = |label: &str, names: &[Vec<u8>]| {
        let mut spec = CertSpec::leaf(label, "a@example.com", KeyAlg::P256);
        spec.san_emails.clear();
        spec.extra_extensions = vec![san(names)];
        spec.issue(&ca)
    };
    let inside = leaf(
        "nc-in",
        &[
            ctx_prim(2, b"mail.Example.com"),
            ctx_prim(7, &[192, 0, 2, 7]),
        ],
    );
    eval_at(&trust(), "a@example.com", &inside, &[&ca], AT).unwrap();
    for (label, name) in [
        ("nc-out-dns", ctx_prim(2, b"example.org")),
        ("nc-out-ip", ctx_prim(7, &[198, 51, 100, 7])),
    ] {
        let r = eval_at(&trust(), "a@example.com", &leaf(label, &[name]), &[&ca], AT);
        assert!(
            matches!(r, Err(Error::NameConstraint { .. })),
            "{label}: {r:?}"
        );
    }
}
