//! A bounded BER reader: just enough of X.690 to walk the CMS structures that real
//! clients write (indefinite lengths, constructed OCTET STRINGs), keeping the exact
//! bytes of every element, and a BER→DER normaliser for the pieces handed to `der`.
//!
//! Every function takes the remaining nesting budget; running out is
//! [`BerError::TooDeep`], never a stack overflow.

/// Why BER bytes could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BerError {
    /// Nesting deeper than the budget.
    TooDeep,
    /// The input ends inside an element.
    Truncated,
    /// A length or tag that X.690 does not allow (or that does not fit).
    BadEncoding(&'static str),
}

impl std::fmt::Display for BerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BerError::TooDeep => f.write_str("nesting too deep"),
            BerError::Truncated => f.write_str("truncated element"),
            BerError::BadEncoding(what) => f.write_str(what),
        }
    }
}

/// Identifier octets: class (0 universal, 1 application, 2 context, 3 private),
/// constructed bit and tag number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tag {
    pub(crate) class: u8,
    pub(crate) constructed: bool,
    pub(crate) number: u32,
}

impl Tag {
    /// A universal tag.
    pub(crate) const fn universal(number: u32, constructed: bool) -> Tag {
        Tag {
            class: 0,
            constructed,
            number,
        }
    }
    /// A context-specific tag.
    pub(crate) const fn context(number: u32, constructed: bool) -> Tag {
        Tag {
            class: 2,
            constructed,
            number,
        }
    }
}

/// `SEQUENCE`.
pub(crate) const SEQUENCE: Tag = Tag::universal(16, true);
/// `SET`.
pub(crate) const SET: Tag = Tag::universal(17, true);
/// `OBJECT IDENTIFIER`.
pub(crate) const OID: Tag = Tag::universal(6, false);
/// Universal tag number of `OCTET STRING`.
const OCTET_STRING: u32 = 4;

/// One element, borrowed from the input.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    pub(crate) tag: Tag,
    /// The whole element as carried: identifier, length, contents and any EOC.
    pub(crate) raw: &'a [u8],
    /// The contents octets (for indefinite lengths: without the end-of-contents marker).
    pub(crate) content: &'a [u8],
    /// Whether the length was indefinite.
    pub(crate) indefinite: bool,
}

/// Reads one element from the front of `input`; returns it and the rest.
pub(crate) fn read(input: &[u8], depth: usize) -> Result<(Tlv<'_>, &[u8]), BerError> {
    let depth = depth.checked_sub(1).ok_or(BerError::TooDeep)?;
    let (tag, mut pos) = read_tag(input)?;
    let first = *input.get(pos).ok_or(BerError::Truncated)?;
    pos += 1;
    if first == 0x80 {
        if !tag.constructed {
            return Err(BerError::BadEncoding(
                "indefinite length on a primitive element",
            ));
        }
        let start = pos;
        loop {
            let rest = input.get(pos..).ok_or(BerError::Truncated)?;
            if rest.starts_with(&[0, 0]) {
                let tlv = Tlv {
                    tag,
                    raw: &input[..pos + 2],
                    content: &input[start..pos],
                    indefinite: true,
                };
                return Ok((tlv, &input[pos + 2..]));
            }
            let (child, after) = read(rest, depth)?;
            pos += child.raw.len();
            debug_assert_eq!(input.len() - pos, after.len());
        }
    }
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n > 4 || first == 0xff {
            return Err(BerError::BadEncoding("length does not fit"));
        }
        let bytes = input.get(pos..pos + n).ok_or(BerError::Truncated)?;
        pos += n;
        bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
    };
    let end = pos.checked_add(len).ok_or(BerError::Truncated)?;
    let content = input.get(pos..end).ok_or(BerError::Truncated)?;
    Ok((
        Tlv {
            tag,
            raw: &input[..end],
            content,
            indefinite: false,
        },
        &input[end..],
    ))
}

