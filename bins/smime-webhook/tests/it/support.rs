//! Test harness: the daemon binary on a loopback port, relay batches, and a UDP/TCP
//! forwarder that lets a test switch DNS on.

use std::io::{BufRead as _, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;

pub(crate) use crate::client::{Client, read_reply};

pub(crate) const TOKEN: &str = "t0p s3cr3t t0k3n";

/// The head of a webhook POST with the right Content-Type and token (no blank line).
pub(crate) const JSON_HEAD: &str = "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nX-MessageSystems-Webhook-Token: t0p s3cr3t t0k3n";

/// How long the harness waits for the daemon to say something (start, shut down).
pub(crate) const PATIENCE: Duration = Duration::from_secs(60);

/// The daemon, started on `127.0.0.1:0` with a temporary config and store. Killed on
/// drop, printing its log.
pub(crate) struct Daemon {
    child: Child,
    pub(crate) addr: SocketAddr,
    log: Arc<Mutex<String>>,
    pub(crate) dir: tempfile::TempDir,
}

/// What goes into the temporary configuration.
pub(crate) struct Setup {
    /// `dkim.dns`; `None` turns DKIM off.
    pub(crate) dns: Option<String>,
    pub(crate) token: bool,
    /// `(cert, key)` PEM for `[webhook.tls]`.
    pub(crate) tls: Option<(String, String)>,
    /// Extra `[webhook]` lines.
    pub(crate) webhook_extra: String,
    /// `store.location`; `None`: a directory in the temporary directory.
    pub(crate) store: Option<String>,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            dns: None,
            token: true,
            tls: None,
            webhook_extra: String::new(),
            store: None,
        }
    }
}

