//! Search filters: which addresses a filter names, and whether an entry matches it.
//!
//! The directory must not be enumerable, so a search never scans: it looks up only the
//! complete addresses the filter names in positive positions (outside any `!`), then
//! evaluates the whole filter on each entry found. A filter that names no complete
//! address (`(mail=*)`, `(mail=a*)`, `(cn=Alice*)`) therefore returns no entries, and
//! no error. The forms that name an address:
//! - equality or approximate match on a name attribute (`mail`, `cn`, `sn`,
//!   `givenName`, `displayName`, `anr`) whose value is an address;
//! - a substring filter on a name attribute whose initial part is a complete address
//!   and that has no other part (`(mail=alice@example.com*)`: what Outlook and
//!   Thunderbird send when the user types a whole address). It is treated as equality
//!   on that address.
//!
//! Addresses in filters go through the store's rule ([`normalize_address`]).

use ldap3_proto::proto::{LdapFilter, LdapSubstringFilter};

use crate::{Entry, normalize_address};

/// The object classes of every entry.
pub(crate) const OBJECT_CLASSES: [&str; 4] =
    ["top", "person", "organizationalPerson", "inetOrgPerson"];

/// An attribute a filter or request may name, resolved case-insensitively (and by OID).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Attr {
    ObjectClass,
    Mail,
    Cn,
    Sn,
    GivenName,
    DisplayName,
    Anr,
    UserCertificate,
    UserSmimeCertificate,
}

impl Attr {
    /// The attribute of a description such as `userCertificate;binary`, and whether
    /// the `binary` option was given.
    pub(crate) fn parse(description: &str) -> Option<(Attr, bool)> {
        let mut parts = description.split(';');
        let name = parts.next()?.trim().to_ascii_lowercase();
        let binary = parts.any(|o| o.trim().eq_ignore_ascii_case("binary"));
        let attr = match name.as_str() {
            "objectclass" | "2.5.4.0" => Attr::ObjectClass,
            "mail" | "rfc822mailbox" | "0.9.2342.19200300.100.1.3" => Attr::Mail,
            "cn" | "commonname" | "2.5.4.3" => Attr::Cn,
            "sn" | "surname" | "2.5.4.4" => Attr::Sn,
            "givenname" | "gn" | "2.5.4.42" => Attr::GivenName,
            "displayname" | "2.16.840.1.113730.3.1.241" => Attr::DisplayName,
            "anr" => Attr::Anr,
            "usercertificate" | "2.5.4.36" => Attr::UserCertificate,
            "usersmimecertificate" | "2.16.840.1.113730.3.1.40" => Attr::UserSmimeCertificate,
            _ => return None,
        };
        Some((attr, binary))
    }

    fn names_people(self) -> bool {
        matches!(
            self,
            Attr::Mail | Attr::Cn | Attr::Sn | Attr::GivenName | Attr::DisplayName | Attr::Anr
        )
    }
}

/// Too many addresses in one filter.
#[derive(Debug)]
pub(crate) struct TooMany;

/// The distinct normalised addresses `filter` names in positive positions, at most
/// `max` (else [`TooMany`]).
pub(crate) fn named_addresses(filter: &LdapFilter, max: usize) -> Result<Vec<String>, TooMany> {
    let mut out = Vec::new();
    collect(filter, &mut out, max)?;
    Ok(out)
}

fn collect(filter: &LdapFilter, out: &mut Vec<String>, max: usize) -> Result<(), TooMany> {
    match filter {
        LdapFilter::And(parts) | LdapFilter::Or(parts) => {
            for part in parts {
                collect(part, out, max)?;
            }
        }
        LdapFilter::Equality(attr, value) | LdapFilter::Approx(attr, value) => {
            push(out, names_address(attr, value), max)?;
        }
        LdapFilter::Substring(attr, sub) => {
            let address = whole_address_prefix(sub).and_then(|v| names_address(attr, v));
            push(out, address, max)?;
        }
        // A negation names nothing to look up; the rest never name an address.
        LdapFilter::Not(_)
        | LdapFilter::Present(_)
        | LdapFilter::GreaterOrEqual(..)
        | LdapFilter::LessOrEqual(..)
        | LdapFilter::Extensible(_) => {}
    }
    Ok(())
}

fn push(out: &mut Vec<String>, address: Option<String>, max: usize) -> Result<(), TooMany> {
    if let Some(address) = address
        && !out.contains(&address)
    {
        if out.len() >= max {
            return Err(TooMany);
        }
        out.push(address);
    }
    Ok(())
}

