//! Durable stores of collected S/MIME certificates, behind one [`CertStore`] trait.
//!
//! This is the last gate of the SPEC pipeline ("6. Store it under the From address").
//! [`CertStore::put`] answers [`PutOutcome`] `created`, `replaced`, `unchanged` or
//! `kept_newer`; a failure is either bad input ([`Error::InvalidAddress`],
//! [`Error::NotACertificate`]: reason codes `ambiguous_from` / `malformed_signature`)
//! or the transient `store_error` ([`Error::is_transient`]: disk full, permissions,
//! lock timeout, damaged store, a planted link), which callers answer with "try later".
//!
//! Backends: [`DirStore`], a directory of PEM files (the embedded default), and
//! [`PgStore`], a PostgreSQL database shared by several daemons (see
//! [PostgreSQL backend](#postgresql-backend)). [`open`] picks the backend from SPEC
//! `store.location`: a `postgres://` or `postgresql://` URL, or a directory path.
//! [`export_to_dir`] copies any store into the directory layout.
//!
//! The store does **not** judge certificates: it trusts the policy gate and only decodes
//! the DER (leniently) for its fingerprint and notBefore (and, once, to move entries of
//! the earlier address rule, for the addresses it names). It never reads the clock:
//! "seen" times come from [`PutContext::seen_at_unix`].
//!
//! # Replacement rule
//! The current certificate of an address is replaced only by one with a later
//! notBefore; on equal notBefore, the one with the greater SHA-256 wins, so the final
//! state never depends on the order in which concurrent writers arrive. The same
//! certificate again is `unchanged` (only its `last_seen` moves). An older one is
//! `kept_newer`: the current file stays, the older certificate still joins the history.
//!
//! # File names
//! An address is keyed by its normalised form under the one address rule of
//! [`smime_address::normalize`], the same function the certificate policy compares
//! addresses with, so a certificate can only be filed under the mailbox it names:
//! - the domain in IDNA A-labels, lower case (`bücher.de` and `xn--bcher-kva.de` are one
//!   file);
//! - the local part must be in Unicode NFC, and only its ASCII letters are lower-cased:
//!   `Jörg` and `jörg` share a file, `JÖRG` has its own, and an address with the Kelvin
//!   sign (U+212A), U+1FEF or an NFD sequence has no key at all
//!   ([`Error::InvalidAddress`], `ambiguous_from`);
//! - a quoted local part is keyed by its content, written unquoted when it can be
//!   (`"ab"@x` is `ab@x`) and otherwise as one quoted-string (`"a b"@example.com`);
//!   the key is itself an address that normalises to itself, and it is what
//!   [`CertStore::list`] returns;
//! - control characters (NUL, tab, CR, LF, ESC...) are refused anywhere.
//!
//! [`file_name_for`] then writes every byte of the key outside ASCII letters, digits
//! and ``.!#$&'*+=?^_`{|}~@-`` as `%XX`, `%` included, and so a leading `.`. A name
//! therefore never contains `/`, never starts with `.` and is never `.` or `..`, whatever
//! the address (`/` and `..` are legal in a local part). Names over 255 bytes are
//! shortened to a prefix of at most [`names::PREFIX_MAX`] bytes, `%-` and the SHA-256
//! (hex) of the key: unique, stable and recognisable (`%-` never occurs otherwise).
//!
//! ```
//! use cert_store::file_name_for;
//! assert_eq!(file_name_for("Alice@Example.COM")?, "alice@example.com.crt");
//! assert_eq!(file_name_for("../etc/passwd@x")?, "%2E.%2Fetc%2Fpasswd@x.crt");
//! assert_eq!(file_name_for("Jörg@Bücher.de")?, "j%C3%B6rg@xn--bcher-kva.de.crt");
//! assert_eq!(file_name_for("\"A B\"@example.com")?, "%22a%20b%22@example.com.crt");
//! assert!(file_name_for("\u{212A}ate@example.com").is_err()); // the Kelvin sign
//! let long = file_name_for(&format!("{}@example.com", "x".repeat(300)))?;
//! assert!(long.len() <= 255 && long.contains("%-"));
//! # Ok::<(), cert_store::Error>(())
//! ```
//!
//! ## Entries of the earlier rule
//! Stores written before this rule keyed an address by lower-casing all of it with
//! Unicode case mapping, domain in U-labels: the Kelvin-sign `Kate@example.com` and
//! ASCII `kate@example.com` shared a key, which let one replace the other's
//! certificate. Both backends move such entries once, when first opened (directory:
//! [`DirStore::open`], recorded in `.history/.version`; PostgreSQL: schema version 2).
//! An old key alone does not say which mailbox it was (`jörg@x` was written by `Jörg`
//! or by `JÖRG`), so each entry's certificates decide: every one must name, under the
//! new rule, the one address the entry moves to. When that fails, nothing is moved and
//! the store refuses to open ([`Error::Migration`], listing each entry and what to do):
//! - a certificate that names no address of this mailbox under the new rule (a Kelvin
//!   sign certificate stored through the substitution, one placed by hand);
//! - certificates naming two mailboxes, or two entries becoming one address (`jörg@bücher.de`
//!   and `jörg@xn--bcher-kva.de`);
//! - an old key with no key under the new rule (an NFD local part).
//!
//! The remedy is to move (or, in PostgreSQL, delete) that entry and open the store
//! again; its owner's next signed message collects the certificate again. Stop the
//! processes of earlier versions before upgrading: they would keep writing old keys.

