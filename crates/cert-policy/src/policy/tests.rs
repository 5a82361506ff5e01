//! One test group per RFC 5280 step of the policy processing.

use super::*;
use x509_cert::ext::pkix::PolicyConstraints;

const P1: Oid = Oid::new_unwrap("2.16.840.1.101.3.2.1.48.1");
const P2: Oid = Oid::new_unwrap("2.16.840.1.101.3.2.1.48.2");
const P3: Oid = Oid::new_unwrap("2.16.840.1.101.3.2.1.48.3");

fn ca(policies: Option<&[Oid]>) -> Cert {
    let mut c = Cert::synthetic("CN=CA", "CN=Root");
    c.ext.policies = policies.map(<[Oid]>::to_vec);
    c
}

fn self_issued(policies: &[Oid]) -> Cert {
    let mut c = Cert::synthetic("CN=CA", "CN=CA");
    c.ext.policies = Some(policies.to_vec());
    c
}

fn state(n: usize) -> PolicyState {
    initialize_6_1_2(n, &PathInputs::default(), 100)
}

fn leaves(s: &PolicyState, depth: usize) -> Vec<Oid> {
    s.tree
        .as_ref()
        .map(|t| t.policies_at(depth))
        .unwrap_or_default()
}

#[test]
fn initialize_6_1_2_counts_n_plus_one_unless_inhibited() {
    let s = state(3);
    assert_eq!(
        (s.explicit_policy, s.policy_mapping, s.inhibit_any_policy),
        (4, 4, 4)
    );
    assert_eq!(leaves(&s, 0), [ANY_POLICY]);
    let inputs = PathInputs {
        initial_explicit_policy: true,
        initial_policy_mapping_inhibit: true,
        initial_any_policy_inhibit: true,
        ..PathInputs::default()
    };
    let s = initialize_6_1_2(3, &inputs, 100);
    assert_eq!(
        (s.explicit_policy, s.policy_mapping, s.inhibit_any_policy),
        (0, 0, 0)
    );
}

#[test]
fn process_policies_6_1_3_d_1_follows_expected_policies_or_any_policy() {
    let mut s = state(3);
    process_policies_6_1_3_d_e(&mut s, &ca(Some(&[P1, P2])), 1, 3).unwrap();
    assert_eq!(leaves(&s, 1), [P1, P2], "children of the anyPolicy root");
    process_policies_6_1_3_d_e(&mut s, &ca(Some(&[P2, P3])), 2, 3).unwrap();
    assert_eq!(
        leaves(&s, 2),
        [P2],
        "P3 is expected by no node and there is no anyPolicy"
    );
    assert_eq!(leaves(&s, 1), [P2], "(d)(3): P1 had no child");
}

#[test]
fn process_policies_6_1_3_e_without_policies_the_tree_is_null() {
    let mut s = state(2);
    process_policies_6_1_3_d_e(&mut s, &ca(None), 1, 2).unwrap();
    assert!(s.tree.is_none());
    // Nothing grows back.
    process_policies_6_1_3_d_e(&mut s, &ca(Some(&[P1])), 2, 2).unwrap();
    assert!(s.tree.is_none());
}

#[test]
fn process_policies_6_1_3_d_2_any_policy_copies_expected_policies() {
    let mut s = state(3);
    process_policies_6_1_3_d_e(&mut s, &ca(Some(&[P1, P2])), 1, 3).unwrap();
    process_policies_6_1_3_d_e(&mut s, &ca(Some(&[ANY_POLICY])), 2, 3).unwrap();
    assert_eq!(leaves(&s, 2), [P1, P2]);
}

#[test]
fn process_policies_6_1_3_d_2_inhibited_any_policy_counts_for_nothing() {
    let mut s = state(3);
    s.inhibit_any_policy = 0;
    process_policies_6_1_3_d_e(&mut s, &ca(Some(&[ANY_POLICY])), 1, 3).unwrap();
    assert!(s.tree.is_none());
    // ...except in a self-issued certificate before the last.
    let mut s = state(3);
    s.inhibit_any_policy = 0;
    process_policies_6_1_3_d_e(&mut s, &self_issued(&[ANY_POLICY]), 1, 3).unwrap();
    assert_eq!(leaves(&s, 1), [ANY_POLICY]);
    let mut s = state(1);
    s.inhibit_any_policy = 0;
    process_policies_6_1_3_d_e(&mut s, &self_issued(&[ANY_POLICY]), 1, 1).unwrap();
    assert!(s.tree.is_none(), "the last certificate gets no exemption");
}

