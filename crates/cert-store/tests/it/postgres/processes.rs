//! Two or more daemon-like processes writing one database at once.
//!
//! The children are this test binary again, running only [`pg_child_entry`] with
//! `CERT_STORE_TEST_PG_CHILD` set. They start on a schema nobody has created yet, so
//! they also race on the first migration.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use cert_store::{CertStore, PgOptions, PgStore};

use super::{PG_ENV, TestDb};
use crate::child::{CONCURRENT_POOL, addresses, pool, race_puts};
use crate::support::{result_lines, sha256_hex};

const CHILD_ENV: &str = "CERT_STORE_TEST_PG_CHILD";
const WRITERS: u64 = 4;

/// Entry point of the child writers; does nothing in a normal test run.
#[test]
fn pg_child_entry() {
    let Ok(schema) = std::env::var(CHILD_ENV) else {
        return;
    };
    let url = std::env::var(PG_ENV).unwrap();
    let seed: u64 = std::env::var("CERT_STORE_TEST_SEED")
        .unwrap()
        .parse()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let options = PgOptions {
        pool_size: 4,
        ..PgOptions::default()
    };
    let store: Arc<dyn CertStore> =
        Arc::new(PgStore::open_with(&url, Some(&schema), options).unwrap());
    race_puts(&runtime, store, addresses().len(), seed);
}

fn spawn_writer(db: &TestDb, seed: u64) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "postgres::processes::pg_child_entry",
            "--nocapture",
            "--test-threads=1",
            "-q",
        ])
        .env(CHILD_ENV, &db.schema)
        .env(PG_ENV, &db.url)
        .env("CERT_STORE_TEST_SEED", seed.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

#[tokio::test]
async fn writers_in_several_processes_agree() {
    let Some(db) = TestDb::new("processes").await else {
        return;
    };
    let children: Vec<_> = (0..WRITERS).map(|seed| spawn_writer(&db, seed)).collect();
    let mut outcomes: HashMap<(usize, String), usize> = HashMap::new();
    let mut puts = 0;
    for child in children {
        let out = tokio::task::spawn_blocking(move || child.wait_with_output())
            .await
            .unwrap()
            .unwrap();
        assert!(out.status.success(), "a writer failed");
        for line in result_lines(&out.stdout) {
            let parts: Vec<&str> = line.split(' ').collect();
            let a: usize = parts[0].parse().unwrap();
            *outcomes.entry((a, parts[2].to_owned())).or_default() += 1;
            puts += 1;
        }
    }
    let addresses = addresses();
    assert_eq!(
        puts,
        WRITERS as usize * addresses.len() * 2 * CONCURRENT_POOL
    );
    let store = db.store();
    for (a, address) in addresses.iter().enumerate() {
        let pool = &pool(a)[..CONCURRENT_POOL];
        let count = |what: &str| outcomes.get(&(a, what.to_owned())).copied().unwrap_or(0);
        // The row lock serialised every writer: exactly one created the address.
        assert_eq!(count("created"), 1, "address {a}");
        assert!(
            count("replaced") < pool.len(),
            "more replacements than newer certificates"
        );
        // The newest certificate won, whatever the interleaving.
        assert_eq!(store.get(address).await.unwrap().as_ref(), pool.last());
        // Every certificate is in the history exactly once, seen by every writer.
        let history = store.history(address).await.unwrap();
        let mut got: Vec<String> = history.iter().map(|e| e.sha256.clone()).collect();
        let mut want: Vec<String> = pool.iter().map(|c| sha256_hex(c)).collect();
        got.sort();
        want.sort();
        assert_eq!(got, want, "address {a}");
        assert_eq!(history.iter().filter(|e| e.current).count(), 1);
        assert!(
            history
                .iter()
                .all(|e| e.message_id.is_some() && e.first_seen <= e.last_seen)
        );
    }
    assert_eq!(
        db.versions().await,
        (1..=cert_store::postgres::SCHEMA_VERSION).collect::<Vec<_>>()
    );
}
