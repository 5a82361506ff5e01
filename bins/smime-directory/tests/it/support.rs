//! Test harness: the servers in process on loopback port 0 over a MemoryDirectory filled
//! with generated certificates, a real HTTP client (hyper), and the command-line tools.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::process::{Command, Output};
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Empty};
use smime_directory::{App, CancellationToken, MemoryDirectory, Options, serve_http, serve_ldap};
use test_support::keys::KeyAlg;
use test_support::pki::{CertSpec, TestCert, hierarchy, leaf_for};
use tokio::net::{TcpListener, TcpStream};

pub(crate) const BASE_DN: &str = "dc=example,dc=com";
pub(crate) const TOKEN: &str = "d1r3ct0ry t0k3n";
pub(crate) const BIND_DN: &str = "cn=reader,dc=example,dc=com";
pub(crate) const BIND_PW: &str = "r3ad3r pa55";
/// A Unicode address in its stored form (IDNA A-label domain, NFC local part).
pub(crate) const UNICODE: &str = "jörg@xn--bcher-kva.de";
/// Its certificate's address as a person writes it.
pub(crate) const UNICODE_WRITTEN: &str = "Jörg@Bücher.de";

/// The generated certificates the directory holds.
pub(crate) struct Fixtures {
    pub(crate) alice: TestCert,
    pub(crate) bob: TestCert,
    pub(crate) jorg: TestCert,
    pub(crate) expired: TestCert,
    pub(crate) revoked: TestCert,
    pub(crate) quoted: TestCert,
}

pub(crate) fn fixtures() -> &'static Fixtures {
    static F: std::sync::OnceLock<Fixtures> = std::sync::OnceLock::new();
    F.get_or_init(|| {
        let ca = &hierarchy().intermediate;
        let mut alice = CertSpec::leaf("dir:alice", "alice@example.com", KeyAlg::P256);
        alice.subject_cn = "Alice Liddell".into();
        let mut jorg = CertSpec::leaf("dir:jorg", UNICODE_WRITTEN, KeyAlg::P256);
        jorg.san_emails.clear();
        jorg.san_smtputf8 = vec![UNICODE_WRITTEN.to_string()];
        jorg.subject_cn = "Jörg Müller".into();
        let mut expired = CertSpec::leaf("dir:expired", "old@example.com", KeyAlg::P256);
        expired.not_after_unix = test_support::pki::T2025 + 86_400;
        let mut quoted = CertSpec::leaf("dir:quoted", "\"a,b+c\"@example.com", KeyAlg::P256);
        quoted.subject_cn = String::new();
        Fixtures {
            alice: alice.issue(ca),
            bob: leaf_for("bob@example.org"),
            jorg: jorg.issue(ca),
            expired: expired.issue(ca),
            revoked: CertSpec::leaf("dir:revoked", "revoked@example.com", KeyAlg::P256).issue(ca),
            quoted: quoted.issue(ca),
        }
    })
}

/// A MemoryDirectory holding every fixture (the revoked one with the store's mark).
pub(crate) fn directory() -> MemoryDirectory {
    let f = fixtures();
    let mem = MemoryDirectory::new();
    let seen = test_support::FIXED_NOW_UNIX as i64;
    mem.insert("alice@example.com", &f.alice.der, seen).unwrap();
    mem.insert("bob@example.org", &f.bob.der, seen).unwrap();
    mem.insert(UNICODE, &f.jorg.der, seen).unwrap();
    mem.insert("old@example.com", &f.expired.der, seen).unwrap();
    mem.insert("\"a,b+c\"@example.com", &f.quoted.der, seen)
        .unwrap();
    let revoked = smime_directory::Entry::from_der("revoked@example.com", &f.revoked.der)
        .unwrap()
        .with_revoked(true);
    mem.insert_entry(Arc::new(revoked), seen).unwrap();
    mem
}

/// Options at the fixtures' fixed instant, under [`BASE_DN`].
pub(crate) fn options() -> Options {
    Options {
        base_dn: BASE_DN.to_string(),
        clock: Arc::new(|| test_support::FIXED_NOW_UNIX as i64),
        ..Options::default()
    }
}

