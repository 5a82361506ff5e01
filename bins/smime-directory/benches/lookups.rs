//! Lookups per second over HTTP (measured with `wrk`) and LDAP (a small in-process client
//! over ldap3_proto's codec) against an in-memory directory of 100,000 addresses behind
//! the cache, the servers on a two-thread runtime.
//!
//! `cargo bench -p smime-directory --bench lookups` (release profile). Settings through
//! the environment: `BENCH_ADDRESSES` (100000), `BENCH_SECONDS` (10), `BENCH_CONNECTIONS`
//! (64). One address in ten is unknown (a 404 / no entry), the rest are spread over 64
//! distinct certificates (issuing 100,000 would take minutes; a lookup does not care).
//! Numbers go to BENCHMARKS.md; nothing here asserts on time.

#![allow(clippy::unwrap_used, missing_docs)]

use std::net::SocketAddr;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use ldap3_proto::LdapCodec;
use ldap3_proto::proto::{
    LdapDerefAliases, LdapFilter, LdapMsg, LdapOp, LdapSearchRequest, LdapSearchScope,
};
use smime_directory::metrics::{LookupResult, Protocol};
use smime_directory::{
    App, CacheOptions, CachedDirectory, CancellationToken, Entry, MemoryDirectory, Options,
    serve_http, serve_ldap,
};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio_util::codec::{Decoder as _, Encoder as _};

const BASE_DN: &str = "dc=bench";

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn address(i: usize) -> String {
    format!("user{i}@example{}.com", i % 100)
}

fn fill(addresses: usize) -> MemoryDirectory {
    let ca = &test_support::pki::hierarchy().intermediate;
    let pool: Vec<Vec<u8>> = (0..64)
        .map(|i| {
            let spec = test_support::pki::CertSpec::leaf(
                &format!("bench:{i}"),
                &format!("pool{i}@example.com"),
                test_support::keys::KeyAlg::P256,
            );
            spec.issue(ca).der
        })
        .collect();
    let mem = MemoryDirectory::new();
    // Every tenth address stays unknown.
    for i in (0..addresses).filter(|i| i % 10 != 9) {
        let entry = Entry::from_der(address(i), &pool[i % pool.len()]).unwrap();
        mem.insert_entry(Arc::new(entry), 0).unwrap();
    }
    mem
}

fn main() {
    let addresses = env("BENCH_ADDRESSES", 100_000);
    let seconds = env("BENCH_SECONDS", 10) as u64;
    let connections = env("BENCH_CONNECTIONS", 64);
    let started = Instant::now();
    let mem = fill(addresses);
    println!(
        "directory: {} addresses with a certificate, {} unknown, filled in {:.1} s",
        mem.len(),
        addresses - mem.len(),
        started.elapsed().as_secs_f64()
    );
    let cached = CachedDirectory::new(
        mem,
        CacheOptions {
            capacity: addresses * 2,
            ttl: None,
        },
    );
    let options = Options {
        base_dn: BASE_DN.to_string(),
        clock: Arc::new(|| test_support::FIXED_NOW_UNIX as i64),
        ..Options::default()
    };
    let app = Arc::new(App::new(cached, options).unwrap());
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let shutdown = CancellationToken::new();
    let (http, ldap) = server.block_on(async {
        let h = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addrs = (h.local_addr().unwrap(), l.local_addr().unwrap());
        tokio::spawn(serve_http(h, Arc::clone(&app), shutdown.clone()));
        tokio::spawn(serve_ldap(l, Arc::clone(&app), shutdown.clone()));
        addrs
    });

    http_with_wrk(http, addresses, seconds, connections);
    ldap_load(ldap, addresses, seconds, connections);
    let m = app.metrics();
    for p in [Protocol::Http, Protocol::Ldap] {
        println!(
            "{p:?}: found {}, not found {}",
            m.lookups(p, LookupResult::Found),
            m.lookups(p, LookupResult::NotFound)
        );
    }
    shutdown.cancel();
}