impl Daemon {
    pub(crate) fn start(setup: &Setup) -> Daemon {
        let dir = tempfile::tempdir().unwrap();
        let anchors = trust_anchor(dir.path());
        let store = setup
            .store
            .clone()
            .unwrap_or_else(|| dir.path().join("certs").display().to_string());
        let mut toml = format!(
            "[trust]\nanchors = [{anchors:?}]\n[store]\nlocation = {store:?}\n[log]\nformat = \"text\"\n"
        );
        match &setup.dns {
            Some(dns) => toml.push_str(&format!("[dkim]\nmode = \"required\"\ndns = [{dns:?}]\n")),
            None => toml.push_str("[dkim]\nmode = \"off\"\n"),
        }
        toml.push_str("[webhook]\npath = \"/\"\n");
        if setup.token {
            toml.push_str(&format!("token = {TOKEN:?}\n"));
        }
        toml.push_str(&setup.webhook_extra);
        if let Some((cert, key)) = &setup.tls {
            let (c, k) = (dir.path().join("server.crt"), dir.path().join("server.key"));
            std::fs::write(&c, cert).unwrap();
            std::fs::write(&k, key).unwrap();
            toml.push_str(&format!("[webhook.tls]\ncert = {c:?}\nkey = {k:?}\n"));
        }
        let config = dir.path().join("smime-collector.toml");
        std::fs::write(&config, &toml).unwrap();

        let mut child = Command::new(env!("CARGO_BIN_EXE_smime-webhook"))
            .arg("-c")
            .arg(&config)
            .args(["--listen", "127.0.0.1:0"])
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn smime-webhook");
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let mut log = sink.lock().unwrap();
                log.push_str(&strip_ansi(&line));
                log.push('\n');
            }
        });
        let mut daemon = Daemon {
            child,
            addr: "0.0.0.0:0".parse().unwrap(),
            log,
            dir,
        };
        let line = daemon.wait_for_log("listening on ");
        let after = &line[line.find("listening on ").unwrap() + "listening on ".len()..];
        let addr: String = after
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '"')
            .collect();
        daemon.addr = addr
            .parse()
            .unwrap_or_else(|_| panic!("no address in {line:?}"));
        daemon
    }

    /// The log so far.
    pub(crate) fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Waits until a log line contains `needle`; returns that line. Panics (printing
    /// the log) if the daemon exits or stays silent too long.
    pub(crate) fn wait_for_log(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(line) = self.log().lines().find(|l| l.contains(needle)) {
                return line.to_string();
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                std::thread::sleep(Duration::from_millis(100));
                panic!(
                    "smime-webhook exited ({status}) before logging {needle:?}:\n{}",
                    self.log()
                );
            }
            assert!(
                Instant::now() < deadline,
                "no {needle:?} in the log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends SIGTERM.
    pub(crate) fn sigterm(&self) {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -TERM failed");
    }

    /// Waits for the process to exit.
    pub(crate) fn wait(&mut self) -> ExitStatus {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "smime-webhook did not exit:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The store directory.
    pub(crate) fn store(&self) -> PathBuf {
        self.dir.path().join("certs")
    }

    /// One metrics sample, e.g. `smime_webhook_messages_total{verdict="rejected",reason="not_signed"}`.
    pub(crate) fn metric(&self, series: &str) -> u64 {
        let reply = Client::plain(self.addr).get("/metrics");
        assert_eq!(reply.status, 200);
        reply
            .text()
            .lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or(0)
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::thread::sleep(Duration::from_millis(50));
        eprintln!(
            "---- smime-webhook log ----\n{}---- end of log ----",
            self.log()
        );
    }
}

/// The project's test root when the fixtures exist, else a CA made here (nothing will
/// chain to it, which the rejection tests do not mind).
fn trust_anchor(dir: &Path) -> PathBuf {
    let root = test_support::testdata_dir().join("pki/root.pem");
    if root.is_file() {
        return root;
    }
    let path = dir.join("anchor.pem");
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "smime-webhook test anchor");
    std::fs::write(&path, params.self_signed(&key).unwrap().pem()).unwrap();
    path
}

/// A self-signed server certificate for `localhost` and `127.0.0.1`: `(cert PEM, key PEM)`.
pub(crate) fn server_certificate() -> (String, String) {
    let names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(names)
        .unwrap()
        .self_signed(&key)
        .unwrap();
    (cert.pem(), key.serialize_pem())
}

fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A relay batch of `messages`, base64-encoding those asked for, as SparkPost sends it.
pub(crate) fn batch(messages: &[(&[u8], bool)]) -> Vec<u8> {
    let events: Vec<serde_json::Value> = messages
        .iter()
        .enumerate()
        .map(|(i, (raw, base64))| {
            let content = if *base64 {
                base64::engine::general_purpose::STANDARD.encode(raw)
            } else {
                String::from_utf8(raw.to_vec()).expect("plain content must be UTF-8")
            };
            serde_json::json!({"msys": {"relay_message": {
                "content": {
                    "email_rfc822": content,
                    "email_rfc822_is_base64": base64,
                    "headers": [{"To": "secureme@inbound.example.com"}],
                    "html": null, "subject": "test", "text": "test", "to": ["secureme@inbound.example.com"],
                },
                "customer_id": "1337",
                "friendly_from": "alice@example.com",
                "msg_from": "bounces@example.com",
                "protocol": "ESMTP",
                "rcpt_to": "secureme@inbound.example.com",
                "webhook_id": format!("41234567890123{i}"),
            }}})
        })
        .collect();
    serde_json::to_vec(&events).unwrap()
}

/// A fixture under `testdata/`.
pub(crate) fn fixture(relative: &str) -> Vec<u8> {
    let path = test_support::testdata_dir().join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// An unsigned plain message (no DKIM, no S/MIME).
pub(crate) fn unsigned_message(from: &str, case: &str) -> Vec<u8> {
    format!(
        "From: <{from}>\r\nTo: secureme@inbound.example.com\r\nSubject: {case}\r\n\
         Message-ID: <{case}@test.example.com>\r\n\r\nplain text, no signature\r\n"
    )
    .into_bytes()
}

/// A DNS forwarder on a fixed loopback port (UDP and TCP) that starts dead (the port
/// is reserved, nothing answers: lookups fail) and forwards to `upstream` once
/// [`Forwarder::enable`] is called.
pub(crate) struct Forwarder {
    pub(crate) addr: SocketAddr,
    on: Arc<AtomicBool>,
    _threads: Vec<std::thread::JoinHandle<()>>,
}

impl Forwarder {
    pub(crate) fn new(upstream: SocketAddr) -> Forwarder {
        // The UDP port may be taken for TCP by a parallel test: try another one.
        let (udp, tcp, addr) = (0..64)
            .find_map(|_| {
                let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
                let addr = udp.local_addr().unwrap();
                TcpListener::bind(addr).ok().map(|tcp| (udp, tcp, addr))
            })
            .expect("a loopback port free for UDP and TCP");
        let on = Arc::new(AtomicBool::new(false));
        let udp_on = Arc::clone(&on);
        let udp_thread = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok((n, from)) = udp.recv_from(&mut buf) {
                if !udp_on.load(Ordering::SeqCst) {
                    continue; // dead: drop the query
                }
                let up = UdpSocket::bind("127.0.0.1:0").unwrap();
                up.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                up.send_to(&buf[..n], upstream).unwrap();
                let mut answer = [0u8; 4096];
                if let Ok(m) = up.recv(&mut answer) {
                    let _ = udp.send_to(&answer[..m], from);
                }
            }
        });
        let tcp_on = Arc::clone(&on);
        let tcp_thread = std::thread::spawn(move || {
            for client in tcp.incoming() {
                let Ok(client) = client else { continue };
                if !tcp_on.load(Ordering::SeqCst) {
                    continue; // dropped: the resolver sees the connection close
                }
                let Ok(server) = TcpStream::connect(upstream) else {
                    continue;
                };
                let (mut c2, mut s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                let (mut c1, mut s1) = (client, server);
                std::thread::spawn(move || std::io::copy(&mut c1, &mut s1));
                std::thread::spawn(move || std::io::copy(&mut s2, &mut c2));
            }
        });
        Forwarder {
            addr,
            on,
            _threads: vec![udp_thread, tcp_thread],
        }
    }

    pub(crate) fn enable(&self) {
        self.on.store(true, Ordering::SeqCst);
    }
}
