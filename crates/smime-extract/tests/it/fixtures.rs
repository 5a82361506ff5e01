//! The generated fixtures under testdata/messages/ (test-support's `mime::cases`): each
//! test reads one message, checks its MANIFEST row, and checks what `extract` says.

use smime_extract::{
    DigestAlgorithm, KeyPreference, Options, SignatureAlgorithm, SignatureFormat,
    VerifiedSignature, extract,
};
use test_support::manifest::Manifest;

fn read(path: &str) -> Vec<u8> {
    let full = test_support::testdata_dir().join(path);
    std::fs::read(&full).unwrap_or_else(|e| panic!("{}: {e} (run gen-testdata)", full.display()))
}

/// Runs the case at `messages/<reason>/<name>.eml` and checks the MANIFEST agrees.
fn run(
    reason: &str,
    name: &str,
    opts: &Options,
) -> Result<VerifiedSignature, smime_extract::Error> {
    let path = format!("messages/{reason}/{name}.eml");
    let manifest = Manifest::load(&test_support::testdata_dir()).unwrap();
    let row = manifest
        .entries
        .iter()
        .find(|e| e.path == path)
        .unwrap_or_else(|| panic!("{path} not in MANIFEST"));
    assert_eq!(
        row.reason.as_deref().unwrap_or("accepted"),
        reason,
        "{path}"
    );
    extract(&read(&path), opts)
}

