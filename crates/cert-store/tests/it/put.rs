//! put / get / list / history semantics of the directory backend.

use std::fs;
use std::process::Command;

use cert_store::{CertStore, DirStore, PutContext, PutOutcome, file_name_for};

use crate::support::{NOW, cert, ctx, sha256_hex};

const DAY: i64 = 86_400;

fn store() -> (tempfile::TempDir, DirStore) {
    let tmp = tempfile::tempdir().unwrap();
    let store = DirStore::open(tmp.path().join("certs")).unwrap();
    (tmp, store)
}

#[tokio::test]
async fn outcomes_follow_the_replacement_rule() {
    let (_tmp, store) = store();
    let old = cert("alice-2025", NOW - 300 * DAY);
    let new = cert("alice-2026", NOW - 10 * DAY);
    let a = "Alice@Example.com";
    let put = |der: &[u8], id: &str, at: i64| {
        let (der, context) = (der.to_vec(), ctx(id, at));
        let store = store.clone();
        async move { store.put(a, &der, &context).await.unwrap().outcome }
    };
    assert_eq!(put(&old, "<1@x>", NOW).await, PutOutcome::Created);
    assert_eq!(put(&old, "<2@x>", NOW + 1).await, PutOutcome::Unchanged);
    assert_eq!(put(&new, "<3@x>", NOW + 2).await, PutOutcome::Replaced);
    assert_eq!(put(&old, "<4@x>", NOW + 3).await, PutOutcome::KeptNewer);
    assert_eq!(put(&new, "<5@x>", NOW + 4).await, PutOutcome::Unchanged);
    assert_eq!(
        store.get("alice@example.com").await.unwrap(),
        Some(new.clone())
    );
}

#[test]
fn current_file_is_exactly_one_pem_certificate() {
    let (_tmp, store) = store();
    let der = cert("pem", NOW - DAY);
    let stored = store
        .put_blocking("pem@example.com", &der, &ctx("<p@x>", NOW))
        .unwrap();
    let path = store.dir().join("pem@example.com.crt");
    assert_eq!(stored.location, path.display().to_string());
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("-----BEGIN CERTIFICATE-----\n"), "{text}");
    assert!(text.ends_with("-----END CERTIFICATE-----\n"), "{text}");
    assert_eq!(text.matches("-----BEGIN").count(), 1);
    assert!(text.lines().all(|l| l.len() <= 64));
    let (label, decoded) = der::pem::decode_vec(text.as_bytes()).unwrap();
    assert_eq!((label, decoded), ("CERTIFICATE", der.clone()));
    // The original tool's consumers read it with `openssl x509 -in`.
    match Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha256", "-in"])
        .arg(&path)
        .output()
    {
        Ok(out) => {
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let printed = String::from_utf8_lossy(&out.stdout)
                .replace(':', "")
                .to_lowercase();
            assert!(printed.contains(&sha256_hex(&der)), "{printed}");
        }
        Err(_) => println!("openssl absent, skipped the openssl x509 check"),
    }
}

#[test]
fn the_same_certificate_twice_changes_nothing() {
    let (_tmp, store) = store();
    let der = cert("same", NOW - DAY);
    store
        .put_blocking("same@x.org", &der, &ctx("<1@x>", NOW))
        .unwrap();
    let snapshot = |store: &DirStore| {
        let mut files = Vec::new();
        let mut stack = vec![store.dir().to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    let modified = fs::metadata(&path).unwrap().modified().unwrap();
                    files.push((path.clone(), fs::read(&path).unwrap(), modified));
                }
            }
        }
        files.sort();
        files
    };
    let before = snapshot(&store);
    let again = store
        .put_blocking("same@x.org", &der, &ctx("<2@x>", NOW))
        .unwrap();
    assert_eq!(again.outcome, PutOutcome::Unchanged);
    assert_eq!(snapshot(&store), before);
}

