//! Find, decode and verify the S/MIME signature of an email message.
//!
//! [`extract`] takes the raw bytes of a message and returns the [`VerifiedSignature`]
//! (signer certificate exactly as carried, the other certificates, algorithms, signing
//! time, SMIMECapabilities and SMIMEEncryptionKeyPreference), or an [`Error`] whose
//! [`Error::reason_code`] is a smime-collector SPEC reason code.
//!
//! # SPEC gate
//!
//! Steps 3 and 4 of the pipeline:
//! - **locate** the signature at the top level only: `multipart/signed` with protocol
//!   `application/pkcs7-signature` or `application/x-pkcs7-signature` (any case or
//!   quoting), or opaque `application/pkcs7-mime` / `application/x-pkcs7-mime` with
//!   `smime-type=signed-data` (or a `.p7m` name and no smime-type). Anything else —
//!   a signed message forwarded as `message/rfc822`, an `smime.p7s` attachment, PGP,
//!   enveloped data — is `not_signed`;
//! - **decode** ContentInfo/SignedData, BER tolerated (indefinite lengths, chunked
//!   OCTET STRINGs, as Thunderbird and Outlook write), certificates kept byte-exact;
//! - **verify**: the signer is found by issuerAndSerialNumber or subjectKeyIdentifier
//!   among the carried certificates; with signed attributes, contentType must be id-data
//!   and messageDigest the digest of the content, and the signature covers the DER
//!   `SET OF` the attributes; without them, the content. The detached content is the
//!   first part of the `multipart/signed` exactly as carried, canonicalised LF→CRLF.
//!
//! Algorithms: RSA PKCS#1 v1.5, RSA-PSS, ECDSA P-256/P-384/P-521, Ed25519 with
//! SHA-256/384/512. MD5 and SHA-1 are `weak_algorithm` (SHA-1 is accepted when
//! [`Options::allow_sha1`] is set; MD5 never). The `micalg` parameter is informational.
//!
//! Reason codes: `malformed_message`, `not_signed`, `malformed_signature`,
//! `signature_invalid`, `no_signer_certificate`, `weak_algorithm`.
//!
//! # How
//!
//! - `locate`: a small bounded MIME walker of our own (not mail-parser): it needs only
//!   the top level and the exact raw bytes of the signed part, and applies [`Limits`]
//!   while it walks instead of after a full parse of every nested message;
//! - `ber`: a bounded BER reader that keeps each element's exact bytes, and a BER→DER
//!   normaliser;
//! - `signed_data`: ContentInfo/SignedData walked with that reader (so certificates keep
//!   their carried bytes and message order, and chunked eContent is joined); each
//!   SignerInfo is normalised to DER and decoded with the `cms` crate's types, each
//!   certificate with `x509-cert`. (cms 0.3's own `from_ber` decodes the structure
//!   too, but hands back re-encodable values, not the carried bytes.) A SignerInfo
//!   whose digest algorithm is not listed in `digestAlgorithms` is refused, as OpenSSL
//!   does;
//! - `verify`: RustCrypto primitives (`rsa`, `p256`/`p384`/`p521`, `ed25519-dalek`,
//!   `sha1`/`sha2`). The signed attributes are verified as carried (with the `SET` tag)
//!   and, if that differs, as their DER re-encoding. The first SignerInfo that verifies
//!   wins; otherwise the first one's error is returned. DSA and other algorithms
//!   outside the SPEC are `malformed_signature`.
//!
//! # What it does not do
//!
//! No I/O, no clock, no async runtime. It does not parse `From`, check DKIM, or judge
//! the certificate (validity, chain, address binding): that is `cert-policy`'s job.
//!
//! # Limits
//!
//! Hostile input is bounded by [`Limits`] (MIME depth and part count, signature size,
//! BER nesting, certificates and SignerInfos); going over one is its own error:
//! `malformed_message` for the MIME limits, `malformed_signature` for the others.
//! Work is linear in the input size times small constants (MIME depth, BER depth).
//!
//! # Example
//!
//! ```
//! let raw = include_bytes!("../../../testdata/messages/accepted/detached_rsa.eml");
//! let sig = smime_extract::extract(raw, &smime_extract::Options::default()).unwrap();
//! assert_eq!(sig.format.as_str(), "detached");
//! assert_eq!(sig.digest.as_str(), "sha256");
//! assert_eq!(sig.algorithm.as_str(), "rsa-pkcs1v15");
//! assert!(!sig.signer_certificate.is_empty());
//! ```
#![forbid(unsafe_code)]

mod ber;
mod error;
#[cfg(any(test, feature = "fuzzing"))]
pub mod fuzzing;
mod locate;
mod signed_data;
mod verify;

pub use error::Error;

