//! Whether a name is within a subtree, one function per name form (RFC 5280 4.2.1.10).

/// Whether `domain` is `base` or a subdomain of it: ASCII case-insensitive, label by
/// label, a trailing dot ignored. The one domain comparison of the name constraints
/// (dNSName, URI hosts), kept alone so that IDNA normalisation can be put here.
pub(crate) fn domain_within(domain: &str, base: &str) -> bool {
    let domain = domain.trim_end_matches('.');
    let base = base.trim_end_matches('.');
    if base.is_empty() {
        return true;
    }
    if domain.len() < base.len() {
        return false;
    }
    let (head, tail) = domain.split_at(domain.len() - base.len());
    tail.eq_ignore_ascii_case(base) && (head.is_empty() || head.ends_with('.'))
}

/// dNSName: "any DNS name that can be constructed by simply adding zero or more labels
/// to the left-hand side" of the constraint; a leading period (common usage) asks for at
/// least one label.
pub(crate) fn dns_matches(constraint: &str, name: &str) -> bool {
    match constraint.strip_prefix('.') {
        Some(base) => domain_within(name, base) && !domain_within(base, name),
        None => domain_within(name, constraint),
    }
}

/// uniformResourceIdentifier: the constraint applies to the URI's host; `.example.com`
/// is any host under example.com, `host.example.com` that host only. A URI without a
/// host name (a URN, an IP literal) is within no URI subtree.
pub(crate) fn uri_matches(constraint: &str, uri: &str) -> bool {
    let Some(host) = uri_host(uri) else {
        return false;
    };
    match constraint.strip_prefix('.') {
        Some(base) => domain_within(host, base) && !domain_within(base, host),
        None => domain_within(host, constraint) && domain_within(constraint, host),
    }
}

/// The host of `scheme://[userinfo@]host[:port][/...]`, or `None` (no authority, or an
/// IP literal).
fn uri_host(uri: &str) -> Option<&str> {
    let (scheme, rest) = uri.split_once(':')?;
    if scheme.is_empty() {
        return None;
    }
    let rest = rest.strip_prefix("//")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host_port.starts_with('[') {
        return None;
    }
    let host = host_port.split(':').next()?;
    (!host.is_empty()).then_some(host)
}

/// iPAddress: the constraint is an address and a mask of the same family (8 bytes for
/// IPv4, 32 for IPv6); the name an address (4 or 16 bytes).
pub(crate) fn ip_matches(constraint: &[u8], addr: &[u8]) -> bool {
    if constraint.len() != addr.len() * 2 || !matches!(addr.len(), 4 | 16) {
        return false;
    }
    let (net, mask) = constraint.split_at(addr.len());
    addr.iter()
        .zip(net)
        .zip(mask)
        .all(|((a, n), m)| a & m == n & m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_compare_by_whole_labels_ignoring_ascii_case() {
        assert!(domain_within(
            "Host.TestCertificates.gov",
            "testcertificates.gov"
        ));
        assert!(domain_within(
            "testcertificates.gov.",
            "testcertificates.gov"
        ));
        assert!(!domain_within(
            "mytestcertificates.gov",
            "testcertificates.gov"
        ));
        assert!(!domain_within("gov", "testcertificates.gov"));
        assert!(domain_within("anything", ""));
    }

    #[test]
    fn dns_constraints() {
        assert!(dns_matches("testcertificates.gov", "testcertificates.gov"));
        assert!(dns_matches(
            "testcertificates.gov",
            "a.b.testcertificates.gov"
        ));
        assert!(!dns_matches(
            "testcertificates.gov",
            "mytestcertificates.gov"
        ));
        assert!(dns_matches(".example.com", "a.example.com"));
        assert!(!dns_matches(".example.com", "example.com"));
        assert!(dns_matches("", "example.com"));
    }

    #[test]
    fn uri_constraints_apply_to_the_host() {
        assert!(uri_matches(
            ".testcertificates.gov",
            "http://a.testcertificates.gov/x"
        ));
        assert!(!uri_matches(
            ".testcertificates.gov",
            "http://testcertificates.gov"
        ));
        assert!(uri_matches(
            "testcertificates.gov",
            "ftp://u@TestCertificates.gov:21/f"
        ));
        assert!(!uri_matches(
            "testcertificates.gov",
            "http://a.testcertificates.gov"
        ));
        assert!(!uri_matches("example.com", "urn:example.com"));
        assert!(!uri_matches("example.com", "http://[2001:db8::1]/"));
        assert!(!uri_matches("example.com", "://example.com"));
    }

    #[test]
    fn ip_constraints_are_address_and_mask() {
        let v4 = [192, 168, 0, 0, 255, 255, 0, 0];
        assert!(ip_matches(&v4, &[192, 168, 10, 1]));
        assert!(!ip_matches(&v4, &[192, 169, 0, 1]));
        let mut v6 = [0u8; 32];
        v6[..2].copy_from_slice(&[0x20, 0x01]);
        v6[16..18].copy_from_slice(&[0xff, 0xff]);
        let mut addr = [0u8; 16];
        addr[..2].copy_from_slice(&[0x20, 0x01]);
        addr[15] = 1;
        assert!(ip_matches(&v6, &addr));
        assert!(!ip_matches(&v4, &addr), "families do not mix");
        assert!(!ip_matches(&v6, &[192, 168, 0, 1]));
        assert!(!ip_matches(&[1, 2, 3], &[1]));
    }
}
