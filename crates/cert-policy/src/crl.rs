//! Certificate revocation lists, RFC 5280 6.3, without I/O: the CRLs come in as bytes,
//! the time as an argument, and the result per certificate is a [`RevocationStatus`]
//! for the caller to act on.
//!
//! Covered: the CRL issuer's key and keyUsage cRLSign (the CRL issuer's own path is
//! validated to the same trust anchor by the path search, `path::revocation`),
//! issuingDistributionPoint and the certificate's distribution points (full names and
//! names relative to the CRL issuer), indirect CRLs and certificateIssuer entries,
//! onlySomeReasons partitions, onlyContainsUserCerts/CACerts/AttributeCerts, delta CRLs
//! and removeFromCRL, thisUpdate/nextUpdate, unknown critical CRL and entry extensions.

mod parse;
mod scope;
mod status;

use std::sync::Arc;

use x509_cert::ext::pkix::crl::CrlReason;

use crate::Error;
use crate::cert::Cert;
use crate::verify::verify_signature;

pub(crate) use parse::Crl;
pub(crate) use status::{CrlSigners, Verdict, status_6_3_3};

/// CRLReason (RFC 5280 5.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub enum RevocationReason {
    Unspecified,
    KeyCompromise,
    CaCompromise,
    AffiliationChanged,
    Superseded,
    CessationOfOperation,
    CertificateHold,
    RemoveFromCrl,
    PrivilegeWithdrawn,
    AaCompromise,
}

impl From<CrlReason> for RevocationReason {
    fn from(r: CrlReason) -> RevocationReason {
        match r {
            CrlReason::Unspecified => RevocationReason::Unspecified,
            CrlReason::KeyCompromise => RevocationReason::KeyCompromise,
            CrlReason::CaCompromise => RevocationReason::CaCompromise,
            CrlReason::AffiliationChanged => RevocationReason::AffiliationChanged,
            CrlReason::Superseded => RevocationReason::Superseded,
            CrlReason::CessationOfOperation => RevocationReason::CessationOfOperation,
            CrlReason::CertificateHold => RevocationReason::CertificateHold,
            CrlReason::RemoveFromCRL => RevocationReason::RemoveFromCrl,
            CrlReason::PrivilegeWithdrawn => RevocationReason::PrivilegeWithdrawn,
            CrlReason::AaCompromise => RevocationReason::AaCompromise,
        }
    }
}

impl std::fmt::Display for RevocationReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RevocationReason::Unspecified => "unspecified",
            RevocationReason::KeyCompromise => "keyCompromise",
            RevocationReason::CaCompromise => "cACompromise",
            RevocationReason::AffiliationChanged => "affiliationChanged",
            RevocationReason::Superseded => "superseded",
            RevocationReason::CessationOfOperation => "cessationOfOperation",
            RevocationReason::CertificateHold => "certificateHold",
            RevocationReason::RemoveFromCrl => "removeFromCRL",
            RevocationReason::PrivilegeWithdrawn => "privilegeWithdrawn",
            RevocationReason::AaCompromise => "aACompromise",
        })
    }
}

/// A certificate's revocation status (RFC 5280 6.3.3: UNREVOKED for every reason, a
/// revocation reason, or UNDETERMINED). What an unknown status means is the caller's
/// decision ([`crate::RevocationPolicy`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevocationStatus {
    /// Usable CRLs cover every revocation reason and none lists the certificate.
    Good,
    /// A usable CRL lists the certificate.
    Revoked {
        /// The CRL entry's reasonCode, if any.
        reason: Option<RevocationReason>,
        /// The revocationDate, Unix seconds.
        date: i64,
    },
    /// No usable CRL covers (every reason of) the certificate.
    Unknown {
        /// Why: which CRLs were considered and what was wrong with them.
        why: String,
    },
}

/// RFC 5280 6.3 for one certificate against CRLs already fetched (DER), at `at`: the
/// entry point for a network revocation layer. Only CRLs signed by `issuer`'s key count
/// (the CRLs a CA publishes for its certificates); a CRL signed by another key (an
/// indirect CRL, a separate CRL-signing certificate) needs that key's own path, which
/// [`crate::TrustStore::with_crls`] and path validation provide, and is reported as
/// not verifiable here.
///
/// # Errors
/// A certificate or CRL that does not decode.
pub fn revocation_status(
    cert: &[u8],
    issuer: &[u8],
    crls: &[&[u8]],
    at: i64,
) -> Result<RevocationStatus, Error> {
    let cert = Cert::parse(cert)?;
    let issuer = Cert::parse(issuer)?;
    let crls = crls
        .iter()
        .map(|d| Crl::parse(d).map(Arc::new))
        .collect::<Result<Vec<_>, _>>()?;
    status_6_3_3(&cert, &crls, at, &mut IssuerKey(&issuer))
}

/// Verifies CRLs with one already-validated issuer certificate.
struct IssuerKey<'a>(&'a Cert);

impl CrlSigners for IssuerKey<'_> {
    fn verify(&mut self, crl: &Crl, _cert: &Cert) -> Result<Verdict, Error> {
        Ok(verify_with(self.0, crl))
    }
}

/// 6.3.3 (f)-(g) with one candidate key: the certificate names the CRL's issuer, may
/// sign CRLs, and its key verifies the CRL's signature.
pub(crate) fn verify_with(signer: &Cert, crl: &Crl) -> Verdict {
    if let Some(why) = signer_unfit(signer, crl) {
        return Verdict::Unverified(why);
    }
    match verify_signature(
        &crl.signature_algorithm,
        &signer.spki_der,
        &crl.tbs,
        &crl.signature,
    ) {
        Ok(()) => Verdict::Verified,
        Err(_) => Verdict::Unverified(format!(
            "its signature does not verify with the key of {}",
            signer.subject
        )),
    }
}

/// Why `signer` cannot have signed `crl`, if it cannot: another name, keyUsage without
/// cRLSign, another key by the authorityKeyIdentifier.
pub(crate) fn signer_unfit(signer: &Cert, crl: &Crl) -> Option<String> {
    if signer.subject_dn != crl.issuer {
        return Some(format!("{} is not the CRL's issuer", signer.subject));
    }
    if signer
        .ext
        .key_usage
        .as_ref()
        .is_some_and(|ku| !ku.crl_sign())
    {
        return Some(format!("the keyUsage of {} lacks cRLSign", signer.subject));
    }
    if let (Some(aki), Some(ski)) = (&crl.aki, &signer.ext.ski)
        && aki != ski
    {
        return Some(format!("the CRL names another key of {}", signer.subject));
    }
    None
}
