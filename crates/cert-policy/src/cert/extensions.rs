//! The certificate extensions path validation understands (RFC 5280 4.2), decoded once.

use const_oid::ObjectIdentifier;
use der::Decode;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CertificatePolicies, CrlDistributionPoints,
    ExtendedKeyUsage, InhibitAnyPolicy, KeyUsage, NameConstraints, PolicyConstraints,
    PolicyMappings, SubjectAltName, SubjectKeyIdentifier,
};

use crate::Error;
use crate::oids;

/// The extensions the policy understands.
#[derive(Debug, Clone, Default)]
pub(crate) struct Extensions {
    pub(crate) basic_constraints: Option<BasicConstraints>,
    pub(crate) key_usage: Option<KeyUsage>,
    pub(crate) eku: Option<Vec<ObjectIdentifier>>,
    pub(crate) san_emails: Vec<String>,
    pub(crate) san_smtputf8: Vec<String>,
    /// Every subjectAltName entry, for name constraints.
    pub(crate) san: Vec<GeneralName>,
    pub(crate) name_constraints: Option<NameConstraints>,
    pub(crate) ski: Option<Vec<u8>>,
    pub(crate) aki: Option<Vec<u8>>,
    /// certificatePolicies: the policy OIDs, in order, without duplicates (4.2.1.4).
    pub(crate) policies: Option<Vec<ObjectIdentifier>>,
    /// policyMappings: (issuerDomainPolicy, subjectDomainPolicy) pairs (4.2.1.5).
    pub(crate) policy_mappings: Option<Vec<(ObjectIdentifier, ObjectIdentifier)>>,
    /// policyConstraints (4.2.1.11).
    pub(crate) policy_constraints: Option<PolicyConstraints>,
    /// inhibitAnyPolicy SkipCerts (4.2.1.14).
    pub(crate) inhibit_any_policy: Option<u32>,
    /// cRLDistributionPoints (4.2.1.13).
    pub(crate) crl_distribution_points: Option<Vec<DistributionPoint>>,
    /// Whether freshestCRL is present (delta CRLs are published, 4.2.1.15).
    pub(crate) freshest_crl: bool,
    /// First unknown critical extension, if any.
    pub(crate) unknown_critical: Option<ObjectIdentifier>,
}

fn malformed(what: String) -> Error {
    Error::Malformed { what }
}

impl Extensions {
    pub(crate) fn parse(exts: &[x509_cert::ext::Extension]) -> Result<Extensions, Error> {
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
                    out.parse_san(san.0)?;
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
                oids::CERTIFICATE_POLICIES => {
                    let p = CertificatePolicies::from_der(v).map_err(bad("certificatePolicies"))?;
                    let mut policies: Vec<ObjectIdentifier> = Vec::new();
                    for info in p.0 {
                        if !policies.contains(&info.policy_identifier) {
                            policies.push(info.policy_identifier);
                        }
                    }
                    out.policies = Some(policies);
                }
                oids::POLICY_MAPPINGS => {
                    let m = PolicyMappings::from_der(v).map_err(bad("policyMappings"))?;
                    out.policy_mappings = Some(
                        m.0.into_iter()
                            .map(|m| (m.issuer_domain_policy, m.subject_domain_policy))
                            .collect(),
                    );
                }
                oids::POLICY_CONSTRAINTS => {
                    let c = PolicyConstraints::from_der(v).map_err(bad("policyConstraints"))?;
                    out.policy_constraints = Some(c);
                }
                oids::INHIBIT_ANY_POLICY => {
                    let skip = InhibitAnyPolicy::from_der(v).map_err(bad("inhibitAnyPolicy"))?;
                    out.inhibit_any_policy = Some(skip.0);
                }
                oids::CRL_DISTRIBUTION_POINTS => {
                    let dps =
                        CrlDistributionPoints::from_der(v).map_err(bad("cRLDistributionPoints"))?;
                    out.crl_distribution_points = Some(dps.0);
                }
                oids::FRESHEST_CRL => {
                    CrlDistributionPoints::from_der(v).map_err(bad("freshestCRL"))?;
                    out.freshest_crl = true;
                }
                oid if ext.critical => {
                    out.unknown_critical = out.unknown_critical.or(Some(oid));
                }
                _ => {}
            }
        }
        Ok(out)
    }

    fn parse_san(&mut self, names: Vec<GeneralName>) -> Result<(), Error> {
        for name in names {
            match &name {
                GeneralName::Rfc822Name(s) => self.san_emails.push(s.to_string()),
                GeneralName::OtherName(o) if o.type_id == oids::SMTP_UTF8_MAILBOX => {
                    // value is [0] EXPLICIT UTF8String.
                    let s = o
                        .value
                        .decode_as::<String>()
                        .map_err(|e| malformed(format!("SmtpUTF8Mailbox: {e}")))?;
                    self.san_smtputf8.push(s);
                }
                _ => {}
            }
            self.san.push(name);
        }
        Ok(())
    }
}
