//! `smime-webhook`: the SparkPost inbound relay webhook daemon of smime-collector.
//!
//! SparkPost POSTs every inbound message as a relay batch (a JSON array of
//! `{"msys": {"relay_message": {...}}}`, see [`relay`]); each message goes through the
//! same [`collector`] pipeline as the `readsmimesig` command (SPEC "smime-webhook").
//! Verdicts and reason codes are never disclosed to the sender side: they are in the log
//! and in `/metrics`.
//!
//! [`serve`] takes a bound listener, an [`App`] and a [`CancellationToken`]; `main.rs`
//! only parses flags, loads the configuration, binds and turns SIGTERM/SIGINT into the
//! cancel.
//!
//! # Routes and answers
//!
//! | request | answer |
//! | --- | --- |
//! | `POST <path>` (default `/`) with a relay batch | 200 `{"processed": N}`, whatever the verdicts, once every message went through the pipeline (so every accepted certificate is durably stored) |
//! | the same, a message hit `dkim_temp_error` or `store_error` | 503 with `Retry-After`, after the other messages were processed (reprocessing is harmless: the store is idempotent) |
//! | Content-Type not `application/json` (parameters allowed) | 415 `{"message":"Unknown Content-Type in request headers"}` |
//! | token configured, `X-MessageSystems-Webhook-Token` missing or different | 401 `{"message":"Invalid X-MessageSystems-Webhook-Token in request headers"}` |
//! | body over `max_body_bytes`, or more than [`Limits::max_messages_per_batch`] messages | 413 |
//! | not JSON, not a relay batch, bad base64 content | 400 `{"message": "..."}` |
//! | body not received within [`Limits::body_read_timeout`] | 408 |
//! | [`Limits::max_concurrent_batches`] busy for [`Limits::batch_queue_timeout`] | 503 with `Retry-After` |
//! | another method on `<path>` | 405 |
//! | `GET /healthz` | 200 `ok` |
//! | `GET /metrics` | Prometheus text ([`metrics`]) |
//! | any other path | 404 |
//!
//! The checks run in that order: method, Content-Type, token, Content-Length, then the
//! body. The token is compared in constant time and never logged; message bodies are
//! never logged either. Every request gets a request id (a `request` span around its log
//! lines, and the `X-Request-Id` response header).
//!
//! # Limits
//!
//! [`Limits`] bounds what a client can hold: header and body read timeouts, a TLS
//! handshake timeout, concurrent connections, concurrent batches, the body size (checked
//! against `Content-Length` and again while reading), messages per batch, and JSON
//! nesting (the batch types are shallow, deeper values there are a type error, and
//! serde_json skips unknown fields without recursion); hyper answers 431 to a request
//! head over [`Limits::max_header_bytes`]. HTTP/1.1 only:
//! SparkPost speaks it, and HTTP/2 would add a second set of limits to get right.
//!
//! # Shutdown
//!
//! On cancel, [`serve`] stops accepting, lets every connection finish the request it is
//! on (idle keep-alive connections close at once), waits for every batch being processed
//! and returns.
//!
//! # Reason codes, metrics and errors
//!
//! The webhook makes no verdict of its own: the SPEC reason codes come from the pipeline,
//! and it counts them in `/metrics` (`smime_webhook_messages_total{verdict,reason}`,
//! labels only from [`metrics::KNOWN_REASONS`]), with requests by status code and two
//! latency histograms. [`Error`] covers setting the daemon up (configuration, TLS files,
//! pipeline); it has no reason code because it is not about a message.
//!
//! # What it does not do
//!
//! It decides nothing about messages itself (that is [`collector`]), answers only HTTP/1.1,
//! and does not rate-limit per client address: put it behind the provider's source
//! addresses or a proxy for that.
//!
//! ```
//! # async fn demo() -> std::io::Result<()> {
//! use std::sync::Arc;
//! use smime_webhook::{App, Options, Outcome, Pipeline, BoxFuture, serve};
//!
//! struct Fake;
//! impl Pipeline for Fake {
//!     fn process<'a>(&'a self, _raw: &'a [u8], _input: &'a str) -> BoxFuture<'a, Outcome> {
//!         Box::pin(async {
//!             Outcome { verdict: "rejected", reason: Some("not_signed"), transient: false,
//!                       from: None, detail: "no S/MIME signature".into() }
//!         })
//!     }
//! }
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let app = Arc::new(App::new(Fake, Options::default()));
//! let shutdown = tokio_util::sync::CancellationToken::new();
//! shutdown.cancel(); // a real daemon cancels on SIGTERM
//! serve(listener, app, shutdown).await
//! # }
//! # tokio::runtime::Runtime::new().unwrap().block_on(demo()).unwrap();
//! ```
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

mod handler;
pub mod metrics;
mod pipeline;
pub mod relay;
mod server;
mod tls;
mod token;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::Semaphore;

pub use metrics::Metrics;
pub use pipeline::{BoxFuture, Outcome, Pipeline};
pub use server::serve;
pub use tls::tls_acceptor;
pub use token::{TOKEN_HEADER, Token};
pub use tokio_rustls::TlsAcceptor;
pub use tokio_util::sync::CancellationToken;

