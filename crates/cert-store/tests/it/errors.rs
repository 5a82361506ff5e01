//! Every failure: bad input versus the transient store_error.

use std::fs::{self, File};
use std::time::Duration;

use cert_store::{DirStore, Error, MAX_CERT_BYTES, file_name_for};

use crate::support::{NOW, cert, ctx};

fn store() -> (tempfile::TempDir, DirStore) {
    let tmp = tempfile::tempdir().unwrap();
    let store = DirStore::open(tmp.path().join("certs")).unwrap();
    (tmp, store)
}

fn entries(store: &DirStore) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(store.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn not_a_certificate_is_bad_input_and_writes_nothing() {
    let (_tmp, store) = store();
    let mut trailing = cert("t", NOW);
    trailing.push(0);
    for junk in [b"not a certificate".to_vec(), Vec::new(), trailing] {
        let err = store
            .put_blocking("a@x", &junk, &ctx("<j@x>", NOW))
            .unwrap_err();
        assert!(matches!(err, Error::NotACertificate { .. }), "{err}");
        assert_eq!(err.reason_code(), "malformed_signature");
        assert!(!err.is_transient());
    }
    assert_eq!(entries(&store), [".history"]);
    // Only the layout marker in the bookkeeping directory: no address directory.
    let history: Vec<_> = fs::read_dir(store.dir().join(".history"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(history, [cert_store::dir::VERSION_FILE]);
}

#[test]
fn an_oversized_certificate_is_bad_input() {
    let (_tmp, store) = store();
    let err = store
        .put_blocking("a@x", &vec![0x30; MAX_CERT_BYTES + 1], &ctx("<j@x>", NOW))
        .unwrap_err();
    assert!(matches!(err, Error::CertificateTooLarge { .. }), "{err}");
    assert_eq!(err.reason_code(), "malformed_signature");
    assert!(!err.is_transient());
}

#[test]
fn an_address_without_a_key_is_bad_input_and_writes_nothing() {
    let (_tmp, store) = store();
    for address in [
        "",
        "no-at-sign",
        "\u{212A}ate@example.com",
        "nul\0@x",
        "a@bad_domain",
    ] {
        let err = store
            .put_blocking(address, &cert("e", NOW), &ctx("<e@x>", NOW))
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidAddress(_)),
            "{address:?}: {err}"
        );
        assert_eq!(err.reason_code(), "ambiguous_from");
        assert!(!err.is_transient());
        assert!(matches!(
            store.get_blocking(address),
            Err(Error::InvalidAddress(_))
        ));
    }
    assert_eq!(entries(&store), [".history"]);
}

#[test]
fn a_held_lock_is_a_transient_store_error() {
    let (_tmp, store) = store();
    let store = store.with_lock_timeout(Duration::from_millis(50));
    let der = cert("l", NOW - 1);
    store
        .put_blocking("lock@x", &der, &ctx("<1@x>", NOW))
        .unwrap();
    // Another writer (here: this test) holds the documented per-address lock.
    let stem = file_name_for("lock@x")
        .unwrap()
        .trim_end_matches(".crt")
        .to_owned();
    let lock = File::open(store.dir().join(".history").join(stem).join("lock")).unwrap();
    lock.lock().unwrap();
    let err = store
        .put_blocking("lock@x", &cert("l2", NOW), &ctx("<2@x>", NOW))
        .unwrap_err();
    assert!(matches!(err, Error::LockTimeout { .. }), "{err}");
    assert_eq!(err.reason_code(), "store_error");
    assert!(err.is_transient());
    // Readers take no lock.
    assert_eq!(store.get_blocking("lock@x").unwrap(), Some(der));
    lock.unlock().unwrap();
    store
        .put_blocking("lock@x", &cert("l2", NOW), &ctx("<2@x>", NOW))
        .unwrap();
}

#[test]
fn an_unwritable_store_is_a_transient_store_error() {
    let (_tmp, store) = store();
    // The bookkeeping directory replaced by a file: every write fails (even as root).
    let history = store.dir().join(".history");
    fs::remove_dir_all(&history).unwrap();
    fs::write(&history, b"").unwrap();
    let err = store
        .put_blocking("a@x", &cert("io", NOW), &ctx("<i@x>", NOW))
        .unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err}");
    assert_eq!(err.reason_code(), "store_error");
    assert!(err.is_transient());
    assert!(!store.dir().join("a@x.crt").exists());
}

#[test]
fn an_uncreatable_store_directory_is_a_transient_store_error() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("file");
    fs::write(&file, b"").unwrap();
    let err = DirStore::open(file.join("certs")).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err}");
    assert!(err.is_transient());
}

#[test]
fn a_damaged_store_file_is_a_transient_store_error() {
    let (_tmp, store) = store();
    fs::write(
        store.dir().join("bad@x.crt"),
        b"-----BEGIN CERTIFICATE-----\ngarbage",
    )
    .unwrap();
    let err = store.get_blocking("bad@x").unwrap_err();
    assert!(matches!(err, Error::Corrupt { .. }), "{err}");
    assert_eq!(err.reason_code(), "store_error");
    assert!(err.is_transient());
    // A put does not overwrite what it cannot read.
    let err = store
        .put_blocking("bad@x", &cert("b", NOW), &ctx("<b@x>", NOW))
        .unwrap_err();
    assert!(matches!(err, Error::Corrupt { .. }), "{err}");

    // Damaged metadata.
    store
        .put_blocking("meta@x", &cert("m", NOW), &ctx("<m@x>", NOW))
        .unwrap();
    fs::write(store.dir().join(".history/meta@x/meta.json"), b"{").unwrap();
    assert!(matches!(
        store.history_blocking("meta@x"),
        Err(Error::Corrupt { .. })
    ));
    // A history certificate file that went missing.
    store
        .put_blocking("gone@x", &cert("g", NOW), &ctx("<g@x>", NOW))
        .unwrap();
    let sha = crate::support::sha256_hex(&cert("g", NOW));
    fs::remove_file(store.dir().join(format!(".history/gone@x/{sha}.crt"))).unwrap();
    assert!(matches!(
        store.history_blocking("gone@x"),
        Err(Error::Corrupt { .. })
    ));
}

#[test]
fn urls_are_unsupported_locations() {
    // postgres:// and postgresql:// open the PostgreSQL backend (tests/it/postgres.rs).
    for location in ["s3://bucket", "ftp://host/certs", ""] {
        let err = cert_store::open(location).err().unwrap();
        assert!(
            matches!(err, Error::UnsupportedLocation { .. }),
            "{location}: {err}"
        );
        assert_eq!(err.reason_code(), "store_error");
        assert!(!err.is_transient(), "configuration, not try-later");
    }
}
