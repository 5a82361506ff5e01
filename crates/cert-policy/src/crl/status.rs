//! The certificate's status from the CRLs at hand: the loop of RFC 5280 6.3.3 over its
//! distribution points, with delta CRLs (5.2.4) and removeFromCRL.
//!
//! One deliberate deviation: a CRL past its nextUpdate can no longer show a certificate
//! good, but an entry on it still revokes (except certificateHold): a revocation does
//! not expire, and an operator's stale CRL file must not let revoked certificates back
//! in. A CRL not yet valid at the time is not used at all.

use std::sync::Arc;

use x509_cert::ext::pkix::crl::dp::DistributionPoint;

use super::parse::{Crl, Entry};
use super::scope::{
    ALL_REASONS, check_crl_issuer_6_3_3_b_1, check_crl_scope_6_3_3_b_2, interim_reasons_6_3_3_d,
};
use super::{RevocationReason, RevocationStatus};
use crate::Error;
use crate::cert::Cert;

/// Whether a CRL's signature verifies with the key of a validated certificate of its
/// issuer allowed to sign CRLs (6.3.3 (f)-(g), and (h) for a delta CRL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    Verified,
    /// Why not (no such certificate, no cRLSign, bad signature, invalid path...).
    Unverified(String),
}

/// Finds and validates the CRL issuer's key. `Err` only for a limit reached.
pub(crate) trait CrlSigners {
    fn verify(&mut self, crl: &Crl, cert: &Cert) -> Result<Verdict, Error>;
}

/// How current a CRL is at the time (6.3.3 (a)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Currency {
    NotYetValid,
    Current,
    Expired,
}

/// 6.3.3 (a): thisUpdate <= time <= nextUpdate (no nextUpdate: current).
pub(crate) fn currency_6_3_3_a(crl: &Crl, at: i64) -> Currency {
    if at < crl.this_update {
        Currency::NotYetValid
    } else if crl.next_update.is_some_and(|n| at > n) {
        Currency::Expired
    } else {
        Currency::Current
    }
}

/// Compares CRL numbers (big-endian, no leading zeros).
fn number_cmp(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// 6.3.3 (c), (h) and 5.2.4: the newest current delta CRL that updates `complete` (same
/// issuer, issuingDistributionPoint and authority key, a base no newer than the complete
/// CRL) and whose signature verifies.
pub(crate) fn find_delta_6_3_3_c(
    cert: &Cert,
    complete: &Crl,
    crls: &[Arc<Crl>],
    at: i64,
    signers: &mut dyn CrlSigners,
) -> Result<Option<Arc<Crl>>, Error> {
    let Some(complete_number) = &complete.number else {
        return Ok(None);
    };
    let mut deltas: Vec<&Arc<Crl>> = crls
        .iter()
        .filter(|d| {
            d.delta_base
                .as_ref()
                .is_some_and(|base| number_cmp(base, complete_number).is_le())
                && d.issuer == complete.issuer
                && d.idp_der == complete.idp_der
                && d.aki == complete.aki
                && d.unknown_critical.is_none()
                && currency_6_3_3_a(d, at) == Currency::Current
        })
        .collect();
    deltas.sort_by(|a, b| {
        number_cmp(
            b.number.as_deref().unwrap_or(&[]),
            a.number.as_deref().unwrap_or(&[]),
        )
    });
    for d in deltas {
        if signers.verify(d, cert)? == Verdict::Verified {
            return Ok(Some(d.clone()));
        }
    }
    Ok(None)
}

/// 6.3.3 (i)-(k): the entry that revokes the certificate, the delta CRL's first; an
/// entry removeFromCRL on the delta CRL unrevokes.
pub(crate) fn listing_6_3_3_i_k<'c>(
    cert: &Cert,
    complete: &'c Crl,
    delta: Option<&'c Crl>,
) -> Option<&'c Entry> {
    let entry = delta
        .and_then(|d| d.entry_for(&cert.issuer_dn, &cert.serial))
        .or_else(|| complete.entry_for(&cert.issuer_dn, &cert.serial))?;
    (entry.reason != Some(RevocationReason::RemoveFromCrl)).then_some(entry)
}

/// The distribution points to satisfy: the certificate's, or one for its issuer with
/// every reason when it has none.
fn distribution_points(cert: &Cert) -> Vec<DistributionPoint> {
    cert.ext
        .crl_distribution_points
        .clone()
        .filter(|dps| !dps.is_empty())
        .unwrap_or_else(|| {
            vec![DistributionPoint {
                distribution_point: None,
                reasons: None,
                crl_issuer: None,
            }]
        })
}

/// RFC 5280 6.3.3: the status of `cert` from `crls` at `at`.
pub(crate) fn status_6_3_3(
    cert: &Cert,
    crls: &[Arc<Crl>],
    at: i64,
    signers: &mut dyn CrlSigners,
) -> Result<RevocationStatus, Error> {
    let mut reasons_mask: u16 = 0;
    let mut why: Vec<String> = Vec::new();
    for dp in distribution_points(cert) {
        for crl in crls.iter().filter(|c| !c.is_delta()) {
            if reasons_mask == ALL_REASONS {
                break;
            }
            let not_usable = |why: &mut Vec<String>, reason: String| {
                why.push(format!("the CRL of {} {reason}", crl.issuer_name));
            };
            if check_crl_issuer_6_3_3_b_1(crl, &dp, cert).is_err() {
                continue; // Another CA's CRL: nothing to report.
            }
            let currency = currency_6_3_3_a(crl, at);
            if currency == Currency::NotYetValid {
                not_usable(&mut why, "is not valid yet".into());
                continue;
            }
            if let Err(reason) = check_crl_scope_6_3_3_b_2(crl, &dp, cert) {
                not_usable(&mut why, format!("does not cover it: {reason}"));
                continue;
            }
            let interim = interim_reasons_6_3_3_d(crl, &dp);
            if interim & !reasons_mask == 0 {
                continue; // (e): nothing new to learn from it.
            }
            if let Some(oid) = crl.unknown_critical {
                not_usable(&mut why, format!("has an unknown critical extension {oid}"));
                continue;
            }
            if let Verdict::Unverified(reason) = signers.verify(crl, cert)? {
                not_usable(&mut why, format!("cannot be verified: {reason}"));
                continue;
            }
            let delta = find_delta_6_3_3_c(cert, crl, crls, at, signers)?;
            let current = currency == Currency::Current
                || (delta.is_some() && (crl.freshest || cert.ext.freshest_crl));
            if let Some(entry) = listing_6_3_3_i_k(cert, crl, delta.as_deref())
                && (current || entry.reason != Some(RevocationReason::CertificateHold))
            {
                return Ok(RevocationStatus::Revoked {
                    reason: entry.reason,
                    date: entry.date,
                });
            }
            if !current {
                not_usable(&mut why, "is past its nextUpdate".into());
                continue;
            }
            reasons_mask |= interim; // (l)
        }
    }
    if reasons_mask == ALL_REASONS {
        return Ok(RevocationStatus::Good);
    }
    if why.is_empty() {
        why.push(if reasons_mask == 0 {
            "no CRL of its issuer".into()
        } else {
            "the CRLs do not cover every revocation reason".into()
        });
    }
    Ok(RevocationStatus::Unknown {
        why: why.join("; "),
    })
}

#[cfg(test)]
mod tests;
