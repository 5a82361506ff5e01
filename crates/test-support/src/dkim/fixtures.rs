//! The DKIM fixture cases of `testdata/dkim/` and their writer.

use std::io;
use std::path::Path;

use super::{
    DkimAlg, MISSING_SELECTOR, REVOKED_SELECTOR, SignOptions, sign, sign_with, to_lf, zone_records,
    zone_text,
};
use crate::manifest::Manifest;

/// A plain test message (CRLF) from `from`, identified by `case`.
pub fn message(from: &str, case: &str) -> Vec<u8> {
    format!(
        "From: Alice <{from}>\r\n\
         To: secureme@inbound.example.com\r\n\
         Subject: DKIM fixture {case}\r\n\
         Date: Mon, 01 Jun 2026 00:00:00 +0000\r\n\
         Message-ID: <{case}@fixtures.example.com>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=us-ascii\r\n\
         \r\n\
         Hello,  this is the {case} fixture.   \r\n\
         It has trailing spaces and blank lines at the end.\r\n\
         \r\n\
         \r\n"
    )
    .into_bytes()
}

/// One DKIM fixture.
#[derive(Clone, Debug)]
pub struct Case {
    /// File name stem; the test is `<name>_is_<expected>`.
    pub name: &'static str,
    /// `pass`, or the dkim-gate reason code.
    pub expected: &'static str,
    /// The From address.
    pub from: &'static str,
    /// One readable line.
    pub note: &'static str,
    /// The message bytes as written.
    pub bytes: Vec<u8>,
}

impl Case {
    /// Path relative to `testdata/`: `dkim/<expected>/<name>.eml`.
    pub fn path(&self) -> String {
        format!("dkim/{}/{}.eml", self.expected, self.name)
    }
}

