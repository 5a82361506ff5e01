//! One trust anchor, where it came from, and its row for `readsmimesig --list-trust`.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use der::{DateTime, Decode};
use sha2::Digest;
use x509_cert::Certificate;

/// Where the anchors were read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A PEM bundle of email-purpose roots (Fedora/RHEL's `email-ca-bundle.pem`).
    EmailBundle(PathBuf),
    /// The NSS built-in roots module (`libnssckbi.so`), read through PKCS#11.
    NssModule(PathBuf),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::EmailBundle(p) => write!(f, "email bundle {}", p.display()),
            Source::NssModule(p) => write!(f, "NSS module {}", p.display()),
        }
    }
}

/// A root certificate trusted for email protection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    /// The certificate, DER (decodes as an X.509 certificate: discovery skips others).
    pub der: Vec<u8>,
    /// The source's name for it (NSS `CKA_LABEL`, the bundle's `# ` comment line, else
    /// the subject's common name).
    pub label: String,
    /// Unix seconds after which this root no longer vouches for email certificates: a
    /// leaf whose notBefore is later is not trusted through it (NSS
    /// `CKA_NSS_EMAIL_DISTRUST_AFTER`; bundles carry no such date).
    pub email_distrust_after: Option<i64>,
    /// Where it was read from.
    pub source: Source,
}

impl Anchor {
    /// The subject, RFC 4514 (as `openssl x509 -nameopt RFC2253` prints it); `None` if the
    /// DER does not decode.
    pub fn subject(&self) -> Option<String> {
        Certificate::from_der(&self.der)
            .ok()
            .map(|c| c.tbs_certificate().subject().to_string())
    }

    /// SHA-256 of the DER.
    pub fn sha256(&self) -> [u8; 32] {
        sha2::Sha256::digest(&self.der).into()
    }

    /// The row `readsmimesig --list-trust` prints for this anchor.
    pub fn row(&self) -> TrustRow {
        TrustRow {
            subject: self.subject().unwrap_or_else(|| "(undecodable)".into()),
            sha256: hex::encode(self.sha256()),
            source: self.source.to_string(),
            email_distrust_after: self.email_distrust_after.map(rfc3339),
        }
    }
}

/// One line of `readsmimesig --list-trust`. `Display` joins the fields with tabs, the
/// distrust date last and only when set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustRow {
    /// Subject, RFC 4514.
    pub subject: String,
    /// SHA-256 of the DER, lowercase hex.
    pub sha256: String,
    /// Where the anchor was read from ([`Source`]'s `Display`).
    pub source: String,
    /// The email distrust-after date, RFC 3339, when set.
    pub email_distrust_after: Option<String>,
}

impl fmt::Display for TrustRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\t{}\t{}", self.subject, self.sha256, self.source)?;
        if let Some(d) = &self.email_distrust_after {
            write!(f, "\temail distrust after {d}")?;
        }
        Ok(())
    }
}

/// Unix seconds as RFC 3339 UTC; out-of-range values print as the raw number.
pub(crate) fn rfc3339(unix: i64) -> String {
    u64::try_from(unix)
        .ok()
        .and_then(|s| DateTime::from_unix_duration(Duration::from_secs(s)).ok())
        .map_or_else(|| unix.to_string(), |d| d.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_formats_and_survives_out_of_range() {
        assert_eq!(rfc3339(1_661_904_000), "2022-08-31T00:00:00Z");
        assert_eq!(rfc3339(-1), "-1");
    }

    #[test]
    fn row_display_names_the_distrust_date_only_when_set() {
        let mut row = TrustRow {
            subject: "CN=X".into(),
            sha256: "ab".into(),
            source: "NSS module /m".into(),
            email_distrust_after: None,
        };
        assert_eq!(row.to_string(), "CN=X\tab\tNSS module /m");
        row.email_distrust_after = Some("2022-08-31T00:00:00Z".into());
        assert_eq!(
            row.to_string(),
            "CN=X\tab\tNSS module /m\temail distrust after 2022-08-31T00:00:00Z"
        );
    }
}
