//! The directory backend (SPEC "Store", the embedded default).
//!
//! The layout is described in the [crate docs](crate#on-disk-layout).

mod fsops;
mod meta;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use crate::cert::{self, CertFacts};
use crate::names::{self, EXT};
use crate::{BoxFuture, CertStore, Error, HistoryEntry, PutContext, PutOutcome, Stored};
use fsops::{ensure_dir, lock, read_optional, replace_atomically};
use meta::Meta;

/// Name of the bookkeeping directory inside the store directory. It starts with `.`,
/// which no certificate file name does.
pub const HISTORY_DIR: &str = ".history";
/// Per-address lock file, inside `.history/<stem>/`.
pub const LOCK_FILE: &str = "lock";
/// Per-address metadata file, inside `.history/<stem>/`.
pub const META_FILE: &str = "meta.json";
/// How long a writer waits for an address's lock by default.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(10);

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
    path: PathBuf,
}

impl DirStore {
    /// Opens the store in `dir`, creating the directory (and its parents) and the
    /// bookkeeping directory if missing.
    ///
    /// # Errors
    /// [`Error::Io`] when the directories cannot be created.
    pub fn open(dir: impl AsRef<Path>) -> Result<DirStore, Error> {
        let dir = dir.as_ref().to_path_buf();
        fs::create_dir_all(&dir).map_err(Error::io("create the store directory", &dir))?;
        ensure_dir(&dir.join(HISTORY_DIR), &dir)?;
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
    /// Bad input ([`Error::EmptyAddress`], [`Error::NotACertificate`],
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
        let history = self.inner.dir.join(HISTORY_DIR);
        let addr_dir = history.join(&stem);
        ensure_dir(&addr_dir, &history)?;
        let _guard = lock(&addr_dir.join(LOCK_FILE), self.inner.lock_timeout)?;

        let current = self.read_current(&stem)?;
        let meta_path = addr_dir.join(META_FILE);
        let mut meta = load_meta(&meta_path)?.unwrap_or_else(|| Meta::new(normalised));
        let mut meta_changed = false;
        if let Some(cur) = &current
            && meta.entry(&cur.facts.sha256).is_none()
        {
            // A current certificate the store never recorded: keep it in the history.
            write_history_cert(&addr_dir, &cur.facts.sha256, &cur.der)?;
            meta.adopt(
                &cur.facts,
                modified_unix(&cur.path).unwrap_or(ctx.seen_at_unix),
            );
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
            replace_atomically(
                &addr_dir.join("meta.json.tmp"),
                &meta_path,
                &meta.to_bytes(),
            )?;
        }
        let target = self.inner.dir.join(format!("{stem}{EXT}"));
        if matches!(outcome, PutOutcome::Created | PutOutcome::Replaced) {
            let pem = cert::to_pem(cert_der)?;
            replace_atomically(&addr_dir.join("current.tmp"), &target, pem.as_bytes())?;
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
    /// [`Error::EmptyAddress`], or a transient store failure (including a current file
    /// that is not one PEM certificate: [`Error::Corrupt`]).
    pub fn get_blocking(&self, address: &str) -> Result<Option<Vec<u8>>, Error> {
        let stem = names::stem_for_normalised(&names::normalise(address)?);
        Ok(self.read_current(&stem)?.map(|c| c.der))
    }

    /// The blocking form of [`CertStore::list`].
    ///
    /// # Errors
    /// A transient store failure.
    pub fn list_blocking(&self) -> Result<Vec<String>, Error> {
        let dir = &self.inner.dir;
        let entries = fs::read_dir(dir).map_err(Error::io("list", dir))?;
        let mut addresses = Vec::new();
        for entry in entries {
            let entry = entry.map_err(Error::io("list", dir))?;
            // Only regular files: the store never writes directories or links here.
            if !entry.file_type().is_ok_and(|t| t.is_file()) {
                continue;
            }
            let file_name = entry.file_name();
            let Some(stem) = file_name.to_str().and_then(|n| n.strip_suffix(EXT)) else {
                continue;
            };
            if stem.is_empty() || stem.starts_with('.') {
                continue;
            }
            let address = match names::decode_stem(stem) {
                Some(address) => Some(address),
                None if names::is_shortened(stem) => self.meta_address(stem)?,
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
    /// [`Error::EmptyAddress`], or a transient store failure.
    pub fn history_blocking(&self, address: &str) -> Result<Vec<HistoryEntry>, Error> {
        let stem = names::stem_for_normalised(&names::normalise(address)?);
        let addr_dir = self.inner.dir.join(HISTORY_DIR).join(&stem);
        let meta_path = addr_dir.join(META_FILE);
        // Writers replace metadata before the current file, so reading in this order
        // sees the current certificate recorded unless it was placed from outside.
        let mut meta = load_meta(&meta_path)?;
        let current = self.read_current(&stem)?;
        let current_sha = current.as_ref().map(|c| c.facts.sha256.as_str());
        if let Some(sha) = current_sha
            && meta.as_ref().is_none_or(|m| m.entry(sha).is_none())
        {
            // A writer may have finished between the two reads: look once more.
            meta = load_meta(&meta_path)?;
        }
        let mut out = Vec::new();
        for entry in meta.iter().flat_map(|m| m.entries.iter()) {
            let path = addr_dir.join(format!("{}{EXT}", entry.sha256));
            let der = read_pem_cert(&path)?.ok_or_else(|| Error::Corrupt {
                path: path.clone(),
                detail: "the metadata lists this certificate but the file is missing".into(),
            })?;
            if cert::sha256_hex(&der) != entry.sha256 {
                return Err(Error::Corrupt {
                    path,
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
        if let Some(cur) = current
            && !out.iter().any(|e| e.current)
        {
            let when = modified_unix(&cur.path).unwrap_or(0);
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

    /// Reads and decodes `<dir>/<stem>.crt`.
    fn read_current(&self, stem: &str) -> Result<Option<Current>, Error> {
        let path = self.inner.dir.join(format!("{stem}{EXT}"));
        let Some(der) = read_pem_cert(&path)? else {
            return Ok(None);
        };
        let facts = cert::facts(&der).map_err(|e| Error::Corrupt {
            path: path.clone(),
            detail: e.to_string(),
        })?;
        Ok(Some(Current { der, facts, path }))
    }

    /// The address recorded in the metadata of a stem, if any.
    fn meta_address(&self, stem: &str) -> Result<Option<String>, Error> {
        let path = self.inner.dir.join(HISTORY_DIR).join(stem).join(META_FILE);
        let Some(bytes) = read_optional(&path)? else {
            return Ok(None);
        };
        let meta = Meta::parse(&path, &bytes)?;
        let ours = names::stem_for_normalised(&meta.address) == stem;
        Ok(ours.then_some(meta.address))
    }
}

/// Reads a metadata file; `None` when it does not exist.
fn load_meta(path: &Path) -> Result<Option<Meta>, Error> {
    match read_optional(path)? {
        Some(bytes) => Meta::parse(path, &bytes).map(Some),
        None => Ok(None),
    }
}

/// Writes `<addr_dir>/<sha256>.crt` unless it is already there (it then holds the same
/// bytes: the name is their fingerprint and files are only ever renamed into place).
fn write_history_cert(addr_dir: &Path, sha256: &str, der: &[u8]) -> Result<(), Error> {
    let path = addr_dir.join(format!("{sha256}{EXT}"));
    if path.is_file() {
        return Ok(());
    }
    let pem = cert::to_pem(der)?;
    replace_atomically(&addr_dir.join("history.tmp"), &path, pem.as_bytes())
}

/// The DER of a PEM certificate file; `None` when the file does not exist.
fn read_pem_cert(path: &Path) -> Result<Option<Vec<u8>>, Error> {
    let Some(pem) = read_optional(path)? else {
        return Ok(None);
    };
    cert::from_pem(&pem)
        .map(Some)
        .map_err(|detail| Error::Corrupt {
            path: path.to_path_buf(),
            detail: format!("not one PEM certificate: {detail}"),
        })
}

/// A file's modification time in Unix seconds.
fn modified_unix(path: &Path) -> Option<i64> {
    let modified = fs::metadata(path).ok()?.modified().ok()?;
    let secs = modified.duration_since(UNIX_EPOCH).ok()?.as_secs();
    i64::try_from(secs).ok()
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
