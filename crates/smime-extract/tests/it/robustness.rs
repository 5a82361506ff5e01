//! Hostile input: many mutated messages (bit flips, truncations, byte insertions, in the
//! MIME text and inside the CMS bytes) must give a result or an error, never a panic;
//! and each limit of `Limits` has its own error.

use smime_extract::{Error, Limits, Options, extract};
use test_support::cms::SignedDataSpec;
use test_support::mime::{OpaqueStyle, SignedStyle, detached, headers, opaque, text_part};

/// xorshift64*: a deterministic stream of positions and bits.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(input: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = input.to_vec();
    match rng.below(4) {
        0 => {
            for _ in 0..=rng.below(3) {
                let i = rng.below(out.len());
                out[i] ^= 1 << rng.below(8);
            }
        }
        1 => out.truncate(rng.below(input.len())),
        2 => {
            let i = rng.below(out.len());
            out.insert(i, rng.next() as u8);
        }
        _ => {
            let i = rng.below(out.len());
            out[i] = [0x00, 0x80, 0xff, 0x30, 0xa0, 0x24][rng.below(6)];
        }
    }
    out
}

fn fixture_messages() -> Vec<Vec<u8>> {
    let dir = test_support::testdata_dir().join("messages");
    let mut out = Vec::new();
    for reason in std::fs::read_dir(&dir).unwrap() {
        for file in std::fs::read_dir(reason.unwrap().path()).unwrap() {
            out.push(std::fs::read(file.unwrap().path()).unwrap());
        }
    }
    assert!(out.len() > 20, "fixtures missing: run gen-testdata");
    out
}

fn head() -> String {
    headers("alice@example.com", "robustness", "robustness@example.com")
}

#[test]
fn mutated_messages_never_panic() {
    let opts = Options::default();
    let mut rng = Rng(0x5eed_0001);
    let mut verified = 0;
    for message in fixture_messages() {
        for _ in 0..60 {
            if extract(&mutate(&message, &mut rng), &opts).is_ok() {
                verified += 1;
            }
        }
    }
    // Flips in headers or base64 padding can leave a message valid; most must not be.
    eprintln!("{verified} mutated messages still verified");
}

#[test]
fn mutated_signed_data_never_panics() {
    let cert = test_support::pki::leaf_for("alice@example.com");
    let content = text_part("robustness\n");
    let mut spec = SignedDataSpec::new(&cert, &content);
    let detached_der = spec.build();
    let detached_ber = spec.build_ber(16);
    spec.encapsulate = true;
    let opaque_ber = spec.build_ber(16);
    let opts = Options::default();
    let mut rng = Rng(0x5eed_0002);
    let mut outcomes = std::collections::BTreeMap::<&str, usize>::new();
    for base in [&detached_der, &detached_ber] {
        for _ in 0..700 {
            let msg = detached(
                &head(),
                &content,
                &mutate(base, &mut rng),
                SignedStyle::Standard,
                "sha-256",
            );
            let code = extract(&msg, &opts)
                .err()
                .map_or("accepted", |e| e.reason_code());
            *outcomes.entry(code).or_default() += 1;
        }
    }
    for _ in 0..700 {
        let msg = opaque(
            &head(),
            &mutate(&opaque_ber, &mut rng),
            OpaqueStyle::SignedData,
        );
        let code = extract(&msg, &opts)
            .err()
            .map_or("accepted", |e| e.reason_code());
        *outcomes.entry(code).or_default() += 1;
    }
    eprintln!("{outcomes:?}");
    assert!(
        outcomes.get("malformed_signature").copied().unwrap_or(0) > 100,
        "{outcomes:?}"
    );
}

#[test]
fn every_truncation_of_a_ber_signature_is_an_error() {
    let cert = test_support::pki::leaf_for("alice@example.com");
    let content = text_part("truncation\n");
    let mut spec = SignedDataSpec::new(&cert, &content);
    spec.encapsulate = true;
    let ber = spec.build_ber(32);
    for cut in 0..ber.len() {
        let msg = opaque(&head(), &ber[..cut], OpaqueStyle::SignedData);
        assert!(extract(&msg, &Options::default()).is_err(), "cut at {cut}");
    }
}

fn nested_multipart(depth: usize) -> Vec<u8> {
    let mut body = text_part("deep\n");
    for level in (0..depth).rev() {
        let b = format!("b{level}");
        let mut outer = format!("Content-Type: multipart/mixed; boundary=\"{b}\"\r\n\r\n--{b}\r\n")
            .into_bytes();
        outer.extend_from_slice(&body);
        outer.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
        body = outer;
    }
    [head().into_bytes(), body].concat()
}

#[test]
fn deep_mime_nesting_is_mime_too_deep() {
    let limits = Limits::default();
    let err = extract(&nested_multipart(2000), &Options::default()).unwrap_err();
    assert_eq!(
        err,
        Error::MimeTooDeep {
            limit: limits.max_depth
        }
    );
    assert_eq!(err.reason_code(), "malformed_message");
    // Within the limit it is simply not signed.
    let ok_depth =
        extract(&nested_multipart(limits.max_depth - 1), &Options::default()).unwrap_err();
    assert_eq!(ok_depth.reason_code(), "not_signed");
}

