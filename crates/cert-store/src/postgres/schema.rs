//! The versioned schema and its migration (see the [crate docs](crate#postgresql-schema)).

use tokio_postgres::Client;

use crate::Error;

/// The schema version this build creates and expects.
pub const SCHEMA_VERSION: i32 = 2;

/// One step of the schema's history.
enum Migration {
    /// Statements to run as they are.
    Sql(&'static str),
    /// Re-key the addresses stored under the earlier address rule (issue 11): the
    /// decision needs IDNA and the certificates' names, so it runs here, not in SQL.
    RekeyAddresses,
}

/// The migrations, in order: version `i + 1` is `MIGRATIONS[i]`.
const MIGRATIONS: &[Migration] = &[
    // Version 1.
    Migration::Sql(
        "CREATE TABLE smime_addresses (
         address         text PRIMARY KEY,
         current_sha256  text
     );
     CREATE TABLE smime_certificates (
         address      text   NOT NULL REFERENCES smime_addresses (address),
         sha256       text   NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
         der          bytea  NOT NULL,
         pem          text   NOT NULL,
         not_before   bigint NOT NULL,
         first_seen   bigint NOT NULL,
         last_seen    bigint NOT NULL,
         message_id   text,
         dkim_domain  text,
         PRIMARY KEY (address, sha256)
     );
     ALTER TABLE smime_addresses
         ADD FOREIGN KEY (address, current_sha256)
         REFERENCES smime_certificates (address, sha256);
     CREATE VIEW smime_current AS
         SELECT c.address, c.pem, c.der, c.sha256, c.not_before, c.first_seen,
                c.last_seen, c.message_id, c.dkim_domain
         FROM smime_addresses a
         JOIN smime_certificates c
           ON c.address = a.address AND c.sha256 = a.current_sha256;",
    ),
    // Version 2: keys under the one address rule of `smime_address`.
    Migration::RekeyAddresses,
];

/// Namespace of the advisory lock (first key of `pg_advisory_xact_lock(int, int)`);
/// the second key is a hash of the schema name.
const LOCK_CLASS: i32 = 0x534d_494d; // "SMIM"

/// Creates or migrates the schema, in one transaction holding an advisory lock on the
/// schema name, so that concurrent first uses (several daemons starting together)
/// run it one after the other; the later ones find the work done. `schema` is created
/// when given (already checked to need no quoting); otherwise the connection's current
/// schema is used. Returns the version found before migrating.
///
/// # Errors
/// [`Error::SchemaTooNew`] when a newer build migrated the database;
/// [`Error::Migration`] when stored addresses cannot be re-keyed without guessing;
/// [`Error::Database`] for any failure (the transaction is rolled back).
pub(crate) async fn migrate(client: &mut Client, schema: Option<&str>) -> Result<i32, Error> {
    let failed = |e: tokio_postgres::Error| Error::Database {
        op: "create or migrate the schema",
        detail: super::describe_pg_error(&e),
    };
    let tx = client.transaction().await.map_err(failed)?;
    tx.execute(
        "SELECT pg_advisory_xact_lock($1, hashtext(coalesce($2::text, current_schema(), '')))",
        &[&LOCK_CLASS, &schema],
    )
    .await
    .map_err(failed)?;
    if let Some(schema) = schema {
        tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
            .await
            .map_err(failed)?;
    }
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS smime_schema_version (
             version     integer     PRIMARY KEY,
             applied_at  timestamptz NOT NULL DEFAULT now()
         )",
    )
    .await
    .map_err(failed)?;
    let found: i32 = tx
        .query_one(
            "SELECT coalesce(max(version), 0) FROM smime_schema_version",
            &[],
        )
        .await
        .map_err(failed)?
        .get(0);
    if found > SCHEMA_VERSION {
        return Err(Error::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for (version, migration) in (1..).zip(MIGRATIONS) {
        if version <= found {
            continue;
        }
        match migration {
            Migration::Sql(sql) => tx.batch_execute(sql).await.map_err(failed)?,
            Migration::RekeyAddresses => super::rekey::run(&tx).await?,
        }
        tx.execute(
            "INSERT INTO smime_schema_version (version) VALUES ($1)",
            &[&version],
        )
        .await
        .map_err(failed)?;
    }
    tx.commit().await.map_err(failed)?;
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_version_is_the_last_migration() {
        assert_eq!(usize::try_from(SCHEMA_VERSION).ok(), Some(MIGRATIONS.len()));
    }
}
