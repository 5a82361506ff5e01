//! The one error type of the crate.

use std::io;
use std::path::PathBuf;

/// Why a store operation failed.
///
/// Two families, told apart by [`Error::is_transient`]:
/// - bad input ([`Error::InvalidAddress`], [`Error::NotACertificate`],
///   [`Error::CertificateTooLarge`]) and bad configuration
///   ([`Error::UnsupportedLocation`]): retrying the same call cannot help;
/// - store failures ([`Error::Io`], [`Error::LockTimeout`], [`Error::Corrupt`],
///   [`Error::Symlink`], [`Error::Migration`], [`Error::TaskFailed`], and for
///   PostgreSQL [`Error::Database`], [`Error::DatabaseTimeout`],
///   [`Error::SchemaTooNew`]): the SPEC's transient `store_error`, "try later" (disk
///   full, permissions, a writer holding the address's lock for too long, the database
///   down or slow, a store an operator must repair first).
///
/// [`Error::BadDatabaseUrl`] is configuration, like [`Error::UnsupportedLocation`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The address is not one the store can key (empty, no `@`, a local part not in
    /// Unicode NFC, a control character, a bad domain...: see [`smime_address`]).
    #[error("the address cannot be a store key: {0}")]
    InvalidAddress(#[source] smime_address::Error),

    /// The bytes to store do not decode as one DER X.509 certificate.
    #[error("the data to store is not a DER X.509 certificate: {detail}")]
    NotACertificate {
        /// What the decoder reported.
        detail: String,
    },

    /// The certificate is larger than [`crate::MAX_CERT_BYTES`].
    #[error("the certificate is {len} bytes long, over the store's limit of {max} bytes")]
    CertificateTooLarge {
        /// Length of the offered DER.
        len: usize,
        /// The limit.
        max: usize,
    },

    /// The store location names a backend this build does not have (e.g. `postgres://`).
    #[error("the store location {location:?} is not supported: {detail}")]
    UnsupportedLocation {
        /// The location as configured.
        location: String,
        /// Why it is not supported.
        detail: &'static str,
    },

    /// A file-system operation failed (disk full, permissions, a missing directory...).
    #[error("the store could not {op} {}: {source}", path.display())]
    Io {
        /// The operation, as a verb phrase ("write", "rename into place", ...).
        op: &'static str,
        /// The file or directory it was applied to.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },

    /// Another writer held the address's lock for longer than the configured wait.
    #[error("the store gave up after {waited_ms} ms waiting for the lock {} held by another writer", path.display())]
    LockTimeout {
        /// The lock file.
        path: PathBuf,
        /// How long it waited, in milliseconds.
        waited_ms: u64,
    },

    /// A file of the store does not hold what the layout says it holds.
    #[error("the store file {} is damaged: {detail}", path.display())]
    Corrupt {
        /// The damaged file.
        path: PathBuf,
        /// What is wrong with it.
        detail: String,
    },

    /// A path of the store is a symbolic link (or another kind of file) where the store
    /// keeps a directory or a file of its own. The store never creates links and never
    /// follows one inside its directory.
    #[error(
        "the store refuses {}: it is a symbolic link or not the kind of file the store keeps there (the store never makes links; remove it)",
        path.display()
    )]
    Symlink {
        /// The offending path.
        path: std::path::PathBuf,
    },

    /// Entries stored under the earlier address rule cannot be moved to the current one
    /// without guessing; nothing was moved for them. The detail names the entries and
    /// what to do.
    #[error("the store's entries cannot be moved to the current address rule: {detail}")]
    Migration {
        /// Which entries, why, and what to do.
        detail: String,
    },

    /// The blocking worker that performs the file I/O panicked or was cancelled.
    #[error("the store's worker task failed: {detail}")]
    TaskFailed {
        /// What the runtime reported.
        detail: String,
    },

    /// A `postgres://` location that cannot be used (bad syntax, unknown option, an
    /// unreadable `sslrootcert`); never retried. Holds no password.
    #[error("the PostgreSQL store location cannot be used: {detail}")]
    BadDatabaseUrl {
        /// What is wrong with it.
        detail: String,
    },

    /// The database could not be reached, or refused or failed a statement.
    #[error("the PostgreSQL store could not {op}: {detail}")]
    Database {
        /// The operation, as a verb phrase ("connect", "store the certificate", ...).
        op: &'static str,
        /// What the driver or the server reported.
        detail: String,
    },

    /// The database did not answer within the configured time.
    #[error("the PostgreSQL store gave up after {waited_ms} ms trying to {op}")]
    DatabaseTimeout {
        /// The operation, as a verb phrase.
        op: &'static str,
        /// How long it waited, in milliseconds.
        waited_ms: u64,
    },

    /// The database schema was migrated by a newer build than this one.
    #[error(
        "the PostgreSQL store schema is at version {found}, newer than version {supported} that this build knows"
    )]
    SchemaTooNew {
        /// The version recorded in the database.
        found: i32,
        /// The newest version this build knows.
        supported: i32,
    },
}

