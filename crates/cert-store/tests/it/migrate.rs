//! Directory stores written under the earlier address rule (the whole address
//! lower-cased with Unicode case mapping, U-label domains) move to the current keys
//! when opened, or the open fails naming what to do.

use std::fs;
use std::path::{Path, PathBuf};

use cert_store::dir::{LAYOUT, VERSION_FILE};
use cert_store::{DirStore, Error, file_name_for};

use crate::support::{NOW, San, encode_stem, named_cert, pem, sha256_hex};

const DAY: i64 = 86_400;
const KELVIN_KATE: &str = "\u{212A}ate@example.com";

/// Writes an entry as the earlier build did: `<dir>/<stem>.crt` (when `current` is
/// given), `.history/<stem>/` with every certificate and its `meta.json`.
fn old_entry(dir: &Path, key: &str, certs: &[&[u8]], current: Option<&[u8]>) -> String {
    let stem = encode_stem(key);
    let addr_dir = dir.join(".history").join(&stem);
    fs::create_dir_all(&addr_dir).unwrap();
    fs::write(addr_dir.join("lock"), b"").unwrap();
    let mut entries = Vec::new();
    for (i, der) in certs.iter().enumerate() {
        let sha = sha256_hex(der);
        fs::write(addr_dir.join(format!("{sha}.crt")), pem(der)).unwrap();
        entries.push(serde_json::json!({
            "sha256": sha, "not_before": NOW - 100 * DAY, "first_seen": NOW + i as i64,
            "last_seen": NOW + i as i64, "message_id": format!("<{i}@old>"),
            "dkim_domain": "example.com"}));
    }
    let meta = serde_json::json!({"format": 1, "address": key, "entries": entries});
    fs::write(
        addr_dir.join("meta.json"),
        serde_json::to_vec_pretty(&meta).unwrap(),
    )
    .unwrap();
    if let Some(der) = current {
        fs::write(dir.join(format!("{stem}.crt")), pem(der)).unwrap();
    }
    stem
}

fn old_store() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("certs");
    fs::create_dir_all(dir.join(".history")).unwrap();
    (tmp, dir)
}