//! # On-disk layout
//! ```text
//! <dir>/<name>.crt                      the current certificate: exactly one PEM
//!                                       CERTIFICATE block (LF), `openssl x509 -in`
//! <dir>/.history/                       the store's bookkeeping (no name starts with '.')
//! <dir>/.history/.version               the layout (2: keys of the current address
//!                                       rule); its flock serialises the migration
//! <dir>/.history/<name>/lock            per-address lock file (flock), never removed
//! <dir>/.history/<name>/meta.json       metadata: {"format":1,"address":..,"entries":
//!                                       [{"sha256","not_before","first_seen","last_seen",
//!                                         "message_id","dkim_domain"}]}
//! <dir>/.history/<name>/<sha256>.crt    every certificate the address ever had (PEM),
//!                                       the current one included
//! <dir>/.history/<name>/*.<random>.tmp  temporaries, created exclusively under a random
//!                                       name; a crash may leave one, the next writer
//!                                       of the address removes it
//! ```
//! (`<name>` here is the file name without `.crt`.) Seen times are Unix seconds;
//! `message_id` and `dkim_domain` are those of the first message that brought the
//! certificate. Other files in `<dir>` are ignored (and not listed).
//!
//! # Atomicity, durability, concurrency
//! Every file is replaced by writing a temporary file beside the metadata, fsync,
//! rename into place and fsync of the target's directory; the bookkeeping directories
//! are fsynced into their parent when created. A put writes the history certificate, then the metadata, then the
//! current file, so a crash at any point leaves the old or the new state, and a retry
//! completes it. Writers of one address (tasks or processes: daemon and CLI) serialise
//! on an exclusive `flock` of its lock file, waited for at most
//! [`dir::DEFAULT_LOCK_TIMEOUT`] (see [`DirStore::with_lock_timeout`]), then
//! [`Error::LockTimeout`]. The kernel releases the lock when a writer dies. Readers
//! take no lock: every file they read is replaced atomically.
//!
//! # Links and other foreign files
//! The store never creates a symbolic link and never follows one below its directory
//! (the configured directory itself may be a link, the operator's choice). Every file is
//! opened relative to its already opened directory (`openat`), with `O_NOFOLLOW`:
//! - `.history` and `.history/<name>` are opened as directories without following a
//!   link; a link there is refused ([`Error::Symlink`], a transient `store_error`
//!   naming the path to remove), so no write can land outside the store;
//! - temporary files are created with `O_CREAT | O_EXCL | O_NOFOLLOW` under a random
//!   name (64 bits from the OS, `getrandom`), so nothing planted can be written
//!   through;
//! - files are read only when they are regular files (a link, FIFO or device is never
//!   opened for reading), with a size bound;
//! - `<dir>/<name>.crt` that is a link (or FIFO...) is not a certificate of the store's:
//!   `get` answers none, and the next `put` renames a real file over the link itself,
//!   so a link to a foreign file never blocks an address; a link in place of
//!   `meta.json`, `lock` or a history certificate is refused ([`Error::Symlink`]).
//!
//! # Blocking
//! The async methods run the (blocking) file I/O on tokio's blocking pool
//! (`spawn_blocking`) when called inside a tokio runtime, and inline otherwise. The
//! `*_blocking` methods of [`DirStore`] are the same operations for callers without
//! a runtime.
//!
//! # Limits
//! Certificates over [`MAX_CERT_BYTES`] are refused ([`Error::CertificateTooLarge`]).
//! The store directory must be on one local file system (rename is used across its
//! subdirectories); network file systems without `flock` are not supported.
//!
//! # PostgreSQL backend
//! [`PgStore`] (`store.location = "postgres://user@host:5432/db"`) keeps the same
//! semantics in a database that several daemons and CLI imports share. The URL takes
//! the driver's parameters (`connect_timeout`, `application_name`, `options`, ...)
//! plus `sslmode` (`disable`/`allow`/`prefer`: plain; `require`: TLS, server
//! certificate not verified, as libpq; `verify-ca`/`verify-full`: TLS verified
//! against `sslrootcert` (a PEM file) or the system roots, host name included) —
//! rustls with the ring provider. [`PgStore::open`] connects to nothing: a pool opens
//! connections on demand, so a daemon starts while the database is down and recovers
//! by itself when it returns.
//!
//! ```
//! use cert_store::CertStore;
//! // Nothing is connected yet; the password never appears in descriptions or errors.
//! let store = cert_store::open("postgres://collector:s3cret@db.example:5432/certs?sslmode=require")?;
//! assert_eq!(store.describe(), "postgresql postgresql://db.example:5432/certs");
//! # Ok::<(), cert_store::Error>(())
//! ```
//!
//! ## PostgreSQL schema
//! Created, and later migrated, on first use (or by [`PgStore::migrate`]), in the
//! connection's current schema (or the one given to [`PgStore::open_with_schema`]),
//! inside one transaction holding `pg_advisory_xact_lock` on the schema name:
//! idempotent, and safe when several daemons start at the same moment.
//! ```text
//! smime_schema_version (version integer PRIMARY KEY, applied_at timestamptz)
//!                        one row per applied migration; this build: version 2
//!                        (1 created the tables, 2 re-keyed the addresses of
//!                        the earlier address rule; see above)
//! smime_addresses      (address text PRIMARY KEY,      the normalised address (key)
//!                       current_sha256 text)           its current certificate
//! smime_certificates   (address, sha256 PRIMARY KEY,   every certificate an address
//!                       der bytea, pem text,           has had, the current one too
//!                       not_before, first_seen, last_seen bigint  (Unix seconds),
//!                       message_id text, dkim_domain text)
//! smime_current        view: address, pem, der, sha256, not_before, first_seen,
//!                       last_seen, message_id, dkim_domain of current certificates
//! ```
//! A sending tool reads the current certificate of an address with one query (the
//! key is [`smime_address::normalize`]'s form, as [`file_name_for`] encodes it; SQL
//! `lower()` gives the same for ASCII addresses with an unquoted local part):
//! ```sql
//! SELECT pem FROM smime_current WHERE address = lower($1);
//! ```
//!
//! ## Transactions and failures
//! A put is one transaction: it locks the address's row (`SELECT ... FOR UPDATE`,
//! the row created first if missing), compares with the current certificate by the
//! [replacement rule](#replacement-rule), records the sighting and moves
//! `current_sha256` when the new one ranks higher. Writers of one address queue on
//! that row, whichever daemon they run in; nothing is acknowledged before the commit.
//! An unreachable, failing or slow database is the transient [`Error::Database`] /
//! [`Error::DatabaseTimeout`] (`store_error`), within [`PgOptions`] bounds (connect
//! 5 s, `statement_timeout` and `lock_timeout` 5 s, a whole operation 10 s); a
//! connection that failed is discarded, and broken idle ones are replaced before use.
#![forbid(unsafe_code)]

