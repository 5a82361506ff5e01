//! A decoded CRL (RFC 5280 section 5) with the extensions revocation checking uses.

use std::collections::HashMap;

use const_oid::ObjectIdentifier as Oid;
use der::Decode;
use sha2::Digest;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::crl::dp::IssuingDistributionPoint;
use x509_cert::ext::pkix::crl::{BaseCrlNumber, CrlNumber, CrlReason};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, CrlDistributionPoints};

use super::RevocationReason;
use crate::Error;
use crate::asn1::{RevokedEntry, Signed, TbsCertList};
use crate::dn::Dn;
use crate::oids;

/// A CRL entry: who revoked the certificate (indirect CRLs), why and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// The certificate's issuer: from the certificateIssuer entry extension in force
    /// (5.3.3), `None` for the CRL issuer itself.
    pub(crate) cert_issuer: Option<Vec<Dn>>,
    pub(crate) reason: Option<RevocationReason>,
    pub(crate) date: i64,
}

/// A decoded CRL.
#[derive(Debug, Clone)]
pub(crate) struct Crl {
    pub(crate) sha256: [u8; 32],
    pub(crate) tbs: Vec<u8>,
    pub(crate) signature_algorithm: spki::AlgorithmIdentifierOwned,
    pub(crate) signature: Vec<u8>,
    pub(crate) issuer: Dn,
    pub(crate) issuer_name: String,
    pub(crate) this_update: i64,
    pub(crate) next_update: Option<i64>,
    /// cRLNumber (5.2.3), big-endian without leading zeros.
    pub(crate) number: Option<Vec<u8>>,
    /// deltaCRLIndicator's BaseCRLNumber (5.2.4): this is a delta CRL.
    pub(crate) delta_base: Option<Vec<u8>>,
    pub(crate) idp: Option<IssuingDistributionPoint>,
    /// The issuingDistributionPoint as DER, to compare a delta CRL's with its base's.
    pub(crate) idp_der: Option<Vec<u8>>,
    /// authorityKeyIdentifier keyIdentifier.
    pub(crate) aki: Option<Vec<u8>>,
    /// Whether freshestCRL is present (5.2.6).
    pub(crate) freshest: bool,
    /// An unknown critical CRL or entry extension: the CRL may not be used (5.2, 5.3).
    pub(crate) unknown_critical: Option<Oid>,
    /// Serial (INTEGER content bytes) → entries (several in an indirect CRL).
    pub(crate) entries: HashMap<Vec<u8>, Vec<Entry>>,
}

fn bad(what: impl std::fmt::Display) -> Error {
    Error::TrustMaterial {
        what: format!("bad CRL: {what}"),
    }
}

/// Unsigned big-endian bytes without leading zeros.
fn number(n: &der::asn1::Uint) -> Vec<u8> {
    let b = n.as_bytes();
    b[b.iter().take_while(|x| **x == 0).count()..].to_vec()
}

impl Crl {
    /// Decodes a CRL (strict DER). Never panics.
    pub(crate) fn parse(der: &[u8]) -> Result<Crl, Error> {
        let signed = Signed::from_der(der).map_err(bad)?;
        let tbs_der = signed.tbs_der().map_err(bad)?;
        let tbs = TbsCertList::from_der(&tbs_der).map_err(bad)?;
        if tbs.signature != signed.signature_algorithm {
            return Err(bad("the signature algorithm inside and outside differ"));
        }
        let mut crl = Crl {
            sha256: sha2::Sha256::digest(der).into(),
            signature_algorithm: signed.signature_algorithm.clone(),
            // Unused bits: the signature cannot verify (kept empty, checked as bad).
            signature: signed.signature.as_bytes().unwrap_or_default().to_vec(),
            issuer: Dn::of(&tbs.issuer),
            issuer_name: tbs.issuer.to_string(),
            this_update: tbs.this_update.unix,
            next_update: tbs.next_update.map(|t| t.unix),
            number: None,
            delta_base: None,
            idp: None,
            idp_der: None,
            aki: None,
            freshest: false,
            unknown_critical: None,
            entries: HashMap::new(),
            tbs: tbs_der.clone(),
        };
        crl.crl_extensions(tbs.extensions.as_deref().unwrap_or(&[]))?;
        crl.add_entries(tbs.revoked.as_deref().unwrap_or(&[]))?;
        Ok(crl)
    }

