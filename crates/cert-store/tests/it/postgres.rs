//! Tests of the PostgreSQL backend against the real server named by
//! `SMIME_COLLECTOR_TEST_PG` (CI: `postgres://postgres@127.0.0.1:5432/test`).
//!
//! Without it, or when the server does not answer, each test that needs it prints
//! "skipped: ..." and passes (set `SMIME_COLLECTOR_TEST_PG_REQUIRED=1` to make an
//! unreachable server a failure instead). Each test works in its own schema, dropped
//! at the end, so they run in parallel. Tests of bad input and of an unreachable
//! database need no server and always run.

mod export;
mod failures;
mod migrations;
mod outcomes;
mod processes;
mod tls;

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cert_store::{PgOptions, PgStore};

/// The environment variable naming the test database.
pub const PG_ENV: &str = "SMIME_COLLECTOR_TEST_PG";

/// A fresh schema in the test database, dropped when this is dropped.
pub struct TestDb {
    pub url: String,
    pub schema: String,
}

impl TestDb {
    /// A fresh schema name for `label`, or `None` (after printing why) when there is
    /// no usable server.
    pub async fn new(label: &str) -> Option<TestDb> {
        let Ok(url) = std::env::var(PG_ENV) else {
            skipped(&format!("{PG_ENV} not set"), label);
            return None;
        };
        let probe = tokio::time::timeout(
            Duration::from_secs(5),
            tokio_postgres::connect(&url, tokio_postgres::NoTls),
        )
        .await;
        match probe {
            Ok(Ok((client, connection))) => {
                drop(client);
                drop(connection);
            }
            Ok(Err(e)) => return unreachable(label, &e.to_string()),
            Err(_) => return unreachable(label, "no answer within 5 s"),
        }
        Some(TestDb {
            url,
            schema: schema_name(label),
        })
    }

    /// A store in this schema, default options.
    pub fn store(&self) -> PgStore {
        self.store_with(&self.url, PgOptions::default())
    }

    /// A store in this schema with another URL or other options. Its connections are
    /// named after the schema (unless the URL names them), so that the clean-up can
    /// end those a test left in the middle of a transaction.
    pub fn store_with(&self, url: &str, options: PgOptions) -> PgStore {
        let url = if url.contains("application_name=") {
            url.to_owned()
        } else {
            let sep = if url.contains('?') { '&' } else { '?' };
            format!("{url}{sep}application_name={}", self.schema)
        };
        PgStore::open_with(&url, Some(&self.schema), options).unwrap()
    }

    /// The URL with extra query parameters (`k=v&...`).
    pub fn url_with(&self, params: &str) -> String {
        let sep = if self.url.contains('?') { '&' } else { '?' };
        format!("{}{sep}{params}", self.url)
    }

    /// A plain connection whose search path is this schema.
    pub async fn admin(&self) -> tokio_postgres::Client {
        let (client, connection) = tokio_postgres::connect(&self.url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        client
            .batch_execute(&format!("SET search_path = {}", self.schema))
            .await
            .unwrap();
        client
    }

    /// The applied schema versions, in order.
    pub async fn versions(&self) -> Vec<i32> {
        self.admin()
            .await
            .query(
                "SELECT version FROM smime_schema_version ORDER BY version",
                &[],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let (url, schema) = (self.url.clone(), self.schema.clone());
        // Own thread and runtime: Drop may run inside a test's runtime.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let (client, connection) =
                    tokio_postgres::connect(&url, tokio_postgres::NoTls).await?;
                tokio::spawn(connection);
                // The test's runtime is blocked in this Drop: connections of its
                // stores cannot finish a rollback, so end them first.
                client
                    .execute(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                         WHERE application_name IN ($1, $1 || '_app')",
                        &[&schema],
                    )
                    .await?;
                client
                    .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                    .await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test schema {}", self.schema);
        }
    }
}

fn unreachable(label: &str, why: &str) -> Option<TestDb> {
    if std::env::var("SMIME_COLLECTOR_TEST_PG_REQUIRED").is_ok_and(|v| v == "1") {
        panic!("{PG_ENV} is unreachable ({why}) and SMIME_COLLECTOR_TEST_PG_REQUIRED=1");
    }
    skipped(&format!("{PG_ENV} unreachable ({why})"), label);
    None
}

/// Prints the skip line straight to stderr, past the test harness's capture, so that
/// a plain `cargo test` shows it.
pub fn skipped(why: &str, label: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "skipped: {why} [postgres {label}]");
}

/// `cs_test_<label>_<pid>_<n>_<time>`, unique across parallel tests and processes.
fn schema_name(label: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mut label: String = label
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect::<String>()
        .to_ascii_lowercase();
    label.truncate(24);
    format!("cs_test_{label}_{}_{n}_{nanos}", std::process::id())
}

/// Options with short bounds, for tests that expect failures.
pub fn short_options() -> PgOptions {
    PgOptions {
        pool_size: 2,
        connect_timeout: Duration::from_millis(800),
        statement_timeout: Duration::from_secs(2),
        operation_timeout: Duration::from_secs(2),
    }
}
