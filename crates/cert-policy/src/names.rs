//! Email address matching (SPEC step 5) and the rfc822Name constraint form (RFC 5280
//! section 4.2.1.10; the other forms are in `name_constraints`).

/// Splits at the last `@`; `None` without one or with an empty part.
fn split(addr: &str) -> Option<(&str, &str)> {
    let (local, domain) = addr.trim().rsplit_once('@')?;
    (!local.is_empty() && !domain.is_empty()).then_some((local, domain))
}

/// Whether two addresses are the same mailbox: domain and local part compared
/// case-insensitively (Unicode lower-casing, for SmtpUTF8 addresses). A trailing dot
/// on the domain is ignored.
pub(crate) fn same_address(a: &str, b: &str) -> bool {
    match (split(a), split(b)) {
        (Some((la, da)), Some((lb, db))) => {
            la.to_lowercase() == lb.to_lowercase()
                && da.trim_end_matches('.').to_lowercase()
                    == db.trim_end_matches('.').to_lowercase()
        }
        _ => false,
    }
}

/// RFC 5280 rfc822Name constraint matching: `a@b` is one mailbox, `.example.com` any
/// host under example.com, `example.com` that host only. Case-insensitive.
pub(crate) fn rfc822_matches(constraint: &str, addr: &str) -> bool {
    let Some((_, domain)) = split(addr) else {
        return false;
    };
    let domain = domain.trim_end_matches('.').to_lowercase();
    let c = constraint.trim().to_lowercase();
    if c.contains('@') {
        same_address(&c, addr)
    } else if let Some(suffix) = c.strip_prefix('.') {
        domain.len() > suffix.len() + 1 && domain.ends_with(&c)
    } else {
        domain == c.trim_end_matches('.')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_compare_case_insensitively() {
        assert!(same_address("Alice@Example.COM", "alice@example.com"));
        assert!(!same_address("alice@example.com", "alice@example.org"));
        assert!(!same_address("alice@example.com", "bob@example.com"));
        assert!(!same_address("noat", "noat"));
    }

    #[test]
    fn rfc822_constraint_forms() {
        assert!(rfc822_matches("example.com", "a@EXAMPLE.com"));
        assert!(!rfc822_matches("example.com", "a@sub.example.com"));
        assert!(rfc822_matches(".example.com", "a@sub.example.com"));
        assert!(!rfc822_matches(".example.com", "a@example.com"));
        assert!(!rfc822_matches(".example.com", "a@badexample.com"));
        assert!(rfc822_matches("a@example.com", "A@example.com"));
        assert!(!rfc822_matches("a@example.com", "b@example.com"));
    }
}