/// Every DKIM fixture of `testdata/dkim/`.
pub fn cases() -> Vec<Case> {
    const ALICE: &str = "alice@example.com";
    let msg = |case: &str| message(ALICE, case);
    let opts = |d: &str, s: &str| SignOptions::new(d, s);
    let with = |case: &str, o: SignOptions| sign_with(&msg(case), &o);
    let mut out = Vec::new();
    let mut push = |name, expected, from, note, bytes| {
        out.push(Case {
            name,
            expected,
            from,
            note,
            bytes,
        });
    };

    push(
        "rsa_relaxed",
        "pass",
        ALICE,
        "rsa-sha256 relaxed/relaxed, d=example.com",
        sign(&msg("rsa_relaxed"), "example.com", "s1"),
    );
    push(
        "rsa_simple",
        "pass",
        ALICE,
        "rsa-sha256 simple/simple, d=example.com",
        with(
            "rsa_simple",
            SignOptions {
                relaxed_headers: false,
                relaxed_body: false,
                ..opts("example.com", "s1")
            },
        ),
    );
    push(
        "ed25519",
        "pass",
        ALICE,
        "ed25519-sha256 (RFC 8463), d=example.com s=ed1",
        with(
            "ed25519",
            SignOptions {
                alg: DkimAlg::Ed25519Sha256,
                ..opts("example.com", "ed1")
            },
        ),
    );
    push(
        "aligned_subdomain",
        "pass",
        ALICE,
        "d=mail.example.com aligns (relaxed) with From @example.com; strict: misaligned",
        sign(&msg("aligned_subdomain"), "mail.example.com", "s1"),
    );
    push(
        "lf_line_ends",
        "pass",
        ALICE,
        "signed (simple/simple) as CRLF, stored with LF line ends",
        to_lf(&with(
            "lf_line_ends",
            SignOptions {
                relaxed_headers: false,
                relaxed_body: false,
                ..opts("example.com", "s1")
            },
        )),
    );
    {
        // Three signatures, newest first: revoked key, missing key, the good one.
        let base = msg("several_one_passes");
        let good = sign(&base, "example.com", "s1");
        let two = sign_with(&good, &opts("example.com", MISSING_SELECTOR));
        let three = sign_with(&two, &opts("example.com", REVOKED_SELECTOR));
        push(
            "several_one_passes",
            "pass",
            ALICE,
            "three signatures (revoked key, missing key, good): the good one passes",
            three,
        );
    }
    push(
        "unsigned",
        "dkim_missing",
        ALICE,
        "no DKIM-Signature header",
        msg("unsigned"),
    );
    push(
        "misaligned_domain",
        "dkim_misaligned",
        ALICE,
        "d=example.org verifies but is not aligned with From @example.com",
        sign(&msg("misaligned_domain"), "example.org", "s1"),
    );
    push(
        "public_suffix_d",
        "dkim_misaligned",
        "bob@example.co.uk",
        "d=co.uk (a public suffix) verifies but aligns with nothing",
        sign(
            &message("bob@example.co.uk", "public_suffix_d"),
            "co.uk",
            "s1",
        ),
    );
    push(
        "from_not_signed",
        "dkim_fail",
        ALICE,
        "h= does not include From (mail-auth calls it pass)",
        with(
            "from_not_signed",
            SignOptions {
                headers: ["To", "Subject", "Date", "Message-ID"]
                    .map(String::from)
                    .to_vec(),
                ..opts("example.com", "s1")
            },
        ),
    );
    push(
        "expired_x",
        "dkim_fail",
        ALICE,
        "x= long past (t= 2026-05-01, x= 2026-05-02)",
        with(
            "expired_x",
            SignOptions {
                t: crate::FIXED_NOW_UNIX - 31 * 86400,
                x: Some(crate::FIXED_NOW_UNIX - 30 * 86400),
                ..opts("example.com", "s1")
            },
        ),
    );
    push(
        "revoked_key",
        "dkim_fail",
        ALICE,
        "key record with empty p= (revoked)",
        sign(&msg("revoked_key"), "example.com", REVOKED_SELECTOR),
    );
    push(
        "nxdomain",
        "dkim_fail",
        ALICE,
        "no key record (NXDOMAIN)",
        sign(&msg("nxdomain"), "example.com", MISSING_SELECTOR),
    );
    {
        let signed = sign(&msg("body_changed"), "example.com", "s1");
        let text = String::from_utf8(signed).expect("ASCII");
        let changed = text.replace("It has trailing", "It has CHANGED trailing");
        push(
            "body_changed",
            "dkim_fail",
            ALICE,
            "body changed after signing",
            changed.into_bytes(),
        );
    }
    {
        let mut signed = with(
            "body_length_partial",
            SignOptions {
                body_length: true,
                ..opts("example.com", "s1")
            },
        );
        signed.extend_from_slice(b"Appended after signing: not covered by l=.\r\n");
        push(
            "body_length_partial",
            "dkim_fail",
            ALICE,
            "l= leaves an appended part of the body unsigned",
            signed,
        );
    }
    push(
        "servfail",
        "dkim_temp_error",
        ALICE,
        "key lookup answered SERVFAIL",
        sign(&msg("servfail"), "example.com", crate::dns::SERVFAIL_LABEL),
    );
    push(
        "timeout",
        "dkim_temp_error",
        ALICE,
        "key lookup never answered",
        sign(&msg("timeout"), "example.com", crate::dns::TIMEOUT_LABEL),
    );
    out
}

/// Writes `testdata/dkim/zone.txt` and every [`cases`] message under `out/dkim/`, and adds
/// a MANIFEST row for each case whose DKIM outcome is a (permanent) rejection: those
/// messages are rejected by the pipeline's DKIM gate (given a DNS server serving
/// [`zone_records`]). Passing and transient cases are dkim-only and get no row.
pub fn write_fixtures(out: &Path, manifest: &mut Manifest) -> io::Result<()> {
    let dir = out.join("dkim");
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("zone.txt"), zone_text(&zone_records()))?;
    for case in cases() {
        let path = out.join(case.path());
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, &case.bytes)?;
        if case.expected.starts_with("dkim_") && case.expected != "dkim_temp_error" {
            manifest.push(&case.path(), Some(case.expected), case.note);
        }
    }
    Ok(())
}
