//! RFC 5280 6.3.3 over synthetic CRLs, with the signature check stubbed.

use std::str::FromStr;

use x509_cert::ext::pkix::crl::dp::{IssuingDistributionPoint, Reasons};
use x509_cert::ext::pkix::name::GeneralName;

use super::*;
use crate::dn::Dn;

/// Every CRL verifies except those whose thisUpdate is 666.
struct Signers;

impl CrlSigners for Signers {
    fn verify(&mut self, crl: &Crl, _cert: &Cert) -> Result<Verdict, Error> {
        Ok(if crl.this_update == 666 {
            Verdict::Unverified("bad signature".into())
        } else {
            Verdict::Verified
        })
    }
}

const AT: i64 = 1000;
const CA: &str = "CN=CA,O=Test";

fn cert() -> Cert {
    Cert::synthetic("CN=EE,O=Test", CA)
}

fn status(cert: &Cert, crls: Vec<Crl>) -> RevocationStatus {
    let crls: Vec<Arc<Crl>> = crls.into_iter().map(Arc::new).collect();
    status_6_3_3(cert, &crls, AT, &mut Signers).unwrap()
}

fn unknown(s: &RevocationStatus) -> &str {
    match s {
        RevocationStatus::Unknown { why } => why,
        other => panic!("not unknown: {other:?}"),
    }
}

fn revoked(reason: RevocationReason) -> RevocationStatus {
    RevocationStatus::Revoked {
        reason: Some(reason),
        date: 10,
    }
}

fn delta_of(base: &[u8], number: u8) -> Crl {
    let mut d = Crl::synthetic(CA);
    d.delta_base = Some(base.to_vec());
    d.number = Some(vec![number]);
    d
}

#[test]
fn status_6_3_3_without_crl_is_unknown() {
    let s = status(&cert(), vec![]);
    assert_eq!(unknown(&s), "no CRL of its issuer");
    // Another CA's CRL does not count.
    let s = status(&cert(), vec![Crl::synthetic("CN=Other")]);
    assert_eq!(unknown(&s), "no CRL of its issuer");
}

#[test]
fn status_6_3_3_good_and_revoked() {
    assert_eq!(
        status(&cert(), vec![Crl::synthetic(CA)]),
        RevocationStatus::Good
    );
    let mut crl = Crl::synthetic(CA);
    crl.list(1, Some(RevocationReason::KeyCompromise), None);
    assert_eq!(
        status(&cert(), vec![crl]),
        revoked(RevocationReason::KeyCompromise)
    );
}

#[test]
fn currency_6_3_3_a_thisupdate_to_nextupdate() {
    let mut crl = Crl::synthetic(CA);
    assert_eq!(currency_6_3_3_a(&crl, 0), Currency::Current);
    assert_eq!(currency_6_3_3_a(&crl, 2000), Currency::Current);
    assert_eq!(currency_6_3_3_a(&crl, 2001), Currency::Expired);
    assert_eq!(currency_6_3_3_a(&crl, -1), Currency::NotYetValid);
    crl.next_update = None;
    assert_eq!(currency_6_3_3_a(&crl, i64::MAX), Currency::Current);
}

#[test]
fn status_6_3_3_a_a_crl_not_yet_valid_is_not_used() {
    let mut crl = Crl::synthetic(CA);
    crl.this_update = AT + 1;
    crl.list(1, Some(RevocationReason::KeyCompromise), None);
    let s = status(&cert(), vec![crl]);
    assert!(unknown(&s).contains("not valid yet"), "{s:?}");
}

#[test]
fn status_6_3_3_a_an_expired_crl_still_revokes_but_shows_nothing_good() {
    let mut crl = Crl::synthetic(CA);
    crl.next_update = Some(AT - 1);
    let s = status(&cert(), vec![crl.clone()]);
    assert!(unknown(&s).contains("past its nextUpdate"), "{s:?}");
    crl.list(1, Some(RevocationReason::CertificateHold), None);
    let s = status(&cert(), vec![crl.clone()]);
    assert!(
        unknown(&s).contains("past its nextUpdate"),
        "a hold may have been lifted"
    );
    crl.entries.clear();
    crl.list(1, Some(RevocationReason::KeyCompromise), None);
    assert_eq!(
        status(&cert(), vec![crl]),
        revoked(RevocationReason::KeyCompromise)
    );
}

#[test]
fn status_6_3_3_f_g_an_unverified_crl_is_not_used() {
    let mut crl = Crl::synthetic(CA);
    crl.this_update = 666;
    crl.list(1, Some(RevocationReason::KeyCompromise), None);
    let s = status(&cert(), vec![crl]);
    assert!(
        unknown(&s).contains("cannot be verified: bad signature"),
        "{s:?}"
    );
}

#[test]
fn status_6_3_3_unknown_critical_extensions_make_a_crl_unusable() {
    let mut crl = Crl::synthetic(CA);
    crl.unknown_critical = Some(const_oid::ObjectIdentifier::new_unwrap("1.2.3.4"));
    let s = status(&cert(), vec![crl]);
    assert!(
        unknown(&s).contains("unknown critical extension 1.2.3.4"),
        "{s:?}"
    );
}