/// Both servers on loopback port 0, stopped on drop.
pub(crate) struct Servers {
    pub(crate) http: SocketAddr,
    pub(crate) ldap: SocketAddr,
    pub(crate) app: Arc<App>,
    shutdown: CancellationToken,
}

impl Servers {
    pub(crate) async fn start(dir: MemoryDirectory, options: Options) -> Servers {
        let app = Arc::new(App::new(dir, options).unwrap());
        let http = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let ldap = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (http_addr, ldap_addr) = (http.local_addr().unwrap(), ldap.local_addr().unwrap());
        let shutdown = CancellationToken::new();
        tokio::spawn(serve_http(http, Arc::clone(&app), shutdown.clone()));
        tokio::spawn(serve_ldap(ldap, Arc::clone(&app), shutdown.clone()));
        Servers {
            http: http_addr,
            ldap: ldap_addr,
            app,
            shutdown,
        }
    }

    pub(crate) async fn default() -> Servers {
        Servers::start(directory(), options()).await
    }

    pub(crate) fn ldap_url(&self) -> String {
        format!("ldap://{}", self.ldap)
    }
}

impl Drop for Servers {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// An HTTP answer.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: hyper::HeaderMap,
    pub(crate) body: Bytes,
}

impl Reply {
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// `GET path` with `headers` over a fresh HTTP/1.1 connection (hyper's client).
pub(crate) async fn get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Reply {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(conn);
    let mut req = hyper::Request::get(path).header("host", "localhost");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = sender
        .send_request(req.body(Empty::<Bytes>::new()).unwrap())
        .await
        .unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        body,
    }
}

/// Runs a command-line tool to completion off the runtime's threads.
pub(crate) async fn run(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || command.output().expect("run tool"))
        .await
        .unwrap()
}

/// Whether a tool is installed (`.ci/run` installs ldap-utils; locally a test says so).
pub(crate) fn have(tool: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("CI").is_err(),
            "{tool} is missing in CI: .ci/run installs it"
        );
        eprintln!("{tool} not installed: skipped");
    }
    found
}

/// `ldapsearch -x -LLL` against `url`: its exit status and the entries it printed, as
/// `dn -> attribute -> values` (base64 values decoded).
pub(crate) async fn ldapsearch(url: &str, args: &[&str]) -> (i32, Vec<LdifEntry>, String) {
    let mut command = Command::new("ldapsearch");
    command
        .args(["-x", "-LLL", "-o", "ldif-wrap=no", "-H", url])
        .args(args)
        .env("LDAPTLS_REQCERT", "never");
    let out = run(command).await;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code().unwrap_or(-1), parse_ldif(&stdout), stderr)
}

/// One entry of `ldapsearch -LLL` output.
#[derive(Debug, Default)]
pub(crate) struct LdifEntry {
    pub(crate) dn: String,
    pub(crate) attrs: HashMap<String, Vec<Vec<u8>>>,
}

impl LdifEntry {
    pub(crate) fn one(&self, attr: &str) -> &[u8] {
        let values = self
            .attrs
            .get(attr)
            .unwrap_or_else(|| panic!("no {attr} in {self:?}"));
        assert_eq!(values.len(), 1, "{attr}");
        &values[0]
    }
}

fn parse_ldif(text: &str) -> Vec<LdifEntry> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut entries = Vec::new();
    for block in text.split("\n\n").filter(|b| !b.trim().is_empty()) {
        let mut entry = LdifEntry::default();
        for line in block.lines() {
            let (name, value) = if let Some((n, v)) = line.split_once(":: ") {
                (n, b64.decode(v.trim()).unwrap())
            } else if let Some((n, v)) = line.split_once(": ") {
                (n, v.as_bytes().to_vec())
            } else if let Some(n) = line.strip_suffix(':') {
                (n, Vec::new())
            } else {
                panic!("unexpected LDIF line {line:?}")
            };
            if name == "dn" {
                entry.dn = String::from_utf8(value).unwrap();
            } else {
                entry.attrs.entry(name.to_string()).or_default().push(value);
            }
        }
        entries.push(entry);
    }
    entries
}
