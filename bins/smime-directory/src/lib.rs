//! `smime-directory`: serves the certificates smime-collector collected, read-only, to
//! the people who send encrypted mail: one HTTP call for sending programs, and an LDAP v3
//! directory for mail clients (Outlook, Thunderbird, Apple Mail) and MFPs.
//!
//! The data comes through the [`CertDirectory`] trait: [`StoreDirectory`] reads the
//! collector's store (a directory of PEM files or PostgreSQL, `[store] location`),
//! [`MemoryDirectory`] is filled by tests and benchmarks, and [`CachedDirectory`] sits in
//! front of either ([`cache`] explains the invalidation). Addresses are normalised with
//! the store's rule ([`normalize_address`]) before any lookup.
//!
//! [`serve_http`], [`serve_ldap`] and [`serve_ldaps`] take a bound listener, an [`App`] and
//! a [`CancellationToken`]; `main.rs` only parses flags, reads [`config`], binds and turns
//! SIGTERM/SIGINT into the cancel.
//!
//! # HTTP
//! | request | answer |
//! | --- | --- |
//! | `GET /v1/certificates/{address}` | 200, `application/pem-certificate-chain`: one PEM block, byte-identical to the store's `<address>.crt`; `ETag: "<sha256 hex>"` |
//! | the same with `Accept: application/pkix-cert` | 200, the DER |
//! | `If-None-Match` naming the current ETag | 304 |
//! | no current certificate, or it expired at request time, or it carries the revoked mark | 404 `{"message":"no certificate for this address"}` (`?include_expired=true` returns an expired or revoked one anyway) |
//! | `{address}` not an address (after percent-decoding) | 400 `{"message": ...}` |
//! | `GET /v1/certificates/{address}/history` | 200, JSON array of `{sha256, not_before, not_after, first_seen, last_seen, current}` (Unix seconds), newest first; 404 when there is none |
//! | token configured, `Authorization: Bearer` missing or wrong (on `/v1/`) | 401, `WWW-Authenticate: Bearer` |
//! | `Accept` allowing neither PEM nor DER | 406 |
//! | another method | 405; `GET /healthz`: 200; `GET /metrics`: Prometheus text; anything else 404 |
//!
//! There is no listing or search route: the directory never hands out its addresses.
//!
//! # LDAP v3
//! See [`ldap`]: anonymous or simple bind, StartTLS and LDAPS, search under `base_dn`
//! answering only filters that name complete addresses, the inetOrgPerson entry shape
//! with `userCertificate;binary` and `userSMIMECertificate`, and the Root DSE.
//!
//! # Limits
//! [`Limits`]: connections in total and per client address, the time to the first
//! request and between requests, the TLS handshake, HTTP head size, LDAP message size
//! (64 KiB) and BER nesting, the addresses one LDAP search may name, and the longest
//! search. Garbage on a connection closes that connection only.
//!
//! # What it does not do
//! It never writes the store, never lists addresses, and decides nothing about
//! certificates beyond expiry and the store's revoked mark at request time.
//!
//! ```
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use smime_directory::{App, Lookup, MemoryDirectory, Options, normalize_address};
//!
//! let pem = std::fs::read("../../testdata/pki/alice.pem")?;
//! let (_, der) = der::pem::decode_vec(&pem)?;
//! let directory = MemoryDirectory::new();
//! directory.insert("alice@example.com", &der, 0)?;
//! let options = Options {
//!     clock: Arc::new(|| 1_780_272_000), // 2026-06-01: a real daemon reads the clock
//!     ..Options::default()
//! };
//! let app = App::new(directory, options)?;
//! let address = normalize_address("Alice@Example.COM")?;
//! let Lookup::Found(entry) = app.lookup(&address).await? else { panic!("not found") };
//! assert_eq!(entry.der(), der.as_slice());
//! assert!(entry.pem().starts_with("-----BEGIN CERTIFICATE-----\n"));
//! // serve_http(listener, Arc::new(app), shutdown) and serve_ldap(...) serve it.
//! # Ok(())
//! # }
//! # tokio::runtime::Runtime::new().unwrap().block_on(demo()).unwrap();
//! ```
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

mod address;
pub mod cache;
pub mod config;
mod credential;
pub mod daemon;
mod directory;
mod entry;
mod http;
pub mod ldap;
pub mod metrics;
mod net;
mod tls;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

pub use address::{AddressError, normalize_address};
pub use cache::{CacheOptions, CachedDirectory, Invalidator};
pub use credential::Secret;
pub use daemon::init_logging;
pub use directory::{BoxFuture, CertDirectory, MemoryDirectory, StoreDirectory};
pub use entry::{Entry, HistoryItem};
pub use http::serve_http;
pub use ldap::{serve_ldap, serve_ldaps};
pub use metrics::Metrics;
pub use tls::tls_config;
pub use tokio_util::sync::CancellationToken;

/// What went wrong: reading the store, decoding what it holds, or setting up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The store could not be read (transient: the request gets 503 / LDAP `unavailable`).
    #[error("store: {0}")]
    Store(#[from] cert_store::Error),
    /// The store holds something that is not a usable certificate.
    #[error("not a usable certificate: {detail}")]
    Certificate {
        /// Why.
        detail: String,
    },
    /// The configuration is unusable (exit status 2).
    #[error("configuration: {0}")]
    Config(String),
    /// A file named by the configuration cannot be read.
    #[error("cannot read {path}: {source}")]
    File {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The TLS certificate or key cannot be used.
    #[error("TLS: {0}")]
    Tls(String),
}

impl Error {
    /// Whether a retry may succeed (the store was unreachable).
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Store(e) => e.is_transient(),
            Error::Certificate { .. } | Error::Config(_) | Error::File { .. } | Error::Tls(_) => {
                false
            }
        }
    }
}

