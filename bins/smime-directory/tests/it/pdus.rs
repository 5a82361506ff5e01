//! Hostile bytes on the LDAP port: each closes its own connection and nothing else.

use std::time::Duration;

use bytes::BytesMut;
use ldap3_proto::LdapCodec;
use ldap3_proto::proto::{
    LdapDerefAliases, LdapFilter, LdapMsg, LdapOp, LdapSearchRequest, LdapSearchScope,
};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio_util::codec::{Decoder as _, Encoder as _};

use crate::support::{BASE_DN, Servers, directory, options};

fn search_msg(filter: LdapFilter) -> Vec<u8> {
    let msg = LdapMsg {
        msgid: 7,
        op: LdapOp::SearchRequest(LdapSearchRequest {
            base: BASE_DN.to_string(),
            scope: LdapSearchScope::Subtree,
            aliases: LdapDerefAliases::Never,
            sizelimit: 0,
            timelimit: 0,
            typesonly: false,
            filter,
            attrs: vec!["mail".to_string()],
        }),
        ctrl: Vec::new(),
    };
    let mut out = BytesMut::new();
    LdapCodec::default().encode(msg, &mut out).unwrap();
    out.to_vec()
}

fn mail(address: &str) -> LdapFilter {
    LdapFilter::Equality("mail".to_string(), address.to_string())
}

