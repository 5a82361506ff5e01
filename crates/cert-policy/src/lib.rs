//! S/MIME relying-party validation: may we store this certificate for this From address,
//! at this time?
//!
//! This is SPEC pipeline step 5. [`evaluate`] takes the signer's certificate as the
//! message carries it, the other certificates of the message (any order; unrelated ones
//! are ignored), the optional SMIMEEncryptionKeyPreference and the evaluation time, and
//! returns the certificate to store with its validated path, or an [`Error`] whose
//! [`Error::reason_code`] is one of `email_mismatch`, `cert_expired`,
//! `cert_not_yet_valid`, `untrusted_chain`, `wrong_purpose`, `unusable_key`,
//! `weak_key`, `weak_algorithm`, `revoked`.
//!
//! # Order of the checks
//!
//! For the certificate under evaluation, in this order (the first failure decides):
//! 1. decode (strict DER; undecodable → `untrusted_chain`), no unknown critical extension;
//! 2. `weak_key` (RSA < 2048 bits, EC outside P-256/P-384/P-521), then `weak_algorithm`
//!    (its own signature uses MD5 or SHA-1);
//! 3. `email_mismatch`: the From address equals a SAN rfc822Name or SmtpUTF8Mailbox, or
//!    the subject emailAddress, under the one address rule of [`smime_address`] (the
//!    store keys certificates by the same rule): domains in IDNA A-labels, ASCII letters
//!    case-insensitive, nothing else folded; a name whose local part is not in Unicode
//!    NFC (the Kelvin sign U+212A, U+1FEF, NFD forms) matches nothing;
//! 4. `cert_not_yet_valid` / `cert_expired` at the evaluation time (bounds inclusive);
//! 5. the path (see below): `untrusted_chain`, or the more specific `revoked`,
//!    `cert_expired` (a CA), `weak_algorithm`/`weak_key` (a link), `wrong_purpose` (a CA
//!    whose EKU lacks emailProtection);
//! 6. `wrong_purpose`: a CA certificate as leaf, or a leaf EKU with neither
//!    emailProtection nor anyExtendedKeyUsage;
//! 7. keyUsage (where present): `wrong_purpose` without digitalSignature or
//!    nonRepudiation; `unusable_key` without keyEncipherment (RSA) or keyAgreement (EC);
//!    Ed25519/Ed448 keys are always `unusable_key` for the certificate to store.
//!
//! When [`Candidate::encryption_preference`] names another certificate of the message,
//! the signer is checked first as a signing certificate (steps 1-7 without the
//! encryption requirement), then the named certificate as an encryption certificate
//! (steps 1-7 without the signing requirement); the latter is stored. A preference that
//! names the signer itself, or no certificate of the message, falls back to the signer.
//!
//! # The path
//!
//! Built and validated here with RustCrypto signature verification: rustls-webpki
//! refuses any path whose CA carries an rfc822Name name constraint (and requires EKU on
//! every CA), and certval pins pre-release `rsa`/`pkcs1` versions that would duplicate
//! our crypto stack; the tests below, and the whole NIST PKITS suite, decide what is
//! right.
//!
//! - **Building** (`path`): depth-first from the leaf over the anchors, the message's
//!   certificates and the configured intermediates, names compared per RFC 5280 7.1
//!   (case and insignificant spaces ignored, string types compared by text); each
//!   link's signature is verified as it is added (no MD5/SHA-1, no weak key, no
//!   algorithm outside RSA/ECDSA P-256/384/521/Ed25519: DSA is unsupported).
//! - **Validation** (`validate`): each complete candidate, top-down, per RFC 5280 6.1
//!   with one function per step: validity, revocation, name chaining, name constraints
//!   (directoryName, rfc822Name, dNSName, URI host, iPAddress; subject emailAddress
//!   values count as rfc822Name; email domains compared in A-labels, as RFC 8398 asks
//!   for SmtpUTF8Mailbox names, and an email whose domain is not a valid host name is
//!   refused on a path with rfc822Name constraints), certificate policies (the valid_policy_tree with the
//!   6.1.1 inputs of [`PathInputs`]: mappings, requireExplicitPolicy,
//!   inhibitPolicyMapping, inhibitAnyPolicy), basicConstraints and pathLenConstraint,
//!   keyCertSign, unknown critical extensions; plus the S/MIME rule that a CA's EKU,
//!   where present, includes emailProtection. The trust anchor's validity, EKU,
//!   pathLenConstraint and name constraints apply too (RFC 5937).
//! - **Revocation** (`crl`, RFC 5280 6.3): the CRLs of [`TrustStore::with_crls`] for
//!   every certificate of the path, with the CRL issuer's key validated (on the path, or
//!   on a path of its own to the same anchor), distribution points, indirect CRLs,
//!   reason partitions, delta CRLs. A revoked certificate is `revoked`; what an
//!   undetermined status means is [`Policy::revocation`]'s choice (the product accepts
//!   it, as before; `readsmimesig --check-cert --crl` does not). [`revocation_status`]
//!   answers for one certificate and its issuer from CRLs fetched elsewhere.
//!
//! The first candidate that validates wins; when all fail, the most specific error
//! does. [`check_certificate`] runs the same validation without a message and reports
//! every check (`readsmimesig --check-cert`).
//!
//! # Revocation from the network, evaluated here
//!
//! [`ocsp`] builds OCSP requests and evaluates the DER responses a caller fetched
//! (RFC 6960: responder signature and authorisation, CertID, thisUpdate/nextUpdate),
//! returning an [`OcspStatus`] or an [`OcspError`] naming the failed check.
//! [`distrusted`] is NSS's email distrust-after rule for an anchor's date (see
//! email-roots) and a leaf's notBefore.
//!
//! # What it does not do
//!
//! No I/O, no clock, no async runtime: trust material comes in as bytes and the time as
//! an argument. No OCSP or CRL fetching, no AIA chasing.
//!
//! # Limits
//!
//! [`Limits`] bounds the work per evaluation: path depth (8), certificates taken from the
//! message (64), signature checks (100, CRL signatures included), policy tree nodes
//! (1000). Going over one is `untrusted_chain`
//! ([`Error::LimitExceeded`]). Verified CA links are cached in the [`TrustStore`], so a
//! busy service verifies each intermediate once.
//!
//! # Example
//!
//! ```
//! use cert_policy::{Candidate, Policy, TrustStore, certificates_from_pem, evaluate};
//! let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/pki/");
//! let read = |f: &str| std::fs::read(format!("{dir}{f}")).unwrap();
//! let trust = TrustStore::from_pem(&[&read("root.pem")], &[&read("intermediate.pem")]).unwrap();
//! let alice = certificates_from_pem(&read("alice.pem")).remove(0);
//! let cand = Candidate {
//!     from: "Alice@Example.com",
//!     signer: &alice,
//!     others: &[],
//!     encryption_preference: None,
//! };
//! let at = 1_780_272_000; // 2026-06-01
//! let decision = evaluate(&trust, &Policy::default(), &cand, at).unwrap();
//! assert_eq!(decision.path.len(), 3);
//! assert_eq!(decision.path[0].emails, ["alice@example.com"]);
//!
//! let err = evaluate(&trust, &Policy::default(), &Candidate { from: "bob@example.com", ..cand }, at)
//!     .unwrap_err();
//! assert_eq!(err.reason_code(), "email_mismatch");
//! ```
#![forbid(unsafe_code)]

