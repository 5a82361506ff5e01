//! The directory backend (SPEC "Store", the embedded default).
//!
//! The layout is described in the [crate docs](crate#on-disk-layout).

mod fsops;
mod meta;
mod migrate;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::cert::{self, CertFacts, MAX_CERT_BYTES};
use crate::names::{self, EXT};
use crate::{BoxFuture, CertStore, Error, HistoryEntry, PutContext, PutOutcome, Stored};
use fsops::{Content, DirFd, Kind};
use meta::Meta;
pub use migrate::{LAYOUT, VERSION_FILE};

/// Name of the bookkeeping directory inside the store directory. It starts with `.`,
/// which no certificate file name does.
pub const HISTORY_DIR: &str = ".history";
/// Per-address lock file, inside `.history/<stem>/`.
pub const LOCK_FILE: &str = "lock";
/// Per-address metadata file, inside `.history/<stem>/`.
pub const META_FILE: &str = "meta.json";
/// How long a writer waits for an address's lock by default.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest certificate file the store reads (a PEM of [`MAX_CERT_BYTES`] is about
/// 4/3 of it).
const MAX_PEM_BYTES: u64 = 4 * MAX_CERT_BYTES as u64;
/// The largest metadata file the store reads.
const MAX_META_BYTES: u64 = 16 * 1024 * 1024;

/// A store in a directory of PEM files; see the [crate docs](crate#on-disk-layout).
///
/// Cheap to clone (the clones share one configuration). Safe to use from many tasks and
/// many processes at once: writers of one address serialise on a lock file.
#[derive(Clone, Debug)]
pub struct DirStore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    dir: PathBuf,
    lock_timeout: Duration,
}

/// The current certificate of an address, as read from `<dir>/<stem>.crt`.
struct Current {
    der: Vec<u8>,
    facts: CertFacts,
    /// Modification time of the file, Unix seconds.
    modified: Option<i64>,
}

impl DirStore {
    /// Opens the store in `dir`, creating the directory (and its parents) and the
    /// bookkeeping directory if missing, and moving entries stored under the earlier
    /// address rule to the current one (see the [crate docs](crate#file-names)).
    ///
    /// # Errors
    /// [`Error::Io`] when the directories cannot be created; [`Error::Symlink`] when
    /// `.history` is a link; [`Error::Migration`] when entries of the earlier rule
    /// cannot be moved without guessing (the message names them and what to do).
    pub fn open(dir: impl AsRef<Path>) -> Result<DirStore, Error> {
        let dir = dir.as_ref().to_path_buf();
        fs::create_dir_all(&dir).map_err(Error::io("create the store directory", &dir))?;
        let root = DirFd::open_root(&dir)?;
        let history = root.ensure_dir(HISTORY_DIR)?;
        migrate::ensure_current(&root, &history)?;
        Ok(DirStore {
            inner: Arc::new(Inner {
                dir,
                lock_timeout: DEFAULT_LOCK_TIMEOUT,
            }),
        })
    }

    /// The same store with another bound on the wait for an address's lock
    /// (default [`DEFAULT_LOCK_TIMEOUT`]); past it a write fails with the transient
    /// [`Error::LockTimeout`].
    pub fn with_lock_timeout(self, timeout: Duration) -> DirStore {
        DirStore {
            inner: Arc::new(Inner {
                dir: self.inner.dir.clone(),
                lock_timeout: timeout,
            }),
        }
    }