fn read_tag(input: &[u8]) -> Result<(Tag, usize), BerError> {
    let first = *input.first().ok_or(BerError::Truncated)?;
    let class = first >> 6;
    let constructed = first & 0x20 != 0;
    if first & 0x1f != 0x1f {
        return Ok((
            Tag {
                class,
                constructed,
                number: u32::from(first & 0x1f),
            },
            1,
        ));
    }
    let mut number: u32 = 0;
    for (i, b) in input.iter().enumerate().skip(1).take(4) {
        number = (number << 7) | u32::from(b & 0x7f);
        if b & 0x80 == 0 {
            return Ok((
                Tag {
                    class,
                    constructed,
                    number,
                },
                i + 1,
            ));
        }
    }
    Err(if input.len() <= 5 {
        BerError::Truncated
    } else {
        BerError::BadEncoding("tag number too large")
    })
}

/// Reads exactly one element that must fill `input`.
pub(crate) fn read_all(input: &[u8], depth: usize) -> Result<Tlv<'_>, BerError> {
    let (tlv, rest) = read(input, depth)?;
    if rest.is_empty() {
        Ok(tlv)
    } else {
        Err(BerError::BadEncoding("trailing bytes after the element"))
    }
}

/// The elements inside a constructed element, in order.
pub(crate) fn children<'a>(tlv: &Tlv<'a>, depth: usize) -> Result<Vec<Tlv<'a>>, BerError> {
    let depth = depth.checked_sub(1).ok_or(BerError::TooDeep)?;
    if !tlv.tag.constructed {
        return Err(BerError::BadEncoding("expected a constructed element"));
    }
    let mut out = Vec::new();
    let mut rest = tlv.content;
    while !rest.is_empty() {
        let (child, after) = read(rest, depth)?;
        out.push(child);
        rest = after;
    }
    Ok(out)
}

/// The value of an OCTET STRING, primitive or constructed (chunks concatenated), with
/// the given tag (so `[0] IMPLICIT OCTET STRING` works too).
pub(crate) fn octets(tlv: &Tlv<'_>, depth: usize) -> Result<Vec<u8>, BerError> {
    let mut out = Vec::new();
    collect_octets(tlv, depth, &mut out)?;
    Ok(out)
}

fn collect_octets(tlv: &Tlv<'_>, depth: usize, out: &mut Vec<u8>) -> Result<(), BerError> {
    if !tlv.tag.constructed {
        out.extend_from_slice(tlv.content);
        return Ok(());
    }
    for chunk in children(tlv, depth)? {
        if chunk.tag.class != 0 || chunk.tag.number != OCTET_STRING {
            return Err(BerError::BadEncoding(
                "a constructed OCTET STRING chunk is not an OCTET STRING",
            ));
        }
        collect_octets(&chunk, depth.saturating_sub(1), out)?;
    }
    Ok(())
}

/// Re-encodes one element as DER where BER differs: definite minimal lengths, and
/// constructed string types flattened into primitive ones. Primitive elements are copied
/// unchanged. (SET OF ordering is left to the `der` types that decode the result.)
pub(crate) fn to_der(tlv: &Tlv<'_>, depth: usize) -> Result<Vec<u8>, BerError> {
    let mut out = Vec::with_capacity(tlv.raw.len());
    write_der(tlv, depth, &mut out)?;
    Ok(out)
}

fn write_der(tlv: &Tlv<'_>, depth: usize, out: &mut Vec<u8>) -> Result<(), BerError> {
    if !tlv.tag.constructed {
        write_header(tlv.tag, tlv.content.len(), out);
        out.extend_from_slice(tlv.content);
        return Ok(());
    }
    if tlv.tag.class == 0 && is_string_type(tlv.tag.number) {
        let value = octets(tlv, depth)?;
        write_header(
            Tag {
                constructed: false,
                ..tlv.tag
            },
            value.len(),
            out,
        );
        out.extend_from_slice(&value);
        return Ok(());
    }
    let mut inner = Vec::with_capacity(tlv.content.len());
    for child in children(tlv, depth)? {
        write_der(&child, depth.saturating_sub(1), &mut inner)?;
    }
    write_header(tlv.tag, inner.len(), out);
    out.extend_from_slice(&inner);
    Ok(())
}

