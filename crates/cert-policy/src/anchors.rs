//! Trust material: anchors, configured intermediates and CRLs, parsed once, plus the
//! caches that let many messages share the work of verifying the same CA links.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use crate::Error;
use crate::cert::Cert;
use crate::crl::Crl;
use crate::dn::Dn;

/// Most cached verdicts kept per cache; the cache is cleared when full (bounded memory).
const CACHE_MAX: usize = 4096;

/// Verified signatures: (signed object's SHA-256, issuer certificate's SHA-256) → verdict.
type LinkCache = Mutex<HashMap<([u8; 32], [u8; 32]), bool>>;

/// Trust anchors, extra intermediates and CRLs, parsed once and shared by every
/// evaluation (`Send + Sync`; put it in an `Arc`).
///
/// Verified CA links (issuer key over a CA certificate) and CRL signatures are cached
/// by SHA-256 fingerprint, so a path already verified for an intermediate is not
/// re-verified for every message.
#[derive(Debug)]
pub struct TrustStore {
    pub(crate) anchors: Vec<Arc<Cert>>,
    pub(crate) intermediates: Vec<Arc<Cert>>,
    /// Subject (comparable form) → indexes into `anchors`.
    anchors_by_subject: HashMap<Dn, Vec<usize>>,
    anchor_fingerprints: HashSet<[u8; 32]>,
    /// The CRLs, decoded.
    crls: Vec<Arc<Crl>>,
    skipped: Vec<String>,
    /// (child sha256, issuer sha256) → the signature verified.
    link_cache: LinkCache,
}

/// Splits PEM text into the DER of its `CERTIFICATE` blocks (other blocks are ignored).
/// Returns the blocks that decoded and, for the others, why not.
pub(crate) fn pem_certificates(pem: &[u8]) -> (Vec<Vec<u8>>, Vec<String>) {
    pem_blocks(pem, "CERTIFICATE")
}

fn pem_blocks(pem: &[u8], label: &str) -> (Vec<Vec<u8>>, Vec<String>) {
    let text = String::from_utf8_lossy(pem);
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut rest: &str = &text;
    while let Some(start) = rest.find(&begin) {
        let after = &rest[start..];
        let Some(stop) = after.find(&end) else {
            errors.push(format!("unterminated {label} block"));
            break;
        };
        let block = &after[..stop + end.len()];
        match der::pem::decode_vec(block.as_bytes()) {
            Ok((_, der)) => out.push(der),
            Err(e) => errors.push(format!("bad {label} PEM block: {e}")),
        }
        rest = &after[stop + end.len()..];
    }
    (out, errors)
}

impl TrustStore {
    /// Builds a store from PEM bundles (contents, not paths) of trust anchors and extra
    /// intermediates.
    ///
    /// Blocks that do not decode are skipped and listed by [`TrustStore::skipped`] (a
    /// system bundle with one odd root stays usable). Fails when the anchors yield no
    /// certificate at all.
    pub fn from_pem(anchors: &[&[u8]], intermediates: &[&[u8]]) -> Result<TrustStore, Error> {
        let mut skipped = Vec::new();
        let mut split = |bundles: &[&[u8]], what: &str| -> Vec<(String, Vec<u8>)> {
            let mut out = Vec::new();
            for (i, bundle) in bundles.iter().enumerate() {
                let (ders, errors) = pem_certificates(bundle);
                let origin = format!("{what} bundle {i}");
                skipped.extend(errors.into_iter().map(|e| format!("{origin}: {e}")));
                out.extend(ders.into_iter().map(|d| (origin.clone(), d)));
            }
            out
        };
        let anchors = split(anchors, "anchor");
        let intermediates = split(intermediates, "intermediate");
        TrustStore::build(&anchors, &intermediates, skipped)
    }

    /// Builds a store from certificates as DER. Those that do not decode are skipped
    /// and listed by [`TrustStore::skipped`]. Fails without any usable anchor.
    pub fn from_der(anchors: &[Vec<u8>], intermediates: &[Vec<u8>]) -> Result<TrustStore, Error> {
        let label = |what: &str, list: &[Vec<u8>]| -> Vec<(String, Vec<u8>)> {
            list.iter()
                .enumerate()
                .map(|(i, d)| (format!("{what} {i}"), d.clone()))
                .collect()
        };
        TrustStore::build(
            &label("anchor", anchors),
            &label("intermediate", intermediates),
            Vec::new(),
        )
    }

