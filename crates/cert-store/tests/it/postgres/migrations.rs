//! Schema creation and migration: empty, already migrated, concurrent first uses, newer.

use cert_store::postgres::SCHEMA_VERSION;
use cert_store::{CertStore, Error, PutOutcome};

use super::TestDb;
use crate::support::{NOW, cert, ctx};

#[tokio::test]
async fn first_use_creates_the_schema_in_an_empty_database() {
    let Some(db) = TestDb::new("mig_empty").await else {
        return;
    };
    let store = db.store();
    // Nothing exists yet, not even the schema.
    assert_eq!(store.migrate().await.unwrap(), 0);
    assert_eq!(
        db.versions().await,
        (1..=SCHEMA_VERSION).collect::<Vec<_>>()
    );
    let admin = db.admin().await;
    let objects: Vec<String> = admin
        .query(
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = $1 ORDER BY 1",
            &[&db.schema],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        objects,
        [
            "smime_addresses",
            "smime_certificates",
            "smime_current",
            "smime_schema_version"
        ]
    );
}

#[tokio::test]
async fn an_already_migrated_schema_is_left_as_it_is() {
    let Some(db) = TestDb::new("mig_again").await else {
        return;
    };
    let der = cert("kept", NOW);
    let first = db.store();
    first
        .put("kept@x.org", &der, &ctx("<k@x>", NOW))
        .await
        .unwrap();
    // Another daemon (another pool) starting on the migrated schema.
    let second = db.store();
    assert_eq!(second.migrate().await.unwrap(), SCHEMA_VERSION);
    assert_eq!(second.migrate().await.unwrap(), SCHEMA_VERSION);
    assert_eq!(
        db.versions().await,
        (1..=SCHEMA_VERSION).collect::<Vec<_>>()
    );
    assert_eq!(second.get("kept@x.org").await.unwrap(), Some(der.clone()));
    let again = second
        .put("kept@x.org", &der, &ctx("<k2@x>", NOW))
        .await
        .unwrap();
    assert_eq!(again.outcome, PutOutcome::Unchanged);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_first_uses_migrate_once() {
    let Some(db) = TestDb::new("mig_race").await else {
        return;
    };
    let der = cert("race", NOW);
    // Eight daemons starting together, each with its own pool, each putting first.
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let store = db.store();
            let der = der.clone();
            tokio::spawn(async move {
                store
                    .put("race@x.org", &der, &ctx(&format!("<{i}@x>"), NOW + i))
                    .await
                    .unwrap()
                    .outcome
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for handle in handles {
        outcomes.push(handle.await.unwrap());
    }
    let created = outcomes
        .iter()
        .filter(|o| **o == PutOutcome::Created)
        .count();
    assert_eq!(created, 1, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, PutOutcome::Created | PutOutcome::Unchanged))
    );
    assert_eq!(
        db.versions().await,
        (1..=SCHEMA_VERSION).collect::<Vec<_>>()
    );
    let history = db.store().history("race@x.org").await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(
        (history[0].first_seen, history[0].last_seen),
        (NOW, NOW + 7)
    );
}

#[tokio::test]
async fn a_schema_from_a_newer_build_is_refused() {
    let Some(db) = TestDb::new("mig_newer").await else {
        return;
    };
    db.store().migrate().await.unwrap();
    let future = SCHEMA_VERSION + 1;
    db.admin()
        .await
        .execute(
            "INSERT INTO smime_schema_version (version) VALUES ($1)",
            &[&future],
        )
        .await
        .unwrap();
    let err = db
        .store()
        .put("new@x.org", &cert("new", NOW), &ctx("<n@x>", NOW))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::SchemaTooNew { found, supported } if found == future && supported == SCHEMA_VERSION),
        "{err}"
    );
    assert!(err.is_transient());
    assert_eq!(err.reason_code(), "store_error");
}
