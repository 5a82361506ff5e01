//! Path building: the candidate paths from a certificate to a trust anchor, each
//! validated by [`crate::validate`] (RFC 5280 6.1); the first that validates wins.
//!
//! Depth-first from the leaf: candidate issuers are the trust anchors, the certificates
//! of the message and the configured intermediates whose subject is the child's issuer
//! (names compared per RFC 5280 7.1) and whose subjectKeyIdentifier, when both are
//! present, equals the child's authorityKeyIdentifier. Each link's signature is verified
//! as it is added (through the trust store's cache), so a branch with a bad signature is
//! not explored. When every candidate fails, the most specific error wins
//! ([`Error::rank`]), with the path and the checks that led to it.
//!
//! Anchors are trusted for their key and name; their own signature is not checked
//! (a SHA-1 self-signature on a root is harmless), nor their basicConstraints and
//! keyUsage (old v1 roots have none).

mod revocation;

use std::collections::HashSet;
use std::sync::Arc;

use crate::anchors::TrustStore;
use crate::cert::Cert;
use crate::policy::PathInputs;
use crate::validate::{Links, Output, Rules, Trace, validate_path};
use crate::verify::{KeyKind, SigKind, VerifyError, verify_signature};
use crate::{Error, Limits, RevocationPolicy};

/// Link checks allowed per signature check (cached links cost no signature check but
/// still count here, so the search itself is bounded).
const STEPS_PER_SIGNATURE: usize = 10;

/// The check a failed link records.
const SIGNATURE_CHECK: &str = "6.1.3 (a)(1) signature";

/// A validated path.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    /// Trust anchor first, the certificate last.
    pub(crate) path: Vec<Arc<Cert>>,
    pub(crate) output: Output,
    pub(crate) trace: Trace,
}

/// Why no path validated: the most specific error, with the (possibly partial) path
/// where it happened, top first, and the checks that ran on it.
#[derive(Debug, Clone)]
pub(crate) struct Failed {
    pub(crate) error: Error,
    pub(crate) path: Vec<Arc<Cert>>,
    pub(crate) trace: Trace,
}

impl Failed {
    fn keep_most_specific(&mut self, other: Failed) {
        if other.error.rank() > self.error.rank() {
            *self = other;
        }
    }
}

/// What a search is for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Options<'a> {
    pub(crate) inputs: &'a PathInputs,
    pub(crate) revocation: RevocationPolicy,
    pub(crate) enforce_email_purpose: bool,
}

/// One path search (and the nested searches for CRL issuers), with its budgets.
pub(crate) struct Search<'a> {
    trust: &'a TrustStore,
    limits: &'a Limits,
    message: &'a [Arc<Cert>],
    at: i64,
    revocation: RevocationPolicy,
    enforce_email_purpose: bool,
    signature_checks: usize,
    steps: usize,
    /// A limit was reached: the search gives up.
    stopped: bool,
    /// Links verified in this search: (child, issuer) fingerprints.
    verified: HashSet<([u8; 32], [u8; 32])>,
    /// State of the revocation checks (nested CRL issuer searches).
    crl: revocation::CrlContext,
}