/// `wrk` with a Lua script that asks for a random address per request.
fn http_with_wrk(http: SocketAddr, addresses: usize, seconds: u64, connections: usize) {
    let script =
        std::env::temp_dir().join(format!("smime-directory-bench-{}.lua", std::process::id()));
    std::fs::write(
        &script,
        format!(
            "math.randomseed(42)\nrequest = function()\n  local i = math.random(0, {})\n  return wrk.format(\"GET\", \"/v1/certificates/user\" .. i .. \"@example\" .. (i % 100) .. \".com\")\nend\n",
            addresses - 1
        ),
    )
    .unwrap();
    let out = Command::new("wrk")
        .args([
            "-t2",
            &format!("-c{connections}"),
            &format!("-d{seconds}s"),
            "--latency",
            "-s",
        ])
        .arg(&script)
        .arg(format!("http://{http}"))
        .output();
    let _ = std::fs::remove_file(&script);
    match out {
        Ok(out) => {
            let text = String::from_utf8_lossy(&out.stdout);
            println!("HTTP (wrk -t2 -c{connections} -d{seconds}s, random addresses):\n{text}");
        }
        Err(e) => println!("HTTP: wrk not available ({e}); apt-get install wrk"),
    }
}

/// `connections` LDAP clients, each searching `(mail=<random address>)` in a loop.
fn ldap_load(ldap: SocketAddr, addresses: usize, seconds: u64, connections: usize) {
    let client = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let done = Arc::new(AtomicU64::new(0));
    let entries = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    client.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for c in 0..connections {
            let (done, entries, stop) = (done.clone(), entries.clone(), stop.clone());
            tasks.spawn(async move {
                let mut stream = tokio::net::TcpStream::connect(ldap).await.unwrap();
                stream.set_nodelay(true).unwrap();
                let mut codec = LdapCodec::default();
                let mut buf = BytesMut::with_capacity(16 * 1024);
                let mut out = BytesMut::new();
                let mut state = (c as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                let mut id = 0;
                while !stop.load(Ordering::Relaxed) {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    id += 1;
                    let i = (state % addresses as u64) as usize;
                    codec.encode(search(id, &address(i)), &mut out).unwrap();
                    stream.write_all(&out).await.unwrap();
                    out.clear();
                    'answer: loop {
                        while let Some(m) = codec.decode(&mut buf).unwrap() {
                            match m.op {
                                LdapOp::SearchResultEntry(_) => {
                                    entries.fetch_add(1, Ordering::Relaxed);
                                }
                                LdapOp::SearchResultDone(_) => break 'answer,
                                other => panic!("unexpected {other:?}"),
                            }
                        }
                        if stream.read_buf(&mut buf).await.unwrap() == 0 {
                            panic!("server closed");
                        }
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        stop.store(true, Ordering::Relaxed);
        while tasks.join_next().await.is_some() {}
    });
    let elapsed = started.elapsed().as_secs_f64();
    let n = done.load(Ordering::Relaxed);
    println!(
        "LDAP ({connections} connections, {seconds} s, random addresses): {n} searches, {:.0} searches/s, {} entries returned",
        n as f64 / elapsed,
        entries.load(Ordering::Relaxed)
    );
}

fn search(msgid: i32, address: &str) -> LdapMsg {
    LdapMsg {
        msgid,
        op: LdapOp::SearchRequest(LdapSearchRequest {
            base: BASE_DN.to_string(),
            scope: LdapSearchScope::Subtree,
            aliases: LdapDerefAliases::Never,
            sizelimit: 0,
            timelimit: 0,
            typesonly: false,
            filter: LdapFilter::Equality("mail".to_string(), address.to_string()),
            attrs: vec!["userCertificate;binary".to_string(), "mail".to_string()],
        }),
        ctrl: Vec::new(),
    }
}
