//! Email address matching (SPEC step 5) and name constraints (RFC 5280 section 4.2.1.10).

use x509_cert::ext::pkix::constraints::name::GeneralSubtree;
use x509_cert::ext::pkix::name::GeneralName;

use crate::Error;
use crate::cert::Cert;
use crate::dn::Dn;

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
fn rfc822_matches(constraint: &str, addr: &str) -> bool {
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
        if excluded_mail.iter().any(|c| rfc822_matches(c, e)) {
            return Err(violation(e.clone()));
        }
        if !permitted_mail.is_empty() && !permitted_mail.iter().any(|c| rfc822_matches(c, e)) {
            return Err(violation(e.clone()));
        }
    }

    let subject = &cert.subject_dn;
    if !subject.is_empty() && (is_leaf || !cert.is_self_issued()) {
        let dn = |s: &GeneralSubtree| match &s.base {
            GeneralName::DirectoryName(n) => Some(Dn::of(n)),
            _ => None,
        };
        if excluded
            .iter()
            .filter_map(dn)
            .any(|b| subject.is_within(&b))
        {
            return Err(violation(cert.subject.clone()));
        }
        let permitted_dn: Vec<_> = permitted.iter().filter_map(dn).collect();
        if !permitted_dn.is_empty() && !permitted_dn.iter().any(|b| subject.is_within(b)) {
            return Err(violation(cert.subject.clone()));
        }
    }

    let others = cert.ext.san.iter().filter(|n| {
        !matches!(n, GeneralName::Rfc822Name(_))
            && !matches!(n, GeneralName::OtherName(o) if o.type_id == crate::oids::SMTP_UTF8_MAILBOX)
    });
    for other in others {
        let k = kind(other);
        if permitted.iter().chain(excluded).any(|s| kind(&s.base) == k) {
            return Err(violation(format!("a subjectAltName of type {k}")));
        }
    }
    Ok(())
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
