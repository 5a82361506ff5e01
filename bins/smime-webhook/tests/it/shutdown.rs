//! SIGTERM: stop accepting, finish the batch in flight, exit 0.

use std::io::Write as _;

use crate::support::{Client, Daemon, JSON_HEAD, Setup, batch, read_reply, unsigned_message};

#[test]
fn sigterm_while_a_batch_is_in_flight_answers_it_then_exits_0() {
    let mut d = Daemon::start(&Setup::default());
    let raw = unsigned_message("alice@example.com", "inflight");
    let body = batch(&[(&raw, false), (&raw, true)]);
    let (first, rest) = body.split_at(body.len() / 2);
    let mut stream = Client::plain(d.addr).connect();
    let head = format!(
        "{JSON_HEAD}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(first).unwrap();
    stream.flush().unwrap();
    d.wait_for_log("receiving relay batch");
    d.sigterm();
    d.wait_for_log("shutting down");
    // No new connections once it said so.
    assert!(std::net::TcpStream::connect(d.addr).is_err());
    stream.write_all(rest).unwrap();
    stream.flush().unwrap();
    let reply = read_reply(&mut *stream);
    assert_eq!(
        (reply.status, reply.json()),
        (200, serde_json::json!({"processed": 2}))
    );
    let status = d.wait();
    assert_eq!(status.code(), Some(0), "{}", d.log());
}

#[test]
fn sigterm_when_idle_exits_0() {
    let mut d = Daemon::start(&Setup::default());
    // An idle keep-alive connection does not hold the shutdown up.
    let mut idle = Client::plain(d.addr).connect();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut buf = [0u8; 512];
    let _ = std::io::Read::read(&mut idle, &mut buf).unwrap();
    d.sigterm();
    assert_eq!(d.wait().code(), Some(0), "{}", d.log());
}
