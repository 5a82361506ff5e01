//! An in-memory [`CertDirectory`]: tests, benchmarks and examples fill it directly.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use super::{BoxFuture, CertDirectory};
use crate::{Entry, Error, HistoryItem};

/// Certificates by normalised address, in memory. Cloning shares the data.
#[derive(Clone, Default)]
pub struct MemoryDirectory {
    inner: Arc<RwLock<HashMap<String, Record>>>,
    delay: Option<Duration>,
}

#[derive(Clone)]
struct Record {
    current: Option<Arc<Entry>>,
    history: Vec<HistoryItem>,
}

impl MemoryDirectory {
    /// An empty directory.
    pub fn new() -> MemoryDirectory {
        MemoryDirectory::default()
    }

    /// The same data, each answer read at once and returned after `delay` (to test
    /// time limits and reads in flight).
    #[must_use]
    pub fn with_delay(&self, delay: Duration) -> MemoryDirectory {
        MemoryDirectory {
            inner: Arc::clone(&self.inner),
            delay: Some(delay),
        }
    }

    /// Makes `der` the current certificate of `address` (normalised), seen at `seen`
    /// (Unix seconds); the previous current one stays in the history.
    ///
    /// # Errors
    /// [`Error::Certificate`] when `der` is not a certificate.
    pub fn insert(&self, address: &str, der: &[u8], seen: i64) -> Result<Arc<Entry>, Error> {
        let entry = Arc::new(Entry::from_der(address, der)?);
        self.insert_entry(Arc::clone(&entry), seen)?;
        Ok(entry)
    }

    /// Makes a prepared entry current (several addresses may share one in benchmarks).
    ///
    /// # Errors
    /// [`Error::Certificate`] when the entry's DER does not decode.
    pub fn insert_entry(&self, entry: Arc<Entry>, seen: i64) -> Result<(), Error> {
        let item = HistoryItem::from_der(entry.der(), seen, seen, true)?;
        let mut map = self.inner.write().unwrap_or_else(|e| e.into_inner());
        let record = map.entry(entry.address().to_string()).or_insert(Record {
            current: None,
            history: Vec::new(),
        });
        for old in &mut record.history {
            old.current = false;
        }
        record.history.retain(|h| h.sha256 != item.sha256);
        record.history.push(item);
        record
            .history
            .sort_by_key(|h| std::cmp::Reverse(h.not_before));
        record.current = Some(entry);
        Ok(())
    }

    /// Removes everything about `address` (as `readsmimesig --forget` will).
    pub fn forget(&self, address: &str) -> bool {
        let mut map = self.inner.write().unwrap_or_else(|e| e.into_inner());
        map.remove(address).is_some()
    }

    /// How many addresses have a record.
    pub fn len(&self) -> usize {
        self.inner.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Whether no address has a record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn record(&self, address: &str) -> Option<Record> {
        let map = self.inner.read().unwrap_or_else(|e| e.into_inner());
        map.get(address).cloned()
    }

    async fn wait(&self) {
        if let Some(delay) = self.delay {
            tokio::time::sleep(delay).await;
        }
    }
}

impl CertDirectory for MemoryDirectory {
    fn current<'a>(&'a self, address: &'a str) -> BoxFuture<'a, Result<Option<Arc<Entry>>, Error>> {
        Box::pin(async move {
            // Read, then wait: a slow store answers what it read when asked.
            let current = self.record(address).and_then(|r| r.current);
            self.wait().await;
            Ok(current)
        })
    }

    fn history<'a>(&'a self, address: &'a str) -> BoxFuture<'a, Result<Vec<HistoryItem>, Error>> {
        Box::pin(async move {
            let history = self.record(address).map(|r| r.history).unwrap_or_default();
            self.wait().await;
            Ok(history)
        })
    }
}

impl std::fmt::Debug for MemoryDirectory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryDirectory")
            .field("addresses", &self.len())
            .field("delay", &self.delay)
            .finish()
    }
}