/// The daemon could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration (or the token file) is unusable.
    #[error("configuration: {0}")]
    Config(#[from] collector::ConfigError),
    /// The pipeline could not be built (trust, DKIM resolver, store).
    #[error("pipeline setup: {0}")]
    Setup(#[from] collector::SetupError),
    /// The TLS certificate chain cannot be read.
    #[error("cannot use TLS certificate file {path}: {detail}")]
    TlsCertificate {
        /// The file.
        path: PathBuf,
        /// Why.
        detail: String,
    },
    /// The TLS private key cannot be read.
    #[error("cannot use TLS key file {path}: {detail}")]
    TlsKey {
        /// The file.
        path: PathBuf,
        /// Why.
        detail: String,
    },
    /// The certificate and key do not make a TLS server configuration.
    #[error("TLS configuration: {0}")]
    TlsConfig(#[source] rustls::Error),
}

/// Bounds on what clients can make the daemon hold. The defaults are sized for
/// SparkPost: one message of up to 20 MB per POST (base64 and JSON make it bigger), and a
/// retry schedule that starts 5 minutes after a failure.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest request body (`webhook.max_body_bytes`, default 50 MiB).
    pub max_body_bytes: usize,
    /// Most messages in one batch (default 100; SparkPost sends one).
    pub max_messages_per_batch: usize,
    /// Open connections at once (default 1024); the listener waits past that.
    pub max_connections: usize,
    /// Batches read and processed at once (default 8): bounds memory to about
    /// twice `max_body_bytes` each.
    pub max_concurrent_batches: usize,
    /// How long a batch waits for a free slot before a 503 (default 30 s).
    pub batch_queue_timeout: Duration,
    /// Time to receive a request's headers, also the idle keep-alive time (default 30 s).
    pub header_read_timeout: Duration,
    /// Time to receive a request body (default 120 s).
    pub body_read_timeout: Duration,
    /// Time for the TLS handshake (default 10 s).
    pub tls_handshake_timeout: Duration,
    /// Largest request head (default 64 KiB).
    pub max_header_bytes: usize,
    /// The `Retry-After` of a 503 (default 60 s).
    pub retry_after: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 52_428_800,
            max_messages_per_batch: 100,
            max_connections: 1024,
            max_concurrent_batches: 8,
            batch_queue_timeout: Duration::from_secs(30),
            header_read_timeout: Duration::from_secs(30),
            body_read_timeout: Duration::from_secs(120),
            tls_handshake_timeout: Duration::from_secs(10),
            max_header_bytes: 64 * 1024,
            retry_after: Duration::from_secs(60),
        }
    }
}

/// How to build an [`App`] around a pipeline.
#[derive(Clone)]
pub struct Options {
    /// The webhook path (default `/`).
    pub path: String,
    /// The expected `X-MessageSystems-Webhook-Token`; `None` accepts any request.
    pub token: Option<Token>,
    /// The bounds.
    pub limits: Limits,
    /// HTTPS when set, plain HTTP otherwise.
    pub tls: Option<TlsAcceptor>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            path: "/".to_string(),
            token: None,
            limits: Limits::default(),
            tls: None,
        }
    }
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("path", &self.path)
            .field("token", &self.token)
            .field("limits", &self.limits)
            .field("tls", &self.tls.is_some())
            .finish()
    }
}

/// Everything a request needs: the pipeline, the token, the limits, TLS and metrics.
/// Share it in an `Arc`.
pub struct App {
    pipeline: Box<dyn Pipeline>,
    path: String,
    token: Option<Token>,
    limits: Limits,
    tls: Option<TlsAcceptor>,
    metrics: Metrics,
    batch_permits: Arc<Semaphore>,
    next_request: AtomicU64,
}

impl App {
    /// An app around any [`Pipeline`].
    pub fn new(pipeline: impl Pipeline + 'static, options: Options) -> App {
        let batches = options.limits.max_concurrent_batches.max(1);
        App {
            pipeline: Box::new(pipeline),
            path: options.path,
            token: options.token,
            limits: options.limits,
            tls: options.tls,
            metrics: Metrics::default(),
            batch_permits: Arc::new(Semaphore::new(batches)),
            next_request: AtomicU64::new(1),
        }
    }

    /// The daemon's app from its configuration: the [`collector::Collector`] pipeline,
    /// `[webhook]` path, token (or token file), body limit and TLS files.
    /// Call it inside a tokio runtime (the pipeline's resolver needs one).
    ///
    /// # Errors
    /// [`Error`] naming the setting or file that is wrong.
    pub fn from_config(config: &collector::Config) -> Result<App, Error> {
        let token = config.webhook_token()?.and_then(Token::new);
        let tls = match &config.webhook.tls {
            Some(t) => Some(tls_acceptor(&t.cert, &t.key)?),
            None => None,
        };
        let collector = collector::Collector::from_config(config)?;
        let limits = Limits {
            max_body_bytes: config.webhook.max_body_bytes,
            ..Limits::default()
        };
        let options = Options {
            path: config.webhook.path.clone(),
            token,
            limits,
            tls,
        };
        Ok(App::new(collector, options))
    }

    /// The counters behind `/metrics`.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Whether connections are served over TLS.
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    fn next_request_id(&self) -> String {
        format!("{:06}", self.next_request.fetch_add(1, Ordering::Relaxed))
    }
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("path", &self.path)
            .field("token", &self.token)
            .field("limits", &self.limits)
            .field("tls", &self.tls.is_some())
            .finish_non_exhaustive()
    }
}
