//! The valid_policy_tree of RFC 5280 6.1.2 (a): nodes by depth, each with its
//! valid_policy, expected_policy_set and parent. Qualifiers are not kept (nothing here
//! acts on them). Deleted nodes are marked, not removed, so parent indexes stay valid.

use const_oid::ObjectIdentifier as Oid;

use crate::Error;
use crate::oids::ANY_POLICY;

/// One node: a policy valid so far, and the policies it stands for in the next
/// certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Node {
    pub(crate) policy: Oid,
    pub(crate) expected: Vec<Oid>,
    /// Index of the parent in the level above (0 for the root).
    pub(crate) parent: usize,
    alive: bool,
}

/// A non-NULL valid_policy_tree.
#[derive(Debug, Clone)]
pub(crate) struct PolicyTree {
    levels: Vec<Vec<Node>>,
    created: usize,
    max_nodes: usize,
}

impl PolicyTree {
    /// 6.1.2 (a): one node of depth 0, anyPolicy expecting {anyPolicy}. At most
    /// `max_nodes` nodes may ever be created (mappings can make the tree grow
    /// exponentially; the limit bounds hostile paths).
    pub(crate) fn new(max_nodes: usize) -> PolicyTree {
        PolicyTree {
            levels: vec![vec![Node {
                policy: ANY_POLICY,
                expected: vec![ANY_POLICY],
                parent: 0,
                alive: true,
            }]],
            created: 1,
            max_nodes,
        }
    }

    /// Opens depth `depth` (one more than the deepest level) for new children.
    pub(crate) fn open_level(&mut self, depth: usize) {
        while self.levels.len() <= depth {
            self.levels.push(Vec::new());
        }
    }

    /// The living nodes of `depth` with their indexes.
    pub(crate) fn nodes(&self, depth: usize) -> impl Iterator<Item = (usize, &Node)> {
        self.levels
            .get(depth)
            .into_iter()
            .flatten()
            .enumerate()
            .filter(|(_, n)| n.alive)
    }

    /// Mutable access to the living nodes of `depth`.
    pub(crate) fn nodes_mut(&mut self, depth: usize) -> impl Iterator<Item = &mut Node> {
        self.levels
            .get_mut(depth)
            .into_iter()
            .flatten()
            .filter(|n| n.alive)
    }

    /// Whether node `parent` of depth `depth - 1` has a living child for `policy`.
    pub(crate) fn has_child(&self, depth: usize, parent: usize, policy: &Oid) -> bool {
        self.nodes(depth)
            .any(|(_, n)| n.parent == parent && n.policy == *policy)
    }

    /// Adds a node of depth `depth` under node `parent` of depth `depth - 1`.
    pub(crate) fn add(
        &mut self,
        depth: usize,
        parent: usize,
        policy: Oid,
        expected: Vec<Oid>,
    ) -> Result<(), Error> {
        if self.created >= self.max_nodes {
            return Err(Error::LimitExceeded {
                limit: "policy tree nodes",
                max: self.max_nodes,
            });
        }
        self.created += 1;
        self.open_level(depth);
        if let Some(level) = self.levels.get_mut(depth) {
            level.push(Node {
                policy,
                expected,
                parent,
                alive: true,
            });
        }
        Ok(())
    }

    /// Deletes the living nodes of `depth` that `doomed` selects.
    pub(crate) fn delete(&mut self, depth: usize, doomed: impl Fn(&Node) -> bool) {
        for n in self.nodes_mut(depth) {
            if doomed(n) {
                n.alive = false;
            }
        }
    }

    /// Deletes node `idx` of `depth` and everything under it.
    pub(crate) fn delete_subtree(&mut self, depth: usize, idx: usize) {
        if let Some(n) = self.levels.get_mut(depth).and_then(|l| l.get_mut(idx)) {
            n.alive = false;
        }
        let mut doomed = vec![idx];
        for level in self.levels.iter_mut().skip(depth + 1) {
            let mut next = Vec::new();
            for (i, n) in level.iter_mut().enumerate() {
                if n.alive && doomed.contains(&n.parent) {
                    n.alive = false;
                    next.push(i);
                }
            }
            doomed = next;
        }
    }

    /// Deletes, from depth `below - 1` up to the root, every node left without a
    /// living child (6.1.3 (d)(3), 6.1.4 (b)(2)(ii), 6.1.5 (g)(iii)(4)). Returns false
    /// when the tree is left empty (NULL).
    pub(crate) fn prune_childless(&mut self, below: usize) -> bool {
        for depth in (0..below).rev() {
            let parents: Vec<usize> = self.nodes(depth + 1).map(|(_, n)| n.parent).collect();
            for (i, n) in self.levels.get_mut(depth).into_iter().flatten().enumerate() {
                if n.alive && !parents.contains(&i) {
                    n.alive = false;
                }
            }
        }
        self.nodes(0).next().is_some()
    }

