//! Certificate policy processing, RFC 5280 6.1.2-6.1.5: the valid_policy_tree, policy
//! mappings, requireExplicitPolicy, inhibitPolicyMapping and inhibitAnyPolicy, with the
//! relying party's 6.1.1 inputs as [`PathInputs`]. One function per RFC step.

mod tree;

use const_oid::ObjectIdentifier as Oid;

use crate::Error;
use crate::cert::Cert;
use crate::oids::ANY_POLICY;

pub(crate) use tree::PolicyTree;

/// The relying party's policy inputs of RFC 5280 6.1.1 (c), (e), (f), (g).
///
/// The default is the product's: any policy, no explicit policy required, mapping and
/// anyPolicy allowed. Ordinary mail is then accepted whatever its policies, but a CA
/// that requires an explicit policy (requireExplicitPolicy) is still honoured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathInputs {
    /// user-initial-policy-set: the policies acceptable to the relying party
    /// (`2.5.29.32.0`, anyPolicy, for any).
    pub user_initial_policy_set: Vec<Oid>,
    /// initial-explicit-policy: the path must be valid for at least one policy of the set.
    pub initial_explicit_policy: bool,
    /// initial-policy-mapping-inhibit: policy mapping is not allowed.
    pub initial_policy_mapping_inhibit: bool,
    /// initial-any-policy-inhibit: anyPolicy in a certificate is not honoured.
    pub initial_any_policy_inhibit: bool,
}

impl Default for PathInputs {
    fn default() -> PathInputs {
        PathInputs {
            user_initial_policy_set: vec![ANY_POLICY],
            initial_explicit_policy: false,
            initial_policy_mapping_inhibit: false,
            initial_any_policy_inhibit: false,
        }
    }
}

/// The policy part of the path state (6.1.2 (a), (d), (e), (f)).
#[derive(Debug, Clone)]
pub(crate) struct PolicyState {
    /// `None` is the NULL tree.
    pub(crate) tree: Option<PolicyTree>,
    pub(crate) explicit_policy: usize,
    pub(crate) policy_mapping: usize,
    pub(crate) inhibit_any_policy: usize,
}

/// 6.1.2 (a), (d), (e), (f) for a path of `n` certificates.
pub(crate) fn initialize_6_1_2(n: usize, inputs: &PathInputs, max_nodes: usize) -> PolicyState {
    let counter = |inhibit: bool| if inhibit { 0 } else { n + 1 };
    PolicyState {
        tree: Some(PolicyTree::new(max_nodes)),
        explicit_policy: counter(inputs.initial_explicit_policy),
        policy_mapping: counter(inputs.initial_policy_mapping_inhibit),
        inhibit_any_policy: counter(inputs.initial_any_policy_inhibit),
    }
}

/// 6.1.3 (d) and (e) for certificate `i` of `n`: grow the tree by the certificate's
/// policies, or make it NULL when it has none.
pub(crate) fn process_policies_6_1_3_d_e(
    state: &mut PolicyState,
    cert: &Cert,
    i: usize,
    n: usize,
) -> Result<(), Error> {
    let Some(policies) = &cert.ext.policies else {
        state.tree = None; // (e)
        return Ok(());
    };
    let Some(tree) = state.tree.as_mut() else {
        return Ok(());
    };
    tree.open_level(i);
    add_policies_6_1_3_d_1(tree, policies, i)?;
    if policies.contains(&ANY_POLICY)
        && (state.inhibit_any_policy > 0 || (i < n && cert.is_self_issued()))
    {
        add_any_policy_6_1_3_d_2(tree, i)?;
    }
    // (d)(3)
    if !tree.prune_childless(i) {
        state.tree = None;
    }
    Ok(())
}

/// 6.1.3 (d)(1): each policy other than anyPolicy becomes a child of the nodes that
/// expect it, or else of the anyPolicy node of depth `i - 1`.
fn add_policies_6_1_3_d_1(tree: &mut PolicyTree, policies: &[Oid], i: usize) -> Result<(), Error> {
    for p in policies.iter().filter(|p| **p != ANY_POLICY) {
        let expecting: Vec<usize> = tree
            .nodes(i - 1)
            .filter(|(_, n)| n.expected.contains(p))
            .map(|(idx, _)| idx)
            .collect();
        let parents = if expecting.is_empty() {
            tree.nodes(i - 1)
                .filter(|(_, n)| n.policy == ANY_POLICY)
                .map(|(idx, _)| idx)
                .collect()
        } else {
            expecting
        };
        for parent in parents {
            tree.add(i, parent, *p, vec![*p])?;
        }
    }
    Ok(())
}

