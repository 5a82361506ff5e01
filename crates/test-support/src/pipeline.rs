//! The collector's fixtures: whole messages for every gate of the pipeline, written to
//! `pipeline/<reason>/<case>.eml` (`accepted/` for the valid ones, `transient/` for the
//! deferred ones) with their MANIFEST rows.
//!
//! Every message is DKIM-signed for `example.com` (selector `s1`, served by
//! [`crate::dns::TestDns`] from [`crate::dkim::zone_records`]) unless its case is about
//! DKIM, so the rows hold the verdict of the *whole* pipeline when it runs with:
//! trust anchor `pki/root.pem`, CRL `pki/intermediate.crl.pem`, DNS = the test server,
//! evaluation time [`crate::FIXED_NOW_RFC3339`], default policy.
//!
//! The S/MIME cases of [`crate::mime::cases`] are reused (DKIM-signed); the cases here add
//! the gates around them: From, DKIM and the certificate policy.

use std::io;
use std::path::Path;

use crate::cms::SignedDataSpec;
use crate::dkim;
use crate::keys::{HashAlg, KeyAlg, SigAlg};
use crate::manifest::{Entry, Manifest};
use crate::mime::{self, SignedStyle};
use crate::pki::{CertSpec, KeyUsageBit, TestCert, hierarchy, leaf_for, oids};

/// One pipeline fixture.
pub struct Case {
    /// `pipeline/<dir>/<name>.eml`.
    pub path: String,
    /// `accepted`, `rejected` or `deferred`.
    pub verdict: &'static str,
    /// The SPEC reason code (or the transient code when deferred).
    pub reason: Option<String>,
    /// One readable line.
    pub note: String,
    /// The message bytes.
    pub message: Vec<u8>,
}

const SENDER: &str = "alice@example.com";
const JAN_2020: i64 = 1_577_836_800;
const JAN_2021: i64 = 1_609_459_200;
const JAN_2027: i64 = 1_798_761_600;
const JAN_2029: i64 = 1_861_920_000;

/// S/MIME cases whose pipeline verdict differs from smime-extract's alone.
const LATER_GATE: &[(&str, &str)] = &[("ed25519", "unusable_key")];

/// A detached signed message from `from`, signed by `cert`, carrying `extra` certificates
/// after the signer (the intermediate by default).
fn signed_by(from: &str, case: &str, cert: &TestCert, extra: Option<Vec<Vec<u8>>>) -> Vec<u8> {
    let content = mime::text_part(&format!(
        "Hello,\n\nthis is {from}; please collect my certificate ({case}).\n"
    ));
    let mut spec = SignedDataSpec::new(cert, &content);
    if let Some(extra) = extra {
        spec.certificates = std::iter::once(cert.der.clone()).chain(extra).collect();
    }
    let micalg = match spec.digest {
        HashAlg::Sha384 => "sha-384",
        HashAlg::Sha512 => "sha-512",
        _ => "sha-256",
    };
    let head = mime::headers(
        from,
        &format!("pipeline fixture {case}"),
        &format!("{case}@example.com"),
    );
    mime::detached(
        &head,
        &content,
        &spec.build(),
        SignedStyle::Standard,
        micalg,
    )
}

/// A whole pipeline message: From `from` (written into the header as is, so it may be
/// quoted, in U-labels, or hold any Unicode), detached-signed by `cert` (the shared
/// intermediate attached), DKIM-signed for `dkim_domain` with selector `s1` (the test DNS
/// serves `example.com`'s key; publish others with [`dkim_record`]).
pub fn signed_message(from: &str, case: &str, cert: &TestCert, dkim_domain: &str) -> Vec<u8> {
    dkim::sign(&signed_by(from, case, cert, None), dkim_domain, "s1")
}

/// The zone record publishing the RSA key `s1` of `domain` (A-labels), to add to
/// [`dkim::zone_records`] for [`signed_message`] from another domain.
pub fn dkim_record(domain: &str) -> (String, String) {
    let key = dkim::key(domain, "s1", dkim::DkimAlg::RsaSha256);
    (format!("s1._domainkey.{domain}"), dkim::txt_value(&key))
}

