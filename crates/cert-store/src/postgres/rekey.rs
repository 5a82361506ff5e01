//! Schema version 2: re-keys the rows stored under the earlier address rule (see
//! [`crate::rekey`] for how each address's new key is decided).
//!
//! Runs inside the migration's transaction: every address is decided first; if any
//! cannot be moved without guessing, or two would share one key, the transaction is
//! rolled back and [`Error::Migration`] names them. Otherwise each address that changes
//! is moved in two phases (to a temporary key, then to its new key), so that moves
//! whose old and new keys overlap cannot collide.

use tokio_postgres::Transaction;

use crate::rekey::{self, CertNames, Refusal};
use crate::{Error, cert};

/// Rows fetched at a time while deciding.
const BATCH: i32 = 500;
/// How many problems an error lists before counting the rest.
const LISTED: usize = 20;
/// Bound on each statement of this migration (the store's usual 5 s is for puts).
const STATEMENT_TIMEOUT: &str = "300s";

fn failed(e: tokio_postgres::Error) -> Error {
    Error::Database {
        op: "create or migrate the schema",
        detail: super::describe_pg_error(&e),
    }
}

/// Re-keys every address whose key differs under the current rule.
pub(crate) async fn run(tx: &Transaction<'_>) -> Result<(), Error> {
    tx.batch_execute(&format!(
        "SET LOCAL statement_timeout = '{STATEMENT_TIMEOUT}'"
    ))
    .await
    .map_err(failed)?;
    let decided = decide(tx).await?;
    let mut moves = Vec::new();
    let mut problems = Vec::new();
    let mut keys: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (old, outcome) in decided {
        match outcome {
            Ok(new) => {
                keys.entry(new.clone()).or_default().push(old.clone());
                if new != old {
                    moves.push((old, new));
                }
            }
            Err(refusal) => problems.push(format!(
                "the address {old:?} cannot be moved: {}; delete its rows ({}) and its owner's next signed message stores the certificate again",
                refusal.describe(),
                delete_statements(&old),
            )),
        }
    }
    for (new, olds) in &keys {
        if olds.len() > 1 {
            problems.push(format!(
                "the addresses {} all become {new:?} under the current rule; keep the rows of one, delete those of the others ({})",
                olds.iter().map(|o| format!("{o:?}")).collect::<Vec<_>>().join(" and "),
                delete_statements(&olds[1]),
            ));
        }
    }
    if !problems.is_empty() {
        let more = problems.len().saturating_sub(LISTED);
        problems.truncate(LISTED);
        if more > 0 {
            problems.push(format!("and {more} more"));
        }
        return Err(Error::Migration {
            detail: format!(
                "{}; nothing was changed. Then use the store again: the migration to schema version 2 runs on first use",
                problems.join("; ")
            ),
        });
    }
    // Phase 1 frees every old key, phase 2 takes the new ones. A temporary key starts
    // with a control character, which no key of either rule holds.
    for (i, (old, _)) in moves.iter().enumerate() {
        move_key(tx, old, &temporary(i)).await?;
    }
    for (i, (old, new)) in moves.iter().enumerate() {
        move_key(tx, &temporary(i), new).await?;
        tracing::info!(from = %old, to = %new, "store address moved to the current address rule");
    }
    Ok(())
}

/// The statements that delete an address's rows, for the operator to run.
fn delete_statements(address: &str) -> String {
    let quoted = format!("'{}'", address.replace('\'', "''"));
    format!(
        "UPDATE smime_addresses SET current_sha256 = NULL WHERE address = {quoted}; \
         DELETE FROM smime_certificates WHERE address = {quoted}; \
         DELETE FROM smime_addresses WHERE address = {quoted};"
    )
}

fn temporary(i: usize) -> String {
    format!("\u{1}rekey {i}")
}

/// Every address with the new key it gets (or why not), reading the certificates of
/// one address at a time.
async fn decide(tx: &Transaction<'_>) -> Result<Vec<(String, Result<String, Refusal>)>, Error> {
    let portal = tx
        .bind(
            "SELECT a.address, c.sha256, c.der
             FROM smime_addresses a LEFT JOIN smime_certificates c ON c.address = a.address
             ORDER BY a.address, c.sha256",
            &[],
        )
        .await
        .map_err(failed)?;
    let mut out = Vec::new();
    let mut group: Option<(String, Vec<CertNames>)> = None;
    loop {
        let rows = tx.query_portal(&portal, BATCH).await.map_err(failed)?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            let address: String = row.get(0);
            let sha256: Option<String> = row.get(1);
            let der: Option<Vec<u8>> = row.get(2);
            if group.as_ref().is_none_or(|(a, _)| *a != address) {
                if let Some((old, certs)) = group.take() {
                    let new = rekey::new_key(&old, &certs);
                    out.push((old, new));
                }
                group = Some((address, Vec::new()));
            }
            if let (Some((_, certs)), Some(sha256), Some(der)) = (group.as_mut(), sha256, der) {
                certs.push((sha256, cert::emails(&der)));
            }
        }
    }
    if let Some((old, certs)) = group.take() {
        let new = rekey::new_key(&old, &certs);
        out.push((old, new));
    }
    Ok(out)
}

/// Moves an address's rows to another key, within the foreign keys: the new address
/// row first (no current certificate yet), then the certificates, then the current
/// pointer, then the old row goes.
async fn move_key(tx: &Transaction<'_>, from: &str, to: &str) -> Result<(), Error> {
    let current: Option<String> = tx
        .query_one(
            "SELECT current_sha256 FROM smime_addresses WHERE address = $1",
            &[&from],
        )
        .await
        .map_err(failed)?
        .get(0);
    let statements: [(&str, &[&(dyn tokio_postgres::types::ToSql + Sync)]); 5] = [
        (
            "INSERT INTO smime_addresses (address, current_sha256) VALUES ($1, NULL)",
            &[&to],
        ),
        (
            "UPDATE smime_addresses SET current_sha256 = NULL WHERE address = $1",
            &[&from],
        ),
        (
            "UPDATE smime_certificates SET address = $2 WHERE address = $1",
            &[&from, &to],
        ),
        (
            "UPDATE smime_addresses SET current_sha256 = $2 WHERE address = $1",
            &[&to, &current],
        ),
        ("DELETE FROM smime_addresses WHERE address = $1", &[&from]),
    ];
    for (sql, params) in statements {
        tx.execute(sql, params).await.map_err(failed)?;
    }
    Ok(())
}
