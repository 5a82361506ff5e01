//! The PostgreSQL backend (SPEC "Store", for several daemons sharing one store).
//!
//! The schema, the one-query read and the concurrency rules are in the
//! [crate docs](crate#postgresql-backend).

mod config;
mod rekey;
mod schema;
mod tls;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{
    Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod, Runtime,
};
use tokio::sync::OnceCell;

use crate::cert::{self, CertFacts};
use crate::{BoxFuture, CertStore, Error, HistoryEntry, PutContext, PutOutcome, Stored, names};
pub use schema::SCHEMA_VERSION;

/// Bound on one schema migration (re-keying every address once, for version 2).
const MIGRATION_TIMEOUT: Duration = Duration::from_secs(300);

/// Bounds and sizes of a [`PgStore`]; the defaults suit a daemon.
#[derive(Clone, Debug)]
pub struct PgOptions {
    /// Connections kept at most (default 8).
    pub pool_size: usize,
    /// Bound on opening one connection, TLS and authentication included (default 5 s).
    pub connect_timeout: Duration,
    /// Server-side `statement_timeout` and `lock_timeout` of every statement
    /// (default 5 s).
    pub statement_timeout: Duration,
    /// Bound on one whole operation once it has a connection, and on the wait for a
    /// free connection (default 10 s).
    pub operation_timeout: Duration,
}

impl Default for PgOptions {
    fn default() -> PgOptions {
        PgOptions {
            pool_size: 8,
            connect_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(5),
            operation_timeout: Duration::from_secs(10),
        }
    }
}

/// A store in a PostgreSQL database; see the [crate docs](crate#postgresql-backend).
///
/// Opening it connects to nothing: the pool opens connections on demand and the schema
/// is created or migrated on first use, so a daemon starts while the database is down
/// and recovers by itself when it returns. Cheap to clone (clones share the pool).
///
/// Its operations must run inside a tokio runtime with I/O and time enabled (as the
/// binaries' runtimes are); unlike [`crate::DirStore`], it has no blocking form.
#[derive(Clone)]
pub struct PgStore {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    schema: Option<String>,
    migrated: OnceCell<()>,
    options: PgOptions,
    display: String,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("location", &self.inner.display)
            .field("schema", &self.inner.schema)
            .finish_non_exhaustive()
    }
}

impl PgStore {
    /// A store at a `postgres://` / `postgresql://` URL, in the connection's current
    /// schema (usually `public`), or in the schema named by a `schema=NAME` query
    /// parameter (ours, not libpq's: it is taken out of the URL and works as
    /// [`PgStore::open_with_schema`]).
    ///
    /// # Errors
    /// [`Error::BadDatabaseUrl`] when the URL cannot be used (never a connection error).
    pub fn open(url: &str) -> Result<PgStore, Error> {
        let (url, schema) = take_schema_param(url);
        PgStore::open_with(&url, schema.as_deref(), PgOptions::default())
    }

    /// A store in its own schema (created on first use), e.g. one per tenant or test.
    /// The name is 1 to 63 of `a-z`, `0-9`, `_`, not starting with a digit.
    ///
    /// # Errors
    /// [`Error::BadDatabaseUrl`] for a bad URL or schema name.
    pub fn open_with_schema(url: &str, schema: &str) -> Result<PgStore, Error> {
        PgStore::open_with(url, Some(schema), PgOptions::default())
    }

    /// The general form of [`PgStore::open`] and [`PgStore::open_with_schema`].
    ///
    /// # Errors
    /// [`Error::BadDatabaseUrl`] for a bad URL, schema name or TLS set-up.
    pub fn open_with(
        url: &str,
        schema: Option<&str>,
        options: PgOptions,
    ) -> Result<PgStore, Error> {
        let location = config::parse(url, schema, &options)?;
        let manager_config = ManagerConfig {
            // A connection the server dropped (restart, pg_terminate_backend) is
            // noticed before use, not by the caller's statement.
            recycling_method: RecyclingMethod::Verified,
        };
        let manager = match tls::RustlsMakeConnect::for_mode(&location.tls)? {
            Some(tls) => Manager::from_config(location.pg, tls, manager_config),
            None => Manager::from_config(location.pg, tokio_postgres::NoTls, manager_config),
        };
        let pool = Pool::builder(manager)
            .max_size(options.pool_size.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(options.operation_timeout))
            .create_timeout(Some(options.connect_timeout))
            .recycle_timeout(Some(options.connect_timeout))
            .build()
            .map_err(|e| Error::BadDatabaseUrl {
                detail: format!("the connection pool cannot be built: {e}"),
            })?;
        Ok(PgStore {
            inner: Arc::new(Inner {
                pool,
                schema: schema.map(str::to_owned),
                migrated: OnceCell::new(),
                options,
                display: location.display,
            }),
        })
    }

