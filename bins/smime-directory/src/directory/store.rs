//! [`CertDirectory`] over the collector's [`cert_store::CertStore`] (a directory of PEM
//! files or PostgreSQL), read-only.

use std::sync::Arc;

use super::{BoxFuture, CertDirectory};
use crate::{Entry, Error, HistoryItem};

/// The collector's store, read through its `get` and `history`.
pub struct StoreDirectory {
    store: Box<dyn cert_store::CertStore>,
}

impl StoreDirectory {
    /// Reads from `store`.
    pub fn new(store: Box<dyn cert_store::CertStore>) -> StoreDirectory {
        StoreDirectory { store }
    }

    /// Opens SPEC `store.location` (a directory path or a `postgres://` URL) with
    /// [`cert_store::open`]; nothing is connected yet for PostgreSQL.
    ///
    /// # Errors
    /// [`Error::Store`] when the location is unusable.
    pub fn open(location: &str) -> Result<StoreDirectory, Error> {
        Ok(StoreDirectory::new(cert_store::open(location)?))
    }

    /// The store's description for the log (no credentials).
    pub fn describe(&self) -> String {
        self.store.describe()
    }
}

impl CertDirectory for StoreDirectory {
    fn current<'a>(&'a self, address: &'a str) -> BoxFuture<'a, Result<Option<Arc<Entry>>, Error>> {
        Box::pin(async move {
            match self.store.get(address).await? {
                Some(der) => Ok(Some(Arc::new(Entry::from_der(address, &der)?))),
                None => Ok(None),
            }
        })
    }

    fn history<'a>(&'a self, address: &'a str) -> BoxFuture<'a, Result<Vec<HistoryItem>, Error>> {
        Box::pin(async move {
            let entries = self.store.history(address).await?;
            entries
                .iter()
                .map(|h| HistoryItem::from_der(&h.der, h.first_seen, h.last_seen, h.current))
                .collect()
        })
    }
}

impl std::fmt::Debug for StoreDirectory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreDirectory")
            .field("store", &self.store.describe())
            .finish()
    }
}