    fn build(
        anchors: &[(String, Vec<u8>)],
        intermediates: &[(String, Vec<u8>)],
        mut skipped: Vec<String>,
    ) -> Result<TrustStore, Error> {
        let mut load = |ders: &[(String, Vec<u8>)]| -> Vec<Arc<Cert>> {
            let mut certs = Vec::new();
            let mut seen = HashSet::new();
            for (origin, der) in ders {
                match Cert::parse(der) {
                    Ok(c) if seen.insert(c.sha256) => certs.push(Arc::new(c)),
                    Ok(_) => {}
                    Err(e) => skipped.push(format!("{origin}: {e}")),
                }
            }
            certs
        };
        let anchors = load(anchors);
        let intermediates = load(intermediates);
        if anchors.is_empty() {
            return Err(Error::TrustMaterial {
                what: "no trust anchor certificate found".into(),
            });
        }
        let mut anchors_by_subject: HashMap<Dn, Vec<usize>> = HashMap::new();
        for (i, a) in anchors.iter().enumerate() {
            anchors_by_subject
                .entry(a.subject_dn.clone())
                .or_default()
                .push(i);
        }
        Ok(TrustStore {
            anchor_fingerprints: anchors.iter().map(|a| a.sha256).collect(),
            anchors,
            intermediates,
            anchors_by_subject,
            crls: Vec::new(),
            skipped,
            link_cache: Mutex::new(HashMap::new()),
        })
    }

    /// Adds CRLs (DER, or PEM `X509 CRL` blocks), checked per RFC 5280 6.3 for every
    /// certificate of a path ([`crate::RevocationPolicy`] says what a certificate no
    /// usable CRL covers means). A CRL counts once its signature verifies with the key
    /// of a validated certificate of its issuer; an entry on a CRL past its nextUpdate
    /// still revokes (a revocation does not expire), but such a CRL no longer shows a
    /// certificate good.
    ///
    /// # Errors
    /// A CRL that does not decode.
    pub fn with_crls(mut self, crls: &[&[u8]]) -> Result<TrustStore, Error> {
        for input in crls {
            let ders = if input.trim_ascii_start().starts_with(b"-----BEGIN") {
                let (ders, errors) = pem_blocks(input, "X509 CRL");
                if let Some(e) = errors.into_iter().next() {
                    return Err(Error::TrustMaterial { what: e });
                }
                ders
            } else {
                vec![input.to_vec()]
            };
            if ders.is_empty() {
                return Err(Error::TrustMaterial {
                    what: "no CRL found in input".into(),
                });
            }
            for der in ders {
                self.crls.push(Arc::new(Crl::parse(&der)?));
            }
        }
        Ok(self)
    }

    /// Number of CRLs.
    pub fn crl_count(&self) -> usize {
        self.crls.len()
    }

    /// Number of trust anchors.
    pub fn anchor_count(&self) -> usize {
        self.anchors.len()
    }

    /// Number of configured intermediates.
    pub fn intermediate_count(&self) -> usize {
        self.intermediates.len()
    }

    /// Why some PEM blocks of the bundles were skipped (for the log).
    pub fn skipped(&self) -> &[String] {
        &self.skipped
    }

    /// Number of CA links whose verification verdict is cached.
    pub fn cached_links(&self) -> usize {
        self.link_cache.lock().map(|m| m.len()).unwrap_or(0)
    }

    pub(crate) fn anchors_for(&self, issuer: &Dn) -> impl Iterator<Item = &Arc<Cert>> {
        self.anchors_by_subject
            .get(issuer)
            .into_iter()
            .flatten()
            .filter_map(|i| self.anchors.get(*i))
    }

    pub(crate) fn is_anchor(&self, c: &Cert) -> bool {
        self.anchor_fingerprints.contains(&c.sha256)
    }

    pub(crate) fn crls(&self) -> &[Arc<Crl>] {
        &self.crls
    }

    pub(crate) fn cached_link(&self, child: &[u8; 32], issuer: &[u8; 32]) -> Option<bool> {
        self.link_cache
            .lock()
            .ok()?
            .get(&(*child, *issuer))
            .copied()
    }

    pub(crate) fn cache_link(&self, child: [u8; 32], issuer: [u8; 32], ok: bool) {
        if let Ok(mut m) = self.link_cache.lock() {
            if m.len() >= CACHE_MAX {
                m.clear();
            }
            m.insert((child, issuer), ok);
        }
    }
}
