//! Links planted inside the store (issue 11.6): never followed on write or read, a
//! linked bookkeeping directory refused, a link at `<addr>.crt` replaced by a real file.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use cert_store::{DirStore, Error, PutOutcome, file_name_for};

use crate::support::{NOW, cert, ctx, sha256_hex};

const ADDRESS: &str = "alice@example.com";

/// A store and, beside it, a directory standing for everything outside it.
struct Planted {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    outside: PathBuf,
    store: DirStore,
}

impl Planted {
    fn new() -> Planted {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("certs");
        let outside = tmp.path().join("outside");
        fs::create_dir(&outside).unwrap();
        let store = DirStore::open(&dir).unwrap();
        Planted {
            _tmp: tmp,
            dir,
            outside,
            store,
        }
    }

    /// `.history/<stem of ADDRESS>/`.
    fn addr_dir(&self) -> PathBuf {
        let name = file_name_for(ADDRESS).unwrap();
        self.dir
            .join(".history")
            .join(name.strip_suffix(".crt").unwrap())
    }

    /// A file outside the store with `content`, as /etc/passwd would be.
    fn victim(&self, name: &str, content: &str) -> PathBuf {
        let path = self.outside.join(name);
        fs::write(&path, content).unwrap();
        path
    }

    /// Every file outside the store with its content.
    fn outside_files(&self) -> Vec<(String, Vec<u8>)> {
        let mut out: Vec<_> = fs::read_dir(&self.outside)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().into_string().unwrap(),
                    fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        out.sort();
        out
    }
}

fn is_link(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// Every regular file under `dir`, read whole.
fn store_contents(dir: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            all.extend(store_contents(&entry.path()));
        } else if kind.is_file() {
            all.extend(fs::read(entry.path()).unwrap());
        }
    }
    all
}

