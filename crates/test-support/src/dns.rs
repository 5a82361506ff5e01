//! A loopback authoritative DNS server (hickory-server) for DKIM key lookups in tests.
//!
//! [`TestDns::start`] binds UDP and TCP on `127.0.0.1:0` inside the caller's Tokio
//! runtime; [`TestDns::start_blocking`] runs the same server on a thread with its own
//! runtime, for tests that spawn a binary and need DNS alive beside it. Both stop when
//! the `TestDns` is dropped.
//!
//! The zone is the root zone (`.`, with an SOA so that negative answers are proper
//! authoritative NXDOMAIN / NODATA) holding the given TXT records. Two kinds of names are
//! special, whatever the zone holds:
//! - a name whose first label is [`SERVFAIL_LABEL`] is answered with SERVFAIL;
//! - a name whose first label is [`TIMEOUT_LABEL`] is never answered (the request is
//!   dropped after at most [`BLACKHOLE_HOLD`], or when the server stops).
//!
//! Every query is counted per name ([`TestDns::queries`]), so tests can check caching.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hickory_server::Server;
use hickory_server::net::runtime::{Time, TokioRuntimeProvider};
use hickory_server::proto::op::{Header, HeaderCounts, MessageType, Metadata, ResponseCode};
use hickory_server::proto::rr::rdata::{SOA, TXT};
use hickory_server::proto::rr::{LowerName, Name, RData, Record};
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::store::in_memory::InMemoryZoneHandler;
use hickory_server::zone_handler::{AxfrPolicy, Catalog, MessageResponseBuilder, ZoneType};
use tokio_util::sync::CancellationToken;

/// First label of names answered with SERVFAIL (e.g. `servfail._domainkey.example.com`).
pub const SERVFAIL_LABEL: &str = "servfail";
/// First label of names never answered (e.g. `timeout._domainkey.example.com`).
pub const TIMEOUT_LABEL: &str = "timeout";
/// How long an unanswered request is held before it is dropped.
pub const BLACKHOLE_HOLD: Duration = Duration::from_secs(30);
/// TTL of every record served.
pub const TTL: u32 = 300;

