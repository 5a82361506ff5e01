//! RFC 5280 6.1 over synthetic certificates, with signatures and revocation stubbed.

use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages, PolicyConstraints};

use super::*;

const P1: Oid = Oid::new_unwrap("2.16.840.1.101.3.2.1.48.1");

/// Signatures verify except `bad_signature`; `revoked` is revoked.
#[derive(Default)]
struct Stub {
    bad_signature: Option<usize>,
    revoked: Option<usize>,
}

impl Links for Stub {
    fn verify_signature(&mut self, path: &[Arc<Cert>], i: usize) -> Result<(), Error> {
        if self.bad_signature == Some(i) {
            return Err(Error::BadSignature {
                subject: path[i].subject.clone(),
            });
        }
        Ok(())
    }

    fn check_revocation(&mut self, path: &[Arc<Cert>], i: usize) -> Result<Option<String>, Error> {
        if self.revoked == Some(i) {
            return Err(Error::Revoked {
                subject: path[i].subject.clone(),
                serial: path[i].serial_hex(),
                reason: None,
                date: None,
            });
        }
        Ok(Some("good".into()))
    }
}

fn ca(subject: &str, issuer: &str) -> Cert {
    let mut c = Cert::synthetic(subject, issuer);
    c.ext.basic_constraints = Some(BasicConstraints {
        ca: true,
        path_len_constraint: None,
    });
    c
}

/// Root → CA → Leaf.
fn path() -> Vec<Cert> {
    vec![
        ca("CN=Root", "CN=Root"),
        ca("CN=CA", "CN=Root"),
        Cert::synthetic("CN=Leaf", "CN=CA"),
    ]
}

fn run_with(
    path: Vec<Cert>,
    stub: &mut Stub,
    inputs: &PathInputs,
    enforce: bool,
) -> (Result<Output, Error>, Trace) {
    let path: Vec<Arc<Cert>> = path.into_iter().map(Arc::new).collect();
    let rules = Rules {
        inputs,
        at: 1_000,
        max_policy_nodes: 100,
        enforce_email_purpose: enforce,
    };
    let mut trace = Trace::default();
    let r = validate_path(&path, &rules, stub, &mut trace);
    (r, trace)
}

fn run(path: Vec<Cert>) -> Result<Output, Error> {
    run_with(path, &mut Stub::default(), &PathInputs::default(), true).0
}

#[test]
fn a_good_path_runs_every_step_in_rfc_order() {
    let (r, trace) = run_with(path(), &mut Stub::default(), &PathInputs::default(), true);
    assert_eq!(r.unwrap().user_constrained_policy_set, []);
    let checks: Vec<(usize, &str)> = trace.steps.iter().map(|s| (s.cert, s.check)).collect();
    assert_eq!(
        checks,
        [
            (0, "validity (trust anchor)"),
            (1, "6.1.3 (a)(1) signature"),
            (1, "6.1.3 (a)(2) validity"),
            (1, "6.1.3 (a)(3) revocation"),
            (1, "6.1.3 (a)(4) issuer name"),
            (1, "6.1.3 (b)-(c) name constraints"),
            (1, "6.1.3 (d)-(f) certificate policies"),
            (1, "6.1.4 (a)-(b) policy mappings"),
            (1, "6.1.4 (k) basic constraints"),
            (1, "6.1.4 (l)-(m) path length"),
            (1, "6.1.4 (n) key usage"),
            (1, "6.1.4 (o) critical extensions"),
            (2, "6.1.3 (a)(1) signature"),
            (2, "6.1.3 (a)(2) validity"),
            (2, "6.1.3 (a)(3) revocation"),
            (2, "6.1.3 (a)(4) issuer name"),
            (2, "6.1.3 (b)-(c) name constraints"),
            (2, "6.1.3 (d)-(f) certificate policies"),
            (2, "6.1.5 (f) critical extensions"),
            (2, "6.1.5 (g) user policy set"),
        ]
    );
    assert_eq!(trace.steps[3].outcome, Outcome::Passed(Some("good".into())));
}

#[test]
fn a_failure_stops_the_trace_at_the_failed_step() {
    let mut stub = Stub {
        bad_signature: Some(2),
        ..Stub::default()
    };
    let (r, trace) = run_with(path(), &mut stub, &PathInputs::default(), true);
    assert!(matches!(r, Err(Error::BadSignature { .. })), "{r:?}");
    let last = trace.steps.last().unwrap();
    assert_eq!((last.cert, last.check), (2, "6.1.3 (a)(1) signature"));
    assert!(matches!(
        last.outcome,
        Outcome::Failed(Error::BadSignature { .. })
    ));
}

#[test]
fn process_certificate_6_1_3_a_3_revoked_ca() {
    let mut stub = Stub {
        revoked: Some(1),
        ..Stub::default()
    };
    let (r, _) = run_with(path(), &mut stub, &PathInputs::default(), true);
    assert!(matches!(r, Err(Error::Revoked { .. })), "{r:?}");
}