mod cert;
pub mod dir;
mod error;
mod export;
pub mod names;
pub mod postgres;
mod rekey;

use std::future::Future;
use std::pin::Pin;

pub use cert::MAX_CERT_BYTES;
pub use dir::DirStore;
pub use error::Error;
pub use export::{ExportSummary, export_to_dir};
pub use names::file_name_for;
pub use postgres::{PgOptions, PgStore};

/// The boxed future every [`CertStore`] method returns (keeps the trait dyn-compatible).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a [`CertStore::put`] did (SPEC `stored.outcome`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PutOutcome {
    /// The address had no certificate; this one is now current.
    Created,
    /// This certificate (later notBefore) replaced the current one.
    Replaced,
    /// This certificate was already current; nothing changed but its `last_seen`.
    Unchanged,
    /// The current certificate is newer; it stays, this one joins the history.
    KeptNewer,
}

impl PutOutcome {
    /// The SPEC spelling: `created`, `replaced`, `unchanged`, `kept_newer`.
    pub fn as_str(self) -> &'static str {
        match self {
            PutOutcome::Created => "created",
            PutOutcome::Replaced => "replaced",
            PutOutcome::Unchanged => "unchanged",
            PutOutcome::KeptNewer => "kept_newer",
        }
    }
}

/// Where a certificate came from, recorded in its history entry.
#[derive(Clone, Debug)]
pub struct PutContext {
    /// Message-ID of the message that carried it.
    pub message_id: Option<String>,
    /// The aligned DKIM signing domain of that message.
    pub dkim_domain: Option<String>,
    /// When it was seen (Unix seconds; the caller's clock or evaluation time).
    pub seen_at_unix: i64,
}

