//! Crash safety: writer processes killed at random moments leave the old or the new
//! state, never a partial or inconsistent one.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::Path;
use std::thread;
use std::time::Duration;

use cert_store::{DirStore, PutOutcome, file_name_for};

use crate::child::{addresses, pool};
use crate::support::{NOW, Rng, ctx, result_lines, sha256_hex, spawn_child};

/// Checks one address after a kill; returns the current certificate's pool index.
fn check_address(store: &DirStore, a: usize, address: &str) -> Option<usize> {
    let pool = pool(a);
    let name = file_name_for(address).unwrap();
    let current = store.get_blocking(address).unwrap();
    let history = store.history_blocking(address).unwrap();
    for entry in &history {
        assert!(pool.contains(&entry.der), "unknown certificate in history");
        assert_eq!(sha256_hex(&entry.der), entry.sha256);
        // Only the child writes here, always with a message id: an entry without one
        // would be a current file that the metadata never recorded.
        assert!(
            entry.message_id.is_some(),
            "{name}: unrecorded current certificate"
        );
    }
    let current = current?;
    let index = pool.iter().position(|c| *c == current);
    assert!(
        index.is_some(),
        "{name} holds a certificate outside the pool"
    );
    let flagged: Vec<_> = history.iter().filter(|e| e.current).collect();
    assert_eq!(
        flagged.len(),
        1,
        "{name}: exactly one current history entry"
    );
    assert_eq!(flagged[0].der, current);
    index
}

/// Only certificate files and the bookkeeping directory are ever visible in `<dir>`,
/// and every certificate file in the bookkeeping directory is complete.
fn check_files(dir: &Path, known: &HashSet<Vec<u8>>) {
    for entry in fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            name == ".history" || (name.ends_with(".crt") && !name.starts_with('.')),
            "stray file {name:?} in the store directory"
        );
    }
    for addr_dir in fs::read_dir(dir.join(".history")).unwrap() {
        let addr_dir = addr_dir.unwrap();
        if addr_dir.file_name() == cert_store::dir::VERSION_FILE {
            continue;
        }
        for file in fs::read_dir(addr_dir.path()).unwrap() {
            let path = file.unwrap().path();
            if path.extension().is_some_and(|e| e == "crt") {
                let (_, der) = der::pem::decode_vec(&fs::read(&path).unwrap()).unwrap();
                assert!(known.contains(&der), "{} is partial", path.display());
            }
        }
    }
}

#[test]
fn killed_writers_leave_old_or_new_state() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("certs");
    let store = DirStore::open(&dir)
        .unwrap()
        .with_lock_timeout(Duration::from_secs(20));
    let addresses = addresses();

    // The child writer works when left alone.
    let out = spawn_child("crash-short", &dir, 0)
        .wait_with_output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(result_lines(&out.stdout), ["done 20"]);

    let mut rng = Rng::new(0x5eed);
    let known: HashSet<Vec<u8>> = (0..addresses.len())
        .flat_map(|a| pool(a).iter().cloned())
        .collect();
    let mut best: HashMap<usize, usize> = HashMap::new();
    let mut changes = 0;
    for round in 0..120u64 {
        let mut child = spawn_child("crash", &dir, round);
        thread::sleep(Duration::from_millis(2 + rng.below(60)));
        child.kill().unwrap();
        child.wait().unwrap();

        check_files(&dir, &known);
        for (a, address) in addresses.iter().enumerate() {
            let Some(index) = check_address(&store, a, address) else {
                assert!(
                    !best.contains_key(&a),
                    "{address}: current certificate lost"
                );
                continue;
            };
            // notBefore grows with the index: the current one never goes back.
            let previous = best.insert(a, index);
            assert!(
                index >= previous.unwrap_or(0),
                "{address}: replaced by an older certificate"
            );
            changes += usize::from(previous != Some(index));
        }
    }
    println!("120 writers killed; the current certificates changed {changes} times");

    // Locks died with their holders: a put goes through, and a put of the oldest
    // certificate keeps the newer current one.
    for (a, address) in addresses.iter().enumerate() {
        let stored = store
            .put_blocking(
                address,
                &pool(a)[0],
                &ctx("<final@parent>", NOW + 1_000_000),
            )
            .unwrap();
        let expected = match best.get(&a) {
            None => PutOutcome::Created,
            Some(0) => PutOutcome::Unchanged,
            Some(_) => PutOutcome::KeptNewer,
        };
        assert_eq!(stored.outcome, expected, "{address}");
    }
    assert!(!store.list_blocking().unwrap().is_empty());
}