impl Error {
    /// The SPEC code this failure reports under.
    ///
    /// Every store failure, and an unsupported location, is `store_error`. Bad input
    /// maps onto the pipeline gate whose output it is: an address that cannot be a key
    /// is `ambiguous_from` (there is no usable From mailbox) and bytes that are not a
    /// certificate are `malformed_signature` (the certificate came out of the CMS
    /// SignedData).
    pub fn reason_code(&self) -> &'static str {
        match self {
            Error::InvalidAddress(_) => "ambiguous_from",
            Error::NotACertificate { .. } => "malformed_signature",
            Error::CertificateTooLarge { .. } => "malformed_signature",
            Error::UnsupportedLocation { .. } => "store_error",
            Error::Io { .. } => "store_error",
            Error::LockTimeout { .. } => "store_error",
            Error::Corrupt { .. } => "store_error",
            Error::Symlink { .. } => "store_error",
            Error::Migration { .. } => "store_error",
            Error::TaskFailed { .. } => "store_error",
            Error::BadDatabaseUrl { .. } => "store_error",
            Error::Database { .. } => "store_error",
            Error::DatabaseTimeout { .. } => "store_error",
            Error::SchemaTooNew { .. } => "store_error",
        }
    }

    /// True for "try later" failures of the store itself (SPEC `store_error`: the
    /// webhook answers 503, the CLI exits 75); false for bad input and for an
    /// unsupported location, which no retry can fix.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::InvalidAddress(_)
            | Error::NotACertificate { .. }
            | Error::CertificateTooLarge { .. }
            | Error::UnsupportedLocation { .. }
            | Error::BadDatabaseUrl { .. } => false,
            Error::Io { .. }
            | Error::LockTimeout { .. }
            | Error::Corrupt { .. }
            | Error::Symlink { .. }
            | Error::Migration { .. }
            | Error::TaskFailed { .. }
            | Error::Database { .. }
            | Error::DatabaseTimeout { .. }
            | Error::SchemaTooNew { .. } => true,
        }
    }

    pub(crate) fn io(
        op: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { op, path, source }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_failures_are_store_errors() {
        let io = Error::Io {
            op: "write",
            path: PathBuf::from("x"),
            source: io::Error::other("disk full"),
        };
        assert!(io.is_transient());
        assert_eq!(io.reason_code(), "store_error");
        let bad = Error::NotACertificate {
            detail: "junk".into(),
        };
        assert!(!bad.is_transient());
        assert_eq!(bad.reason_code(), "malformed_signature");
    }

    #[test]
    fn display_is_one_sentence() {
        let e = Error::LockTimeout {
            path: PathBuf::from("/s/.history/a/lock"),
            waited_ms: 10,
        };
        let text = e.to_string();
        assert!(!text.contains('\n'));
        assert!(text.contains("/s/.history/a/lock"));
    }
}
