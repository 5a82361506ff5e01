//! The `[directory]` table of the shared TOML file, and the rules that turn it into
//! [`Settings`].
//!
//! ```toml
//! [directory]
//! http_listen = "127.0.0.1:8856"     # optional; absent = no HTTP
//! ldap_listen = "127.0.0.1:3389"     # optional; absent = no LDAP
//! ldaps_listen = "127.0.0.1:6636"    # optional; LDAPS, needs [directory.tls]
//! base_dn = "dc=example,dc=com"      # default "dc=smime-collector"
//! token = "..."                      # or token_file = "...": HTTP Authorization: Bearer
//! bind_dn = "cn=reader,dc=example,dc=com"
//! bind_password_file = "..."         # or bind_password = "..."; absent bind_dn = anonymous reads
//! allow_unauthenticated = false      # listeners without their credential off loopback
//! max_connections = 1024             # per listener
//! max_connections_per_ip = 256       # per listener and client address
//! idle_timeout_seconds = 60
//! cache_entries = 100000             # 0 turns the cache off
//! cache_ttl_ms = 1000                # default: none for a directory store (watched),
//!                                    # 1000 for PostgreSQL
//! [directory.tls]                    # optional: HTTPS, LDAPS and StartTLS
//! cert = "server.crt"
//! key = "server.key"
//! ```
//! Besides `[directory]` the file is read only for `[store] location` (where to read)
//! and `[log] format`; every other table belongs to the other binaries and is ignored.
//!
//! **The credential rule** (hardening issue): a listener without its credential (HTTP:
//! a token; LDAP: `bind_dn` and its password) starts only on a loopback address, with a
//! one-line warning; on any other address the configuration is refused (exit status 2)
//! unless `allow_unauthenticated = true`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::{BindIdentity, Error, Secret};

/// The default LDAP suffix.
pub const DEFAULT_BASE_DN: &str = "dc=smime-collector";

/// The `[directory]` table as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectoryConfig {
    /// HTTP(S) listen address.
    pub http_listen: Option<String>,
    /// LDAP (StartTLS) listen address.
    pub ldap_listen: Option<String>,
    /// LDAPS listen address.
    pub ldaps_listen: Option<String>,
    /// The LDAP suffix.
    pub base_dn: Option<String>,
    /// HTTP bearer token.
    pub token: Option<String>,
    /// File holding the HTTP bearer token.
    pub token_file: Option<PathBuf>,
    /// LDAP simple-bind DN readers must bind as.
    pub bind_dn: Option<String>,
    /// Its password.
    pub bind_password: Option<String>,
    /// File holding its password.
    pub bind_password_file: Option<PathBuf>,
    /// Start listeners without their credential on non-loopback addresses.
    #[serde(default)]
    pub allow_unauthenticated: bool,
    /// Open connections per listener.
    pub max_connections: Option<usize>,
    /// Open connections per listener and client address.
    pub max_connections_per_ip: Option<usize>,
    /// Idle seconds before a connection is closed.
    pub idle_timeout_seconds: Option<u64>,
    /// Cached addresses (0: no cache).
    pub cache_entries: Option<usize>,
    /// Time-to-live of cached answers, milliseconds.
    pub cache_ttl_ms: Option<u64>,
    /// HTTPS, LDAPS and StartTLS.
    pub tls: Option<TlsFiles>,
}

/// `[directory.tls]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsFiles {
    /// PEM certificate chain, leaf first.
    pub cert: PathBuf,
    /// PEM private key.
    pub key: PathBuf,
}

/// The parts of the shared file this binary reads.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FileConfig {
    /// `[directory]`.
    #[serde(default)]
    pub directory: DirectoryConfig,
    /// `[store]` (only `location`).
    #[serde(default)]
    pub store: StoreTable,
    /// `[log]` (only `format`).
    #[serde(default)]
    pub log: LogTable,
}

/// `[store]`, as far as the directory reads it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StoreTable {
    /// A directory path or a `postgres://` URL.
    pub location: Option<String>,
}

/// `[log]`, as far as the directory reads it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LogTable {
    /// `text` (default) or `json`.
    pub format: Option<String>,
}

impl FileConfig {
    /// Parses the shared TOML text.
    ///
    /// # Errors
    /// [`Error::Config`] for TOML errors and unknown keys in `[directory]`.
    pub fn from_toml(text: &str) -> Result<FileConfig, Error> {
        toml::from_str(text).map_err(|e| Error::Config(e.to_string()))
    }

    /// Reads and parses the file at `path`.
    ///
    /// # Errors
    /// [`Error::File`] when it cannot be read, else as [`FileConfig::from_toml`].
    pub fn read(path: &Path) -> Result<FileConfig, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::File {
            path: path.to_path_buf(),
            source,
        })?;
        FileConfig::from_toml(&text)
    }
}

