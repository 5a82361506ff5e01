//! Batches through the real pipeline, with DKIM keys served by the loopback test DNS.

use test_support::dns::TestDns;

use crate::support::{Client, Daemon, Forwarder, Setup, batch, fixture, unsigned_message};

/// DKIM passes (example.com, s1), but the message is not S/MIME signed.
const DKIM_PASS: &str = "dkim/pass/rsa_relaxed.eml";
/// Signed by a selector whose key lookup gets SERVFAIL.
const DKIM_SERVFAIL: &str = "dkim/dkim_temp_error/servfail.eml";

const NOT_SIGNED: &str = "smime_webhook_messages_total{verdict=\"rejected\",reason=\"not_signed\"}";
const DKIM_MISSING: &str =
    "smime_webhook_messages_total{verdict=\"rejected\",reason=\"dkim_missing\"}";
const TEMP_ERROR: &str =
    "smime_webhook_messages_total{verdict=\"deferred\",reason=\"dkim_temp_error\"}";

fn dns() -> TestDns {
    TestDns::start_blocking(&test_support::dkim::zone_records())
}

fn daemon(dns: &str) -> Daemon {
    Daemon::start(&Setup {
        dns: Some(dns.to_string()),
        ..Setup::default()
    })
}

#[test]
fn several_messages_in_one_batch_are_all_processed() {
    let dns = dns();
    let d = daemon(&dns.addr_string());
    let pass = fixture(DKIM_PASS);
    let unsigned = unsigned_message("bob@example.com", "unsigned");
    let body = batch(&[(&pass, false), (&unsigned, false), (&pass, true)]);
    let reply = Client::plain(d.addr).post_batch(&body);
    assert_eq!(
        (reply.status, reply.json()),
        (200, serde_json::json!({"processed": 3}))
    );
    assert_eq!(d.metric(NOT_SIGNED), 2);
    assert_eq!(d.metric(DKIM_MISSING), 1);
    assert_eq!(
        d.metric("smime_webhook_message_processing_seconds_count"),
        3
    );
}

#[test]
fn the_sample_request_of_the_readme_is_processed() {
    let dns = dns();
    let d = daemon(&dns.addr_string());
    let sample = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/relay-batch.json"
    ))
    .unwrap();
    let reply = Client::plain(d.addr).post_batch(&sample);
    assert_eq!(
        (reply.status, reply.json()),
        (200, serde_json::json!({"processed": 1}))
    );
    assert_eq!(d.metric(DKIM_MISSING), 1);
}

#[test]
fn base64_content_is_decoded_before_the_pipeline() {
    let dns = dns();
    let d = daemon(&dns.addr_string());
    // Not valid UTF-8 (as when SparkPost sets email_rfc822_is_base64), DKIM still passes:
    // the bytes reach the pipeline exactly as sent.
    let pass = fixture(DKIM_PASS);
    let reply = Client::plain(d.addr).post_batch(&batch(&[(&pass, true)]));
    assert_eq!(reply.status, 200);
    assert_eq!(d.metric(NOT_SIGNED), 1);
    let mut latin1 = unsigned_message("carol@example.com", "latin1");
    latin1.extend_from_slice(b"caf\xe9\r\n");
    let reply = Client::plain(d.addr).post_batch(&batch(&[(&latin1, true)]));
    assert_eq!(reply.status, 200);
    assert_eq!(d.metric(DKIM_MISSING), 1);
}

#[test]
fn servfail_is_503_after_the_other_messages_were_processed() {
    let dns = dns();
    let d = daemon(&dns.addr_string());
    let servfail = fixture(DKIM_SERVFAIL);
    let unsigned = unsigned_message("bob@example.com", "unsigned");
    let reply = Client::plain(d.addr).post_batch(&batch(&[(&servfail, false), (&unsigned, false)]));
    assert_eq!(reply.status, 503);
    assert!(
        reply
            .header("retry-after")
            .is_some_and(|v| v.parse::<u64>().is_ok())
    );
    assert!(reply.message().contains("1 of 2"), "{}", reply.message());
    assert_eq!(d.metric(TEMP_ERROR), 1);
    assert_eq!(d.metric(DKIM_MISSING), 1);
}

#[test]
fn dns_down_is_503_then_the_retry_succeeds() {
    let dns = dns();
    let forwarder = Forwarder::new(dns.addr());
    let d = daemon(&forwarder.addr.to_string());
    let body = batch(&[(&fixture(DKIM_PASS), false)]);
    let first = Client::plain(d.addr).post_batch(&body);
    assert_eq!(first.status, 503, "{}", first.text());
    assert!(first.header("retry-after").is_some());
    assert_eq!(d.metric(TEMP_ERROR), 1);
    forwarder.enable();
    let retry = Client::plain(d.addr).post_batch(&body);
    assert_eq!(
        (retry.status, retry.json()),
        (200, serde_json::json!({"processed": 1}))
    );
    assert_eq!(d.metric(NOT_SIGNED), 1);
}

#[test]
fn concurrent_batches_for_one_address() {
    let dns = dns();
    let d = daemon(&dns.addr_string());
    let body = batch(&[(&fixture(DKIM_PASS), false), (&fixture(DKIM_PASS), true)]);
    let addr = d.addr;
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let body = body.clone();
            std::thread::spawn(move || Client::plain(addr).post_batch(&body).status)
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), 200);
    }
    assert_eq!(d.metric(NOT_SIGNED), 12);
}

/// The DKIM-signed, valid S/MIME messages of `testdata/pipeline/accepted/` are stored
/// under their From address, also when several batches for one address arrive at once.
/// (The daemon evaluates at the current time: the test certificates are valid until 2028.)
#[test]
fn accepted_messages_are_stored_also_concurrently() {
    let dir = test_support::testdata_dir().join("pipeline/accepted");
    let mut messages: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    messages.sort();
    assert!(
        !messages.is_empty(),
        "no accepted fixtures in {}",
        dir.display()
    );
    let dns = dns();
    let d = daemon(&dns.addr_string());
    let all: Vec<(&[u8], bool)> = messages.iter().map(|m| (m.as_slice(), false)).collect();
    let reply = Client::plain(d.addr).post_batch(&batch(&all));
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(
        d.metric("smime_webhook_messages_total{verdict=\"accepted\",reason=\"none\"}"),
        messages.len() as u64
    );
    let alice = std::fs::read(d.store().join("alice@example.com.crt")).unwrap();
    assert!(alice.starts_with(b"-----BEGIN CERTIFICATE-----"));
    // A fresh daemon gets every message in its own batch, all at once: each is 200, and
    // the store ends with the same (newest) certificate for alice as the ordered run.
    let d2 = daemon(&dns.addr_string());
    let addr = d2.addr;
    let threads: Vec<_> = messages
        .iter()
        .map(|m| {
            let body = batch(&[(m.as_slice(), false)]);
            std::thread::spawn(move || Client::plain(addr).post_batch(&body).status)
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), 200);
    }
    assert_eq!(
        std::fs::read(d2.store().join("alice@example.com.crt")).unwrap(),
        alice
    );
}