/// A P-256 leaf for `mailbox` whose only name is one SmtpUTF8Mailbox SAN (RFC 8398), as a
/// certificate for a non-ASCII address carries it.
pub fn smtputf8_leaf(label: &str, mailbox: &str) -> TestCert {
    let mut spec = CertSpec::leaf(&format!("pipeline:{label}"), "x@example.com", KeyAlg::P256);
    spec.subject_cn = format!("SmtpUTF8 {label}");
    spec.san_emails.clear();
    spec.san_smtputf8 = vec![mailbox.to_string()];
    spec.issue(&hierarchy().intermediate)
}

/// The Kelvin sign (U+212A) spelling of `kate@example.com`: NFC turns it into `K`.
pub const KELVIN_KATE: &str = "\u{212A}ate@example.com";

/// DKIM-signs for example.com, keeping the file's line-end style.
fn dkim_example(message: &[u8]) -> Vec<u8> {
    let signed = dkim::sign(message, "example.com", "s1");
    if message.windows(2).any(|w| w == b"\r\n") {
        signed
    } else {
        dkim::to_lf(&signed)
    }
}

fn leaf(label: &str, edit: impl FnOnce(&mut CertSpec)) -> TestCert {
    let mut spec = CertSpec::leaf(&format!("pipeline:{label}"), SENDER, KeyAlg::Rsa2048);
    edit(&mut spec);
    spec.issue(&hierarchy().intermediate)
}

fn case(dir: &str, name: &str, reason: Option<&str>, note: &str, message: Vec<u8>) -> Case {
    Case {
        path: format!("pipeline/{dir}/{name}.eml"),
        verdict: match (dir, reason) {
            ("transient", _) => "deferred",
            (_, Some(_)) => "rejected",
            (_, None) => "accepted",
        },
        reason: reason.map(str::to_string),
        note: note.to_string(),
        message,
    }
}

fn rejected(reason: &str, name: &str, note: &str, message: Vec<u8>) -> Case {
    case(reason, name, Some(reason), note, message)
}

fn accepted(name: &str, note: &str, message: Vec<u8>) -> Case {
    case("accepted", name, None, note, message)
}

/// Every pipeline case.
pub fn cases() -> Vec<Case> {
    let mut out = smime_cases();
    out.extend(from_and_dkim_cases());
    out.extend(policy_cases());
    out
}

/// The smime-extract cases, DKIM-signed, with the pipeline's verdict.
fn smime_cases() -> Vec<Case> {
    mime::cases::cases()
        .into_iter()
        .map(|c| {
            let extract = c.reason.unwrap_or("accepted");
            let pipeline = LATER_GATE
                .iter()
                .find(|(name, _)| *name == c.name)
                .map_or(extract, |(_, r)| *r);
            // A message without a header block gets no DKIM header: it must stay malformed.
            let message = if extract == "malformed_message" {
                c.message
            } else {
                dkim_example(&c.message)
            };
            let reason = (pipeline != "accepted").then_some(pipeline);
            case(pipeline, c.name, reason, c.note, message)
        })
        .collect()
}

