//! The little the store needs to know about a certificate: fingerprint and notBefore,
//! and (only to move entries of the earlier address rule) the addresses it names.

use der::Decode;
use der::asn1::{Ia5String, ObjectIdentifier};
use der::pem::LineEnding;
use sha2::{Digest, Sha256};
use x509_cert::Certificate;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::pkix::name::GeneralName;

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

/// subject emailAddress (PKCS #9).
const EMAIL_ADDRESS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.1");
/// subjectAltName.
const SUBJECT_ALT_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");
/// id-on-SmtpUTF8Mailbox (RFC 8398).
const SMTP_UTF8_MAILBOX: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.8.9");

/// Every email address a certificate names, as the policy reads them: SAN rfc822Name
/// and SmtpUTF8Mailbox, subject emailAddress. Empty when the DER does not decode.
pub(crate) fn emails(der: &[u8]) -> Vec<String> {
    let Ok(cert) = Certificate::from_der(der) else {
        return Vec::new();
    };
    let tbs = cert.tbs_certificate();
    let mut out = Vec::new();
    for atv in tbs.subject().iter() {
        if atv.oid == EMAIL_ADDRESS {
            let text = atv
                .value
                .decode_as::<Ia5String>()
                .map(|s| s.to_string())
                .or_else(|_| atv.value.decode_as::<String>());
            out.extend(text.ok());
        }
    }
    let extensions = tbs.extensions().map(|e| e.as_slice()).unwrap_or_default();
    for ext in extensions.iter().filter(|e| e.extn_id == SUBJECT_ALT_NAME) {
        let Ok(san) = SubjectAltName::from_der(ext.extn_value.as_bytes()) else {
            continue;
        };
        for name in san.0 {
            match name {
                GeneralName::Rfc822Name(s) => out.push(s.to_string()),
                GeneralName::OtherName(o) if o.type_id == SMTP_UTF8_MAILBOX => {
                    out.extend(o.value.decode_as::<String>().ok());
                }
                _ => {}
            }
        }
    }
    out
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
