//! Path building and validation (RFC 5280 section 6, for an any-policy relying party).
//!
//! Depth-first from the leaf: candidate issuers are the trust anchors, the certificates
//! of the message and the configured intermediates whose subject equals the child's
//! issuer (and whose subjectKeyIdentifier, when both are present, equals the child's
//! authorityKeyIdentifier). Each link is checked by [`PathBuilder::check_link`]; when
//! every candidate fails, the most specific error wins ([`Error::rank`]).
//!
//! Anchors are trusted for their key and name; their own signature is not checked
//! (a SHA-1 self-signature on a root is harmless), nor their basicConstraints and
//! keyUsage (old v1 roots have none). Their validity, extendedKeyUsage and name
//! constraints are applied like a CA's.

use std::sync::Arc;

use crate::anchors::TrustStore;
use crate::cert::Cert;
use crate::verify::{KeyKind, SigKind, VerifyError, verify_signature};
use crate::{Error, Limits, names, oids};

/// Link checks allowed per signature check (cached links cost no signature check but
/// still count here, so the search itself is bounded).
const STEPS_PER_SIGNATURE: usize = 10;

/// One path search for one leaf.
pub(crate) struct PathBuilder<'a> {
    trust: &'a TrustStore,
    limits: &'a Limits,
    message: &'a [Arc<Cert>],
    at: i64,
    signature_checks: usize,
    steps: usize,
}