fn from_and_dkim_cases() -> Vec<Case> {
    let alice = leaf_for(SENDER);
    let plain = signed_by(SENDER, "from_dkim", &alice, None);
    let two_from = [b"From: mallory@example.com\r\n".as_slice(), &plain].concat();
    let two_mailboxes = String::from_utf8_lossy(&plain)
        .replacen(
            "From: alice@example.com",
            "From: alice@example.com, mallory@example.com",
            1,
        )
        .into_bytes();
    let mut tampered = dkim_example(&plain);
    let subject = b"Subject: pipeline fixture";
    if let Some(at) = tampered.windows(subject.len()).position(|w| w == subject) {
        tampered[at + 9] = b'P';
    }
    let servfail = dkim::SignOptions::new("example.com", "servfail");
    vec![
        rejected(
            "ambiguous_from",
            "two_from_headers",
            "a second From header above the signed one",
            dkim_example(&two_from),
        ),
        rejected(
            "ambiguous_from",
            "two_mailboxes",
            "From names alice and mallory",
            dkim_example(&two_mailboxes),
        ),
        rejected(
            "dkim_missing",
            "smime_without_dkim",
            "a valid S/MIME message without DKIM-Signature",
            plain.clone(),
        ),
        rejected(
            "dkim_fail",
            "subject_changed_after_dkim",
            "the Subject was edited after DKIM signing",
            tampered,
        ),
        rejected(
            "dkim_misaligned",
            "signed_by_example_org",
            "d=example.org verifies; From is @example.com",
            dkim::sign(&plain, "example.org", "s1"),
        ),
        case(
            "transient",
            "dkim_temp_error",
            Some("dkim_temp_error"),
            "the key lookup answers SERVFAIL: retry later",
            dkim::sign_with(&plain, &servfail),
        ),
    ]
}