/// The temporary names the earlier store wrote through (fixed, so predictable): a link
/// there redirected the write outside the store.
#[test]
fn links_planted_on_temporary_names_are_never_written_through() {
    let p = Planted::new();
    fs::create_dir_all(p.addr_dir()).unwrap();
    for tmp in ["current.tmp", "history.tmp", "meta.json.tmp"] {
        let victim = p.victim(tmp, "victim\n");
        symlink(&victim, p.addr_dir().join(tmp)).unwrap();
    }
    let before = p.outside_files();
    let der = cert("alice", NOW - 10);
    let stored = p
        .store
        .put_blocking(ADDRESS, &der, &ctx("<1@x>", NOW))
        .unwrap();
    assert_eq!(stored.outcome, PutOutcome::Created);
    assert_eq!(
        p.outside_files(),
        before,
        "nothing outside the store changed"
    );
    assert_eq!(p.store.get_blocking(ADDRESS).unwrap(), Some(der.clone()));
    assert_eq!(p.store.history_blocking(ADDRESS).unwrap().len(), 1);
    // The leftovers are gone; no temporary remains.
    let left: Vec<String> = fs::read_dir(p.addr_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(left.iter().all(|n| !n.ends_with(".tmp")), "{left:?}");
    assert!(left.contains(&format!("{}.crt", sha256_hex(&der))));
}

#[test]
fn a_linked_address_directory_is_refused() {
    let p = Planted::new();
    fs::create_dir_all(p.dir.join(".history")).unwrap();
    symlink(&p.outside, p.addr_dir()).unwrap();
    let err = p
        .store
        .put_blocking(ADDRESS, &cert("alice", NOW), &ctx("<1@x>", NOW))
        .unwrap_err();
    assert!(matches!(err, Error::Symlink { .. }), "{err}");
    assert_eq!(err.reason_code(), "store_error");
    assert!(err.is_transient());
    assert!(err.to_string().contains("symbolic link"), "{err}");
    assert!(p.outside_files().is_empty(), "nothing written outside");
    assert!(!p.dir.join(file_name_for(ADDRESS).unwrap()).exists());
    // Reads refuse it too.
    assert!(matches!(
        p.store.history_blocking(ADDRESS),
        Err(Error::Symlink { .. })
    ));
}

#[test]
fn a_linked_history_directory_is_refused() {
    let p = Planted::new();
    fs::remove_dir_all(p.dir.join(".history")).unwrap();
    symlink(&p.outside, p.dir.join(".history")).unwrap();
    let err = p
        .store
        .put_blocking(ADDRESS, &cert("alice", NOW), &ctx("<1@x>", NOW))
        .unwrap_err();
    assert!(matches!(err, Error::Symlink { .. }), "{err}");
    assert!(err.is_transient());
    assert!(matches!(DirStore::open(&p.dir), Err(Error::Symlink { .. })));
    assert!(p.outside_files().is_empty(), "nothing written outside");
}

/// A link at `<addr>.crt` to a file that is not a certificate (here /etc/passwd-like)
/// blocked the address forever (every put failed reading it); now it is not read, and
/// the next put replaces the link itself with the certificate.
#[test]
fn a_current_file_link_to_a_foreign_file_is_replaced_not_followed() {
    let p = Planted::new();
    let passwd = p.victim("passwd", "root:x:0:0:root:/root:/bin/sh\n");
    let current = p.dir.join(file_name_for(ADDRESS).unwrap());
    symlink(&passwd, &current).unwrap();
    assert_eq!(p.store.get_blocking(ADDRESS).unwrap(), None);
    assert!(p.store.history_blocking(ADDRESS).unwrap().is_empty());
    assert!(p.store.list_blocking().unwrap().is_empty());

    let der = cert("alice", NOW - 10);
    let stored = p
        .store
        .put_blocking(ADDRESS, &der, &ctx("<1@x>", NOW))
        .unwrap();
    assert_eq!(stored.outcome, PutOutcome::Created);
    assert!(!is_link(&current), "the link itself was replaced");
    assert_eq!(p.store.get_blocking(ADDRESS).unwrap(), Some(der));
    assert_eq!(
        fs::read(&passwd).unwrap(),
        b"root:x:0:0:root:/root:/bin/sh\n"
    );
    // Nothing of the foreign file was read into the store.
    let contents = store_contents(&p.dir);
    assert!(!contents.windows(7).any(|w| w == b"root:x:"));
}

/// A link to a real certificate outside the store is not adopted either.
#[test]
fn a_current_file_link_to_a_certificate_is_not_adopted() {
    let p = Planted::new();
    let elsewhere = p.outside.join("other.crt");
    let foreign = cert("foreign", NOW - 5);
    let pem = der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, &foreign).unwrap();
    fs::write(&elsewhere, pem).unwrap();
    symlink(&elsewhere, p.dir.join(file_name_for(ADDRESS).unwrap())).unwrap();
    let der = cert("alice", NOW - 10);
    p.store
        .put_blocking(ADDRESS, &der, &ctx("<1@x>", NOW))
        .unwrap();
    let history = p.store.history_blocking(ADDRESS).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].der, der);
}

#[test]
fn links_among_the_history_files_are_never_read() {
    let p = Planted::new();
    let der = cert("alice", NOW - 10);
    p.store
        .put_blocking(ADDRESS, &der, &ctx("<1@x>", NOW))
        .unwrap();
    let secret = p.victim("secret", "-----BEGIN CERTIFICATE-----\n");
    let history_cert = p.addr_dir().join(format!("{}.crt", sha256_hex(&der)));
    fs::remove_file(&history_cert).unwrap();
    symlink(&secret, &history_cert).unwrap();
    assert!(matches!(
        p.store.history_blocking(ADDRESS),
        Err(Error::Symlink { .. })
    ));
    let meta = p.addr_dir().join("meta.json");
    fs::rename(&meta, p.outside.join("meta.json")).unwrap();
    symlink(p.outside.join("meta.json"), &meta).unwrap();
    assert!(matches!(
        p.store
            .put_blocking(ADDRESS, &cert("alice-2", NOW), &ctx("<2@x>", NOW)),
        Err(Error::Symlink { .. })
    ));
    let lock = p.addr_dir().join("lock");
    fs::remove_file(&lock).unwrap();
    symlink(&secret, &lock).unwrap();
    assert!(matches!(
        p.store
            .put_blocking(ADDRESS, &cert("alice-3", NOW), &ctx("<3@x>", NOW)),
        Err(Error::Symlink { .. })
    ));
    assert_eq!(fs::read(&secret).unwrap(), b"-----BEGIN CERTIFICATE-----\n");
}
