//! The database unreachable, silent, restarted or dropping connections: transient
//! `store_error`s within bounded time, then recovery without reopening the store.
//!
//! An outage is simulated without touching the shared server: the store talks to it
//! through a TCP relay in the test, which is stopped (listener closed, every relayed
//! connection cut, as a server restart does) and started again on the same port.

use std::net::SocketAddr;
use std::time::Duration;

use cert_store::{CertStore, Error, PgStore, PutOutcome};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use super::{TestDb, short_options};
use crate::support::{NOW, cert, ctx, sha256_hex};

/// A TCP relay to the database that can be switched off and on.
struct Relay {
    addr: SocketAddr,
    upstream: String,
    tasks: JoinSet<()>,
}

impl Relay {
    async fn start(upstream: &str) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut relay = Relay {
            addr: listener.local_addr().unwrap(),
            upstream: upstream.to_owned(),
            tasks: JoinSet::new(),
        };
        relay.serve(listener);
        relay
    }

    fn serve(&mut self, listener: TcpListener) {
        let upstream = self.upstream.clone();
        self.tasks.spawn(async move {
            let mut connections = JoinSet::new();
            while let Ok((mut client, _)) = listener.accept().await {
                let upstream = upstream.clone();
                connections.spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        });
    }

    /// Closes the listener and cuts every relayed connection (dropping the accept
    /// task drops its `JoinSet`, which aborts the connection tasks).
    async fn stop(&mut self) {
        self.tasks.abort_all();
        while self.tasks.join_next().await.is_some() {}
    }

    /// Listens again on the same port.
    async fn restart(&mut self) {
        let listener = TcpListener::bind(self.addr).await.unwrap();
        self.serve(listener);
    }

    /// The test database URL with the relay as host and port.
    fn url(&self, db: &TestDb) -> String {
        let (user, host_and_rest) = split_url(&db.url);
        let path = host_and_rest
            .find(['/', '?'])
            .map_or("", |i| &host_and_rest[i..]);
        format!("postgres://{user}{}{path}", self.addr)
    }
}

/// (`user[:password]@` or "", `host[:port][/db][?params]`) of a URL.
fn split_url(url: &str) -> (String, &str) {
    let after = url.split_once("://").map_or(url, |(_, r)| r);
    match after.split_once('@') {
        Some((user, rest)) => (format!("{user}@"), rest),
        None => (String::new(), after),
    }
}

/// The host:port of the test database URL.
fn upstream(db: &TestDb) -> String {
    let (_, after) = split_url(&db.url);
    let end = after.find(['/', '?']).unwrap_or(after.len());
    let hostport = &after[..end];
    if hostport.contains(':') {
        hostport.to_owned()
    } else {
        format!("{hostport}:5432")
    }
}

fn assert_transient(err: &Error) {
    assert!(err.is_transient(), "{err}");
    assert_eq!(err.reason_code(), "store_error");
    assert!(
        matches!(err, Error::Database { .. } | Error::DatabaseTimeout { .. }),
        "{err}"
    );
}

/// No server needed: nothing listens on the port.
#[tokio::test]
async fn a_closed_port_is_a_transient_store_error() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("postgres://nobody@127.0.0.1:{port}/none");
    let store = PgStore::open_with(&url, None, short_options()).unwrap();
    let err = store
        .put("a@x.org", &cert("closed", NOW), &ctx("<c@x>", NOW))
        .await
        .unwrap_err();
    assert_transient(&err);
    // One readable sentence, with the operating system's reason.
    let text = err.to_string();
    assert!(
        text.starts_with("the PostgreSQL store could not connect: "),
        "{text}"
    );
    assert!(text.contains("refused"), "{text}");
    assert_transient(&store.get("a@x.org").await.unwrap_err());
    assert_transient(&store.list().await.unwrap_err());
}

/// No server needed: something accepts connections and never answers.
#[tokio::test]
async fn a_silent_server_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let store = PgStore::open_with(
        &format!("postgres://nobody@{addr}/none"),
        None,
        short_options(),
    )
    .unwrap();
    let err = store
        .put("a@x.org", &cert("silent", NOW), &ctx("<s@x>", NOW))
        .await
        .unwrap_err();
    assert_transient(&err);
    silent.abort();
}

#[tokio::test]
async fn an_outage_gives_transient_errors_then_recovers_losing_nothing() {
    let Some(db) = TestDb::new("outage").await else {
        return;
    };
    let mut relay = Relay::start(&upstream(&db)).await;
    let store = db.store_with(&relay.url(&db), short_options());
    let address = "load@example.com";
    let certs: Vec<Vec<u8>> = (0..12)
        .map(|i| cert(&format!("load-{i}"), NOW - 100 * 86_400 + i * 3_600))
        .collect();
    let put = |i: usize| {
        let (store, der) = (&store, &certs[i]);
        async move {
            let context = ctx(&format!("<load{i}@x>"), NOW + i as i64);
            store.put(address, der, &context).await
        }
    };
    let mut acknowledged = Vec::new();
    for (i, der) in certs.iter().enumerate().take(4) {
        let expected = if i == 0 {
            PutOutcome::Created
        } else {
            PutOutcome::Replaced
        };
        assert_eq!(put(i).await.unwrap().outcome, expected, "put {i}");
        acknowledged.push(sha256_hex(der));
    }
    // The database goes away: every operation fails, transiently (the daemon answers
    // 503, the provider keeps the batch and retries).
    relay.stop().await;
    for i in 4..8 {
        assert_transient(&put(i).await.unwrap_err());
    }
    assert_transient(&store.get(address).await.unwrap_err());
    // It comes back: the same store recovers by itself; the retried puts and the
    // rest of the load are stored.
    relay.restart().await;
    for (i, der) in certs.iter().enumerate().skip(4) {
        let mut failures = 0;
        let stored = loop {
            match put(i).await {
                Ok(stored) => break stored,
                Err(err) => {
                    assert_transient(&err);
                    failures += 1;
                    assert!(failures < 50, "no recovery: {err}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        };
        assert_eq!(stored.outcome, PutOutcome::Replaced, "put {i}");
        acknowledged.push(sha256_hex(der));
    }
    assert_eq!(store.get(address).await.unwrap().as_ref(), certs.last());
    let history = store.history(address).await.unwrap();
    let mut got: Vec<String> = history.iter().map(|e| e.sha256.clone()).collect();
    got.sort();
    acknowledged.sort();
    assert_eq!(
        got, acknowledged,
        "every acknowledged certificate is stored"
    );
}

#[tokio::test]
async fn terminated_connections_are_replaced() {
    let Some(db) = TestDb::new("terminate").await else {
        return;
    };
    let app = format!("{}_app", db.schema);
    let store = db.store_with(
        &db.url_with(&format!("application_name={app}")),
        Default::default(),
    );
    let address = "term@example.com";
    store
        .put(address, &cert("term-0", NOW - 10), &ctx("<t0@x>", NOW))
        .await
        .unwrap();
    let admin = db.admin().await;
    let terminated: i64 = admin
        .query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1",
            &[&app],
        )
        .await
        .unwrap()
        .get(0);
    assert!(terminated >= 1, "the store kept no connection");
    // The pool notices the dead connection before use and opens another.
    let stored = store
        .put(address, &cert("term-1", NOW), &ctx("<t1@x>", NOW + 1))
        .await
        .unwrap();
    assert_eq!(stored.outcome, PutOutcome::Replaced);
    assert_eq!(store.history(address).await.unwrap().len(), 2);
}