mod anchors;
mod asn1;
mod cert;
mod check;
mod checks;
mod crl;
mod distrust;
mod dn;
mod error;
mod name_constraints;
mod names;
pub mod ocsp;
mod oids;
mod path;
mod policy;
mod summary;
mod validate;
mod verify;

use std::sync::Arc;

pub use anchors::TrustStore;
pub use check::{CheckOutcome, CheckReport, CheckStep, check_certificate};
pub use crl::{RevocationReason, RevocationStatus, revocation_status};
pub use distrust::distrusted;
pub use error::Error;
pub use ocsp::{OcspError, OcspPolicy, OcspQuery, OcspStatus};
pub use policy::PathInputs;
pub use summary::{CertSummary, summarize};

use cert::Cert;
use checks::Role;

/// Bounds on the work of one evaluation, against hostile input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Most CA certificates above the leaf (rustls-webpki also stops at a handful;
    /// real S/MIME paths have 1 to 3). Default 8.
    pub max_path_depth: usize,
    /// Most certificates taken from the message. Default 64.
    pub max_candidates: usize,
    /// Most signature verifications (certificates and CRLs; cached links are free).
    /// Default 100 (rustls-webpki's budget).
    pub max_signature_checks: usize,
    /// Most nodes of the RFC 5280 valid_policy_tree per path (policy mappings can make
    /// it grow exponentially, CVE-2023-0464). Default 1000: PKITS needs a handful.
    pub max_policy_nodes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_path_depth: 8,
            max_candidates: 64,
            max_signature_checks: 100,
            max_policy_nodes: 1000,
        }
    }
}

/// What an unknown revocation status means (the caller decides, RFC 5280 6.3.3 ends
/// with UNDETERMINED).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RevocationPolicy {
    /// The product's: a certificate a CRL revokes is refused; one no usable CRL covers
    /// (an issuer without CRL, an expired CRL) is accepted.
    #[default]
    RefuseRevoked,
    /// PKITS and `readsmimesig --check-cert --crl`: every certificate on the path must
    /// be shown good by a CRL; an unknown status is invalid.
    RequireGood,
}

/// Policy switches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// Accept SHA-1 as the digest of the S/MIME signature itself. Only smime-extract
    /// reads it: certificate paths never allow SHA-1.
    pub allow_sha1_signatures: bool,
    /// Work limits.
    pub limits: Limits,
    /// The RFC 5280 6.1.1 policy inputs (default: any policy, nothing explicit).
    pub path_inputs: PathInputs,
    /// What an unknown revocation status means.
    pub revocation: RevocationPolicy,
}