#[test]
fn check_explicit_policy_6_1_3_f_needs_a_tree_once_the_count_is_zero() {
    let mut s = state(1);
    s.tree = None;
    check_explicit_policy_6_1_3_f(&s, &ca(None)).unwrap();
    s.explicit_policy = 0;
    let e = check_explicit_policy_6_1_3_f(&s, &ca(None)).unwrap_err();
    assert!(matches!(e, Error::ExplicitPolicyRequired { .. }), "{e:?}");
    assert_eq!(e.reason_code(), "untrusted_chain");
}

#[test]
fn check_policy_mappings_6_1_4_a_refuses_any_policy() {
    let mut c = ca(Some(&[P1]));
    c.ext.policy_mappings = Some(vec![(P1, P2)]);
    check_policy_mappings_6_1_4_a(&c).unwrap();
    for bad in [(ANY_POLICY, P2), (P1, ANY_POLICY)] {
        c.ext.policy_mappings = Some(vec![bad]);
        let e = check_policy_mappings_6_1_4_a(&c).unwrap_err();
        assert!(matches!(e, Error::AnyPolicyMapped { .. }), "{e:?}");
    }
}

#[test]
fn apply_policy_mappings_6_1_4_b_1_rewrites_expected_policies() {
    let mut s = state(2);
    let mut c = ca(Some(&[P1]));
    process_policies_6_1_3_d_e(&mut s, &c, 1, 2).unwrap();
    c.ext.policy_mappings = Some(vec![(P1, P2), (P1, P3)]);
    apply_policy_mappings_6_1_4_b(&mut s, &c, 1).unwrap();
    process_policies_6_1_3_d_e(&mut s, &ca(Some(&[P3])), 2, 2).unwrap();
    assert_eq!(leaves(&s, 2), [P3], "P1 now stands for P2 and P3");
}

#[test]
fn apply_policy_mappings_6_1_4_b_1_any_policy_gets_a_mapped_sibling() {
    let mut s = state(2);
    let mut c = ca(Some(&[ANY_POLICY]));
    process_policies_6_1_3_d_e(&mut s, &c, 1, 2).unwrap();
    c.ext.policy_mappings = Some(vec![(P1, P2)]);
    apply_policy_mappings_6_1_4_b(&mut s, &c, 1).unwrap();
    assert_eq!(leaves(&s, 1), [ANY_POLICY, P1]);
    process_policies_6_1_3_d_e(&mut s, &ca(Some(&[P2])), 2, 2).unwrap();
    let tree = s.tree.as_ref().unwrap();
    let parents: Vec<Oid> = tree
        .nodes(2)
        .map(|(_, n)| {
            tree.nodes(1)
                .find(|(i, _)| *i == n.parent)
                .unwrap()
                .1
                .policy
        })
        .collect();
    assert_eq!(
        parents,
        [P1],
        "P2 hangs under the mapped P1, not under anyPolicy"
    );
}

#[test]
fn apply_policy_mappings_6_1_4_b_2_inhibited_mapping_deletes_the_policy() {
    let mut s = state(2);
    s.policy_mapping = 0;
    let mut c = ca(Some(&[P1, P3]));
    process_policies_6_1_3_d_e(&mut s, &c, 1, 2).unwrap();
    c.ext.policy_mappings = Some(vec![(P1, P2)]);
    apply_policy_mappings_6_1_4_b(&mut s, &c, 1).unwrap();
    assert_eq!(leaves(&s, 1), [P3]);
    c.ext.policy_mappings = Some(vec![(P3, P2)]);
    apply_policy_mappings_6_1_4_b(&mut s, &c, 1).unwrap();
    assert!(s.tree.is_none());
}

#[test]
fn decrement_counters_6_1_4_h_skips_self_issued_certificates() {
    let mut s = state(2);
    decrement_counters_6_1_4_h(&mut s, &self_issued(&[]));
    assert_eq!(s.explicit_policy, 3);
    decrement_counters_6_1_4_h(&mut s, &ca(None));
    assert_eq!(
        (s.explicit_policy, s.policy_mapping, s.inhibit_any_policy),
        (2, 2, 2)
    );
    s.explicit_policy = 0;
    decrement_counters_6_1_4_h(&mut s, &ca(None));
    assert_eq!(s.explicit_policy, 0);
}

