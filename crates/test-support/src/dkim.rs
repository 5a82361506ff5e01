//! DKIM keys, signing, zone data and the `testdata/dkim/` fixtures.
//!
//! Signing uses mail-auth's own pieces (its canonicalisation, its `Signature` writer and
//! its ring-backed keys) but with a fixed `t=` ([`crate::FIXED_NOW_UNIX`]) instead of the
//! clock, so output is byte-identical on every run. Keys come from
//! [`crate::keys::TestKey::generate`] with the label `dkim:<selector>._domainkey.<domain>`.
//!
//! - [`sign`]: RSA-SHA256, relaxed/relaxed, `h=` including From: what every pipeline
//!   fixture gets.
//! - [`sign_with`]: any [`SignOptions`] (Ed25519, simple canonicalisation, `x=`, `l=`, a
//!   header list without From).
//! - [`zone_records`]: the TXT records of every key in [`KEYS`], plus a revoked one.
//! - [`write_fixtures`]: `testdata/dkim/zone.txt` and one message per case.

use base64::Engine;
use mail_auth::AuthenticatedMessage;
use mail_auth::common::crypto::{Ed25519Key, RsaKey, Sha256, SigningKey};
use mail_auth::common::headers::{HeaderStream, HeaderWriter, Writable, Writer};
use mail_auth::dkim::canonicalize::CanonicalHeaders;
use mail_auth::dkim::{Canonicalization, DkimSigner, Signature};
use rustls_pki_types::PrivateKeyDer;

use crate::keys::{KeyAlg, TestKey};

mod fixtures;
pub use fixtures::{Case, cases, message, write_fixtures};

/// DKIM signing algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DkimAlg {
    /// `a=rsa-sha256` with an RSA-2048 key.
    RsaSha256,
    /// `a=ed25519-sha256` (RFC 8463).
    Ed25519Sha256,
}

/// `(domain, selector, algorithm)` of every key published by [`zone_records`].
pub const KEYS: &[(&str, &str, DkimAlg)] = &[
    ("example.com", "s1", DkimAlg::RsaSha256),
    ("example.com", "ed1", DkimAlg::Ed25519Sha256),
    ("mail.example.com", "s1", DkimAlg::RsaSha256),
    ("example.org", "s1", DkimAlg::RsaSha256),
    // A public suffix: a key may be published there, but `d=co.uk` aligns with nothing.
    ("co.uk", "s1", DkimAlg::RsaSha256),
];

/// Selector of `example.com` whose record has an empty `p=` (revoked key).
pub const REVOKED_SELECTOR: &str = "revoked";
/// Selector of `example.com` with no record at all (NXDOMAIN).
pub const MISSING_SELECTOR: &str = "missing";

/// Headers signed by default (mail-auth also signs the absent ones, which prevents
/// their later addition).
pub const DEFAULT_HEADERS: &[&str] = &[
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "MIME-Version",
    "Content-Type",
    "Content-Transfer-Encoding",
];

/// How to sign.
#[derive(Clone, Debug)]
pub struct SignOptions {
    /// `d=`.
    pub domain: String,
    /// `s=`.
    pub selector: String,
    /// `a=`.
    pub alg: DkimAlg,
    /// `h=` (header names to sign, in order).
    pub headers: Vec<String>,
    /// Header canonicalisation (`simple` when false, `relaxed` when true).
    pub relaxed_headers: bool,
    /// Body canonicalisation (`simple` when false, `relaxed` when true).
    pub relaxed_body: bool,
    /// `t=` (Unix seconds).
    pub t: u64,
    /// `x=` (absolute Unix seconds), if any.
    pub x: Option<u64>,
    /// Add `l=` with the body length.
    pub body_length: bool,
}

impl SignOptions {
    /// RSA-SHA256, relaxed/relaxed, [`DEFAULT_HEADERS`], `t=` the fixed instant, no `x=`.
    pub fn new(domain: &str, selector: &str) -> SignOptions {
        SignOptions {
            domain: domain.to_string(),
            selector: selector.to_string(),
            alg: DkimAlg::RsaSha256,
            headers: DEFAULT_HEADERS.iter().map(|h| h.to_string()).collect(),
            relaxed_headers: true,
            relaxed_body: true,
            t: crate::FIXED_NOW_UNIX,
            x: None,
            body_length: false,
        }
    }
}

