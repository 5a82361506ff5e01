//! Helpers of the cert-store tests: certificates, a seeded RNG, child processes.

use std::process::{Child, Command, Stdio};
use std::str::FromStr;
use std::time::Duration;

use cert_store::PutContext;
use der::Encode;
use der::asn1::UtcTime;
use sha2::{Digest, Sha256};
use x509_cert::name::Name;
use x509_cert::time::Time;
use x509_cert::time::Validity;

/// The fixed instant of every fixture (2026-06-01T00:00:00Z).
pub const NOW: i64 = 1_780_272_000;

/// Environment variable that turns the test binary into a child writer.
pub const CHILD_MODE: &str = "CERT_STORE_TEST_CHILD";

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else if len < 0x100 {
        out.extend([0x81, len as u8]);
    } else {
        out.extend([0x82, (len >> 8) as u8, len as u8]);
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// A structurally valid DER certificate (Ed25519 algorithm identifiers, a made-up key
/// and signature: the store never verifies) for `label`, with the given notBefore.
/// Different labels or notBefore give different certificates.
pub fn cert(label: &str, not_before: i64) -> Vec<u8> {
    named_cert(label, not_before, &[])
}

/// An address a [`named_cert`] names in its subjectAltName.
pub enum San<'a> {
    /// rfc822Name (IA5String: ASCII).
    Rfc822(&'a str),
    /// otherName SmtpUTF8Mailbox (RFC 8398, UTF8String).
    SmtpUtf8(&'a str),
}

/// [`cert`] with a subjectAltName naming `names` (when there are any).
pub fn named_cert(label: &str, not_before: i64, names: &[San<'_>]) -> Vec<u8> {
    let seed = Sha256::digest(format!("{label}/{not_before}").as_bytes());
    let ed25519 = seq(&[&tlv(0x06, &[0x2b, 0x65, 0x70])]);
    let version = tlv(0xa0, &tlv(0x02, &[2]));
    let mut serial = seed[..8].to_vec();
    serial[0] = (serial[0] & 0x7f) | 0x01;
    let serial = tlv(0x02, &serial);
    let issuer = Name::from_str("CN=cert-store test CA")
        .unwrap()
        .to_der()
        .unwrap();
    let subject = Name::from_str(&format!("CN={label}"))
        .unwrap()
        .to_der()
        .unwrap();
    let time =
        |t: i64| Time::UtcTime(UtcTime::from_unix_duration(Duration::from_secs(t as u64)).unwrap());
    let validity = Validity::<x509_cert::certificate::Rfc5280>::new(
        time(not_before),
        time(not_before + 365 * 86_400),
    )
    .to_der()
    .unwrap();
    let mut key = vec![0u8];
    key.extend_from_slice(&seed[..32]);
    let spki = seq(&[&ed25519, &tlv(0x03, &key)]);
    let mut fields: Vec<Vec<u8>> = vec![
        version,
        serial,
        ed25519.clone(),
        issuer,
        validity,
        subject,
        spki,
    ];
    if !names.is_empty() {
        const SAN: &[u8] = &[0x55, 0x1d, 0x11];
        const SMTP_UTF8: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x08, 0x09];
        let general: Vec<Vec<u8>> = names
            .iter()
            .map(|n| match n {
                San::Rfc822(a) => tlv(0x81, a.as_bytes()),
                San::SmtpUtf8(a) => tlv(
                    0xa0,
                    &[tlv(0x06, SMTP_UTF8), tlv(0xa0, &tlv(0x0c, a.as_bytes()))].concat(),
                ),
            })
            .collect();
        let refs: Vec<&[u8]> = general.iter().map(Vec::as_slice).collect();
        let ext = seq(&[&tlv(0x06, SAN), &tlv(0x04, &seq(&refs))]);
        fields.push(tlv(0xa3, &seq(&[&ext])));
    }
    let refs: Vec<&[u8]> = fields.iter().map(Vec::as_slice).collect();
    let tbs = seq(&refs);
    let mut signature = vec![0u8];
    signature.extend_from_slice(&Sha256::digest(&tbs));
    signature.extend_from_slice(&seed);
    seq(&[&tbs, &ed25519, &tlv(0x03, &signature)])
}

/// PEM of a DER certificate, as the store writes it.
pub fn pem(der: &[u8]) -> String {
    der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, der).unwrap()
}

/// The stem the store's percent-encoding gives any text (the earlier address rule's keys
/// included): bytes outside letters, digits and ``.!#$&'*+=?^_`{|}~@-`` and a leading
/// `.` as `%XX`. Short texts only (no shortening).
pub fn encode_stem(text: &str) -> String {
    let mut out = String::new();
    for (i, b) in text.bytes().enumerate() {
        let kept = b.is_ascii_alphanumeric() || b".!#$&'*+=?^_`{|}~@-".contains(&b);
        if kept && !(i == 0 && b == b'.') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A put context with a message id.
pub fn ctx(message_id: &str, seen_at: i64) -> PutContext {
    PutContext {
        message_id: Some(message_id.to_owned()),
        dkim_domain: Some("example.com".to_owned()),
        seen_at_unix: seen_at,
    }
}

/// splitmix64: a tiny seeded generator, enough for shuffles and random inputs.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform-ish in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

/// Starts this test binary as a child writer: it runs only the `child_entry` test,
/// which dispatches on [`CHILD_MODE`].
pub fn spawn_child(mode: &str, store: &std::path::Path, seed: u64) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_entry",
            "--nocapture",
            "--test-threads=1",
            "-q",
        ])
        .env(CHILD_MODE, mode)
        .env("CERT_STORE_TEST_DIR", store)
        .env("CERT_STORE_TEST_SEED", seed.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

/// The `RESULT ...` lines a child printed.
pub fn result_lines(stdout: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("RESULT "))
        .map(String::from)
        .collect()
}
