//! Minimal DER assembly helpers (TLV concatenation; no crypto).

use const_oid::ObjectIdentifier;
use der::Encode;

/// DER NULL.
pub const NULL: [u8; 2] = [0x05, 0x00];

/// One TLV with `tag` and `content`.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let len = (n as u64).to_be_bytes();
        let skip = len.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (8 - skip) as u8);
        out.extend_from_slice(&len[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// SEQUENCE of already-encoded parts.
pub fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// SET of already-encoded parts (sorted, as DER wants).
pub fn set(parts: &[&[u8]]) -> Vec<u8> {
    let mut v: Vec<&[u8]> = parts.to_vec();
    v.sort();
    tlv(0x31, &v.concat())
}

/// `[n] EXPLICIT` (constructed context tag) around an encoded value.
pub fn ctx(n: u8, inner: &[u8]) -> Vec<u8> {
    tlv(0xa0 | n, inner)
}

/// `[n] IMPLICIT` primitive context tag with raw content.
pub fn ctx_prim(n: u8, content: &[u8]) -> Vec<u8> {
    tlv(0x80 | n, content)
}

/// OBJECT IDENTIFIER.
pub fn oid(o: ObjectIdentifier) -> Vec<u8> {
    o.to_der().expect("OID encodes")
}

/// AlgorithmIdentifier with optional encoded parameters.
pub fn alg_id(o: ObjectIdentifier, params: Option<&[u8]>) -> Vec<u8> {
    match params {
        Some(p) => seq(&[&oid(o), p]),
        None => seq(&[&oid(o)]),
    }
}

/// INTEGER from unsigned big-endian magnitude bytes (minimal, positive).
pub fn int_bytes(mag: &[u8]) -> Vec<u8> {
    let skip = mag.iter().take_while(|b| **b == 0).count();
    let mut m = mag[skip..].to_vec();
    if m.is_empty() {
        m.push(0);
    }
    if m[0] & 0x80 != 0 {
        m.insert(0, 0);
    }
    tlv(0x02, &m)
}

/// INTEGER from a u64.
pub fn int_u64(v: u64) -> Vec<u8> {
    int_bytes(&v.to_be_bytes())
}

/// BOOLEAN.
pub fn boolean(v: bool) -> Vec<u8> {
    tlv(0x01, &[if v { 0xff } else { 0x00 }])
}

/// OCTET STRING.
pub fn octets(v: &[u8]) -> Vec<u8> {
    tlv(0x04, v)
}

/// BIT STRING with no unused bits.
pub fn bits(v: &[u8]) -> Vec<u8> {
    let mut c = vec![0u8];
    c.extend_from_slice(v);
    tlv(0x03, &c)
}

/// UTF8String.
pub fn utf8(s: &str) -> Vec<u8> {
    tlv(0x0c, s.as_bytes())
}

/// IA5String.
pub fn ia5(s: &str) -> Vec<u8> {
    tlv(0x16, s.as_bytes())
}

/// PrintableString.
pub fn printable(s: &str) -> Vec<u8> {
    tlv(0x13, s.as_bytes())
}

/// X.509 Time: UTCTime for 1950..2049, GeneralizedTime otherwise (RFC 5280).
pub fn time(unix: i64) -> Vec<u8> {
    let secs = u64::try_from(unix).expect("time after 1970");
    let dt = der::DateTime::from_unix_duration(std::time::Duration::from_secs(secs))
        .expect("representable time");
    if dt.year() < 2050 {
        der::asn1::UtcTime::from_date_time(dt)
            .expect("UTCTime")
            .to_der()
            .expect("encode")
    } else {
        der::asn1::GeneralizedTime::from_date_time(dt)
            .to_der()
            .expect("encode")
    }
}

/// PEM with 64-column lines.
pub fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}
