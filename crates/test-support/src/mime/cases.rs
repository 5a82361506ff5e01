//! The smime-extract fixture cases: one message per case of issue 2's Tests paragraph,
//! written to `messages/<reason>/<case>.eml` (`accepted` for the valid ones). The
//! manifest reason is what smime-extract itself returns with default options; later
//! gates of the collector may reject accepted ones (e.g. Ed25519 keys cannot be
//! encrypted to).

use std::io;
use std::path::Path;

use super::{
    Attachment, OpaqueStyle, SignedStyle, detached, forwarded, headers, mixed, opaque, text_part,
    to_lf,
};
use crate::cms::{KeyPreference, SignedDataSpec, SignerId, enveloped_data_stub};
use crate::keys::{HashAlg, KeyAlg, SigAlg, TestKey};
use crate::manifest::Manifest;
use crate::pki::{CertSpec, KeyUsageBit, TestCert, hierarchy, leaf_for};

/// One fixture message.
pub struct Case {
    /// File stem.
    pub name: &'static str,
    /// SPEC reason code, `None` when smime-extract accepts it.
    pub reason: Option<&'static str>,
    /// One readable line for the manifest.
    pub note: &'static str,
    /// The message bytes.
    pub message: Vec<u8>,
}

impl Case {
    /// `messages/<reason>/<name>.eml`.
    pub fn path(&self) -> String {
        format!(
            "messages/{}/{}.eml",
            self.reason.unwrap_or("accepted"),
            self.name
        )
    }
}

/// A leaf issued by the test intermediate with a non-default key.
fn leaf_with(label: &str, email: &str, key: KeyAlg) -> TestCert {
    CertSpec::leaf(&format!("extract:{label}"), email, key).issue(&hierarchy().intermediate)
}

/// The signed entity every case uses: a short text part naming the sender.
fn content(from: &str) -> Vec<u8> {
    text_part(&format!(
        "Hello,\n\nthis message from {from} is signed so that you can collect my certificate.\n\n-- \n{from}\n"
    ))
}

fn head(from: &str, case: &str) -> String {
    headers(
        from,
        &format!("S/MIME fixture {case}"),
        &format!("{case}@example.com"),
    )
}

/// A detached signed message from the signer of `spec` (its content is `spec.content`).
fn detached_from(from: &str, case: &str, spec: &SignedDataSpec, style: SignedStyle) -> Vec<u8> {
    let micalg = match spec.digest {
        HashAlg::Md5 => "md5",
        HashAlg::Sha1 => "sha-1",
        HashAlg::Sha256 => "sha-256",
        HashAlg::Sha384 => "sha-384",
        HashAlg::Sha512 => "sha-512",
    };
    detached(
        &head(from, case),
        &spec.content,
        &spec.build(),
        style,
        micalg,
    )
}

/// A standard detached message from `from`, signed by `cert`, after `tweak`.
fn signed(
    from: &str,
    case: &str,
    cert: &TestCert,
    tweak: impl FnOnce(&mut SignedDataSpec),
) -> Vec<u8> {
    let mut spec = SignedDataSpec::new(cert, &content(from));
    tweak(&mut spec);
    detached_from(from, case, &spec, SignedStyle::Standard)
}

fn case(
    name: &'static str,
    reason: Option<&'static str>,
    note: &'static str,
    message: Vec<u8>,
) -> Case {
    Case {
        name,
        reason,
        note,
        message,
    }
}