impl<'a> PathBuilder<'a> {
    pub(crate) fn new(
        trust: &'a TrustStore,
        limits: &'a Limits,
        message: &'a [Arc<Cert>],
        at: i64,
    ) -> PathBuilder<'a> {
        PathBuilder {
            trust,
            limits,
            message,
            at,
            signature_checks: 0,
            steps: 0,
        }
    }

    /// A validated path from `leaf` to an anchor: leaf first, anchor last.
    pub(crate) fn build(&mut self, leaf: Arc<Cert>) -> Result<Vec<Arc<Cert>>, Error> {
        if self.trust.is_anchor(&leaf) {
            // A directly trusted end-entity certificate.
            return Ok(vec![leaf]);
        }
        let mut chain = vec![leaf];
        self.extend(&mut chain)?;
        Ok(chain)
    }

    fn extend(&mut self, chain: &mut Vec<Arc<Cert>>) -> Result<(), Error> {
        let Some(child) = chain.last().cloned() else {
            return Err(Error::Malformed {
                what: "empty path".into(),
            });
        };
        // Certificates above the leaf so far; one more is about to be added.
        if chain.len() > self.limits.max_path_depth {
            return Err(Error::LimitExceeded {
                limit: "path depth",
                max: self.limits.max_path_depth,
            });
        }
        let fits = |c: &Arc<Cert>| {
            c.subject_dn == child.issuer_dn
                && !chain.iter().any(|x| x.sha256 == c.sha256)
                && match (&child.ext.aki, &c.ext.ski) {
                    (Some(aki), Some(ski)) => aki == ski,
                    _ => true,
                }
        };
        let anchors: Vec<Arc<Cert>> = self
            .trust
            .anchors_for(&child.issuer_dn)
            .filter(|c| fits(c))
            .cloned()
            .collect();
        let mut others: Vec<Arc<Cert>> = Vec::new();
        for c in self.message.iter().chain(&self.trust.intermediates) {
            if fits(c) && !self.trust.is_anchor(c) && !others.iter().any(|o| o.sha256 == c.sha256) {
                others.push(c.clone());
            }
        }
        let mut best = Error::UnknownIssuer {
            subject: child.subject.clone(),
            issuer: child.issuer.clone(),
        };
        let candidates = anchors
            .into_iter()
            .map(|a| (a, true))
            .chain(others.into_iter().map(|c| (c, false)));
        for (issuer, is_anchor) in candidates {
            let result = self.check_link(chain, &issuer, is_anchor).and_then(|()| {
                chain.push(issuer.clone());
                if is_anchor {
                    return Ok(());
                }
                let r = self.extend(chain);
                if r.is_err() {
                    chain.pop();
                }
                r
            });
            match result {
                Ok(()) => return Ok(()),
                Err(e @ Error::LimitExceeded { .. }) => return Err(best.most_specific(e)),
                Err(e) => best = best.most_specific(e),
            }
        }
        Err(best)
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

    /// Verifies `sig` over `msg` by `issuer`'s key, through the trust store's cache.
    fn verified(
        &mut self,
        fingerprint: [u8; 32],
        issuer: &Cert,
        alg: &spki::AlgorithmIdentifierOwned,
        msg: &[u8],
        sig: &[u8],
        cache: bool,
    ) -> Result<bool, VerifyError> {
        if let Some(ok) = self.trust.cached_link(&fingerprint, &issuer.sha256) {
            return Ok(ok);
        }
        let r = verify_signature(alg, &issuer.spki_der, msg, sig);
        let ok = match r {
            Ok(()) => true,
            Err(VerifyError::Bad) => false,
            Err(e) => return Err(e),
        };
        if cache {
            self.trust.cache_link(fingerprint, issuer.sha256, ok);
        }
        Ok(ok)
    }

    /// The checks for `issuer` certifying the last certificate of `chain`.
    fn check_link(
        &mut self,
        chain: &[Arc<Cert>],
        issuer: &Cert,
        is_anchor: bool,
    ) -> Result<(), Error> {
        self.spend_step()?;
        let Some(child) = chain.last() else {
            return Err(Error::Malformed {
                what: "empty path".into(),
            });
        };
        let child_is_leaf = chain.len() == 1;

        // Signature of the child (RFC 5280 6.1.3 (a)(1)); MD5/SHA-1 refused outright.
        if let SigKind::Weak(name) = SigKind::of(&child.signature_algorithm) {
            return Err(Error::WeakAlgorithm {
                subject: child.subject.clone(),
                algorithm: name.into(),
            });
        }
        if self
            .trust
            .cached_link(&child.sha256, &issuer.sha256)
            .is_none()
        {
            self.spend_signature()?;
        }
        // Leaf links are not cached: one entry per message would only churn the cache.
        match self.verified(
            child.sha256,
            issuer,
            &child.signature_algorithm,
            &child.tbs,
            &child.signature,
            !child_is_leaf,
        ) {
            Ok(true) => {}
            Ok(false) => {
                return Err(Error::BadSignature {
                    subject: child.subject.clone(),
                });
            }
            Err(VerifyError::Weak(algorithm)) => {
                return Err(Error::WeakAlgorithm {
                    subject: child.subject.clone(),
                    algorithm,
                });
            }
            Err(VerifyError::Unsupported(algorithm)) => {
                return Err(Error::UnsupportedSignatureAlgorithm {
                    subject: child.subject.clone(),
                    algorithm,
                });
            }
            Err(VerifyError::Bad) => {
                return Err(Error::BadSignature {
                    subject: child.subject.clone(),
                });
            }
        }

        // The issuer's key strength.
        let key = KeyKind::of(&issuer.spki_der);
        if key.is_weak() {
            return Err(Error::WeakKey {
                subject: issuer.subject.clone(),
                key: key.name(),
            });
        }

        // Basic constraints and keyCertSign (6.1.4 (k), (n)); anchors exempt.
        if !is_anchor {
            if let Some(oid) = issuer.ext.unknown_critical {
                return Err(Error::UnknownCriticalExtension {
                    subject: issuer.subject.clone(),
                    oid: oid.to_string(),
                });
            }
            if !issuer.is_ca() {
                return Err(Error::NotCa {
                    subject: issuer.subject.clone(),
                });
            }
            if issuer
                .ext
                .key_usage
                .as_ref()
                .is_some_and(|ku| !ku.key_cert_sign())
            {
                return Err(Error::CaKeyUsage {
                    subject: issuer.subject.clone(),
                });
            }
        }

        // pathLenConstraint (6.1.4 (m)): non-self-issued intermediates below the issuer.
        if let Some(max) = issuer
            .ext
            .basic_constraints
            .as_ref()
            .and_then(|b| b.path_len_constraint)
        {
            let below = chain.iter().skip(1).filter(|c| !c.is_self_issued()).count();
            if below > usize::from(max) {
                return Err(Error::PathLenExceeded {
                    subject: issuer.subject.clone(),
                });
            }
        }

        // Validity of the CA (6.1.3 (a)(2)).
        if self.at < issuer.not_before {
            return Err(Error::CertNotYetValid {
                subject: issuer.subject.clone(),
                not_before: issuer.not_before,
                at: self.at,
            });
        }
        if self.at > issuer.not_after {
            return Err(Error::CertExpired {
                subject: issuer.subject.clone(),
                not_after: issuer.not_after,
                at: self.at,
            });
        }

        // SPEC step 5: an EKU on a CA must allow emailProtection.
        if let Some(eku) = &issuer.ext.eku
            && !eku.contains(&oids::EMAIL_PROTECTION)
        {
            return Err(Error::CaWrongPurpose {
                subject: issuer.subject.clone(),
            });
        }

        // Name constraints of the issuer over every certificate below it (6.1.3 (b), (c)).
        for (i, c) in chain.iter().enumerate() {
            names::check_name_constraints(issuer, c, i == 0)?;
        }

        // Revocation of the child by its issuer's CRLs.
        for crl in self.trust.crls_for(&child.issuer_der) {
            if !crl.revoked.contains(&child.serial) {
                continue;
            }
            if self
                .trust
                .cached_link(&crl.sha256, &issuer.sha256)
                .is_none()
            {
                self.spend_signature()?;
            }
            let ok = self
                .verified(
                    crl.sha256,
                    issuer,
                    &crl.signature_algorithm,
                    &crl.tbs,
                    &crl.signature,
                    true,
                )
                .unwrap_or(false);
            if ok {
                return Err(Error::Revoked {
                    subject: child.subject.clone(),
                    serial: child.serial_hex(),
                });
            }
        }
        Ok(())
    }
}