    /// The store directory.
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// The blocking form of [`CertStore::put`].
    ///
    /// # Errors
    /// Bad input ([`Error::InvalidAddress`], [`Error::NotACertificate`],
    /// [`Error::CertificateTooLarge`]) or a transient store failure.
    pub fn put_blocking(
        &self,
        address: &str,
        cert_der: &[u8],
        ctx: &PutContext,
    ) -> Result<Stored, Error> {
        let normalised = names::normalise(address)?;
        let facts = cert::facts(cert_der)?;
        let stem = names::stem_for_normalised(&normalised);
        let root = DirFd::open_root(&self.inner.dir)?;
        let history = root.ensure_dir(HISTORY_DIR)?;
        let addr_dir = history.ensure_dir(&stem)?;
        let _guard = addr_dir.lock(LOCK_FILE, self.inner.lock_timeout)?;
        // Whatever temporary is here was left by a writer that died holding this lock.
        addr_dir.remove_temporaries()?;

        let current = read_current(&root, &stem)?;
        let mut meta = load_meta(&addr_dir)?.unwrap_or_else(|| Meta::new(normalised));
        let mut meta_changed = false;
        if let Some(cur) = &current
            && meta.entry(&cur.facts.sha256).is_none()
        {
            // A current certificate the store never recorded: keep it in the history.
            write_history_cert(&addr_dir, &cur.facts.sha256, &cur.der)?;
            meta.adopt(&cur.facts, cur.modified.unwrap_or(ctx.seen_at_unix));
            meta_changed = true;
        }

        let outcome = match &current {
            None => PutOutcome::Created,
            Some(cur) if cur.facts.sha256 == facts.sha256 => PutOutcome::Unchanged,
            Some(cur) if facts.rank() > cur.facts.rank() => PutOutcome::Replaced,
            Some(_) => PutOutcome::KeptNewer,
        };

        // History first, current last: a crash in between leaves the old current with a
        // complete history; a retry then finishes the job.
        if meta.entry(&facts.sha256).is_none() {
            write_history_cert(&addr_dir, &facts.sha256, cert_der)?;
        }
        meta_changed |= meta.record(&facts, ctx);
        if meta_changed {
            addr_dir.replace("meta.json", &addr_dir, META_FILE, &meta.to_bytes())?;
        }
        let file_name = format!("{stem}{EXT}");
        let target = self.inner.dir.join(&file_name);
        if matches!(outcome, PutOutcome::Created | PutOutcome::Replaced) {
            // A rename replaces whatever is at the name (a planted link too) and never
            // writes through it.
            let pem = cert::to_pem(cert_der)?;
            addr_dir.replace("current", &root, &file_name, pem.as_bytes())?;
        }
        tracing::debug!(
            address = meta.address.as_str(),
            outcome = outcome.as_str(),
            sha256 = facts.sha256.as_str(),
            "certificate put"
        );
        Ok(Stored {
            outcome,
            location: target.display().to_string(),
        })
    }

    /// The blocking form of [`CertStore::get`].
    ///
    /// # Errors
    /// [`Error::InvalidAddress`], or a transient store failure (including a current file
    /// that is not one PEM certificate: [`Error::Corrupt`]). A link at the current
    /// file's name is not read: the address has no certificate.
    pub fn get_blocking(&self, address: &str) -> Result<Option<Vec<u8>>, Error> {
        let stem = names::stem_for_normalised(&names::normalise(address)?);
        let root = DirFd::open_root(&self.inner.dir)?;
        read_current_der(&root, &stem)
    }

    /// The blocking form of [`CertStore::list`].
    ///
    /// # Errors
    /// A transient store failure.
    pub fn list_blocking(&self) -> Result<Vec<String>, Error> {
        let root = DirFd::open_root(&self.inner.dir)?;
        let mut addresses = Vec::new();
        for (name, kind) in root.entries()? {
            // Only regular files: the store never writes directories or links here.
            if kind != Kind::File {
                continue;
            }
            let Some(stem) = name.strip_suffix(EXT) else {
                continue;
            };
            if stem.is_empty() || stem.starts_with('.') {
                continue;
            }
            let address = match names::decode_stem(stem) {
                Some(address) => Some(address),
                None if names::is_shortened(stem) => meta_address(&root, stem)?,
                None => None,
            };
            addresses.extend(address);
        }
        addresses.sort();
        Ok(addresses)
    }

