//! File-system primitives: atomic durable replacement and the per-address lock.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use crate::Error;

/// Makes the entries of a directory durable (fsync of the directory itself).
pub(crate) fn sync_dir(dir: &Path) -> Result<(), Error> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(Error::io("fsync the directory", dir))
}

/// Creates a directory (not its parents) if missing, and makes its entry durable.
pub(crate) fn ensure_dir(dir: &Path, parent: &Path) -> Result<(), Error> {
    match fs::create_dir(dir) {
        Ok(()) => sync_dir(parent),
        Err(e) if e.kind() == ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(e) => Err(Error::io("create the directory", dir)(e)),
    }
}

/// Replaces `target` with `bytes` atomically and durably: write `tmp` (truncating any
/// leftover of a crashed writer), fsync it, rename it over `target`, fsync the
/// directory of `target`. `tmp` must be on the same file system and is only ever
/// written under the address's lock.
pub(crate) fn replace_atomically(tmp: &Path, target: &Path, bytes: &[u8]) -> Result<(), Error> {
    let mut file = File::create(tmp).map_err(Error::io("create the temporary file", tmp))?;
    file.write_all(bytes)
        .map_err(Error::io("write the temporary file", tmp))?;
    file.sync_all()
        .map_err(Error::io("fsync the temporary file", tmp))?;
    drop(file);
    fs::rename(tmp, target).map_err(Error::io("rename into place", target))?;
    sync_dir(target.parent().unwrap_or(Path::new(".")))
}

/// Reads a whole file; `Ok(None)` when it does not exist.
pub(crate) fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, Error> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io("read", path)(e)),
    }
}

/// An exclusive lock on a lock file, released when dropped (or when the process dies:
/// the kernel drops `flock` locks with the last descriptor).
#[derive(Debug)]
pub(crate) struct LockGuard {
    _file: File,
}

/// Takes the exclusive lock on `path` (created if missing), polling with a short
/// backoff for at most `timeout`.
///
/// # Errors
/// [`Error::LockTimeout`] when another holder keeps it longer; [`Error::Io`] when the
/// lock file cannot be opened or locked at all.
pub(crate) fn lock(path: &Path, timeout: Duration) -> Result<LockGuard, Error> {
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path)
        .map_err(Error::io("open the lock file", path))?;
    let start = Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(LockGuard { _file: file }),
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => return Err(Error::io("lock", path)(e)),
        }
        let waited = start.elapsed();
        if waited >= timeout {
            return Err(Error::LockTimeout {
                path: PathBuf::from(path),
                waited_ms: u64::try_from(waited.as_millis()).unwrap_or(u64::MAX),
            });
        }
        thread::sleep(pause.min(timeout - waited));
        pause = (pause * 2).min(Duration::from_millis(25));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replace_overwrites_leftover_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let tmp = dir.path().join("x.tmp");
        let target = dir.path().join("x");
        fs::write(&tmp, b"a much longer leftover of a crashed writer").unwrap();
        replace_atomically(&tmp, &target, b"new").unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"new");
        assert!(!tmp.exists());
    }

    #[test]
    fn a_held_lock_times_out_and_a_released_one_is_taken() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lock");
        let held = lock(&path, Duration::from_secs(1)).unwrap();
        let err = lock(&path, Duration::from_millis(30)).unwrap_err();
        assert!(matches!(err, Error::LockTimeout { .. }), "{err}");
        drop(held);
        lock(&path, Duration::from_millis(30)).unwrap();
    }
}
