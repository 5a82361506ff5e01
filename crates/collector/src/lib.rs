//! The one smime-collector pipeline: raw message in, [`Report`] out.
//!
//! Both binaries (`readsmimesig`, `smime-webhook`) and other Rust mail tools use it the same
//! way: build a [`Collector`] once from a [`Config`] (this loads the trust anchors, sets up
//! the DKIM resolver and opens the store), then call [`Collector::process_at`] for every
//! message. The gates run in SPEC order and the first failure decides:
//!
//! 1. parse, one From mailbox (`malformed_message`, `ambiguous_from`, `message_too_large`),
//!    read from the raw header by [`smime_address::mailboxes`] (quoted local parts kept)
//!    and valid under the one address rule of [`smime_address::normalize`] (a local part
//!    not in Unicode NFC, such as one with the Kelvin sign, is `ambiguous_from`); the
//!    policy compares and the store keys by that same rule;
//! 2. DKIM, aligned with From (`dkim-gate`: `dkim_missing`, `dkim_fail`, `dkim_misaligned`);
//! 3. and 4. the S/MIME signature (`smime-extract`: `not_signed`, `malformed_signature`,
//!    `signature_invalid`, `no_signer_certificate`, `weak_algorithm`);
//! 5. the certificate (`cert-policy`: `email_mismatch`, `cert_expired`, `untrusted_chain`, …);
//! 6. the store (`cert-store`), under the From address.
//!
//! DNS that does not answer and a store that cannot be written are not verdicts: the report
//! is [`Verdict::Deferred`] with a [`Transient`] code, and the caller retries.
//!
//! Every step logs a readable line through `tracing` (content types, certificates, DKIM
//! domain, chain verdict, store outcome); message bodies, keys and tokens are never logged.
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let config = collector::Config::from_toml(r#"
//!     [trust]
//!     anchors = ["../../testdata/pki/root.pem"]
//!     [dkim]
//!     mode = "off"
//! "#).unwrap();
//! let collector = collector::Collector::from_config(&config).unwrap();
//! let raw = std::fs::read("../../testdata/pipeline/accepted/detached_rsa.eml").unwrap();
//! // The fixtures are built around 2026-06-01; pass `collector::time::now_unix()` for now.
//! let at = collector::time::parse_rfc3339("2026-06-01T00:00:00Z").unwrap();
//! let report = collector.process_at(&raw, "detached_rsa.eml", at).await;
//! assert_eq!(report.verdict, collector::Verdict::Accepted);
//! assert_eq!(report.from.as_deref(), Some("alice@example.com"));
//! println!("{}", serde_json::to_string(&report).unwrap());
//! # });
//! ```
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

mod config;
mod from;
mod logging;
mod pipeline;
mod report;
pub mod time;

use std::path::Path;

use tracing::Instrument as _;

pub use config::{
    AlignmentMode, Config, ConfigError, DkimConfig, DkimMode, LimitsConfig, LogConfig, LogFormat,
    PolicyConfig, SYSTEM_BUNDLES, StoreConfig, TlsConfig, TrustConfig, WebhookConfig,
};
pub use logging::init_logging;
pub use report::{
    CertificateInfo, DkimInfo, Reason, Report, SignatureInfo, StoredInfo, Transient, Verdict,
};

/// The collector could not be set up from its configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// The configuration itself is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A trust, intermediate or CRL file could not be read.
    #[error("cannot read {what} file {path}: {source}")]
    ReadTrust {
        /// "trust anchor", "intermediate" or "CRL".
        what: &'static str,
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The trust material does not parse, or holds no certificate.
    #[error("trust configuration: {0}")]
    Trust(#[from] cert_policy::Error),
    /// The DKIM resolver could not be set up.
    #[error("DKIM setup: {0}")]
    Dkim(#[from] dkim_gate::Error),
    /// The store could not be opened.
    #[error("store: {0}")]
    Store(#[from] cert_store::Error),
}

/// The pipeline with everything it needs, built once and shared (`Send + Sync`).
pub struct Collector {
    max_message_bytes: usize,
    dkim: Option<dkim_gate::DkimGate>,
    extract: smime_extract::Options,
    trust: cert_policy::TrustStore,
    policy: cert_policy::Policy,
    store: Option<Box<dyn cert_store::CertStore>>,
}

impl Collector {
    /// Builds the pipeline: reads the trust files, sets up DKIM and opens the store.
    /// Call it inside a tokio runtime (the DKIM resolver and the store may need one).
    ///
    /// # Errors
    /// [`SetupError`] naming the file or setting that is wrong.
    pub fn from_config(config: &Config) -> Result<Collector, SetupError> {
        let anchors = read_all("trust anchor", &config.anchor_files()?)?;
        let intermediates = read_all("intermediate", &config.trust.intermediates)?;
        let crls = read_all("CRL", &config.trust.crls)?;
        let anchor_refs: Vec<&[u8]> = anchors.iter().map(Vec::as_slice).collect();
        let inter_refs: Vec<&[u8]> = intermediates.iter().map(Vec::as_slice).collect();
        let mut trust = cert_policy::TrustStore::from_pem(&anchor_refs, &inter_refs)?;
        if !crls.is_empty() {
            let crl_refs: Vec<&[u8]> = crls.iter().map(Vec::as_slice).collect();
            trust = trust.with_crls(&crl_refs)?;
        }
        tracing::info!(anchors = trust.anchor_count(), "trust anchors loaded");
        for why in trust.skipped() {
            tracing::warn!("trust bundle entry skipped: {why}");
        }

        let dkim = match config.dkim.mode {
            DkimMode::Off => None,
            DkimMode::Required => Some(dkim_gate::DkimGate::new(&dkim_gate::DkimConfig {
                alignment: match config.dkim.alignment {
                    AlignmentMode::Relaxed => dkim_gate::Alignment::Relaxed,
                    AlignmentMode::Strict => dkim_gate::Alignment::Strict,
                },
                dns: config.dkim.dns.clone(),
                ..dkim_gate::DkimConfig::default()
            })?),
        };
        let store = match &config.store.location {
            Some(location) => {
                let store = cert_store::open(location)?;
                tracing::info!(store = %store.describe(), "store opened");
                Some(store)
            }
            None => None,
        };
        Ok(Collector {
            max_message_bytes: config.limits.max_message_bytes,
            dkim,
            extract: smime_extract::Options {
                allow_sha1: config.policy.allow_sha1_signatures,
                ..smime_extract::Options::default()
            },
            trust,
            policy: cert_policy::Policy {
                allow_sha1_signatures: config.policy.allow_sha1_signatures,
                ..cert_policy::Policy::default()
            },
            store,
        })
    }

    /// Runs the pipeline over one raw message, evaluating certificates at `at` (Unix
    /// seconds). `input` labels the report (a path, `-`, or a relay id).
    pub async fn process_at(&self, raw: &[u8], input: &str, at: i64) -> Report {
        // `instrument`, not `enter`: the span must follow the future across awaits.
        pipeline::run(self, raw, input, at)
            .instrument(tracing::info_span!("message", input))
            .await
    }

    /// [`Collector::process_at`] at the current time.
    pub async fn process(&self, raw: &[u8], input: &str) -> Report {
        self.process_at(raw, input, time::now_unix()).await
    }

    /// The store, if one is configured (for tools that list or export it).
    pub fn store(&self) -> Option<&dyn cert_store::CertStore> {
        self.store.as_deref()
    }
}

fn read_all(what: &'static str, paths: &[std::path::PathBuf]) -> Result<Vec<Vec<u8>>, SetupError> {
    paths
        .iter()
        .map(|path| {
            std::fs::read(Path::new(path)).map_err(|source| SetupError::ReadTrust {
                what,
                path: path.clone(),
                source,
            })
        })
        .collect()
}
