//! One in-memory message per verification check that the fixtures do not isolate: each
//! would pass (or fail differently) if its check were removed.

use smime_extract::{Error, Options, extract};
use test_support::cms::{SignedDataSpec, oids};
use test_support::keys::der_util::{ctx, octets, oid, seq};
use test_support::keys::{HashAlg, KeyAlg, SigAlg, TestKey};
use test_support::mime::{OpaqueStyle, SignedStyle, detached, headers, opaque, text_part};

fn head() -> String {
    headers("alice@example.com", "checks", "checks@example.com")
}

fn spec() -> SignedDataSpec {
    SignedDataSpec::new(
        &test_support::pki::leaf_for("alice@example.com"),
        &text_part("checks\n"),
    )
}

fn run_detached(spec: &SignedDataSpec) -> Result<smime_extract::VerifiedSignature, Error> {
    extract(
        &detached(
            &head(),
            &spec.content,
            &spec.build(),
            SignedStyle::Standard,
            "sha-256",
        ),
        &Options::default(),
    )
}

#[test]
fn missing_content_type_attribute_is_signature_invalid() {
    let mut s = spec();
    s.content_type = None;
    let err = run_detached(&s).unwrap_err();
    assert_eq!(
        err,
        Error::SignedAttributeMissing {
            attribute: "contentType"
        }
    );
    assert_eq!(err.reason_code(), "signature_invalid");
}

#[test]
fn content_type_other_than_id_data_is_signature_invalid() {
    let mut s = spec();
    s.content_type = Some(oids::ID_SIGNED_DATA);
    let err = run_detached(&s).unwrap_err();
    assert!(matches!(err, Error::ContentTypeMismatch { .. }), "{err:?}");
    assert_eq!(err.reason_code(), "signature_invalid");
}

#[test]
fn key_that_cannot_do_the_algorithm_is_signature_invalid() {
    // Alice's certificate holds an RSA key; the SignerInfo claims ECDSA.
    let mut s = spec().with_sig(SigAlg::Ecdsa(HashAlg::Sha256));
    s.sign_with = Some(TestKey::generate(KeyAlg::P256, "extract:ecdsa-impostor"));
    let err = run_detached(&s).unwrap_err();
    assert!(matches!(err, Error::SignerKeyUnusable { .. }), "{err:?}");
    assert_eq!(err.reason_code(), "signature_invalid");
}

#[test]
fn ecdsa_signature_from_another_key_is_signature_invalid() {
    let cert =
        test_support::pki::CertSpec::leaf("extract:ecdsa_p256", "carol@example.com", KeyAlg::P256)
            .issue(&test_support::pki::hierarchy().intermediate);
    let mut s = SignedDataSpec::new(&cert, &text_part("checks\n"));
    s.sign_with = Some(TestKey::generate(KeyAlg::P256, "extract:other-p256"));
    assert!(matches!(
        run_detached(&s).unwrap_err(),
        Error::SignatureMismatch { .. }
    ));
}

#[test]
fn ed25519_signature_from_another_key_is_signature_invalid() {
    let cert =
        test_support::pki::CertSpec::leaf("extract:ed25519", "frank@example.com", KeyAlg::Ed25519)
            .issue(&test_support::pki::hierarchy().intermediate);
    let mut s = SignedDataSpec::new(&cert, &text_part("checks\n"));
    s.sign_with = Some(TestKey::generate(KeyAlg::Ed25519, "extract:other-ed25519"));
    assert!(matches!(
        run_detached(&s).unwrap_err(),
        Error::SignatureMismatch { .. }
    ));
}

#[test]
fn opaque_without_content_is_malformed_signature() {
    let s = spec(); // detached SignedData sent as if opaque
    let msg = opaque(&head(), &s.build(), OpaqueStyle::SignedData);
    let err = extract(&msg, &Options::default()).unwrap_err();
    assert_eq!(err, Error::MissingContent);
    assert_eq!(err.reason_code(), "malformed_signature");
}

#[test]
fn content_info_of_plain_data_is_malformed_signature() {
    let ci = seq(&[&oid(oids::ID_DATA), &ctx(0, &octets(b"hello"))]);
    let msg = opaque(&head(), &ci, OpaqueStyle::SignedData);
    let err = extract(&msg, &Options::default()).unwrap_err();
    assert!(
        matches!(err, Error::UnexpectedContentType { .. }),
        "{err:?}"
    );
    assert_eq!(err.reason_code(), "malformed_signature");
}

#[test]
fn invalid_base64_is_malformed_signature() {
    let mut msg = detached(
        &head(),
        &text_part("x\n"),
        &spec().build(),
        SignedStyle::Standard,
        "sha-256",
    );
    let at = msg.windows(3).position(|w| w == b"MII").unwrap();
    msg[at + 10] = b'!';
    let err = extract(&msg, &Options::default()).unwrap_err();
    assert!(matches!(err, Error::BadTransferEncoding { .. }), "{err:?}");
}

#[test]
fn multipart_signed_with_one_part_is_malformed_signature() {
    let msg = format!(
        "{}Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nonly\r\n--b--\r\n",
        head()
    );
    let err = extract(msg.as_bytes(), &Options::default()).unwrap_err();
    assert_eq!(err, Error::SignedPartsMissing { found: 1 });
    assert_eq!(err.reason_code(), "malformed_signature");
}

#[test]
fn errors_are_never_transient() {
    assert!(!Error::Enveloped.is_transient());
    assert!(!Error::MimeTooDeep { limit: 1 }.is_transient());
}
