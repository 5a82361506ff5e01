//! The real-client messages of the corpus (`SMIME_COLLECTOR_CORPUS`) through the binary, S/MIME only
//! (`--no-dkim`, as the corpus MANIFESTs' `expected_smime_only` column), each folder with
//! its own roots.pem.

use crate::util::Env;

/// (folder, file, --at, expected verdict or reason)
const CASES: &[(&str, &str, &str, &str)] = &[
    (
        "protected-headers-rfc9216",
        "smime-multipart-signed.eml",
        "2026-06-01T00:00:00Z",
        "accepted",
    ),
    (
        "protected-headers-rfc9216",
        "smime-onepart-signed.eml",
        "2026-06-01T00:00:00Z",
        "accepted",
    ),
    (
        "protected-headers-rfc9216",
        "smime-sign+enc.eml",
        "2026-06-01T00:00:00Z",
        "not_signed",
    ),
    (
        "simple-java-mail",
        "thunderbird52-signed-sha512.eml",
        "2020-01-01T00:00:00Z",
        "accepted",
    ),
    (
        "simple-java-mail",
        "thunderbird52-signed-sha512.eml",
        "2030-01-01T00:00:00Z",
        "cert_expired",
    ),
    (
        "comm-central-nss",
        "alice.dsig.SHA256.multipart.eml",
        "2026-06-01T00:00:00Z",
        "accepted",
    ),
    (
        "comm-central-nss",
        "alice.sig.SHA512.opaque.eml",
        "2026-06-01T00:00:00Z",
        "accepted",
    ),
    (
        "comm-central-nss",
        "alice.dsig.SHA256.multipart.bad.eml",
        "2026-06-01T00:00:00Z",
        "signature_invalid",
    ),
    (
        "comm-central-nss",
        "alice.dsig.SHA1.multipart.eml",
        "2026-06-01T00:00:00Z",
        "weak_algorithm",
    ),
    (
        "comm-central-nss",
        "alice.env.eml",
        "2026-06-01T00:00:00Z",
        "not_signed",
    ),
    (
        "comm-central-nss",
        "alice.dsig.SHA256.multipart.in.mixed.eml",
        "2026-06-01T00:00:00Z",
        "not_signed",
    ),
    (
        "rfc4134",
        "4.8.eml",
        "2026-06-01T00:00:00Z",
        "malformed_signature",
    ),
    (
        "pkits",
        "SignedValidSignaturesTest1.eml",
        "2026-06-01T00:00:00Z",
        "email_mismatch",
    ),
    (
        "sparkySecure",
        "example_email1.eml",
        "2026-06-01T00:00:00Z",
        "not_signed",
    ),
    (
        "openssl",
        "pkcs7-empty-digest-set.eml",
        "2026-06-01T00:00:00Z",
        "ambiguous_from",
    ),
];

#[test]
fn real_client_messages_get_the_expected_verdict() {
    let Some(corpus) = test_support::corpus_dir() else {
        return;
    };
    let mut failures = Vec::new();
    for (folder, file, at, want) in CASES {
        let dir = corpus.join(folder);
        let env = Env::new("");
        let msg = dir.join(file);
        // A folder without roots.pem (openssl/) has nothing to trust: use the test root.
        let roots = Some(dir.join("roots.pem"))
            .filter(|p| p.is_file())
            .unwrap_or_else(|| crate::util::testdata("pki/root.pem"));
        let run = env.run(
            &[
                "--no-dkim",
                "--trust",
                roots.to_str().unwrap(),
                "--at",
                at,
                msg.to_str().unwrap(),
            ],
            None,
        );
        let r = run.only();
        let got = r["reason"]
            .as_str()
            .unwrap_or(r["verdict"].as_str().unwrap());
        if got != *want {
            failures.push(format!(
                "{folder}/{file} at {at}: got {got}, want {want}: {}",
                r["detail"]
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
