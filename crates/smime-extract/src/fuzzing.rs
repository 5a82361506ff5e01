//! Entry points for the fuzz targets in the workspace's `fuzz/` (feature `fuzzing`;
//! not part of the stable API). Each runs one stage on arbitrary bytes and checks the
//! stage's invariants, panicking when one is broken, so libFuzzer reports it.

use crate::{Limits, ber, locate, signed_data};

/// BER→DER normalisation: DER output is a fixed point, and every certificate the
/// SignedData walker returns is a byte-exact slice of the input.
pub fn ber_to_der(input: &[u8]) {
    let limits = Limits::default();
    if let Ok(tlv) = ber::read_all(input, limits.max_ber_depth)
        && let Ok(der) = ber::to_der(&tlv, limits.max_ber_depth)
    {
        let again = ber::read_all(&der, limits.max_ber_depth)
            .and_then(|t| ber::to_der(&t, limits.max_ber_depth));
        assert_eq!(again.as_ref(), Ok(&der), "to_der is not idempotent");
    }
    if let Ok(sd) = signed_data::decode(input, &limits) {
        for cert in sd.certificates {
            let (base, at) = (input.as_ptr() as usize, cert.as_ptr() as usize);
            let inside = at >= base && at + cert.len() <= base + input.len();
            assert!(inside, "a certificate is not a slice of the input");
        }
    }
}

/// MIME location only (no CMS decoding): any result, never a panic; a located detached
/// signature's content is canonical (no bare LF).
pub fn mime_locate(raw: &[u8]) {
    if let Ok(located) = locate::locate(raw, &Limits::default()) {
        let bare_lf = located
            .content
            .iter()
            .enumerate()
            .any(|(i, b)| *b == b'\n' && (i == 0 || located.content[i - 1] != b'\r'));
        assert!(!bare_lf, "canonical content has a bare LF");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every single-byte change of a small BER SignedData skeleton keeps the invariants.
    #[test]
    fn invariants_hold_on_byte_mutations() {
        let ber: &[u8] = &[
            0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07,
            0x02, // ContentInfo, signedData
            0xa0, 0x80, 0x30, 0x80, 0x02, 0x01, 0x01, 0x31,
            0x00, // [0] SignedData, version, digestAlgorithms
            0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01, 0x00,
            0x00, // eci
            0xa0, 0x80, 0x30, 0x03, 0x02, 0x01, 0x07, 0x00,
            0x00, // certificates: one tiny "certificate"
            0x31, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // signerInfos, EOCs
        ];
        for i in 0..ber.len() {
            for v in [0x00, 0x01, 0x24, 0x30, 0x80, 0xa0, 0xff] {
                let mut m = ber.to_vec();
                m[i] = v;
                ber_to_der(&m);
                mime_locate(&m);
            }
        }
        mime_locate(b"Content-Type: multipart/signed; protocol=application/pkcs7-signature; boundary=b\n\n--b\nx\n--b\n\n--b--");
    }
}
