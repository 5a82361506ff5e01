//! Scenarios that cross both binaries, run in process through their libraries: the
//! daemon (`smime_webhook::serve` on 127.0.0.1:0) and the command line
//! (`readsmimesig::run`) over one directory store, with the loopback test DNS server.
#![allow(clippy::unwrap_used, missing_docs)]

use std::sync::Arc;

use base64::Engine as _;
use collector::{Collector, Config, Verdict};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn config(dns: &str, store: &std::path::Path) -> Config {
    Config::from_toml(&format!(
        "[trust]\nanchors = [{:?}]\n[dkim]\ndns = [\"{dns}\"]\n[store]\nlocation = {store:?}\n",
        test_support::testdata_dir().join("pki/root.pem"),
    ))
    .unwrap()
}

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(test_support::testdata_dir().join(rel)).unwrap()
}

/// POSTs one relay batch holding `raw` (base64) and returns the status code.
async fn post(addr: std::net::SocketAddr, raw: &[u8]) -> u16 {
    let body = serde_json::to_vec(&serde_json::json!([{"msys": {"relay_message": {
        "content": {"email_rfc822": base64::engine::general_purpose::STANDARD.encode(raw),
                    "email_rfc822_is_base64": true},
        "msg_from": "bounces@example.com", "rcpt_to": "secureme@inbound.example.com",
        "webhook_id": "scenario"}}}]))
    .unwrap();
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(&body).await.unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).await.unwrap();
    reply.split(' ').nth(1).unwrap().parse().unwrap()
}

/// A certificate collected by the daemon is the one the command line then finds stored:
/// readsmimesig over the same message reports `unchanged`, and the file is untouched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_then_cli_share_one_store() {
    let dns = test_support::dns::TestDns::start(&test_support::dkim::zone_records()).await;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("certs");
    let config = config(&dns.addr_string(), &store);

    let app = Arc::new(smime_webhook::App::from_config(&config).unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = smime_webhook::CancellationToken::new();
    let server = tokio::spawn(smime_webhook::serve(listener, app, shutdown.clone()));

    let message = "pipeline/accepted/ecdsa_p256.eml";
    assert_eq!(post(addr, &fixture(message)).await, 200);
    let file = store.join("carol@example.com.crt");
    let written = std::fs::read(&file).unwrap();
    let modified = std::fs::metadata(&file).unwrap().modified().unwrap();

    let args = readsmimesig::args::Args {
        config: config.clone(),
        inputs: vec![readsmimesig::args::Input::File(
            test_support::testdata_dir().join(message),
        )],
        at: test_support::FIXED_NOW_UNIX as i64,
        json: true,
        export_to: None,
    };
    let collector = Arc::new(Collector::from_config(&config).unwrap());
    let mut out = Vec::new();
    let outcome = readsmimesig::run(collector, &args, &mut out).await.unwrap();
    assert_eq!(readsmimesig::exit_status(&outcome), 0);
    let report: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(report["stored"]["outcome"], "unchanged");
    assert_eq!(std::fs::read(&file).unwrap(), written);
    assert_eq!(
        std::fs::metadata(&file).unwrap().modified().unwrap(),
        modified
    );

    shutdown.cancel();
    server.await.unwrap().unwrap();
}

/// The daemon defers (503) what the command line defers (exit 75): one transient verdict.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_binaries_defer_a_dns_failure() {
    let dns = test_support::dns::TestDns::start(&test_support::dkim::zone_records()).await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(&dns.addr_string(), &dir.path().join("certs"));
    let raw = fixture("pipeline/transient/dkim_temp_error.eml");

    let collector = Collector::from_config(&config).unwrap();
    let report = collector
        .process_at(&raw, "x", test_support::FIXED_NOW_UNIX as i64)
        .await;
    assert_eq!(report.verdict, Verdict::Deferred);

    let app = Arc::new(smime_webhook::App::from_config(&config).unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = smime_webhook::CancellationToken::new();
    let server = tokio::spawn(smime_webhook::serve(listener, app, shutdown.clone()));
    assert_eq!(post(addr, &raw).await, 503);
    shutdown.cancel();
    server.await.unwrap().unwrap();
}