/// 6.1.3 (d)(2): anyPolicy, where honoured, gives every node of depth `i - 1` a child
/// for each expected policy it has no child for yet.
fn add_any_policy_6_1_3_d_2(tree: &mut PolicyTree, i: usize) -> Result<(), Error> {
    let wanted: Vec<(usize, Oid)> = tree
        .nodes(i - 1)
        .flat_map(|(idx, n)| n.expected.iter().map(move |e| (idx, *e)))
        .collect();
    for (parent, policy) in wanted {
        if !tree.has_child(i, parent, &policy) {
            tree.add(i, parent, policy, vec![policy])?;
        }
    }
    Ok(())
}

/// 6.1.3 (f): with an explicit policy required, the tree may not be NULL.
pub(crate) fn check_explicit_policy_6_1_3_f(state: &PolicyState, cert: &Cert) -> Result<(), Error> {
    if state.explicit_policy == 0 && state.tree.is_none() {
        return Err(Error::ExplicitPolicyRequired {
            subject: cert.subject.clone(),
        });
    }
    Ok(())
}

/// 6.1.4 (a): anyPolicy may not be mapped, nor mapped to.
pub(crate) fn check_policy_mappings_6_1_4_a(cert: &Cert) -> Result<(), Error> {
    let mappings = cert.ext.policy_mappings.as_deref().unwrap_or(&[]);
    if mappings
        .iter()
        .any(|(from, to)| *from == ANY_POLICY || *to == ANY_POLICY)
    {
        return Err(Error::AnyPolicyMapped {
            subject: cert.subject.clone(),
        });
    }
    Ok(())
}

/// 6.1.4 (b): apply certificate `i`'s policy mappings to the nodes of depth `i`
/// (rewrite their expected policies, or delete them when mapping is inhibited).
pub(crate) fn apply_policy_mappings_6_1_4_b(
    state: &mut PolicyState,
    cert: &Cert,
    i: usize,
) -> Result<(), Error> {
    let mappings = cert.ext.policy_mappings.as_deref().unwrap_or(&[]);
    let Some(tree) = state.tree.as_mut() else {
        return Ok(());
    };
    let mut issuer_policies: Vec<Oid> = Vec::new();
    for (from, _) in mappings {
        if !issuer_policies.contains(from) {
            issuer_policies.push(*from);
        }
    }
    for id_p in issuer_policies {
        let mapped: Vec<Oid> = mappings
            .iter()
            .filter(|(from, _)| *from == id_p)
            .map(|(_, to)| *to)
            .collect();
        if state.policy_mapping > 0 {
            map_policy_6_1_4_b_1(tree, i, id_p, mapped)?;
        } else {
            tree.delete(i, |n| n.policy == id_p); // (b)(2)(i)
            if !tree.prune_childless(i) {
                state.tree = None;
                return Ok(());
            }
        }
    }
    Ok(())
}

/// 6.1.4 (b)(1): nodes for `id_p` now expect `mapped`; without such a node, an
/// anyPolicy node of depth `i` stands in with a new sibling for `id_p`.
fn map_policy_6_1_4_b_1(
    tree: &mut PolicyTree,
    i: usize,
    id_p: Oid,
    mapped: Vec<Oid>,
) -> Result<(), Error> {
    let mut found = false;
    for n in tree.nodes_mut(i).filter(|n| n.policy == id_p) {
        n.expected = mapped.clone();
        found = true;
    }
    if found {
        return Ok(());
    }
    let any_parent = tree
        .nodes(i)
        .find(|(_, n)| n.policy == ANY_POLICY)
        .map(|(_, n)| n.parent);
    if let Some(parent) = any_parent {
        tree.add(i, parent, id_p, mapped)?;
    }
    Ok(())
}

