//! put / get / list / history semantics of the PostgreSQL backend.

use cert_store::{CertStore, Error, PgStore, PutContext, PutOutcome};

use super::TestDb;
use crate::support::{NOW, cert, ctx, sha256_hex};

const DAY: i64 = 86_400;

#[tokio::test]
async fn outcomes_follow_the_replacement_rule() {
    let Some(db) = TestDb::new("outcomes").await else {
        return;
    };
    let store = db.store();
    let old = cert("alice-2025", NOW - 300 * DAY);
    let new = cert("alice-2026", NOW - 10 * DAY);
    let a = "Alice@Example.com";
    let put = async |der: &[u8], id: &str, at: i64| store.put(a, der, &ctx(id, at)).await.unwrap();
    let first = put(&old, "<1@x>", NOW).await;
    assert_eq!(first.outcome, PutOutcome::Created);
    assert!(
        first
            .location
            .ends_with(&format!("#{}.smime_current/alice@example.com", db.schema)),
        "{}",
        first.location
    );
    assert_eq!(
        put(&old, "<2@x>", NOW + 1).await.outcome,
        PutOutcome::Unchanged
    );
    assert_eq!(
        put(&new, "<3@x>", NOW + 2).await.outcome,
        PutOutcome::Replaced
    );
    assert_eq!(
        put(&old, "<4@x>", NOW + 3).await.outcome,
        PutOutcome::KeptNewer
    );
    assert_eq!(
        put(&new, "<5@x>", NOW + 4).await.outcome,
        PutOutcome::Unchanged
    );
    // The key is the normalised address, whatever the case it is asked with.
    assert_eq!(
        store.get("ALICE@example.COM").await.unwrap(),
        Some(new.clone())
    );
    assert_eq!(store.get("nobody@example.com").await.unwrap(), None);
    assert_eq!(store.list().await.unwrap(), vec!["alice@example.com"]);
    assert!(store.describe().starts_with("postgresql postgresql://"));
}

#[tokio::test]
async fn equal_not_before_goes_to_the_greater_fingerprint_in_any_order() {
    let Some(db) = TestDb::new("tie").await else {
        return;
    };
    let store = db.store();
    let x = cert("tie-x", NOW - DAY);
    let y = cert("tie-y", NOW - DAY);
    let (low, high) = if sha256_hex(&x) < sha256_hex(&y) {
        (x, y)
    } else {
        (y, x)
    };
    let c = ctx("<t@x>", NOW);
    store.put("up@x.org", &low, &c).await.unwrap();
    let up = store.put("up@x.org", &high, &c).await.unwrap();
    assert_eq!(up.outcome, PutOutcome::Replaced);
    store.put("down@x.org", &high, &c).await.unwrap();
    let down = store.put("down@x.org", &low, &c).await.unwrap();
    assert_eq!(down.outcome, PutOutcome::KeptNewer);
    for address in ["up@x.org", "down@x.org"] {
        assert_eq!(store.get(address).await.unwrap().as_ref(), Some(&high));
    }
}

