//! The child writer processes (selected by `CERT_STORE_TEST_CHILD`).

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use cert_store::{CertStore, DirStore};

use crate::support::{CHILD_MODE, NOW, Rng, cert, ctx};

/// Addresses the child writers use: plain, upper case, and one long enough to be
/// shortened.
pub fn addresses() -> Vec<String> {
    vec![
        "alice@example.com".to_owned(),
        "Bob.Smith@Example.COM".to_owned(),
        format!("{}@example.org", "long.local.part".repeat(20)),
    ]
}

/// Certificates per address in [`pool`].
pub const POOL_SIZE: usize = 300;
/// How many of them the concurrent writers use.
pub const CONCURRENT_POOL: usize = 6;

/// The certificates of address `a`: index `i` has notBefore growing with `i`.
pub fn pool(a: usize) -> &'static [Vec<u8>] {
    static POOLS: OnceLock<Vec<Vec<Vec<u8>>>> = OnceLock::new();
    let pools = POOLS.get_or_init(|| {
        (0..addresses().len())
            .map(|a| {
                (0..POOL_SIZE)
                    .map(|i| {
                        let not_before = NOW - 400 * 86_400 + i as i64 * 3_600;
                        cert(&format!("addr{a}-cert{i}"), not_before)
                    })
                    .collect()
            })
            .collect()
    });
    &pools[a]
}

pub fn run_if_requested() {
    let Ok(mode) = std::env::var(CHILD_MODE) else {
        return;
    };
    let dir = PathBuf::from(std::env::var("CERT_STORE_TEST_DIR").unwrap());
    let seed: u64 = std::env::var("CERT_STORE_TEST_SEED")
        .unwrap()
        .parse()
        .unwrap();
    match mode.as_str() {
        "crash" => crash_writer(dir, seed, 100_000),
        "crash-short" => crash_writer(dir, seed, 20),
        "concurrent" => concurrent_writer(dir, seed),
        other => panic!("unknown child mode {other}"),
    }
}

/// Puts certificates of random addresses as fast as it can, until killed (or `rounds`
/// puts): mostly newer ones (index `2 * seed + i`, so that every child moves the store
/// forward), sometimes a slightly older one.
fn crash_writer(dir: PathBuf, seed: u64, rounds: u64) {
    let store = DirStore::open(&dir)
        .unwrap()
        .with_lock_timeout(Duration::from_secs(20));
    let addresses = addresses();
    let mut rng = Rng::new(seed);
    for i in 0..rounds {
        let a = rng.below(addresses.len() as u64) as usize;
        let newest = (2 * seed + i) as usize;
        let c = newest
            .saturating_sub(rng.below(3) as usize)
            .min(POOL_SIZE - 1);
        let message_id = format!("<{seed}.{i}@child>");
        store
            .put_blocking(
                &addresses[a],
                &pool(a)[c],
                &ctx(&message_id, NOW + i as i64),
            )
            .unwrap();
    }
    println!("RESULT done {rounds}");
}

/// Puts every certificate of the first two addresses twice, in a seeded order, from
/// many tasks at once through the trait; prints one `RESULT a c outcome` per put.
fn concurrent_writer(dir: PathBuf, seed: u64) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .build()
        .unwrap();
    let store: Arc<dyn CertStore> = Arc::new(
        DirStore::open(&dir)
            .unwrap()
            .with_lock_timeout(Duration::from_secs(30)),
    );
    race_puts(&runtime, store, 2, seed);
}

/// The concurrent writer of both backends' process tests: every certificate of the
/// first `address_count` addresses twice, in a seeded order, all tasks at once; prints
/// one `RESULT a c outcome` per put for the parent to check.
pub fn race_puts(
    runtime: &tokio::runtime::Runtime,
    store: Arc<dyn CertStore>,
    address_count: usize,
    seed: u64,
) {
    let addresses = addresses();
    let mut jobs: Vec<(usize, usize)> = (0..address_count)
        .flat_map(|a| (0..CONCURRENT_POOL).map(move |c| (a, c)))
        .collect();
    jobs.extend(jobs.clone());
    Rng::new(seed).shuffle(&mut jobs);
    let results = runtime.block_on(async {
        let handles: Vec<_> = jobs
            .into_iter()
            .enumerate()
            .map(|(n, (a, c))| {
                let (store, address) = (store.clone(), addresses[a].clone());
                tokio::spawn(async move {
                    let context = ctx(&format!("<{seed}.{n}@child>"), NOW + n as i64);
                    let stored = store.put(&address, &pool(a)[c], &context).await.unwrap();
                    (a, c, stored.outcome)
                })
            })
            .collect();
        let mut results = Vec::new();
        for handle in handles {
            results.push(handle.await.unwrap());
        }
        results
    });
    for (a, c, outcome) in results {
        println!("RESULT {a} {c} {}", outcome.as_str());
    }
}
