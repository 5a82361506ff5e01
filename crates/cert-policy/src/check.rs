//! One certificate checked without a message: the path built, each check that ran and
//! the first that failed (`readsmimesig --check-cert`, and the PKITS suite).

use std::sync::Arc;

use crate::cert::Cert;
use crate::checks::{self, Role};
use crate::path::{Failed, Options, Search};
use crate::summary::CertSummary;
use crate::validate::{Outcome, Step, Trace};
use crate::{Error, Policy, TrustStore};

/// How one check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckOutcome {
    /// The check passed.
    Passed,
    /// The check failed and decided the result.
    Failed,
    /// The check failed but only informs (a purpose check without `smime`).
    Reported,
}

/// One check as it ran.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CheckStep {
    /// The rule, named after its RFC 5280 step ("6.1.3 (a)(2) validity") or S/MIME rule.
    pub check: &'static str,
    /// The certificate it applied to.
    pub subject: String,
    /// How it ended.
    pub outcome: CheckOutcome,
    /// How it passed (a revocation status) or why it failed.
    pub detail: Option<String>,
}

/// What [`check_certificate`] found.
#[derive(Debug, Clone)]
pub struct CheckReport {
    /// The path that validated, or the one that got furthest: top first (the trust
    /// anchor, when `anchored`), the checked certificate last.
    pub path: Vec<CertSummary>,
    /// Whether `path` starts at a trust anchor.
    pub anchored: bool,
    /// Every check that ran on `path`, in order.
    pub checks: Vec<CheckStep>,
    /// RFC 5280 6.1.6: the user-constrained policy set (OIDs) of a valid path.
    pub user_constrained_policy_set: Vec<String>,
    /// Why the certificate is invalid; `None` when it is valid.
    pub error: Option<Error>,
}

impl CheckReport {
    /// Whether the certificate is valid.
    pub fn is_valid(&self) -> bool {
        self.error.is_none()
    }
}

/// Validates `leaf` (DER) at `at` against `trust`, with `others` (DER, any order) as
/// candidate intermediates: RFC 5280 path validation with `policy`'s 6.1.1 inputs and
/// revocation policy, then the S/MIME checks that need no message. The leaf's key
/// strength and signature algorithm always decide; the purpose checks (CA and leaf
/// extendedKeyUsage, leaf keyUsage and basicConstraints) decide only with `smime`,
/// otherwise they are reported.
pub fn check_certificate(
    trust: &TrustStore,
    policy: &Policy,
    leaf: &[u8],
    others: &[Vec<u8>],
    at: i64,
    smime: bool,
) -> CheckReport {
    let failed = |error: Error| CheckReport {
        path: Vec::new(),
        anchored: false,
        checks: Vec::new(),
        user_constrained_policy_set: Vec::new(),
        error: Some(error),
    };
    if others.len() > policy.limits.max_candidates {
        return failed(Error::LimitExceeded {
            limit: "certificates given",
            max: policy.limits.max_candidates,
        });
    }
    let leaf = match Cert::parse(leaf) {
        Ok(c) => Arc::new(c),
        Err(e) => return failed(e),
    };
    let pool: Vec<Arc<Cert>> = others
        .iter()
        .filter_map(|d| Cert::parse(d).ok())
        .filter(|c| c.sha256 != leaf.sha256)
        .map(Arc::new)
        .collect();
    let options = Options {
        inputs: &policy.path_inputs,
        revocation: policy.revocation,
        enforce_email_purpose: smime,
    };
    let found = Search::new(trust, &policy.limits, &pool, at).find(leaf.clone(), &options, None);
    let (path, mut trace, error, set) = match found {
        Ok(f) => (f.path, f.trace, None, f.output.user_constrained_policy_set),
        Err(failed) => {
            let Failed { error, path, trace } = *failed;
            (path, trace, Some(error), Vec::new())
        }
    };
    let anchored = path.first().is_some_and(|c| trust.is_anchor(c));
    let error = error.or_else(|| leaf_checks(&leaf, path.len() - 1, smime, &mut trace));
    CheckReport {
        checks: trace.steps.iter().map(|s| step(s, &path)).collect(),
        path: path.iter().map(|c| CertSummary::of(c)).collect(),
        anchored,
        user_constrained_policy_set: set.iter().map(|o| o.to_string()).collect(),
        error,
    }
}

/// A named check on the certificate itself.
type LeafCheck = (&'static str, fn(&Cert) -> Result<(), Error>);

/// The S/MIME checks on the certificate itself, after its path validated; the first
/// deciding failure.
fn leaf_checks(leaf: &Cert, i: usize, smime: bool, trace: &mut Trace) -> Option<Error> {
    let deciding: [LeafCheck; 2] = [
        ("S/MIME: key strength", checks::check_key_strength),
        (
            "S/MIME: signature algorithm",
            checks::check_signature_algorithm,
        ),
    ];
    for (check, f) in deciding {
        if let Err(e) = trace.record(check, i, f(leaf)) {
            return Some(e);
        }
    }
    let purpose: [LeafCheck; 2] = [
        ("S/MIME: end-entity purpose", checks::check_purpose),
        ("S/MIME: key usage for signing and encryption", |c| {
            checks::check_key_usage(c, Role::SignAndEncrypt)
        }),
    ];
    for (check, f) in purpose {
        match f(leaf) {
            Err(e) if smime => return trace.record::<()>(check, i, Err(e)).err(),
            Err(e) => trace.steps.push(Step {
                check,
                cert: i,
                outcome: Outcome::Reported(e),
            }),
            Ok(()) => {
                trace.record(check, i, Ok(())).ok();
            }
        }
    }
    None
}

fn step(s: &Step, path: &[Arc<Cert>]) -> CheckStep {
    let (outcome, detail) = match &s.outcome {
        Outcome::Passed(note) => (CheckOutcome::Passed, note.clone()),
        Outcome::Failed(e) => (CheckOutcome::Failed, Some(e.to_string())),
        Outcome::Reported(e) => (CheckOutcome::Reported, Some(e.to_string())),
    };
    CheckStep {
        check: s.check,
        subject: path
            .get(s.cert)
            .map(|c| c.subject.clone())
            .unwrap_or_default(),
        outcome,
        detail,
    }
}