    /// Creates or migrates the schema now (otherwise done on first use); returns the
    /// version found before (0 for an empty database). Safe to run concurrently from
    /// several processes.
    ///
    /// # Errors
    /// [`Error::SchemaTooNew`], [`Error::Migration`] (addresses stored under the
    /// earlier address rule that cannot be re-keyed without guessing: the message names
    /// them), or a transient database failure.
    pub async fn migrate(&self) -> Result<i32, Error> {
        let mut client = self.checkout().await?;
        let schema = self.inner.schema.as_deref();
        // A migration may re-key every row once (schema version 2): its own, longer
        // bound; its statements are bounded inside it.
        let bound = self.inner.options.operation_timeout.max(MIGRATION_TIMEOUT);
        let result = self
            .bounded_by("create or migrate the schema", bound, async {
                Ok(schema::migrate(&mut client, schema).await)
            })
            .await;
        let found = self.settle(client, result.and_then(|migrated| migrated))?;
        // Later uses need not ask again.
        let _ = self.inner.migrated.set(());
        Ok(found)
    }

    /// Closes the pool: later operations fail with [`Error::Database`].
    pub fn close(&self) {
        self.inner.pool.close();
    }

    /// A pooled connection to a migrated schema.
    async fn ready(&self) -> Result<Object, Error> {
        self.inner
            .migrated
            .get_or_try_init(|| async { self.migrate().await.map(|_| ()) })
            .await?;
        self.checkout().await
    }

    /// A connection from the pool, bounded by the pool's wait and connect timeouts.
    async fn checkout(&self) -> Result<Object, Error> {
        self.inner.pool.get().await.map_err(|e| match e {
            PoolError::Timeout(_) => Error::DatabaseTimeout {
                op: "get a connection",
                waited_ms: millis(self.inner.options.operation_timeout),
            },
            PoolError::Backend(e) => Error::Database {
                op: "connect",
                detail: describe_pg_error(&e),
            },
            other => Error::Database {
                op: "connect",
                detail: other.to_string(),
            },
        })
    }

    /// Runs one operation under [`PgOptions::operation_timeout`].
    async fn bounded<T>(
        &self,
        op: &'static str,
        fut: impl Future<Output = Result<T, tokio_postgres::Error>>,
    ) -> Result<T, Error> {
        self.bounded_by(op, self.inner.options.operation_timeout, fut)
            .await
    }