/// Reference to the encryption certificate named by SMIMEEncryptionKeyPreference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertRef {
    /// issuerAndSerialNumber: the issuer Name DER and the serial's INTEGER content bytes.
    IssuerSerial {
        /// Issuer Name, DER.
        issuer_der: Vec<u8>,
        /// Serial number bytes (leading zero bytes are ignored when comparing).
        serial: Vec<u8>,
    },
    /// subjectKeyIdentifier value.
    SubjectKeyId(Vec<u8>),
}

/// What the message presents.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    /// The From address.
    pub from: &'a str,
    /// The signer's certificate DER, as carried.
    pub signer: &'a [u8],
    /// The other certificates of the message, any order.
    pub others: &'a [Vec<u8>],
    /// SMIMEEncryptionKeyPreference, if the signature carries one.
    pub encryption_preference: Option<&'a CertRef>,
}

/// The certificate to store and why it may be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// DER to store: the signer, or the preferred encryption certificate.
    pub certificate: Vec<u8>,
    /// The validated path of `certificate`: leaf first, anchor last.
    pub path: Vec<CertSummary>,
    /// Whether `certificate` is a separate encryption certificate (not the signer).
    pub separate_encryption_cert: bool,
}

/// Splits PEM text into the DER of its `CERTIFICATE` blocks (undecodable blocks are
/// skipped).
pub fn certificates_from_pem(pem: &[u8]) -> Vec<Vec<u8>> {
    anchors::pem_certificates(pem).0
}

/// The certificates of a file's contents: its PEM `CERTIFICATE` blocks, or, when it
/// is not PEM, the contents as one DER certificate.
pub fn certificates_from_bytes(input: &[u8]) -> Vec<Vec<u8>> {
    if input.windows(11).any(|w| w == b"-----BEGIN ") {
        certificates_from_pem(input)
    } else {
        vec![input.to_vec()]
    }
}

fn trim_zeros(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|x| **x == 0).count();
    &b[n..]
}

fn matches_ref(c: &Cert, r: &CertRef) -> bool {
    match r {
        CertRef::IssuerSerial { issuer_der, serial } => {
            c.issuer_der == *issuer_der && trim_zeros(&c.serial) == trim_zeros(serial)
        }
        CertRef::SubjectKeyId(id) => c.ext.ski.as_deref() == Some(id.as_slice()),
    }
}

/// SPEC step 5 at time `at` (unix seconds): the certificate to store for `cand.from`,
/// or why none may be. See the crate docs for the order of the checks.
pub fn evaluate(
    trust: &TrustStore,
    policy: &Policy,
    cand: &Candidate<'_>,
    at: i64,
) -> Result<Decision, Error> {
    let limits = &policy.limits;
    if cand.others.len() > limits.max_candidates {
        return Err(Error::LimitExceeded {
            limit: "certificates in the message",
            max: limits.max_candidates,
        });
    }
    let signer = Arc::new(Cert::parse(cand.signer)?);
    // Certificates of the message that do not decode cannot be on a path: ignored.
    let message: Vec<Arc<Cert>> = cand
        .others
        .iter()
        .filter_map(|d| Cert::parse(d).ok())
        .filter(|c| c.sha256 != signer.sha256)
        .map(Arc::new)
        .collect();

    let preferred = cand
        .encryption_preference
        .filter(|r| !matches_ref(&signer, r))
        .and_then(|r| message.iter().find(|c| matches_ref(c, r)).cloned());

    match preferred {
        None => {
            let path = check_for_message(
                trust,
                policy,
                &message,
                signer.clone(),
                cand.from,
                Role::SignAndEncrypt,
                at,
            )?;
            Ok(Decision {
                certificate: signer.der.clone(),
                path,
                separate_encryption_cert: false,
            })
        }
        Some(enc) => {
            check_for_message(
                trust,
                policy,
                &message,
                signer,
                cand.from,
                Role::SignOnly,
                at,
            )?;
            let path = check_for_message(
                trust,
                policy,
                &message,
                enc.clone(),
                cand.from,
                Role::EncryptOnly,
                at,
            )?;
            Ok(Decision {
                certificate: enc.der.clone(),
                path,
                separate_encryption_cert: true,
            })
        }
    }
}

/// Steps 1-7 of the crate docs for one certificate in one role.
fn check_for_message(
    trust: &TrustStore,
    policy: &Policy,
    message: &[Arc<Cert>],
    leaf: Arc<Cert>,
    from: &str,
    role: Role,
    at: i64,
) -> Result<Vec<CertSummary>, Error> {
    checks::check_structure(&leaf)?;
    checks::check_key_strength(&leaf)?;
    checks::check_signature_algorithm(&leaf)?;
    checks::check_email(&leaf, from)?;
    checks::check_validity(&leaf, at)?;
    let options = path::Options {
        inputs: &policy.path_inputs,
        revocation: policy.revocation,
        enforce_email_purpose: true,
    };
    let found = path::Search::new(trust, &policy.limits, message, at)
        .find(leaf.clone(), &options, None)
        .map_err(|failed| failed.error)?;
    checks::check_purpose(&leaf)?;
    checks::check_key_usage(&leaf, role)?;
    Ok(found
        .path
        .iter()
        .rev()
        .map(|c| CertSummary::of(c))
        .collect())
}