#[test]
fn status_6_3_3_d_l_reason_partitions_must_cover_every_reason() {
    let partial = |reasons| {
        let mut c = Crl::synthetic(CA);
        c.idp = Some(IssuingDistributionPoint {
            distribution_point: None,
            only_contains_user_certs: false,
            only_contains_ca_certs: false,
            only_some_reasons: Some(reasons),
            indirect_crl: false,
            only_contains_attribute_certs: false,
        });
        c
    };
    let compromise = partial(Reasons::KeyCompromise | Reasons::CaCompromise);
    let rest = partial(!(Reasons::KeyCompromise | Reasons::CaCompromise));
    let s = status(&cert(), vec![compromise.clone()]);
    assert_eq!(unknown(&s), "the CRLs do not cover every revocation reason");
    assert_eq!(
        status(&cert(), vec![compromise, rest]),
        RevocationStatus::Good
    );
}

#[test]
fn status_6_3_3_indirect_entries_belong_to_their_certificate_issuer() {
    // PKITS 4.14.25: an indirect CRL's entry for another CA's serial 1.
    let mut crl = Crl::synthetic(CA);
    let other = Dn::of(&x509_cert::name::Name::from_str("CN=Other").unwrap());
    crl.list(
        1,
        Some(RevocationReason::KeyCompromise),
        Some(other.clone()),
    );
    assert_eq!(status(&cert(), vec![crl.clone()]), RevocationStatus::Good);
    assert!(crl.entry_for(&other, &[1]).is_some());
    assert!(crl.entry_for(&cert().issuer_dn, &[1]).is_none());
}

#[test]
fn status_6_3_3_follows_the_certificates_distribution_points() {
    let mut c = cert();
    c.ext.crl_distribution_points = Some(vec![DistributionPoint {
        distribution_point: None,
        reasons: None,
        crl_issuer: Some(vec![GeneralName::DirectoryName(
            x509_cert::name::Name::from_str("CN=Indirect").unwrap(),
        )]),
    }]);
    // The CA's own CRL is not the one the certificate names.
    let s = status(&c, vec![Crl::synthetic(CA)]);
    assert_eq!(unknown(&s), "no CRL of its issuer");
}

#[test]
fn find_delta_6_3_3_c_takes_the_newest_applicable_delta() {
    let complete = Crl::synthetic(CA);
    let crls: Vec<Arc<Crl>> = [delta_of(&[1], 3), delta_of(&[1], 5), delta_of(&[2], 9)]
        .into_iter()
        .map(Arc::new)
        .collect();
    let d = find_delta_6_3_3_c(&cert(), &complete, &crls, AT, &mut Signers).unwrap();
    assert_eq!(
        d.unwrap().number,
        Some(vec![5]),
        "base 2 is newer than the complete CRL"
    );
    // Another authority key, or an expired delta, does not apply.
    let mut other_key = delta_of(&[1], 3);
    other_key.aki = Some(vec![9]);
    let mut stale = delta_of(&[1], 4);
    stale.next_update = Some(AT - 1);
    let crls = vec![Arc::new(other_key), Arc::new(stale)];
    assert!(
        find_delta_6_3_3_c(&cert(), &complete, &crls, AT, &mut Signers)
            .unwrap()
            .is_none()
    );
}

#[test]
fn listing_6_3_3_i_k_delta_first_and_remove_from_crl() {
    let mut complete = Crl::synthetic(CA);
    complete.list(1, Some(RevocationReason::CertificateHold), None);
    let mut delta = delta_of(&[1], 2);
    assert_eq!(
        listing_6_3_3_i_k(&cert(), &complete, Some(&delta))
            .unwrap()
            .reason,
        Some(RevocationReason::CertificateHold)
    );
    delta.list(1, Some(RevocationReason::RemoveFromCrl), None);
    assert!(listing_6_3_3_i_k(&cert(), &complete, Some(&delta)).is_none());
    delta.entries.clear();
    delta.list(1, Some(RevocationReason::KeyCompromise), None);
    assert_eq!(
        listing_6_3_3_i_k(&cert(), &complete, Some(&delta))
            .unwrap()
            .reason,
        Some(RevocationReason::KeyCompromise)
    );
}

#[test]
fn status_6_3_3_c_a_current_delta_renews_an_expired_complete_crl() {
    let mut complete = Crl::synthetic(CA);
    complete.next_update = Some(AT - 1);
    complete.freshest = true;
    let s = status(&cert(), vec![complete.clone(), delta_of(&[1], 2)]);
    assert_eq!(s, RevocationStatus::Good);
    // Without freshestCRL in the certificate or the CRL, deltas are not looked for.
    complete.freshest = false;
    let s = status(&cert(), vec![complete, delta_of(&[1], 2)]);
    assert!(unknown(&s).contains("past its nextUpdate"), "{s:?}");
    // A delta CRL alone is no complete CRL (PKITS 4.15.1).
    let s = status(&cert(), vec![delta_of(&[1], 2)]);
    assert_eq!(unknown(&s), "no CRL of its issuer");
}
