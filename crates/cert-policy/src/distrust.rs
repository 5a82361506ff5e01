//! Mozilla's distrust-after dates: a root that stopped vouching for new certificates.
//!
//! NSS stores per root a date for TLS and one for email (`CKA_NSS_EMAIL_DISTRUST_AFTER`,
//! read by the email-roots crate). A path ending at such a root is refused when its
//! *end-entity* certificate's notBefore is later than the date; certificates issued up to
//! and including the date keep working until they expire. NSS compares exactly this
//! (`certLeafNotBefore <= certRootDistrustAfter` is trusted); intermediates' dates do not
//! matter.

/// Whether a leaf with notBefore `leaf_not_before` is refused through an anchor whose
/// email distrust-after date is `anchor_distrust_after` (both unix seconds; `None` = the
/// anchor has no such date).
pub fn distrusted(anchor_distrust_after: Option<i64>, leaf_not_before: i64) -> bool {
    anchor_distrust_after.is_some_and(|after| leaf_not_before > after)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cert::Cert;
    use test_support::keys::KeyAlg;
    use test_support::pki::{CertSpec, T2025, hierarchy};

    /// The notBefore of a leaf generated with `not_before`, as cert-policy decodes it.
    fn generated_leaf_not_before(not_before: i64) -> i64 {
        let mut spec = CertSpec::leaf("distrust-leaf", "d@example.com", KeyAlg::P256);
        spec.not_before_unix = not_before;
        let leaf = spec.issue(&hierarchy().intermediate);
        Cert::parse(&leaf.der).unwrap().not_before
    }

    #[test]
    fn a_leaf_issued_after_the_date_is_distrusted() {
        let nb = generated_leaf_not_before(T2025);
        assert!(distrusted(Some(T2025 - 1), nb));
    }

    #[test]
    fn a_leaf_issued_on_or_before_the_date_is_trusted() {
        let nb = generated_leaf_not_before(T2025);
        assert!(!distrusted(Some(T2025), nb));
        assert!(!distrusted(Some(T2025 + 86_400), nb));
    }

    #[test]
    fn an_anchor_without_a_date_never_distrusts() {
        assert!(!distrusted(None, generated_leaf_not_before(T2025)));
        assert!(!distrusted(None, i64::MAX));
    }
}
