//! Deterministic fixtures and helpers for smime-collector's tests.
//!
//! Only ever a dev-dependency (plus the `gen-testdata` binary that writes
//! `testdata/`). It depends on no crate of the workspace, so every crate can use it
//! without cycles. Everything is derived from fixed labels and one fixed instant
//! ([`FIXED_NOW`]), so running the generator twice writes identical bytes.
//!
//! Modules, one per kind of fixture:
//! - [`keys`]: deterministic key pairs and raw signing (RSA, ECDSA, Ed25519);
//! - [`pki`]: a test CA hierarchy and certificates for every policy case;
//! - [`cms`], [`mime`]: S/MIME SignedData and the messages that carry it;
//! - [`dkim`], [`dns`]: DKIM keys, signing, zone data and a loopback DNS server;
//! - [`pipeline`]: whole messages for every gate, with the pipeline's verdict;
//! - [`manifest`]: the `testdata/MANIFEST` table of expected verdicts.
#![allow(missing_docs, unreachable_pub)]
#![allow(clippy::unwrap_used)]

pub mod cms;
pub mod dkim;
pub mod dns;
pub mod keys;
pub mod manifest;
pub mod mime;
pub mod pipeline;
pub mod pki;

use std::time::{Duration, SystemTime};

/// Unix seconds of the fixed instant every fixture is built around: 2026-06-01T00:00:00Z.
pub const FIXED_NOW_UNIX: u64 = 1_780_272_000;
/// RFC 3339 form of [`FIXED_NOW_UNIX`], as the CLI's `--at` takes it.
pub const FIXED_NOW_RFC3339: &str = "2026-06-01T00:00:00Z";

/// The fixed instant as a `SystemTime`.
pub fn fixed_now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(FIXED_NOW_UNIX)
}

/// The workspace's `testdata/` directory (tests read fixtures from here).
pub fn testdata_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

/// Environment variable naming the real-client corpus directory (optional input).
pub const CORPUS_ENV: &str = "SMIME_COLLECTOR_CORPUS";
/// Environment variable that makes a missing corpus a test failure (CI sets it).
pub const CORPUS_REQUIRED_ENV: &str = "SMIME_COLLECTOR_CORPUS_REQUIRED";

/// The real-client corpus named by `SMIME_COLLECTOR_CORPUS`, if set and present.
///
/// Tests that read it skip (with a note on stderr) when it is absent, unless
/// `SMIME_COLLECTOR_CORPUS_REQUIRED=1`: then an absent corpus panics, so CI cannot pass
/// silently without it.
pub fn corpus_dir() -> Option<std::path::PathBuf> {
    let dir = std::env::var_os(CORPUS_ENV).map(std::path::PathBuf::from);
    match dir {
        Some(dir) if dir.is_dir() => Some(dir),
        other => {
            let required = std::env::var(CORPUS_REQUIRED_ENV).is_ok_and(|v| v == "1");
            assert!(
                !required,
                "{CORPUS_REQUIRED_ENV}=1 but the corpus is absent ({CORPUS_ENV}={other:?})"
            );
            eprintln!("corpus absent ({CORPUS_ENV} unset or not a directory): skipped");
            None
        }
    }
}
