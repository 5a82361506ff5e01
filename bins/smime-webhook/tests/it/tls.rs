//! HTTPS with a test certificate.

use crate::support::{Client, Daemon, Setup, batch, server_certificate, unsigned_message};

#[test]
fn https_serves_the_webhook_and_the_side_routes() {
    let (cert, key) = server_certificate();
    let d = Daemon::start(&Setup {
        tls: Some((cert.clone(), key)),
        ..Setup::default()
    });
    assert!(d.log().contains("(https"), "{}", d.log());
    let c = Client::tls(d.addr, &cert);
    assert_eq!(c.get("/healthz").status, 200);
    let raw = unsigned_message("alice@example.com", "tls");
    let reply = c.post_batch(&batch(&[(&raw, false), (&raw, true)]));
    assert_eq!(
        (reply.status, reply.json()),
        (200, serde_json::json!({"processed": 2}))
    );
    let no_token = c.send("POST / HTTP/1.1\r\nContent-Type: application/json", b"[]");
    assert_eq!(no_token.status, 401);
    // Plain HTTP on the TLS port gets no HTTP answer, and the daemon carries on.
    let mut stream = Client::plain(d.addr).connect();
    std::io::Write::write_all(&mut stream, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut buf = Vec::new();
    let _ = std::io::Read::read_to_end(&mut stream, &mut buf);
    assert!(!buf.starts_with(b"HTTP/1.1 200"));
    assert_eq!(c.get("/healthz").status, 200);
}

#[test]
fn unreadable_tls_files_stop_the_daemon_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.toml");
    std::fs::write(
        &config,
        "[trust]\nanchors = [\"/nonexistent/anchors.pem\"]\n[webhook.tls]\ncert = \"/nonexistent/server.crt\"\nkey = \"/nonexistent/server.key\"\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_smime-webhook"))
        .arg("-c")
        .arg(&config)
        .args(["--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("/nonexistent/server.crt"), "{stderr}");
}