#[test]
fn apply_policy_constraints_6_1_4_i_j_only_shorten() {
    let mut s = state(5);
    let mut c = ca(None);
    c.ext.policy_constraints = Some(PolicyConstraints {
        require_explicit_policy: Some(1),
        inhibit_policy_mapping: Some(9),
    });
    c.ext.inhibit_any_policy = Some(0);
    apply_policy_constraints_6_1_4_i_j(&mut s, &c);
    assert_eq!(
        (s.explicit_policy, s.policy_mapping, s.inhibit_any_policy),
        (1, 6, 0)
    );
}

#[test]
fn wrap_up_explicit_policy_6_1_5_a_b_counts_the_leaf() {
    let mut s = state(1);
    wrap_up_explicit_policy_6_1_5_a_b(&mut s, &ca(None));
    assert_eq!(s.explicit_policy, 1);
    let mut leaf = ca(None);
    leaf.ext.policy_constraints = Some(PolicyConstraints {
        require_explicit_policy: Some(0),
        inhibit_policy_mapping: None,
    });
    wrap_up_explicit_policy_6_1_5_a_b(&mut s, &leaf);
    assert_eq!(s.explicit_policy, 0);
}

#[test]
fn intersect_6_1_5_g_with_any_policy_keeps_the_tree() {
    let mut s = state(1);
    process_policies_6_1_3_d_e(&mut s, &ca(Some(&[P1, P2])), 1, 1).unwrap();
    let set = intersect_6_1_5_g(&mut s, &[ANY_POLICY], 1, &ca(None)).unwrap();
    assert_eq!(set, [P1, P2]);
}

#[test]
fn intersect_6_1_5_g_iii_keeps_the_users_policies() {
    let mut s = state(1);
    process_policies_6_1_3_d_e(&mut s, &ca(Some(&[P1, P2])), 1, 1).unwrap();
    let set = intersect_6_1_5_g(&mut s, &[P2, P3], 1, &ca(None)).unwrap();
    assert_eq!(set, [P2]);
    // Nothing in common: valid without explicit policy, with an empty set...
    let mut s = state(1);
    process_policies_6_1_3_d_e(&mut s, &ca(Some(&[P1])), 1, 1).unwrap();
    assert_eq!(intersect_6_1_5_g(&mut s, &[P3], 1, &ca(None)).unwrap(), []);
    // ...and invalid with it.
    let mut s = state(1);
    s.explicit_policy = 0;
    process_policies_6_1_3_d_e(&mut s, &ca(Some(&[P1])), 1, 1).unwrap();
    let e = intersect_6_1_5_g(&mut s, &[P3], 1, &ca(None)).unwrap_err();
    assert!(matches!(e, Error::ExplicitPolicyRequired { .. }), "{e:?}");
}

#[test]
fn intersect_6_1_5_g_iii_3_any_policy_leaf_stands_for_the_users_policies() {
    let mut s = state(1);
    process_policies_6_1_3_d_e(&mut s, &ca(Some(&[ANY_POLICY, P1])), 1, 1).unwrap();
    let set = intersect_6_1_5_g(&mut s, &[P1, P3], 1, &ca(None)).unwrap();
    assert_eq!(set, [P1, P3]);
}

#[test]
fn policy_tree_growth_is_bounded() {
    // Each certificate maps every policy to all others: the tree would grow as 4^n.
    let ps = [P1, P2, P3, ANY_POLICY];
    let mut s = initialize_6_1_2(10, &PathInputs::default(), 50);
    let mut c = ca(Some(&ps[..3]));
    c.ext.policy_mappings = Some(
        ps[..3]
            .iter()
            .flat_map(|a| ps[..3].iter().map(move |b| (*a, *b)))
            .collect(),
    );
    let mut result = Ok(());
    for i in 1..=10 {
        result = process_policies_6_1_3_d_e(&mut s, &c, i, 10)
            .and_then(|()| apply_policy_mappings_6_1_4_b(&mut s, &c, i));
        if result.is_err() {
            break;
        }
    }
    assert!(
        matches!(result, Err(Error::LimitExceeded { .. })),
        "{result:?}"
    );
}
