//! The limits and the drain, in process: `serve` from the library with a scripted
//! pipeline and small limits.

use std::io::{Read as _, Write as _};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use smime_webhook::{
    App, BoxFuture, CancellationToken, Limits, Options, Outcome, Pipeline, Token, serve,
};
use tokio::sync::Semaphore;

use crate::support::{Client, JSON_HEAD, batch, read_reply, unsigned_message};

/// A pipeline that waits for a gate permit per message and counts what it started and
/// finished.
#[derive(Clone)]
struct Gated {
    gate: Arc<Semaphore>,
    started: Arc<AtomicUsize>,
    finished: Arc<AtomicUsize>,
}

impl Default for Gated {
    fn default() -> Self {
        Gated {
            gate: Arc::new(Semaphore::new(0)),
            started: Arc::default(),
            finished: Arc::default(),
        }
    }
}

impl Pipeline for Gated {
    fn process<'a>(&'a self, _raw: &'a [u8], _input: &'a str) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            self.started.fetch_add(1, Ordering::SeqCst);
            self.gate.acquire().await.unwrap().forget();
            self.finished.fetch_add(1, Ordering::SeqCst);
            Outcome {
                verdict: "rejected",
                reason: Some("not_signed"),
                transient: false,
                from: None,
                detail: "test".into(),
            }
        })
    }
}

struct Server {
    addr: SocketAddr,
    shutdown: CancellationToken,
    done: std::thread::JoinHandle<()>,
}

fn start(pipeline: Gated, limits: Limits) -> Server {
    let options = Options {
        token: Token::new(crate::support::TOKEN),
        limits,
        ..Options::default()
    };
    let app = Arc::new(App::new(pipeline, options));
    let shutdown = CancellationToken::new();
    let (tx, rx) = std::sync::mpsc::channel();
    let cancel = shutdown.clone();
    let done = std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            serve(listener, app, cancel).await.unwrap();
        });
    });
    Server {
        addr: rx.recv().unwrap(),
        shutdown,
        done,
    }
}

fn wait_until(what: &str, condition: impl Fn() -> bool) {
    for _ in 0..3000 {
        if condition() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("timed out waiting for {what}");
}

fn one_message() -> Vec<u8> {
    batch(&[(&unsigned_message("alice@example.com", "limits"), false)])
}

#[test]
fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let limits = Limits {
        header_read_timeout: Duration::from_millis(200),
        ..Limits::default()
    };
    let server = start(Gated::default(), limits);
    let mut stream = Client::plain(server.addr).connect();
    stream
        .write_all(b"POST / HTTP/1.1\r\nContent-Type: applic")
        .unwrap();
    let mut rest = Vec::new();
    let _ = stream.read_to_end(&mut rest); // returns once the server hangs up
    assert!(!String::from_utf8_lossy(&rest).contains(" 200 "));
    server.shutdown.cancel();
    server.done.join().unwrap();
}

#[test]
fn a_body_that_never_arrives_is_408() {
    let limits = Limits {
        body_read_timeout: Duration::from_millis(200),
        ..Limits::default()
    };
    let server = start(Gated::default(), limits);
    let mut stream = Client::plain(server.addr).connect();
    let head = format!("{JSON_HEAD}\r\nContent-Length: 1000\r\n\r\n[{{");
    stream.write_all(head.as_bytes()).unwrap();
    let reply = read_reply(&mut *stream);
    assert_eq!(reply.status, 408);
    server.shutdown.cancel();
    server.done.join().unwrap();
}

#[test]
fn when_every_batch_slot_is_busy_the_next_batch_is_503_and_healthz_answers() {
    let pipeline = Gated::default();
    let limits = Limits {
        max_concurrent_batches: 1,
        batch_queue_timeout: Duration::from_millis(100),
        ..Limits::default()
    };
    let server = start(pipeline.clone(), limits);
    let addr = server.addr;
    let first = std::thread::spawn(move || Client::plain(addr).post_batch(&one_message()));
    wait_until("the first batch to start", || {
        pipeline.started.load(Ordering::SeqCst) == 1
    });
    let second = Client::plain(addr).post_batch(&one_message());
    assert_eq!(second.status, 503);
    assert_eq!(second.header("retry-after"), Some("60"));
    assert_eq!(Client::plain(addr).get("/healthz").status, 200);
    pipeline.gate.add_permits(1);
    assert_eq!(first.join().unwrap().status, 200);
    server.shutdown.cancel();
    server.done.join().unwrap();
}

#[test]
fn shutdown_waits_for_the_batch_in_flight() {
    let pipeline = Gated::default();
    let server = start(pipeline.clone(), Limits::default());
    let addr = server.addr;
    let client = std::thread::spawn(move || Client::plain(addr).post_batch(&one_message()));
    wait_until("the batch to start", || {
        pipeline.started.load(Ordering::SeqCst) == 1
    });
    server.shutdown.cancel();
    wait_until("the listener to close", || {
        std::net::TcpStream::connect(addr).is_err()
    });
    assert!(
        !server.done.is_finished(),
        "serve returned with a batch in flight"
    );
    pipeline.gate.add_permits(1);
    let reply = client.join().unwrap();
    assert_eq!(
        (reply.status, reply.json()),
        (200, serde_json::json!({"processed": 1}))
    );
    server.done.join().unwrap();
    assert_eq!(pipeline.finished.load(Ordering::SeqCst), 1);
}

#[test]
fn a_client_that_hangs_up_does_not_cut_processing_short() {
    let pipeline = Gated::default();
    let server = start(pipeline.clone(), Limits::default());
    let mut stream = Client::plain(server.addr).connect();
    let body = one_message();
    let head = format!("{JSON_HEAD}\r\nContent-Length: {}\r\n\r\n", body.len());
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&body).unwrap();
    wait_until("the batch to start", || {
        pipeline.started.load(Ordering::SeqCst) == 1
    });
    drop(stream);
    pipeline.gate.add_permits(1);
    wait_until("the message to finish", || {
        pipeline.finished.load(Ordering::SeqCst) == 1
    });
    server.shutdown.cancel();
    server.done.join().unwrap();
}
