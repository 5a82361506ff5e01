//! From a `postgres://` location to a driver configuration, a TLS mode and a name for
//! the log (never the password).

use std::path::PathBuf;
use std::str::FromStr;

use tokio_postgres::config::Host;

use super::PgOptions;
use crate::Error;

/// How the connection to the server is protected, from the URL's `sslmode`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TlsMode {
    /// No TLS (`sslmode` absent, `disable`, `allow` or `prefer`).
    Off,
    /// TLS required, the server certificate not verified (`sslmode=require`, as libpq).
    EncryptOnly,
    /// TLS required, the server certificate verified against `sslrootcert` (a PEM file)
    /// or the system roots, and its name against the host (`verify-full`; `verify-ca`
    /// is treated as `verify-full`, which is stricter).
    VerifyFull {
        /// `sslrootcert`, when given.
        root_cert: Option<PathBuf>,
    },
}

/// A parsed `postgres://` location.
#[derive(Debug)]
pub(crate) struct Location {
    /// The driver configuration (timeouts, options and application name filled in).
    pub(crate) pg: tokio_postgres::Config,
    /// How to protect the connection.
    pub(crate) tls: TlsMode,
    /// `postgresql://host:port/db`, without user or password.
    pub(crate) display: String,
}

/// The longest schema name PostgreSQL keeps (NAMEDATALEN - 1).
const SCHEMA_MAX: usize = 63;

/// Checks a schema name: ASCII lower-case letters, digits and `_`, not starting with a
/// digit, at most 63 bytes, so that it needs no quoting anywhere.
pub(crate) fn check_schema(schema: &str) -> Result<(), Error> {
    let mut bytes = schema.bytes();
    let first_ok = bytes
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b == b'_');
    let rest_ok = bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if first_ok && rest_ok && schema.len() <= SCHEMA_MAX {
        Ok(())
    } else {
        Err(Error::BadDatabaseUrl {
            detail: format!(
                "the schema name {schema:?} is not 1 to {SCHEMA_MAX} lower-case ASCII letters, digits or '_' (not starting with a digit)"
            ),
        })
    }
}

/// Parses a `postgres://` / `postgresql://` URL. `sslmode` and `sslrootcert` are taken
/// out (the driver knows neither `verify-full` nor `sslrootcert`); every other
/// parameter goes to the driver, which refuses unknown ones.
pub(crate) fn parse(url: &str, schema: Option<&str>, opts: &PgOptions) -> Result<Location, Error> {
    if let Some(schema) = schema {
        check_schema(schema)?;
    }
    // The driver knows the schemes in lower case only.
    let url = match url.split_once("://") {
        Some((scheme, rest))
            if scheme.eq_ignore_ascii_case("postgres")
                || scheme.eq_ignore_ascii_case("postgresql") =>
        {
            format!("postgresql://{rest}")
        }
        _ => url.to_owned(),
    };
    let (base, query) = url.split_once('?').unwrap_or((&url, ""));
    let mut tls = TlsMode::Off;
    let mut root_cert = None;
    let mut kept = Vec::new();
    for param in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = param.split_once('=').unwrap_or((param, ""));
        match key {
            "sslmode" => {
                tls = match value {
                    "disable" | "allow" | "prefer" => TlsMode::Off,
                    "require" => TlsMode::EncryptOnly,
                    "verify-ca" | "verify-full" => TlsMode::VerifyFull { root_cert: None },
                    other => {
                        return Err(Error::BadDatabaseUrl {
                            detail: format!(
                                "sslmode={other:?} is not one of disable, allow, prefer, require, verify-ca, verify-full"
                            ),
                        });
                    }
                };
            }
            "sslrootcert" => root_cert = Some(PathBuf::from(percent_decode(value)?)),
            _ => kept.push(param),
        }
    }
    if let TlsMode::VerifyFull { root_cert: slot } = &mut tls {
        *slot = root_cert;
    }
    kept.push(if tls == TlsMode::Off {
        "sslmode=disable"
    } else {
        "sslmode=require"
    });
    let rebuilt = format!("{base}?{}", kept.join("&"));
    let mut pg = tokio_postgres::Config::from_str(&rebuilt).map_err(|e| Error::BadDatabaseUrl {
        detail: format!("not a PostgreSQL URL: {e}"),
    })?;
    if pg.get_hosts().is_empty() {
        return Err(Error::BadDatabaseUrl {
            detail: "the URL names no host".to_owned(),
        });
    }
    if pg.get_connect_timeout().is_none() {
        pg.connect_timeout(opts.connect_timeout);
    }
    pg.keepalives(true);
    if pg.get_application_name().is_none() {
        pg.application_name("smime-collector");
    }
    // Ours first: options the URL gives itself come later and win.
    let mut options = format!(
        "-c statement_timeout={ms} -c lock_timeout={ms}",
        ms = opts.statement_timeout.as_millis()
    );
    if let Some(schema) = schema {
        options.push_str(&format!(" -c search_path={schema}"));
    }
    if let Some(theirs) = pg.get_options() {
        options.push(' ');
        options.push_str(theirs);
    }
    pg.options(options);
    let display = display(&pg);
    Ok(Location { pg, tls, display })
}

