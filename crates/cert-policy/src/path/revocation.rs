//! 6.1.3 (a)(3) for the path search: the certificate's status from the trust store's
//! CRLs (RFC 5280 6.3), the CRL issuer's key taken from the part of the path already
//! validated, or from another certificate of the CRL issuer whose own path is validated
//! to the same trust anchor (6.3.3 (f): separate CRL-signing keys, key rollover,
//! indirect CRLs).

use std::sync::Arc;

use super::{Options, Search};
use crate::cert::Cert;
use crate::crl::{Crl, CrlSigners, RevocationStatus, Verdict, signer_unfit, status_6_3_3};
use crate::policy::PathInputs;
use crate::{Error, RevocationPolicy};

/// How many CRL issuer paths may nest (a CRL signer's certificate checked with a CRL
/// whose signer's certificate is checked...).
const MAX_NESTING: usize = 3;

/// State of the revocation checks of one search.
#[derive(Debug, Default)]
pub(crate) struct CrlContext {
    /// The CRLs whose issuer's path is being validated by an outer check. Inside that
    /// validation such a CRL is used as it is: the outer check verifies its signature
    /// with the key it validates, and drops everything when it does not verify. (A CRL
    /// issuer's certificate may be covered by the CRL it signs, PKITS 4.14.30.)
    in_progress: Vec<[u8; 32]>,
}

/// 6.1.3 (a)(3): the status of `path[i]`, its issuer `path[i - 1]` and everything above
/// validated; what an unknown status means is the search's [`RevocationPolicy`].
pub(crate) fn check_6_1_3_a_3(
    search: &mut Search<'_>,
    path: &[Arc<Cert>],
    i: usize,
) -> Result<Option<String>, Error> {
    let cert = &path[i];
    let crls = search.trust.crls().to_vec();
    let at = search.at;
    let status = if crls.is_empty() {
        RevocationStatus::Unknown {
            why: "no CRL is configured".into(),
        }
    } else {
        let mut signers = PathSigners {
            search: &mut *search,
            validated: &path[..i],
        };
        status_6_3_3(cert, &crls, at, &mut signers)?
    };
    match status {
        RevocationStatus::Good => Ok(Some("good".into())),
        RevocationStatus::Revoked { reason, date } => Err(Error::Revoked {
            subject: cert.subject.clone(),
            serial: cert.serial_hex(),
            reason,
            date: Some(date),
        }),
        RevocationStatus::Unknown { why } => match search.revocation {
            RevocationPolicy::RequireGood => Err(Error::RevocationUnknown {
                subject: cert.subject.clone(),
                serial: cert.serial_hex(),
                why,
            }),
            RevocationPolicy::RefuseRevoked => Ok(Some(format!("not checked: {why}"))),
        },
    }
}

/// The keys that may have signed a CRL, for a certificate whose path is validated up to
/// `validated` (trust anchor first).
struct PathSigners<'s, 'a> {
    search: &'s mut Search<'a>,
    validated: &'s [Arc<Cert>],
}

impl CrlSigners for PathSigners<'_, '_> {
    fn verify(&mut self, crl: &Crl, _cert: &Cert) -> Result<Verdict, Error> {
        if self.search.crl.in_progress.contains(&crl.sha256) {
            return Ok(Verdict::Verified);
        }
        let mut why = Vec::new();
        // The issuer's certificates on the validated path, nearest first.
        for signer in self
            .validated
            .iter()
            .rev()
            .filter(|c| c.subject_dn == crl.issuer)
        {
            match self.check_signature(signer, crl)? {
                Verdict::Verified => return Ok(Verdict::Verified),
                Verdict::Unverified(w) => why.push(w),
            }
        }
        // Its other certificates, each with a path of its own.
        let others: Vec<Arc<Cert>> = self
            .search
            .message
            .iter()
            .chain(&self.search.trust.intermediates)
            .filter(|c| c.subject_dn == crl.issuer)
            .filter(|c| !self.validated.iter().any(|v| v.sha256 == c.sha256))
            .cloned()
            .collect();
        for signer in others {
            if let Verdict::Unverified(w) = self.check_signature(&signer, crl)? {
                why.push(w);
                continue;
            }
            match self.signer_path(&signer, crl)? {
                Verdict::Verified => return Ok(Verdict::Verified),
                Verdict::Unverified(w) => why.push(w),
            }
        }
        if why.is_empty() {
            why.push(format!("no certificate of {} is known", crl.issuer_name));
        }
        Ok(Verdict::Unverified(why.join("; ")))
    }
}

impl PathSigners<'_, '_> {
    /// 6.3.3 (f)-(g) with one key: fit to sign CRLs, and the signature verifies.
    fn check_signature(&mut self, signer: &Cert, crl: &Crl) -> Result<Verdict, Error> {
        if let Some(why) = signer_unfit(signer, crl) {
            return Ok(Verdict::Unverified(why));
        }
        let r = self.search.verified(
            crl.sha256,
            signer,
            &crl.signature_algorithm,
            &crl.tbs,
            &crl.signature,
            true,
        );
        Ok(match r {
            Ok(true) => Verdict::Verified,
            Ok(false) => Verdict::Unverified(format!(
                "its signature does not verify with the key of {}",
                signer.subject
            )),
            Err(e @ Error::LimitExceeded { .. }) => return Err(e),
            Err(e) => Verdict::Unverified(format!("{} ({e})", signer.subject)),
        })
    }

    /// 6.3.3 (f): a valid path for `signer` to the same trust anchor.
    fn signer_path(&mut self, signer: &Arc<Cert>, crl: &Crl) -> Result<Verdict, Error> {
        let Some(anchor) = self.validated.first() else {
            return Ok(Verdict::Unverified("no trust anchor".into()));
        };
        if self.search.crl.in_progress.len() >= MAX_NESTING {
            return Ok(Verdict::Unverified("CRL issuer paths nest too deep".into()));
        }
        let inputs = PathInputs::default();
        let options = Options {
            inputs: &inputs,
            revocation: self.search.revocation,
            enforce_email_purpose: self.search.enforce_email_purpose,
        };
        self.search.crl.in_progress.push(crl.sha256);
        let found = self
            .search
            .find(signer.clone(), &options, Some(anchor.sha256));
        self.search.crl.in_progress.pop();
        // `find` set the options of the nested search: they are the outer ones too.
        match found {
            Ok(_) => Ok(Verdict::Verified),
            Err(f) if matches!(f.error, Error::LimitExceeded { .. }) => Err(f.error),
            Err(f) => Ok(Verdict::Unverified(format!(
                "no valid path for {}: {}",
                signer.subject, f.error
            ))),
        }
    }
}