/// A running loopback DNS server. Stops on drop.
pub struct TestDns {
    addr: SocketAddr,
    counts: Arc<Mutex<HashMap<String, usize>>>,
    cancel: CancellationToken,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestDns {
    /// Starts the server in the current Tokio runtime, serving `records`
    /// (`(owner name, TXT value)`; the name with or without the final dot).
    ///
    /// Panics if it cannot bind loopback sockets (a test-environment failure).
    pub async fn start(records: &[(String, String)]) -> TestDns {
        let counts = Arc::new(Mutex::new(HashMap::new()));
        let cancel = CancellationToken::new();
        let addr = spawn_server(records, counts.clone(), cancel.clone()).await;
        TestDns {
            addr,
            counts,
            cancel,
            thread: None,
        }
    }

    /// Starts the server on its own thread and runtime; returns once it is listening.
    pub fn start_blocking(records: &[(String, String)]) -> TestDns {
        let counts = Arc::new(Mutex::new(HashMap::new()));
        let cancel = CancellationToken::new();
        let (tx, rx) = std::sync::mpsc::channel();
        let records = records.to_vec();
        let (thread_counts, thread_cancel) = (counts.clone(), cancel.clone());
        let thread = std::thread::Builder::new()
            .name("test-dns".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("test DNS runtime");
                rt.block_on(async move {
                    let addr = spawn_server(&records, thread_counts, thread_cancel.clone()).await;
                    let _ = tx.send(addr);
                    thread_cancel.cancelled().await;
                    // Give the server task a moment to finish its graceful shutdown.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                });
            })
            .expect("spawn test DNS thread");
        let addr = rx.recv().expect("test DNS server did not start");
        TestDns {
            addr,
            counts,
            cancel,
            thread: Some(thread),
        }
    }

    /// The address (UDP and TCP) the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `IP:PORT` as a string, as `--dns` and `dkim.dns` take it.
    pub fn addr_string(&self) -> String {
        self.addr.to_string()
    }

    /// How many queries (any type, UDP or TCP) the server received for `name`.
    pub fn queries(&self, name: &str) -> usize {
        let key = fqdn_lower(name);
        self.counts.lock().unwrap().get(&key).copied().unwrap_or(0)
    }
}

impl Drop for TestDns {
    fn drop(&mut self) {
        self.cancel.cancel();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn fqdn_lower(name: &str) -> String {
    let mut n = name.trim().to_ascii_lowercase();
    if !n.ends_with('.') {
        n.push('.');
    }
    n
}

/// Builds the catalog, binds the sockets and spawns the server task.
async fn spawn_server(
    records: &[(String, String)],
    counts: Arc<Mutex<HashMap<String, usize>>>,
    cancel: CancellationToken,
) -> SocketAddr {
    let handler = Handler {
        catalog: catalog(records),
        counts,
        cancel: cancel.clone(),
    };
    let (udp, tcp, addr) = bind_pair().await;
    let mut server = Server::new(handler);
    server.register_socket(udp);
    server.register_listener(tcp, Duration::from_secs(5), 4096);
    tokio::spawn(async move {
        cancel.cancelled().await;
        let _ = server.shutdown_gracefully().await;
    });
    addr
}

/// A UDP socket and a TCP listener on the same free loopback port. The port the kernel
/// picks for UDP may be taken for TCP by another test running at the same time: then
/// try another port (regression: a parallel webhook test failed on AddrInUse).
async fn bind_pair() -> (tokio::net::UdpSocket, tokio::net::TcpListener, SocketAddr) {
    for _ in 0..64 {
        let udp = tokio::net::UdpSocket::bind("127.0.0.1:0")
            .await
            .expect("bind UDP");
        let addr = udp.local_addr().expect("UDP address");
        match tokio::net::TcpListener::bind(addr).await {
            Ok(tcp) => return (udp, tcp, addr),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => continue,
            Err(e) => panic!("bind TCP on the UDP port {addr}: {e}"),
        }
    }
    panic!("no loopback port free for both UDP and TCP after 64 tries")
}

/// The root zone with an SOA and the TXT records. Values longer than 255 bytes are split
/// into several character-strings, as zone files do.
fn catalog(records: &[(String, String)]) -> Catalog {
    let origin = Name::root();
    let mut zone = InMemoryZoneHandler::<TokioRuntimeProvider>::empty(
        origin.clone(),
        ZoneType::Primary,
        AxfrPolicy::Deny,
    );
    let soa = SOA::new(
        Name::from_ascii("ns.test.").unwrap(),
        Name::from_ascii("hostmaster.test.").unwrap(),
        1,
        3600,
        600,
        86400,
        TTL,
    );
    assert!(zone.upsert_mut(Record::from_rdata(origin.clone(), TTL, RData::SOA(soa)), 1));
    for (name, value) in records {
        let name = Name::from_ascii(fqdn_lower(name)).expect("valid owner name");
        let chunks = value
            .as_bytes()
            .chunks(255)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>();
        let txt = RData::TXT(TXT::new(chunks));
        assert!(zone.upsert_mut(Record::from_rdata(name, TTL, txt), 1));
    }
    let mut catalog = Catalog::new();
    catalog.upsert(LowerName::new(&origin), vec![Arc::new(zone)]);
    catalog
}

struct Handler {
    catalog: Catalog,
    counts: Arc<Mutex<HashMap<String, usize>>>,
    cancel: CancellationToken,
}

#[async_trait::async_trait]
impl RequestHandler for Handler {
    async fn handle_request<R: ResponseHandler, T: Time>(
        &self,
        request: &Request,
        mut response_handle: R,
    ) -> ResponseInfo {
        let name = request
            .queries
            .queries()
            .first()
            .map(|q| q.name().to_string().to_ascii_lowercase())
            .unwrap_or_default();
        *self.counts.lock().unwrap().entry(name.clone()).or_default() += 1;
        let first_label = name.split('.').next().unwrap_or("");
        if first_label == TIMEOUT_LABEL {
            tokio::select! {
                _ = tokio::time::sleep(BLACKHOLE_HOLD) => {}
                _ = self.cancel.cancelled() => {}
            }
            let mut metadata = Metadata::new(
                request.metadata.id,
                MessageType::Response,
                request.metadata.op_code,
            );
            metadata.response_code = ResponseCode::ServFail;
            return ResponseInfo::from(Header {
                metadata,
                counts: HeaderCounts::default(),
            });
        }
        if first_label == SERVFAIL_LABEL {
            let response = MessageResponseBuilder::new(&request.queries, None)
                .error_msg(&request.metadata, ResponseCode::ServFail);
            return match response_handle.send_response(response).await {
                Ok(info) => info,
                Err(_) => {
                    let mut metadata = Metadata::new(
                        request.metadata.id,
                        MessageType::Response,
                        request.metadata.op_code,
                    );
                    metadata.response_code = ResponseCode::ServFail;
                    ResponseInfo::from(Header {
                        metadata,
                        counts: HeaderCounts::default(),
                    })
                }
            };
        }
        self.catalog
            .handle_request::<R, T>(request, response_handle)
            .await
    }
}