fn policy_cases() -> Vec<Case> {
    let h = hierarchy();
    let msg = |name: &str, cert: &TestCert| dkim_example(&signed_by(SENDER, name, cert, None));
    let rogue_ca = CertSpec::ca("pipeline:rogue-ca", "Rogue CA", KeyAlg::Rsa2048).self_signed();
    let rogue_leaf =
        CertSpec::leaf("pipeline:rogue-leaf", SENDER, KeyAlg::Rsa2048).issue(&rogue_ca);
    let constrained = |label: &str, domain: &str| {
        let mut ca = CertSpec::ca(label, &format!("Constrained CA {domain}"), KeyAlg::Rsa2048);
        ca.eku = Some(vec![oids::EMAIL_PROTECTION]);
        ca.permitted_rfc822 = vec![domain.to_string()];
        ca.issue(&h.root)
    };
    let in_domain_ca = constrained("pipeline:nc-example-com", "example.com");
    let other_domain_ca = constrained("pipeline:nc-example-net", "example.net");
    let under = |ca: &TestCert, label: &str| {
        CertSpec::leaf(&format!("pipeline:{label}"), SENDER, KeyAlg::Rsa2048).issue(ca)
    };
    let via = |name: &str, ca: &TestCert, leaf: &TestCert| {
        dkim_example(&signed_by(SENDER, name, leaf, Some(vec![ca.der.clone()])))
    };
    let upper = signed_by(
        "Alice@EXAMPLE.com",
        "upper_case_from",
        &leaf_for(SENDER),
        None,
    );
    vec![
        rejected(
            "email_mismatch",
            "other_address",
            "the certificate names carol@example.com",
            msg("other_address", &leaf_for("carol@example.com")),
        ),
        rejected(
            "cert_expired",
            "expired_leaf",
            "valid 2020-2021",
            msg(
                "expired_leaf",
                &leaf("expired", |s| {
                    s.not_before_unix = JAN_2020;
                    s.not_after_unix = JAN_2021;
                }),
            ),
        ),
        rejected(
            "cert_not_yet_valid",
            "future_leaf",
            "valid from 2027",
            msg(
                "future_leaf",
                &leaf("future", |s| {
                    s.not_before_unix = JAN_2027;
                    s.not_after_unix = JAN_2029;
                }),
            ),
        ),
        rejected(
            "untrusted_chain",
            "rogue_ca",
            "issued by a CA that is not a trust anchor (carried in the message)",
            dkim_example(&signed_by(
                SENDER,
                "rogue_ca",
                &rogue_leaf,
                Some(vec![rogue_ca.der.clone()]),
            )),
        ),
        rejected(
            "untrusted_chain",
            "name_constrained_other_domain",
            "intermediate constrained to example.net",
            via(
                "name_constrained_other_domain",
                &other_domain_ca,
                &under(&other_domain_ca, "nc-other"),
            ),
        ),
        rejected(
            "wrong_purpose",
            "server_auth_eku",
            "EKU serverAuth only",
            msg(
                "server_auth_eku",
                &leaf("server-auth", |s| s.eku = Some(vec![oids::SERVER_AUTH])),
            ),
        ),
        rejected(
            "unusable_key",
            "rsa_sign_only",
            "keyUsage digitalSignature without keyEncipherment",
            msg(
                "rsa_sign_only",
                &leaf("sign-only", |s| {
                    s.key_usage = Some(vec![KeyUsageBit::DigitalSignature])
                }),
            ),
        ),
        rejected(
            "weak_key",
            "rsa_1024",
            "RSA-1024 signer",
            msg("rsa_1024", &leaf("rsa1024", |s| s.key = KeyAlg::Rsa1024)),
        ),
        rejected(
            "weak_algorithm",
            "sha1_on_path",
            "the leaf is signed with sha1WithRSAEncryption",
            msg(
                "sha1_on_path",
                &leaf("sha1-path", |s| {
                    s.sig = Some(SigAlg::RsaPkcs1(HashAlg::Sha1))
                }),
            ),
        ),
        rejected(
            "revoked",
            "revoked_leaf",
            "listed in pki/intermediate.crl.pem",
            dkim_example(&signed_by(
                "revoked@example.com",
                "revoked_leaf",
                &leaf_for("revoked@example.com"),
                None,
            )),
        ),
        rejected(
            "email_mismatch",
            "kelvin_sign_certificate",
            "From kate@example.com; the certificate's SmtpUTF8Mailbox is Kate with the Kelvin sign U+212A",
            dkim_example(&signed_by(
                "kate@example.com",
                "kelvin_sign_certificate",
                &smtputf8_leaf("kelvin-kate", KELVIN_KATE),
                None,
            )),
        ),
        rejected(
            "ambiguous_from",
            "kelvin_sign_from",
            "From Kate with the Kelvin sign U+212A: not in NFC, it could pass for kate",
            dkim_example(&signed_by(
                KELVIN_KATE,
                "kelvin_sign_from",
                &smtputf8_leaf("kelvin-kate", KELVIN_KATE),
                None,
            )),
        ),
        accepted(
            "subject_email_only",
            "email only in the subject emailAddress, no SAN",
            msg(
                "subject_email_only",
                &leaf("subject-only", |s| {
                    s.subject_email = Some(SENDER.into());
                    s.san_emails.clear();
                }),
            ),
        ),
        accepted(
            "several_emails",
            "SAN names two addresses, the sender second",
            msg(
                "several_emails",
                &leaf("several", |s| {
                    s.san_emails = vec!["a.liddell@example.com".into(), SENDER.into()]
                }),
            ),
        ),
        accepted(
            "no_key_usage",
            "no keyUsage extension",
            msg("no_key_usage", &leaf("no-ku", |s| s.key_usage = None)),
        ),
        accepted(
            "no_eku",
            "no extendedKeyUsage extension on the leaf",
            msg("no_eku", &leaf("no-eku", |s| s.eku = None)),
        ),
        accepted(
            "upper_case_from",
            "From Alice@EXAMPLE.com, certificate alice@example.com",
            dkim_example(&upper),
        ),
        accepted(
            "name_constrained_same_domain",
            "intermediate constrained to example.com",
            via(
                "name_constrained_same_domain",
                &in_domain_ca,
                &under(&in_domain_ca, "nc-same"),
            ),
        ),
    ]
}

/// Writes every case and its MANIFEST row.
pub fn write_fixtures(out: &Path, manifest: &mut Manifest) -> io::Result<()> {
    // Stale cases from an earlier generation must not linger.
    match std::fs::remove_dir_all(out.join("pipeline")) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    for c in cases() {
        let path = out.join(&c.path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, &c.message)?;
        manifest.entries.push(Entry {
            path: c.path,
            verdict: c.verdict.to_string(),
            reason: c.reason,
            note: c.note,
        });
    }
    Ok(())
}
