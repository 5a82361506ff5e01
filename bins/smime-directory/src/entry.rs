//! What the directory serves for an address: its current certificate, decoded once, with
//! every form the protocols hand out (DER, PEM, PKCS#7 certs-only) prepared up front.

use std::sync::Arc;

use der::pem::LineEnding;
use der::{Decode as _, Encode as _};
use sha2::{Digest as _, Sha256};
use x509_cert::Certificate;

use crate::Error;

/// PEM label of a certificate (as the store writes `<address>.crt`).
const PEM_LABEL: &str = "CERTIFICATE";

/// The current certificate of an address, as the directory serves it. Built once per
/// store read (the cache keeps it in an `Arc`), so every form is precomputed.
#[derive(Clone, PartialEq, Eq)]
pub struct Entry {
    address: String,
    der: Arc<[u8]>,
    sha256: [u8; 32],
    not_before: i64,
    not_after: i64,
    subject_cn: Option<String>,
    revoked: bool,
    pem: Arc<str>,
    pkcs7: Arc<[u8]>,
}

impl Entry {
    /// Decodes `der` (a certificate) for `address`, which must already be normalised
    /// (the store's key).
    ///
    /// # Errors
    /// [`Error::Certificate`] when the DER is not a certificate that re-encodes to the
    /// same bytes.
    pub fn from_der(address: impl Into<String>, der: &[u8]) -> Result<Entry, Error> {
        let bad = |detail: String| Error::Certificate { detail };
        let cert = Certificate::from_der(der).map_err(|e| bad(e.to_string()))?;
        let tbs = cert.tbs_certificate();
        let validity = tbs.validity();
        let not_before = unix(validity.not_before.to_unix_duration());
        let not_after = unix(validity.not_after.to_unix_duration());
        let subject_cn = tbs
            .subject()
            .common_name()
            .ok()
            .flatten()
            .map(|cn| cn.value().trim().to_string())
            .filter(|cn| !cn.is_empty());
        let pem = der::pem::encode_string(PEM_LABEL, LineEnding::LF, der)
            .map_err(|e| bad(e.to_string()))?;
        let pkcs7 = certs_only(cert, der)?;
        Ok(Entry {
            address: address.into(),
            der: Arc::from(der),
            sha256: Sha256::digest(der).into(),
            not_before,
            not_after,
            subject_cn,
            revoked: false,
            pem: Arc::from(pem),
            pkcs7: Arc::from(pkcs7),
        })
    }

    /// The same entry with the store's revoked mark set or cleared (issue 18 sets it).
    #[must_use]
    pub fn with_revoked(mut self, revoked: bool) -> Entry {
        self.revoked = revoked;
        self
    }

    /// The normalised address this is the certificate of.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The certificate, DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// One PEM `CERTIFICATE` block with LF line ends: byte-identical to the directory
    /// store's `<address>.crt`.
    pub fn pem(&self) -> &str {
        &self.pem
    }

    /// A PKCS#7 (CMS) certs-only SignedData holding the certificate, DER: the value of
    /// the LDAP attribute `userSMIMECertificate`.
    pub fn pkcs7(&self) -> &[u8] {
        &self.pkcs7
    }

    /// SHA-256 of the DER.
    pub fn sha256(&self) -> &[u8; 32] {
        &self.sha256
    }

    /// SHA-256 of the DER, lower-case hex.
    pub fn sha256_hex(&self) -> String {
        hex::encode(self.sha256)
    }

    /// notBefore, Unix seconds.
    pub fn not_before(&self) -> i64 {
        self.not_before
    }

    /// notAfter, Unix seconds.
    pub fn not_after(&self) -> i64 {
        self.not_after
    }

    /// The subject's common name, if the certificate has a non-empty one.
    pub fn subject_cn(&self) -> Option<&str> {
        self.subject_cn.as_deref()
    }

    /// Whether the store marks the certificate revoked.
    pub fn revoked(&self) -> bool {
        self.revoked
    }

    /// Whether the directory hands the certificate out at `now` (Unix seconds): not
    /// expired and not marked revoked. (The policy gate checked notBefore when it was
    /// collected.)
    pub fn is_servable_at(&self, now: i64) -> bool {
        !self.revoked && now <= self.not_after
    }

    /// The LDAP `cn`: the subject CN, else the address.
    pub fn cn(&self) -> &str {
        self.subject_cn.as_deref().unwrap_or(&self.address)
    }

    /// The LDAP `sn` (the schema requires one): the CN's last word, else the address.
    pub fn sn(&self) -> &str {
        self.subject_cn
            .as_deref()
            .and_then(|cn| cn.split_whitespace().last())
            .unwrap_or(&self.address)
    }
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry")
            .field("address", &self.address)
            .field("sha256", &self.sha256_hex())
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .field("subject_cn", &self.subject_cn)
            .field("revoked", &self.revoked)
            .finish_non_exhaustive()
    }
}

/// One certificate an address has had (`GET .../history`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct HistoryItem {
    /// SHA-256 of the DER, lower-case hex.
    pub sha256: String,
    /// notBefore, Unix seconds.
    pub not_before: i64,
    /// notAfter, Unix seconds.
    pub not_after: i64,
    /// When the collector first saw it, Unix seconds.
    pub first_seen: i64,
    /// When the collector last saw it, Unix seconds.
    pub last_seen: i64,
    /// Whether it is the address's current certificate.
    pub current: bool,
}

