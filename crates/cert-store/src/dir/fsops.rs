//! File-system primitives of the directory store: every file is reached relative to an
//! open directory (`openat`, `renameat`...) and never through a symbolic link.
//!
//! Only the store directory itself is opened by its configured path (links in that path
//! are the operator's choice). Below it, directories are opened with
//! `O_DIRECTORY | O_NOFOLLOW` (a link there is [`Error::Symlink`]), files with
//! `O_NOFOLLOW | O_NONBLOCK` and checked to be regular files (a link, FIFO or device is
//! never read), temporary files are created with `O_CREAT | O_EXCL | O_NOFOLLOW` under a
//! random name, and `rename` replaces whatever name it targets (a planted link included)
//! without following it.

use std::fs::{File, TryLockError};
use std::io::{self, Read, Write};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use rustix::fs::{AtFlags, FileType, Mode, OFlags};
use rustix::io::Errno;

use crate::Error;

/// Permissions of new files and directories, before the umask (as `File::create` and
/// `create_dir` use).
const FILE_MODE: u32 = 0o666;
const DIR_MODE: u32 = 0o777;

/// Extension of every temporary file; only ever present under the address's lock (or
/// left by a writer that crashed, and removed by the next one).
pub(crate) const TMP_EXT: &str = ".tmp";

/// What a directory entry is, without following links.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Missing,
    File,
    Dir,
    /// A symbolic link, FIFO, socket or device: nothing the store ever makes.
    Foreign,
}

/// The outcome of reading a file.
#[derive(Debug)]
pub(crate) enum Content {
    Missing,
    /// A symbolic link, FIFO, device or directory: never opened for reading.
    Foreign,
    Bytes(Vec<u8>),
}

/// An open directory of the store, with its path for messages.
#[derive(Debug)]
pub(crate) struct DirFd {
    fd: OwnedFd,
    path: PathBuf,
}

