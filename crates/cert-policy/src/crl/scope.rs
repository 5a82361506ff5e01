//! Whether a CRL is one for a certificate's distribution point: RFC 5280 6.3.3 (b) and
//! (d), with distribution point names (4.2.1.13, 5.2.5) compared as names.

use der::Encode;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};

use super::parse::Crl;
use crate::cert::Cert;
use crate::dn::Dn;

/// The nine ReasonFlags bits (unused through aACompromise).
pub(crate) const ALL_REASONS: u16 = 0x1ff;

/// A general name in comparable form: directory names per RFC 5280 7.1, others by DER.
#[derive(Debug, Clone, PartialEq, Eq)]
enum NameKey {
    Directory(Dn),
    Other(Vec<u8>),
}

fn key(n: &GeneralName) -> NameKey {
    match n {
        GeneralName::DirectoryName(d) => NameKey::Directory(Dn::of(d)),
        other => NameKey::Other(other.to_der().unwrap_or_default()),
    }
}

/// The directory names of a cRLIssuer field.
fn crl_issuers(dp: &DistributionPoint) -> Vec<Dn> {
    dp.crl_issuer
        .iter()
        .flatten()
        .filter_map(|n| match n {
            GeneralName::DirectoryName(d) => Some(Dn::of(d)),
            _ => None,
        })
        .collect()
}

/// A distribution point name as full names; a name relative to the CRL issuer is
/// appended to each of `bases`.
fn full_names(name: &DistributionPointName, bases: &[Dn]) -> Vec<NameKey> {
    match name {
        DistributionPointName::FullName(names) => names.iter().map(key).collect(),
        DistributionPointName::NameRelativeToCRLIssuer(rdn) => bases
            .iter()
            .map(|b| NameKey::Directory(b.with_rdn(rdn)))
            .collect(),
    }
}

/// 6.3.3 (b)(1): with a cRLIssuer in the distribution point, the CRL is issued by it and
/// is an indirect CRL; without, it is issued by the certificate's issuer.
pub(crate) fn check_crl_issuer_6_3_3_b_1(
    crl: &Crl,
    dp: &DistributionPoint,
    cert: &Cert,
) -> Result<(), String> {
    if dp.crl_issuer.is_none() {
        return if crl.issuer == cert.issuer_dn {
            Ok(())
        } else {
            Err("issued by another CA".into())
        };
    }
    if !crl_issuers(dp).contains(&crl.issuer) {
        return Err("not issued by the distribution point's cRLIssuer".into());
    }
    if !crl.idp.as_ref().is_some_and(|idp| idp.indirect_crl) {
        return Err("issued by the cRLIssuer but not an indirect CRL".into());
    }
    Ok(())
}

/// 6.3.3 (b)(2): the issuingDistributionPoint, if any, covers the certificate: a
/// distribution point name in common, and the kind of certificate it lists.
pub(crate) fn check_crl_scope_6_3_3_b_2(
    crl: &Crl,
    dp: &DistributionPoint,
    cert: &Cert,
) -> Result<(), String> {
    let Some(idp) = &crl.idp else {
        return Ok(());
    };
    if let Some(idp_name) = &idp.distribution_point {
        let idp_names = full_names(idp_name, std::slice::from_ref(&crl.issuer));
        let dp_names: Vec<NameKey> = match &dp.distribution_point {
            Some(name) => {
                let issuers = crl_issuers(dp);
                let bases = if dp.crl_issuer.is_some() {
                    issuers
                } else {
                    vec![cert.issuer_dn.clone()]
                };
                full_names(name, &bases)
            }
            None => crl_issuers(dp)
                .into_iter()
                .map(NameKey::Directory)
                .collect(),
        };
        if !idp_names.iter().any(|n| dp_names.contains(n)) {
            return Err("its distribution point is not the certificate's".into());
        }
    }
    if idp.only_contains_user_certs && cert.is_ca() {
        return Err("it lists only end-entity certificates".into());
    }
    if idp.only_contains_ca_certs && !cert.is_ca() {
        return Err("it lists only CA certificates".into());
    }
    if idp.only_contains_attribute_certs {
        return Err("it lists only attribute certificates".into());
    }
    Ok(())
}

