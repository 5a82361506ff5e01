//! Moving entries keyed by the earlier address rule to the current one.
//!
//! The earlier rule keyed an entry by the whole address lower-cased with Unicode case
//! mapping (`Kate@Bücher.de` and `\u{212A}ate@bücher.de` both became `kate@bücher.de`).
//! The current rule is [`smime_address::normalize`]. An old key alone does not say which
//! new key its entry belongs to (`jörg@x` was written by `Jörg@x` or by `JÖRG@x`, two
//! mailboxes now), so the certificates of the entry decide: each names the address it
//! was stored for, and under the current rule that name must be the new key.
//!
//! For an entry keyed `old`, each certificate gives the set of its names (SAN
//! rfc822Name, SmtpUTF8Mailbox, subject emailAddress) that are `old` under the earlier
//! rule, normalised under the current one. The new key is the one key that every
//! certificate gives. Otherwise the entry is refused and left as it is:
//! - a certificate that gives none: it names no valid address of this mailbox (a Kelvin
//!   sign certificate stored through the substitution of issue 11, or one placed by
//!   hand);
//! - certificates that give different keys: the entry splits into two mailboxes;
//! - an old key that has no normalised form at all (a local part not in NFC...).
//!
//! An entry without any certificate moves to the normalised form of its old key.

use std::collections::BTreeSet;

/// One certificate of an entry: its SHA-256 (hex) and the addresses it names.
pub(crate) type CertNames = (String, Vec<String>);

/// Why an entry cannot be moved without guessing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The old key has no form under the current rule.
    NoKey(smime_address::Error),
    /// A certificate names no address that is this entry's under the current rule.
    Unbacked {
        /// Its fingerprint.
        sha256: String,
    },
    /// The certificates name different mailboxes under the current rule.
    Split {
        /// The keys they give.
        keys: Vec<String>,
    },
}

impl Refusal {
    /// One clause for the operator.
    pub(crate) fn describe(&self) -> String {
        match self {
            Refusal::NoKey(e) => format!("the address has no key under the current rule: {e}"),
            Refusal::Unbacked { sha256 } => format!(
                "its certificate {sha256} names no address that is this one under the current rule (it may have been stored through Unicode case folding)"
            ),
            Refusal::Split { keys } => format!(
                "its certificates name different mailboxes under the current rule: {}",
                keys.join(", ")
            ),
        }
    }
}

/// Whether `name` is the mailbox `old` under the earlier rule (local parts equal after
/// Unicode lower-casing, domains equal in A-labels, a final dot ignored).
fn was_same(name: &str, old: &str) -> bool {
    let (Some((name_local, name_domain)), Some((old_local, old_domain))) =
        (name.rsplit_once('@'), old.rsplit_once('@'))
    else {
        return false;
    };
    let domain = |d: &str| {
        let d = d.trim_end_matches('.');
        smime_address::normalize_domain(d).unwrap_or_else(|_| d.to_lowercase())
    };
    name_local.to_lowercase() == old_local.to_lowercase()
        && domain(name_domain) == domain(old_domain)
}

/// The current key of the entry keyed `old`, given the names of each of its
/// certificates as `(sha256, names)`; see the [module docs](self).
pub(crate) fn new_key(
    old: &str,
    certificates: &[(String, Vec<String>)],
) -> Result<String, Refusal> {
    let direct = smime_address::normalize(old).map_err(Refusal::NoKey)?;
    let mut common: Option<BTreeSet<String>> = None;
    let mut all = BTreeSet::new();
    for (sha256, names) in certificates {
        let keys: BTreeSet<String> = names
            .iter()
            .filter(|name| was_same(name, old))
            .filter_map(|name| smime_address::normalize(name).ok())
            .map(smime_address::Normalized::into_string)
            .collect();
        if keys.is_empty() {
            return Err(Refusal::Unbacked {
                sha256: sha256.clone(),
            });
        }
        all.extend(keys.iter().cloned());
        common = Some(match common {
            None => keys,
            Some(c) => c.intersection(&keys).cloned().collect(),
        });
    }
    let Some(common) = common else {
        return Ok(direct.into_string());
    };
    let mut keys = common.into_iter();
    match (keys.next(), keys.next()) {
        (Some(key), None) => Ok(key),
        (Some(_), Some(_)) | (None, _) => Err(Refusal::Split {
            keys: all.into_iter().collect(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn certs(names: &[&[&str]]) -> Vec<CertNames> {
        names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                (
                    format!("sha{i}"),
                    n.iter().map(|s| (*s).to_owned()).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn ascii_entries_keep_their_key() {
        let c = certs(&[&["Alice@Example.com"], &["alice@example.com", "other@x"]]);
        assert_eq!(
            new_key("alice@example.com", &c).unwrap(),
            "alice@example.com"
        );
        assert_eq!(
            new_key("alice@example.com", &[]).unwrap(),
            "alice@example.com"
        );
    }

    #[test]
    fn u_label_domains_become_a_labels_and_certificates_decide_the_case() {
        let c = certs(&[&["J\u{f6}rg@B\u{fc}cher.de"]]);
        assert_eq!(
            new_key("j\u{f6}rg@b\u{fc}cher.de", &c).unwrap(),
            "j\u{f6}rg@xn--bcher-kva.de"
        );
        let upper = certs(&[&["J\u{d6}RG@b\u{fc}cher.de"]]);
        assert_eq!(
            new_key("j\u{f6}rg@b\u{fc}cher.de", &upper).unwrap(),
            "j\u{d6}rg@xn--bcher-kva.de"
        );
        // Idempotent: an entry already moved maps onto itself.
        assert_eq!(
            new_key("j\u{d6}rg@xn--bcher-kva.de", &upper).unwrap(),
            "j\u{d6}rg@xn--bcher-kva.de"
        );
    }

    #[test]
    fn a_kelvin_sign_certificate_is_refused() {
        let c = certs(&[&["kate@example.com"], &["\u{212A}ate@example.com"]]);
        assert_eq!(
            new_key("kate@example.com", &c),
            Err(Refusal::Unbacked {
                sha256: "sha1".into()
            })
        );
    }

    #[test]
    fn an_entry_of_two_mailboxes_is_refused() {
        let c = certs(&[&["J\u{f6}rg@x.de"], &["J\u{d6}RG@x.de"]]);
        assert!(matches!(
            new_key("j\u{f6}rg@x.de", &c),
            Err(Refusal::Split { keys }) if keys.len() == 2
        ));
    }

    #[test]
    fn an_old_key_without_a_current_form_is_refused() {
        assert!(matches!(
            new_key("jo\u{308}rg@x.de", &[]),
            Err(Refusal::NoKey(smime_address::Error::NotNfc))
        ));
    }
}