impl<'a> Search<'a> {
    pub(crate) fn new(
        trust: &'a TrustStore,
        limits: &'a Limits,
        message: &'a [Arc<Cert>],
        at: i64,
    ) -> Search<'a> {
        Search {
            trust,
            limits,
            message,
            at,
            revocation: RevocationPolicy::default(),
            enforce_email_purpose: true,
            signature_checks: 0,
            steps: 0,
            stopped: false,
            verified: HashSet::new(),
            crl: revocation::CrlContext::default(),
        }
    }

    /// A validated path from `leaf` to a trust anchor (to `anchor` only, when given).
    pub(crate) fn find(
        &mut self,
        leaf: Arc<Cert>,
        options: &Options<'_>,
        anchor: Option<[u8; 32]>,
    ) -> Result<Found, Box<Failed>> {
        self.revocation = options.revocation;
        self.enforce_email_purpose = options.enforce_email_purpose;
        if self.trust.is_anchor(&leaf) && anchor.is_none_or(|a| a == leaf.sha256) {
            // A directly trusted certificate: nothing to validate.
            return Ok(Found {
                path: vec![leaf],
                output: Output {
                    user_constrained_policy_set: Vec::new(),
                },
                trace: Trace::default(),
            });
        }
        let mut best = Failed {
            error: Error::UnknownIssuer {
                subject: leaf.subject.clone(),
                issuer: leaf.issuer.clone(),
            },
            path: vec![leaf.clone()],
            trace: Trace::default(),
        };
        let mut chain = vec![leaf];
        match self.extend(&mut chain, options.inputs, anchor, &mut best) {
            Some(found) => Ok(found),
            None => Err(Box::new(best)),
        }
    }

    /// Tries every issuer of the last certificate of `chain` (leaf first); `None` when
    /// none leads to a valid path (`best` then says why).
    fn extend(
        &mut self,
        chain: &mut Vec<Arc<Cert>>,
        inputs: &PathInputs,
        anchor: Option<[u8; 32]>,
        best: &mut Failed,
    ) -> Option<Found> {
        let child = chain.last()?.clone();
        // Certificates above the leaf so far; one more is about to be added.
        if chain.len() > self.limits.max_path_depth {
            let failed = self.failed_at(chain, self.depth_error());
            self.keep(best, failed);
            return None;
        }
        for (issuer, is_anchor) in self.candidates(chain, anchor) {
            if self.stopped {
                return None;
            }
            if let Err(error) = self.link(&child, &issuer, chain.len() == 1) {
                let mut failed = self.failed_at(chain, error.clone());
                failed.path.insert(0, issuer.clone());
                failed
                    .trace
                    .record::<()>(SIGNATURE_CHECK, 1, Err(error))
                    .ok();
                self.keep(best, failed);
                continue;
            }
            chain.push(issuer);
            if is_anchor {
                match self.validate(chain, inputs) {
                    Ok(found) => return Some(found),
                    Err(failed) => self.keep(best, *failed),
                }
            } else if let Some(found) = self.extend(chain, inputs, anchor, best) {
                return Some(found);
            }
            chain.pop();
        }
        None
    }

    /// Keeps the more specific failure; a limit reached stops the search.
    fn keep(&mut self, best: &mut Failed, failed: Failed) {
        if matches!(failed.error, Error::LimitExceeded { .. }) {
            self.stopped = true;
        }
        best.keep_most_specific(failed);
    }

    /// The issuers to try for the last certificate of `chain`: anchors first, then the
    /// message's certificates and the configured intermediates.
    fn candidates(&self, chain: &[Arc<Cert>], anchor: Option<[u8; 32]>) -> Vec<(Arc<Cert>, bool)> {
        let Some(child) = chain.last() else {
            return Vec::new();
        };
        let fits = |c: &Arc<Cert>| {
            c.subject_dn == child.issuer_dn
                && !chain.iter().any(|x| x.sha256 == c.sha256)
                && match (&child.ext.aki, &c.ext.ski) {
                    (Some(aki), Some(ski)) => aki == ski,
                    _ => true,
                }
        };
        let mut out: Vec<(Arc<Cert>, bool)> = self
            .trust
            .anchors_for(&child.issuer_dn)
            .filter(|c| fits(c) && anchor.is_none_or(|a| a == c.sha256))
            .map(|c| (c.clone(), true))
            .collect();
        for c in self.message.iter().chain(&self.trust.intermediates) {
            if fits(c) && !self.trust.is_anchor(c) && !out.iter().any(|(o, _)| o.sha256 == c.sha256)
            {
                out.push((c.clone(), false));
            }
        }
        out
    }

    /// Validates the complete `chain` (leaf first, anchor last).
    fn validate(&mut self, chain: &[Arc<Cert>], inputs: &PathInputs) -> Result<Found, Box<Failed>> {
        let path: Vec<Arc<Cert>> = chain.iter().rev().cloned().collect();
        let rules = Rules {
            inputs,
            at: self.at,
            max_policy_nodes: self.limits.max_policy_nodes,
            enforce_email_purpose: self.enforce_email_purpose,
        };
        let mut trace = Trace::default();
        match validate_path(&path, &rules, self, &mut trace) {
            Ok(output) => Ok(Found {
                path,
                output,
                trace,
            }),
            Err(error) => Err(Box::new(Failed { error, path, trace })),
        }
    }

    fn failed_at(&self, chain: &[Arc<Cert>], error: Error) -> Failed {
        Failed {
            error,
            path: chain.iter().rev().cloned().collect(),
            trace: Trace::default(),
        }
    }

    fn depth_error(&self) -> Error {
        Error::LimitExceeded {
            limit: "path depth",
            max: self.limits.max_path_depth,
        }
    }

    fn spend_step(&mut self) -> Result<(), Error> {
        self.steps += 1;
        let max = self
            .limits
            .max_signature_checks
            .saturating_mul(STEPS_PER_SIGNATURE);
        if self.steps > max {
            return Err(Error::LimitExceeded {
                limit: "path search steps",
                max,
            });
        }
        Ok(())
    }

    fn spend_signature(&mut self) -> Result<(), Error> {
        if self.signature_checks >= self.limits.max_signature_checks {
            return Err(Error::LimitExceeded {
                limit: "signature checks",
                max: self.limits.max_signature_checks,
            });
        }
        self.signature_checks += 1;
        Ok(())
    }

    /// Verifies `sig` over `msg` by `issuer`'s key, through the trust store's cache
    /// (`cache`: remember the verdict there) and the signature budget.
    pub(crate) fn verified(
        &mut self,
        fingerprint: [u8; 32],
        issuer: &Cert,
        alg: &spki::AlgorithmIdentifierOwned,
        msg: &[u8],
        sig: &[u8],
        cache: bool,
    ) -> Result<bool, Error> {
        if let Some(ok) = self.trust.cached_link(&fingerprint, &issuer.sha256) {
            return Ok(ok);
        }
        self.spend_signature()?;
        let ok = match verify_signature(alg, &issuer.spki_der, msg, sig) {
            Ok(()) => true,
            Err(VerifyError::Bad) => false,
            Err(VerifyError::Weak(algorithm)) => {
                return Err(Error::WeakAlgorithm {
                    subject: String::new(),
                    algorithm,
                });
            }
            Err(VerifyError::Unsupported(algorithm)) => {
                return Err(Error::UnsupportedSignatureAlgorithm {
                    subject: String::new(),
                    algorithm,
                });
            }
        };
        if cache {
            self.trust.cache_link(fingerprint, issuer.sha256, ok);
        }
        Ok(ok)
    }

    /// 6.1.3 (a)(1) for one link, with the S/MIME rules on it: the issuer's key type is
    /// one we verify, the signature algorithm is not MD5/SHA-1 based, the issuer's key
    /// is not weak.
    fn link(&mut self, child: &Cert, issuer: &Cert, child_is_leaf: bool) -> Result<(), Error> {
        self.spend_step()?;
        let key = KeyKind::of(&issuer.spki_der);
        if let KeyKind::Other(_) = key {
            return Err(Error::UnsupportedSignatureAlgorithm {
                subject: child.subject.clone(),
                algorithm: format!(
                    "{} with a {} key",
                    SigKind::of(&child.signature_algorithm).name(),
                    key.name()
                ),
            });
        }
        if let SigKind::Weak(name) = SigKind::of(&child.signature_algorithm) {
            return Err(Error::WeakAlgorithm {
                subject: child.subject.clone(),
                algorithm: name.into(),
            });
        }
        // Leaf links are not cached: one entry per message would only churn the cache.
        let ok = self
            .verified(
                child.sha256,
                issuer,
                &child.signature_algorithm,
                &child.tbs,
                &child.signature,
                !child_is_leaf,
            )
            .map_err(|e| with_subject(e, &child.subject))?;
        if !ok {
            return Err(Error::BadSignature {
                subject: child.subject.clone(),
            });
        }
        if key.is_weak() {
            return Err(Error::WeakKey {
                subject: issuer.subject.clone(),
                key: key.name(),
            });
        }
        self.verified.insert((child.sha256, issuer.sha256));
        Ok(())
    }
}

/// Names the certificate in a signature error raised without it.
fn with_subject(e: Error, subject: &str) -> Error {
    match e {
        Error::WeakAlgorithm { algorithm, .. } => Error::WeakAlgorithm {
            subject: subject.into(),
            algorithm,
        },
        Error::UnsupportedSignatureAlgorithm { algorithm, .. } => {
            Error::UnsupportedSignatureAlgorithm {
                subject: subject.into(),
                algorithm,
            }
        }
        other => other,
    }
}

impl Links for Search<'_> {
    fn verify_signature(&mut self, path: &[Arc<Cert>], i: usize) -> Result<(), Error> {
        let (child, issuer) = (&path[i], &path[i - 1]);
        if self.verified.contains(&(child.sha256, issuer.sha256)) {
            return Ok(());
        }
        self.link(child, issuer, i + 1 == path.len())
    }

    fn check_revocation(&mut self, path: &[Arc<Cert>], i: usize) -> Result<Option<String>, Error> {
        revocation::check_6_1_3_a_3(self, path, i)
    }
}
