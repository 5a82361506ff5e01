//! What the log says about a certificate.

use crate::Error;
use crate::cert::Cert;
use crate::verify::{KeyKind, SigKind};

/// A certificate as the log and the report show it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CertSummary {
    /// Subject DN (RFC 4514 string).
    pub subject: String,
    /// Issuer DN (RFC 4514 string).
    pub issuer: String,
    /// Serial number, lowercase hex.
    pub serial: String,
    /// Email addresses it names (SAN rfc822Name, SmtpUTF8Mailbox, subject emailAddress).
    pub emails: Vec<String>,
    /// notBefore, unix seconds.
    pub not_before: i64,
    /// notAfter, unix seconds.
    pub not_after: i64,
    /// Key type and size: "rsa-2048", "ec-p256", "ed25519", ...
    pub key: String,
    /// Signature algorithm of the certificate: "sha256WithRSAEncryption", ...
    pub signature_algorithm: String,
    /// SHA-256 of the DER, lowercase hex.
    pub sha256: String,
}

impl CertSummary {
    pub(crate) fn of(c: &Cert) -> CertSummary {
        CertSummary {
            subject: c.subject.clone(),
            issuer: c.issuer.clone(),
            serial: c.serial_hex(),
            emails: c.emails(),
            not_before: c.not_before,
            not_after: c.not_after,
            key: KeyKind::of(&c.spki_der).name(),
            signature_algorithm: SigKind::of(&c.signature_algorithm).name(),
            sha256: hex::encode(c.sha256),
        }
    }
}

/// Summary of any certificate DER (the collector logs every certificate of a message).
pub fn summarize(der: &[u8]) -> Result<CertSummary, Error> {
    Ok(CertSummary::of(&Cert::parse(der)?))
}