/// 6.3.3 (d): the reasons this CRL can tell for this distribution point.
pub(crate) fn interim_reasons_6_3_3_d(crl: &Crl, dp: &DistributionPoint) -> u16 {
    let idp = crl
        .idp
        .as_ref()
        .and_then(|i| i.only_some_reasons)
        .map_or(ALL_REASONS, |r| r.bits());
    let dp = dp.reasons.map_or(ALL_REASONS, |r| r.bits());
    idp & dp & ALL_REASONS
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use der::asn1::Ia5String;
    use x509_cert::ext::pkix::constraints::BasicConstraints;
    use x509_cert::ext::pkix::crl::dp::{IssuingDistributionPoint, Reasons};
    use x509_cert::name::Name;

    use super::*;

    fn dir(s: &str) -> GeneralName {
        GeneralName::DirectoryName(Name::from_str(s).unwrap())
    }

    fn crl(issuer: &str, idp: Option<IssuingDistributionPoint>) -> Crl {
        let mut c = Crl::synthetic(issuer);
        c.idp = idp;
        c
    }

    fn idp(name: Option<DistributionPointName>) -> IssuingDistributionPoint {
        IssuingDistributionPoint {
            distribution_point: name,
            only_contains_user_certs: false,
            only_contains_ca_certs: false,
            only_some_reasons: None,
            indirect_crl: false,
            only_contains_attribute_certs: false,
        }
    }

    fn dp(name: Option<DistributionPointName>, crl_issuer: Option<&str>) -> DistributionPoint {
        DistributionPoint {
            distribution_point: name,
            reasons: None,
            crl_issuer: crl_issuer.map(|s| vec![dir(s)]),
        }
    }

    fn full(s: &str) -> Option<DistributionPointName> {
        Some(DistributionPointName::FullName(vec![dir(s)]))
    }

    fn relative(s: &str) -> Option<DistributionPointName> {
        let n = Name::from_str(s).unwrap();
        Some(DistributionPointName::NameRelativeToCRLIssuer(
            n.iter_rdn().next().unwrap().clone(),
        ))
    }

    fn cert() -> Cert {
        Cert::synthetic("CN=EE,O=Test", "CN=CA,O=Test")
    }

    #[test]
    fn check_crl_issuer_6_3_3_b_1_direct_and_indirect() {
        let direct = dp(None, None);
        check_crl_issuer_6_3_3_b_1(&crl("CN=ca,O=TEST", None), &direct, &cert()).unwrap();
        check_crl_issuer_6_3_3_b_1(&crl("CN=Other,O=Test", None), &direct, &cert()).unwrap_err();
        let via = dp(None, Some("CN=Other,O=Test"));
        let mut indirect = idp(None);
        indirect.indirect_crl = true;
        check_crl_issuer_6_3_3_b_1(&crl("CN=Other,O=Test", Some(indirect)), &via, &cert()).unwrap();
        // Not marked indirect (PKITS 4.14.27), or another issuer (4.14.26).
        check_crl_issuer_6_3_3_b_1(&crl("CN=Other,O=Test", None), &via, &cert()).unwrap_err();
        check_crl_issuer_6_3_3_b_1(&crl("CN=CA,O=Test", None), &via, &cert()).unwrap_err();
    }

    #[test]
    fn check_crl_scope_6_3_3_b_2_distribution_point_names() {
        let c = crl("CN=CA,O=Test", Some(idp(full("CN=CRL1,CN=CA,O=Test"))));
        check_crl_scope_6_3_3_b_2(&c, &dp(full("CN=crl1,CN=CA,O=Test"), None), &cert()).unwrap();
        // Relative to the certificate's issuer (PKITS 4.14.4).
        check_crl_scope_6_3_3_b_2(&c, &dp(relative("CN=CRL1"), None), &cert()).unwrap();
        check_crl_scope_6_3_3_b_2(&c, &dp(full("CN=CRLx,CN=CA,O=Test"), None), &cert())
            .unwrap_err();
        // No name in the certificate: the CRL's named point is not its (4.14.9).
        check_crl_scope_6_3_3_b_2(&c, &dp(None, None), &cert()).unwrap_err();
        // A relative name in the CRL (4.14.5, 4.14.8).
        let c = crl("CN=CA,O=Test", Some(idp(relative("CN=CRL1"))));
        check_crl_scope_6_3_3_b_2(&c, &dp(full("CN=CRL1,CN=CA,O=Test"), None), &cert()).unwrap();
        check_crl_scope_6_3_3_b_2(&c, &dp(full("CN=CA,O=Test"), None), &cert()).unwrap_err();
        // Relative to a cRLIssuer (4.14.29).
        let c = crl("CN=Issuer,O=Test", Some(idp(full("CN=P,CN=Issuer,O=Test"))));
        check_crl_scope_6_3_3_b_2(&c, &dp(relative("CN=P"), Some("CN=Issuer,O=Test")), &cert())
            .unwrap();
        // Other name forms compare by value.
        let uri = |s: &str| {
            Some(DistributionPointName::FullName(vec![
                GeneralName::UniformResourceIdentifier(Ia5String::new(s).unwrap()),
            ]))
        };
        let c = crl("CN=CA,O=Test", Some(idp(uri("http://crl.example/1"))));
        check_crl_scope_6_3_3_b_2(&c, &dp(uri("http://crl.example/1"), None), &cert()).unwrap();
        check_crl_scope_6_3_3_b_2(&c, &dp(uri("http://crl.example/2"), None), &cert()).unwrap_err();
    }

    #[test]
    fn check_crl_scope_6_3_3_b_2_kinds_of_certificates() {
        let mut ca = cert();
        ca.ext.basic_constraints = Some(BasicConstraints {
            ca: true,
            path_len_constraint: None,
        });
        let any = dp(None, None);
        let mut users = idp(None);
        users.only_contains_user_certs = true;
        let c = crl("CN=CA,O=Test", Some(users));
        check_crl_scope_6_3_3_b_2(&c, &any, &cert()).unwrap();
        check_crl_scope_6_3_3_b_2(&c, &any, &ca).unwrap_err();
        let mut cas = idp(None);
        cas.only_contains_ca_certs = true;
        let c = crl("CN=CA,O=Test", Some(cas));
        check_crl_scope_6_3_3_b_2(&c, &any, &ca).unwrap();
        check_crl_scope_6_3_3_b_2(&c, &any, &cert()).unwrap_err();
        let mut attrs = idp(None);
        attrs.only_contains_attribute_certs = true;
        let c = crl("CN=CA,O=Test", Some(attrs));
        check_crl_scope_6_3_3_b_2(&c, &any, &cert()).unwrap_err();
    }

    #[test]
    fn interim_reasons_6_3_3_d_intersects_the_crl_and_the_point() {
        let mut some = idp(None);
        some.only_some_reasons = Some(Reasons::KeyCompromise | Reasons::CaCompromise);
        let c = crl("CN=CA,O=Test", Some(some));
        let mut point = dp(None, None);
        assert_eq!(interim_reasons_6_3_3_d(&c, &point), 0b110);
        point.reasons = Some(Reasons::KeyCompromise | Reasons::Superseded);
        assert_eq!(interim_reasons_6_3_3_d(&c, &point), 0b10);
        assert_eq!(
            interim_reasons_6_3_3_d(&crl("CN=CA", None), &dp(None, None)),
            ALL_REASONS
        );
    }
}
