//! The TOML configuration shared by `readsmimesig` and `smime-webhook` (SPEC "Configuration").
//!
//! [`Config::from_toml`] only parses; [`Config::read`] adds the file read. Every table denies
//! unknown keys, so a typo is an error rather than a silently ignored setting. Paths in the
//! file are taken as written (relative paths are relative to the working directory).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Where the default trust anchors come from when `trust.anchors` is not set: an
/// email-purpose bundle where the OS ships one (Fedora/RHEL), else the general system bundle.
pub const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/pki/ca-trust/extracted/pem/email-ca-bundle.pem",
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
];

/// A configuration file could not be read or understood.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read configuration {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The TOML is invalid, has an unknown key or a bad value.
    #[error("invalid configuration: {0}")]
    Parse(String),
    /// A value is syntactically fine but unusable.
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

/// The whole configuration file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `[trust]`
    pub trust: TrustConfig,
    /// `[dkim]`
    pub dkim: DkimConfig,
    /// `[policy]`
    pub policy: PolicyConfig,
    /// `[store]`
    pub store: StoreConfig,
    /// `[limits]`
    pub limits: LimitsConfig,
    /// `[webhook]`
    pub webhook: WebhookConfig,
    /// `[log]`
    pub log: LogConfig,
    /// `[directory]`: read by `smime-directory` only, which checks its keys; kept raw here
    /// so that one file serves every binary.
    pub directory: Option<toml::Table>,
}

/// `[trust]`: trust anchors, extra intermediates and CRLs, as PEM/DER files.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrustConfig {
    /// PEM bundles of trust anchors; empty means the system bundle ([`SYSTEM_BUNDLES`]).
    pub anchors: Vec<PathBuf>,
    /// Extra PEM bundles of intermediate CAs.
    pub intermediates: Vec<PathBuf>,
    /// CRL files (DER or PEM); when set, revoked certificates are rejected (`revoked`).
    pub crls: Vec<PathBuf>,
}

/// `[dkim] mode`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DkimMode {
    /// A verifying, aligned DKIM signature is required.
    #[default]
    Required,
    /// The DKIM gate is skipped; every report carries a warning.
    Off,
}

/// `[dkim] alignment`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlignmentMode {
    /// Same organisational domain (Public Suffix List).
    #[default]
    Relaxed,
    /// `d=` equal to the From domain.
    Strict,
}

/// `[dkim]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DkimConfig {
    /// Required or off.
    pub mode: DkimMode,
    /// Relaxed or strict alignment.
    pub alignment: AlignmentMode,
    /// DNS servers as `IP:PORT`; empty: the system resolver.
    pub dns: Vec<SocketAddr>,
}

/// `[policy]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PolicyConfig {
    /// Accept SHA-1 as the digest of the S/MIME signature itself (never on paths).
    pub allow_sha1_signatures: bool,
}

/// `[store]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// A directory, or a `postgres://` URL; unset: nothing is stored.
    pub location: Option<String>,
}

/// `[limits]`: bounds on what a sender can make us process.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Messages larger than this are `message_too_large` (default 25 MiB: SparkPost relays
    /// messages up to 20 MB, base64 and headers add to it).
    pub max_message_bytes: usize,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            max_message_bytes: 25 * 1024 * 1024,
        }
    }
}

/// `[webhook]`: the daemon's listener.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookConfig {
    /// Listen address.
    pub listen: String,
    /// The webhook path.
    pub path: String,
    /// The expected `X-MessageSystems-Webhook-Token`.
    pub token: Option<String>,
    /// A file holding the token (trailing newline ignored).
    pub token_file: Option<PathBuf>,
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// HTTPS; plain HTTP when absent.
    pub tls: Option<TlsConfig>,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            listen: "127.0.0.1:8855".to_string(),
            path: "/".to_string(),
            token: None,
            token_file: None,
            max_body_bytes: 52_428_800,
            tls: None,
        }
    }
}

/// `[webhook.tls]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM certificate chain.
    pub cert: PathBuf,
    /// PEM private key.
    pub key: PathBuf,
}

/// `[log] format`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// `[log]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// Text or JSON.
    pub format: LogFormat,
}