fn accepted(name: &str) -> VerifiedSignature {
    run("accepted", name, &Options::default()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn rejected(reason: &str, name: &str) -> smime_extract::Error {
    match run(reason, name, &Options::default()) {
        Ok(_) => panic!("{name} verified, expected {reason}"),
        Err(e) => {
            assert_eq!(e.reason_code(), reason, "{name}: {e}");
            e
        }
    }
}

fn alice() -> Vec<u8> {
    test_support::pki::leaf_for("alice@example.com").der
}

macro_rules! accepted_cases {
    ($($test:ident: $name:literal => $format:ident, $digest:ident, $alg:ident;)*) => {$(
        #[test]
        fn $test() {
            let sig = accepted($name);
            assert_eq!((sig.format, sig.digest, sig.algorithm),
                (SignatureFormat::$format, DigestAlgorithm::$digest, SignatureAlgorithm::$alg));
            assert_eq!(sig.signing_time, Some(test_support::FIXED_NOW_UNIX as i64 - 86_400));
        }
    )*};
}

accepted_cases! {
    detached_rsa_is_accepted: "detached_rsa" => Detached, Sha256, RsaPkcs1v15;
    detached_x_pkcs7_signature_is_accepted: "detached_x_pkcs7_signature" => Detached, Sha256, RsaPkcs1v15;
    opaque_signed_data_is_accepted: "opaque_signed_data" => Opaque, Sha256, RsaPkcs1v15;
    opaque_p7m_name_only_is_accepted: "opaque_p7m_name_only" => Opaque, Sha256, RsaPkcs1v15;
    ber_indefinite_detached_is_accepted: "ber_indefinite_detached" => Detached, Sha256, RsaPkcs1v15;
    ber_indefinite_opaque_is_accepted: "ber_indefinite_opaque" => Opaque, Sha256, RsaPkcs1v15;
    ski_signer_id_is_accepted: "ski_signer_id" => Detached, Sha256, RsaPkcs1v15;
    rsa_pss_is_accepted: "rsa_pss" => Detached, Sha256, RsaPss;
    ecdsa_p256_is_accepted: "ecdsa_p256" => Detached, Sha256, Ecdsa;
    ecdsa_p384_is_accepted: "ecdsa_p384" => Detached, Sha384, Ecdsa;
    ecdsa_p521_is_accepted: "ecdsa_p521" => Detached, Sha512, Ecdsa;
    ed25519_is_accepted: "ed25519" => Detached, Sha512, Ed25519;
    lf_line_endings_is_accepted: "lf_line_endings" => Detached, Sha256, RsaPkcs1v15;
    multipart_with_attachments_is_accepted: "multipart_with_attachments" => Detached, Sha256, RsaPkcs1v15;
    certificates_any_order_is_accepted: "certificates_any_order" => Detached, Sha256, RsaPkcs1v15;
    encryption_key_preference_is_accepted: "encryption_key_preference" => Detached, Sha256, RsaPkcs1v15;
}

#[test]
fn no_signed_attributes_is_accepted() {
    let sig = accepted("no_signed_attributes");
    assert_eq!(sig.signing_time, None);
    assert!(sig.smime_capabilities.is_empty());
    assert_eq!(sig.signer_certificate, alice());
}

#[test]
fn detached_output_carries_certificates_capabilities_and_micalg() {
    let sig = accepted("detached_rsa");
    assert_eq!(sig.signer_certificate, alice());
    assert_eq!(
        sig.certificates,
        vec![test_support::pki::hierarchy().intermediate.der.clone()]
    );
    let caps: Vec<String> = sig
        .smime_capabilities
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        caps,
        [
            "2.16.840.1.101.3.4.1.46",
            "2.16.840.1.101.3.4.1.42",
            "2.16.840.1.101.3.4.1.2"
        ]
    );
    assert_eq!(sig.micalg.as_deref(), Some("sha-256"));
    assert_eq!(
        sig.mime_parts,
        [
            "multipart/signed",
            "text/plain",
            "application/pkcs7-signature"
        ]
    );
    assert_eq!(sig.encryption_key_preference, None);
}

#[test]
fn ber_certificates_keep_their_bytes() {
    let sig = accepted("ber_indefinite_opaque");
    assert_eq!(sig.signer_certificate, alice());
    assert_eq!(
        sig.certificates,
        vec![test_support::pki::hierarchy().intermediate.der.clone()]
    );
}

#[test]
fn certificates_keep_message_order_without_the_signer() {
    let sig = accepted("certificates_any_order");
    let h = test_support::pki::hierarchy();
    assert_eq!(sig.signer_certificate, alice());
    assert_eq!(sig.certificates.len(), 3);
    assert_eq!(
        sig.certificates[1..],
        [h.root.der.clone(), h.intermediate.der.clone()]
    );
}

#[test]
fn encryption_key_preference_names_the_encryption_certificate() {
    let sig = accepted("encryption_key_preference");
    let Some(KeyPreference::IssuerSerial { issuer_der, serial }) = sig.encryption_key_preference
    else {
        panic!("no issuerAndSerialNumber preference");
    };
    let named: Vec<&Vec<u8>> = sig
        .certificates
        .iter()
        .filter(|der| {
            use der::{Decode, Encode};
            let cert = x509_cert::Certificate::from_der(der).unwrap();
            let tbs = cert.tbs_certificate();
            tbs.issuer().to_der().unwrap() == issuer_der && tbs.serial_number().as_bytes() == serial
        })
        .collect();
    assert_eq!(
        named.len(),
        1,
        "the preference names exactly one carried certificate"
    );
    assert_ne!(named[0], &sig.signer_certificate);
}

#[test]
fn multipart_content_parts_are_listed() {
    let sig = accepted("multipart_with_attachments");
    assert_eq!(
        sig.mime_parts,
        [
            "multipart/signed",
            "multipart/mixed",
            "text/plain",
            "image/png",
            "application/pdf",
            "application/pkcs7-signature"
        ]
    );
}

#[test]
fn sha1_signature_is_weak_algorithm() {
    rejected("weak_algorithm", "sha1_signature");
}

#[test]
fn sha1_signature_is_accepted_when_allowed() {
    let opts = Options {
        allow_sha1: true,
        ..Options::default()
    };
    let sig = run("weak_algorithm", "sha1_signature", &opts).unwrap();
    assert_eq!(sig.digest, DigestAlgorithm::Sha1);
}

#[test]
fn md5_signature_is_weak_algorithm() {
    rejected("weak_algorithm", "md5_signature");
    let opts = Options {
        allow_sha1: true,
        ..Options::default()
    };
    assert_eq!(
        run("weak_algorithm", "md5_signature", &opts)
            .unwrap_err()
            .reason_code(),
        "weak_algorithm"
    );
}

#[test]
fn content_altered_is_signature_invalid() {
    let e = rejected("signature_invalid", "content_altered");
    assert!(
        matches!(e, smime_extract::Error::MessageDigestMismatch { .. }),
        "{e:?}"
    );
}

#[test]
fn other_key_is_signature_invalid() {
    let e = rejected("signature_invalid", "other_key");
    assert!(
        matches!(e, smime_extract::Error::SignatureMismatch { .. }),
        "{e:?}"
    );
}

#[test]
fn missing_certificate_is_no_signer_certificate() {
    rejected("no_signer_certificate", "missing_certificate");
}

macro_rules! rejected_cases {
    ($($test:ident: $reason:literal, $name:literal;)*) => {$(
        #[test]
        fn $test() {
            rejected($reason, $name);
        }
    )*};
}

rejected_cases! {
    plain_text_is_not_signed: "not_signed", "plain_text";
    forwarded_signed_is_not_signed: "not_signed", "forwarded_signed";
    smime_p7s_text_attachment_is_not_signed: "not_signed", "smime_p7s_text_attachment";
    pgp_signed_is_not_signed: "not_signed", "pgp_signed";
    enveloped_data_is_not_signed: "not_signed", "enveloped_data";
    enveloped_p7m_name_only_is_not_signed: "not_signed", "enveloped_p7m_name_only";
    garbage_signature_is_malformed_signature: "malformed_signature", "garbage_signature";
    truncated_signature_is_malformed_signature: "malformed_signature", "truncated_signature";
    not_a_message_is_malformed_message: "malformed_message", "not_a_message";
}

#[test]
fn micalg_is_informational_in_any_spelling() {
    use test_support::mime::{SignedStyle, detached, headers, text_part};
    let cert = test_support::pki::leaf_for("alice@example.com");
    let content = text_part("micalg\n");
    let p7s = test_support::cms::SignedDataSpec::new(&cert, &content).build();
    let head = headers("alice@example.com", "micalg", "micalg@example.com");
    for micalg in ["sha1", "SHA1", "rsa-sha1", "sha-256", "\"unknown-alg\""] {
        let msg = detached(&head, &content, &p7s, SignedStyle::LegacyX, micalg);
        let sig =
            extract(&msg, &Options::default()).unwrap_or_else(|e| panic!("micalg={micalg}: {e}"));
        assert_eq!(sig.micalg.as_deref(), Some(micalg.trim_matches('"')));
        assert_eq!(
            sig.digest,
            DigestAlgorithm::Sha256,
            "the digest comes from the SignerInfo"
        );
    }
}

#[test]
fn lf_content_is_canonicalised_not_taken_raw() {
    // The LF fixture only verifies because bare LFs become CRLF before digesting.
    let raw = read("messages/accepted/lf_line_endings.eml");
    assert!(
        !raw.windows(2).any(|w| w == b"\r\n"),
        "the fixture has no CRLF"
    );
    assert!(extract(&raw, &Options::default()).is_ok());
}