/// The deterministic key for `selector._domainkey.domain` and `alg`.
pub fn key(domain: &str, selector: &str, alg: DkimAlg) -> TestKey {
    let label = format!(
        "dkim:{}._domainkey.{}",
        selector,
        domain.to_ascii_lowercase()
    );
    match alg {
        DkimAlg::RsaSha256 => TestKey::generate(KeyAlg::Rsa2048, &label),
        DkimAlg::Ed25519Sha256 => TestKey::generate(KeyAlg::Ed25519, &label),
    }
}

/// The DKIM TXT value (`v=DKIM1; k=...; p=...`) publishing `key`.
pub fn txt_value(key: &TestKey) -> String {
    let b64 = base64::engine::general_purpose::STANDARD;
    match key.alg() {
        KeyAlg::Ed25519 => {
            // The raw 32-byte public key: the end of the SubjectPublicKeyInfo.
            let spki = key.spki_der();
            let raw = &spki[spki.len() - 32..];
            format!("v=DKIM1; k=ed25519; p={}", b64.encode(raw))
        }
        _ => format!("v=DKIM1; k=rsa; p={}", b64.encode(key.spki_der())),
    }
}

/// `(owner name, TXT value)` for every key in [`KEYS`], plus the revoked
/// `revoked._domainkey.example.com`. Sorted by name.
pub fn zone_records() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = KEYS
        .iter()
        .map(|(d, s, alg)| (format!("{s}._domainkey.{d}"), txt_value(&key(d, s, *alg))))
        .collect();
    out.push((
        format!("{REVOKED_SELECTOR}._domainkey.example.com"),
        "v=DKIM1; k=rsa; p=".to_string(),
    ));
    out.sort();
    out
}

/// Zone data as text: one `name TXT-value` line per record (the corpus's
/// `dkim-keys.txt` format).
pub fn zone_text(records: &[(String, String)]) -> String {
    let mut out = String::from("# <selector>._domainkey.<domain> <TXT value>\n");
    for (name, value) in records {
        out.push_str(&format!("{name} {value}\n"));
    }
    out
}

/// Parses [`zone_text`] output (and the corpus `dkim-keys*.txt` files): blank lines and
/// `#` comments are skipped.
pub fn parse_zone_text(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(char::is_whitespace))
        .map(|(n, v)| (n.to_string(), v.trim().to_string()))
        .collect()
}

