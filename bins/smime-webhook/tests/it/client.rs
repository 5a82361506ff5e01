//! A tiny HTTP/1.1 client, plain or TLS: one request per connection, raw bytes on the
//! wire so that tests can also send what a well-behaved client would not.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;

use crate::support::{PATIENCE, TOKEN};

/// A parsed HTTP response.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Reply {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.text()))
    }
    /// The `message` of a JSON error answer.
    pub(crate) fn message(&self) -> String {
        self.json()["message"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

/// Parses a response read to EOF (`Connection: close`).
pub(crate) fn parse_reply(raw: &[u8]) -> Reply {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no response head in {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Reply {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

/// A one-request-per-connection HTTP/1.1 client, plain or TLS.
pub(crate) struct Client {
    addr: SocketAddr,
    tls: Option<Arc<rustls::ClientConfig>>,
}

impl Client {
    pub(crate) fn plain(addr: SocketAddr) -> Client {
        Client { addr, tls: None }
    }

    /// HTTPS, trusting only `cert_pem`.
    pub(crate) fn tls(addr: SocketAddr, cert_pem: &str) -> Client {
        use rustls_pki_types::pem::PemObject as _;
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(rustls_pki_types::CertificateDer::from_pem_slice(cert_pem.as_bytes()).unwrap())
            .unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        Client {
            addr,
            tls: Some(Arc::new(config)),
        }
    }

    pub(crate) fn connect(&self) -> Box<dyn ReadWrite> {
        let tcp = TcpStream::connect(self.addr).unwrap();
        tcp.set_read_timeout(Some(PATIENCE)).unwrap();
        match &self.tls {
            None => Box::new(tcp),
            Some(config) => {
                let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
                let conn = rustls::ClientConnection::new(Arc::clone(config), name).unwrap();
                Box::new(rustls::StreamOwned::new(conn, tcp))
            }
        }
    }

    /// Sends `head` (request line and headers, without the blank line) then `body`,
    /// with `Content-Length` and `Connection: close` added.
    pub(crate) fn send(&self, head: &str, body: &[u8]) -> Reply {
        let mut stream = self.connect();
        let request = format!(
            "{head}\r\nHost: localhost\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(request.as_bytes()).unwrap();
        stream.write_all(body).unwrap();
        stream.flush().unwrap();
        read_reply(&mut *stream)
    }

    pub(crate) fn get(&self, path: &str) -> Reply {
        self.send(&format!("GET {path} HTTP/1.1"), b"")
    }

    /// POSTs a relay batch with the right Content-Type and token.
    pub(crate) fn post_batch(&self, body: &[u8]) -> Reply {
        self.send(
            &format!(
                "POST / HTTP/1.1\r\nContent-Type: application/json\r\nX-MessageSystems-Webhook-Token: {TOKEN}"
            ),
            body,
        )
    }
}

/// Reads a whole response (to EOF, or to the end of its Content-Length).
pub(crate) fn read_reply(stream: &mut dyn ReadWrite) -> Reply {
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            // A TLS peer that closes without close_notify, or a reset after the answer.
            Err(_) if !raw.is_empty() => break,
            Err(e) => panic!("reading the response: {e}"),
        }
    }
    parse_reply(&raw)
}

pub(crate) trait ReadWrite: Read + Write + Send {}
impl<T: Read + Write + Send> ReadWrite for T {}
