//! The smime-directory binary itself: its configuration rules and exit statuses, and
//! lookups over both stores the collector writes (a directory, PostgreSQL), including
//! store changes made by another process showing through the cache.

use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cert_store::{CertStore, PutContext};
use ldap3::{LdapConnAsync, Scope, SearchEntry};

use crate::support::{BASE_DN, fixtures, get};

const EXE: &str = env!("CARGO_BIN_EXE_smime-directory");

/// The daemon started with `toml` as its configuration; killed on drop.
struct Daemon {
    child: Child,
    log: Arc<Mutex<String>>,
    http: SocketAddr,
    ldap: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Daemon {
    fn start(toml: &str) -> Daemon {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("smime-collector.toml");
        std::fs::write(&config, toml).unwrap();
        let mut child = Command::new(EXE)
            .arg("-c")
            .arg(&config)
            .args([
                "--http-listen",
                "127.0.0.1:0",
                "--ldap-listen",
                "127.0.0.1:0",
            ])
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let mut d = Daemon {
            child,
            log,
            http: "0.0.0.0:0".parse().unwrap(),
            ldap: "0.0.0.0:0".parse().unwrap(),
            _dir: dir,
        };
        d.http = d.listening("(http)");
        d.ldap = d.listening("(ldap)");
        d
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// The address of the "listening on ADDR (scheme)" line.
    fn listening(&mut self, scheme: &str) -> SocketAddr {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let log = self.log();
            if let Some(line) = log
                .lines()
                .find(|l| l.contains("listening on ") && l.contains(scheme))
            {
                let after = &line[line.find("listening on ").unwrap() + 13..];
                return after.split_whitespace().next().unwrap().parse().unwrap();
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("smime-directory exited ({status}):\n{log}");
            }
            assert!(Instant::now() < deadline, "not listening:\n{log}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        eprintln!("---- smime-directory log ----\n{}---- end ----", self.log());
    }
}

/// Runs the binary to completion with `toml` and extra flags: `(exit code, stderr)`.
fn run_once(toml: &str, flags: &[&str]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.toml");
    std::fs::write(&config, toml).unwrap();
    let out = Command::new(EXE)
        .arg("-c")
        .arg(&config)
        .args(flags)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn no_listener_is_exit_2() {
    let (code, err) = run_once("[directory]\nbase_dn = \"dc=x\"\n", &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no listener"), "{err}");
}

#[test]
fn non_loopback_without_credentials_is_exit_2() {
    let (code, err) = run_once("", &["--http-listen", "0.0.0.0:0"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not loopback"), "{err}");
    let (code, err) = run_once("", &["--ldap-listen", "0.0.0.0:0"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("bind_dn"), "{err}");
}

#[test]
fn unknown_directory_key_is_exit_2() {
    let (code, err) = run_once("[directory]\nhttp_listn = \"127.0.0.1:0\"\n", &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown field"), "{err}");
}

fn ctx() -> PutContext {
    PutContext {
        message_id: Some("<m@example.com>".into()),
        dkim_domain: Some("example.com".into()),
        seen_at_unix: test_support::FIXED_NOW_UNIX as i64,
    }
}

async fn ldap_mail(ldap: SocketAddr, address: &str) -> Vec<SearchEntry> {
    let (conn, mut client) = LdapConnAsync::new(&format!("ldap://{ldap}")).await.unwrap();
    ldap3::drive!(conn);
    let r = client
        .search(
            BASE_DN,
            Scope::Subtree,
            &format!("(mail={address})"),
            vec!["*"],
        )
        .await
        .unwrap();
    r.0.into_iter().map(SearchEntry::construct).collect()
}

/// Polls `path` over HTTP until it answers `status` (the cache sees the store change).
async fn until_status(http: SocketAddr, path: &str, status: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if get(http, path, &[]).await.status == status {
            return;
        }
        assert!(Instant::now() < deadline, "{path} never answered {status}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn config(location: &str) -> String {
    format!(
        "[store]\nlocation = {location:?}\n[directory]\nbase_dn = {BASE_DN:?}\n[webhook]\npath = \"/\"\n"
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn directory_store_lookups_and_changes_from_another_process() {
    let store_dir = tempfile::tempdir().unwrap();
    let store = cert_store::DirStore::open(store_dir.path()).unwrap();
    let f = fixtures();
    store
        .put("alice@example.com", &f.alice.der, &ctx())
        .await
        .unwrap();
    let d = Daemon::start(&config(&store_dir.path().display().to_string()));
    assert!(
        d.log().contains("loopback only"),
        "the credential rule's warning"
    );

    let r = get(d.http, "/v1/certificates/Alice@Example.com", &[]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let file = std::fs::read(store_dir.path().join("alice@example.com.crt")).unwrap();
    assert_eq!(
        r.body.as_ref(),
        file.as_slice(),
        "byte-identical to the store's file"
    );
    let e = ldap_mail(d.ldap, "alice@example.com").await;
    assert_eq!(e.len(), 1);
    assert_eq!(
        e[0].bin_attrs["userCertificate;binary"],
        std::slice::from_ref(&f.alice.der)
    );

    // Absent, then stored by another writer: the cache notices the store change.
    assert_eq!(
        get(d.http, "/v1/certificates/bob@example.org", &[])
            .await
            .status,
        404
    );
    store
        .put("bob@example.org", &f.bob.der, &ctx())
        .await
        .unwrap();
    until_status(d.http, "/v1/certificates/bob@example.org", 200).await;
    assert_eq!(ldap_mail(d.ldap, "bob@example.org").await.len(), 1);
    // Removed (as --forget will): gone from both protocols.
    remove_current(store_dir.path(), "bob@example.org");
    until_status(d.http, "/v1/certificates/bob@example.org", 404).await;
    assert!(ldap_mail(d.ldap, "bob@example.org").await.is_empty());
}

fn remove_current(dir: &Path, address: &str) {
    std::fs::remove_file(dir.join(format!("{address}.crt"))).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_exits_0() {
    let store_dir = tempfile::tempdir().unwrap();
    let mut d = Daemon::start(&config(&store_dir.path().display().to_string()));
    let ok = Command::new("kill")
        .args(["-TERM", &d.child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = d.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "no exit:\n{}", d.log());
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(status.success(), "{status}");
}

fn database_url() -> Option<String> {
    match std::env::var("SMIME_COLLECTOR_TEST_PG") {
        Ok(url) => Some(url),
        Err(_) if std::env::var("SMIME_COLLECTOR_TEST_PG_REQUIRED").is_ok_and(|v| v == "1") => {
            panic!("SMIME_COLLECTOR_TEST_PG is not set and SMIME_COLLECTOR_TEST_PG_REQUIRED=1")
        }
        Err(_) => {
            eprintln!("skipped: SMIME_COLLECTOR_TEST_PG not set [directory over PostgreSQL]");
            None
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn postgresql_store_lookups_and_changes() {
    let Some(url) = database_url() else { return };
    let schema = format!("directory_it_{}", std::process::id());
    let sep = if url.contains('?') { '&' } else { '?' };
    let location = format!("{url}{sep}schema={schema}");
    let store = cert_store::open(&location).unwrap();
    let f = fixtures();
    store
        .put("alice@example.com", &f.alice.der, &ctx())
        .await
        .unwrap();
    store
        .put("jörg@xn--bcher-kva.de", &f.jorg.der, &ctx())
        .await
        .unwrap();
    let d = Daemon::start(&config(&location));

    let r = get(d.http, "/v1/certificates/ALICE@example.com", &[]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.text(), f.alice.pem().replace("\r\n", "\n"));
    let r = get(d.http, "/v1/certificates/J%C3%B6rg@xn--bcher-kva.de", &[]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(ldap_mail(d.ldap, "alice@example.com").await.len(), 1);
    let h = get(d.http, "/v1/certificates/alice@example.com/history", &[]).await;
    assert_eq!(h.status, 200);
    // A new certificate appears within the PostgreSQL cache's TTL.
    assert_eq!(
        get(d.http, "/v1/certificates/bob@example.org", &[])
            .await
            .status,
        404
    );
    store
        .put("bob@example.org", &f.bob.der, &ctx())
        .await
        .unwrap();
    until_status(d.http, "/v1/certificates/bob@example.org", 200).await;
    drop(d);

    if let Ok((client, conn)) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await {
        tokio::spawn(conn);
        let _ = client
            .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
            .await;
    }
}