impl DirFd {
    /// Opens the store directory by its configured path.
    pub(crate) fn open_root(path: &Path) -> Result<DirFd, Error> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let fd = rustix::fs::open(path, flags, Mode::empty())
            .map_err(|e| Error::io("open the directory", path)(e.into()))?;
        Ok(DirFd {
            fd,
            path: path.to_path_buf(),
        })
    }

    /// The path of an entry, for messages.
    pub(crate) fn join(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// What `name` is, without following a link.
    pub(crate) fn kind(&self, name: &str) -> Result<Kind, Error> {
        match rustix::fs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(stat) => Ok(match FileType::from_raw_mode(stat.st_mode) {
                FileType::RegularFile => Kind::File,
                FileType::Directory => Kind::Dir,
                _ => Kind::Foreign,
            }),
            Err(Errno::NOENT) => Ok(Kind::Missing),
            Err(e) => Err(Error::io("inspect", self.join(name))(e.into())),
        }
    }

    /// Opens the subdirectory `name`; `None` when it does not exist.
    ///
    /// # Errors
    /// [`Error::Symlink`] when `name` is a link (or a FIFO, device...); [`Error::Io`]
    /// when it is a regular file.
    pub(crate) fn open_dir(&self, name: &str) -> Result<Option<DirFd>, Error> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        match rustix::fs::openat(&self.fd, name, flags, Mode::empty()) {
            Ok(fd) => Ok(Some(DirFd {
                fd,
                path: self.join(name),
            })),
            Err(Errno::NOENT) => Ok(None),
            Err(Errno::LOOP | Errno::NOTDIR) if self.kind(name)? != Kind::File => {
                Err(Error::Symlink {
                    path: self.join(name),
                })
            }
            Err(e) => Err(Error::io("open the directory", self.join(name))(e.into())),
        }
    }

    /// Opens the subdirectory `name`, creating it (durably) when missing.
    pub(crate) fn ensure_dir(&self, name: &str) -> Result<DirFd, Error> {
        match rustix::fs::mkdirat(&self.fd, name, Mode::from_raw_mode(DIR_MODE)) {
            Ok(()) => self.sync()?,
            Err(Errno::EXIST) => {}
            Err(e) => return Err(Error::io("create the directory", self.join(name))(e.into())),
        }
        self.open_dir(name)?.ok_or_else(|| {
            Error::io("open the directory", self.join(name))(io::ErrorKind::NotFound.into())
        })
    }

    /// Reads the regular file `name`, refusing more than `limit` bytes.
    pub(crate) fn read(&self, name: &str, limit: u64) -> Result<Content, Error> {
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
        let fd = match rustix::fs::openat(&self.fd, name, flags, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::NOENT) => return Ok(Content::Missing),
            Err(Errno::LOOP) => return Ok(Content::Foreign),
            Err(e) => return Err(Error::io("read", self.join(name))(e.into())),
        };
        let stat =
            rustix::fs::fstat(&fd).map_err(|e| Error::io("read", self.join(name))(e.into()))?;
        if FileType::from_raw_mode(stat.st_mode) != FileType::RegularFile {
            return Ok(Content::Foreign);
        }
        let mut bytes = Vec::new();
        File::from(fd)
            .take(limit.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(Error::io("read", self.join(name)))?;
        if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > limit {
            return Err(Error::Corrupt {
                path: self.join(name),
                detail: format!("the file is over {limit} bytes"),
            });
        }
        Ok(Content::Bytes(bytes))
    }

    /// The modification time of the regular file `name`, Unix seconds.
    pub(crate) fn modified_unix(&self, name: &str) -> Option<i64> {
        let stat = rustix::fs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW).ok()?;
        Some(stat.st_mtime)
    }

    /// Replaces `target` in `to` with `bytes`, atomically and durably: a new temporary
    /// file here (`<prefix>.<random>.tmp`, exclusive creation), fsync, rename over
    /// `target` (a link there is replaced, not followed), fsync of `to`.
    pub(crate) fn replace(
        &self,
        prefix: &str,
        to: &DirFd,
        target: &str,
        bytes: &[u8],
    ) -> Result<(), Error> {
        let tmp = self.write_temporary(prefix, bytes)?;
        if let Err(e) = self.rename(&tmp, to, target) {
            let _ = rustix::fs::unlinkat(&self.fd, tmp.as_str(), AtFlags::empty());
            return Err(e);
        }
        Ok(())
    }

    /// Writes and fsyncs a new temporary file; returns its name.
    fn write_temporary(&self, prefix: &str, bytes: &[u8]) -> Result<String, Error> {
        let random = getrandom::u64().map_err(|e| {
            Error::io("draw a temporary file name in", &self.path)(io::Error::other(e.to_string()))
        })?;
        let name = format!("{prefix}.{random:016x}{TMP_EXT}");
        let flags =
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = rustix::fs::openat(
            &self.fd,
            name.as_str(),
            flags,
            Mode::from_raw_mode(FILE_MODE),
        )
        .map_err(|e| Error::io("create the temporary file", self.join(&name))(e.into()))?;
        let mut file = File::from(fd);
        let written = file.write_all(bytes).and_then(|()| file.sync_all());
        if let Err(e) = written {
            let _ = rustix::fs::unlinkat(&self.fd, name.as_str(), AtFlags::empty());
            return Err(Error::io("write the temporary file", self.join(&name))(e));
        }
        Ok(name)
    }

    /// Renames `from` (here) to `target` in `to`, then fsyncs `to`.
    pub(crate) fn rename(&self, from: &str, to: &DirFd, target: &str) -> Result<(), Error> {
        rustix::fs::renameat(&self.fd, from, &to.fd, target)
            .map_err(|e| Error::io("rename into place", to.join(target))(e.into()))?;
        to.sync()
    }

    /// Removes the temporary files a crashed writer left here (call under the lock
    /// that every writer of this directory holds).
    pub(crate) fn remove_temporaries(&self) -> Result<(), Error> {
        for (name, _) in self.entries()? {
            if name.ends_with(TMP_EXT) {
                match rustix::fs::unlinkat(&self.fd, name.as_str(), AtFlags::empty()) {
                    Ok(()) | Err(Errno::NOENT) => {}
                    Err(e) => return Err(Error::io("remove", self.join(&name))(e.into())),
                }
            }
        }
        Ok(())
    }

    /// The entries (UTF-8 names only; `.` and `..` left out) and what they are.
    pub(crate) fn entries(&self) -> Result<Vec<(String, Kind)>, Error> {
        let failed = |e: Errno| Error::io("list", &self.path)(e.into());
        let dir = rustix::fs::Dir::read_from(&self.fd).map_err(failed)?;
        let mut out = Vec::new();
        for entry in dir {
            let entry = entry.map_err(failed)?;
            let Ok(name) = entry.file_name().to_str() else {
                continue;
            };
            if name == "." || name == ".." {
                continue;
            }
            let kind = match entry.file_type() {
                FileType::RegularFile => Kind::File,
                FileType::Directory => Kind::Dir,
                // Some file systems do not say: ask.
                FileType::Unknown => self.kind(name)?,
                _ => Kind::Foreign,
            };
            out.push((name.to_owned(), kind));
        }
        Ok(out)
    }

    /// Removes the subdirectory `name` with the files in it (never following a link;
    /// a subdirectory inside it makes this fail).
    pub(crate) fn remove_dir(&self, name: &str) -> Result<(), Error> {
        if let Some(dir) = self.open_dir(name)? {
            for (file, _) in dir.entries()? {
                rustix::fs::unlinkat(&dir.fd, file.as_str(), AtFlags::empty())
                    .map_err(|e| Error::io("remove", dir.join(&file))(e.into()))?;
            }
        }
        rustix::fs::unlinkat(&self.fd, name, AtFlags::REMOVEDIR)
            .map_err(|e| Error::io("remove", self.join(name))(e.into()))?;
        self.sync()
    }

    /// Makes the entries of this directory durable.
    pub(crate) fn sync(&self) -> Result<(), Error> {
        rustix::fs::fsync(&self.fd)
            .map_err(|e| Error::io("fsync the directory", &self.path)(e.into()))
    }

    /// Takes the exclusive lock on the lock file `name` here (created if missing, never
    /// through a link), polling with a short backoff for at most `timeout`.
    ///
    /// # Errors
    /// [`Error::LockTimeout`] when another holder keeps it longer; [`Error::Symlink`]
    /// when the lock file is a link; [`Error::Io`] when it cannot be opened or locked.
    pub(crate) fn lock(&self, name: &str, timeout: Duration) -> Result<LockGuard, Error> {
        let path = self.join(name);
        let flags = OFlags::RDWR | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = match rustix::fs::openat(&self.fd, name, flags, Mode::from_raw_mode(FILE_MODE)) {
            Ok(fd) => fd,
            Err(Errno::LOOP) => return Err(Error::Symlink { path }),
            Err(e) => return Err(Error::io("open the lock file", path)(e.into())),
        };
        let file = File::from(fd);
        let start = Instant::now();
        let mut pause = Duration::from_millis(1);
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(LockGuard { file }),
                Err(TryLockError::WouldBlock) => {}
                Err(TryLockError::Error(e)) => return Err(Error::io("lock", path)(e)),
            }
            let waited = start.elapsed();
            if waited >= timeout {
                return Err(Error::LockTimeout {
                    path,
                    waited_ms: u64::try_from(waited.as_millis()).unwrap_or(u64::MAX),
                });
            }
            thread::sleep(pause.min(timeout - waited));
            pause = (pause * 2).min(Duration::from_millis(25));
        }
    }
}

