//! Assembling the daemon from its configuration: the store behind the cache, the app,
//! the listeners, and running them until the cancel.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::cache::{DIR_POLL_INTERVAL, PG_DEFAULT_TTL, watch_dir};
use crate::config::{FileConfig, Settings};
use crate::{
    App, CacheOptions, CachedDirectory, Error, Invalidator, Limits, Options, StoreDirectory,
    serve_http, serve_ldap, serve_ldaps, system_clock, tls_config,
};

/// The SPEC's default store location.
pub const DEFAULT_STORE: &str = "./certs";

/// A configured daemon, not yet listening.
#[derive(Debug)]
pub struct Daemon {
    /// The app the servers share.
    pub app: Arc<App>,
    /// The store, for the log.
    pub store: String,
    settings: Settings,
    watch: Option<(PathBuf, Invalidator)>,
}

/// The bound listeners, with the addresses they got.
#[derive(Debug)]
pub struct Listeners {
    http: Option<TcpListener>,
    ldap: Option<TcpListener>,
    ldaps: Option<TcpListener>,
}

impl Daemon {
    /// Opens the store named by `[store] location` behind a cache and builds the app.
    ///
    /// # Errors
    /// [`Error::Store`] for an unusable location, [`Error::Tls`] for unusable TLS files,
    /// [`Error::Config`] for a bad DN.
    pub fn build(settings: Settings, file: &FileConfig) -> Result<Daemon, Error> {
        let location = file.store.location.as_deref().unwrap_or(DEFAULT_STORE);
        let store = StoreDirectory::open(location)?;
        let description = store.describe();
        // cert_store::open takes every URL (scheme://) as a database, anything else as
        // a directory path.
        let is_dir = !location.contains("://");
        let options = CacheOptions {
            capacity: settings
                .cache_entries
                .unwrap_or(CacheOptions::default().capacity),
            ttl: settings.cache_ttl.or((!is_dir).then_some(PG_DEFAULT_TTL)),
        };
        let cached = CachedDirectory::new(store, options);
        let watch = is_dir.then(|| (PathBuf::from(location), cached.invalidator()));
        let tls = match &settings.tls {
            Some(files) => Some(tls_config(&files.cert, &files.key)?),
            None => None,
        };
        let defaults = Limits::default();
        let limits = Limits {
            max_connections: settings.max_connections.unwrap_or(defaults.max_connections),
            max_connections_per_ip: settings
                .max_connections_per_ip
                .unwrap_or(defaults.max_connections_per_ip),
            idle_timeout: settings.idle_timeout.unwrap_or(defaults.idle_timeout),
            ..defaults
        };
        let options = Options {
            base_dn: settings.base_dn.clone(),
            token: settings.token.clone(),
            bind: settings.bind.clone(),
            tls,
            limits,
            clock: system_clock(),
        };
        Ok(Daemon {
            app: Arc::new(App::new(cached, options)?),
            store: description,
            settings,
            watch,
        })
    }

    /// Binds every configured listener.
    ///
    /// # Errors
    /// [`Error::Config`] naming the address that cannot be bound.
    pub async fn bind(&self) -> Result<Listeners, Error> {
        let s = &self.settings;
        Ok(Listeners {
            http: listen(s.http).await?,
            ldap: listen(s.ldap).await?,
            ldaps: listen(s.ldaps).await?,
        })
    }

    /// Serves on `listeners` until `shutdown`, then waits for the connections to end.
    ///
    /// # Errors
    /// A server's I/O error.
    pub async fn run(
        self,
        listeners: Listeners,
        shutdown: CancellationToken,
    ) -> std::io::Result<()> {
        let mut tasks = tokio::task::JoinSet::new();
        if let Some((dir, invalidator)) = self.watch {
            let shutdown = shutdown.clone();
            tasks.spawn(async move {
                watch_dir(dir, invalidator, DIR_POLL_INTERVAL, shutdown).await;
                Ok(())
            });
        }
        if let Some(l) = listeners.http {
            tasks.spawn(serve_http(l, Arc::clone(&self.app), shutdown.clone()));
        }
        if let Some(l) = listeners.ldap {
            tasks.spawn(serve_ldap(l, Arc::clone(&self.app), shutdown.clone()));
        }
        if let Some(l) = listeners.ldaps {
            tasks.spawn(serve_ldaps(l, Arc::clone(&self.app), shutdown.clone()));
        }
        let mut outcome = Ok(());
        while let Some(done) = tasks.join_next().await {
            let failed = match done {
                Ok(Ok(())) => continue,
                Ok(Err(e)) => e,
                Err(e) => std::io::Error::other(e.to_string()),
            };
            // One server failing stops the others.
            shutdown.cancel();
            outcome = Err(failed);
        }
        outcome
    }
}

impl Listeners {
    /// `(scheme, address)` of each bound listener, for the "listening on" lines.
    pub fn describe(&self, tls: bool) -> Vec<(&'static str, std::net::SocketAddr)> {
        let http = if tls { "https" } else { "http" };
        [
            (http, &self.http),
            ("ldap", &self.ldap),
            ("ldaps", &self.ldaps),
        ]
        .into_iter()
        .filter_map(|(scheme, l)| Some((scheme, l.as_ref()?.local_addr().ok()?)))
        .collect()
    }
}

async fn listen(addr: Option<std::net::SocketAddr>) -> Result<Option<TcpListener>, Error> {
    let Some(addr) = addr else { return Ok(None) };
    TcpListener::bind(addr)
        .await
        .map(Some)
        .map_err(|e| Error::Config(format!("cannot listen on {addr}: {e}")))
}

/// Logs to stderr, text or JSON (`[log] format`), at `RUST_LOG` or `info`.
/// ldap3_proto logs undecodable input at error level; hostile clients must not fill the
/// log, so it is off unless `RUST_LOG` names it (the server logs such connections at
/// debug).
pub fn init_logging(format: Option<&str>) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,ldap3_proto=off"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false);
    let _ = match format {
        Some("json") => builder.json().try_init(),
        _ => builder.try_init(),
    };
}