    /// 5.2: the CRL extensions.
    fn crl_extensions(&mut self, exts: &[Extension]) -> Result<(), Error> {
        for ext in exts {
            let v = ext.extn_value.as_bytes();
            match ext.extn_id {
                oids::AUTHORITY_KEY_ID => {
                    let aki = AuthorityKeyIdentifier::from_der(v).map_err(bad)?;
                    self.aki = aki.key_identifier.map(|k| k.as_bytes().to_vec());
                }
                oids::CRL_NUMBER => {
                    self.number = Some(number(&CrlNumber::from_der(v).map_err(bad)?.0))
                }
                oids::DELTA_CRL_INDICATOR => {
                    self.delta_base = Some(number(&BaseCrlNumber::from_der(v).map_err(bad)?.0));
                }
                oids::ISSUING_DISTRIBUTION_POINT => {
                    self.idp = Some(IssuingDistributionPoint::from_der(v).map_err(bad)?);
                    self.idp_der = Some(v.to_vec());
                }
                oids::FRESHEST_CRL => {
                    CrlDistributionPoints::from_der(v).map_err(bad)?;
                    self.freshest = true;
                }
                oids::ISSUER_ALT_NAME | oids::AUTHORITY_INFO_ACCESS => {}
                oid if ext.critical => self.unknown_critical = self.unknown_critical.or(Some(oid)),
                _ => {}
            }
        }
        Ok(())
    }

    /// 5.3: the entries, with the certificateIssuer in force carried from entry to entry.
    fn add_entries(&mut self, revoked: &[RevokedEntry<'_>]) -> Result<(), Error> {
        let mut cert_issuer: Option<Vec<Dn>> = None;
        for r in revoked {
            let mut reason = None;
            for ext in r.extensions.as_deref().unwrap_or(&[]) {
                let v = ext.extn_value.as_bytes();
                match ext.extn_id {
                    oids::CRL_REASON => {
                        reason = Some(RevocationReason::from(CrlReason::from_der(v).map_err(bad)?));
                    }
                    oids::CERTIFICATE_ISSUER => {
                        let names = <Vec<GeneralName>>::from_der(v).map_err(bad)?;
                        cert_issuer = Some(
                            names
                                .iter()
                                .filter_map(|n| match n {
                                    GeneralName::DirectoryName(d) => Some(Dn::of(d)),
                                    _ => None,
                                })
                                .collect(),
                        );
                    }
                    oids::INVALIDITY_DATE | oids::HOLD_INSTRUCTION_CODE => {}
                    oid if ext.critical => {
                        self.unknown_critical = self.unknown_critical.or(Some(oid));
                    }
                    _ => {}
                }
            }
            self.entries
                .entry(r.serial.0.to_vec())
                .or_default()
                .push(Entry {
                    cert_issuer: cert_issuer.clone(),
                    reason,
                    date: r.revocation_date.unix,
                });
        }
        Ok(())
    }

    /// The entry for a certificate of `issuer` with `serial`, if listed (an entry's
    /// issuer is its certificateIssuer, or the CRL issuer).
    pub(crate) fn entry_for(&self, issuer: &Dn, serial: &[u8]) -> Option<&Entry> {
        self.entries
            .get(serial)?
            .iter()
            .find(|e| match &e.cert_issuer {
                None => self.issuer == *issuer,
                Some(names) => names.contains(issuer),
            })
    }

    /// Whether this is a delta CRL.
    pub(crate) fn is_delta(&self) -> bool {
        self.delta_base.is_some()
    }
}

#[cfg(test)]
impl Crl {
    /// A CRL of `issuer` (RFC 4514) valid from 0 to 2000, listing nothing: unit tests
    /// set the fields they need.
    pub(crate) fn synthetic(issuer: &str) -> Crl {
        use std::str::FromStr;
        let name = x509_cert::name::Name::from_str(issuer).expect("test name");
        Crl {
            sha256: sha2::Sha256::digest(issuer).into(),
            tbs: Vec::new(),
            signature_algorithm: spki::AlgorithmIdentifierOwned {
                oid: oids::SHA256_WITH_RSA,
                parameters: None,
            },
            signature: Vec::new(),
            issuer: Dn::of(&name),
            issuer_name: name.to_string(),
            this_update: 0,
            next_update: Some(2000),
            number: Some(vec![1]),
            delta_base: None,
            idp: None,
            idp_der: None,
            aki: None,
            freshest: false,
            unknown_critical: None,
            entries: HashMap::new(),
        }
    }

    /// Lists `serial` with `reason`, revoked at 10, for `cert_issuer` (None: the CRL
    /// issuer).
    pub(crate) fn list(
        &mut self,
        serial: u8,
        reason: Option<RevocationReason>,
        cert_issuer: Option<Dn>,
    ) {
        self.entries.entry(vec![serial]).or_default().push(Entry {
            cert_issuer: cert_issuer.map(|d| vec![d]),
            reason,
            date: 10,
        });
    }
}