/// An exclusive lock on a lock file, released when dropped (or when the process dies:
/// the kernel drops `flock` locks with the last descriptor).
#[derive(Debug)]
pub(crate) struct LockGuard {
    file: File,
}

impl LockGuard {
    /// The locked file (the store's migration keeps its marker in it).
    pub(crate) fn file(&mut self) -> &mut File {
        &mut self.file
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::symlink;

    fn dir() -> (tempfile::TempDir, DirFd) {
        let tmp = tempfile::tempdir().unwrap();
        let d = DirFd::open_root(tmp.path()).unwrap();
        (tmp, d)
    }

    #[test]
    fn replace_writes_through_a_new_random_temporary() {
        let (tmp, d) = dir();
        d.replace("x", &d, "x", b"one").unwrap();
        d.replace("x", &d, "x", b"two").unwrap();
        assert_eq!(fs::read(tmp.path().join("x")).unwrap(), b"two");
        let names: Vec<_> = d.entries().unwrap().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["x"], "no temporary left behind");
    }

    #[test]
    fn leftover_temporaries_are_removed() {
        let (tmp, d) = dir();
        fs::write(tmp.path().join("current.0123456789abcdef.tmp"), b"partial").unwrap();
        fs::write(tmp.path().join("keep"), b"k").unwrap();
        d.remove_temporaries().unwrap();
        let names: Vec<_> = d.entries().unwrap().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["keep"]);
    }

    #[test]
    fn links_are_never_followed() {
        let (tmp, d) = dir();
        let outside = tempfile::tempdir().unwrap();
        let secret = outside.path().join("secret");
        fs::write(&secret, b"secret").unwrap();
        symlink(&secret, tmp.path().join("file")).unwrap();
        symlink(outside.path(), tmp.path().join("sub")).unwrap();
        assert!(matches!(d.read("file", 100).unwrap(), Content::Foreign));
        assert_eq!(d.kind("file").unwrap(), Kind::Foreign);
        assert!(matches!(d.open_dir("sub"), Err(Error::Symlink { .. })));
        assert!(matches!(d.ensure_dir("sub"), Err(Error::Symlink { .. })));
        assert!(matches!(
            d.lock("file", Duration::from_millis(10)),
            Err(Error::Symlink { .. })
        ));
        // Replacing the link replaces the link itself.
        d.replace("file", &d, "file", b"mine").unwrap();
        assert_eq!(fs::read(&secret).unwrap(), b"secret");
        assert_eq!(fs::read(tmp.path().join("file")).unwrap(), b"mine");
    }

    #[test]
    fn a_fifo_is_not_read_and_size_is_bounded() {
        let (tmp, d) = dir();
        rustix::fs::mkfifoat(&d.fd, "fifo", Mode::from_raw_mode(0o600)).unwrap();
        assert!(matches!(d.read("fifo", 100).unwrap(), Content::Foreign));
        fs::write(tmp.path().join("big"), vec![b'x'; 101]).unwrap();
        assert!(matches!(d.read("big", 100), Err(Error::Corrupt { .. })));
        assert!(matches!(d.read("none", 100).unwrap(), Content::Missing));
    }

    #[test]
    fn a_held_lock_times_out_and_a_released_one_is_taken() {
        let (_tmp, d) = dir();
        let held = d.lock("lock", Duration::from_secs(1)).unwrap();
        let err = d.lock("lock", Duration::from_millis(30)).unwrap_err();
        assert!(matches!(err, Error::LockTimeout { .. }), "{err}");
        drop(held);
        d.lock("lock", Duration::from_millis(30)).unwrap();
    }
}
