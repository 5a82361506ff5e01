//! Interoperability over the corpus (`SMIME_COLLECTOR_CORPUS`) (real clients' mail): every message whose
//! MANIFEST says OpenSSL verifies its top-level signature verifies here; every other
//! signed message fails with a stated reason. Known, documented differences:
//! - a signature OpenSSL finds only in a nested entity (`top/1: ok`) is `not_signed`
//!   here: SPEC step 3 looks at the top level only;
//! - DSA signatures (RFC 4134) are outside the SPEC's algorithms: `malformed_signature`.

use smime_extract::{Options, extract};

/// One signed message row of a corpus MANIFEST.tsv.
struct Row {
    path: std::path::PathBuf,
    openssl_sig: String,
}

fn rows(corpus: &std::path::Path) -> Vec<Row> {
    let mut out = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let Ok(manifest) = std::fs::read_to_string(dir.join("MANIFEST.tsv")) else {
            continue;
        };
        for line in manifest.lines().skip(1) {
            let cols: Vec<&str> = line.split('\t').collect();
            let (Some(file), Some(sig)) = (cols.first(), cols.get(9)) else {
                continue;
            };
            if file.ends_with(".eml") && !sig.is_empty() && *sig != "n/a" {
                out.push(Row {
                    path: dir.join(file),
                    openssl_sig: sig.to_string(),
                });
            }
        }
    }
    out
}

/// id-dsa-with-sha1 and the NIST DSA arc (RFC 4134's Alice signs with DSA).
fn is_dsa(error: &smime_extract::Error) -> bool {
    let text = error.to_string();
    text.contains("1.2.840.10040.4.") || text.contains("2.16.840.1.101.3.4.3.")
}

/// The DER of `signer-certs/<file>.signer.pem` (written by OpenSSL), if present.
fn signer_cert(message: &std::path::Path) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let name = format!("{}.signer.pem", message.file_name()?.to_str()?);
    let pem = std::fs::read_to_string(message.parent()?.join("signer-certs").join(name)).ok()?;
    let body: String = pem
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    base64::engine::general_purpose::STANDARD.decode(body).ok()
}

#[test]
fn corpus_signatures_agree_with_openssl() {
    let Some(corpus) = test_support::corpus_dir() else {
        return;
    };
    let opts = Options {
        allow_sha1: true,
        ..Options::default()
    };
    let rows = rows(&corpus);
    assert!(
        !rows.is_empty(),
        "the corpus has no signed messages in its MANIFEST files"
    );
    let mut failures = Vec::new();
    let mut same_signer_cert = 0;
    for row in &rows {
        let raw = std::fs::read(&row.path).unwrap();
        let top_ok = row.openssl_sig == "ok" || row.openssl_sig.starts_with("ok |");
        let result = extract(&raw, &opts);
        let name = row
            .path
            .strip_prefix(&corpus)
            .unwrap()
            .display()
            .to_string();
        match (&result, top_ok) {
            (Ok(sig), true) => {
                eprintln!(
                    "{name}: verified ({}, {})",
                    sig.digest.as_str(),
                    sig.algorithm.as_str()
                );
                match signer_cert(&row.path) {
                    Some(expected) if expected == sig.signer_certificate => same_signer_cert += 1,
                    Some(_) => failures.push(format!(
                        "{name}: the signer certificate differs from signer-certs/"
                    )),
                    None => {}
                }
            }
            (Err(e), true) if e.reason_code() == "malformed_signature" && is_dsa(e) => {
                eprintln!("{name}: DSA, unsupported as documented: {e}")
            }
            (Err(e), true) => failures.push(format!(
                "{name}: OpenSSL verifies it, we say {}: {e}",
                e.reason_code()
            )),
            (Err(e), false) => eprintln!(
                "{name}: rejected, {}: {e} (OpenSSL: {})",
                e.reason_code(),
                row.openssl_sig
            ),
            (Ok(_), false) => failures.push(format!(
                "{name}: verified, but OpenSSL says {}",
                row.openssl_sig
            )),
        }
    }
    eprintln!("{same_signer_cert} signer certificates byte-identical to signer-certs/ (OpenSSL's)");
    assert!(
        failures.is_empty(),
        "disagreements with OpenSSL:\n{}",
        failures.join("\n")
    );
}