    /// Runs one operation under `bound`.
    async fn bounded_by<T>(
        &self,
        op: &'static str,
        bound: Duration,
        fut: impl Future<Output = Result<T, tokio_postgres::Error>>,
    ) -> Result<T, Error> {
        match tokio::time::timeout(bound, fut).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(Error::Database {
                op,
                detail: describe_pg_error(&e),
            }),
            Err(_) => Err(Error::DatabaseTimeout {
                op,
                waited_ms: millis(bound),
            }),
        }
    }

    /// Gives the connection back, or throws it away after a failure (it may be in
    /// the middle of a statement or broken).
    fn settle<T>(&self, client: Object, result: Result<T, Error>) -> Result<T, Error> {
        if result.is_err() {
            drop(Object::take(client));
        }
        result
    }

    /// `postgresql://host:port/db#[schema.]smime_current/<address>`.
    fn location_of(&self, address: &str) -> String {
        match &self.inner.schema {
            Some(schema) => format!("{}#{schema}.smime_current/{address}", self.inner.display),
            None => format!("{}#smime_current/{address}", self.inner.display),
        }
    }

    async fn put_inner(
        &self,
        address: &str,
        der: &[u8],
        ctx: &PutContext,
    ) -> Result<Stored, Error> {
        let normalised = names::normalise(address)?;
        let facts = cert::facts(der)?;
        let pem = cert::to_pem(der)?;
        let mut client = self.ready().await?;
        let result = self
            .bounded(
                "store the certificate",
                put_tx(&mut client, &normalised, der, &pem, &facts, ctx),
            )
            .await;
        let outcome = self.settle(client, result)?;
        tracing::debug!(
            address = normalised.as_str(),
            outcome = outcome.as_str(),
            sha256 = facts.sha256.as_str(),
            "certificate put"
        );
        Ok(Stored {
            outcome,
            location: self.location_of(&normalised),
        })
    }

    async fn get_inner(&self, address: &str) -> Result<Option<Vec<u8>>, Error> {
        let normalised = names::normalise(address)?;
        let client = self.ready().await?;
        let result = self
            .bounded("read the current certificate", async {
                let row = client
                    .query_opt(
                        "SELECT der FROM smime_current WHERE address = $1",
                        &[&normalised],
                    )
                    .await?;
                Ok(row.map(|r| r.get::<_, Vec<u8>>(0)))
            })
            .await;
        self.settle(client, result)
    }

    async fn list_inner(&self) -> Result<Vec<String>, Error> {
        let client = self.ready().await?;
        let result = self
            .bounded("list the addresses", async {
                let rows = client
                    .query(
                        "SELECT address FROM smime_addresses WHERE current_sha256 IS NOT NULL",
                        &[],
                    )
                    .await?;
                Ok(rows
                    .iter()
                    .map(|r| r.get::<_, String>(0))
                    .collect::<Vec<_>>())
            })
            .await;
        let mut addresses = self.settle(client, result)?;
        addresses.sort();
        Ok(addresses)
    }

    async fn history_inner(&self, address: &str) -> Result<Vec<HistoryEntry>, Error> {
        let normalised = names::normalise(address)?;
        let client = self.ready().await?;
        let result = self
            .bounded("read the history", async {
                client
                    .query(
                        "SELECT c.sha256, c.der, c.not_before, c.first_seen, c.last_seen,
                                c.message_id, c.dkim_domain,
                                c.sha256 IS NOT DISTINCT FROM a.current_sha256
                         FROM smime_certificates c
                         JOIN smime_addresses a ON a.address = c.address
                         WHERE c.address = $1",
                        &[&normalised],
                    )
                    .await
            })
            .await;
        let rows = self.settle(client, result)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let entry = HistoryEntry {
                sha256: row.get(0),
                der: row.get(1),
                not_before: row.get(2),
                first_seen: row.get(3),
                last_seen: row.get(4),
                message_id: row.get(5),
                dkim_domain: row.get(6),
                current: row.get(7),
            };
            if cert::sha256_hex(&entry.der) != entry.sha256 {
                return Err(Error::Database {
                    op: "read the history",
                    detail: format!(
                        "the stored certificate {} of {normalised} does not match its fingerprint",
                        entry.sha256
                    ),
                });
            }
            out.push(entry);
        }
        out.sort_by(|a, b| (b.not_before, &b.sha256).cmp(&(a.not_before, &a.sha256)));
        Ok(out)
    }
}

