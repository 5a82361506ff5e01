//! Email address matching (SPEC step 5) and name constraints (RFC 5280 section 4.2.1.10).

use der::Encode;
use x509_cert::ext::pkix::constraints::name::GeneralSubtree;
use x509_cert::ext::pkix::name::GeneralName;

use crate::Error;
use crate::cert::Cert;

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
fn rfc822_matches(constraint: &str, addr: &str) -> Option<bool> {
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

/// Whether `subject` (an RDNSequence) starts with `base`'s RDNs (directoryName subtree).
fn dn_within(base: &x509_cert::name::Name, subject: &x509_cert::name::Name) -> bool {
    let b: Vec<_> = base.iter_rdn().map(|r| r.to_der().ok()).collect();
    let s: Vec<_> = subject.iter_rdn().map(|r| r.to_der().ok()).collect();
    b.len() <= s.len() && b.iter().zip(&s).all(|(x, y)| x.is_some() && x == y)
}

fn kind(n: &GeneralName) -> u8 {
    match n {
        GeneralName::OtherName(_) => 0,
        GeneralName::Rfc822Name(_) => 1,
        GeneralName::DnsName(_) => 2,
        GeneralName::DirectoryName(_) => 4,
        GeneralName::EdiPartyName(_) => 5,
        GeneralName::UniformResourceIdentifier(_) => 6,
        GeneralName::IpAddress(_) => 7,
        GeneralName::RegisteredId(_) => 8,
    }
}

/// Checks `cert` against the name constraints of `ca` (a CA above it on the path).
///
/// rfc822Name subtrees apply to every email the certificate names (SAN rfc822Name, the
/// domain of SmtpUTF8Mailbox names, subject emailAddress); directoryName subtrees to
/// the subject (unless it is empty, or `cert` is a self-issued CA). Other name types
/// are not implemented: if the CA constrains a type and the certificate presents a SAN
/// name of that type, the path is refused.
pub(crate) fn check_name_constraints(ca: &Cert, cert: &Cert, is_leaf: bool) -> Result<(), Error> {
    let Some(nc) = &ca.ext.name_constraints else {
        return Ok(());
    };
    let permitted: &[GeneralSubtree] = nc.permitted_subtrees.as_deref().unwrap_or(&[]);
    let excluded: &[GeneralSubtree] = nc.excluded_subtrees.as_deref().unwrap_or(&[]);
    let violation = |name: String| Error::NameConstraint {
        ca: ca.subject.clone(),
        name,
    };

    let emails = cert.emails();
    let permitted_mail: Vec<String> = permitted
        .iter()
        .filter_map(|s| match &s.base {
            GeneralName::Rfc822Name(c) => Some(c.to_string()),
            _ => None,
        })
        .collect();
    let excluded_mail: Vec<String> = excluded
        .iter()
        .filter_map(|s| match &s.base {
            GeneralName::Rfc822Name(c) => Some(c.to_string()),
            _ => None,
        })
        .collect();
    for e in &emails {
        // Undecidable (None) counts against the certificate in both lists.
        if excluded_mail
            .iter()
            .any(|c| rfc822_matches(c, e) != Some(false))
        {
            return Err(violation(e.clone()));
        }
        if !permitted_mail.is_empty()
            && !permitted_mail
                .iter()
                .any(|c| rfc822_matches(c, e) == Some(true))
        {
            return Err(violation(e.clone()));
        }
    }

    let subject = x509_cert::name::Name::from_der_bytes(&cert.subject_der);
    if let Some(subject) = subject.filter(|s| !s.is_empty() && (is_leaf || !cert.is_self_issued()))
    {
        let dn = |s: &GeneralSubtree| match &s.base {
            GeneralName::DirectoryName(n) => Some(n.clone()),
            _ => None,
        };
        if excluded
            .iter()
            .filter_map(dn)
            .any(|b| dn_within(&b, &subject))
        {
            return Err(violation(cert.subject.clone()));
        }
        let permitted_dn: Vec<_> = permitted.iter().filter_map(dn).collect();
        if !permitted_dn.is_empty() && !permitted_dn.iter().any(|b| dn_within(b, &subject)) {
            return Err(violation(cert.subject.clone()));
        }
    }

    for other in &cert.ext.san_other {
        let k = kind(other);
        if permitted.iter().chain(excluded).any(|s| kind(&s.base) == k) {
            return Err(violation(format!("a subjectAltName of type {k}")));
        }
    }
    Ok(())
}

/// Helper so `Name` can be decoded from stored DER without a fallible-API dance.
trait FromDerBytes: Sized {
    fn from_der_bytes(der: &[u8]) -> Option<Self>;
}

impl FromDerBytes for x509_cert::name::Name {
    fn from_der_bytes(der: &[u8]) -> Option<Self> {
        <Self as der::Decode>::from_der(der).ok()
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
