//! Trust material: anchors, configured intermediates and CRLs, parsed once, plus the
//! caches that let many messages share the work of verifying the same CA links.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use der::{Decode, Encode};

use crate::Error;
use crate::cert::Cert;
use crate::dn::Dn;

/// Most cached verdicts kept per cache; the cache is cleared when full (bounded memory).
const CACHE_MAX: usize = 4096;

/// Verified signatures: (signed object's SHA-256, issuer certificate's SHA-256) → verdict.
type LinkCache = Mutex<HashMap<([u8; 32], [u8; 32]), bool>>;

/// A decoded CRL.
#[derive(Debug)]
pub(crate) struct Crl {
    pub(crate) sha256: [u8; 32],
    pub(crate) tbs: Vec<u8>,
    pub(crate) signature_algorithm: spki::AlgorithmIdentifierOwned,
    pub(crate) signature: Vec<u8>,
    pub(crate) revoked: HashSet<Vec<u8>>,
}

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
    /// Issuer DER → CRLs.
    crls: HashMap<Vec<u8>, Vec<Arc<Crl>>>,
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
        let mut load = |bundles: &[&[u8]], what: &str| -> Vec<Arc<Cert>> {
            let mut certs = Vec::new();
            let mut seen = HashSet::new();
            for (i, bundle) in bundles.iter().enumerate() {
                let (ders, errors) = pem_certificates(bundle);
                skipped.extend(
                    errors
                        .into_iter()
                        .map(|e| format!("{what} bundle {i}: {e}")),
                );
                for der in ders {
                    match Cert::parse(&der) {
                        Ok(c) if seen.insert(c.sha256) => certs.push(Arc::new(c)),
                        Ok(_) => {}
                        Err(e) => skipped.push(format!("{what} bundle {i}: {e}")),
                    }
                }
            }
            certs
        };
        let anchors = load(anchors, "anchor");
        let intermediates = load(intermediates, "intermediate");
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
            crls: HashMap::new(),
            skipped,
            link_cache: Mutex::new(HashMap::new()),
        })
    }

    /// Adds CRLs (DER, or PEM `X509 CRL` blocks). A certificate on a path is revoked
    /// when a CRL of its issuer, whose signature verifies with the issuer's key, lists
    /// its serial. Issuers without a configured CRL are not checked. A CRL past its
    /// nextUpdate still counts (a revocation does not expire).
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
                let (issuer, crl) = parse_crl(&der)?;
                self.crls.entry(issuer).or_default().push(Arc::new(crl));
            }
        }
        Ok(self)
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

    pub(crate) fn crls_for(&self, issuer_der: &[u8]) -> &[Arc<Crl>] {
        self.crls.get(issuer_der).map_or(&[], Vec::as_slice)
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

fn parse_crl(der: &[u8]) -> Result<(Vec<u8>, Crl), Error> {
    use sha2::Digest;
    let bad = |e: der::Error| Error::TrustMaterial {
        what: format!("bad CRL: {e}"),
    };
    let list: x509_cert::crl::CertificateList =
        x509_cert::crl::CertificateList::from_der(der).map_err(bad)?;
    let tbs = list.tbs_cert_list.to_der().map_err(bad)?;
    let issuer = list.tbs_cert_list.issuer.to_der().map_err(bad)?;
    let revoked = list
        .tbs_cert_list
        .revoked_certificates
        .iter()
        .flatten()
        .map(|r| r.serial_number.as_bytes().to_vec())
        .collect();
    let signature = list
        .signature
        .as_bytes()
        .ok_or_else(|| Error::TrustMaterial {
            what: "bad CRL signature bits".into(),
        })?
        .to_vec();
    Ok((
        issuer,
        Crl {
            sha256: sha2::Sha256::digest(der).into(),
            tbs,
            signature_algorithm: list.signature_algorithm,
            signature,
            revoked,
        },
    ))
}