#[test]
fn history_keeps_every_certificate_with_its_metadata() {
    let (_tmp, store) = store();
    let a = "bob@example.org";
    let c1 = cert("bob-1", NOW - 200 * DAY);
    let c2 = cert("bob-2", NOW - 100 * DAY);
    let c0 = cert("bob-0", NOW - 300 * DAY);
    store.put_blocking(a, &c1, &ctx("<one@x>", NOW)).unwrap();
    store
        .put_blocking(a, &c2, &ctx("<two@x>", NOW + 10))
        .unwrap();
    let with_none = PutContext {
        message_id: None,
        dkim_domain: None,
        seen_at_unix: NOW + 20,
    };
    assert_eq!(
        store.put_blocking(a, &c0, &with_none).unwrap().outcome,
        PutOutcome::KeptNewer
    );
    store
        .put_blocking(a, &c1, &ctx("<again@x>", NOW + 30))
        .unwrap();

    let history = store.history_blocking("BOB@example.org").unwrap();
    let summary: Vec<_> = history
        .iter()
        .map(|e| {
            (
                e.der.clone(),
                e.not_before,
                e.first_seen,
                e.last_seen,
                e.current,
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (c2.clone(), NOW - 100 * DAY, NOW + 10, NOW + 10, true),
            (c1.clone(), NOW - 200 * DAY, NOW, NOW + 30, false),
            (c0.clone(), NOW - 300 * DAY, NOW + 20, NOW + 20, false),
        ]
    );
    assert_eq!(history[1].message_id.as_deref(), Some("<one@x>"));
    assert_eq!(history[1].dkim_domain.as_deref(), Some("example.com"));
    assert_eq!(history[2].message_id, None);
    assert_eq!(history[0].sha256, sha256_hex(&c2));
    assert!(store.history_blocking("nobody@x").unwrap().is_empty());
}

#[test]
fn equal_not_before_is_decided_by_fingerprint_whatever_the_order() {
    let x = cert("twin-x", NOW - DAY);
    let y = cert("twin-y", NOW - DAY);
    let winner = if sha256_hex(&x) > sha256_hex(&y) {
        &x
    } else {
        &y
    };
    for order in [[&x, &y], [&y, &x]] {
        let (_tmp, store) = store();
        for der in order {
            store
                .put_blocking("twin@x", der, &ctx("<t@x>", NOW))
                .unwrap();
        }
        assert_eq!(store.get_blocking("twin@x").unwrap().as_ref(), Some(winner));
    }
}

#[test]
fn a_current_file_placed_by_hand_is_kept_in_the_history() {
    let (_tmp, store) = store();
    let placed = cert("placed", NOW - 50 * DAY);
    let pem = der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, &placed).unwrap();
    fs::write(store.dir().join("carol@x.net.crt"), pem).unwrap();
    assert_eq!(store.list_blocking().unwrap(), ["carol@x.net"]);
    let history = store.history_blocking("carol@x.net").unwrap();
    assert_eq!(history.len(), 1);
    assert!(history[0].current && history[0].message_id.is_none());

    let newer = cert("newer", NOW - DAY);
    let stored = store
        .put_blocking("carol@x.net", &newer, &ctx("<n@x>", NOW))
        .unwrap();
    assert_eq!(stored.outcome, PutOutcome::Replaced);
    let history = store.history_blocking("carol@x.net").unwrap();
    let ders: Vec<_> = history.iter().map(|e| e.der.clone()).collect();
    assert_eq!(ders, vec![newer, placed]);
}

#[test]
fn list_shows_only_the_stores_own_certificate_files() {
    let (_tmp, store) = store();
    store
        .put_blocking("Zed@X.org", &cert("z", NOW - DAY), &ctx("<z@x>", NOW))
        .unwrap();
    store
        .put_blocking("amy@x.org", &cert("a", NOW - DAY), &ctx("<a@x>", NOW))
        .unwrap();
    for foreign in [
        "README",
        "Upper@x.org.crt",
        ".hidden.crt",
        "notes.txt",
        "a%2fb.crt",
    ] {
        fs::write(store.dir().join(foreign), b"x").unwrap();
    }
    fs::create_dir(store.dir().join("subdir.crt")).unwrap_or(());
    assert_eq!(store.list_blocking().unwrap(), ["amy@x.org", "zed@x.org"]);
}

#[tokio::test]
async fn open_picks_the_directory_backend() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("a").join("b");
    let store = cert_store::open(dir.to_str().unwrap()).unwrap();
    assert!(dir.join(".history").is_dir(), "open creates the directory");
    assert_eq!(store.describe(), format!("directory {}", dir.display()));
    let der = cert("dyn", NOW - DAY);
    let stored = store
        .put("dyn@x.org", &der, &ctx("<d@x>", NOW))
        .await
        .unwrap();
    assert_eq!(stored.outcome, PutOutcome::Created);
    assert_eq!(
        stored.location,
        dir.join(file_name_for("dyn@x.org").unwrap())
            .display()
            .to_string()
    );
    assert_eq!(store.list().await.unwrap(), ["dyn@x.org"]);
    assert_eq!(store.history("dyn@x.org").await.unwrap().len(), 1);
}

#[test]
fn blocking_and_async_forms_work_without_a_runtime() {
    let (_tmp, store) = store();
    let der = cert("nort", NOW - DAY);
    let context = ctx("<r@x>", NOW);
    // Polled by a runtime-less executor: the I/O then runs inline.
    let fut = CertStore::put(&store, "nort@x.org", &der, &context);
    let stored = block_on(fut).unwrap();
    assert_eq!(stored.outcome, PutOutcome::Created);
}

/// A minimal executor: the directory backend's futures finish on their first poll
/// outside tokio.
fn block_on<F: std::future::Future>(fut: F) -> F::Output {
    use std::task::{Context, Poll, Waker};
    let mut fut = std::pin::pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    match fut.as_mut().poll(&mut cx) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("the future did not complete inline"),
    }
}

/// The project's generated certificates (real signatures and extensions) store and
/// read back byte for byte.
#[test]
fn generated_fixture_certificates_round_trip() {
    let pki = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/pki");
    let Ok(entries) = fs::read_dir(&pki) else {
        println!("testdata absent, skipped (run gen-testdata)");
        return;
    };
    let (_tmp, store) = store();
    let mut stored = 0;
    for entry in entries {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let Some(who) = name.strip_suffix(".pem").filter(|n| !n.contains('.')) else {
            continue;
        };
        let pem = fs::read(&path).unwrap();
        let (label, der) = der::pem::decode_vec(&pem).unwrap();
        if label != "CERTIFICATE" {
            continue;
        }
        let address = format!("{who}@example.com");
        let put = store
            .put_blocking(&address, &der, &ctx("<f@x>", NOW))
            .unwrap();
        assert_eq!(put.outcome, PutOutcome::Created);
        assert_eq!(store.get_blocking(&address).unwrap(), Some(der.clone()));
        let history = store.history_blocking(&address).unwrap();
        assert_eq!(history[0].sha256, sha256_hex(&der));
        stored += 1;
    }
    assert!(stored > 0, "no certificate in {}", pki.display());
}
