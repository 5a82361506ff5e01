//! HTTP lookups through a real client (hyper's, and curl for the README's line).

use std::process::Command;

use crate::support::{Servers, TOKEN, UNICODE, directory, fixtures, get, have, options, run};
use smime_directory::metrics::{LookupResult, Protocol};
use smime_directory::{Entry, Secret};

#[tokio::test]
async fn exact_address_gets_the_pem_byte_identical_with_its_etag() {
    let s = Servers::default().await;
    let r = get(s.http, "/v1/certificates/alice@example.com", &[]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.header("content-type"),
        Some("application/pem-certificate-chain")
    );
    let expected = Entry::from_der("alice@example.com", &fixtures().alice.der).unwrap();
    assert_eq!(r.text(), expected.pem());
    assert_eq!(r.text(), fixtures().alice.pem().replace("\r\n", "\n"));
    let etag = format!("\"{}\"", expected.sha256_hex());
    assert_eq!(r.header("etag"), Some(etag.as_str()));
    assert_eq!(
        s.app.metrics().lookups(Protocol::Http, LookupResult::Found),
        1
    );
}

#[tokio::test]
async fn mixed_case_and_percent_encoded_addresses_find_the_same_certificate() {
    let s = Servers::default().await;
    let plain = get(s.http, "/v1/certificates/alice@example.com", &[]).await;
    for path in [
        "/v1/certificates/Alice@Example.COM",
        "/v1/certificates/ALICE%40example.com",
        "/v1/certificates/%22Alice%22@example.com",
    ] {
        let r = get(s.http, path, &[]).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text());
        assert_eq!(r.body, plain.body, "{path}");
    }
}

#[tokio::test]
async fn unicode_address_in_u_labels_a_labels_and_percent_encoding() {
    let s = Servers::default().await;
    for path in [
        "/v1/certificates/J%C3%B6rg@B%C3%BCcher.de",
        "/v1/certificates/J%C3%B6rg@xn--bcher-kva.de",
        "/v1/certificates/j%C3%B6rg@xn--bcher-kva.de",
    ] {
        let r = get(s.http, path, &[]).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text());
        let expected = Entry::from_der(UNICODE, &fixtures().jorg.der).unwrap();
        assert_eq!(r.text(), expected.pem());
    }
    // NFD (o + combining diaeresis) is another mailbox, refused by the address rule.
    let nfd = get(s.http, "/v1/certificates/jo%CC%88rg@xn--bcher-kva.de", &[]).await;
    assert_eq!(nfd.status, 400, "{}", nfd.text());
    // The Kelvin sign is never folded onto an ASCII K.
    let kelvin = get(s.http, "/v1/certificates/%E2%84%AAate@example.com", &[]).await;
    assert_eq!(kelvin.status, 400);
}

#[tokio::test]
async fn accept_pkix_cert_gets_the_der() {
    let s = Servers::default().await;
    let r = get(
        s.http,
        "/v1/certificates/bob@example.org",
        &[("accept", "application/pkix-cert")],
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/pkix-cert"));
    assert_eq!(r.body.as_ref(), fixtures().bob.der.as_slice());
    let none = get(
        s.http,
        "/v1/certificates/bob@example.org",
        &[("accept", "text/html")],
    )
    .await;
    assert_eq!(none.status, 406);
}

#[tokio::test]
async fn if_none_match_gets_304() {
    let s = Servers::default().await;
    let first = get(s.http, "/v1/certificates/alice@example.com", &[]).await;
    let etag = first.header("etag").unwrap().to_string();
    let again = get(
        s.http,
        "/v1/certificates/alice@example.com",
        &[("if-none-match", &etag)],
    )
    .await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    assert_eq!(again.header("etag"), Some(etag.as_str()));
    let other = get(
        s.http,
        "/v1/certificates/alice@example.com",
        &[("if-none-match", "\"0000\"")],
    )
    .await;
    assert_eq!(other.status, 200);
}

#[tokio::test]
async fn unknown_expired_and_revoked_are_404_unless_asked() {
    let s = Servers::default().await;
    for address in [
        "nobody@example.com",
        "old@example.com",
        "revoked@example.com",
    ] {
        let r = get(s.http, &format!("/v1/certificates/{address}"), &[]).await;
        assert_eq!(r.status, 404, "{address}");
        let json: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"message": "no certificate for this address"})
        );
    }
    let old = get(
        s.http,
        "/v1/certificates/old@example.com?include_expired=true",
        &[],
    )
    .await;
    assert_eq!(old.status, 200);
    assert_eq!(
        old.text(),
        Entry::from_der("old@example.com", &fixtures().expired.der)
            .unwrap()
            .pem()
    );
    let m = s.app.metrics();
    assert_eq!(m.lookups(Protocol::Http, LookupResult::NotFound), 1);
    assert_eq!(m.lookups(Protocol::Http, LookupResult::Expired), 2);
    assert_eq!(m.lookups(Protocol::Http, LookupResult::Revoked), 1);
}

