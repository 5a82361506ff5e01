//! DER → BER as real clients write it: every constructed element gets an indefinite
//! length (`0x80` … `00 00`) and every OCTET STRING longer than `chunk` becomes a
//! constructed OCTET STRING of `chunk`-sized pieces. Elements whose bytes equal one of
//! `keep` (certificates) are copied unchanged.

/// Converts one DER element (and everything after it) to BER.
pub fn der_to_ber(der: &[u8], keep: &[&[u8]], chunk: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(der.len() + der.len() / 8);
    let mut rest = der;
    while !rest.is_empty() {
        let (header_len, len) = header(rest);
        let (element, after) = rest.split_at(header_len + len);
        convert(element, header_len, keep, chunk.max(1), &mut out);
        rest = after;
    }
    out
}

/// `(header length, content length)` of the DER element at the front of `der`.
fn header(der: &[u8]) -> (usize, usize) {
    assert!(
        der[0] & 0x1f != 0x1f,
        "high tag numbers are not used by the fixtures"
    );
    let first = der[1];
    if first < 0x80 {
        return (2, usize::from(first));
    }
    let n = usize::from(first & 0x7f);
    let len = der[2..2 + n]
        .iter()
        .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
    (2 + n, len)
}

fn convert(element: &[u8], header_len: usize, keep: &[&[u8]], chunk: usize, out: &mut Vec<u8>) {
    let tag = element[0];
    let content = &element[header_len..];
    if keep.contains(&element) {
        out.extend_from_slice(element);
    } else if tag & 0x20 != 0 {
        out.extend_from_slice(&[tag, 0x80]);
        out.extend_from_slice(&der_to_ber(content, keep, chunk));
        out.extend_from_slice(&[0, 0]);
    } else if tag == 0x04 && content.len() > chunk {
        out.extend_from_slice(&[0x24, 0x80]);
        for piece in content.chunks(chunk) {
            out.extend_from_slice(&crate::keys::der_util::octets(piece));
        }
        out.extend_from_slice(&[0, 0]);
    } else {
        out.extend_from_slice(element);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constructed_become_indefinite_and_long_octets_chunked() {
        // SEQUENCE { OCTET STRING "hello" }
        let der = [0x30, 0x07, 0x04, 0x05, b'h', b'e', b'l', b'l', b'o'];
        let ber = der_to_ber(&der, &[], 3);
        assert_eq!(
            ber,
            [
                0x30, 0x80, // SEQUENCE, indefinite
                0x24, 0x80, //   OCTET STRING, constructed, indefinite
                0x04, 0x03, b'h', b'e', b'l', //     chunk "hel"
                0x04, 0x02, b'l', b'o', //     chunk "lo"
                0x00, 0x00, //   EOC
                0x00, 0x00, // EOC
            ]
        );
    }

    #[test]
    fn kept_elements_are_untouched() {
        let inner = [0x30, 0x03, 0x04, 0x01, 0x00];
        let der = [0x31, 0x05, 0x30, 0x03, 0x04, 0x01, 0x00];
        let ber = der_to_ber(&der, &[&inner], 1);
        assert_eq!(ber, [0x31, 0x80, 0x30, 0x03, 0x04, 0x01, 0x00, 0x00, 0x00]);
    }
}
