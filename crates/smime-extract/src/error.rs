//! The one error type of the crate and its mapping to SPEC reason codes.

/// Why a message has no verified S/MIME signature.
///
/// Each variant names the check that failed and carries its facts; `Display` is one
/// readable sentence (the collector uses it as the report's `detail`), and
/// [`Error::reason_code`] gives the SPEC reason code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The message could not be parsed as a MIME message at all.
    #[error("the message is not a parseable MIME message: {detail}")]
    MalformedMessage {
        /// What was wrong.
        detail: String,
    },
    /// MIME entities nest deeper than [`Limits::max_depth`](crate::Limits::max_depth).
    #[error("MIME parts nest deeper than the limit of {limit}")]
    MimeTooDeep {
        /// The configured limit.
        limit: usize,
    },
    /// The message has more MIME parts than [`Limits::max_parts`](crate::Limits::max_parts).
    #[error("the message has more than {limit} MIME parts")]
    TooManyParts {
        /// The configured limit.
        limit: usize,
    },
    /// No S/MIME signature at the top level of the message.
    #[error("no S/MIME signature at the top level of the message (top-level type {content_type})")]
    NotSigned {
        /// The top-level content type (lower-cased, without parameters).
        content_type: String,
    },
    /// The top-level S/MIME entity is encrypted (enveloped), not signed.
    #[error("the top-level S/MIME entity is enveloped (encrypted) data, not a signature")]
    Enveloped,
    /// A `multipart/signed` entity does not have its two parts.
    #[error("the multipart/signed entity has {found} parts instead of 2 (content and signature)")]
    SignedPartsMissing {
        /// How many parts were found.
        found: usize,
    },
    /// The signature (the decoded CMS bytes) is larger than
    /// [`Limits::max_signature_bytes`](crate::Limits::max_signature_bytes).
    #[error("the signature is larger than the limit of {limit} bytes")]
    SignatureTooLarge {
        /// The configured limit.
        limit: usize,
    },
    /// The signature part's transfer encoding could not be decoded.
    #[error("the signature part's {encoding} transfer encoding is invalid")]
    BadTransferEncoding {
        /// The Content-Transfer-Encoding.
        encoding: String,
    },
    /// BER/DER nesting deeper than [`Limits::max_ber_depth`](crate::Limits::max_ber_depth).
    #[error("the CMS structure nests deeper than the limit of {limit}")]
    BerTooDeep {
        /// The configured limit.
        limit: usize,
    },
    /// The CMS bytes are not a decodable ContentInfo/SignedData.
    #[error("the signature is not a decodable CMS SignedData: {detail}")]
    MalformedCms {
        /// Which element failed to decode, and why.
        detail: String,
    },
    /// The ContentInfo holds something other than SignedData or EnvelopedData.
    #[error("the CMS content type is {oid}, not signedData")]
    UnexpectedContentType {
        /// The ContentInfo contentType.
        oid: String,
    },
    /// More certificates than [`Limits::max_certificates`](crate::Limits::max_certificates).
    #[error("the signature carries more than {limit} certificates")]
    TooManyCertificates {
        /// The configured limit.
        limit: usize,
    },
    /// Zero SignerInfos, or more than [`Limits::max_signer_infos`](crate::Limits::max_signer_infos).
    #[error("the signature has {count} signer infos (expected 1 to {limit})")]
    SignerInfoCount {
        /// How many were found.
        count: usize,
        /// The configured limit.
        limit: usize,
    },
    /// An opaque signature carries no encapsulated content.
    #[error("the opaque signature carries no encapsulated content")]
    MissingContent,
    /// A digest algorithm that is neither supported nor a known weak one.
    #[error("unsupported digest algorithm {oid}")]
    UnsupportedDigest {
        /// The algorithm OID.
        oid: String,
    },
    /// A signature algorithm that is neither supported nor a known weak one.
    #[error("unsupported signature algorithm {oid}")]
    UnsupportedSignatureAlgorithm {
        /// The algorithm OID.
        oid: String,
    },
    /// MD5 or SHA-1 (SHA-1 only when not allowed by [`Options::allow_sha1`](crate::Options::allow_sha1)).
    #[error("the signature uses the weak algorithm {algorithm}")]
    WeakAlgorithm {
        /// `md5` or `sha1`.
        algorithm: &'static str,
    },
    /// The certificate named by the SignerInfo is not among those the message carries.
    #[error("the signer's certificate ({signer_id}) is not in the message")]
    SignerCertificateMissing {
        /// The SignerIdentifier, readable.
        signer_id: String,
    },
    /// A signed attribute required by RFC 5652 §5.3 is absent or has not one value.
    #[error("the signed attribute {attribute} is missing or malformed")]
    SignedAttributeMissing {
        /// `contentType` or `messageDigest`.
        attribute: &'static str,
    },
    /// The contentType signed attribute is not id-data.
    #[error("the signed contentType attribute is {found}, not id-data")]
    ContentTypeMismatch {
        /// The OID found.
        found: String,
    },
    /// The messageDigest attribute differs from the digest of the signed content.
    #[error("the content does not match the signed message digest ({digest})")]
    MessageDigestMismatch {
        /// The digest algorithm.
        digest: &'static str,
    },
    /// The signer's key does not fit the signature algorithm or cannot be decoded.
    #[error("the signer's public key cannot verify a {algorithm} signature: {detail}")]
    SignerKeyUnusable {
        /// The signature algorithm.
        algorithm: &'static str,
        /// Why.
        detail: String,
    },
    /// The signature value does not verify with the signer's key.
    #[error("the {algorithm} signature does not verify with the signer's key")]
    SignatureMismatch {
        /// The signature algorithm.
        algorithm: &'static str,
    },
}

impl Error {
    /// The SPEC reason code for this error.
    pub fn reason_code(&self) -> &'static str {
        match self {
            Error::MalformedMessage { .. }
            | Error::MimeTooDeep { .. }
            | Error::TooManyParts { .. } => "malformed_message",
            Error::NotSigned { .. } | Error::Enveloped => "not_signed",
            Error::SignedPartsMissing { .. }
            | Error::SignatureTooLarge { .. }
            | Error::BadTransferEncoding { .. }
            | Error::BerTooDeep { .. }
            | Error::MalformedCms { .. }
            | Error::UnexpectedContentType { .. }
            | Error::TooManyCertificates { .. }
            | Error::SignerInfoCount { .. }
            | Error::MissingContent
            | Error::UnsupportedDigest { .. }
            | Error::UnsupportedSignatureAlgorithm { .. } => "malformed_signature",
            Error::WeakAlgorithm { .. } => "weak_algorithm",
            Error::SignerCertificateMissing { .. } => "no_signer_certificate",
            Error::SignedAttributeMissing { .. }
            | Error::ContentTypeMismatch { .. }
            | Error::MessageDigestMismatch { .. }
            | Error::SignerKeyUnusable { .. }
            | Error::SignatureMismatch { .. } => "signature_invalid",
        }
    }

    /// Whether retrying could help. Always `false`: extraction does no I/O, so every
    /// failure is a property of the message.
    pub fn is_transient(&self) -> bool {
        false
    }

    pub(crate) fn cms(detail: impl std::fmt::Display) -> Self {
        Error::MalformedCms {
            detail: detail.to_string(),
        }
    }
}