#[tokio::test]
async fn non_addresses_are_400() {
    let s = Servers::default().await;
    for path in [
        "/v1/certificates/alice",
        "/v1/certificates/@example.com",
        "/v1/certificates/alice%0A@example.com",
        "/v1/certificates/%FF@example.com",
        "/v1/certificates/alice@exa_mple%20com..",
    ] {
        let r = get(s.http, path, &[]).await;
        assert_eq!(r.status, 400, "{path}: {}", r.text());
        assert!(r.text().contains("not an address"), "{path}");
    }
}

#[tokio::test]
async fn history_lists_every_certificate_and_there_is_no_listing() {
    let mem = directory();
    let newer = test_support::pki::CertSpec::leaf(
        "dir:alice-2",
        "alice@example.com",
        test_support::keys::KeyAlg::P256,
    );
    let mut newer = newer;
    newer.not_before_unix = test_support::pki::T2025 + 100;
    let newer = newer.issue(&test_support::pki::hierarchy().intermediate);
    mem.insert("alice@example.com", &newer.der, 5).unwrap();
    let s = Servers::start(mem, options()).await;
    let r = get(s.http, "/v1/certificates/alice@example.com/history", &[]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let items: Vec<serde_json::Value> = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["current"], true);
    assert_eq!(items[1]["current"], false);
    for key in [
        "sha256",
        "not_before",
        "not_after",
        "first_seen",
        "last_seen",
    ] {
        assert!(items[0].get(key).is_some(), "{key}");
    }
    let none = get(s.http, "/v1/certificates/nobody@example.com/history", &[]).await;
    assert_eq!(none.status, 404);
    for path in [
        "/v1/certificates",
        "/v1/certificates/",
        "/v1/certificates/?q=*",
        "/v1/addresses",
    ] {
        assert_eq!(get(s.http, path, &[]).await.status, 404, "{path}");
    }
}

#[tokio::test]
async fn token_is_required_when_configured() {
    let mut o = options();
    o.token = Secret::new(TOKEN);
    let s = Servers::start(directory(), o).await;
    let path = "/v1/certificates/alice@example.com";
    let none = get(s.http, path, &[]).await;
    assert_eq!(none.status, 401);
    assert_eq!(none.header("www-authenticate"), Some("Bearer"));
    let wrong = get(s.http, path, &[("authorization", "Bearer nope")]).await;
    assert_eq!(wrong.status, 401);
    let bearer = format!("Bearer {TOKEN}");
    let ok = get(s.http, path, &[("authorization", &bearer)]).await;
    assert_eq!(ok.status, 200);
    // Health and metrics stay open for the orchestrator.
    assert_eq!(get(s.http, "/healthz", &[]).await.status, 200);
}