/// The result of a successful [`CertStore::put`].
#[derive(Clone, Debug)]
pub struct Stored {
    /// What happened.
    pub outcome: PutOutcome,
    /// Where the address's current certificate is (for the directory backend, the path
    /// of `<dir>/<name>.crt`, built on the directory as it was given; for PostgreSQL,
    /// `postgresql://host:port/db#[schema.]smime_current/<address>`, no credentials).
    pub location: String,
}

/// One certificate an address has had.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryEntry {
    /// SHA-256 of the DER, lower-case hex.
    pub sha256: String,
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// Its notBefore, Unix seconds.
    pub not_before: i64,
    /// Earliest time it was put (Unix seconds).
    pub first_seen: i64,
    /// Latest time it was put (Unix seconds).
    pub last_seen: i64,
    /// Message-ID of the first message that brought it.
    pub message_id: Option<String>,
    /// DKIM domain of the first message that brought it.
    pub dkim_domain: Option<String>,
    /// Whether it is the address's current certificate.
    pub current: bool,
}

/// A store of certificates by address. Dyn-compatible; every method is async.
pub trait CertStore: Send + Sync {
    /// Stores `cert_der` for `address` following the [replacement rule](crate#replacement-rule).
    ///
    /// # Errors
    /// Bad input (empty address, not a certificate) or a transient store failure.
    fn put<'a>(
        &'a self,
        address: &'a str,
        cert_der: &'a [u8],
        ctx: &'a PutContext,
    ) -> BoxFuture<'a, Result<Stored, Error>>;

    /// The current certificate (DER) of an address, if any.
    ///
    /// # Errors
    /// An empty address or a transient store failure.
    fn get<'a>(&'a self, address: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, Error>>;

    /// Every address with a current certificate (normalised, sorted).
    ///
    /// # Errors
    /// A transient store failure.
    fn list<'a>(&'a self) -> BoxFuture<'a, Result<Vec<String>, Error>>;

    /// Every certificate an address has had, newest notBefore first.
    ///
    /// # Errors
    /// An empty address or a transient store failure.
    fn history<'a>(&'a self, address: &'a str) -> BoxFuture<'a, Result<Vec<HistoryEntry>, Error>>;

    /// A short description for the log, e.g. `directory ./certs`.
    fn describe(&self) -> String;
}

/// Opens the store named by SPEC `store.location`: a `postgres://` or
/// `postgresql://` URL ([`PgStore::open`]: no connection yet, the pool connects on
/// first use), or a directory path (created if missing). Other URLs are refused.
///
/// # Errors
/// [`Error::UnsupportedLocation`] for an empty location or another URL scheme;
/// [`Error::BadDatabaseUrl`] for an unusable PostgreSQL URL; [`Error::Io`] when the
/// directory cannot be created.
pub fn open(location: &str) -> Result<Box<dyn CertStore>, Error> {
    if location.is_empty() {
        return Err(Error::UnsupportedLocation {
            location: location.to_owned(),
            detail: "the location is empty",
        });
    }
    if let Some(scheme) = url_scheme(location) {
        return match scheme.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" => Ok(Box::new(PgStore::open(location)?)),
            _ => Err(Error::UnsupportedLocation {
                location: location.to_owned(),
                detail: "only directory paths and postgres:// URLs are supported",
            }),
        };
    }
    Ok(Box::new(DirStore::open(location)?))
}

/// The scheme of `scheme://...` (RFC 3986 scheme syntax), if the location is a URL.
fn url_scheme(location: &str) -> Option<&str> {
    let (scheme, _) = location.split_once("://")?;
    let mut chars = scheme.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (first_ok && rest_ok).then_some(scheme)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_serialise_as_spec_strings() {
        for outcome in [
            PutOutcome::Created,
            PutOutcome::Replaced,
            PutOutcome::Unchanged,
            PutOutcome::KeptNewer,
        ] {
            let json = serde_json::to_string(&outcome).unwrap();
            assert_eq!(json, format!("\"{}\"", outcome.as_str()));
        }
    }

    #[test]
    fn url_schemes_are_recognised() {
        assert_eq!(url_scheme("postgres://u@h/db"), Some("postgres"));
        assert_eq!(url_scheme("./certs"), None);
        assert_eq!(url_scheme("./a://b"), None);
    }
}
