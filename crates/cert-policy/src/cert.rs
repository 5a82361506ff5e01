//! One decoded certificate with the fields and extensions the checks use, decoded once.

mod extensions;

use der::{Decode, Encode};
use sha2::Digest;

use crate::Error;
use crate::asn1::{Signed, TbsCertificate};
use crate::dn::Dn;
use crate::oids;

pub(crate) use extensions::Extensions;

/// A decoded certificate.
#[derive(Debug, Clone)]
pub(crate) struct Cert {
    pub(crate) der: Vec<u8>,
    pub(crate) sha256: [u8; 32],
    pub(crate) tbs: Vec<u8>,
    pub(crate) signature_algorithm: spki::AlgorithmIdentifierOwned,
    pub(crate) signature: Vec<u8>,
    pub(crate) issuer_der: Vec<u8>,
    /// The subject in comparable form (RFC 5280 7.1).
    pub(crate) subject_dn: Dn,
    /// The issuer in comparable form.
    pub(crate) issuer_dn: Dn,
    pub(crate) subject: String,
    pub(crate) issuer: String,
    /// The serial number's INTEGER content bytes.
    pub(crate) serial: Vec<u8>,
    pub(crate) not_before: i64,
    pub(crate) not_after: i64,
    pub(crate) spki_der: Vec<u8>,
    pub(crate) ext: Extensions,
    /// Subject emailAddress RDN values.
    pub(crate) subject_emails: Vec<String>,
}

fn malformed(what: impl Into<String>) -> Error {
    Error::Malformed { what: what.into() }
}

impl Cert {
    /// Decodes `der` (strict DER, RFC 5280 profile). Never panics.
    pub(crate) fn parse(der: &[u8]) -> Result<Cert, Error> {
        let bad = |e: der::Error| malformed(format!("{e}"));
        let signed = Signed::from_der(der).map_err(bad)?;
        let tbs_der = signed.tbs_der().map_err(bad)?;
        let tbs = TbsCertificate::from_der(&tbs_der).map_err(bad)?;
        if tbs.signature != signed.signature_algorithm {
            return Err(malformed(
                "the signature algorithm inside and outside the signed part differ",
            ));
        }
        if tbs.version.is_some_and(|v| v > 2) {
            return Err(malformed("unknown certificate version"));
        }
        let mut subject_emails = Vec::new();
        for atv in tbs.subject.iter() {
            if atv.oid == oids::EMAIL_ADDRESS {
                let s = atv
                    .value
                    .decode_as::<der::asn1::Ia5String>()
                    .map(|s| s.to_string())
                    .or_else(|_| atv.value.decode_as::<String>())
                    .map_err(|_| malformed("subject emailAddress is not an IA5String"))?;
                subject_emails.push(s);
            }
        }
        // A signature with unused bits cannot verify: kept empty, it fails as a bad
        // signature on its link rather than making the certificate undecodable.
        let signature = signed.signature.as_bytes().unwrap_or_default().to_vec();
        let ext = Extensions::parse(tbs.extensions.as_deref().unwrap_or(&[]))?;
        Ok(Cert {
            der: der.to_vec(),
            sha256: sha2::Sha256::digest(der).into(),
            signature_algorithm: signed.signature_algorithm.clone(),
            signature,
            issuer_der: tbs.issuer.to_der().map_err(bad)?,
            subject_dn: Dn::of(&tbs.subject),
            issuer_dn: Dn::of(&tbs.issuer),
            subject: tbs.subject.to_string(),
            issuer: tbs.issuer.to_string(),
            serial: tbs.serial.0.to_vec(),
            not_before: tbs.validity.not_before.unix,
            not_after: tbs.validity.not_after.unix,
            spki_der: tbs.spki.to_der().map_err(bad)?,
            ext,
            subject_emails,
            tbs: tbs_der,
        })
    }

    /// Whether basicConstraints says cA.
    pub(crate) fn is_ca(&self) -> bool {
        self.ext.basic_constraints.as_ref().is_some_and(|b| b.ca)
    }

    /// Whether subject and issuer are the same name (self-issued, RFC 5280 6.1), compared
    /// as names (7.1), not as bytes.
    pub(crate) fn is_self_issued(&self) -> bool {
        self.subject_dn == self.issuer_dn
    }

    /// Every email address the certificate names: SAN rfc822Name, SmtpUTF8Mailbox, then
    /// the subject emailAddress.
    pub(crate) fn emails(&self) -> Vec<String> {
        let mut v: Vec<String> = self.ext.san_emails.clone();
        v.extend(self.ext.san_smtputf8.iter().cloned());
        for e in &self.subject_emails {
            if !v.iter().any(|x| x.eq_ignore_ascii_case(e)) {
                v.push(e.clone());
            }
        }
        v
    }

    /// Serial as lowercase hex.
    pub(crate) fn serial_hex(&self) -> String {
        hex::encode(&self.serial)
    }
}

#[cfg(test)]
impl Cert {
    /// A certificate with only names (RFC 4514 strings), a serial and no extension:
    /// unit tests of the RFC steps set the fields they need.
    pub(crate) fn synthetic(subject: &str, issuer: &str) -> Cert {
        use std::str::FromStr;
        let name = |s: &str| x509_cert::name::Name::from_str(s).expect("test name");
        let (s, i) = (name(subject), name(issuer));
        Cert {
            der: Vec::new(),
            sha256: sha2::Sha256::digest(format!("{subject}/{issuer}")).into(),
            tbs: Vec::new(),
            signature_algorithm: spki::AlgorithmIdentifierOwned {
                oid: oids::SHA256_WITH_RSA,
                parameters: None,
            },
            signature: Vec::new(),
            issuer_der: i.to_der().expect("test name"),
            subject_dn: Dn::of(&s),
            issuer_dn: Dn::of(&i),
            subject: s.to_string(),
            issuer: i.to_string(),
            serial: vec![1],
            not_before: 0,
            not_after: i64::MAX,
            spki_der: Vec::new(),
            ext: Extensions::default(),
            subject_emails: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use test_support::pki::leaf_for;

    /// The DER of a standard leaf with one byte string replaced by another of the same
    /// length (the signature no longer matters here).
    fn patched(from: &[u8], to: &[u8]) -> Vec<u8> {
        let mut der = leaf_for("time@example.com").der;
        let at = der
            .windows(from.len())
            .position(|w| w == from)
            .expect("pattern present");
        der[at..at + to.len()].copy_from_slice(to);
        der
    }

    #[test]
    fn validity_before_1970_decodes() {
        // RFC 5280 4.1.2.5: UTCTime 50 is 1950 (PKITS 4.2.3).
        let der = patched(b"250101000000Z", b"500101000000Z");
        let c = Cert::parse(&der).unwrap();
        assert_eq!(c.not_before, -631_152_000);
        assert_eq!(c.not_after, test_support::pki::LEAF_NOT_AFTER);
    }

    #[test]
    fn names_and_serials_are_kept() {
        let leaf = leaf_for("time@example.com");
        let c = Cert::parse(&leaf.der).unwrap();
        assert_eq!(c.serial, leaf.serial());
        assert_eq!(c.issuer_der, leaf.issuer_der());
        assert!(!c.is_self_issued());
        assert_eq!(c.emails(), ["time@example.com"]);
        assert!(Cert::parse(&leaf.der[..leaf.der.len() - 1]).is_err());
    }
}