#[tokio::test]
async fn healthz_metrics_and_methods() {
    let s = Servers::default().await;
    get(s.http, "/v1/certificates/alice@example.com", &[]).await;
    get(s.http, "/v1/certificates/nobody@example.com", &[]).await;
    let h = get(s.http, "/healthz", &[]).await;
    assert_eq!((h.status, h.text().as_str()), (200, "ok\n"));
    let m = get(s.http, "/metrics", &[]).await.text();
    assert!(
        m.contains("smime_directory_lookups_total{protocol=\"http\",result=\"found\"} 1"),
        "{m}"
    );
    assert!(
        m.contains("smime_directory_lookups_total{protocol=\"http\",result=\"not_found\"} 1"),
        "{m}"
    );
    let stream = tokio::net::TcpStream::connect(s.http).await.unwrap();
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(conn);
    let req = hyper::Request::post("/v1/certificates/alice@example.com")
        .header("host", "x")
        .body(http_body_util::Empty::<bytes::Bytes>::new())
        .unwrap();
    let res = sender.send_request(req).await.unwrap();
    assert_eq!(res.status(), 405);
}

#[tokio::test]
async fn thousand_concurrent_lookups_all_answer() {
    // One loopback address stands for a thousand clients here.
    let mut o = options();
    o.limits.max_connections_per_ip = 1000;
    let s = Servers::start(directory(), o).await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..1000 {
        let addr = s.http;
        tasks.spawn(async move {
            let who = ["alice@example.com", "bob@example.org", "nobody@example.com"][i % 3];
            (
                i % 3,
                get(addr, &format!("/v1/certificates/{who}"), &[])
                    .await
                    .status,
            )
        });
    }
    while let Some(done) = tasks.join_next().await {
        let (kind, status) = done.unwrap();
        assert_eq!(status, if kind == 2 { 404 } else { 200 });
    }
    let m = s.app.metrics();
    assert_eq!(m.lookups(Protocol::Http, LookupResult::Found), 667);
}

#[tokio::test]
async fn curl_line_of_the_readme_works() {
    if !have("curl") {
        return;
    }
    let mut o = options();
    o.token = Secret::new(TOKEN);
    let s = Servers::start(directory(), o).await;
    let mut command = Command::new("curl");
    command.args([
        "-fsS",
        "-H",
        &format!("Authorization: Bearer {TOKEN}"),
        &format!("http://{}/v1/certificates/Alice@Example.com", s.http),
    ]);
    let out = run(command).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        out.stdout,
        fixtures().alice.pem().replace("\r\n", "\n").as_bytes()
    );
}

#[tokio::test]
async fn one_client_address_cannot_hold_every_connection() {
    let mut o = options();
    o.limits.max_connections_per_ip = 4;
    let s = Servers::start(directory(), o).await;
    let mut idle = Vec::new();
    for _ in 0..4 {
        idle.push(tokio::net::TcpStream::connect(s.http).await.unwrap());
    }
    // The fifth connection from the same address is closed at once...
    let mut fifth = tokio::net::TcpStream::connect(s.http).await.unwrap();
    let mut buf = [0u8; 1];
    let n = tokio::io::AsyncReadExt::read(&mut fifth, &mut buf)
        .await
        .unwrap_or(0);
    assert_eq!(n, 0);
    // ...and once one idle connection goes, a lookup gets through.
    drop(idle.pop());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let stream = tokio::net::TcpStream::connect(s.http).await.unwrap();
        if let Ok((mut sender, conn)) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await
        {
            tokio::spawn(conn);
            let req = hyper::Request::get("/healthz")
                .header("host", "x")
                .body(http_body_util::Empty::<bytes::Bytes>::new())
                .unwrap();
            if let Ok(res) = sender.send_request(req).await {
                assert_eq!(res.status(), 200);
                break;
            }
        }
        assert!(std::time::Instant::now() < deadline, "never admitted");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(
        s.app
            .metrics()
            .render()
            .contains("smime_directory_refused_connections_total 1")
    );
}
