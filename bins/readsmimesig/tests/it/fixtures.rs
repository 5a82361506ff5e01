//! Every `pipeline/` row of testdata/MANIFEST through the binary, plus the exit statuses,
//! stdin, the store and the flags that change a verdict.

use serde_json::Value;
use test_support::manifest::Manifest;

use crate::util::{Env, stored_der, testdata};

fn pipeline_rows() -> Vec<test_support::manifest::Entry> {
    let manifest = Manifest::load(&test_support::testdata_dir()).unwrap();
    let rows: Vec<_> = manifest
        .entries
        .into_iter()
        .filter(|e| e.path.starts_with("pipeline/"))
        .collect();
    assert!(
        rows.len() > 40,
        "run gen-testdata: only {} pipeline rows",
        rows.len()
    );
    rows
}

fn expected_code(v: &Value) -> Option<String> {
    v["reason"]
        .as_str()
        .or(v["transient"].as_str())
        .map(str::to_string)
}

/// One run over the whole `pipeline/` directory: every report matches its MANIFEST row.
#[test]
fn every_pipeline_fixture_gets_its_manifest_verdict() {
    let env = Env::new("");
    let store = env.store();
    let run = env.run(
        &[
            "--store",
            store.to_str().unwrap(),
            testdata("pipeline").to_str().unwrap(),
        ],
        None,
    );
    // The transient case makes the whole run 75.
    run.assert_status(75);
    let rows = pipeline_rows();
    assert_eq!(run.reports.len(), rows.len(), "one report per fixture");
    let mut failures = Vec::new();
    for row in &rows {
        let suffix = row.path.trim_start_matches("pipeline/");
        let report = run
            .reports
            .iter()
            .find(|r| r["input"].as_str().unwrap().ends_with(suffix))
            .unwrap_or_else(|| panic!("no report for {}", row.path));
        let got = (
            report["verdict"].as_str().unwrap().to_string(),
            expected_code(report),
        );
        let want = (row.verdict.clone(), row.reason.clone());
        if got != want {
            failures.push(format!(
                "{}: got {got:?}, want {want:?}: {}",
                row.path, report["detail"]
            ));
        }
        if row.verdict == "accepted" {
            // Many fixtures share a sender, so later ones may find a certificate there.
            let outcome = report["stored"]["outcome"].as_str().unwrap_or("-");
            assert!(
                ["created", "replaced", "unchanged", "kept_newer"].contains(&outcome),
                "{}: {outcome}",
                row.path
            );
            assert!(report["certificate"]["sha256"].is_string(), "{}", row.path);
            assert_eq!(report["dkim"]["result"], "pass", "{}", row.path);
        } else {
            assert!(
                report["stored"].is_null(),
                "{}: {}",
                row.path,
                report["stored"]
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The store holds exactly the senders of accepted messages.
    let mut accepted: Vec<String> = run
        .reports
        .iter()
        .filter(|r| r["verdict"] == "accepted")
        .map(|r| format!("{}.crt", r["from"].as_str().unwrap().to_lowercase()))
        .collect();
    accepted.sort();
    accepted.dedup();
    let mut files: Vec<String> = std::fs::read_dir(&store)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| !n.starts_with('.'))
        .collect();
    files.sort();
    assert_eq!(files, accepted);
}

/// Reports come out in input order even though inputs run in parallel.
#[test]
fn reports_follow_input_order() {
    let env = Env::new("");
    let inputs = [
        "pipeline/not_signed/plain_text.eml",
        "pipeline/accepted/detached_rsa.eml",
        "pipeline/email_mismatch/other_address.eml",
        "pipeline/accepted/ecdsa_p384.eml",
    ];
    let paths: Vec<String> = inputs
        .iter()
        .map(|p| testdata(p).display().to_string())
        .collect();
    let args: Vec<&str> = paths.iter().map(String::as_str).collect();
    let run = env.run(&args, None);
    run.assert_status(1);
    let got: Vec<&str> = run
        .reports
        .iter()
        .map(|r| r["input"].as_str().unwrap())
        .collect();
    assert_eq!(got, args);
}

#[test]
fn accepted_from_stdin_is_stored_as_one_pem_block_and_exits_0() {
    let env = Env::new("");
    let store = env.store();
    let raw = std::fs::read(testdata("pipeline/accepted/detached_rsa.eml")).unwrap();
    let run = env.run(&["--store", store.to_str().unwrap(), "-"], Some(&raw));
    run.assert_status(0);
    let report = run.only();
    assert_eq!(report["input"], "-");
    assert_eq!(report["verdict"], "accepted");
    assert_eq!(report["from"], "alice@example.com");
    assert_eq!(report["message_id"], "<detached_rsa@example.com>");
    assert_eq!(report["dkim"]["domain"], "example.com");
    assert_eq!(report["signature"]["format"], "detached");
    assert_eq!(report["signature"]["digest"], "sha256");
    assert_eq!(report["signature"]["algorithm"], "rsa-pkcs1v15");
    assert_eq!(report["certificate"]["key"], "rsa-2048");
    assert_eq!(report["certificate"]["emails"][0], "alice@example.com");
    let stored = store.join("alice@example.com.crt");
    assert_eq!(
        stored_der(&stored),
        test_support::pki::leaf_for("alice@example.com").der
    );
    // The same message again changes nothing.
    let again = env.run(&["--store", store.to_str().unwrap(), "-"], Some(&raw));
    again.assert_status(0);
    assert_eq!(again.only()["stored"]["outcome"], "unchanged");
}

#[test]
fn without_a_store_nothing_is_stored() {
    let env = Env::new("");
    let run = env.run(
        &[testdata("pipeline/accepted/rsa_pss.eml").to_str().unwrap()],
        None,
    );
    run.assert_status(0);
    assert_eq!(run.only()["stored"]["outcome"], "not_stored");
    assert!(!env.store().exists());
}

#[test]
fn rejected_exits_1_with_reason_and_detail() {
    let env = Env::new("");
    let run = env.run(
        &[testdata("pipeline/email_mismatch/other_address.eml")
            .to_str()
            .unwrap()],
        None,
    );
    run.assert_status(1);
    let r = run.only();
    assert_eq!(r["verdict"], "rejected");
    assert_eq!(r["reason"], "email_mismatch");
    assert!(!r["detail"].as_str().unwrap().is_empty());
}

#[test]
fn dkim_temp_error_is_deferred_and_exits_75() {
    let env = Env::new("");
    let run = env.run(
        &[testdata("pipeline/transient/dkim_temp_error.eml")
            .to_str()
            .unwrap()],
        None,
    );
    run.assert_status(75);
    let r = run.only();
    assert_eq!(r["verdict"], "deferred");
    assert_eq!(r["transient"], "dkim_temp_error");
    assert!(r["reason"].is_null());
}

#[test]
fn unwritable_store_is_store_error_and_exits_75() {
    let env = Env::new("");
    // A file where the address's history directory should be: opening works, writing
    // cannot (permissions would not stop root, who runs CI).
    let store = env.store();
    std::fs::create_dir_all(store.join(".history")).unwrap();
    std::fs::write(store.join(".history/alice@example.com"), "not a directory").unwrap();
    let run = env.run(
        &[
            "--store",
            store.to_str().unwrap(),
            testdata("pipeline/accepted/detached_rsa.eml")
                .to_str()
                .unwrap(),
        ],
        None,
    );
    run.assert_status(75);
    assert_eq!(run.only()["transient"], "store_error");
}

#[test]
fn unreadable_input_exits_2() {
    let env = Env::new("");
    let run = env.run(&["/no/such/message.eml"], None);
    run.assert_status(2);
}

#[test]
fn missing_trust_bundle_is_a_clear_usage_error() {
    let env = Env::new("");
    let run = env.run(&["--trust", "/no/such/bundle.pem", "-"], Some(b""));
    run.assert_status(2);
    assert!(run.stderr.contains("/no/such/bundle.pem"), "{}", run.stderr);
}

#[test]
fn unknown_config_key_is_a_clear_usage_error() {
    let env = Env::new("[policy]\nallow_md5 = true\n");
    let run = env.run(&["-"], Some(b""));
    run.assert_status(2);
    assert!(run.stderr.contains("allow_md5"), "{}", run.stderr);
}

#[test]
fn no_dkim_skips_the_gate_with_a_warning() {
    let env = Env::new("");
    let path = testdata("pipeline/dkim_missing/smime_without_dkim.eml");
    env.run(&[path.to_str().unwrap()], None).assert_status(1);
    let run = env.run(&["--no-dkim", path.to_str().unwrap()], None);
    run.assert_status(0);
    let r = run.only();
    assert_eq!(r["dkim"]["result"], "off");
    assert!(!r["warnings"].as_array().unwrap().is_empty());
}

#[test]
fn sha1_signature_is_accepted_only_when_allowed() {
    let path = testdata("pipeline/weak_algorithm/sha1_signature.eml");
    Env::new("")
        .run(&[path.to_str().unwrap()], None)
        .assert_status(1);
    let env = Env::new("[policy]\nallow_sha1_signatures = true\n");
    let run = env.run(&[path.to_str().unwrap()], None);
    run.assert_status(0);
    assert_eq!(run.only()["signature"]["digest"], "sha1");
    // MD5 stays refused whatever the setting.
    let md5 = testdata("pipeline/weak_algorithm/md5_signature.eml");
    assert_eq!(
        env.run(&[md5.to_str().unwrap()], None).only()["reason"],
        "weak_algorithm"
    );
}

#[test]
fn over_the_size_limit_is_message_too_large() {
    let env = Env::new("[limits]\nmax_message_bytes = 1024\n");
    let run = env.run(
        &[testdata("pipeline/accepted/detached_rsa.eml")
            .to_str()
            .unwrap()],
        None,
    );
    run.assert_status(1);
    assert_eq!(run.only()["reason"], "message_too_large");
}

#[test]
fn revocation_needs_the_crl() {
    let path = testdata("pipeline/revoked/revoked_leaf.eml");
    let dir = tempfile::tempdir().unwrap();
    let no_crl = dir.path().join("c.toml");
    std::fs::write(
        &no_crl,
        format!(
            "[trust]\nanchors = [{:?}]\n[dkim]\ndns = [\"{}\"]\n",
            testdata("pki/root.pem"),
            crate::util::dns().addr_string()
        ),
    )
    .unwrap();
    let env = Env {
        dir,
        config: no_crl,
    };
    env.run(&[path.to_str().unwrap()], None).assert_status(0);
    assert_eq!(
        Env::new("").run(&[path.to_str().unwrap()], None).only()["reason"],
        "revoked"
    );
}

#[test]
fn text_output_is_one_line_per_message_and_logs_go_to_stderr() {
    let env = Env::new("");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_readsmimesig"))
        .args([
            "-c",
            env.config.to_str().unwrap(),
            "--at",
            test_support::FIXED_NOW_RFC3339,
        ])
        .arg(testdata("pipeline/accepted/detached_rsa.eml"))
        .arg(testdata("pipeline/not_signed/plain_text.eml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(
        lines[0].contains("accepted from alice@example.com"),
        "{}",
        lines[0]
    );
    assert!(lines[1].contains("rejected (not_signed)"), "{}", lines[1]);
    let log = String::from_utf8_lossy(&out.stderr);
    for needle in ["MIME part", "certificate", "DKIM pass", "chain"] {
        assert!(log.contains(needle), "log lacks {needle:?}:\n{log}");
    }
}

/// `--export-to` copies a store into the directory layout: from a directory store here,
/// and from PostgreSQL when `SMIME_COLLECTOR_TEST_PG` is set.
#[test]
fn export_to_copies_the_store_into_a_directory() {
    let env = Env::new("");
    let mut sources = vec![env.store().display().to_string()];
    match std::env::var("SMIME_COLLECTOR_TEST_PG") {
        Ok(url) => {
            let sep = if url.contains('?') { '&' } else { '?' };
            // One fixed schema, reused by every run, so runs leave no clutter behind.
            sources.push(format!("{url}{sep}schema=readsmimesig_export_test"));
        }
        Err(_) => eprintln!("skipped: SMIME_COLLECTOR_TEST_PG not set [export from PostgreSQL]"),
    }
    for source in sources {
        let accepted = testdata("pipeline/accepted");
        env.run(&["--store", &source, accepted.to_str().unwrap()], None)
            .assert_status(0);
        let target = env.dir.path().join(format!("export-{}", source.len()));
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_readsmimesig"))
            .args([
                "-c",
                env.config.to_str().unwrap(),
                "--store",
                &source,
                "--export-to",
            ])
            .arg(&target)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).starts_with("exported "));
        let exported = stored_der(&target.join("alice@example.com.crt"));
        // The current certificate of alice in the source is the exported one.
        let again = env.run(
            &[
                "--store",
                &source,
                testdata("pipeline/accepted/detached_rsa.eml")
                    .to_str()
                    .unwrap(),
            ],
            None,
        );
        let current = again.only()["stored"]["outcome"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            ["unchanged", "kept_newer"].contains(&current.as_str()),
            "{current}"
        );
        assert!(!exported.is_empty());
        for f in ["carol@example.com.crt", "dave@example.com.crt"] {
            assert!(target.join(f).is_file(), "{source}: {f} not exported");
        }
    }
}

#[test]
fn export_without_a_store_is_a_usage_error() {
    let env = Env::new("");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_readsmimesig"))
        .args(["-c", env.config.to_str().unwrap(), "--export-to"])
        .arg(env.dir.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
