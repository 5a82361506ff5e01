//! Two daemons on one PostgreSQL store (SPEC "Store", issue 8): concurrent batches for the
//! same addresses, the database cut in the middle of the load (503, then recovery), and
//! the final state and history checked against the directory store's rule.
//!
//! Needs `SMIME_COLLECTOR_TEST_PG` (CI sets it); without it the test says it is skipped,
//! unless `SMIME_COLLECTOR_TEST_PG_REQUIRED=1`.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cert_store::CertStore;
use test_support::dns::TestDns;

use crate::support::{Client, Daemon, Setup, batch, fixture};

fn database_url() -> Option<String> {
    match std::env::var("SMIME_COLLECTOR_TEST_PG") {
        Ok(url) => Some(url),
        Err(_) if std::env::var("SMIME_COLLECTOR_TEST_PG_REQUIRED").is_ok_and(|v| v == "1") => {
            panic!("SMIME_COLLECTOR_TEST_PG is not set and SMIME_COLLECTOR_TEST_PG_REQUIRED=1")
        }
        Err(_) => {
            eprintln!("skipped: SMIME_COLLECTOR_TEST_PG not set [two daemons on PostgreSQL]");
            None
        }
    }
}

/// A TCP relay in front of the database that the test can cut and restore on the same
/// port, as a database restart looks to the daemons.
struct Relay {
    addr: SocketAddr,
    up: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<TcpStream>>>,
}

impl Relay {
    fn new(upstream: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(true));
        let open = Arc::new(Mutex::new(Vec::new()));
        let (up2, open2) = (up.clone(), open.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                if !up2.load(Ordering::SeqCst) {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(upstream) else {
                    continue;
                };
                let mut open = open2.lock().unwrap();
                open.push(client.try_clone().unwrap());
                open.push(server.try_clone().unwrap());
                pipe(client.try_clone().unwrap(), server.try_clone().unwrap());
                pipe(server, client);
            }
        });
        Relay { addr, up, open }
    }

    /// Drops every connection and refuses new ones.
    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for s in self.open.lock().unwrap().drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

fn pipe(mut from: TcpStream, mut to: TcpStream) {
    std::thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if to.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            }
        }
        let _ = to.shutdown(Shutdown::Both);
    });
}

/// The accepted fixtures: several senders, several certificates for alice.
fn accepted_messages() -> Vec<Vec<u8>> {
    let dir = test_support::testdata_dir().join("pipeline/accepted");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
        .iter()
        .map(|n| fixture(&format!("pipeline/accepted/{n}")))
        .collect()
}

/// address -> (current certificate, number of certificates in its history).
fn state(
    store: &dyn CertStore,
    runtime: &tokio::runtime::Runtime,
) -> BTreeMap<String, (Vec<u8>, usize)> {
    runtime.block_on(async {
        let mut out = BTreeMap::new();
        for address in store.list().await.unwrap() {
            let current = store.get(&address).await.unwrap().unwrap();
            let history = store.history(&address).await.unwrap().len();
            out.insert(address, (current, history));
        }
        out
    })
}

#[test]
fn two_daemons_share_one_database_through_a_restart() {
    let Some(url) = database_url() else { return };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let upstream: SocketAddr = {
        let hostport = url.split("://").nth(1).unwrap().split('/').next().unwrap();
        let hostport = hostport.rsplit('@').next().unwrap();
        std::net::ToSocketAddrs::to_socket_addrs(hostport)
            .unwrap()
            .next()
            .unwrap()
    };
    let relay = Relay::new(upstream);
    let schema = format!("webhook_e2e_{}", std::process::id());
    let (prefix, rest) = url.split_once("://").unwrap();
    let path = rest.split_once('/').map_or("", |(_, p)| p);
    let user = rest
        .split('@')
        .next()
        .filter(|_| rest.contains('@'))
        .map(|u| format!("{u}@"))
        .unwrap_or_default();
    let relayed = format!("{prefix}://{user}{}/{path}", relay.addr);
    let sep = if relayed.contains('?') { '&' } else { '?' };
    let location = format!("{relayed}{sep}schema={schema}");

    let dns = TestDns::start_blocking(&test_support::dkim::zone_records());
    let setup = || Setup {
        dns: Some(dns.addr_string()),
        store: Some(location.clone()),
        ..Setup::default()
    };
    let daemons = [Daemon::start(&setup()), Daemon::start(&setup())];
    let messages = accepted_messages();

    // Phase 1: every message twice, each in its own batch, four posters over both
    // daemons at once. Once a few are acknowledged the database goes away (every
    // connection dropped, new ones refused) and comes back a little later; posters
    // retry a 503 as SparkPost would, so every message is acknowledged in the end.
    let queue: Mutex<Vec<(usize, &Vec<u8>)>> =
        Mutex::new(messages.iter().chain(messages.iter()).enumerate().collect());
    let acknowledged = AtomicUsize::new(0);
    let deferred = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                while let Some((i, raw)) = queue.lock().unwrap().pop() {
                    let mut tries = 0;
                    loop {
                        let reply =
                            Client::plain(daemons[i % 2].addr).post_batch(&batch(&[(raw, true)]));
                        match reply.status {
                            200 => break,
                            503 => {
                                assert!(reply.header("retry-after").is_some());
                                deferred.fetch_add(1, Ordering::SeqCst);
                                tries += 1;
                                assert!(tries < 100, "still 503 after the database came back");
                                std::thread::sleep(Duration::from_millis(100));
                            }
                            other => panic!("status {other}: {}", reply.text()),
                        }
                    }
                    acknowledged.fetch_add(1, Ordering::SeqCst);
                }
            });
        }
        while acknowledged.load(Ordering::SeqCst) < 3 {
            std::thread::sleep(Duration::from_millis(5));
        }
        relay.cut();
        // While it is down a batch is deferred, never acknowledged.
        let reply = Client::plain(daemons[0].addr).post_batch(&batch(&[(&messages[0], true)]));
        assert_eq!(reply.status, 503, "{}", reply.text());
        // Stay down a moment so the posters run into it too.
        std::thread::sleep(Duration::from_millis(300));
        relay.restore();
    });
    assert_eq!(acknowledged.load(Ordering::SeqCst), 2 * messages.len());
    eprintln!(
        "deferred while the database was away: {}",
        deferred.load(Ordering::SeqCst)
    );

    // The same messages, one by one, into a directory store: the reference state.
    let reference = Daemon::start(&Setup {
        dns: Some(dns.addr_string()),
        ..Setup::default()
    });
    for raw in &messages {
        assert_eq!(
            Client::plain(reference.addr)
                .post_batch(&batch(&[(raw, true)]))
                .status,
            200
        );
    }
    let dir_store = cert_store::DirStore::open(reference.store()).unwrap();
    let pg_store = cert_store::open(&location).unwrap();
    let want = state(&dir_store, &runtime);
    let got = state(pg_store.as_ref(), &runtime);
    assert!(
        want.len() >= 4,
        "expected several senders: {:?}",
        want.keys()
    );
    assert_eq!(
        got, want,
        "PostgreSQL state differs from the directory store's"
    );

    // Clean up the schema (best effort).
    runtime.block_on(async {
        if let Ok((client, conn)) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await {
            tokio::spawn(conn);
            let _ = client
                .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
                .await;
        }
    });
    drop(relay);
}
