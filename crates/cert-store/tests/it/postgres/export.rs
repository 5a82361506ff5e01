//! `export_to_dir`: from the database to the directory layout.

use std::fs;

use cert_store::{CertStore, DirStore, ExportSummary, export_to_dir};

use super::TestDb;
use crate::support::{NOW, cert, ctx, sha256_hex};

const DAY: i64 = 86_400;

#[tokio::test]
async fn export_writes_current_files_and_history() {
    let Some(db) = TestDb::new("export").await else {
        return;
    };
    let pg = db.store();
    let (a1, a2, a3) = (
        cert("exp-a1", NOW - 300 * DAY),
        cert("exp-a2", NOW - 100 * DAY),
        cert("exp-a0", NOW - 400 * DAY),
    );
    let b = cert("exp-b", NOW - 50 * DAY);
    pg.put("Alice@Example.com", &a1, &ctx("<a1@x>", NOW))
        .await
        .unwrap();
    pg.put("alice@example.com", &a2, &ctx("<a2@x>", NOW + 1))
        .await
        .unwrap();
    pg.put("alice@example.com", &a3, &ctx("<a3@x>", NOW + 2))
        .await
        .unwrap();
    pg.put("alice@example.com", &a2, &ctx("<a2b@x>", NOW + 3))
        .await
        .unwrap();
    pg.put("bob@example.org", &b, &ctx("<b@x>", NOW))
        .await
        .unwrap();

    let tmp = tempfile::tempdir().unwrap();
    let dir = DirStore::open(tmp.path().join("certs")).unwrap();
    // Bob's file already holds a certificate newer than the database's.
    let bob_newer = cert("exp-b-newer", NOW - DAY);
    dir.put("bob@example.org", &bob_newer, &ctx("<bn@x>", NOW))
        .await
        .unwrap();

    let summary = export_to_dir(&pg, &dir).await.unwrap();
    assert_eq!(
        summary,
        ExportSummary {
            addresses: 2,
            certificates: 4,
            created: 1,
            replaced: 0,
            unchanged: 0,
            kept_newer: 1,
        }
    );
    let pem = fs::read_to_string(dir.dir().join("alice@example.com.crt")).unwrap();
    let (_, der) = der::pem::decode_vec(pem.as_bytes()).unwrap();
    assert_eq!(der, a2);
    assert_eq!(dir.get("bob@example.org").await.unwrap(), Some(bob_newer));
    // The directory's history carries the database's metadata.
    let from_pg = pg.history("alice@example.com").await.unwrap();
    let from_dir = dir.history("alice@example.com").await.unwrap();
    assert_eq!(from_dir, from_pg);
    assert_eq!(from_dir[0].sha256, sha256_hex(&a2));
    assert_eq!(
        (from_dir[0].first_seen, from_dir[0].last_seen),
        (NOW + 1, NOW + 3)
    );

    // A rerun changes nothing.
    let again = export_to_dir(&pg, &dir).await.unwrap();
    assert_eq!(
        (again.unchanged, again.kept_newer, again.created),
        (1, 1, 0)
    );
    assert_eq!(dir.history("alice@example.com").await.unwrap(), from_pg);
}

#[tokio::test]
async fn export_between_directories_needs_no_database() {
    let tmp = tempfile::tempdir().unwrap();
    let source = DirStore::open(tmp.path().join("a")).unwrap();
    let target = DirStore::open(tmp.path().join("b")).unwrap();
    let old = cert("dd-old", NOW - 9 * DAY);
    let new = cert("dd-new", NOW - DAY);
    source
        .put("d@x.org", &new, &ctx("<n@x>", NOW))
        .await
        .unwrap();
    source
        .put("d@x.org", &old, &ctx("<o@x>", NOW + 1))
        .await
        .unwrap();
    target
        .put("d@x.org", &old, &ctx("<o@x>", NOW + 1))
        .await
        .unwrap();
    let summary = export_to_dir(&source, &target).await.unwrap();
    assert_eq!(
        (summary.addresses, summary.certificates, summary.replaced),
        (1, 2, 1)
    );
    assert_eq!(target.get("d@x.org").await.unwrap(), Some(new));
    assert_eq!(
        target.history("d@x.org").await.unwrap(),
        source.history("d@x.org").await.unwrap()
    );
}
