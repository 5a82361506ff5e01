//! A lookup cache in front of any [`CertDirectory`], and the ways the store side tells it
//! that something changed.
//!
//! # Design
//! Every cached answer (a certificate or "none", never an error) carries the cache's
//! *generation* at the moment its store read began. [`Invalidator::invalidate_all`] and
//! [`Invalidator::invalidate`] bump the generation, so every answer read before is stale
//! at once, including one whose read was still in flight when the change happened (a
//! per-key removal alone would let that read re-insert the old answer). Writes are rare
//! next to lookups (a certificate a year per address), so dropping everything on a
//! change costs little. An optional time-to-live bounds staleness where no change
//! signal exists. History lookups are not cached.
//!
//! # Who invalidates
//! - In one process (a future collector that also serves the directory, tests):
//!   call [`Invalidator::invalidate`] after a put or `--forget`.
//! - Directory store, other processes (the webhook, `readsmimesig`): every change of
//!   an address's current certificate renames or unlinks `<dir>/<address>.crt`, which
//!   changes the store directory's mtime. [`watch_dir`] polls it
//!   ([`DIR_POLL_INTERVAL`]) and invalidates on any change; while the mtime is within
//!   [`RACY_WINDOW`] of now it invalidates at every poll, because two changes within one
//!   tick of the file system's clock leave the same mtime.
//! - PostgreSQL: a short TTL ([`PG_DEFAULT_TTL`]); cert-store could later `NOTIFY` on
//!   commit and the directory `LISTEN`, calling [`Invalidator::invalidate`].

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use tokio_util::sync::CancellationToken;

use crate::directory::{BoxFuture, CertDirectory};
use crate::{Entry, Error, HistoryItem};

/// How often [`watch_dir`] looks at the store directory.
pub const DIR_POLL_INTERVAL: Duration = Duration::from_millis(250);
/// A directory mtime this close to now may hide a second change in the same tick.
pub const RACY_WINDOW: Duration = Duration::from_secs(2);
/// The time-to-live of cached answers over a PostgreSQL store.
pub const PG_DEFAULT_TTL: Duration = Duration::from_secs(1);

/// Size and freshness of the cache.
#[derive(Debug, Clone, Copy)]
pub struct CacheOptions {
    /// Addresses kept (answers "none" included); 0 turns the cache off. Default
    /// 100,000: about 3.5 KB each with a certificate (DER, PEM and PKCS#7).
    pub capacity: usize,
    /// How long an answer may be served without a change signal; `None`: until
    /// invalidated.
    pub ttl: Option<Duration>,
}

impl Default for CacheOptions {
    fn default() -> Self {
        CacheOptions {
            capacity: 100_000,
            ttl: None,
        }
    }
}

#[derive(Clone)]
struct Slot {
    generation: u64,
    fetched: Instant,
    entry: Option<Arc<Entry>>,
}

struct State {
    slots: Option<quick_cache::sync::Cache<String, Slot>>,
    generation: AtomicU64,
    ttl: Option<Duration>,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// A [`CertDirectory`] that remembers `current` answers until invalidated.
pub struct CachedDirectory<D> {
    inner: D,
    state: Arc<State>,
}

/// The handle the store side uses to say "something changed". Cheap to clone.
#[derive(Clone)]
pub struct Invalidator {
    state: Arc<State>,
}

impl<D: CertDirectory> CachedDirectory<D> {
    /// `inner` behind a cache of the given size and freshness.
    pub fn new(inner: D, options: CacheOptions) -> CachedDirectory<D> {
        let slots = (options.capacity > 0).then(|| quick_cache::sync::Cache::new(options.capacity));
        CachedDirectory {
            inner,
            state: Arc::new(State {
                slots,
                generation: AtomicU64::new(0),
                ttl: options.ttl,
                hits: AtomicU64::new(0),
                misses: AtomicU64::new(0),
            }),
        }
    }

    /// The handle that invalidates this cache.
    pub fn invalidator(&self) -> Invalidator {
        Invalidator {
            state: Arc::clone(&self.state),
        }
    }

