//! Distinguished names (RFC 4514): parsing what clients send, comparing, and escaping
//! the `mail=<address>` RDN of each entry.

use crate::normalize_address;

/// A parsed DN: its RDNs in order (most specific first), each `(type, value)` with the
/// type lower-cased and the value unescaped. Multi-valued RDNs (`a=1+b=2`) are not
/// used by this directory and do not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dn {
    rdns: Vec<(String, String)>,
}

impl Dn {
    /// Parses an RFC 4514 string; `None` when it is not one. `""` is the root.
    pub fn parse(text: &str) -> Option<Dn> {
        let text = text.trim();
        if text.is_empty() {
            return Some(Dn { rdns: Vec::new() });
        }
        let mut rdns = Vec::new();
        for raw in split_unescaped(text, ',')? {
            let (ty, value) = raw.split_once('=')?;
            let ty = ty.trim().to_ascii_lowercase();
            let valid_type = !ty.is_empty()
                && ty
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
            if !valid_type || split_unescaped(value, '+')?.len() != 1 {
                return None;
            }
            rdns.push((ty, unescape(value)?));
        }
        Some(Dn { rdns })
    }

    /// Whether this is the empty DN (the Root DSE).
    pub fn is_root(&self) -> bool {
        self.rdns.is_empty()
    }

    /// If `self` is `suffix` with exactly one RDN in front, that RDN.
    pub(crate) fn child_of(&self, suffix: &Dn) -> Option<(&str, &str)> {
        let (first, rest) = self.rdns.split_first()?;
        same_rdns(rest, &suffix.rdns).then_some((first.0.as_str(), first.1.as_str()))
    }

    /// Whether `self` is `suffix` or below it.
    pub(crate) fn is_within(&self, suffix: &Dn) -> bool {
        self.rdns.len() >= suffix.rdns.len()
            && same_rdns(
                &self.rdns[self.rdns.len() - suffix.rdns.len()..],
                &suffix.rdns,
            )
    }

    /// Whether both name the same entry (types and values compared case-insensitively).
    pub(crate) fn same(&self, other: &Dn) -> bool {
        same_rdns(&self.rdns, &other.rdns)
    }

    /// The normalised address of a `mail=<address>,<base>` DN.
    pub(crate) fn entry_address(&self, base: &Dn) -> Option<String> {
        let (ty, value) = self.child_of(base)?;
        is_mail_type(ty).then(|| normalize_address(value).ok())?
    }
}

/// `mail`, also by its OID.
pub(crate) fn is_mail_type(ty: &str) -> bool {
    ty.eq_ignore_ascii_case("mail") || ty == "0.9.2342.19200300.100.1.3"
}

fn same_rdns(a: &[(String, String)], b: &[(String, String)]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|((ta, va), (tb, vb))| ta == tb && (va.to_lowercase() == vb.to_lowercase()))
}

/// Splits on `sep` where it is not escaped by a backslash; `None` on a dangling `\`.
fn split_unescaped(text: &str, sep: char) -> Option<Vec<&str>> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            c if c == sep => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if escaped {
        return None;
    }
    parts.push(&text[start..]);
    Some(parts)
}

/// An attribute value's string form with its escapes resolved (`\,`, `\2C`, and
/// hex-escaped UTF-8 bytes); unescaped leading and trailing spaces are dropped.
fn unescape(value: &str) -> Option<String> {
    let value = value.trim_start_matches(' ');
    let mut bytes = Vec::with_capacity(value.len());
    let mut trailing_spaces = 0;
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            trailing_spaces = if c == ' ' { trailing_spaces + 1 } else { 0 };
            let mut buf = [0; 4];
            bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        trailing_spaces = 0;
        let next = chars.next()?;
        if next.is_ascii_hexdigit() {
            let low = chars.next()?.to_digit(16)?;
            let high = next.to_digit(16)?;
            bytes.push(u8::try_from(high * 16 + low).ok()?);
        } else {
            let mut buf = [0; 4];
            bytes.extend_from_slice(next.encode_utf8(&mut buf).as_bytes());
        }
    }
    bytes.truncate(bytes.len() - trailing_spaces);
    String::from_utf8(bytes).ok()
}

/// An attribute value escaped for a DN string (RFC 4514 section 2.4).
pub fn escape_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        match c {
            '"' | '+' | ',' | ';' | '<' | '>' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\0' => out.push_str("\\00"),
            ' ' if i == 0 || i == last => out.push_str("\\ "),
            '#' if i == 0 => out.push_str("\\#"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_compare() {
        let base = Dn::parse("dc=Example, DC=com").unwrap();
        let entry = Dn::parse("mail=Alice@Example.com,dc=example,dc=com").unwrap();
        assert!(entry.is_within(&base));
        assert!(base.is_within(&base));
        assert!(!base.is_within(&entry));
        assert_eq!(
            entry.entry_address(&base).as_deref(),
            Some("alice@example.com")
        );
        assert!(Dn::parse("dc=example,dc=com").unwrap().same(&base));
        assert!(Dn::parse("").unwrap().is_root());
        assert!(Dn::parse("dc=a,novalue").is_none());
        assert!(Dn::parse("cn=a+sn=b,dc=c").is_none());
        assert!(Dn::parse("cn=a\\").is_none());
    }

    #[test]
    fn escaping_round_trips_special_characters() {
        for local in [
            "a,b", "a+b", "a\"b", "a\\b", " lead", "trail ", "#hash", "a;b<c>",
        ] {
            let address = format!("{local}@example.com");
            let dn = format!("mail={},dc=x", escape_value(&address));
            let parsed = Dn::parse(&dn).unwrap_or_else(|| panic!("{dn}"));
            let base = Dn::parse("dc=x").unwrap();
            assert_eq!(
                parsed.child_of(&base).map(|(_, v)| v.to_string()),
                Some(address.clone()),
                "{dn}"
            );
        }
        assert_eq!(escape_value("a,b@x"), "a\\,b@x");
        assert_eq!(escape_value("#a b "), "\\#a b\\ ");
    }

    #[test]
    fn hex_escapes_decode_utf8() {
        let dn = Dn::parse("mail=j\\C3\\B6rg@example.com,dc=x").unwrap();
        let base = Dn::parse("dc=x").unwrap();
        assert_eq!(dn.child_of(&base), Some(("mail", "jörg@example.com")));
    }
}
