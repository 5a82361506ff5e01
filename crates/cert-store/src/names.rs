//! SPEC "Store" file names: normalisation and percent-encoding of addresses.
//!
//! `file_name_for(address)` = `stem(normalise(address)) + ".crt"` where
//! - `normalise` is [`smime_address::normalize`], the one address rule the policy's
//!   comparison uses too: domain in IDNA A-labels, lower case; local part in NFC (else
//!   no key), only its ASCII letters lower-cased; a quoted local part by its content
//!   (quoted in the key only when it must be); no control character anywhere;
//! - the stem keeps ASCII letters, digits and ``.!#$&'*+=?^_`{|}~@-`` and writes every
//!   other byte of the UTF-8 form (`%` included) as `%XX` (upper-case hex); a leading
//!   `.` is encoded too (`%2E`), so no stem starts with `.`;
//! - a stem longer than [`STEM_MAX`] bytes (so that the name would exceed 255 bytes)
//!   becomes its first [`PREFIX_MAX`] bytes or fewer (cut between, never inside, `%XX`
//!   triplets), then `%-`, then the SHA-256 of the normalised address in lower-case hex.
//!   `%-` never occurs in an unshortened stem (every `%` there starts a hex triplet), so
//!   shortened and plain stems cannot meet, and the hash keeps long ones apart.

use sha2::{Digest, Sha256};

use crate::Error;

/// Extension of every certificate file.
pub(crate) const EXT: &str = ".crt";
/// The longest file name the store creates (the usual file-system limit, in bytes).
pub const NAME_MAX: usize = 255;
/// The longest stem (the name without `.crt`).
pub const STEM_MAX: usize = NAME_MAX - EXT.len();
/// Marker between the kept prefix and the hash of a shortened stem.
const HASH_MARK: &str = "%-";
/// The longest prefix a shortened stem keeps.
pub const PREFIX_MAX: usize = STEM_MAX - HASH_MARK.len() - 64;

const KEPT_PUNCTUATION: &[u8] = b".!#$&'*+=?^_`{|}~@-";

/// The normalised form of an address: the store's key (see the [module docs](self)).
///
/// # Errors
/// [`Error::InvalidAddress`] when it has none.
pub(crate) fn normalise(address: &str) -> Result<String, Error> {
    smime_address::normalize(address)
        .map(smime_address::Normalized::into_string)
        .map_err(Error::InvalidAddress)
}

fn is_kept(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || KEPT_PUNCTUATION.contains(&byte)
}

/// Percent-encodes a normalised address (leading `.` included).
fn encode(normalised: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(normalised.len());
    for (i, &byte) in normalised.as_bytes().iter().enumerate() {
        if is_kept(byte) && !(i == 0 && byte == b'.') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }
    out
}

/// The stem (file name without `.crt`) of a normalised address.
pub(crate) fn stem_for_normalised(normalised: &str) -> String {
    let encoded = encode(normalised);
    if encoded.len() <= STEM_MAX {
        return encoded;
    }
    // Cut at a token boundary: a token is one kept byte or one `%XX` triplet.
    let bytes = encoded.as_bytes();
    let mut cut = 0;
    while cut < bytes.len() {
        let token = if bytes[cut] == b'%' { 3 } else { 1 };
        if cut + token > PREFIX_MAX {
            break;
        }
        cut += token;
    }
    let digest = Sha256::digest(normalised.as_bytes());
    let mut stem = String::with_capacity(STEM_MAX);
    stem.push_str(encoded.get(..cut).unwrap_or_default());
    stem.push_str(HASH_MARK);
    stem.push_str(&hex::encode(digest));
    stem
}

/// The SPEC file name (`<stem>.crt`) of an address; see the [module docs](self).
///
/// # Errors
/// [`Error::InvalidAddress`] when the address has no normalised form.
pub fn file_name_for(address: &str) -> Result<String, Error> {
    let normalised = normalise(address)?;
    let mut name = stem_for_normalised(&normalised);
    name.push_str(EXT);
    Ok(name)
}

/// Whether a stem is a shortened one (prefix + hash), whose address cannot be decoded
/// from the name.
pub(crate) fn is_shortened(stem: &str) -> bool {
    stem.contains(HASH_MARK)
}

/// The normalised address of a plain (unshortened) stem, or `None` when the stem is
/// shortened or is not one this module produces.
pub(crate) fn decode_stem(stem: &str) -> Option<String> {
    let address = decode_any_stem(stem)?;
    // Only keys of the current rule count as ours.
    normalise(&address)
        .is_ok_and(|n| n == address)
        .then_some(address)
}

/// The text a plain stem encodes, whatever rule wrote it (the migration reads the
/// stems of the earlier rule with it); `None` when shortened or not percent-encoding.
pub(crate) fn decode_any_stem(stem: &str) -> Option<String> {
    if is_shortened(stem) {
        return None;
    }
    let bytes = stem.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = stem.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let text = String::from_utf8(out).ok()?;
    (stem_for_normalised(&text) == stem).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_addresses_round_trip() {
        for address in [
            "alice@example.com",
            "j%c3%b6rg@x",
            "jörg@bücher.de",
            "JÖRG@x",
            ".x@y",
            "\"a b\"@x",
        ] {
            let normalised = normalise(address).unwrap();
            let stem = stem_for_normalised(&normalised);
            assert_eq!(decode_stem(&stem).as_deref(), Some(normalised.as_str()));
        }
    }

    #[test]
    fn foreign_names_are_not_decoded() {
        // Upper case, a raw leading dot, lower-case hex: never written by the store; a
        // U-label domain or a non-NFC local part: written only by the earlier rule.
        for stem in [
            "Alice@example.com",
            ".x@y",
            "a%2fb@x",
            "a%2",
            "a%zz",
            "j%C3%B6rg@b%C3%BCcher.de",
            "%E2%84%AAate@x",
        ] {
            assert_eq!(decode_stem(stem), None, "{stem}");
        }
        assert_eq!(
            decode_any_stem("j%C3%B6rg@b%C3%BCcher.de").as_deref(),
            Some("jörg@bücher.de")
        );
    }

    #[test]
    fn shortened_stems_fit_and_are_marked() {
        let long = format!("{}@example.com", "%".repeat(300));
        let stem = stem_for_normalised(&long);
        assert!(stem.len() <= STEM_MAX);
        assert!(is_shortened(&stem));
        assert_eq!(decode_stem(&stem), None);
        // The prefix is cut between triplets.
        let prefix = stem.split("%-").next().unwrap();
        assert_eq!(prefix.len() % 3, 0);
    }

    #[test]
    fn the_kelvin_sign_has_no_name() {
        assert!(matches!(
            file_name_for("\u{212A}ate@example.com"),
            Err(Error::InvalidAddress(smime_address::Error::NotNfc))
        ));
        assert_eq!(
            file_name_for("Kate@example.com").unwrap(),
            "kate@example.com.crt"
        );
    }

    #[test]
    fn stem_of_exactly_the_limit_is_kept_whole() {
        let exact = "a".repeat(STEM_MAX);
        assert_eq!(stem_for_normalised(&exact), exact);
        let over = "a".repeat(STEM_MAX + 1);
        assert_ne!(stem_for_normalised(&over), over);
    }
}
