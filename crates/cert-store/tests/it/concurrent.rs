//! Concurrent writers in separate processes (and many tasks in each).

use std::collections::HashMap;
use std::time::Duration;

use cert_store::DirStore;

use crate::child::{CONCURRENT_POOL, addresses, pool};
use crate::support::{result_lines, sha256_hex, spawn_child};

#[test]
fn writers_in_several_processes_agree() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("certs");
    let store = DirStore::open(&dir)
        .unwrap()
        .with_lock_timeout(Duration::from_secs(30));
    let children: Vec<_> = (0..4)
        .map(|seed| spawn_child("concurrent", &dir, seed))
        .collect();
    let mut outcomes: HashMap<(usize, String), usize> = HashMap::new();
    let mut puts = 0;
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "a writer failed");
        for line in result_lines(&out.stdout) {
            let parts: Vec<&str> = line.split(' ').collect();
            let a: usize = parts[0].parse().unwrap();
            *outcomes.entry((a, parts[2].to_owned())).or_default() += 1;
            puts += 1;
        }
    }
    assert_eq!(puts, 4 * 2 * 2 * CONCURRENT_POOL);
    let addresses = addresses();
    for (a, address) in addresses.iter().enumerate().take(2) {
        let pool = &pool(a)[..CONCURRENT_POOL];
        // The lock serialised every writer: exactly one of them created the file.
        assert_eq!(
            outcomes.get(&(a, "created".to_owned())),
            Some(&1),
            "address {a}"
        );
        let changes = outcomes
            .get(&(a, "replaced".to_owned()))
            .copied()
            .unwrap_or(0);
        assert!(
            changes < pool.len(),
            "more replacements than newer certificates"
        );
        // The newest certificate won, whatever the order.
        let current = store.get_blocking(address).unwrap().unwrap();
        assert_eq!(&current, pool.last().unwrap());
        // Every certificate is in the history exactly once.
        let history = store.history_blocking(address).unwrap();
        let mut got: Vec<String> = history.iter().map(|e| e.sha256.clone()).collect();
        let mut want: Vec<String> = pool.iter().map(|c| sha256_hex(c)).collect();
        got.sort();
        want.sort();
        assert_eq!(got, want);
        assert_eq!(history.iter().filter(|e| e.current).count(), 1);
    }
}