    /// The blocking form of [`CertStore::history`].
    ///
    /// # Errors
    /// [`Error::InvalidAddress`], or a transient store failure (a link in place of its
    /// history directory or files: [`Error::Symlink`]).
    pub fn history_blocking(&self, address: &str) -> Result<Vec<HistoryEntry>, Error> {
        let stem = names::stem_for_normalised(&names::normalise(address)?);
        let root = DirFd::open_root(&self.inner.dir)?;
        let addr_dir = match root.open_dir(HISTORY_DIR)? {
            Some(history) => history.open_dir(&stem)?,
            None => None,
        };
        // Writers replace metadata before the current file, so reading in this order
        // sees the current certificate recorded unless it was placed from outside.
        let mut meta = match &addr_dir {
            Some(dir) => load_meta(dir)?,
            None => None,
        };
        let current = read_current(&root, &stem)?;
        let current_sha = current.as_ref().map(|c| c.facts.sha256.as_str());
        if let (Some(sha), Some(dir)) = (current_sha, &addr_dir)
            && meta.as_ref().is_none_or(|m| m.entry(sha).is_none())
        {
            // A writer may have finished between the two reads: look once more.
            meta = load_meta(dir)?;
        }
        let mut out = Vec::new();
        if let (Some(meta), Some(dir)) = (&meta, &addr_dir) {
            for entry in &meta.entries {
                let name = format!("{}{EXT}", entry.sha256);
                let der = read_pem_cert(dir, &name)?.ok_or_else(|| Error::Corrupt {
                    path: dir.join(&name),
                    detail: "the metadata lists this certificate but the file is missing".into(),
                })?;
                if cert::sha256_hex(&der) != entry.sha256 {
                    return Err(Error::Corrupt {
                        path: dir.join(&name),
                        detail: "the certificate does not match its file name".into(),
                    });
                }
                out.push(HistoryEntry {
                    sha256: entry.sha256.clone(),
                    der,
                    not_before: entry.not_before,
                    first_seen: entry.first_seen,
                    last_seen: entry.last_seen,
                    message_id: entry.message_id.clone(),
                    dkim_domain: entry.dkim_domain.clone(),
                    current: current_sha == Some(entry.sha256.as_str()),
                });
            }
        }
        if let Some(cur) = current
            && !out.iter().any(|e| e.current)
        {
            let when = cur.modified.unwrap_or(0);
            out.push(HistoryEntry {
                sha256: cur.facts.sha256,
                der: cur.der,
                not_before: cur.facts.not_before,
                first_seen: when,
                last_seen: when,
                message_id: None,
                dkim_domain: None,
                current: true,
            });
        }
        out.sort_by(|a, b| (b.not_before, &b.sha256).cmp(&(a.not_before, &a.sha256)));
        Ok(out)
    }
}

/// Reads and decodes `<dir>/<stem>.crt`; a link (or FIFO...) there is no certificate
/// of the store's: `None`, and the next put replaces it.
fn read_current(root: &DirFd, stem: &str) -> Result<Option<Current>, Error> {
    let name = format!("{stem}{EXT}");
    let Some(der) = read_current_der(root, stem)? else {
        return Ok(None);
    };
    let facts = cert::facts(&der).map_err(|e| Error::Corrupt {
        path: root.join(&name),
        detail: e.to_string(),
    })?;
    Ok(Some(Current {
        der,
        facts,
        modified: root.modified_unix(&name),
    }))
}

/// The DER of `<dir>/<stem>.crt`; `None` when missing or not a regular file.
fn read_current_der(root: &DirFd, stem: &str) -> Result<Option<Vec<u8>>, Error> {
    let name = format!("{stem}{EXT}");
    match root.read(&name, MAX_PEM_BYTES)? {
        Content::Missing => Ok(None),
        Content::Foreign => {
            tracing::warn!(path = %root.join(&name).display(), "not a regular file (a link?): not read, replaced by the next certificate");
            Ok(None)
        }
        Content::Bytes(pem) => pem_der(&root.join(&name), &pem).map(Some),
    }
}