impl Config {
    /// Parses TOML text.
    ///
    /// # Errors
    /// [`ConfigError::Parse`] for invalid TOML, unknown keys or bad values.
    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError::Parse(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// Reads and parses a configuration file.
    ///
    /// # Errors
    /// [`ConfigError::Read`] when the file cannot be read, else as [`Config::from_toml`].
    pub fn read(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::from_toml(&text)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if !self.webhook.path.starts_with('/') {
            return Err(ConfigError::Invalid(format!(
                "webhook.path must start with '/', got {:?}",
                self.webhook.path
            )));
        }
        if self.webhook.token.is_some() && self.webhook.token_file.is_some() {
            return Err(ConfigError::Invalid(
                "set webhook.token or webhook.token_file, not both".to_string(),
            ));
        }
        if self.limits.max_message_bytes == 0 || self.webhook.max_body_bytes == 0 {
            return Err(ConfigError::Invalid(
                "size limits must be positive".to_string(),
            ));
        }
        if matches!(&self.store.location, Some(l) if l.trim().is_empty()) {
            return Err(ConfigError::Invalid("store.location is empty".to_string()));
        }
        Ok(())
    }

    /// The webhook token, from `webhook.token` or read from `webhook.token_file`.
    ///
    /// # Errors
    /// [`ConfigError::Read`] when the token file cannot be read, [`ConfigError::Invalid`]
    /// when the token is empty.
    pub fn webhook_token(&self) -> Result<Option<String>, ConfigError> {
        let token = match (&self.webhook.token, &self.webhook.token_file) {
            (Some(t), _) => t.clone(),
            (None, Some(path)) => std::fs::read_to_string(path)
                .map_err(|source| ConfigError::Read {
                    path: path.clone(),
                    source,
                })?
                .trim_end_matches(['\r', '\n'])
                .to_string(),
            (None, None) => return Ok(None),
        };
        if token.is_empty() {
            return Err(ConfigError::Invalid(
                "the webhook token is empty".to_string(),
            ));
        }
        Ok(Some(token))
    }

    /// The trust anchor bundles to load: `trust.anchors`, or the first system bundle found.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] when none is configured and no system bundle exists.
    pub fn anchor_files(&self) -> Result<Vec<PathBuf>, ConfigError> {
        if !self.trust.anchors.is_empty() {
            return Ok(self.trust.anchors.clone());
        }
        SYSTEM_BUNDLES
            .iter()
            .map(PathBuf::from)
            .find(|p| p.is_file())
            .map(|p| vec![p])
            .ok_or_else(|| {
                ConfigError::Invalid(format!(
                    "no trust.anchors configured and no system bundle found (looked for {})",
                    SYSTEM_BUNDLES.join(", ")
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../../../smime-collector.example.toml");

    #[test]
    fn example_config_parses() {
        let c = Config::from_toml(EXAMPLE).unwrap();
        assert_eq!(c.dkim.mode, DkimMode::Required);
        assert_eq!(c.store.location.as_deref(), Some("./certs"));
    }

    #[test]
    fn empty_config_is_the_defaults() {
        let c = Config::from_toml("").unwrap();
        assert_eq!(c.webhook.listen, "127.0.0.1:8855");
        assert_eq!(c.webhook.max_body_bytes, 52_428_800);
        assert!(c.store.location.is_none());
    }

    /// Every table of the example rejects an unknown key (hickory-dns does the same).
    #[test]
    fn unknown_key_in_every_table_is_an_error() {
        let tables = [
            "trust", "dkim", "policy", "store", "limits", "webhook", "log",
        ];
        for table in tables {
            let text = EXAMPLE.replacen(
                &format!("[{table}]\n"),
                &format!("[{table}]\nno_such_key = 1\n"),
                1,
            );
            assert_ne!(text, EXAMPLE, "example lacks [{table}]");
            let err = Config::from_toml(&text).unwrap_err();
            assert!(err.to_string().contains("no_such_key"), "{table}: {err}");
        }
        assert!(Config::from_toml("[nope]\n").is_err());
    }

    #[test]
    fn bad_values_are_errors() {
        assert!(Config::from_toml("[dkim]\nmode = \"sometimes\"\n").is_err());
        assert!(Config::from_toml("[dkim]\ndns = [\"not an address\"]\n").is_err());
        assert!(Config::from_toml("[webhook]\npath = \"nope\"\n").is_err());
        assert!(Config::from_toml("[webhook]\ntoken = \"a\"\ntoken_file = \"b\"\n").is_err());
    }
}