#[test]
fn many_parts_is_too_many_parts() {
    let b = "many";
    let mut msg = format!(
        "{}Content-Type: multipart/mixed; boundary={b}\r\n\r\n",
        head()
    )
    .into_bytes();
    for _ in 0..5000 {
        msg.extend_from_slice(format!("--{b}\r\n\r\nx\r\n").as_bytes());
    }
    msg.extend_from_slice(format!("--{b}--\r\n").as_bytes());
    let err = extract(&msg, &Options::default()).unwrap_err();
    assert_eq!(
        err,
        Error::TooManyParts {
            limit: Limits::default().max_parts
        }
    );
}

#[test]
fn huge_signature_is_signature_too_large() {
    let junk = vec![0x30u8; (1 << 20) + 10];
    let msg = detached(
        &head(),
        &text_part("x\n"),
        &junk,
        SignedStyle::Standard,
        "sha-256",
    );
    let err = extract(&msg, &Options::default()).unwrap_err();
    assert_eq!(err, Error::SignatureTooLarge { limit: 1 << 20 });
    assert_eq!(err.reason_code(), "malformed_signature");
}

#[test]
fn deep_ber_nesting_is_ber_too_deep() {
    // ContentInfo whose content nests 5000 indefinite-length SEQUENCEs.
    let mut ber = vec![
        0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02, 0xa0, 0x80,
    ];
    ber.extend([0x30, 0x80].repeat(5000));
    ber.extend([0x00, 0x00].repeat(5002));
    let msg = opaque(&head(), &ber, OpaqueStyle::SignedData);
    let err = extract(&msg, &Options::default()).unwrap_err();
    assert_eq!(
        err,
        Error::BerTooDeep {
            limit: Limits::default().max_ber_depth
        }
    );
}

#[test]
fn many_certificates_is_too_many_certificates() {
    let cert = test_support::pki::leaf_for("alice@example.com");
    let content = text_part("certs\n");
    let mut spec = SignedDataSpec::new(&cert, &content);
    spec.certificates = vec![cert.der.clone(); 40];
    let msg = detached(
        &head(),
        &content,
        &spec.build(),
        SignedStyle::Standard,
        "sha-256",
    );
    let err = extract(&msg, &Options::default()).unwrap_err();
    assert_eq!(err, Error::TooManyCertificates { limit: 32 });
    // The same message verifies when the limit allows it.
    let roomy = Options {
        limits: Limits {
            max_certificates: 40,
            ..Limits::default()
        },
        ..Options::default()
    };
    assert!(extract(&msg, &roomy).is_ok());
}

#[test]
fn many_signer_infos_is_signer_info_count() {
    let cert = test_support::pki::leaf_for("alice@example.com");
    let content = text_part("signers\n");
    let spec = SignedDataSpec::new(&cert, &content);
    let der = spec.build();
    // Replace the one-element signerInfos SET by one with 9 copies.
    let info = spec.signer_info();
    let set_one = test_support::keys::der_util::set(&[&info]);
    let nine: Vec<&[u8]> = vec![info.as_slice(); 9];
    let set_nine = test_support::keys::der_util::tlv(0x31, &nine.concat());
    let pos = der
        .windows(set_one.len())
        .position(|w| w == set_one)
        .unwrap();
    let body = &der[..pos];
    // Re-wrap: ContentInfo { oid, [0] { SignedData { ...fields..., set_nine } } }.
    let sd_fields = strip_outer_headers(body);
    let sd = test_support::keys::der_util::seq(&[sd_fields, &set_nine]);
    let ci = test_support::keys::der_util::seq(&[
        &test_support::keys::der_util::oid(test_support::cms::oids::ID_SIGNED_DATA),
        &test_support::keys::der_util::ctx(0, &sd),
    ]);
    let msg = detached(&head(), &content, &ci, SignedStyle::Standard, "sha-256");
    let err = extract(&msg, &Options::default()).unwrap_err();
    assert_eq!(err, Error::SignerInfoCount { count: 9, limit: 8 });
}

/// The SignedData fields that precede signerInfos, from the DER prefix of a ContentInfo.
fn strip_outer_headers(prefix: &[u8]) -> &[u8] {
    // ContentInfo header, OID (11 bytes), [0] header, SignedData header: each long-form.
    let skip_header = |b: &[u8]| {
        if b[1] < 0x80 {
            2
        } else {
            2 + usize::from(b[1] & 0x7f)
        }
    };
    let mut at = skip_header(prefix);
    at += 11;
    at += skip_header(&prefix[at..]);
    at += skip_header(&prefix[at..]);
    &prefix[at..]
}

#[test]
fn ber_signed_attributes_verify_over_their_der() {
    // A client that also wrote the signed attributes in BER: they must be re-encoded as
    // DER for verification (RFC 5652 §5.4), while certificates keep their bytes.
    let cert = test_support::pki::leaf_for("alice@example.com");
    let content = text_part("ber attributes\n");
    let spec = SignedDataSpec::new(&cert, &content);
    let keep: Vec<&[u8]> = spec.certificates.iter().map(Vec::as_slice).collect();
    let ber = test_support::cms::der_to_ber(&spec.build(), &keep, 8);
    let msg = detached(&head(), &content, &ber, SignedStyle::Standard, "sha-256");
    let sig = extract(&msg, &Options::default()).unwrap();
    assert_eq!(sig.signer_certificate, cert.der);
}