    /// The user-constrained policy set of a tree whose last level is `depth`: for each
    /// living node there, the policy of its branch in the relying party's domain (the
    /// ancestor whose parent is anyPolicy, before any mapping), once each, in order.
    pub(crate) fn user_policies_at(&self, depth: usize) -> Vec<Oid> {
        let mut out: Vec<Oid> = Vec::new();
        for (idx, _) in self.nodes(depth) {
            let (mut d, mut i) = (depth, idx);
            let policy = loop {
                let Some(node) = self.levels.get(d).and_then(|l| l.get(i)) else {
                    break None;
                };
                let parent = self
                    .levels
                    .get(d.wrapping_sub(1))
                    .and_then(|l| l.get(node.parent));
                match parent {
                    Some(p) if p.policy != ANY_POLICY => (d, i) = (d - 1, node.parent),
                    _ => break Some(node.policy),
                }
            };
            if let Some(p) = policy.filter(|p| !out.contains(p)) {
                out.push(p);
            }
        }
        out
    }

    /// The valid_policy of every living node of `depth`, in order, once each.
    #[cfg(test)]
    pub(crate) fn policies_at(&self, depth: usize) -> Vec<Oid> {
        let mut out: Vec<Oid> = Vec::new();
        for (_, n) in self.nodes(depth) {
            if !out.contains(&n.policy) {
                out.push(n.policy);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P1: Oid = Oid::new_unwrap("2.16.840.1.101.3.2.1.48.1");
    const P2: Oid = Oid::new_unwrap("2.16.840.1.101.3.2.1.48.2");

    #[test]
    fn starts_with_any_policy_expecting_any_policy() {
        let t = PolicyTree::new(10);
        let root: Vec<_> = t.nodes(0).collect();
        assert_eq!(root.len(), 1);
        assert_eq!(root[0].1.policy, ANY_POLICY);
        assert_eq!(root[0].1.expected, [ANY_POLICY]);
        assert_eq!(t.policies_at(1), []);
    }

    #[test]
    fn childless_nodes_are_pruned_up_to_the_root() {
        let mut t = PolicyTree::new(10);
        t.add(1, 0, P1, vec![P1]).unwrap();
        t.add(1, 0, P2, vec![P2]).unwrap();
        t.add(2, 1, P2, vec![P2]).unwrap();
        assert!(t.has_child(2, 1, &P2));
        assert!(t.prune_childless(2));
        assert_eq!(t.policies_at(1), [P2], "P1 had no child");
        t.delete(2, |n| n.policy == P2);
        assert!(!t.prune_childless(2), "nothing left: NULL");
    }

    #[test]
    fn a_subtree_goes_with_its_root() {
        let mut t = PolicyTree::new(10);
        t.add(1, 0, P1, vec![P1]).unwrap();
        t.add(1, 0, P2, vec![P2]).unwrap();
        t.add(2, 0, P1, vec![P1]).unwrap();
        t.add(2, 1, P2, vec![P2]).unwrap();
        t.delete_subtree(1, 0);
        assert_eq!(t.policies_at(1), [P2]);
        assert_eq!(t.policies_at(2), [P2]);
    }

    #[test]
    fn user_policies_are_named_in_the_relying_partys_domain() {
        // anyPolicy → P1 (mapped to P2 below) → P2.
        let mut t = PolicyTree::new(10);
        t.add(1, 0, P1, vec![P2]).unwrap();
        t.add(2, 0, P2, vec![P2]).unwrap();
        assert_eq!(t.policies_at(2), [P2]);
        assert_eq!(t.user_policies_at(2), [P1]);
        // An anyPolicy branch all the way down is anyPolicy.
        let mut t = PolicyTree::new(10);
        t.add(1, 0, ANY_POLICY, vec![ANY_POLICY]).unwrap();
        assert_eq!(t.user_policies_at(1), [ANY_POLICY]);
    }

    #[test]
    fn node_creation_is_bounded() {
        let mut t = PolicyTree::new(2);
        t.add(1, 0, P1, vec![P1]).unwrap();
        let e = t.add(1, 0, P2, vec![P2]).unwrap_err();
        assert!(matches!(e, Error::LimitExceeded { max: 2, .. }), "{e:?}");
    }
}