/// The address recorded in the metadata of a stem, if any.
fn meta_address(root: &DirFd, stem: &str) -> Result<Option<String>, Error> {
    let Some(dir) = root
        .open_dir(HISTORY_DIR)?
        .map(|h| h.open_dir(stem))
        .transpose()?
        .flatten()
    else {
        return Ok(None);
    };
    let Some(meta) = load_meta(&dir)? else {
        return Ok(None);
    };
    let ours = names::stem_for_normalised(&meta.address) == stem;
    Ok(ours.then_some(meta.address))
}

/// Reads the metadata of an address directory; `None` when it does not exist.
fn load_meta(addr_dir: &DirFd) -> Result<Option<Meta>, Error> {
    match addr_dir.read(META_FILE, MAX_META_BYTES)? {
        Content::Bytes(bytes) => Meta::parse(&addr_dir.join(META_FILE), &bytes).map(Some),
        Content::Missing => Ok(None),
        Content::Foreign => Err(Error::Symlink {
            path: addr_dir.join(META_FILE),
        }),
    }
}

/// Writes `<addr_dir>/<sha256>.crt` unless it is already there (it then holds the same
/// bytes: the name is their fingerprint and files are only ever renamed into place). A
/// link at that name is replaced, not followed.
fn write_history_cert(addr_dir: &DirFd, sha256: &str, der: &[u8]) -> Result<(), Error> {
    let name = format!("{sha256}{EXT}");
    if addr_dir.kind(&name)? == Kind::File {
        return Ok(());
    }
    let pem = cert::to_pem(der)?;
    addr_dir.replace("history", addr_dir, &name, pem.as_bytes())
}

/// The DER of a PEM certificate file of the history; `None` when it does not exist.
fn read_pem_cert(dir: &DirFd, name: &str) -> Result<Option<Vec<u8>>, Error> {
    match dir.read(name, MAX_PEM_BYTES)? {
        Content::Missing => Ok(None),
        Content::Foreign => Err(Error::Symlink {
            path: dir.join(name),
        }),
        Content::Bytes(pem) => pem_der(&dir.join(name), &pem).map(Some),
    }
}

fn pem_der(path: &Path, pem: &[u8]) -> Result<Vec<u8>, Error> {
    cert::from_pem(pem).map_err(|detail| Error::Corrupt {
        path: path.to_path_buf(),
        detail: format!("not one PEM certificate: {detail}"),
    })
}

/// Runs a blocking store operation on tokio's blocking pool when called inside a tokio
/// runtime, or inline otherwise (short local file I/O, plus at most the lock wait).
async fn run_blocking<T, F>(f: F) -> Result<T, Error>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, Error> + Send + 'static,
{
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => handle
            .spawn_blocking(f)
            .await
            .map_err(|e| Error::TaskFailed {
                detail: e.to_string(),
            })?,
        Err(_) => f(),
    }
}

impl CertStore for DirStore {
    fn put<'a>(
        &'a self,
        address: &'a str,
        cert_der: &'a [u8],
        ctx: &'a PutContext,
    ) -> BoxFuture<'a, Result<Stored, Error>> {
        let (store, address, der, ctx) = (
            self.clone(),
            address.to_owned(),
            cert_der.to_vec(),
            ctx.clone(),
        );
        Box::pin(run_blocking(move || {
            store.put_blocking(&address, &der, &ctx)
        }))
    }

    fn get<'a>(&'a self, address: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, Error>> {
        let (store, address) = (self.clone(), address.to_owned());
        Box::pin(run_blocking(move || store.get_blocking(&address)))
    }

    fn list<'a>(&'a self) -> BoxFuture<'a, Result<Vec<String>, Error>> {
        let store = self.clone();
        Box::pin(run_blocking(move || store.list_blocking()))
    }

    fn history<'a>(&'a self, address: &'a str) -> BoxFuture<'a, Result<Vec<HistoryEntry>, Error>> {
        let (store, address) = (self.clone(), address.to_owned());
        Box::pin(run_blocking(move || store.history_blocking(&address)))
    }

    fn describe(&self) -> String {
        format!("directory {}", self.inner.dir.display())
    }
}
