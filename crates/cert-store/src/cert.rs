//! The little the store needs to know about a certificate: fingerprint and notBefore.

use der::Decode;
use der::pem::LineEnding;
use sha2::{Digest, Sha256};
use x509_cert::Certificate;

use crate::Error;

/// The largest certificate the store accepts, in DER bytes.
pub const MAX_CERT_BYTES: usize = 64 * 1024;

/// PEM label of the files the store writes.
const PEM_LABEL: &str = "CERTIFICATE";

/// Facts about one certificate, read from its DER.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CertFacts {
    /// SHA-256 of the DER, lower-case hex.
    pub(crate) sha256: String,
    /// notBefore, Unix seconds.
    pub(crate) not_before: i64,
}

impl CertFacts {
    /// The ordering key: a certificate replaces the current one only when its key is
    /// greater (later notBefore; on equal notBefore, the greater fingerprint, so that the
    /// outcome never depends on the order of arrival).
    pub(crate) fn rank(&self) -> (i64, &str) {
        (self.not_before, &self.sha256)
    }
}

/// Hex SHA-256 of bytes.
pub(crate) fn sha256_hex(der: &[u8]) -> String {
    hex::encode(Sha256::digest(der))
}

/// Decodes DER as an X.509 certificate (RFC 5280 profile, which checks little more than the serial length: the store does not judge the
/// certificate, the policy gate did) and reads its facts.
///
/// # Errors
/// [`Error::CertificateTooLarge`] over [`MAX_CERT_BYTES`]; [`Error::NotACertificate`]
/// when it does not decode (trailing bytes included).
pub(crate) fn facts(der: &[u8]) -> Result<CertFacts, Error> {
    if der.len() > MAX_CERT_BYTES {
        return Err(Error::CertificateTooLarge {
            len: der.len(),
            max: MAX_CERT_BYTES,
        });
    }
    let cert = Certificate::from_der(der).map_err(|e| Error::NotACertificate {
        detail: e.to_string(),
    })?;
    let not_before = cert
        .tbs_certificate()
        .validity()
        .not_before
        .to_unix_duration()
        .as_secs();
    Ok(CertFacts {
        sha256: sha256_hex(der),
        not_before: i64::try_from(not_before).unwrap_or(i64::MAX),
    })
}

/// One PEM `CERTIFICATE` block over the exact DER bytes, LF line ends.
pub(crate) fn to_pem(der: &[u8]) -> Result<String, Error> {
    der::pem::encode_string(PEM_LABEL, LineEnding::LF, der).map_err(|e| Error::NotACertificate {
        detail: format!("cannot be PEM-encoded: {e}"),
    })
}

/// The DER inside one PEM `CERTIFICATE` block, or why not.
pub(crate) fn from_pem(pem: &[u8]) -> Result<Vec<u8>, String> {
    let (label, der) = der::pem::decode_vec(pem).map_err(|e| e.to_string())?;
    if label != PEM_LABEL {
        return Err(format!("PEM label is {label:?}, not {PEM_LABEL:?}"));
    }
    Ok(der)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn junk_is_not_a_certificate() {
        assert!(matches!(
            facts(b"hello"),
            Err(Error::NotACertificate { .. })
        ));
        assert!(matches!(facts(&[]), Err(Error::NotACertificate { .. })));
    }

    #[test]
    fn oversize_is_refused_before_decoding() {
        let big = vec![0u8; MAX_CERT_BYTES + 1];
        assert!(matches!(
            facts(&big),
            Err(Error::CertificateTooLarge { len, .. }) if len == MAX_CERT_BYTES + 1
        ));
    }

    #[test]
    fn pem_round_trip_and_label_check() {
        let pem = to_pem(b"\x30\x00").unwrap();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
        assert_eq!(from_pem(pem.as_bytes()).unwrap(), b"\x30\x00");
        let key = pem.replace("CERTIFICATE", "PRIVATE KEY");
        assert!(from_pem(key.as_bytes()).is_err());
    }
}
