//! Email address matching (SPEC step 5) and the rfc822Name constraint form (RFC 5280
//! section 4.2.1.10; the other forms are in `name_constraints`).

/// Whether two addresses are the same mailbox: both normalise under
/// [`smime_address::normalize`] and the forms are equal. A name that does not normalise
/// (a local part not in NFC, such as one with the Kelvin sign; a bad domain...) is the
/// same mailbox as nothing.
pub(crate) fn same_address(a: &str, b: &str) -> bool {
    match (smime_address::normalize(a), smime_address::normalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// The normalised domain of an address (after its last `@`), as name constraints
/// compare it: A-labels, ASCII lower case.
fn domain_of(addr: &str) -> Option<String> {
    let (_, domain) = addr.rsplit_once('@')?;
    smime_address::normalize_domain(domain).ok()
}

/// RFC 5280 rfc822Name constraint matching: `a@b` is one mailbox, `.example.com` any
/// host under example.com, `example.com` that host only; domains compared in A-labels,
/// ASCII lower case (RFC 8398 section 6: SmtpUTF8Mailbox names too). `None` when it
/// cannot be decided (the constraint or the address's domain does not normalise):
/// callers refuse the path then, whether the constraint permits or excludes.
pub(crate) fn rfc822_matches(constraint: &str, addr: &str) -> Option<bool> {
    let domain = domain_of(addr)?;
    if constraint.contains('@') {
        smime_address::normalize(constraint).ok()?;
        return Some(same_address(constraint, addr));
    }
    if let Some(suffix) = constraint.strip_prefix('.') {
        let suffix = smime_address::normalize_domain(suffix).ok()?;
        let under = domain
            .strip_suffix(suffix.as_str())
            .is_some_and(|head| head.len() > 1 && head.ends_with('.'));
        Some(under)
    } else {
        Some(domain == smime_address::normalize_domain(constraint).ok()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_compare_under_the_one_rule() {
        assert!(same_address("Alice@Example.COM", "alice@example.com"));
        assert!(!same_address("alice@example.com", "alice@example.org"));
        assert!(!same_address("alice@example.com", "bob@example.com"));
        assert!(!same_address("noat", "noat"));
        // Only ASCII letters fold; a name that is not NFC matches nothing, not even itself.
        assert!(!same_address("\u{212A}ate@example.com", "kate@example.com"));
        assert!(!same_address(
            "\u{212A}ate@example.com",
            "\u{212A}ate@example.com"
        ));
        assert!(!same_address("J\u{d6}RG@x.de", "j\u{f6}rg@x.de"));
        assert!(same_address(
            "j\u{f6}rg@B\u{fc}cher.de",
            "J\u{f6}rg@xn--bcher-kva.de"
        ));
        assert!(same_address("\"a b\"@example.com", "\"A B\"@Example.com"));
        assert!(same_address("\"ab\"@example.com", "ab@example.com"));
    }

    #[test]
    fn rfc822_constraint_forms() {
        let m = |c: &str, a: &str| rfc822_matches(c, a);
        assert_eq!(m("example.com", "a@EXAMPLE.com"), Some(true));
        assert_eq!(m("example.com", "a@sub.example.com"), Some(false));
        assert_eq!(m(".example.com", "a@sub.example.com"), Some(true));
        assert_eq!(m(".example.com", "a@example.com"), Some(false));
        assert_eq!(m(".example.com", "a@badexample.com"), Some(false));
        assert_eq!(m("a@example.com", "A@example.com"), Some(true));
        assert_eq!(m("a@example.com", "b@example.com"), Some(false));
    }

    #[test]
    fn rfc822_constraints_compare_a_labels() {
        let m = |c: &str, a: &str| rfc822_matches(c, a);
        assert_eq!(
            m("xn--bcher-kva.de", "j\u{f6}rg@B\u{fc}cher.de"),
            Some(true)
        );
        assert_eq!(m(".xn--bcher-kva.de", "j@mail.b\u{fc}cher.de"), Some(true));
        assert_eq!(m("bucher.de", "j@b\u{fc}cher.de"), Some(false));
        // The domain decides even when the local part does not normalise.
        assert_eq!(m("example.com", "\u{212A}ate@example.com"), Some(true));
        // Undecidable: a bad domain on either side.
        assert_eq!(m("example.com", "a@bad_domain"), None);
        assert_eq!(m("bad_domain", "a@example.com"), None);
        assert_eq!(m("example.com", "noat"), None);
    }
}