/// The address `value` names when `attr` is a name attribute and `value` an address.
fn names_address(attr: &str, value: &str) -> Option<String> {
    let (attr, _) = Attr::parse(attr)?;
    if !attr.names_people() {
        return None;
    }
    normalize_address(value).ok()
}

/// The initial part of `(attr=initial*)`, when that is the whole filter value.
fn whole_address_prefix(sub: &LdapSubstringFilter) -> Option<&str> {
    match sub {
        LdapSubstringFilter {
            initial: Some(initial),
            any,
            final_: None,
        } if any.is_empty() => Some(initial),
        _ => None,
    }
}

/// RFC 4511 three-valued filter result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tri {
    True,
    False,
    Undefined,
}

impl From<bool> for Tri {
    fn from(b: bool) -> Tri {
        if b { Tri::True } else { Tri::False }
    }
}

/// Whether `entry` matches `filter` (RFC 4511 section 4.5.1.7, with the address rule
/// for the forms that name an address).
pub(crate) fn matches(filter: &LdapFilter, entry: &Entry) -> bool {
    eval(filter, entry) == Tri::True
}

fn eval(filter: &LdapFilter, entry: &Entry) -> Tri {
    match filter {
        LdapFilter::And(parts) => {
            parts
                .iter()
                .fold(Tri::True, |acc, f| match (acc, eval(f, entry)) {
                    (Tri::False, _) | (_, Tri::False) => Tri::False,
                    (Tri::Undefined, _) | (_, Tri::Undefined) => Tri::Undefined,
                    _ => Tri::True,
                })
        }
        LdapFilter::Or(parts) => {
            parts
                .iter()
                .fold(Tri::False, |acc, f| match (acc, eval(f, entry)) {
                    (Tri::True, _) | (_, Tri::True) => Tri::True,
                    (Tri::Undefined, _) | (_, Tri::Undefined) => Tri::Undefined,
                    _ => Tri::False,
                })
        }
        LdapFilter::Not(inner) => match eval(inner, entry) {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Undefined => Tri::Undefined,
        },
        LdapFilter::Present(attr) => {
            Tri::from(Attr::parse(attr).is_some_and(|(a, _)| a.is_present()))
        }
        LdapFilter::Equality(attr, value) | LdapFilter::Approx(attr, value) => {
            equality(attr, value, entry)
        }
        LdapFilter::Substring(attr, sub) => substring(attr, sub, entry),
        LdapFilter::GreaterOrEqual(..)
        | LdapFilter::LessOrEqual(..)
        | LdapFilter::Extensible(_) => Tri::Undefined,
    }
}

impl Attr {
    fn is_present(self) -> bool {
        !matches!(self, Attr::GivenName | Attr::DisplayName | Attr::Anr)
    }
}

fn equality(attr: &str, value: &str, entry: &Entry) -> Tri {
    let Some((attr, _)) = Attr::parse(attr) else {
        return Tri::Undefined;
    };
    if attr.names_people()
        && let Ok(address) = normalize_address(value)
    {
        return Tri::from(address == entry.address());
    }
    let value = value.to_lowercase();
    match attr {
        Attr::ObjectClass => Tri::from(OBJECT_CLASSES.iter().any(|c| c.to_lowercase() == value)),
        Attr::Mail => Tri::False,
        Attr::Cn => Tri::from(entry.cn().to_lowercase() == value),
        Attr::Sn => Tri::from(entry.sn().to_lowercase() == value),
        Attr::Anr => Tri::from(
            [entry.cn(), entry.sn(), entry.address()]
                .iter()
                .any(|v| v.to_lowercase().starts_with(&value)),
        ),
        Attr::GivenName
        | Attr::DisplayName
        | Attr::UserCertificate
        | Attr::UserSmimeCertificate => Tri::Undefined,
    }
}

fn substring(attr: &str, sub: &LdapSubstringFilter, entry: &Entry) -> Tri {
    let Some((attr, _)) = Attr::parse(attr) else {
        return Tri::Undefined;
    };
    if let Some(initial) = whole_address_prefix(sub)
        && attr.names_people()
        && let Ok(address) = normalize_address(initial)
    {
        return Tri::from(address == entry.address());
    }
    let values: Vec<&str> = match attr {
        Attr::ObjectClass => OBJECT_CLASSES.to_vec(),
        Attr::Mail => vec![entry.address()],
        Attr::Cn => vec![entry.cn()],
        Attr::Sn => vec![entry.sn()],
        Attr::Anr => vec![entry.cn(), entry.sn(), entry.address()],
        Attr::GivenName
        | Attr::DisplayName
        | Attr::UserCertificate
        | Attr::UserSmimeCertificate => {
            return Tri::Undefined;
        }
    };
    Tri::from(
        values
            .iter()
            .any(|v| substring_matches(&v.to_lowercase(), sub)),
    )
}