/// Everything the server sends until it closes the connection, as messages.
async fn until_closed(stream: &mut TcpStream) -> Vec<LdapMsg> {
    let mut buf = BytesMut::new();
    let read = async {
        loop {
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .expect("the server did not close the connection");
    let mut codec = LdapCodec::new(Some(1 << 20), None);
    let mut msgs = Vec::new();
    while let Ok(Some(m)) = codec.decode(&mut buf) {
        msgs.push(m);
    }
    msgs
}

fn is_disconnection_notice(msgs: &[LdapMsg]) -> bool {
    msgs.last().is_some_and(|m| {
        matches!(&m.op, LdapOp::ExtendedResponse(r)
            if r.name.as_deref() == Some("1.3.6.1.4.1.1466.20036"))
    })
}

/// A healthy search on a fresh connection still answers.
async fn still_serves(s: &Servers) {
    let mut stream = TcpStream::connect(s.ldap).await.unwrap();
    stream
        .write_all(&search_msg(mail("alice@example.com")))
        .await
        .unwrap();
    let mut codec = LdapCodec::default();
    let mut buf = BytesMut::new();
    let mut entries = 0;
    loop {
        let mut chunk = [0u8; 8192];
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "closed before SearchResultDone");
        buf.extend_from_slice(&chunk[..n]);
        while let Some(m) = codec.decode(&mut buf).unwrap() {
            match m.op {
                LdapOp::SearchResultEntry(_) => entries += 1,
                LdapOp::SearchResultDone(r) => {
                    assert_eq!((r.code as i64, entries), (0, 1));
                    return;
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    }
}

#[tokio::test]
async fn garbage_closes_only_that_connection() {
    let mut o = options();
    o.limits.first_request_timeout = Duration::from_millis(300);
    let s = Servers::start(directory(), o).await;
    let mut healthy = TcpStream::connect(s.ldap).await.unwrap();
    healthy
        .write_all(&search_msg(mail("bob@example.org")))
        .await
        .unwrap();
    let mut chunk = [0u8; 64];
    assert!(healthy.read(&mut chunk).await.unwrap() > 0);
    // Well-formed BER that is no LDAP message: refused at once, with a notice.
    let mut bad = TcpStream::connect(s.ldap).await.unwrap();
    bad.write_all(&[0x30, 0x03, 0x04, 0x01, 0x41])
        .await
        .unwrap();
    let msgs = until_closed(&mut bad).await;
    assert!(is_disconnection_notice(&msgs), "{msgs:?}");
    // Text that reads as the start of a long element: dropped when it does not complete.
    let mut http = TcpStream::connect(s.ldap).await.unwrap();
    http.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    until_closed(&mut http).await;
    // The other open connection is untouched.
    let mut rest = vec![0u8; 16 * 1024];
    let _ = tokio::time::timeout(Duration::from_millis(100), healthy.read(&mut rest)).await;
    healthy
        .write_all(&search_msg(mail("bob@example.org")))
        .await
        .unwrap();
    assert!(healthy.read(&mut chunk).await.unwrap() > 0);
    still_serves(&s).await;
}

#[tokio::test]
async fn a_message_trickling_in_byte_by_byte_is_cut_off() {
    let mut o = options();
    o.limits.first_request_timeout = Duration::from_millis(400);
    let s = Servers::start(directory(), o).await;
    let mut slow = TcpStream::connect(s.ldap).await.unwrap();
    let pdu = search_msg(mail("alice@example.com"));
    let started = std::time::Instant::now();
    for byte in &pdu {
        if slow.write_all(&[*byte]).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        if started.elapsed() > Duration::from_secs(5) {
            break;
        }
    }
    let msgs = until_closed(&mut slow).await;
    assert!(
        !msgs
            .iter()
            .any(|m| matches!(m.op, LdapOp::SearchResultDone(_)))
    );
    assert!(started.elapsed() < Duration::from_secs(5), "never cut off");
}

#[tokio::test]
async fn a_truncated_sequence_with_a_bogus_inner_length_is_refused() {
    let s = Servers::default().await;
    let mut bad = TcpStream::connect(s.ldap).await.unwrap();
    // SEQUENCE { INTEGER 1, [APPLICATION 3] claiming more bytes than the SEQUENCE holds }
    bad.write_all(&[0x30, 0x07, 0x02, 0x01, 0x01, 0x63, 0x7f, 0x04, 0x00])
        .await
        .unwrap();
    let msgs = until_closed(&mut bad).await;
    assert!(is_disconnection_notice(&msgs), "{msgs:?}");
    still_serves(&s).await;
}

#[tokio::test]
async fn a_huge_pdu_is_refused_without_being_buffered() {
    let s = Servers::default().await;
    let mut bad = TcpStream::connect(s.ldap).await.unwrap();
    // A SEQUENCE announcing 16 MiB, then 200 KiB of it: over the 64 KiB limit.
    bad.write_all(&[0x30, 0x84, 0x01, 0x00, 0x00, 0x00])
        .await
        .unwrap();
    let filler = vec![0x04u8; 200 * 1024];
    let _ = bad.write_all(&filler).await;
    let _ = until_closed(&mut bad).await;
    // And a complete message just over the limit.
    let mut big = TcpStream::connect(s.ldap).await.unwrap();
    let pdu = search_msg(mail(&format!("{}@example.com", "a".repeat(70 * 1024))));
    assert!(pdu.len() > 64 * 1024);
    let _ = big.write_all(&pdu).await;
    let msgs = until_closed(&mut big).await;
    assert!(
        !msgs
            .iter()
            .any(|m| matches!(m.op, LdapOp::SearchResultDone(_)))
    );
    still_serves(&s).await;
}

#[tokio::test]
async fn deep_nesting_is_refused() {
    let s = Servers::default().await;
    let mut filter = mail("alice@example.com");
    for _ in 0..100 {
        filter = LdapFilter::And(vec![filter]);
    }
    let mut bad = TcpStream::connect(s.ldap).await.unwrap();
    bad.write_all(&search_msg(filter)).await.unwrap();
    let msgs = until_closed(&mut bad).await;
    assert!(is_disconnection_notice(&msgs), "{msgs:?}");
    // Shallow nesting is fine.
    let mut ok = mail("alice@example.com");
    for _ in 0..4 {
        ok = LdapFilter::Or(vec![ok]);
    }
    let mut good = TcpStream::connect(s.ldap).await.unwrap();
    good.write_all(&search_msg(ok)).await.unwrap();
    let mut chunk = [0u8; 64];
    assert!(good.read(&mut chunk).await.unwrap() > 0);
}

#[tokio::test]
async fn silent_and_half_sent_clients_are_dropped_in_time() {
    let mut o = options();
    o.limits.first_request_timeout = Duration::from_millis(200);
    o.limits.idle_timeout = Duration::from_millis(300);
    let s = Servers::start(directory(), o).await;
    let mut silent = TcpStream::connect(s.ldap).await.unwrap();
    let mut half = TcpStream::connect(s.ldap).await.unwrap();
    let pdu = search_msg(mail("alice@example.com"));
    half.write_all(&pdu[..pdu.len() / 2]).await.unwrap();
    until_closed(&mut silent).await;
    until_closed(&mut half).await;
    still_serves(&s).await;
}

#[tokio::test]
async fn response_messages_from_a_client_close_the_connection() {
    let s = Servers::default().await;
    let msg = LdapMsg {
        msgid: 1,
        op: LdapOp::SearchResultDone(ldap3_proto::proto::LdapResult {
            code: ldap3_proto::proto::LdapResultCode::Success,
            matcheddn: String::new(),
            message: String::new(),
            referral: Vec::new(),
        }),
        ctrl: Vec::new(),
    };
    let mut out = BytesMut::new();
    LdapCodec::default().encode(msg, &mut out).unwrap();
    let mut bad = TcpStream::connect(s.ldap).await.unwrap();
    bad.write_all(&out).await.unwrap();
    let msgs = until_closed(&mut bad).await;
    assert!(is_disconnection_notice(&msgs), "{msgs:?}");
}
