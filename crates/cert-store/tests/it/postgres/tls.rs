//! TLS to the database (the test server runs Debian's default `ssl = on` with the
//! "snakeoil" certificate, issued to the machine's host name).

use std::path::Path;

use cert_store::{CertStore, Error, PutOutcome};

use super::{TestDb, short_options};
use crate::support::{NOW, cert, ctx};

const SNAKEOIL: &str = "/etc/ssl/certs/ssl-cert-snakeoil.pem";

#[tokio::test]
async fn sslmode_require_encrypts_the_connection() {
    let Some(db) = TestDb::new("tls_require").await else {
        return;
    };
    let app = format!("{}_app", db.schema);
    let url = db.url_with(&format!("sslmode=require&application_name={app}"));
    let store = db.store_with(&url, Default::default());
    let stored = store
        .put("tls@x.org", &cert("tls", NOW), &ctx("<t@x>", NOW))
        .await;
    let stored = match stored {
        Ok(stored) => stored,
        Err(Error::Database { detail, .. }) if detail.contains("TLS") || detail.contains("SSL") => {
            println!("skipped: the test server does not offer TLS ({detail})");
            return;
        }
        Err(err) => panic!("{err}"),
    };
    assert_eq!(stored.outcome, PutOutcome::Created);
    let row = db
        .admin()
        .await
        .query_one(
            "SELECT count(*), coalesce(bool_and(s.ssl), false)
             FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
             WHERE a.application_name = $1",
            &[&app],
        )
        .await
        .unwrap();
    let (connections, all_tls): (i64, bool) = (row.get(0), row.get(1));
    assert!(connections >= 1, "the store kept no connection");
    assert!(all_tls, "a store connection is not encrypted");
}

#[tokio::test]
async fn verify_full_refuses_a_certificate_for_another_name() {
    let Some(db) = TestDb::new("tls_verify").await else {
        return;
    };
    if !Path::new(SNAKEOIL).is_file() {
        println!("skipped: {SNAKEOIL} absent");
        return;
    }
    // Trusted (it is its own root), but issued to the host name, not 127.0.0.1.
    let url = db.url_with(&format!("sslmode=verify-full&sslrootcert={SNAKEOIL}"));
    let store = db.store_with(&url, short_options());
    let err = store
        .put("v@x.org", &cert("verify", NOW), &ctx("<v@x>", NOW))
        .await
        .unwrap_err();
    assert!(err.is_transient(), "{err}");
    let Error::Database { op, detail } = &err else {
        panic!("{err}");
    };
    assert_eq!(*op, "connect");
    assert!(detail.to_lowercase().contains("certificate"), "{detail}");
}
