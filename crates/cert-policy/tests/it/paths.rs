//! Path search: the most specific error, limits, the link cache.

use crate::common::*;
use cert_policy::{Candidate, Error, Limits, Policy, evaluate};
use test_support::keys::KeyAlg;
use test_support::pki::{CertSpec, hierarchy, leaf_for};

/// Two intermediates share the leaf's issuer name and key: one expired, one not a CA.
#[test]
fn most_specific_error_wins_across_candidate_paths() {
    let mut expired = CertSpec::ca("twin-ca", "Twin CA", KeyAlg::Rsa2048);
    expired.not_after_unix = AT - 10;
    let mut not_ca = expired.clone();
    not_ca.not_after_unix = test_support::pki::T2040;
    not_ca.is_ca = false;
    let expired = sub_ca(&expired);
    let not_ca = sub_ca(&not_ca);
    let leaf = CertSpec::leaf("twin-leaf", "a@example.com", KeyAlg::Rsa2048).issue(&expired);
    for order in [[&expired, &not_ca], [&not_ca, &expired]] {
        let r = eval_at(&trust(), "a@example.com", &leaf, &order, AT);
        assert!(matches!(r, Err(Error::CertExpired { .. })), "{r:?}");
    }
    // A good twin next to the bad ones wins outright.
    let mut good = CertSpec::ca("twin-ca", "Twin CA", KeyAlg::Rsa2048);
    good.not_before_unix += 1;
    let good = sub_ca(&good);
    eval_at(
        &trust(),
        "a@example.com",
        &leaf,
        &[&expired, &not_ca, &good],
        AT,
    )
    .unwrap();
}

fn chain_of(
    n: usize,
) -> (
    Vec<test_support::pki::TestCert>,
    test_support::pki::TestCert,
) {
    let mut cas = Vec::new();
    let mut issuer = hierarchy().root.clone();
    for i in 0..n {
        let ca = CertSpec::ca(
            &format!("depth-{i}"),
            &format!("Depth {i} CA"),
            KeyAlg::P256,
        )
        .issue(&issuer);
        cas.push(ca.clone());
        issuer = ca;
    }
    let leaf = CertSpec::leaf("depth-leaf", "a@example.com", KeyAlg::P256).issue(&issuer);
    (cas, leaf)
}

fn eval_limits(
    leaf: &[u8],
    others: &[Vec<u8>],
    limits: Limits,
) -> Result<cert_policy::Decision, Error> {
    let cand = Candidate {
        from: "a@example.com",
        signer: leaf,
        others,
        encryption_preference: None,
    };
    let policy = Policy {
        limits,
        ..Policy::default()
    };
    evaluate(&trust(), &policy, &cand, AT)
}

#[test]
fn path_depth_limit() {
    let (cas, leaf) = chain_of(3);
    let others: Vec<Vec<u8>> = cas.iter().map(|c| c.der.clone()).collect();
    eval_limits(
        &leaf.der,
        &others,
        Limits {
            max_path_depth: 4,
            ..Limits::default()
        },
    )
    .unwrap();
    let r = eval_limits(
        &leaf.der,
        &others,
        Limits {
            max_path_depth: 3,
            ..Limits::default()
        },
    );
    assert!(
        matches!(
            r,
            Err(Error::LimitExceeded {
                limit: "path depth",
                ..
            })
        ),
        "{r:?}"
    );
    assert_eq!(code(r), "untrusted_chain");
}

#[test]
fn candidate_limit() {
    let leaf = leaf_for("a@example.com");
    let mut others = vec![hierarchy().intermediate.der.clone()];
    others.extend(std::iter::repeat_n(leaf.der.clone(), 64));
    let r = eval_limits(&leaf.der, &others, Limits::default());
    assert!(matches!(r, Err(Error::LimitExceeded { .. })), "{r:?}");
    others.truncate(64);
    eval_limits(&leaf.der, &others, Limits::default()).unwrap();
}

#[test]
fn signature_budget_and_link_cache() {
    let (cas, leaf) = chain_of(2);
    let others: Vec<Vec<u8>> = cas.iter().map(|c| c.der.clone()).collect();
    let trust = trust();
    let run = |leaf: &[u8], budget: usize| {
        let cand = Candidate {
            from: "a@example.com",
            signer: leaf,
            others: &others,
            encryption_preference: None,
        };
        let limits = Limits {
            max_signature_checks: budget,
            ..Limits::default()
        };
        evaluate(
            &trust,
            &Policy {
                limits,
                ..Policy::default()
            },
            &cand,
            AT,
        )
    };
    // Three links (leaf, two CAs) need three checks when nothing is cached.
    let r = run(&leaf.der, 2);
    assert!(
        matches!(
            r,
            Err(Error::LimitExceeded {
                limit: "signature checks",
                ..
            })
        ),
        "{r:?}"
    );
    assert_eq!(trust.cached_links(), 1, "the verified CA link was cached");
    run(&leaf.der, 3).unwrap();
    assert_eq!(trust.cached_links(), 2);
    // Now only the leaf's own signature costs a check, for this and any other leaf.
    run(&leaf.der, 1).unwrap();
    let mut issuer = cas[1].clone();
    issuer.der = cas[1].der.clone();
    let other = CertSpec::leaf("depth-leaf-2", "a@example.com", KeyAlg::Rsa2048).issue(&issuer);
    run(&other.der, 1).unwrap();
    assert_eq!(trust.cached_links(), 2, "leaf links are not cached");
}
