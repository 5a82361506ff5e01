//! A fresh temporary directory per test, the test DNS server, and one way to run the binary.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use serde_json::Value;
use test_support::dns::TestDns;

/// The DNS server serving the fixtures' DKIM keys, shared by the tests of this binary.
pub fn dns() -> &'static TestDns {
    static DNS: OnceLock<TestDns> = OnceLock::new();
    DNS.get_or_init(|| TestDns::start_blocking(&test_support::dkim::zone_records()))
}

pub fn testdata(rel: &str) -> PathBuf {
    test_support::testdata_dir().join(rel)
}

/// A temporary directory with a configuration that trusts the test root, knows the test
/// CRL and asks the test DNS server; `extra` is appended to the TOML.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
}

impl Env {
    pub fn new(extra: &str) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config.toml");
        let toml = format!(
            "[trust]\nanchors = [{:?}]\ncrls = [{:?}]\n[dkim]\ndns = [\"{}\"]\n{extra}",
            testdata("pki/root.pem"),
            testdata("pki/intermediate.crl.pem"),
            dns().addr_string(),
        );
        std::fs::write(&config, toml).unwrap();
        Env { dir, config }
    }

    pub fn store(&self) -> PathBuf {
        self.dir.path().join("certs")
    }

    /// `readsmimesig -c CONFIG --at FIXED --json ARGS...`, with `stdin` piped in.
    pub fn run(&self, args: &[&str], stdin: Option<&[u8]>) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_readsmimesig"));
        cmd.arg("-c").arg(&self.config).arg("--json");
        if !args.contains(&"--at") {
            cmd.args(["--at", test_support::FIXED_NOW_RFC3339]);
        }
        cmd.args(args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        if let Some(bytes) = stdin {
            child.stdin.take().unwrap().write_all(bytes).unwrap();
        }
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8(out.stdout).unwrap();
        Run {
            status: out.status.code().unwrap_or(-1),
            reports: stdout
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// What one run printed.
pub struct Run {
    pub status: i32,
    pub reports: Vec<Value>,
    pub stderr: String,
}

impl Run {
    pub fn assert_status(&self, expected: i32) -> &Run {
        assert_eq!(
            self.status, expected,
            "exit status; stderr:\n{}",
            self.stderr
        );
        self
    }

    pub fn only(&self) -> &Value {
        assert_eq!(
            self.reports.len(),
            1,
            "one report expected; stderr:\n{}",
            self.stderr
        );
        &self.reports[0]
    }
}

/// The single PEM block of a stored certificate, decoded.
pub fn stored_der(path: &Path) -> Vec<u8> {
    let text = std::fs::read_to_string(path).unwrap();
    assert_eq!(
        text.matches("-----BEGIN CERTIFICATE-----").count(),
        1,
        "{}",
        path.display()
    );
    let b64: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap()
}