    /// `(hits, misses)` so far.
    pub fn stats(&self) -> (u64, u64) {
        (
            self.state.hits.load(Ordering::Relaxed),
            self.state.misses.load(Ordering::Relaxed),
        )
    }

    fn cached(&self, address: &str) -> Option<Option<Arc<Entry>>> {
        let slot = self.state.slots.as_ref()?.get(address)?;
        if slot.generation != self.state.generation.load(Ordering::Acquire) {
            return None;
        }
        if self
            .state
            .ttl
            .is_some_and(|ttl| slot.fetched.elapsed() >= ttl)
        {
            return None;
        }
        Some(slot.entry)
    }
}

impl<D: CertDirectory> CertDirectory for CachedDirectory<D> {
    fn current<'a>(&'a self, address: &'a str) -> BoxFuture<'a, Result<Option<Arc<Entry>>, Error>> {
        Box::pin(async move {
            if let Some(hit) = self.cached(address) {
                self.state.hits.fetch_add(1, Ordering::Relaxed);
                return Ok(hit);
            }
            self.state.misses.fetch_add(1, Ordering::Relaxed);
            // The generation is read before the store: a change during the read makes
            // this answer stale at once.
            let generation = self.state.generation.load(Ordering::Acquire);
            let fetched = Instant::now();
            let entry = self.inner.current(address).await?;
            if let Some(slots) = &self.state.slots {
                let slot = Slot {
                    generation,
                    fetched,
                    entry: entry.clone(),
                };
                slots.insert(address.to_string(), slot);
            }
            Ok(entry)
        })
    }

    fn history<'a>(&'a self, address: &'a str) -> BoxFuture<'a, Result<Vec<HistoryItem>, Error>> {
        self.inner.history(address)
    }
}

impl Invalidator {
    /// `address` changed (a put, a `--forget`). Today this drops every cached answer,
    /// see the [module docs](self).
    pub fn invalidate(&self, address: &str) {
        if let Some(slots) = &self.state.slots {
            slots.remove(address);
        }
        self.invalidate_all();
    }

    /// Something in the store changed.
    pub fn invalidate_all(&self) {
        self.state.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// How many times the cache was invalidated.
    pub fn generation(&self) -> u64 {
        self.state.generation.load(Ordering::Acquire)
    }
}

impl<D> std::fmt::Debug for CachedDirectory<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedDirectory")
            .field("generation", &self.state.generation)
            .field("ttl", &self.state.ttl)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Invalidator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invalidator")
            .field("generation", &self.state.generation)
            .finish()
    }
}

/// What identifies one state of the store directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DirStamp {
    ino: u64,
    mtime: SystemTime,
}

fn stamp(dir: &std::path::Path) -> Option<DirStamp> {
    use std::os::unix::fs::MetadataExt as _;
    let meta = std::fs::metadata(dir).ok()?;
    Some(DirStamp {
        ino: meta.ino(),
        mtime: meta.modified().ok()?,
    })
}