#[tokio::test]
async fn history_keeps_every_certificate_with_its_metadata() {
    let Some(db) = TestDb::new("history").await else {
        return;
    };
    let store = db.store();
    let a = "bob@example.org";
    let c1 = cert("bob-1", NOW - 200 * DAY);
    let c2 = cert("bob-2", NOW - 100 * DAY);
    let c0 = cert("bob-0", NOW - 300 * DAY);
    store.put(a, &c1, &ctx("<one@x>", NOW)).await.unwrap();
    store.put(a, &c2, &ctx("<two@x>", NOW + 10)).await.unwrap();
    let bare = PutContext {
        message_id: None,
        dkim_domain: None,
        seen_at_unix: NOW + 20,
    };
    assert_eq!(
        store.put(a, &c0, &bare).await.unwrap().outcome,
        PutOutcome::KeptNewer
    );
    // Seen again: earlier and later sightings widen the interval; the first
    // provenance stays, a missing one is filled in.
    store.put(a, &c1, &ctx("<again@x>", NOW - 5)).await.unwrap();
    store
        .put(a, &c1, &ctx("<later@x>", NOW + 30))
        .await
        .unwrap();
    store.put(a, &c0, &ctx("<zero@x>", NOW + 40)).await.unwrap();

    let history = store.history(a).await.unwrap();
    let shas: Vec<&str> = history.iter().map(|e| e.sha256.as_str()).collect();
    assert_eq!(shas, [sha256_hex(&c2), sha256_hex(&c1), sha256_hex(&c0)]);
    let [e2, e1, e0] = &history[..] else {
        panic!("three entries expected");
    };
    assert!(e2.current && !e1.current && !e0.current);
    assert_eq!(e2.der, c2);
    assert_eq!((e2.first_seen, e2.last_seen), (NOW + 10, NOW + 10));
    assert_eq!((e1.first_seen, e1.last_seen), (NOW - 5, NOW + 30));
    assert_eq!(e1.message_id.as_deref(), Some("<one@x>"));
    assert_eq!(e1.dkim_domain.as_deref(), Some("example.com"));
    assert_eq!(e1.not_before, NOW - 200 * DAY);
    assert_eq!((e0.first_seen, e0.last_seen), (NOW + 20, NOW + 40));
    assert_eq!(e0.message_id.as_deref(), Some("<zero@x>"));
    assert!(store.history("nobody@x").await.unwrap().is_empty());
}

#[tokio::test]
async fn a_sending_tool_reads_the_current_pem_with_one_query() {
    let Some(db) = TestDb::new("onequery").await else {
        return;
    };
    let store = db.store();
    let der = cert("carol", NOW - DAY);
    store
        .put("Carol@Example.NET", &der, &ctx("<c@x>", NOW))
        .await
        .unwrap();
    let admin = db.admin().await;
    let row = admin
        .query_one(
            "SELECT pem FROM smime_current WHERE address = lower($1)",
            &[&"CAROL@example.net"],
        )
        .await
        .unwrap();
    let pem: String = row.get(0);
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"), "{pem}");
    assert_eq!(pem.matches("-----BEGIN").count(), 1);
    let (label, decoded) = der::pem::decode_vec(pem.as_bytes()).unwrap();
    assert_eq!((label, decoded), ("CERTIFICATE", der));
}

/// Bad input is refused before any connection: these run without a server.
#[tokio::test]
async fn bad_input_is_refused_before_the_database() {
    let store = PgStore::open_with(
        "postgres://nobody@127.0.0.1:1/none",
        None,
        super::short_options(),
    )
    .unwrap();
    let c = ctx("<b@x>", NOW);
    let err = store.put("", &cert("e", NOW), &c).await.unwrap_err();
    assert!(matches!(err, Error::InvalidAddress(_)), "{err}");
    assert_eq!(err.reason_code(), "ambiguous_from");
    let err = store.put("a@x", b"junk", &c).await.unwrap_err();
    assert!(matches!(err, Error::NotACertificate { .. }), "{err}");
    assert_eq!(err.reason_code(), "malformed_signature");
    assert!(!err.is_transient());
    let err = store.get("").await.unwrap_err();
    assert!(matches!(err, Error::InvalidAddress(_)), "{err}");
}

#[test]
fn open_dispatches_postgres_urls_without_connecting() {
    for url in [
        "postgres://u@127.0.0.1:1/certs",
        "postgresql://127.0.0.1:1/certs?sslmode=require",
        "POSTGRES://127.0.0.1:1/certs",
    ] {
        let store = cert_store::open(url).unwrap();
        assert_eq!(
            store.describe(),
            "postgresql postgresql://127.0.0.1:1/certs",
            "{url}"
        );
    }
    let err = cert_store::open("postgres://u:secret@h/db?sslmode=bogus")
        .err()
        .unwrap();
    assert!(matches!(err, Error::BadDatabaseUrl { .. }), "{err}");
    assert_eq!(err.reason_code(), "store_error");
    assert!(!err.is_transient(), "configuration, not try-later");
    assert!(!err.to_string().contains("secret"), "{err}");
}

