//! Every SPEC status code of the webhook, token handling and the side routes.

use crate::support::{Client, Daemon, Setup, TOKEN, batch, unsigned_message};

fn daemon() -> Daemon {
    Daemon::start(&Setup {
        webhook_extra: "max_body_bytes = 4096\n".into(),
        ..Setup::default()
    })
}

const JSON_TOKEN: &str =
    "Content-Type: application/json\r\nX-MessageSystems-Webhook-Token: t0p s3cr3t t0k3n";

#[test]
fn healthz_metrics_and_unknown_paths() {
    let d = daemon();
    let c = Client::plain(d.addr);
    let health = c.get("/healthz");
    assert_eq!((health.status, health.text().as_str()), (200, "ok\n"));
    let metrics = c.get("/metrics");
    assert_eq!(metrics.status, 200);
    assert!(
        metrics
            .header("content-type")
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    assert!(
        metrics
            .text()
            .contains("# TYPE smime_webhook_http_requests_total counter")
    );
    assert!(
        metrics
            .text()
            .contains("smime_webhook_http_requests_total{status=\"200\"} 1")
    );
    assert_eq!(c.get("/nope").status, 404);
    assert_eq!(c.send("POST /healthz HTTP/1.1", b"").status, 405);
    assert!(health.header("x-request-id").is_some());
}

#[test]
fn other_methods_on_the_path_are_405() {
    let d = daemon();
    for method in ["GET", "PUT", "DELETE"] {
        let reply =
            Client::plain(d.addr).send(&format!("{method} / HTTP/1.1\r\n{JSON_TOKEN}"), b"[]");
        assert_eq!(reply.status, 405, "{method}");
        assert_eq!(reply.header("allow"), Some("POST"));
    }
}

#[test]
fn content_type_other_than_json_is_415() {
    let d = daemon();
    let token = format!("X-MessageSystems-Webhook-Token: {TOKEN}");
    for content_type in [
        "Content-Type: text/plain\r\n",
        "Content-Type: application/jsonx\r\n",
        "",
    ] {
        let head = format!("POST / HTTP/1.1\r\n{content_type}{token}");
        let reply = Client::plain(d.addr).send(&head, b"[]");
        assert_eq!(reply.status, 415, "{content_type:?}");
        assert_eq!(reply.message(), "Unknown Content-Type in request headers");
    }
    let head =
        format!("POST / HTTP/1.1\r\nContent-Type: Application/JSON; charset=utf-8\r\n{token}");
    assert_eq!(Client::plain(d.addr).send(&head, b"[]").status, 200);
}

#[test]
fn missing_or_wrong_token_is_401_and_never_logged() {
    let d = daemon();
    let c = Client::plain(d.addr);
    let missing = c.send("POST / HTTP/1.1\r\nContent-Type: application/json", b"[]");
    assert_eq!(missing.status, 401);
    assert_eq!(
        missing.message(),
        "Invalid X-MessageSystems-Webhook-Token in request headers"
    );
    for wrong in ["t0p s3cr3t", "t0p s3cr3t t0k3n!", "T0P S3CR3T T0K3N"] {
        let head = format!(
            "POST / HTTP/1.1\r\nContent-Type: application/json\r\nX-MessageSystems-Webhook-Token: {wrong}"
        );
        assert_eq!(c.send(&head, b"[]").status, 401, "{wrong}");
    }
    assert_eq!(c.post_batch(b"[]").status, 200);
    let log = d.log();
    assert!(
        !log.contains("s3cr3t"),
        "the token leaked into the log:\n{log}"
    );
}

#[test]
fn without_a_token_configured_any_request_is_taken() {
    let d = Daemon::start(&Setup {
        token: false,
        ..Setup::default()
    });
    let reply =
        Client::plain(d.addr).send("POST / HTTP/1.1\r\nContent-Type: application/json", b"[]");
    assert_eq!(
        (reply.status, reply.json()),
        (200, serde_json::json!({"processed": 0}))
    );
}

#[test]
fn body_over_the_limit_is_413() {
    let d = daemon();
    // Announced by Content-Length: answered before any of the body is read.
    let mut stream = Client::plain(d.addr).connect();
    let head =
        format!("POST / HTTP/1.1\r\nHost: x\r\n{JSON_TOKEN}\r\nContent-Length: 5000\r\n\r\n");
    std::io::Write::write_all(&mut stream, head.as_bytes()).unwrap();
    let reply = crate::support::read_reply(&mut *stream);
    assert_eq!(reply.status, 413);
    // Chunked, no length given: caught while reading.
    let mut stream = Client::plain(d.addr).connect();
    let big = format!("[\"{}\"]", "x".repeat(5000));
    let request = format!(
        "POST / HTTP/1.1\r\nHost: x\r\n{JSON_TOKEN}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{big}\r\n0\r\n\r\n",
        big.len()
    );
    std::io::Write::write_all(&mut stream, request.as_bytes()).unwrap();
    let reply = crate::support::read_reply(&mut *stream);
    assert_eq!(reply.status, 413);
    assert!(reply.message().contains("4096"));
    // Just under the limit is fine.
    let small = batch(&[(&unsigned_message("alice@example.com", "small"), false)]);
    assert!(small.len() < 4096);
    assert_eq!(Client::plain(d.addr).post_batch(&small).status, 200);
}

#[test]
fn a_request_head_over_64_kib_is_refused() {
    let d = daemon();
    let big = format!(
        "GET /healthz HTTP/1.1\r\nX-Padding: {}",
        "a".repeat(70 * 1024)
    );
    assert_eq!(Client::plain(d.addr).send(&big, b"").status, 431);
    let fits = format!(
        "GET /healthz HTTP/1.1\r\nX-Padding: {}",
        "a".repeat(32 * 1024)
    );
    assert_eq!(Client::plain(d.addr).send(&fits, b"").status, 200);
}

#[test]
fn too_many_messages_in_a_batch_is_413() {
    let d = Daemon::start(&Setup::default());
    let one = unsigned_message("alice@example.com", "many");
    let many: Vec<(&[u8], bool)> = (0..101).map(|_| (one.as_slice(), false)).collect();
    let reply = Client::plain(d.addr).post_batch(&batch(&many));
    assert_eq!(reply.status, 413);
    assert!(reply.message().contains("101"), "{}", reply.message());
    assert_eq!(
        d.metric("smime_webhook_messages_total{verdict=\"rejected\",reason=\"dkim_missing\"}"),
        0
    );
}

#[test]
fn not_a_relay_batch_is_400() {
    let d = daemon();
    let c = Client::plain(d.addr);
    let bad_base64 = br#"[{"msys":{"relay_message":{"content":{"email_rfc822":"%%%","email_rfc822_is_base64":true}}}}]"#;
    let bodies: [&[u8]; 6] = [
        b"not json",
        b"",
        br#"{"msys":{}}"#,
        br#"[{"msys":{"relay_message":{}}}]"#,
        br#"[{"msys":{"relay_message":{"content":{"email_rfc822":42}}}}]"#,
        bad_base64,
    ];
    for body in bodies {
        let reply = c.post_batch(body);
        assert_eq!(reply.status, 400, "{}", String::from_utf8_lossy(body));
        assert!(!reply.message().is_empty());
    }
    // Deep nesting: no stack to overflow, and the daemon stays up.
    let deep = format!(
        r#"[{{"msys":{{"relay_message":{{"content":{{"email_rfc822":"x"}},"extra":{}{}}}}}}}]"#,
        "[".repeat(1500),
        "]".repeat(1500)
    );
    assert!(deep.len() < 4096);
    // Nested 1500 deep in a field nobody reads: skipped without recursion.
    assert_eq!(c.post_batch(deep.as_bytes()).status, 200);
    // Nested in a typed field: not a relay batch.
    let deep = format!(
        r#"[{{"msys":{{"relay_message":{{"content":{{"email_rfc822":"x","headers":{}{}}}}}}}}}]"#,
        "[".repeat(1500),
        "]".repeat(1500)
    );
    assert_eq!(c.post_batch(deep.as_bytes()).status, 400);
    assert_eq!(c.get("/healthz").status, 200);
}

#[test]
fn a_rejected_message_is_still_200_processed() {
    let d = Daemon::start(&Setup::default());
    let raw = unsigned_message("alice@example.com", "plain");
    let reply = Client::plain(d.addr).post_batch(&batch(&[(&raw, false)]));
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json(), serde_json::json!({"processed": 1}));
    assert_eq!(reply.header("content-type"), Some("application/json"));
    // DKIM is off in this setup: the message fails at the S/MIME gate.
    assert_eq!(
        d.metric("smime_webhook_messages_total{verdict=\"rejected\",reason=\"not_signed\"}"),
        1
    );
    let log = d.log();
    assert!(log.contains("msg_from=\"bounces@example.com\""), "{log}");
    assert!(
        !log.contains("plain text, no signature"),
        "a message body leaked into the log"
    );
}