/// Every path under `dir` (relative), sorted: the store's whole layout.
fn layout(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            out.push(path.strip_prefix(base).unwrap().display().to_string());
            if entry.file_type().unwrap().is_dir() {
                walk(base, &path, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn version(dir: &Path) -> String {
    fs::read_to_string(dir.join(".history").join(VERSION_FILE)).unwrap_or_default()
}

#[test]
fn old_entries_move_to_the_current_keys_on_open() {
    let (_tmp, dir) = old_store();
    let joerg = named_cert(
        "joerg",
        NOW - 100 * DAY,
        &[San::SmtpUtf8("J\u{f6}rg@B\u{fc}cher.de")],
    );
    let ivan = named_cert(
        "ivan",
        NOW - 100 * DAY,
        &[San::SmtpUtf8(
            "\u{418}\u{432}\u{430}\u{43d}@\u{41f}\u{440}\u{438}\u{43c}\u{435}\u{440}.\u{440}\u{444}",
        )],
    );
    let alice = named_cert(
        "alice",
        NOW - 100 * DAY,
        &[San::Rfc822("Alice@Example.com")],
    );
    let joerg_old = old_entry(&dir, "j\u{f6}rg@b\u{fc}cher.de", &[&joerg], Some(&joerg));
    // Capital И: the earlier rule lower-cased it; the certificate says which it was.
    let ivan_old = old_entry(
        &dir,
        "\u{438}\u{432}\u{430}\u{43d}@\u{43f}\u{440}\u{438}\u{43c}\u{435}\u{440}.\u{440}\u{444}",
        &[&ivan],
        Some(&ivan),
    );
    old_entry(&dir, "alice@example.com", &[&alice], Some(&alice));
    fs::write(dir.join("notes.txt"), b"not ours").unwrap();

    let store = DirStore::open(&dir).unwrap();
    assert_eq!(version(&dir), format!("{LAYOUT}\n"));
    let joerg_new = "j%C3%B6rg@xn--bcher-kva.de";
    let ivan_new = "%D0%98%D0%B2%D0%B0%D0%BD@xn--e1afmkfd.xn--p1ai";
    for stem in [joerg_new, ivan_new, "alice@example.com"] {
        assert!(dir.join(format!("{stem}.crt")).is_file(), "{stem}");
        assert!(dir.join(".history").join(stem).is_dir(), "{stem}");
    }
    for stem in [&joerg_old, &ivan_old] {
        assert!(!dir.join(format!("{stem}.crt")).exists(), "{stem}");
        assert!(!dir.join(".history").join(stem).exists(), "{stem}");
    }
    assert!(dir.join("notes.txt").is_file());
    assert_eq!(
        file_name_for("J\u{f6}rg@B\u{fc}cher.de").unwrap(),
        format!("{joerg_new}.crt")
    );
    let mut listed = store.list_blocking().unwrap();
    listed.sort();
    assert_eq!(
        listed,
        [
            "alice@example.com",
            "j\u{f6}rg@xn--bcher-kva.de",
            "\u{418}\u{432}\u{430}\u{43d}@xn--e1afmkfd.xn--p1ai",
        ]
    );
    // The history and its metadata came along.
    let history = store.history_blocking("j\u{f6}rg@b\u{fc}cher.de").unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].message_id.as_deref(), Some("<0@old>"));
    assert!(history[0].current);
    let meta = fs::read_to_string(dir.join(".history").join(ivan_new).join("meta.json")).unwrap();
    assert!(meta.contains("xn--e1afmkfd.xn--p1ai"), "{meta}");
    // Lower-case и is another mailbox now.
    assert_eq!(
        store
            .get_blocking("\u{438}\u{432}\u{430}\u{43d}@\u{43f}\u{440}\u{438}\u{43c}\u{435}\u{440}.\u{440}\u{444}")
            .unwrap(),
        None
    );

    // Opening again changes nothing.
    let before = layout(&dir);
    DirStore::open(&dir).unwrap();
    assert_eq!(layout(&dir), before);
}

#[test]
fn a_kelvin_sign_certificate_makes_the_open_fail_naming_what_to_do() {
    let (tmp, dir) = old_store();
    let kate = named_cert("kate", NOW - 100 * DAY, &[San::Rfc822("kate@example.com")]);
    let kelvin = named_cert("kelvin", NOW - 50 * DAY, &[San::SmtpUtf8(KELVIN_KATE)]);
    // The substitution: the Kelvin-sign sender's newer certificate replaced kate's.
    let kate_stem = old_entry(&dir, "kate@example.com", &[&kate, &kelvin], Some(&kelvin));
    let joerg = named_cert(
        "joerg",
        NOW - 100 * DAY,
        &[San::SmtpUtf8("j\u{f6}rg@b\u{fc}cher.de")],
    );
    let joerg_stem = old_entry(&dir, "j\u{f6}rg@b\u{fc}cher.de", &[&joerg], Some(&joerg));
    let before = layout(&dir);

    let err = DirStore::open(&dir).unwrap_err();
    assert!(matches!(err, Error::Migration { .. }), "{err}");
    assert!(err.is_transient());
    let text = err.to_string();
    for needle in [
        "kate@example.com.crt",
        ".history/kate@example.com/",
        &sha256_hex(&kelvin),
        "out of the store",
        "nothing was moved",
    ] {
        assert!(text.contains(needle), "{needle:?} not in {text}");
    }
    assert!(
        !text.contains(&joerg_stem),
        "only the refused entry is named: {text}"
    );
    let mut after = layout(&dir);
    after.retain(|p| !p.ends_with(VERSION_FILE));
    assert_eq!(after, before, "nothing moved");
    assert_eq!(version(&dir), "");

    // What the message says to do: move the entry out, open again.
    let aside = tmp.path().join("aside");
    fs::create_dir(&aside).unwrap();
    fs::rename(dir.join(format!("{kate_stem}.crt")), aside.join("kate.crt")).unwrap();
    fs::rename(dir.join(".history").join(&kate_stem), aside.join("kate")).unwrap();
    let store = DirStore::open(&dir).unwrap();
    assert_eq!(store.get_blocking("kate@example.com").unwrap(), None);
    assert_eq!(
        store.get_blocking("j\u{f6}rg@bücher.de").unwrap(),
        Some(joerg)
    );
}

#[test]
fn two_entries_of_one_address_are_refused() {
    let (_tmp, dir) = old_store();
    let a = named_cert(
        "joerg-u",
        NOW - 100 * DAY,
        &[San::SmtpUtf8("j\u{f6}rg@b\u{fc}cher.de")],
    );
    let b = named_cert(
        "joerg-a",
        NOW - 90 * DAY,
        &[San::SmtpUtf8("j\u{f6}rg@xn--bcher-kva.de")],
    );
    old_entry(&dir, "j\u{f6}rg@b\u{fc}cher.de", &[&a], Some(&a));
    old_entry(&dir, "j\u{f6}rg@xn--bcher-kva.de", &[&b], Some(&b));
    let err = DirStore::open(&dir).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::Migration { .. }), "{text}");
    assert!(text.contains("j%C3%B6rg@b%C3%BCcher.de.crt and"), "{text}");
    assert!(text.contains("keep one entry"), "{text}");
}