/// The resolved settings: what to listen on, with which credentials.
#[derive(Debug, Clone)]
pub struct Settings {
    /// HTTP(S) listen address.
    pub http: Option<SocketAddr>,
    /// LDAP listen address.
    pub ldap: Option<SocketAddr>,
    /// LDAPS listen address.
    pub ldaps: Option<SocketAddr>,
    /// The LDAP suffix.
    pub base_dn: String,
    /// The HTTP token.
    pub token: Option<Secret>,
    /// The LDAP bind identity.
    pub bind: Option<BindIdentity>,
    /// The TLS files.
    pub tls: Option<TlsFiles>,
    /// One line per listener that runs without its credential (loopback only).
    pub warnings: Vec<String>,
    /// Connection limits from the table (the rest are defaults).
    pub max_connections: Option<usize>,
    /// Per-address connection limit.
    pub max_connections_per_ip: Option<usize>,
    /// Idle timeout.
    pub idle_timeout: Option<Duration>,
    /// Cache size.
    pub cache_entries: Option<usize>,
    /// Cache time-to-live.
    pub cache_ttl: Option<Duration>,
}

impl DirectoryConfig {
    /// Applies the rules: at least one listener, parsable addresses, secrets read from
    /// their files, TLS for LDAPS, and the credential rule.
    ///
    /// # Errors
    /// [`Error::Config`] naming the rule broken, [`Error::File`] for an unreadable
    /// secret file. `main` exits 2 on either.
    pub fn resolve(&self) -> Result<Settings, Error> {
        let http = listen_address("http_listen", self.http_listen.as_deref())?;
        let ldap = listen_address("ldap_listen", self.ldap_listen.as_deref())?;
        let ldaps = listen_address("ldaps_listen", self.ldaps_listen.as_deref())?;
        if http.is_none() && ldap.is_none() && ldaps.is_none() {
            return Err(Error::Config(
                "no listener: set [directory] http_listen, ldap_listen or ldaps_listen (or --http-listen / --ldap-listen)".into(),
            ));
        }
        if ldaps.is_some() && self.tls.is_none() {
            return Err(Error::Config("ldaps_listen needs [directory.tls]".into()));
        }
        let token = secret("token", self.token.as_deref(), self.token_file.as_deref())?;
        let password = secret(
            "bind_password",
            self.bind_password.as_deref(),
            self.bind_password_file.as_deref(),
        )?;
        let bind = match (&self.bind_dn, password) {
            (Some(dn), Some(password)) => Some(BindIdentity {
                dn: dn.clone(),
                password,
            }),
            (None, None) => None,
            (Some(_), None) => {
                return Err(Error::Config(
                    "bind_dn needs bind_password_file or bind_password".into(),
                ));
            }
            (None, Some(_)) => {
                return Err(Error::Config("a bind password needs bind_dn".into()));
            }
        };
        let mut warnings = Vec::new();
        let mut check = |what: &str, addr: Option<SocketAddr>, has_credential: bool| {
            credential_rule(
                what,
                addr,
                has_credential,
                self.allow_unauthenticated,
                &mut warnings,
            )
        };
        check("HTTP (http_listen) has no token", http, token.is_some())?;
        check("LDAP (ldap_listen) has no bind_dn", ldap, bind.is_some())?;
        check("LDAPS (ldaps_listen) has no bind_dn", ldaps, bind.is_some())?;
        Ok(Settings {
            http,
            ldap,
            ldaps,
            base_dn: self
                .base_dn
                .clone()
                .unwrap_or_else(|| DEFAULT_BASE_DN.to_string()),
            token,
            bind,
            tls: self.tls.clone(),
            warnings,
            max_connections: self.max_connections,
            max_connections_per_ip: self.max_connections_per_ip,
            idle_timeout: self.idle_timeout_seconds.map(Duration::from_secs),
            cache_entries: self.cache_entries,
            cache_ttl: self.cache_ttl_ms.map(Duration::from_millis),
        })
    }
}

/// The credential rule of the hardening issue for one listener.
fn credential_rule(
    what: &str,
    addr: Option<SocketAddr>,
    has_credential: bool,
    allow_unauthenticated: bool,
    warnings: &mut Vec<String>,
) -> Result<(), Error> {
    let Some(addr) = addr else { return Ok(()) };
    if has_credential {
        return Ok(());
    }
    if addr.ip().is_loopback() {
        warnings.push(format!(
            "{what}: anyone who can reach {addr} can read certificates (loopback only)"
        ));
        return Ok(());
    }
    if allow_unauthenticated {
        warnings.push(format!(
            "{what}: serving {addr} to anyone (allow_unauthenticated = true)"
        ));
        return Ok(());
    }
    Err(Error::Config(format!(
        "{what} and listens on {addr}, which is not loopback: configure the credential or set allow_unauthenticated = true"
    )))
}

