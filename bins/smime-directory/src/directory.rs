//! Where the certificates come from: the [`CertDirectory`] trait, an in-memory
//! implementation ([`MemoryDirectory`]) and one over the collector's store
//! ([`StoreDirectory`], a directory or PostgreSQL).

mod memory;
mod store;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub use memory::MemoryDirectory;
pub use store::StoreDirectory;

use crate::{Entry, Error, HistoryItem};

/// The boxed future every [`CertDirectory`] method returns (keeps the trait
/// dyn-compatible).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Read-only access to the current certificate and the history of an address.
///
/// Addresses passed in are already normalised ([`crate::normalize_address`]). An
/// implementation answers what the store holds; the servers decide what to hand out
/// (expiry, the revoked mark) at request time.
pub trait CertDirectory: Send + Sync {
    /// The current certificate of `address`, if it has one.
    ///
    /// # Errors
    /// [`Error::Store`] when the store cannot be read (transient), or
    /// [`Error::Certificate`] when what it holds is not a certificate.
    fn current<'a>(&'a self, address: &'a str) -> BoxFuture<'a, Result<Option<Arc<Entry>>, Error>>;

    /// Every certificate `address` has had, newest notBefore first (empty when none).
    ///
    /// # Errors
    /// As [`CertDirectory::current`].
    fn history<'a>(&'a self, address: &'a str) -> BoxFuture<'a, Result<Vec<HistoryItem>, Error>>;
}

impl<T: CertDirectory + ?Sized> CertDirectory for Arc<T> {
    fn current<'a>(&'a self, address: &'a str) -> BoxFuture<'a, Result<Option<Arc<Entry>>, Error>> {
        (**self).current(address)
    }

    fn history<'a>(&'a self, address: &'a str) -> BoxFuture<'a, Result<Vec<HistoryItem>, Error>> {
        (**self).history(address)
    }
}