#[test]
fn an_entry_split_between_two_mailboxes_is_refused() {
    let (_tmp, dir) = old_store();
    let lower = named_cert(
        "joerg-lower",
        NOW - 100 * DAY,
        &[San::SmtpUtf8("j\u{f6}rg@x.de")],
    );
    let upper = named_cert(
        "joerg-upper",
        NOW - 90 * DAY,
        &[San::SmtpUtf8("J\u{d6}RG@x.de")],
    );
    old_entry(&dir, "j\u{f6}rg@x.de", &[&lower, &upper], Some(&upper));
    let text = DirStore::open(&dir).unwrap_err().to_string();
    assert!(text.contains("different mailboxes"), "{text}");
}

#[test]
fn an_nfd_entry_is_refused() {
    let (_tmp, dir) = old_store();
    let nfd = named_cert("nfd", NOW - 100 * DAY, &[San::SmtpUtf8("jo\u{308}rg@x.de")]);
    old_entry(&dir, "jo\u{308}rg@x.de", &[&nfd], Some(&nfd));
    let text = DirStore::open(&dir).unwrap_err().to_string();
    assert!(text.contains("not in Unicode NFC"), "{text}");
}

/// A crash after the history directory moved but before the current file did: the next
/// open completes the move.
#[test]
fn an_interrupted_migration_is_completed() {
    let (_tmp, dir) = old_store();
    let joerg = named_cert(
        "joerg",
        NOW - 100 * DAY,
        &[San::SmtpUtf8("j\u{f6}rg@b\u{fc}cher.de")],
    );
    let old = old_entry(&dir, "j\u{f6}rg@b\u{fc}cher.de", &[&joerg], Some(&joerg));
    let new = "j%C3%B6rg@xn--bcher-kva.de";
    fs::rename(
        dir.join(".history").join(&old),
        dir.join(".history").join(new),
    )
    .unwrap();
    let store = DirStore::open(&dir).unwrap();
    assert!(dir.join(format!("{new}.crt")).is_file());
    assert!(!dir.join(format!("{old}.crt")).exists());
    let meta = fs::read_to_string(dir.join(".history").join(new).join("meta.json")).unwrap();
    assert!(meta.contains("\"j\u{f6}rg@xn--bcher-kva.de\""), "{meta}");
    assert_eq!(
        store.history_blocking("j\u{f6}rg@bücher.de").unwrap().len(),
        1
    );
}

#[test]
fn a_fresh_store_records_its_layout_and_a_newer_layout_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("certs");
    DirStore::open(&dir).unwrap();
    assert_eq!(version(&dir), format!("{LAYOUT}\n"));
    fs::write(dir.join(".history").join(VERSION_FILE), b"3\n").unwrap();
    assert!(matches!(DirStore::open(&dir), Err(Error::Corrupt { .. })));
}