fn listen_address(key: &str, value: Option<&str>) -> Result<Option<SocketAddr>, Error> {
    value
        .map(|v| {
            v.parse()
                .map_err(|_| Error::Config(format!("{key} {v:?} is not an IP:PORT address")))
        })
        .transpose()
}

/// The secret given inline or in a file (trailing line break removed); both is an error.
fn secret(key: &str, inline: Option<&str>, file: Option<&Path>) -> Result<Option<Secret>, Error> {
    let text = match (inline, file) {
        (Some(_), Some(_)) => {
            return Err(Error::Config(format!("set {key} or {key}_file, not both")));
        }
        (Some(v), None) => v.to_string(),
        (None, Some(path)) => std::fs::read_to_string(path)
            .map_err(|source| Error::File {
                path: path.to_path_buf(),
                source,
            })?
            .trim_end_matches(['\r', '\n'])
            .to_string(),
        (None, None) => return Ok(None),
    };
    Secret::new(text)
        .map(Some)
        .ok_or_else(|| Error::Config(format!("{key} is empty")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(toml: &str) -> Result<Settings, Error> {
        FileConfig::from_toml(toml)?.directory.resolve()
    }

    #[test]
    fn at_least_one_listener() {
        let e = resolve("[directory]\nbase_dn = \"dc=x\"\n").unwrap_err();
        assert!(e.to_string().contains("no listener"), "{e}");
        assert!(resolve("").is_err());
    }

    #[test]
    fn unknown_keys_in_directory_are_refused_other_tables_ignored() {
        let e =
            resolve("[directory]\nhttp_listen = \"127.0.0.1:1\"\nlisten = \"x\"\n").unwrap_err();
        assert!(e.to_string().contains("unknown field"), "{e}");
        let e = resolve("[directory]\nhttp_listen = \"127.0.0.1:1\"\n[directory.tls]\ncert = \"a\"\nkey = \"b\"\nca = \"c\"\n")
            .unwrap_err();
        assert!(e.to_string().contains("unknown field"), "{e}");
        let ok = "[webhook]\nlisten = \"0.0.0.0:1\"\n[store]\nlocation = \"./certs\"\nretention_days = 3\n[directory]\nhttp_listen = \"127.0.0.1:1\"\n";
        assert!(resolve(ok).is_ok());
        let file = FileConfig::from_toml(ok).unwrap();
        assert_eq!(file.store.location.as_deref(), Some("./certs"));
    }

    #[test]
    fn loopback_without_credentials_warns_elsewhere_refuses() {
        let s = resolve(
            "[directory]\nhttp_listen = \"127.0.0.1:8856\"\nldap_listen = \"[::1]:3389\"\n",
        )
        .unwrap();
        assert_eq!(s.warnings.len(), 2);
        assert_eq!(s.base_dn, DEFAULT_BASE_DN);
        let e = resolve("[directory]\nhttp_listen = \"0.0.0.0:8856\"\n").unwrap_err();
        assert!(e.to_string().contains("not loopback"), "{e}");
        let e = resolve("[directory]\nldap_listen = \"10.1.2.3:389\"\n").unwrap_err();
        assert!(e.to_string().contains("bind_dn"), "{e}");
        let s =
            resolve("[directory]\nhttp_listen = \"0.0.0.0:8856\"\nallow_unauthenticated = true\n")
                .unwrap();
        assert_eq!(s.warnings.len(), 1);
    }

    #[test]
    fn credentials_silence_the_rule() {
        let dir = tempfile::tempdir().unwrap();
        let pw = dir.path().join("pw");
        std::fs::write(&pw, "s3cret\n").unwrap();
        let toml = format!(
            "[directory]\nhttp_listen = \"0.0.0.0:8856\"\nldap_listen = \"0.0.0.0:389\"\ntoken = \"t\"\nbind_dn = \"cn=reader,dc=x\"\nbind_password_file = {pw:?}\n"
        );
        let s = resolve(&toml).unwrap();
        assert!(s.warnings.is_empty());
        assert!(s.bind.unwrap().password.matches(b"s3cret"));
        let e = resolve("[directory]\nldap_listen = \"127.0.0.1:1\"\nbind_dn = \"cn=r\"\n")
            .unwrap_err();
        assert!(e.to_string().contains("bind_password"), "{e}");
        let e = resolve("[directory]\nhttp_listen = \"127.0.0.1:1\"\ntoken = \"\"\n").unwrap_err();
        assert!(e.to_string().contains("empty"), "{e}");
    }

    #[test]
    fn ldaps_needs_tls_and_addresses_must_parse() {
        let e = resolve("[directory]\nldaps_listen = \"127.0.0.1:1\"\n").unwrap_err();
        assert!(e.to_string().contains("tls"), "{e}");
        let e = resolve("[directory]\nhttp_listen = \"localhost\"\n").unwrap_err();
        assert!(e.to_string().contains("IP:PORT"), "{e}");
    }
}