/// One put, in one transaction: lock the address row (created if missing), compare
/// with the current certificate, record the sighting, move `current` if this one
/// ranks higher. Writers of one address queue on the row lock; other addresses are
/// not blocked.
async fn put_tx(
    client: &mut Object,
    address: &str,
    der: &[u8],
    pem: &str,
    facts: &CertFacts,
    ctx: &PutContext,
) -> Result<PutOutcome, tokio_postgres::Error> {
    let tx = client.transaction().await?;
    tx.execute(
        "INSERT INTO smime_addresses (address) VALUES ($1) ON CONFLICT (address) DO NOTHING",
        &[&address],
    )
    .await?;
    let current: Option<String> = tx
        .query_one(
            "SELECT current_sha256 FROM smime_addresses WHERE address = $1 FOR UPDATE",
            &[&address],
        )
        .await?
        .get(0);
    // A statement of its own, after the lock: it sees what the previous holder committed.
    let current_rank = match current {
        Some(sha256) => {
            let row = tx
                .query_one(
                    "SELECT not_before FROM smime_certificates WHERE address = $1 AND sha256 = $2",
                    &[&address, &sha256],
                )
                .await?;
            Some((row.get::<_, i64>(0), sha256))
        }
        None => None,
    };
    let outcome = match &current_rank {
        None => PutOutcome::Created,
        Some((_, sha256)) if *sha256 == facts.sha256 => PutOutcome::Unchanged,
        Some((not_before, sha256)) if facts.rank() > (*not_before, sha256.as_str()) => {
            PutOutcome::Replaced
        }
        Some(_) => PutOutcome::KeptNewer,
    };
    tx.execute(
        "INSERT INTO smime_certificates AS c
             (address, sha256, der, pem, not_before, first_seen, last_seen, message_id, dkim_domain)
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8)
         ON CONFLICT (address, sha256) DO UPDATE SET
             first_seen = least(c.first_seen, excluded.first_seen),
             last_seen = greatest(c.last_seen, excluded.last_seen),
             message_id = coalesce(c.message_id, excluded.message_id),
             dkim_domain = coalesce(c.dkim_domain, excluded.dkim_domain)",
        &[
            &address,
            &facts.sha256,
            &der,
            &pem,
            &facts.not_before,
            &ctx.seen_at_unix,
            &ctx.message_id,
            &ctx.dkim_domain,
        ],
    )
    .await?;
    if matches!(outcome, PutOutcome::Created | PutOutcome::Replaced) {
        tx.execute(
            "UPDATE smime_addresses SET current_sha256 = $2 WHERE address = $1",
            &[&address, &facts.sha256],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(outcome)
}

/// The driver's error with the server's message and SQLSTATE when there is one (the
/// driver's own `Display` says only "db error").
fn describe_pg_error(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!("{} (SQLSTATE {})", db.message(), db.code().code());
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl CertStore for PgStore {
    fn put<'a>(
        &'a self,
        address: &'a str,
        cert_der: &'a [u8],
        ctx: &'a PutContext,
    ) -> BoxFuture<'a, Result<Stored, Error>> {
        Box::pin(self.put_inner(address, cert_der, ctx))
    }

    fn get<'a>(&'a self, address: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, Error>> {
        Box::pin(self.get_inner(address))
    }

    fn list<'a>(&'a self) -> BoxFuture<'a, Result<Vec<String>, Error>> {
        Box::pin(self.list_inner())
    }

    fn history<'a>(&'a self, address: &'a str) -> BoxFuture<'a, Result<Vec<HistoryEntry>, Error>> {
        Box::pin(self.history_inner(address))
    }

    fn describe(&self) -> String {
        match &self.inner.schema {
            Some(schema) => format!("postgresql {} schema {schema}", self.inner.display),
            None => format!("postgresql {}", self.inner.display),
        }
    }
}

/// Splits our `schema=NAME` parameter off a URL's query string.
fn take_schema_param(url: &str) -> (String, Option<String>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_owned(), None);
    };
    let mut schema = None;
    let kept: Vec<&str> = query
        .split('&')
        .filter(|p| match p.strip_prefix("schema=") {
            Some(name) => {
                schema = Some(name.to_owned());
                false
            }
            None => true,
        })
        .collect();
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    (url, schema)
}

#[cfg(test)]
mod url_tests {
    use super::take_schema_param;

    #[test]
    fn schema_parameter_is_taken_out_of_the_url() {
        assert_eq!(
            take_schema_param("postgres://h/db?schema=t1&sslmode=require"),
            (
                "postgres://h/db?sslmode=require".to_owned(),
                Some("t1".to_owned())
            )
        );
        assert_eq!(
            take_schema_param("postgres://h/db?schema=t1"),
            ("postgres://h/db".to_owned(), Some("t1".to_owned()))
        );
        assert_eq!(
            take_schema_param("postgres://h/db"),
            ("postgres://h/db".to_owned(), None)
        );
    }
}