/// The clock the servers read at each request (Unix seconds); tests fix it.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(|| {
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
    })
}

/// Bounds on what clients can make the servers hold.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Open connections per listener (default 1024); the listener waits past that.
    pub max_connections: usize,
    /// Open connections per client IP address and listener (default 256); more are
    /// closed at once, so one client cannot starve the others.
    pub max_connections_per_ip: usize,
    /// Time to the first request of a connection (HTTP head, first LDAP message),
    /// default 10 s.
    pub first_request_timeout: Duration,
    /// Idle time between requests before the connection is closed (default 60 s).
    pub idle_timeout: Duration,
    /// Time for the TLS handshake (default 10 s).
    pub tls_handshake_timeout: Duration,
    /// Largest HTTP request head (default 16 KiB).
    pub max_header_bytes: usize,
    /// Largest LDAP request message (default 64 KiB).
    pub max_ldap_message_bytes: usize,
    /// Deepest BER nesting of an LDAP request (default 16; filters nest inside).
    pub max_ber_depth: usize,
    /// Addresses one LDAP search may name (default 32); more: `adminLimitExceeded`.
    pub max_search_addresses: usize,
    /// Longest LDAP search, whatever the client's timeLimit (default 10 s).
    pub max_search_time: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 1024,
            max_connections_per_ip: 256,
            first_request_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            tls_handshake_timeout: Duration::from_secs(10),
            max_header_bytes: 16 * 1024,
            max_ldap_message_bytes: 64 * 1024,
            max_ber_depth: 16,
            max_search_addresses: 32,
            max_search_time: Duration::from_secs(10),
        }
    }
}

/// The LDAP simple-bind identity readers must bind as.
#[derive(Clone, Debug)]
pub struct BindIdentity {
    /// The DN, compared by RFC 4514 value (case-insensitively).
    pub dn: String,
    /// The password, compared in constant time.
    pub password: Secret,
}

/// How to build an [`App`].
#[derive(Clone)]
pub struct Options {
    /// The LDAP suffix entries live under (default `dc=smime-collector`).
    pub base_dn: String,
    /// HTTP `Authorization: Bearer` token; `None` serves anyone.
    pub token: Option<Secret>,
    /// LDAP bind identity; `None`: anonymous reads.
    pub bind: Option<BindIdentity>,
    /// TLS server configuration: HTTPS, LDAPS and StartTLS.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// The bounds.
    pub limits: Limits,
    /// The clock expiry is judged by.
    pub clock: Clock,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            base_dn: config::DEFAULT_BASE_DN.to_string(),
            token: None,
            bind: None,
            tls: None,
            limits: Limits::default(),
            clock: system_clock(),
        }
    }
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("base_dn", &self.base_dn)
            .field("token", &self.token)
            .field("bind", &self.bind)
            .field("tls", &self.tls.is_some())
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// What a lookup found, judged at request time.
#[derive(Debug, Clone)]
pub enum Lookup {
    /// A current certificate the directory hands out.
    Found(Arc<Entry>),
    /// The current certificate expired.
    Expired(Arc<Entry>),
    /// The current certificate carries the store's revoked mark.
    Revoked(Arc<Entry>),
    /// No current certificate.
    NotFound,
}

/// Everything a connection needs: the directory, the settings and the metrics. Share it
/// in an `Arc`.
pub struct App {
    directory: Box<dyn CertDirectory>,
    options: Options,
    base_dn: ldap::Dn,
    metrics: Metrics,
}

impl App {
    /// An app over any directory.
    ///
    /// # Errors
    /// [`Error::Config`] when `base_dn` or the bind DN is not a DN.
    pub fn new(directory: impl CertDirectory + 'static, options: Options) -> Result<App, Error> {
        let base_dn = ldap::Dn::parse(&options.base_dn)
            .filter(|dn| !dn.is_root())
            .ok_or_else(|| Error::Config(format!("base_dn {:?} is not a DN", options.base_dn)))?;
        if let Some(bind) = &options.bind
            && ldap::Dn::parse(&bind.dn).is_none_or(|dn| dn.is_root())
        {
            return Err(Error::Config(format!("bind_dn {:?} is not a DN", bind.dn)));
        }
        Ok(App {
            directory: Box::new(directory),
            options,
            base_dn,
            metrics: Metrics::default(),
        })
    }

    /// The counters behind `/metrics`.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The settings.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Whether HTTPS, LDAPS and StartTLS are available.
    pub fn is_tls(&self) -> bool {
        self.options.tls.is_some()
    }

    /// Looks `address` (normalised) up and judges it at the app's clock.
    ///
    /// # Errors
    /// The directory's [`Error`].
    pub async fn lookup(&self, address: &str) -> Result<Lookup, Error> {
        let now = (self.options.clock)();
        Ok(match self.directory.current(address).await? {
            None => Lookup::NotFound,
            Some(e) if e.revoked() => Lookup::Revoked(e),
            Some(e) if !e.is_servable_at(now) => Lookup::Expired(e),
            Some(e) => Lookup::Found(e),
        })
    }

    /// Every certificate `address` (normalised) has had.
    ///
    /// # Errors
    /// The directory's [`Error`].
    pub async fn history(&self, address: &str) -> Result<Vec<HistoryItem>, Error> {
        self.directory.history(address).await
    }
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}