/// Bare LF line ends become CRLF (existing CRLF untouched).
pub fn to_crlf(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 16);
    for (i, &b) in raw.iter().enumerate() {
        if b == b'\n' && (i == 0 || raw[i - 1] != b'\r') {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

/// CRLF line ends become LF (as a .eml file saved on Unix).
pub fn to_lf(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    for (i, &b) in raw.iter().enumerate() {
        if b == b'\r' && raw.get(i + 1) == Some(&b'\n') {
            continue;
        }
        out.push(b);
    }
    out
}

/// Signs `raw` (normalised to CRLF first) with RSA-SHA256, relaxed/relaxed, `h=`
/// [`DEFAULT_HEADERS`], with the key of `selector._domainkey.domain`; returns the message
/// with the DKIM-Signature header prepended.
pub fn sign(raw: &[u8], domain: &str, selector: &str) -> Vec<u8> {
    sign_with(raw, &SignOptions::new(domain, selector))
}

/// Signs `raw` (normalised to CRLF first) as `opts` says; returns the message with the
/// new DKIM-Signature header prepended.
pub fn sign_with(raw: &[u8], opts: &SignOptions) -> Vec<u8> {
    let raw = to_crlf(raw);
    let key = key(&opts.domain, &opts.selector, opts.alg);
    let header = match opts.alg {
        DkimAlg::RsaSha256 => {
            let der = key.pkcs8_der();
            let k = RsaKey::<Sha256>::from_key_der(PrivateKeyDer::Pkcs8(der.as_slice().into()))
                .expect("ring RSA key");
            signature_header(k, &raw, opts)
        }
        DkimAlg::Ed25519Sha256 => {
            let k = Ed25519Key::from_pkcs8_maybe_unchecked_der(&key.pkcs8_der())
                .expect("ring Ed25519 key");
            signature_header(k, &raw, opts)
        }
    };
    let mut out = header.into_bytes();
    out.extend_from_slice(&raw);
    out
}

/// What mail-auth's `DkimSigner::sign` does, with `t=` and `x=` from `opts`.
fn signature_header<K: SigningKey>(key: K, raw: &[u8], opts: &SignOptions) -> String {
    let canon = |relaxed| {
        if relaxed {
            Canonicalization::Relaxed
        } else {
            Canonicalization::Simple
        }
    };
    let signer = DkimSigner::from_key(key)
        .domain(opts.domain.clone())
        .selector(opts.selector.clone())
        .headers(opts.headers.clone())
        .header_canonicalization(canon(opts.relaxed_headers))
        .body_canonicalization(canon(opts.relaxed_body))
        .body_length(opts.body_length);
    let mut sig: Signature = signer.template.clone();
    let parsed = AuthenticatedMessage::parse(raw).expect("message with headers");
    let stream = Fields {
        headers: parsed.headers.clone().into_iter(),
        body: raw.get(parsed.body_offset as usize..).unwrap_or_default(),
    };
    let (body_len, headers, signed_headers, body) = sig.canonicalize(stream);
    sig.bh = signer.key.hash(body).as_ref().to_vec();
    sig.t = opts.t;
    sig.x = opts.x.unwrap_or(0);
    sig.h = signed_headers;
    if opts.body_length {
        sig.l = body_len as u64;
    }
    sig.b = signer
        .key
        .sign(SignedPart { headers, sig: &sig })
        .expect("DKIM signing");
    sig.to_header()
}

/// The header fields and body of a message, as mail-auth splits them.
struct Fields<'x> {
    headers: std::vec::IntoIter<(&'x [u8], &'x [u8])>,
    body: &'x [u8],
}

impl<'x> HeaderStream<'x> for Fields<'x> {
    fn next_header(&mut self) -> Option<(&'x [u8], &'x [u8])> {
        self.headers.next()
    }

    fn body(&mut self) -> &'x [u8] {
        self.body
    }
}

/// The data a DKIM signature covers: the canonical signed headers, then the
/// DKIM-Signature header itself with an empty `b=`.
struct SignedPart<'a> {
    headers: CanonicalHeaders<'a>,
    sig: &'a Signature,
}

impl Writable for SignedPart<'_> {
    fn write(self, writer: &mut impl Writer) {
        self.headers.write(writer);
        self.sig.write(writer, false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signing_is_deterministic() {
        let m = message("alice@example.com", "det");
        assert_eq!(sign(&m, "example.com", "s1"), sign(&m, "example.com", "s1"));
    }

    #[test]
    fn signature_has_fixed_t_and_no_x() {
        let signed = sign(&message("alice@example.com", "t"), "example.com", "s1");
        let text = String::from_utf8(signed).unwrap();
        let header = text.split("\r\n\r\n").next().unwrap();
        assert!(
            header.contains(&format!("t={}", crate::FIXED_NOW_UNIX)),
            "{header}"
        );
        assert!(!header.contains("x="), "{header}");
        assert!(
            text.starts_with("DKIM-Signature: v=1; a=rsa-sha256;"),
            "{text}"
        );
    }

    #[test]
    fn crlf_round_trip() {
        let m = message("alice@example.com", "crlf");
        assert_eq!(to_crlf(&to_lf(&m)), m);
        assert!(!to_lf(&m).contains(&b'\r'));
    }

    #[test]
    fn zone_text_round_trips() {
        let records = zone_records();
        assert_eq!(parse_zone_text(&zone_text(&records)), records);
        assert!(records.iter().any(|(_, v)| v.contains("k=ed25519")));
    }
}
