//! SPEC "Store" file names: normalisation and percent-encoding of addresses.
//!
//! `file_name_for(address)` = `stem(normalise(address)) + ".crt"` where
//! - `normalise` lower-cases the whole address, domain and local part alike, with
//!   Unicode case mapping (`str::to_lowercase`); nothing else (no IDNA mapping, no
//!   trimming);
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

/// The normalised form of an address: lower-cased as a whole.
///
/// # Errors
/// [`Error::EmptyAddress`] for the empty string.
pub(crate) fn normalise(address: &str) -> Result<String, Error> {
    if address.is_empty() {
        return Err(Error::EmptyAddress);
    }
    Ok(address.to_lowercase())
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
/// [`Error::EmptyAddress`] for the empty string.
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
    let address = String::from_utf8(out).ok()?;
    // Only names this module would write for that address count as ours.
    let ours = address.to_lowercase() == address && stem_for_normalised(&address) == stem;
    ours.then_some(address)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_addresses_round_trip() {
        for address in ["alice@example.com", "j%c3%b6rg@x", "jörg@bücher.de", ".x@y"] {
            let normalised = normalise(address).unwrap();
            let stem = stem_for_normalised(&normalised);
            assert_eq!(decode_stem(&stem).as_deref(), Some(normalised.as_str()));
        }
    }

    #[test]
    fn foreign_names_are_not_decoded() {
        // Upper case, a raw leading dot, lower-case hex: never written by the store.
        for stem in ["Alice@example.com", ".x@y", "a%2fb", "a%2", "a%zz"] {
            assert_eq!(decode_stem(stem), None, "{stem}");
        }
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
    fn stem_of_exactly_the_limit_is_kept_whole() {
        let exact = "a".repeat(STEM_MAX);
        assert_eq!(stem_for_normalised(&exact), exact);
        let over = "a".repeat(STEM_MAX + 1);
        assert_ne!(stem_for_normalised(&over), over);
    }
}