/// Case-insensitive substring match: initial, then each `any` in order, then final.
fn substring_matches(value: &str, sub: &LdapSubstringFilter) -> bool {
    let mut rest = value;
    if let Some(initial) = &sub.initial {
        match rest.strip_prefix(initial.to_lowercase().as_str()) {
            Some(r) => rest = r,
            None => return false,
        }
    }
    for any in &sub.any {
        let any = any.to_lowercase();
        match rest.find(any.as_str()) {
            Some(i) => rest = &rest[i + any.len()..],
            None => return false,
        }
    }
    match &sub.final_ {
        Some(fin) => rest.ends_with(fin.to_lowercase().as_str()),
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ldap3_proto::parse_ldap_filter_str;

    fn f(s: &str) -> LdapFilter {
        parse_ldap_filter_str(s).unwrap()
    }

    fn names(s: &str) -> Vec<String> {
        named_addresses(&f(s), 8).unwrap()
    }

    fn alice() -> Entry {
        let mut spec = test_support::pki::CertSpec::leaf(
            "filter:alice",
            "alice@example.com",
            test_support::keys::KeyAlg::P256,
        );
        spec.subject_cn = "Alice Liddell".into();
        let cert = spec.issue(&test_support::pki::hierarchy().intermediate);
        Entry::from_der("alice@example.com", &cert.der).unwrap()
    }

    #[test]
    fn enumeration_filters_name_nothing() {
        for s in [
            "(mail=*)",
            "(mail=a*)",
            "(cn=Alice*)",
            "(objectClass=*)",
            "(!(mail=alice@example.com))",
            "(mail=*@example.com)",
            "(mail=alice@example.com*x)",
            "(mail>=a)",
            "(userCertificate=alice@example.com)",
        ] {
            assert!(names(s).is_empty(), "{s}");
        }
    }

    #[test]
    fn complete_addresses_are_named() {
        let a = vec!["alice@example.com".to_string()];
        for s in [
            "(mail=alice@example.com)",
            "(mail=Alice@Example.COM)",
            "(mail=alice@example.com*)",
            "(&(objectClass=inetOrgPerson)(mail=alice@example.com))",
            "(&(mail=*)(|(mail=alice@example.com*)(|(cn=alice@example.com*)(|(sn=alice@example.com*)(givenName=alice@example.com*)))))",
            "(|(cn=alice@example.com*)(mail=alice@example.com*)(sn=alice@example.com*))",
            "(anr=alice@example.com)",
        ] {
            assert_eq!(names(s), a, "{s}");
        }
        assert_eq!(
            names("(|(mail=a@x.org)(mail=b@x.org)(mail=A@x.org))"),
            vec!["a@x.org".to_string(), "b@x.org".to_string()]
        );
        assert!(named_addresses(&f("(|(mail=a@x.org)(mail=b@x.org))"), 1).is_err());
    }

    #[test]
    fn the_whole_filter_is_evaluated_on_the_entry() {
        let e = alice();
        for s in [
            "(mail=alice@example.com)",
            "(&(mail=*)(|(mail=alice@example.com*)(cn=alice@example.com*)))",
            "(&(objectClass=inetOrgPerson)(mail=ALICE@example.com))",
            "(&(mail=alice@example.com)(cn=alice*))",
            "(&(mail=alice@example.com)(sn=Liddell))",
            "(&(mail=alice@example.com)(objectclass=person))",
            "(&(mail=alice@example.com)(usercertificate=*))",
        ] {
            assert!(matches(&f(s), &e), "{s}");
        }
        for s in [
            "(&(mail=alice@example.com)(cn=Bob*))",
            "(&(mail=alice@example.com)(objectClass=groupOfNames))",
            "(&(mail=alice@example.com)(!(sn=Liddell)))",
            "(&(mail=alice@example.com)(!(unknown=x)))",
            "(mail=bob@example.com)",
        ] {
            assert!(!matches(&f(s), &e), "{s}");
        }
    }
}