/// Bounds against hostile input; going over one is its own [`Error`] variant. The
/// defaults leave ample room for real clients' mail (a signature with a full chain is
/// a few KiB; SignedData nests about a dozen levels) while bounding work and memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// MIME nesting depth walked below the top level (default 16).
    pub max_depth: usize,
    /// MIME parts counted while walking (default 256).
    pub max_parts: usize,
    /// Decoded size of the CMS signature (default 1 MiB).
    pub max_signature_bytes: usize,
    /// BER nesting depth of the CMS structure (default 32).
    pub max_ber_depth: usize,
    /// Certificates carried in the SignedData (default 32).
    pub max_certificates: usize,
    /// SignerInfos in the SignedData (default 8).
    pub max_signer_infos: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 16,
            max_parts: 256,
            max_signature_bytes: 1 << 20,
            max_ber_depth: 32,
            max_certificates: 32,
            max_signer_infos: 8,
        }
    }
}

/// What [`extract`] accepts.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Accept SHA-1 as the signature's digest (SPEC `policy.allow_sha1_signatures`).
    pub allow_sha1: bool,
    /// Bounds against hostile input.
    pub limits: Limits,
}

/// How the signature is attached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureFormat {
    /// `multipart/signed`: the content is the first part.
    Detached,
    /// `application/pkcs7-mime`: the content is inside the SignedData.
    Opaque,
}

impl SignatureFormat {
    /// `detached` or `opaque`.
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureFormat::Detached => "detached",
            SignatureFormat::Opaque => "opaque",
        }
    }
}

/// The digest algorithm of the signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DigestAlgorithm {
    /// SHA-1 (only with [`Options::allow_sha1`]).
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl DigestAlgorithm {
    /// `sha1`, `sha256`, `sha384` or `sha512`.
    pub fn as_str(self) -> &'static str {
        match self {
            DigestAlgorithm::Sha1 => "sha1",
            DigestAlgorithm::Sha256 => "sha256",
            DigestAlgorithm::Sha384 => "sha384",
            DigestAlgorithm::Sha512 => "sha512",
        }
    }
}

/// The signature algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureAlgorithm {
    /// RSASSA-PKCS1-v1_5.
    RsaPkcs1v15,
    /// RSASSA-PSS.
    RsaPss,
    /// ECDSA on P-256, P-384 or P-521.
    Ecdsa,
    /// Ed25519 (RFC 8419).
    Ed25519,
}

impl SignatureAlgorithm {
    /// `rsa-pkcs1v15`, `rsa-pss`, `ecdsa` or `ed25519`.
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureAlgorithm::RsaPkcs1v15 => "rsa-pkcs1v15",
            SignatureAlgorithm::RsaPss => "rsa-pss",
            SignatureAlgorithm::Ecdsa => "ecdsa",
            SignatureAlgorithm::Ed25519 => "ed25519",
        }
    }
}

/// SMIMEEncryptionKeyPreference (RFC 8551 §2.5.3): which certificate to encrypt to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyPreference {
    /// By issuer (the DER `Name`) and serial number (the INTEGER's content octets).
    IssuerSerial {
        /// DER of the issuer `Name`.
        issuer_der: Vec<u8>,
        /// Content octets of the serial number.
        serial: Vec<u8>,
    },
    /// By subject key identifier (also from a `RecipientKeyIdentifier`).
    SubjectKeyId(Vec<u8>),
}

/// A signature that verified, and what it carried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedSignature {
    /// Detached or opaque.
    pub format: SignatureFormat,
    /// The SignerInfo's digest algorithm.
    pub digest: DigestAlgorithm,
    /// The SignerInfo's signature algorithm.
    pub algorithm: SignatureAlgorithm,
    /// The signingTime attribute, unix seconds.
    pub signing_time: Option<i64>,
    /// The signer's certificate, DER exactly as carried.
    pub signer_certificate: Vec<u8>,
    /// Every other certificate carried, in message order.
    pub certificates: Vec<Vec<u8>>,
    /// SMIMECapabilities OIDs, empty if absent.
    pub smime_capabilities: Vec<const_oid::ObjectIdentifier>,
    /// SMIMEEncryptionKeyPreference, if present.
    pub encryption_key_preference: Option<KeyPreference>,
    /// The `micalg` parameter as declared (informational).
    pub micalg: Option<String>,
    /// Content types seen while locating, for the log.
    pub mime_parts: Vec<String>,
}

/// SPEC steps 3-4: locate the top-level signature, decode, verify. No I/O, no clock.
///
/// # Errors
///
/// An [`Error`] naming the failed check; [`Error::reason_code`] maps it to the SPEC.
pub fn extract(raw: &[u8], opts: &Options) -> Result<VerifiedSignature, Error> {
    let located = locate::locate(raw, &opts.limits)?;
    let sd = signed_data::decode(&located.cms, &opts.limits)?;
    let content = match located.format {
        SignatureFormat::Detached => located.content.as_slice(),
        SignatureFormat::Opaque => sd.econtent.as_deref().ok_or(Error::MissingContent)?,
    };
    let mut signature = verify::verify(&sd, content, opts)?;
    signature.format = located.format;
    signature.micalg = located.micalg;
    signature.mime_parts = located.mime_parts;
    Ok(signature)
}