/// Universal types BER may send constructed but DER requires primitive (BIT STRING is
/// left out: its chunks carry unused-bit counts, and no client sends it so).
fn is_string_type(number: u32) -> bool {
    matches!(
        number,
        4 | 12 | 18 | 19 | 20 | 21 | 22 | 23 | 24 | 25 | 26 | 27 | 28 | 30
    )
}

/// Writes identifier and definite (minimal) length octets.
pub(crate) fn write_header(tag: Tag, len: usize, out: &mut Vec<u8>) {
    let id = (tag.class << 6) | if tag.constructed { 0x20 } else { 0 };
    if tag.number < 31 {
        out.push(id | tag.number as u8);
    } else {
        out.push(id | 0x1f);
        let mut groups = Vec::new();
        let mut n = tag.number;
        loop {
            groups.push((n & 0x7f) as u8);
            n >>= 7;
            if n == 0 {
                break;
            }
        }
        let last = groups.len() - 1;
        for (i, g) in groups.iter().rev().enumerate() {
            out.push(if i == last { *g } else { g | 0x80 });
        }
    }
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // ContentInfo-like SEQUENCE, indefinite, holding an OID and [0] { OCTET STRING in two
    // chunks }, as Thunderbird writes encapsulated content.
    const INDEFINITE: &[u8] = &[
        0x30, 0x80, //                      SEQUENCE (indefinite)
        0x06, 0x03, 0x2a, 0x03, 0x04, //      OBJECT IDENTIFIER 1.2.3.4
        0xa0, 0x80, //                        [0] (indefinite)
        0x24, 0x80, //                          OCTET STRING, constructed (indefinite)
        0x04, 0x02, b'h', b'e', //                OCTET STRING "he"
        0x04, 0x03, b'l', b'l', b'o', //          OCTET STRING "llo"
        0x00, 0x00, //                          EOC
        0x00, 0x00, //                        EOC
        0x00, 0x00, //                      EOC
    ];

    #[test]
    fn indefinite_lengths_and_chunks_are_read() {
        let tlv = read_all(INDEFINITE, 8).unwrap();
        assert!(tlv.indefinite);
        let kids = children(&tlv, 8).unwrap();
        assert_eq!(kids.len(), 2);
        let inner = children(&kids[1], 8).unwrap();
        assert_eq!(octets(&inner[0], 8).unwrap(), b"hello");
    }

    #[test]
    fn to_der_flattens_and_defines_lengths() {
        let tlv = read_all(INDEFINITE, 8).unwrap();
        let der = to_der(&tlv, 8).unwrap();
        assert_eq!(
            der,
            [
                0x30, 0x0e, 0x06, 0x03, 0x2a, 0x03, 0x04, 0xa0, 0x07, 0x04, 0x05, b'h', b'e', b'l',
                b'l', b'o'
            ]
        );
    }

    #[test]
    fn depth_budget_is_enforced() {
        let mut deep = [0x30, 0x80].repeat(40);
        deep.extend([0, 0].repeat(40));
        assert_eq!(read_all(&deep, 32).unwrap_err(), BerError::TooDeep);
        assert!(read_all(&deep, 41).is_ok());
    }

    #[test]
    fn truncation_and_bad_lengths_are_errors() {
        for cut in 0..INDEFINITE.len() {
            assert!(read_all(&INDEFINITE[..cut], 8).is_err(), "cut at {cut}");
        }
        assert!(read_all(&[0x04, 0x80, 0, 0], 8).is_err());
        assert!(read_all(&[0x04, 0x85, 1, 1, 1, 1, 1], 8).is_err());
    }

    #[test]
    fn high_tag_numbers_round_trip() {
        let mut out = Vec::new();
        write_header(Tag::context(200, false), 1, &mut out);
        out.push(7);
        let tlv = read_all(&out, 2).unwrap();
        assert_eq!(tlv.tag, Tag::context(200, false));
        assert_eq!(tlv.content, [7]);
    }
}
