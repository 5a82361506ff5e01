//! Schema creation and migration: empty, already migrated, concurrent first uses, newer.

use cert_store::postgres::SCHEMA_VERSION;
use cert_store::{CertStore, Error, PutOutcome};

use super::TestDb;
use crate::support::{NOW, San, cert, ctx, named_cert, pem, sha256_hex};

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

/// An address row of version 1: its key, its certificates, the current one.
type Row<'a> = (&'a str, &'a [&'a [u8]], &'a [u8]);

/// The tables as schema version 1 created them (the earlier build's migration), with
/// `rows` of `(key, certificates, current)` as the earlier address rule keyed them.
async fn version_1(db: &TestDb, rows: &[Row<'_>]) {
    let admin = db.admin().await;
    admin
        .batch_execute(&format!(
            "CREATE SCHEMA {schema};
             CREATE TABLE smime_schema_version (
                 version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
             INSERT INTO smime_schema_version (version) VALUES (1);
             CREATE TABLE smime_addresses (address text PRIMARY KEY, current_sha256 text);
             CREATE TABLE smime_certificates (
                 address text NOT NULL REFERENCES smime_addresses (address),
                 sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{{64}}$'),
                 der bytea NOT NULL, pem text NOT NULL, not_before bigint NOT NULL,
                 first_seen bigint NOT NULL, last_seen bigint NOT NULL,
                 message_id text, dkim_domain text, PRIMARY KEY (address, sha256));
             ALTER TABLE smime_addresses ADD FOREIGN KEY (address, current_sha256)
                 REFERENCES smime_certificates (address, sha256);
             CREATE VIEW smime_current AS
                 SELECT c.address, c.pem, c.der, c.sha256, c.not_before, c.first_seen,
                        c.last_seen, c.message_id, c.dkim_domain
                 FROM smime_addresses a JOIN smime_certificates c
                   ON c.address = a.address AND c.sha256 = a.current_sha256;",
            schema = db.schema
        ))
        .await
        .unwrap();
    for (key, certs, current) in rows {
        admin
            .execute("INSERT INTO smime_addresses (address) VALUES ($1)", &[key])
            .await
            .unwrap();
        for der in *certs {
            let (sha, pem) = (sha256_hex(der), pem(der));
            admin
                .execute(
                    "INSERT INTO smime_certificates VALUES ($1, $2, $3, $4, 0, $5, $5, '<old@x>', 'example.com')",
                    &[key, &sha, der, &pem, &NOW],
                )
                .await
                .unwrap();
        }
        admin
            .execute(
                "UPDATE smime_addresses SET current_sha256 = $2 WHERE address = $1",
                &[key, &sha256_hex(current)],
            )
            .await
            .unwrap();
    }
}

/// Every `(address, sha256)` row, sorted.
async fn rows(db: &TestDb) -> Vec<(String, String)> {
    db.admin()
        .await
        .query(
            "SELECT address, sha256 FROM smime_certificates ORDER BY 1, 2",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

#[tokio::test]
async fn version_1_addresses_are_rekeyed_to_the_current_rule() {
    let Some(db) = TestDb::new("mig_rekey").await else {
        return;
    };
    let joerg = named_cert("joerg", NOW, &[San::SmtpUtf8("J\u{f6}rg@B\u{fc}cher.de")]);
    let ivan = named_cert(
        "ivan",
        NOW,
        &[San::SmtpUtf8(
            "\u{418}\u{432}\u{430}\u{43d}@\u{43f}\u{440}\u{438}\u{43c}\u{435}\u{440}.\u{440}\u{444}",
        )],
    );
    let alice = named_cert("alice", NOW, &[San::Rfc822("alice@example.com")]);
    // `jörg@xn--…` is moved onto by `jörg@bücher.de` while it moves itself to `jÖrg@…`
    // (its certificate says so): overlapping moves.
    let joerg_upper = named_cert(
        "joerg-upper",
        NOW,
        &[San::SmtpUtf8("J\u{d6}RG@xn--bcher-kva.de")],
    );
    version_1(
        &db,
        &[
            ("j\u{f6}rg@b\u{fc}cher.de", &[&joerg], &joerg),
            ("j\u{f6}rg@xn--bcher-kva.de", &[&joerg_upper], &joerg_upper),
            ("\u{438}\u{432}\u{430}\u{43d}@\u{43f}\u{440}\u{438}\u{43c}\u{435}\u{440}.\u{440}\u{444}", &[&ivan], &ivan),
            ("alice@example.com", &[&alice], &alice),
        ],
    )
    .await;
    let store = db.store();
    assert_eq!(store.migrate().await.unwrap(), 1);
    assert_eq!(db.versions().await, [1, 2]);
    let mut listed = store.list().await.unwrap();
    listed.sort();
    let mut want = vec![
        "alice@example.com",
        "j\u{f6}rg@xn--bcher-kva.de",
        "j\u{d6}rg@xn--bcher-kva.de",
        "\u{418}\u{432}\u{430}\u{43d}@xn--e1afmkfd.xn--p1ai",
    ];
    want.sort();
    assert_eq!(listed, want);
    assert_eq!(
        store.get("J\u{f6}rg@B\u{fc}cher.de").await.unwrap(),
        Some(joerg)
    );
    assert_eq!(
        store.get("J\u{d6}RG@b\u{fc}cher.de").await.unwrap(),
        Some(joerg_upper)
    );
    assert_eq!(store.get("\u{418}\u{432}\u{430}\u{43d}@\u{43f}\u{440}\u{438}\u{43c}\u{435}\u{440}.\u{440}\u{444}").await.unwrap(), Some(ivan.clone()));
    assert_eq!(store.get("\u{438}\u{432}\u{430}\u{43d}@\u{43f}\u{440}\u{438}\u{43c}\u{435}\u{440}.\u{440}\u{444}").await.unwrap(), None);
    let history = store.history("alice@example.com").await.unwrap();
    assert_eq!(history[0].message_id.as_deref(), Some("<old@x>"));
    assert!(history[0].current);
    assert!(rows(&db).await.iter().all(|(a, _)| !a.starts_with('\u{1}')));
    // Later uses and other pools find version 2 and change nothing.
    let before = rows(&db).await;
    assert_eq!(db.store().migrate().await.unwrap(), SCHEMA_VERSION);
    assert_eq!(rows(&db).await, before);
}

#[tokio::test]
async fn a_kelvin_sign_row_makes_the_migration_refuse_until_deleted() {
    let Some(db) = TestDb::new("mig_kelvin").await else {
        return;
    };
    let kate = named_cert("kate", NOW, &[San::Rfc822("kate@example.com")]);
    let kelvin = named_cert(
        "kelvin",
        NOW + 1,
        &[San::SmtpUtf8("\u{212A}ate@example.com")],
    );
    let joerg = named_cert("joerg", NOW, &[San::SmtpUtf8("j\u{f6}rg@b\u{fc}cher.de")]);
    version_1(
        &db,
        &[
            ("kate@example.com", &[&kate, &kelvin], &kelvin),
            ("j\u{f6}rg@b\u{fc}cher.de", &[&joerg], &joerg),
        ],
    )
    .await;
    let before = rows(&db).await;
    let store = db.store();
    let err = store.migrate().await.unwrap_err();
    assert!(matches!(err, Error::Migration { .. }), "{err}");
    assert!(err.is_transient());
    let text = err.to_string();
    for needle in [
        "\"kate@example.com\"",
        &sha256_hex(&kelvin),
        "DELETE FROM smime_certificates WHERE address = 'kate@example.com'",
    ] {
        assert!(text.contains(needle), "{needle:?} not in {text}");
    }
    assert_eq!(db.versions().await, [1], "rolled back");
    assert_eq!(rows(&db).await, before, "nothing changed");
    let put = store
        .put("bob@example.com", &cert("bob", NOW), &ctx("<b@x>", NOW))
        .await
        .unwrap_err();
    assert_eq!(put.reason_code(), "store_error");

    // What the message says: delete that address's rows, use the store again.
    db.admin()
        .await
        .batch_execute(
            "UPDATE smime_addresses SET current_sha256 = NULL WHERE address = 'kate@example.com';
             DELETE FROM smime_certificates WHERE address = 'kate@example.com';
             DELETE FROM smime_addresses WHERE address = 'kate@example.com';",
        )
        .await
        .unwrap();
    let again = db.store();
    again
        .put("bob@example.com", &cert("bob", NOW), &ctx("<b@x>", NOW))
        .await
        .unwrap();
    assert_eq!(db.versions().await, [1, 2]);
    assert_eq!(again.get("kate@example.com").await.unwrap(), None);
    assert_eq!(
        again.get("j\u{f6}rg@xn--bcher-kva.de").await.unwrap(),
        Some(joerg)
    );
}

#[tokio::test]
async fn two_version_1_addresses_of_one_mailbox_are_refused() {
    let Some(db) = TestDb::new("mig_collapse").await else {
        return;
    };
    let a = named_cert("joerg-u", NOW, &[San::SmtpUtf8("j\u{f6}rg@b\u{fc}cher.de")]);
    let b = named_cert(
        "joerg-a",
        NOW,
        &[San::SmtpUtf8("j\u{f6}rg@xn--bcher-kva.de")],
    );
    version_1(
        &db,
        &[
            ("j\u{f6}rg@b\u{fc}cher.de", &[&a], &a),
            ("j\u{f6}rg@xn--bcher-kva.de", &[&b], &b),
        ],
    )
    .await;
    let text = db.store().migrate().await.unwrap_err().to_string();
    assert!(
        text.contains("all become \"j\u{f6}rg@xn--bcher-kva.de\""),
        "{text}"
    );
    assert_eq!(db.versions().await, [1]);
}