/// `postgresql://host:port/db` (first host; no user, no password).
fn display(pg: &tokio_postgres::Config) -> String {
    let host = match pg.get_hosts().first() {
        Some(Host::Tcp(name)) if name.contains(':') => format!("[{name}]"),
        Some(Host::Tcp(name)) => name.clone(),
        Some(Host::Unix(path)) => path.display().to_string(),
        None => String::new(),
    };
    let port = pg.get_ports().first().copied().unwrap_or(5432);
    let db = pg.get_dbname().or(pg.get_user()).unwrap_or_default();
    format!("postgresql://{host}:{port}/{db}")
}

/// Decodes `%XX` escapes of a URL parameter value.
fn percent_decode(value: &str) -> Result<String, Error> {
    let bad = || Error::BadDatabaseUrl {
        detail: "a URL parameter has a bad %-escape or is not UTF-8".to_owned(),
    };
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = value.get(i + 1..i + 3).ok_or_else(bad)?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| bad())?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_default(url: &str) -> Result<Location, Error> {
        parse(url, None, &PgOptions::default())
    }

    #[test]
    fn ssl_modes_map_onto_tls_modes() {
        let cases = [
            ("postgres://h/db", TlsMode::Off),
            ("postgres://h/db?sslmode=disable", TlsMode::Off),
            ("postgres://h/db?sslmode=prefer", TlsMode::Off),
            ("postgres://h/db?sslmode=require", TlsMode::EncryptOnly),
            (
                "postgres://h/db?sslmode=verify-full",
                TlsMode::VerifyFull { root_cert: None },
            ),
            (
                "postgres://h/db?sslrootcert=%2Fetc%2Fca.pem&sslmode=verify-ca",
                TlsMode::VerifyFull {
                    root_cert: Some(PathBuf::from("/etc/ca.pem")),
                },
            ),
        ];
        for (url, want) in cases {
            let location = parse_default(url).unwrap();
            assert_eq!(location.tls, want, "{url}");
            let driver = location.pg.get_ssl_mode();
            let required = driver == tokio_postgres::config::SslMode::Require;
            assert_eq!(required, want != TlsMode::Off, "{url}");
        }
    }

    #[test]
    fn bad_urls_are_configuration_errors() {
        for url in [
            "postgres://h/db?sslmode=sometimes",
            "postgres://h/db?frobnicate=1",
            "postgres://h/db?sslrootcert=%zz",
            "postgres:///db",
        ] {
            let err = parse_default(url).unwrap_err();
            assert!(matches!(err, Error::BadDatabaseUrl { .. }), "{url}: {err}");
            assert!(!err.is_transient());
        }
    }

    #[test]
    fn display_hides_the_password_and_options_are_merged() {
        let location = parse(
            "postgresql://bob:s3cret@db.example:6543/certs?options=-c%20work_mem%3D4MB",
            Some("tenant_1"),
            &PgOptions::default(),
        )
        .unwrap();
        assert_eq!(location.display, "postgresql://db.example:6543/certs");
        let options = location.pg.get_options().unwrap();
        assert!(options.contains("-c search_path=tenant_1"), "{options}");
        assert!(options.ends_with("-c work_mem=4MB"), "{options}");
        assert!(options.contains("statement_timeout="), "{options}");
        assert_eq!(location.pg.get_application_name(), Some("smime-collector"));
    }

    #[test]
    fn schema_names_need_no_quoting() {
        for good in ["public", "smime", "_x1", &"a".repeat(63)] {
            assert!(check_schema(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "1abc",
            "Public",
            "a-b",
            "a;drop",
            "a\"b",
            &"a".repeat(64),
        ] {
            assert!(check_schema(bad).is_err(), "{bad}");
        }
    }
}
