//! One decoded certificate with the fields and extensions the checks use, decoded once.

use const_oid::ObjectIdentifier;
use der::{Decode, Encode};
use sha2::Digest;
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, NameConstraints,
    SubjectAltName, SubjectKeyIdentifier,
};

use crate::Error;
use crate::oids;

/// A decoded certificate.
#[derive(Debug, Clone)]
pub(crate) struct Cert {
    pub(crate) der: Vec<u8>,
    pub(crate) sha256: [u8; 32],
    pub(crate) tbs: Vec<u8>,
    pub(crate) signature_algorithm: spki::AlgorithmIdentifierOwned,
    pub(crate) signature: Vec<u8>,
    pub(crate) subject_der: Vec<u8>,
    pub(crate) issuer_der: Vec<u8>,
    pub(crate) subject: String,
    pub(crate) issuer: String,
    pub(crate) serial: Vec<u8>,
    pub(crate) not_before: i64,
    pub(crate) not_after: i64,
    pub(crate) spki_der: Vec<u8>,
    pub(crate) ext: Extensions,
    /// Subject emailAddress RDN values.
    pub(crate) subject_emails: Vec<String>,
}

/// The extensions the policy understands.
#[derive(Debug, Clone, Default)]
pub(crate) struct Extensions {
    pub(crate) basic_constraints: Option<BasicConstraints>,
    pub(crate) key_usage: Option<KeyUsage>,
    pub(crate) eku: Option<Vec<ObjectIdentifier>>,
    pub(crate) san_emails: Vec<String>,
    pub(crate) san_smtputf8: Vec<String>,
    /// SAN names of other types (DNS, URI, ...), kept for name-constraint checks.
    pub(crate) san_other: Vec<GeneralName>,
    pub(crate) name_constraints: Option<NameConstraints>,
    pub(crate) ski: Option<Vec<u8>>,
    pub(crate) aki: Option<Vec<u8>>,
    /// First unknown critical extension, if any.
    pub(crate) unknown_critical: Option<ObjectIdentifier>,
}

fn malformed(what: impl Into<String>) -> Error {
    Error::Malformed { what: what.into() }
}

fn unix(t: &x509_cert::time::Time) -> i64 {
    i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
}

impl Cert {
    /// Decodes `der` (strict DER, RFC 5280 profile). Never panics.
    pub(crate) fn parse(der: &[u8]) -> Result<Cert, Error> {
        let cert = Certificate::from_der(der).map_err(|e| malformed(format!("{e}")))?;
        let tbs = cert.tbs_certificate();
        let enc = |r: der::Result<Vec<u8>>| r.map_err(|e| malformed(format!("{e}")));
        let subject_der = enc(tbs.subject().to_der())?;
        let issuer_der = enc(tbs.issuer().to_der())?;
        let subject = tbs.subject().to_string();
        let mut subject_emails = Vec::new();
        for atv in tbs.subject().iter() {
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
        let signature = cert
            .signature()
            .as_bytes()
            .ok_or_else(|| malformed("signature BIT STRING has unused bits"))?
            .to_vec();
        Ok(Cert {
            der: der.to_vec(),
            sha256: sha2::Sha256::digest(der).into(),
            tbs: enc(tbs.to_der())?,
            signature_algorithm: cert.signature_algorithm().clone(),
            signature,
            subject_der,
            issuer_der,
            issuer: tbs.issuer().to_string(),
            serial: tbs.serial_number().as_bytes().to_vec(),
            not_before: unix(&tbs.validity().not_before),
            not_after: unix(&tbs.validity().not_after),
            spki_der: enc(tbs.subject_public_key_info().to_der())?,
            ext: Extensions::parse(tbs.extensions().map(|e| e.as_slice()).unwrap_or(&[]))?,
            subject_emails,
            subject,
        })
    }

    /// Whether basicConstraints says cA.
    pub(crate) fn is_ca(&self) -> bool {
        self.ext.basic_constraints.as_ref().is_some_and(|b| b.ca)
    }

    /// Whether subject and issuer are the same name (self-issued, RFC 5280 6.1).
    pub(crate) fn is_self_issued(&self) -> bool {
        self.subject_der == self.issuer_der
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

impl Extensions {
    fn parse(exts: &[x509_cert::ext::Extension]) -> Result<Extensions, Error> {
        let mut out = Extensions::default();
        let mut seen: Vec<ObjectIdentifier> = Vec::new();
        for ext in exts {
            if seen.contains(&ext.extn_id) {
                return Err(malformed(format!("duplicate extension {}", ext.extn_id)));
            }
            seen.push(ext.extn_id);
            let v = ext.extn_value.as_bytes();
            let bad = |name: &'static str| move |e: der::Error| malformed(format!("{name}: {e}"));
            match ext.extn_id {
                oids::BASIC_CONSTRAINTS => {
                    out.basic_constraints =
                        Some(BasicConstraints::from_der(v).map_err(bad("basicConstraints"))?);
                }
                oids::KEY_USAGE => {
                    out.key_usage = Some(KeyUsage::from_der(v).map_err(bad("keyUsage"))?);
                }
                oids::EXT_KEY_USAGE => {
                    out.eku = Some(ExtendedKeyUsage::from_der(v).map_err(bad("extKeyUsage"))?.0);
                }
                oids::SUBJECT_ALT_NAME => {
                    let san = SubjectAltName::from_der(v).map_err(bad("subjectAltName"))?;
                    for name in san.0 {
                        match name {
                            GeneralName::Rfc822Name(s) => out.san_emails.push(s.to_string()),
                            GeneralName::OtherName(o) if o.type_id == oids::SMTP_UTF8_MAILBOX => {
                                // value is [0] EXPLICIT UTF8String.
                                let s = o
                                    .value
                                    .decode_as::<String>()
                                    .map_err(bad("SmtpUTF8Mailbox"))?;
                                out.san_smtputf8.push(s);
                            }
                            other => out.san_other.push(other),
                        }
                    }
                }
                oids::NAME_CONSTRAINTS => {
                    out.name_constraints =
                        Some(NameConstraints::from_der(v).map_err(bad("nameConstraints"))?);
                }
                oids::SUBJECT_KEY_ID => {
                    let ski = SubjectKeyIdentifier::from_der(v).map_err(bad("subjectKeyId"))?;
                    out.ski = Some(ski.0.as_bytes().to_vec());
                }
                oids::AUTHORITY_KEY_ID => {
                    let aki = AuthorityKeyIdentifier::from_der(v).map_err(bad("authorityKeyId"))?;
                    out.aki = aki.key_identifier.map(|k| k.as_bytes().to_vec());
                }
                oid if ext.critical && !oids::KNOWN_IGNORED.contains(&oid) => {
                    out.unknown_critical = out.unknown_critical.or(Some(oid));
                }
                _ => {}
            }
        }
        Ok(out)
    }
}