/// Polls the directory store's top directory every `interval` until `shutdown` and
/// invalidates the cache when it changed (see the [module docs](self)). Run it as a
/// task beside the servers.
pub async fn watch_dir(
    dir: PathBuf,
    invalidator: Invalidator,
    interval: Duration,
    shutdown: CancellationToken,
) {
    let mut last = stamp(&dir);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(interval) => {}
        }
        let now = stamp(&dir);
        let racy = now.is_some_and(|s| {
            SystemTime::now()
                .duration_since(s.mtime)
                .map_or(true, |age| age < RACY_WINDOW)
        });
        if now != last || racy {
            invalidator.invalidate_all();
        }
        last = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryDirectory;

    fn leaf(address: &str) -> Vec<u8> {
        test_support::pki::leaf_for(address).der
    }

    async fn sha(d: &impl CertDirectory, a: &str) -> Option<String> {
        d.current(a).await.unwrap().map(|e| e.sha256_hex())
    }

    #[tokio::test]
    async fn answers_are_kept_until_invalidated() {
        let mem = MemoryDirectory::new();
        let cached = CachedDirectory::new(mem.clone(), CacheOptions::default());
        assert_eq!(sha(&cached, "alice@example.com").await, None);
        mem.insert("alice@example.com", &leaf("alice@example.com"), 1)
            .unwrap();
        // The negative answer is cached: the store change is not seen yet.
        assert_eq!(sha(&cached, "alice@example.com").await, None);
        cached.invalidator().invalidate("alice@example.com");
        let first = sha(&cached, "alice@example.com").await;
        assert!(first.is_some());
        mem.forget("alice@example.com");
        assert_eq!(sha(&cached, "alice@example.com").await, first);
        cached.invalidator().invalidate_all();
        assert_eq!(sha(&cached, "alice@example.com").await, None);
        assert_eq!(cached.stats(), (2, 3));
    }

    #[tokio::test]
    async fn a_read_in_flight_during_an_invalidation_is_not_kept() {
        let mem = MemoryDirectory::new();
        mem.insert("bob@example.org", &leaf("bob@example.org"), 1)
            .unwrap();
        let slow = mem.with_delay(Duration::from_millis(100));
        let cached = Arc::new(CachedDirectory::new(slow, CacheOptions::default()));
        let reader = {
            let cached = Arc::clone(&cached);
            tokio::spawn(async move { sha(&*cached, "bob@example.org").await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        mem.forget("bob@example.org");
        cached.invalidator().invalidate("bob@example.org");
        assert!(reader.await.unwrap().is_some(), "the read began before");
        assert_eq!(sha(&*cached, "bob@example.org").await, None);
    }

    #[tokio::test]
    async fn ttl_bounds_staleness_and_capacity_zero_disables() {
        let mem = MemoryDirectory::new();
        let options = CacheOptions {
            capacity: 10,
            ttl: Some(Duration::from_millis(50)),
        };
        let cached = CachedDirectory::new(mem.clone(), options);
        assert_eq!(sha(&cached, "carol@example.com").await, None);
        mem.insert("carol@example.com", &leaf("carol@example.com"), 1)
            .unwrap();
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert!(sha(&cached, "carol@example.com").await.is_some());

        let off = CachedDirectory::new(
            mem.clone(),
            CacheOptions {
                capacity: 0,
                ttl: None,
            },
        );
        assert!(sha(&off, "carol@example.com").await.is_some());
        mem.forget("carol@example.com");
        assert_eq!(sha(&off, "carol@example.com").await, None);
    }

    #[tokio::test]
    async fn dir_watch_invalidates_on_a_rename_into_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let cached = CachedDirectory::new(MemoryDirectory::new(), CacheOptions::default());
        let inv = cached.invalidator();
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(watch_dir(
            dir.path().to_path_buf(),
            inv.clone(),
            Duration::from_millis(10),
            shutdown.clone(),
        ));
        tokio::time::sleep(Duration::from_millis(30)).await;
        let before = inv.generation();
        std::fs::write(dir.path().join("x.tmp"), b"x").unwrap();
        std::fs::rename(dir.path().join("x.tmp"), dir.path().join("x.crt")).unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while inv.generation() == before {
            assert!(Instant::now() < deadline, "no invalidation");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        shutdown.cancel();
        task.await.unwrap();
    }

    #[tokio::test]
    async fn dir_watch_leaves_a_quiet_old_directory_alone() {
        let dir = tempfile::tempdir().unwrap();
        let hour_ago = SystemTime::now() - Duration::from_secs(3600);
        std::fs::File::open(dir.path())
            .unwrap()
            .set_modified(hour_ago)
            .unwrap();
        let cached = CachedDirectory::new(MemoryDirectory::new(), CacheOptions::default());
        let inv = cached.invalidator();
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(watch_dir(
            dir.path().to_path_buf(),
            inv.clone(),
            Duration::from_millis(5),
            shutdown.clone(),
        ));
        tokio::time::sleep(Duration::from_millis(60)).await;
        shutdown.cancel();
        task.await.unwrap();
        assert_eq!(inv.generation(), 0);
    }
}
