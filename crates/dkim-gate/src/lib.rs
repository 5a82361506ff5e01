//! DKIM verification aligned with the From domain: does the From domain vouch for this
//! message?
//!
//! This is SPEC pipeline step 2. [`DkimGate::verify`] checks every DKIM-Signature with
//! [mail-auth](https://docs.rs/mail-auth) (keys fetched through its hickory resolver) and
//! passes when at least one signature verifies, counts (see below), and has a `d=`
//! aligned with the From domain:
//! - relaxed alignment (the default): same organisational domain by the Public Suffix
//!   List, as DMARC does (`d=mail.example.com` aligns with From `@example.com`);
//! - strict alignment ([`Alignment::Strict`]): `d=` equal to the From domain;
//! - a public suffix (`d=co.uk`, `d=com`) aligns with nothing.
//!
//! A signature that mail-auth passes still does not count when its `h=` does not include
//! From, when its `l=` leaves part of the body unsigned, or when it is `rsa-sha1`
//! (RFC 8301). A changed body, a passed `x=`, a revoked key (empty `p=`) or a missing key
//! (NXDOMAIN) never verifies. Failures map to the SPEC reason codes
//! ([`Error::reason_code`]):
//!
//! | code | when |
//! | --- | --- |
//! | `dkim_missing` | no DKIM-Signature header |
//! | `dkim_fail` | signatures present, none verifies and counts |
//! | `dkim_misaligned` | one verifies and counts, none is aligned |
//! | `dkim_temp_error` | transient ([`Error::is_transient`]): a key lookup got no answer (timeout, SERVFAIL), or the whole-message budget ran out |
//!
//! Every outcome carries each signature's `d=`, `s=`, algorithm, result and alignment
//! ([`SignatureReport`]) for the log.
//!
//! **DNS.** The servers of [`DkimConfig::dns`] (`IP:PORT`, UDP then TCP), or the system
//! resolver when empty. Key records are cached for their TTL in the gate (so a burst of
//! mail from one domain costs one lookup); build one [`DkimGate`] and share it.
//! [`DkimGate::new`] needs no runtime; [`DkimGate::verify`] must run inside a Tokio
//! runtime (timers and the resolver's sockets), and one gate should stay on one runtime.
//!
//! **Line ends.** Messages are verified with bare LF line ends turned into CRLF, as the
//! receiving MTA saw them (.eml files saved on Unix have LF).
//!
//! **Limits.** At most [`DkimConfig::timeout`] per message in all (default 4 s); each DNS
//! query gets half of it, once. mail-auth reads the clock for `x=`, so expiry is judged
//! at the real current time, not an evaluation time. The gate does no DMARC policy, SPF
//! or ARC, and does not parse From: the caller passes the From domain.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use dkim_gate::{DkimConfig, DkimGate};
//! use test_support::{dkim, dns::TestDns};
//!
//! let dns = TestDns::start(&dkim::zone_records()).await;
//! let gate = DkimGate::new(&DkimConfig { dns: vec![dns.addr()], ..DkimConfig::default() })?;
//! let raw = std::fs::read(test_support::testdata_dir().join("dkim/pass/rsa_relaxed.eml"))?;
//! let pass = gate.verify(&raw, "example.com").await?;
//! assert_eq!((pass.domain.as_str(), pass.selector.as_str()), ("example.com", "s1"));
//!
//! let raw = std::fs::read(test_support::testdata_dir().join("dkim/dkim_misaligned/misaligned_domain.eml"))?;
//! let err = gate.verify(&raw, "example.com").await.unwrap_err();
//! assert_eq!(err.reason_code(), "dkim_misaligned");
//! # Ok(()) }
//! ```

mod align;
mod error;
mod evaluate;
mod resolver;

use std::borrow::Cow;
use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use mail_auth::{AuthenticatedMessage, MessageAuthenticator, Parameters};

pub use align::organisational_domain;
pub use error::Error;

/// How `d=` must relate to the From domain.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Alignment {
    /// Same organisational domain (Public Suffix List), as DMARC `adkim=r`.
    #[default]
    Relaxed,
    /// The same domain, as DMARC `adkim=s`.
    Strict,
}

/// Gate configuration (SPEC `[dkim]`).
#[derive(Clone, Debug)]
pub struct DkimConfig {
    /// `relaxed` (default) or `strict`.
    pub alignment: Alignment,
    /// DNS servers as `IP:PORT`; empty means the system resolver.
    pub dns: Vec<SocketAddr>,
    /// Time budget for one message, all lookups included (default 4 s).
    pub timeout: Duration,
}