#[tokio::test]
async fn open_with_a_url_stores_in_the_schema_the_url_names() {
    let Some(db) = TestDb::new("open_url").await else {
        return;
    };
    let admin = db.admin().await;
    admin
        .batch_execute(&format!("CREATE SCHEMA {}", db.schema))
        .await
        .unwrap();
    let url = db.url_with(&format!(
        "options=-c%20search_path%3D{}&application_name={}",
        db.schema, db.schema
    ));
    let store = cert_store::open(&url).unwrap();
    let der = cert("dispatch", NOW);
    let stored = store
        .put("d@x.org", &der, &ctx("<d@x>", NOW))
        .await
        .unwrap();
    assert_eq!(stored.outcome, PutOutcome::Created);
    assert!(
        stored.location.ends_with("#smime_current/d@x.org"),
        "{}",
        stored.location
    );
    let pem: String = admin
        .query_one(
            "SELECT pem FROM smime_current WHERE address = 'd@x.org'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(der::pem::decode_vec(pem.as_bytes()).unwrap().1, der);
}

/// The one address rule as the database key: the same keys as the directory store.
#[tokio::test]
async fn addresses_are_keyed_by_the_one_address_rule() {
    let Some(db) = TestDb::new("addr_rule").await else {
        return;
    };
    let store = db.store();
    let c = |label: &str| cert(label, NOW - 10);
    let put = async |address: &str, der: &[u8]| store.put(address, der, &ctx("<a@x>", NOW)).await;
    // The Kelvin sign has no key; ASCII kate keeps hers.
    put("kate@example.com", &c("kate")).await.unwrap();
    let err = put("\u{212A}ate@example.com", &c("kelvin"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidAddress(_)), "{err}");
    assert_eq!(err.reason_code(), "ambiguous_from");
    // U-labels and A-labels are one key; non-ASCII case and look-alikes are not.
    put("J\u{f6}rg@B\u{fc}cher.de", &c("joerg")).await.unwrap();
    let again = put("j\u{f6}rg@xn--bcher-kva.de", &c("joerg"))
        .await
        .unwrap();
    assert_eq!(again.outcome, PutOutcome::Unchanged);
    assert!(
        again.location.ends_with("/j\u{f6}rg@xn--bcher-kva.de"),
        "{}",
        again.location
    );
    put("J\u{d6}RG@b\u{fc}cher.de", &c("joerg-upper"))
        .await
        .unwrap();
    put("\u{430}lice@example.com", &c("cyrillic"))
        .await
        .unwrap();
    put("\u{ff41}lice@example.com", &c("fullwidth"))
        .await
        .unwrap();
    put("\u{130}pek@example.com", &c("dotted")).await.unwrap();
    let err = put("jo\u{308}rg@example.com", &c("nfd")).await.unwrap_err();
    assert!(matches!(err, Error::InvalidAddress(_)), "{err}");
    // Quoted local parts by content.
    put("\"A B\"@example.com", &c("quoted")).await.unwrap();
    assert_eq!(
        store.get("\"a b\"@Example.COM").await.unwrap(),
        Some(c("quoted"))
    );
    let mut listed = store.list().await.unwrap();
    listed.sort();
    let mut want = vec![
        "kate@example.com",
        "j\u{f6}rg@xn--bcher-kva.de",
        "j\u{d6}rg@xn--bcher-kva.de",
        "\u{430}lice@example.com",
        "\u{ff41}lice@example.com",
        "\u{130}pek@example.com",
        "\"a b\"@example.com",
    ];
    want.sort();
    assert_eq!(listed, want);
    assert_eq!(
        store.get("kate@example.com").await.unwrap(),
        Some(c("kate"))
    );
}