/// Every case, in a fixed order.
pub fn cases() -> Vec<Case> {
    let alice = leaf_for("alice@example.com");
    let a = "alice@example.com";
    let mut out = vec![
        case(
            "detached_rsa",
            None,
            "multipart/signed, protocol=\"application/pkcs7-signature\", RSA PKCS#1 v1.5 SHA-256",
            signed(a, "detached_rsa", &alice, |_| {}),
        ),
        case(
            "detached_x_pkcs7_signature",
            None,
            "multipart/signed, unquoted Protocol=application/x-pkcs7-signature, MICALG=SHA-256",
            {
                let spec = SignedDataSpec::new(&alice, &content(a));
                detached_from(a, "detached_x_pkcs7_signature", &spec, SignedStyle::LegacyX)
            },
        ),
        case(
            "opaque_signed_data",
            None,
            "application/pkcs7-mime; smime-type=signed-data",
            {
                let mut spec = SignedDataSpec::new(&alice, &content(a));
                spec.encapsulate = true;
                opaque(
                    &head(a, "opaque_signed_data"),
                    &spec.build(),
                    OpaqueStyle::SignedData,
                )
            },
        ),
        case(
            "opaque_p7m_name_only",
            None,
            "application/x-pkcs7-mime; name=smime.p7m without smime-type (older Outlook)",
            {
                let mut spec = SignedDataSpec::new(&alice, &content(a));
                spec.encapsulate = true;
                opaque(
                    &head(a, "opaque_p7m_name_only"),
                    &spec.build(),
                    OpaqueStyle::P7mNameOnly,
                )
            },
        ),
        case(
            "ber_indefinite_detached",
            None,
            "detached SignedData in BER: indefinite lengths, chunked OCTET STRINGs (Thunderbird)",
            {
                let spec = SignedDataSpec::new(&alice, &content(a));
                let ber = spec.build_ber(64);
                detached(
                    &head(a, "ber_indefinite_detached"),
                    &spec.content,
                    &ber,
                    SignedStyle::Standard,
                    "sha-256",
                )
            },
        ),
        case(
            "ber_indefinite_opaque",
            None,
            "opaque SignedData in BER: eContent as a constructed OCTET STRING of 64-byte chunks",
            {
                let mut spec = SignedDataSpec::new(&alice, &content(a));
                spec.encapsulate = true;
                let ber = spec.build_ber(64);
                opaque(
                    &head(a, "ber_indefinite_opaque"),
                    &ber,
                    OpaqueStyle::SignedData,
                )
            },
        ),
        case(
            "ski_signer_id",
            None,
            "SignerInfo names its signer by subjectKeyIdentifier (version 3)",
            signed(a, "ski_signer_id", &alice, |s| {
                s.sid = SignerId::SubjectKeyId
            }),
        ),
        case(
            "no_signed_attributes",
            None,
            "no signed attributes: the signature covers the content itself",
            signed(a, "no_signed_attributes", &alice, |s| {
                s.signed_attrs = false
            }),
        ),
        case(
            "rsa_pss",
            None,
            "RSASSA-PSS with SHA-256",
            signed(a, "rsa_pss", &alice, |s| {
                *s = s.clone().with_sig(SigAlg::RsaPss(HashAlg::Sha256))
            }),
        ),
    ];
    for (name, email, key, note) in [
        (
            "ecdsa_p256",
            "carol@example.com",
            KeyAlg::P256,
            "ECDSA P-256 with SHA-256",
        ),
        (
            "ecdsa_p384",
            "dave@example.com",
            KeyAlg::P384,
            "ECDSA P-384 with SHA-384",
        ),
        (
            "ecdsa_p521",
            "erin@example.com",
            KeyAlg::P521,
            "ECDSA P-521 with SHA-512",
        ),
        (
            "ed25519",
            "frank@example.com",
            KeyAlg::Ed25519,
            "Ed25519 (RFC 8419), digest SHA-512",
        ),
    ] {
        let cert = leaf_with(name, email, key);
        out.push(case(name, None, note, signed(email, name, &cert, |_| {})));
    }
    out.push(case(
        "lf_line_endings",
        None,
        "detached signature, file saved with LF line ends",
        to_lf(&signed(a, "lf_line_endings", &alice, |_| {})),
    ));
    out.push(case("multipart_with_attachments", None, "signed multipart/mixed content with a PNG and a PDF attachment", {
        let png: Vec<u8> = (0u8..=255).cycle().take(700).collect();
        let pdf = b"%PDF-1.4\n% fixture\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
        let body = mixed("----=_mixed_0001", &content(a), &[
            Attachment { content_type: "image/png", filename: "logo.png", data: &png },
            Attachment { content_type: "application/pdf", filename: "terms.pdf", data: pdf },
        ]);
        let spec = SignedDataSpec::new(&alice, &body);
        detached_from(a, "multipart_with_attachments", &spec, SignedStyle::Standard)
    }));
    out.push(case(
        "certificates_any_order",
        None,
        "certificates carried as unrelated, root, intermediate, signer",
        {
            let stranger = leaf_with("stranger", "stranger@example.net", KeyAlg::P256);
            let h = hierarchy();
            signed(a, "certificates_any_order", &alice, |s| {
                s.certificates = vec![
                    stranger.der.clone(),
                    h.root.der.clone(),
                    h.intermediate.der.clone(),
                    alice.der.clone(),
                ];
            })
        },
    ));
    out.push(case("encryption_key_preference", None, "separate signing and encryption certificates; SMIMEEncryptionKeyPreference names the encryption one", {
        let g = "grace@example.com";
        let mut sign_spec = CertSpec::leaf("extract:grace-signing", g, KeyAlg::Rsa2048);
        sign_spec.key_usage = Some(vec![KeyUsageBit::DigitalSignature, KeyUsageBit::NonRepudiation]);
        let signing = sign_spec.issue(&hierarchy().intermediate);
        let mut enc_spec = CertSpec::leaf("extract:grace-encryption", g, KeyAlg::Rsa2048);
        enc_spec.key_usage = Some(vec![KeyUsageBit::KeyEncipherment]);
        let encryption = enc_spec.issue(&hierarchy().intermediate);
        signed(g, "encryption_key_preference", &signing, |s| {
            s.encryption_key_preference = Some(KeyPreference::issuer_serial(&encryption));
            s.certificates = vec![signing.der.clone(), encryption.der.clone(), hierarchy().intermediate.der.clone()];
        })
    }));
    out.extend(rejected(&alice));
    out
}