impl Default for DkimConfig {
    fn default() -> Self {
        DkimConfig {
            alignment: Alignment::Relaxed,
            dns: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

/// Default whole-message budget: under the 5 s the SPEC allows.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(4);

/// The DKIM gate: built once, shared by all messages (`Send + Sync`); holds the resolver
/// and its TTL cache of key records.
pub struct DkimGate {
    authenticator: MessageAuthenticator,
    cache: resolver::TxtCache,
    alignment: Alignment,
    timeout: Duration,
}

impl fmt::Debug for DkimGate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DkimGate")
            .field("alignment", &self.alignment)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// A message the From domain vouches for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DkimPass {
    /// `d=` of the signature that passed (the first counted, aligned one).
    pub domain: String,
    /// Its `s=`.
    pub selector: String,
    /// Its algorithm (`rsa-sha256`, `ed25519-sha256`).
    pub algorithm: String,
    /// Every signature of the message.
    pub signatures: Vec<SignatureReport>,
}

/// One DKIM-Signature and what became of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureReport {
    /// `d=` (lower case).
    pub domain: String,
    /// `s=`.
    pub selector: String,
    /// `a=`: `rsa-sha256`, `ed25519-sha256`, `rsa-sha1`.
    pub algorithm: String,
    /// mail-auth's result (`pass`, `fail`, `neutral`, `permerror`, `temperror`), or
    /// `not_counted: <reason>` for a mail-auth pass that this gate does not accept.
    pub result: String,
    /// Whether `d=` is aligned with the From domain (whatever the result).
    pub aligned: bool,
    /// Why it did not pass (mail-auth's error, or our reason); empty for a pass.
    pub detail: String,
}

impl fmt::Display for SignatureReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "d={} s={} {}: {}",
            self.domain, self.selector, self.algorithm, self.result
        )?;
        if !self.detail.is_empty() && !self.result.starts_with("not_counted") {
            write!(f, " ({})", self.detail)?;
        }
        if !self.aligned {
            f.write_str(", not aligned")?;
        }
        Ok(())
    }
}

impl DkimGate {
    /// Sets up the resolver (the configured servers, or the system configuration).
    ///
    /// Needs no Tokio runtime; [`DkimGate::verify`] does.
    ///
    /// # Errors
    /// [`Error::ResolverSetup`] when the system resolver configuration cannot be read.
    pub fn new(config: &DkimConfig) -> Result<DkimGate, Error> {
        Ok(DkimGate {
            authenticator: resolver::authenticator(config)?,
            cache: resolver::TxtCache::default(),
            alignment: config.alignment,
            timeout: config.timeout,
        })
    }

    /// SPEC step 2: passes when a DKIM signature verifies, counts, and is aligned with
    /// `from_domain` (the From address's domain, which the caller parsed).
    ///
    /// `raw` is the message as received; bare LF line ends are read as CRLF.
    ///
    /// # Errors
    /// See [`Error::reason_code`]; [`Error::is_transient`] errors should be retried.
    pub async fn verify(&self, raw: &[u8], from_domain: &str) -> Result<DkimPass, Error> {
        let raw = to_crlf(raw);
        let Some(message) = AuthenticatedMessage::parse_with_opts(&raw, None, false) else {
            return Err(Error::NoSignature);
        };
        if message.dkim_headers.is_empty() && !message.has_dkim_errors {
            return Err(Error::NoSignature);
        }
        let params = Parameters::new(&message).with_txt_cache(&self.cache);
        let outputs = tokio::time::timeout(self.timeout, self.authenticator.verify_dkim(params))
            .await
            .map_err(|_| Error::Timeout {
                budget: self.timeout,
            })?;
        let evaluated = evaluate::evaluate(&message, &outputs, from_domain, self.alignment);
        for e in &evaluated {
            tracing::debug!(signature = %e.report, "dkim signature");
        }
        evaluate::decide(evaluated, from_domain)
    }
}

/// Bare LF becomes CRLF; a message that has none is borrowed as is.
fn to_crlf(raw: &[u8]) -> Cow<'_, [u8]> {
    let bare_lf = raw
        .iter()
        .enumerate()
        .any(|(i, &b)| b == b'\n' && (i == 0 || raw[i - 1] != b'\r'));
    if !bare_lf {
        return Cow::Borrowed(raw);
    }
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 32 + 2);
    for (i, &b) in raw.iter().enumerate() {
        if b == b'\n' && (i == 0 || raw[i - 1] != b'\r') {
            out.push(b'\r');
        }
        out.push(b);
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lf_becomes_crlf_once() {
        assert_eq!(&*to_crlf(b"a\nb\r\nc\n"), b"a\r\nb\r\nc\r\n");
        assert!(matches!(to_crlf(b"a\r\nb\r\n"), Cow::Borrowed(_)));
        assert_eq!(&*to_crlf(b"\n"), b"\r\n");
    }

    #[test]
    fn the_gate_is_shareable() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<DkimGate>();
        assert_send_sync::<Error>();
    }

    #[test]
    fn system_resolver_is_used_without_configured_servers() {
        if !std::path::Path::new("/etc/resolv.conf").exists() {
            println!("no /etc/resolv.conf, skipped");
            return;
        }
        DkimGate::new(&DkimConfig::default()).unwrap();
    }

    #[test]
    fn verify_can_be_spawned() {
        fn assert_send<T: Send>(_: &T) {}
        let config = DkimConfig {
            dns: vec!["127.0.0.1:53".parse().unwrap()],
            ..Default::default()
        };
        let gate = DkimGate::new(&config).unwrap();
        let future = gate.verify(b"", "example.com");
        assert_send(&future);
    }

    #[test]
    fn new_needs_no_runtime() {
        let config = DkimConfig {
            dns: vec!["127.0.0.1:53".parse().unwrap()],
            ..Default::default()
        };
        let gate = DkimGate::new(&config).unwrap();
        assert_eq!(gate.timeout, DEFAULT_TIMEOUT);
    }
}