/// 6.1.4 (h): a certificate that is not self-issued uses up one certificate of each
/// countdown.
pub(crate) fn decrement_counters_6_1_4_h(state: &mut PolicyState, cert: &Cert) {
    if cert.is_self_issued() {
        return;
    }
    for c in [
        &mut state.explicit_policy,
        &mut state.policy_mapping,
        &mut state.inhibit_any_policy,
    ] {
        *c = c.saturating_sub(1);
    }
}

/// 6.1.4 (i) and (j): policyConstraints and inhibitAnyPolicy can only shorten the
/// countdowns.
pub(crate) fn apply_policy_constraints_6_1_4_i_j(state: &mut PolicyState, cert: &Cert) {
    let lower = |counter: &mut usize, value: Option<u32>| {
        if let Some(v) = value.and_then(|v| usize::try_from(v).ok()) {
            *counter = (*counter).min(v);
        }
    };
    if let Some(pc) = &cert.ext.policy_constraints {
        lower(&mut state.explicit_policy, pc.require_explicit_policy);
        lower(&mut state.policy_mapping, pc.inhibit_policy_mapping);
    }
    lower(&mut state.inhibit_any_policy, cert.ext.inhibit_any_policy);
}

/// 6.1.5 (a) and (b): the end-entity certificate's own requireExplicitPolicy.
pub(crate) fn wrap_up_explicit_policy_6_1_5_a_b(state: &mut PolicyState, leaf: &Cert) {
    state.explicit_policy = state.explicit_policy.saturating_sub(1);
    let require = leaf
        .ext
        .policy_constraints
        .as_ref()
        .and_then(|pc| pc.require_explicit_policy);
    if require == Some(0) {
        state.explicit_policy = 0;
    }
}

/// 6.1.5 (g) and the final check: the tree intersected with the user's policies, and
/// the user-constrained policy set (the policies of the tree's depth-`n` branches,
/// named as the user's set names them: before mapping). Fails when an explicit policy
/// is required and none remains.
pub(crate) fn intersect_6_1_5_g(
    state: &mut PolicyState,
    user_set: &[Oid],
    n: usize,
    leaf: &Cert,
) -> Result<Vec<Oid>, Error> {
    if let Some(tree) = state.tree.as_mut()
        && !user_set.contains(&ANY_POLICY)
        && !restrict_to_user_set_6_1_5_g_iii(tree, user_set, n)?
    {
        state.tree = None;
    }
    if state.explicit_policy == 0 && state.tree.is_none() {
        return Err(Error::ExplicitPolicyRequired {
            subject: leaf.subject.clone(),
        });
    }
    Ok(state
        .tree
        .as_ref()
        .map(|t| t.user_policies_at(n))
        .unwrap_or_default())
}

/// 6.1.5 (g)(iii) (1)-(4). Returns false when the tree is left empty.
fn restrict_to_user_set_6_1_5_g_iii(
    tree: &mut PolicyTree,
    user_set: &[Oid],
    n: usize,
) -> Result<bool, Error> {
    // (1) valid_policy_node_set: the nodes whose parent is an anyPolicy node.
    let mut node_set: Vec<(usize, usize, Oid)> = Vec::new();
    for depth in 1..=n {
        let any_parents: Vec<usize> = tree
            .nodes(depth - 1)
            .filter(|(_, p)| p.policy == ANY_POLICY)
            .map(|(idx, _)| idx)
            .collect();
        node_set.extend(
            tree.nodes(depth)
                .filter(|(_, c)| any_parents.contains(&c.parent))
                .map(|(idx, c)| (depth, idx, c.policy)),
        );
    }
    // (2) delete those outside the user's set (with their subtrees).
    for (depth, idx, policy) in &node_set {
        if *policy != ANY_POLICY && !user_set.contains(policy) {
            tree.delete_subtree(*depth, *idx);
        }
    }
    // (3) a depth-n anyPolicy node stands for the user's policies not yet present.
    let leaf_any = tree
        .nodes(n)
        .find(|(_, c)| c.policy == ANY_POLICY)
        .map(|(idx, c)| (idx, c.parent));
    if let Some((any_idx, parent)) = leaf_any {
        for p in user_set {
            if !node_set.iter().any(|(_, _, q)| q == p) {
                tree.add(n, parent, *p, vec![*p])?;
            }
        }
        tree.delete_subtree(n, any_idx);
    }
    // (4)
    Ok(tree.prune_childless(n))
}

#[cfg(test)]
mod tests;