#[test]
fn check_validity_6_1_3_a_2_bounds_are_inclusive() {
    let mut c = Cert::synthetic("CN=A", "CN=B");
    (c.not_before, c.not_after) = (10, 20);
    check_validity_6_1_3_a_2(&c, 10).unwrap();
    check_validity_6_1_3_a_2(&c, 20).unwrap();
    assert!(matches!(
        check_validity_6_1_3_a_2(&c, 9),
        Err(Error::CertNotYetValid { .. })
    ));
    assert!(matches!(
        check_validity_6_1_3_a_2(&c, 21),
        Err(Error::CertExpired { .. })
    ));
    // In a path: an expired CA, and an expired anchor.
    let mut p = path();
    p[1].not_after = 999;
    assert!(matches!(run(p), Err(Error::CertExpired { subject, .. }) if subject == "CN=CA"));
    let mut p = path();
    p[0].not_after = 999;
    assert!(matches!(run(p), Err(Error::CertExpired { subject, .. }) if subject == "CN=Root"));
}

#[test]
fn check_issuer_name_6_1_3_a_4_names_must_chain() {
    let mut p = path();
    p[2] = Cert::synthetic("CN=Leaf", "CN=Someone Else");
    assert!(matches!(run(p), Err(Error::UnknownIssuer { .. })));
    let mut p = path();
    p[2] = Cert::synthetic("CN=Leaf", "CN=ca");
    run(p).unwrap();
}

#[test]
fn check_basic_constraints_6_1_4_k() {
    let mut p = path();
    p[1].ext.basic_constraints = None;
    assert!(matches!(run(p), Err(Error::NotCa { .. })));
    let mut p = path();
    p[1].ext.basic_constraints = Some(BasicConstraints {
        ca: false,
        path_len_constraint: None,
    });
    assert!(matches!(run(p), Err(Error::NotCa { .. })));
}

#[test]
fn check_path_length_6_1_4_l_m() {
    // Root → CA1 (pathLen 0) → CA2 → Leaf: too long.
    let mut ca1 = ca("CN=CA1", "CN=Root");
    ca1.ext.basic_constraints = Some(BasicConstraints {
        ca: true,
        path_len_constraint: Some(0),
    });
    let p = vec![
        ca("CN=Root", "CN=Root"),
        ca1.clone(),
        ca("CN=CA2", "CN=CA1"),
        Cert::synthetic("CN=Leaf", "CN=CA2"),
    ];
    assert!(matches!(run(p), Err(Error::PathLenExceeded { subject }) if subject == "CN=CA1"));
    // A self-issued CA below CA1 does not count.
    let p = vec![
        ca("CN=Root", "CN=Root"),
        ca1,
        ca("CN=CA1", "CN=CA1"),
        Cert::synthetic("CN=Leaf", "CN=CA1"),
    ];
    run(p).unwrap();
    // The anchor's own pathLenConstraint applies too.
    let mut p = path();
    p[0].ext.basic_constraints = Some(BasicConstraints {
        ca: true,
        path_len_constraint: Some(0),
    });
    assert!(matches!(run(p), Err(Error::PathLenExceeded { subject }) if subject == "CN=Root"));
}

#[test]
fn check_key_usage_6_1_4_n() {
    let mut p = path();
    p[1].ext.key_usage = Some(KeyUsage(KeyUsages::CRLSign.into()));
    assert!(matches!(run(p), Err(Error::CaKeyUsage { .. })));
    let mut p = path();
    p[1].ext.key_usage = Some(KeyUsage(KeyUsages::KeyCertSign.into()));
    run(p).unwrap();
}

#[test]
fn check_critical_extensions_6_1_4_o_and_6_1_5_f() {
    let unknown = Oid::new_unwrap("1.3.6.1.4.1.99999.1");
    for i in [1, 2] {
        let mut p = path();
        p[i].ext.unknown_critical = Some(unknown);
        assert!(
            matches!(run(p), Err(Error::UnknownCriticalExtension { .. })),
            "cert {i}"
        );
    }
}

#[test]
fn email_purpose_of_cas_is_enforced_or_reported() {
    let mut p = path();
    p[1].ext.eku = Some(vec![Oid::new_unwrap("1.3.6.1.5.5.7.3.1")]);
    assert!(matches!(run(p.clone()), Err(Error::CaWrongPurpose { .. })));
    let (r, trace) = run_with(p, &mut Stub::default(), &PathInputs::default(), false);
    r.unwrap();
    assert!(
        trace
            .steps
            .iter()
            .any(|s| matches!(s.outcome, Outcome::Reported(Error::CaWrongPurpose { .. })))
    );
}

#[test]
fn policies_flow_through_the_path() {
    let mut p = path();
    p[1].ext.policies = Some(vec![P1]);
    p[2].ext.policies = Some(vec![P1]);
    assert_eq!(run(p.clone()).unwrap().user_constrained_policy_set, [P1]);
    // A CA that requires an explicit policy, over a leaf without policies.
    p[1].ext.policy_constraints = Some(PolicyConstraints {
        require_explicit_policy: Some(0),
        inhibit_policy_mapping: None,
    });
    p[2].ext.policies = None;
    assert!(matches!(run(p), Err(Error::ExplicitPolicyRequired { .. })));
    // The relying party's initial-explicit-policy.
    let inputs = PathInputs {
        initial_explicit_policy: true,
        ..PathInputs::default()
    };
    let (r, _) = run_with(path(), &mut Stub::default(), &inputs, true);
    assert!(
        matches!(r, Err(Error::ExplicitPolicyRequired { .. })),
        "{r:?}"
    );
}