fn rejected(alice: &TestCert) -> Vec<Case> {
    let a = "alice@example.com";
    let w = Some("weak_algorithm");
    let invalid = Some("signature_invalid");
    let not_signed = Some("not_signed");
    let malformed = Some("malformed_signature");
    vec![
        case(
            "sha1_signature",
            w,
            "RSA PKCS#1 v1.5 with SHA-1 (older Outlook); accepted only with allow_sha1",
            signed(a, "sha1_signature", alice, |s| {
                *s = s.clone().with_sig(SigAlg::RsaPkcs1(HashAlg::Sha1))
            }),
        ),
        case(
            "md5_signature",
            w,
            "RSA PKCS#1 v1.5 with MD5: never accepted",
            signed(a, "md5_signature", alice, |s| {
                *s = s.clone().with_sig(SigAlg::RsaPkcs1(HashAlg::Md5))
            }),
        ),
        case(
            "content_altered",
            invalid,
            "one word of the signed text changed after signing",
            {
                let msg = signed(a, "content_altered", alice, |_| {});
                replace_once(&msg, b"collect my certificate", b"collect my certificats")
            },
        ),
        case(
            "other_key",
            invalid,
            "the SignerInfo names Alice's certificate but another key signed",
            signed(a, "other_key", alice, |s| {
                s.sign_with = Some(TestKey::generate(KeyAlg::Rsa2048, "extract:mallory"))
            }),
        ),
        case(
            "missing_certificate",
            Some("no_signer_certificate"),
            "the signer's certificate is not carried (only the intermediate)",
            signed(a, "missing_certificate", alice, |s| {
                s.certificates = vec![hierarchy().intermediate.der.clone()]
            }),
        ),
        case(
            "plain_text",
            not_signed,
            "an ordinary unsigned text message",
            [
                head(a, "plain_text").into_bytes(),
                text_part("Hello, no signature here.\n"),
            ]
            .concat(),
        ),
        case(
            "forwarded_signed",
            not_signed,
            "Bob forwards Alice's signed message as message/rfc822",
            {
                let inner = signed(a, "forwarded_inner", alice, |_| {});
                forwarded(
                    &head("bob@example.com", "forwarded_signed"),
                    "Forwarding Alice's message.\n",
                    &inner,
                )
            },
        ),
        case(
            "smime_p7s_text_attachment",
            not_signed,
            "a text attachment named smime.p7s in multipart/mixed",
            {
                let body = mixed(
                    "----=_mixed_0002",
                    &content(a),
                    &[Attachment {
                        content_type: "text/plain",
                        filename: "smime.p7s",
                        data: b"not a signature\r\n",
                    }],
                );
                [head(a, "smime_p7s_text_attachment").into_bytes(), body].concat()
            },
        ),
        case(
            "pgp_signed",
            not_signed,
            "multipart/signed with protocol application/pgp-signature",
            {
                let b = "----=_pgp_0001";
                format!("{}Content-Type: multipart/signed; micalg=pgp-sha256;\r\n protocol=\"application/pgp-signature\"; boundary=\"{b}\"\r\n\r\n--{b}\r\n{}\r\n--{b}\r\nContent-Type: application/pgp-signature; name=\"signature.asc\"\r\n\r\n-----BEGIN PGP SIGNATURE-----\r\n\r\niQEzBAEBCAAdFiEE\r\n-----END PGP SIGNATURE-----\r\n\r\n--{b}--\r\n",
                head(a, "pgp_signed"), String::from_utf8_lossy(&content(a))).into_bytes()
            },
        ),
        case(
            "enveloped_data",
            not_signed,
            "application/pkcs7-mime; smime-type=enveloped-data (encrypted, not signed)",
            opaque(
                &head(a, "enveloped_data"),
                &enveloped_data_stub(),
                OpaqueStyle::EnvelopedData,
            ),
        ),
        case(
            "enveloped_p7m_name_only",
            not_signed,
            "smime.p7m without smime-type whose ContentInfo is EnvelopedData",
            opaque(
                &head(a, "enveloped_p7m_name_only"),
                &enveloped_data_stub(),
                OpaqueStyle::P7mNameOnly,
            ),
        ),
        case(
            "garbage_signature",
            malformed,
            "the smime.p7s part holds bytes that are not DER/BER",
            {
                let junk: Vec<u8> = HashAlg::Sha512.digest(b"garbage").repeat(8);
                detached(
                    &head(a, "garbage_signature"),
                    &content(a),
                    &junk,
                    SignedStyle::Standard,
                    "sha-256",
                )
            },
        ),
        case(
            "truncated_signature",
            malformed,
            "the SignedData is cut in half",
            {
                let der = SignedDataSpec::new(alice, &content(a)).build();
                detached(
                    &head(a, "truncated_signature"),
                    &content(a),
                    &der[..der.len() / 2],
                    SignedStyle::Standard,
                    "sha-256",
                )
            },
        ),
        case(
            "not_a_message",
            Some("malformed_message"),
            "binary bytes, not an RFC 5322 message",
            b"\x00\x01\x02 this is \xff\xfe not a message".to_vec(),
        ),
    ]
}

fn replace_once(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let i = haystack
        .windows(from.len())
        .position(|w| w == from)
        .expect("text to alter is present");
    [&haystack[..i], to, &haystack[i + from.len()..]].concat()
}

/// Writes every case under `out/messages/` and adds its manifest row.
pub fn write_fixtures(out: &Path, manifest: &mut Manifest) -> io::Result<()> {
    for c in cases() {
        let path = out.join(c.path());
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, &c.message)?;
        manifest.push(&c.path(), c.reason, c.note);
    }
    Ok(())
}
