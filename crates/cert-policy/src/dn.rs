//! Distinguished names compared as RFC 5280 section 7.1 asks: RDN by RDN, attributes of
//! one RDN as a set, string values after RFC 4518-style preparation (insignificant
//! spaces removed, case folded) whatever their string type (PrintableString, UTF8String,
//! BMPString, TeletexString as Latin-1...), other values by their DER.
//!
//! A [`Dn`] holds the prepared form once, so name chaining (6.1.3 (a)(4)), the anchor
//! index, directoryName constraints and CRL issuer matching all compare the same way.

use der::Encode;
use der::Tag;
use der::asn1::AnyRef;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::{Name, RelativeDistinguishedName};

/// A distinguished name in comparable form: one prepared key per RDN.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub(crate) struct Dn {
    rdns: Vec<Vec<u8>>,
}

impl Dn {
    /// The prepared form of `name`.
    pub(crate) fn of(name: &Name) -> Dn {
        Dn {
            rdns: name.iter_rdn().map(rdn_key).collect(),
        }
    }

    /// The empty name (no RDN).
    pub(crate) fn is_empty(&self) -> bool {
        self.rdns.is_empty()
    }

    /// This name followed by one more RDN (nameRelativeToCRLIssuer, RFC 5280 4.2.1.13).
    pub(crate) fn with_rdn(&self, rdn: &RelativeDistinguishedName) -> Dn {
        let mut rdns = self.rdns.clone();
        rdns.push(rdn_key(rdn));
        Dn { rdns }
    }

    /// Whether `base`'s RDNs are the first RDNs of this name (directoryName subtree,
    /// RFC 5280 4.2.1.10).
    pub(crate) fn is_within(&self, base: &Dn) -> bool {
        base.rdns.len() <= self.rdns.len() && base.rdns.iter().zip(&self.rdns).all(|(b, s)| b == s)
    }
}

/// Sorted, length-prefixed attribute keys: the set comparison of one RDN.
fn rdn_key(rdn: &RelativeDistinguishedName) -> Vec<u8> {
    let mut atvs: Vec<Vec<u8>> = rdn.iter().map(atv_key).collect();
    atvs.sort();
    let mut out = Vec::new();
    for a in atvs {
        push_prefixed(&mut out, &a);
    }
    out
}

fn atv_key(atv: &AttributeTypeAndValue) -> Vec<u8> {
    let mut out = Vec::new();
    push_prefixed(&mut out, atv.oid.as_bytes());
    let value = AnyRef::from(&atv.value);
    match decode_string(value) {
        Some(s) => {
            out.push(b's');
            push_prefixed(&mut out, prepare(&s).as_bytes());
        }
        None => {
            out.push(b'b');
            push_prefixed(&mut out, &atv.value.to_der().unwrap_or_default());
        }
    }
    out
}

fn push_prefixed(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// The text of a directory string value, whatever its string type; `None` for other
/// values (compared by DER) and for strings that do not decode.
fn decode_string(value: AnyRef<'_>) -> Option<String> {
    let bytes = value.value();
    match der::Tagged::tag(&value) {
        Tag::PrintableString
        | Tag::Utf8String
        | Tag::Ia5String
        | Tag::VisibleString
        | Tag::NumericString => std::str::from_utf8(bytes).ok().map(str::to_string),
        // T.61 in theory; Latin-1 in practice.
        Tag::TeletexString => Some(bytes.iter().map(|b| char::from(*b)).collect()),
        Tag::BmpString => {
            let units: Vec<u16> = bytes
                .chunks(2)
                .map(|c| Some(u16::from_be_bytes([*c.first()?, *c.get(1)?])))
                .collect::<Option<_>>()?;
            String::from_utf16(&units).ok()
        }
        _ => None,
    }
}

/// RFC 4518 in short: every space character counts as one space, runs of spaces are one,
/// leading and trailing spaces do not count, and case is folded.
fn prepare(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.extend(c.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::Decode;
    use std::str::FromStr;

    fn dn(s: &str) -> Dn {
        Dn::of(&Name::from_str(s).unwrap())
    }

    /// A one-attribute Name `CN=<value>` with the value in the given string tag.
    fn cn_with_tag(tag: u8, value: &[u8]) -> Dn {
        let atv = [
            &[
                0x30,
                (value.len() + 7) as u8,
                0x06,
                0x03,
                0x55,
                0x04,
                0x03,
                tag,
            ][..],
            &[value.len() as u8],
            value,
        ]
        .concat();
        let set = [&[0x31, atv.len() as u8][..], &atv].concat();
        let name = [&[0x30, set.len() as u8][..], &set].concat();
        Dn::of(&Name::from_der(&name).unwrap())
    }

    #[test]
    fn case_and_insignificant_spaces_do_not_count() {
        assert_eq!(dn("CN=Good CA,O=Test"), dn("CN=good  ca,O=TEST"));
        assert_eq!(
            cn_with_tag(0x13, b"  Good   CA "),
            cn_with_tag(0x13, b"good ca")
        );
        assert_ne!(dn("CN=Good CA,O=Test"), dn("CN=GoodCA,O=Test"));
    }

    #[test]
    fn string_types_compare_by_text() {
        let printable = cn_with_tag(0x13, b"Good CA");
        assert_eq!(printable, cn_with_tag(0x0c, "good ca".as_bytes()));
        assert_eq!(
            printable,
            cn_with_tag(
                0x1e,
                &[
                    0, b'G', 0, b'o', 0, b'o', 0, b'd', 0, b' ', 0, b'C', 0, b'A'
                ]
            )
        );
        assert_eq!(
            cn_with_tag(0x0c, "ÉCOLE".as_bytes()),
            cn_with_tag(0x0c, "école".as_bytes())
        );
    }

    #[test]
    fn rdn_order_counts_but_attribute_order_within_an_rdn_does_not() {
        assert_ne!(dn("CN=A,O=B"), dn("O=B,CN=A"));
        assert_eq!(dn("CN=A+OU=X,O=B"), dn("OU=X+CN=A,O=B"));
    }

    #[test]
    fn subtrees_are_rdn_prefixes() {
        // RFC 4514 strings list the most specific RDN first.
        let base = dn("O=Test,C=US");
        assert!(dn("CN=A,O=Test,C=US").is_within(&base));
        assert!(dn("O=TEST,C=us").is_within(&base));
        assert!(!dn("CN=A,O=Other,C=US").is_within(&base));
        assert!(!dn("C=US").is_within(&base));
        assert!(dn("C=US").is_within(&Dn::default()));
    }

    #[test]
    fn a_relative_name_extends_its_base() {
        let rdn = Name::from_str("CN=CRL1").unwrap();
        let rdn = rdn.iter_rdn().next().unwrap();
        assert_eq!(dn("O=Test,C=US").with_rdn(rdn), dn("CN=CRL1,O=Test,C=US"));
    }
}
