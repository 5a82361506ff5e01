//! Identifier alignment of a signature's `d=` with the From domain (RFC 7489 §3.1.1).

use crate::Alignment;

/// The organisational domain of `domain` by the Public Suffix List: the public suffix
/// plus one label, lower case, in A-labels. `None` for a public suffix itself (`co.uk`,
/// `com`) or an empty name.
///
/// ```
/// assert_eq!(dkim_gate::organisational_domain("mail.example.co.uk").as_deref(), Some("example.co.uk"));
/// assert_eq!(dkim_gate::organisational_domain("co.uk"), None);
/// ```
pub fn organisational_domain(domain: &str) -> Option<String> {
    let domain = normalise(domain);
    psl::domain_str(&domain).map(str::to_string)
}

/// Whether `d=` is aligned with the From domain under `mode`. A public suffix aligns with
/// nothing, in either mode.
pub(crate) fn is_aligned(d: &str, from_domain: &str, mode: Alignment) -> bool {
    let (d, from) = (normalise(d), normalise(from_domain));
    let (Some(d_org), Some(from_org)) = (psl::domain_str(&d), psl::domain_str(&from)) else {
        return false;
    };
    match mode {
        Alignment::Strict => d == from,
        Alignment::Relaxed => d_org == from_org,
    }
}

/// Lower case, A-labels, no final dot.
fn normalise(domain: &str) -> String {
    let domain = domain.trim().trim_end_matches('.');
    mail_auth::common::to_a_label(domain).to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relaxed_alignment_uses_the_organisational_domain() {
        assert!(is_aligned(
            "mail.example.com",
            "example.com",
            Alignment::Relaxed
        ));
        assert!(is_aligned(
            "example.com",
            "lists.example.com",
            Alignment::Relaxed
        ));
        assert!(is_aligned(
            "Example.COM.",
            "example.com",
            Alignment::Relaxed
        ));
        assert!(is_aligned(
            "a.example.co.uk",
            "b.example.co.uk",
            Alignment::Relaxed
        ));
        assert!(!is_aligned(
            "example.org",
            "example.com",
            Alignment::Relaxed
        ));
        assert!(!is_aligned(
            "other.co.uk",
            "example.co.uk",
            Alignment::Relaxed
        ));
    }

    #[test]
    fn strict_alignment_needs_the_same_domain() {
        assert!(is_aligned("example.com", "EXAMPLE.com", Alignment::Strict));
        assert!(!is_aligned(
            "mail.example.com",
            "example.com",
            Alignment::Strict
        ));
    }

    #[test]
    fn a_public_suffix_aligns_with_nothing() {
        for mode in [Alignment::Relaxed, Alignment::Strict] {
            assert!(!is_aligned("co.uk", "example.co.uk", mode));
            assert!(!is_aligned("co.uk", "co.uk", mode));
            assert!(!is_aligned("com", "example.com", mode));
            assert!(!is_aligned("", "", mode));
        }
        assert_eq!(organisational_domain("co.uk"), None);
        assert_eq!(
            organisational_domain("a.b.example.co.uk").as_deref(),
            Some("example.co.uk")
        );
    }

    #[test]
    fn unicode_from_domain_is_compared_as_a_labels() {
        assert!(is_aligned(
            "xn--bcher-kva.example",
            "bücher.example",
            Alignment::Strict
        ));
    }
}