impl HistoryItem {
    /// The item for a certificate DER and its sightings.
    ///
    /// # Errors
    /// [`Error::Certificate`] when the DER is not a certificate.
    pub fn from_der(
        der: &[u8],
        first_seen: i64,
        last_seen: i64,
        current: bool,
    ) -> Result<HistoryItem, Error> {
        let cert = Certificate::from_der(der).map_err(|e| Error::Certificate {
            detail: e.to_string(),
        })?;
        let validity = cert.tbs_certificate().validity();
        Ok(HistoryItem {
            sha256: hex::encode(Sha256::digest(der)),
            not_before: unix(validity.not_before.to_unix_duration()),
            not_after: unix(validity.not_after.to_unix_duration()),
            first_seen,
            last_seen,
            current,
        })
    }
}

fn unix(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

/// RFC 8551 section 3.2.2 / RFC 5652: a certs-only SignedData (no content, no signers)
/// in a ContentInfo, DER, built with the `cms` types. The certificate inside must be
/// byte-identical to the stored one, so a non-DER original is refused.
fn certs_only(cert: Certificate, der: &[u8]) -> Result<Vec<u8>, Error> {
    let bad = |detail: String| Error::Certificate { detail };
    if cert.to_der().map_err(|e| bad(e.to_string()))? != der {
        return Err(bad("the certificate is not in DER".to_string()));
    }
    let info = cms::content_info::ContentInfo::try_from(cert).map_err(|e| bad(e.to_string()))?;
    info.to_der().map_err(|e| bad(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cms::cert::CertificateChoices;
    use cms::content_info::ContentInfo;
    use cms::signed_data::SignedData;

    fn alice() -> Vec<u8> {
        test_support::pki::leaf_for("alice@example.com").der
    }

    #[test]
    fn pem_is_the_stores_format() {
        let der = alice();
        let e = Entry::from_der("alice@example.com", &der).unwrap();
        assert!(e.pem().starts_with("-----BEGIN CERTIFICATE-----\n"));
        assert!(e.pem().ends_with("-----END CERTIFICATE-----\n"));
        assert!(e.pem().lines().all(|l| l.len() <= 64));
        let (label, back) = der::pem::decode_vec(e.pem().as_bytes()).unwrap();
        assert_eq!((label, back), ("CERTIFICATE", der));
    }

    #[test]
    fn pkcs7_is_certs_only_signed_data_holding_the_exact_der() {
        let der = alice();
        let e = Entry::from_der("alice@example.com", &der).unwrap();
        let info = ContentInfo::from_der(e.pkcs7()).unwrap();
        assert_eq!(info.content_type, const_oid::db::rfc5911::ID_SIGNED_DATA);
        let sd: SignedData = info.content.decode_as().unwrap();
        assert!(sd.signer_infos.0.is_empty());
        assert!(sd.encap_content_info.econtent.is_none());
        let certs: Vec<_> = sd.certificates.unwrap().0.into_vec();
        assert_eq!(certs.len(), 1);
        let CertificateChoices::Certificate(c) = &certs[0] else {
            panic!("not a certificate choice")
        };
        assert_eq!(c.to_der().unwrap(), der);
    }

    #[test]
    fn facts_come_from_the_certificate() {
        let der = alice();
        let e = Entry::from_der("alice@example.com", &der).unwrap();
        assert_eq!(e.not_after(), test_support::pki::LEAF_NOT_AFTER);
        assert_eq!(e.not_before(), test_support::pki::T2025);
        assert_eq!(e.subject_cn(), Some("alice@example.com"));
        assert_eq!(e.sha256_hex(), hex::encode(Sha256::digest(&der)));
        assert!(e.is_servable_at(test_support::pki::LEAF_NOT_AFTER));
        assert!(!e.is_servable_at(test_support::pki::LEAF_NOT_AFTER + 1));
        assert!(!e.clone().with_revoked(true).is_servable_at(0));
    }

    #[test]
    fn cn_and_sn_fall_back_to_the_address() {
        let mut spec = test_support::pki::CertSpec::leaf(
            "entry:cn",
            "carol@example.com",
            test_support::keys::KeyAlg::P256,
        );
        spec.subject_cn = "Carol Ann Smith".to_string();
        let with_cn = spec.issue(&test_support::pki::hierarchy().intermediate);
        let e = Entry::from_der("carol@example.com", &with_cn.der).unwrap();
        assert_eq!((e.cn(), e.sn()), ("Carol Ann Smith", "Smith"));
        spec.subject_cn = String::new();
        spec.label = "entry:nocn".to_string();
        let without = spec.issue(&test_support::pki::hierarchy().intermediate);
        let e = Entry::from_der("carol@example.com", &without.der).unwrap();
        assert_eq!((e.cn(), e.sn()), ("carol@example.com", "carol@example.com"));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(Entry::from_der("a@b", b"\x30\x03\x02\x01\x00").is_err());
        assert!(Entry::from_der("a@b", b"").is_err());
        assert!(HistoryItem::from_der(b"nope", 0, 0, false).is_err());
    }
}
