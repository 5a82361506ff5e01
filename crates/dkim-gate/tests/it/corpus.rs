//! Real-world DKIM messages from the corpus (`SMIME_COLLECTOR_CORPUS`) (mail-auth's vectors, MimeKit,
//! assertj-mail), with their keys served by the loopback DNS server. Expected outcomes
//! come from each folder's MANIFEST.tsv (`expected_strict`).

use std::path::Path;

use dkim_gate::Alignment;

use crate::support::Setup;

const FOLDERS: &[&str] = &["mail-auth-dkim", "mimekit", "assertj-mail-dkim"];

/// `pass`, `dkim_misaligned` or `dkim_fail`, from the `expected_strict` column.
fn expected(expected_strict: &str) -> &'static str {
    if expected_strict.contains("NOT aligned") {
        "dkim_misaligned"
    } else if expected_strict.starts_with("DKIM FAIL") {
        "dkim_fail"
    } else if expected_strict.starts_with("DKIM pass") {
        "pass"
    } else {
        panic!("unknown expectation {expected_strict:?}")
    }
}

/// Every `*dkim-keys.txt` of the folder.
fn keys(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with("dkim-keys.txt") {
            let text = std::fs::read_to_string(&path).unwrap();
            out.extend(test_support::dkim::parse_zone_text(&text));
        }
    }
    out
}

#[tokio::test]
async fn corpus_dkim_messages_verify_as_their_manifest_says() {
    let Some(corpus) = test_support::corpus_dir() else {
        return;
    };
    let mut checked = 0;
    let mut failures = Vec::new();
    for folder in FOLDERS {
        let dir = corpus.join(folder);
        let setup =
            Setup::serving(&keys(&dir), Alignment::Relaxed, dkim_gate::DEFAULT_TIMEOUT).await;
        let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap();
        for row in manifest.lines().skip(1) {
            let cols: Vec<&str> = row.split('\t').collect();
            if cols.get(1) != Some(&"dkim-only") {
                continue;
            }
            let (file, from, want) = (cols[0], cols[4], expected(cols[7]));
            let raw = std::fs::read(dir.join(file)).unwrap();
            let domain = from.rsplit_once('@').unwrap().1;
            let got = match setup.gate.verify(&raw, domain).await {
                Ok(_) => "pass".to_string(),
                Err(e) => format!("{}: {e}", e.reason_code()),
            };
            println!("{folder}/{file}: {got}");
            if !got.starts_with(want) {
                failures.push(format!("{folder}/{file}: want {want}, got {got}"));
            }
            checked += 1;
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(checked >= 10, "only {checked} corpus messages found");
}
