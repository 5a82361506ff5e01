//! Why an OCSP request could not be built or a response does not count.

use super::types::OcspResponseStatus;

/// An OCSP response that gives no usable status (or a request that cannot be built).
///
/// Each variant names the failed check. None of them says the certificate is revoked:
/// the caller treats every one as "no answer" (soft-fail accepts with a warning,
/// hard-fail defers the message).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OcspError {
    /// The response is larger than [`OcspPolicy::max_response_bytes`](super::OcspPolicy).
    #[error("the OCSP response of {len} bytes exceeds the limit of {max}")]
    TooLarge {
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The response (or a part of it) does not decode.
    #[error("the OCSP response does not decode: {what}")]
    Malformed {
        /// What was wrong.
        what: String,
    },
    /// The certificate or issuer given by the caller does not decode.
    #[error("the certificate to check does not decode: {what}")]
    BadCertificate {
        /// What was wrong.
        what: String,
    },
    /// The responder did not answer `successful`.
    #[error("the OCSP responder answered {status:?} instead of a status")]
    ResponseStatus {
        /// What it answered.
        status: OcspResponseStatus,
    },
    /// `successful` without responseBytes.
    #[error("the OCSP response is successful but carries no response")]
    NoResponseBytes,
    /// A response type other than id-pkix-ocsp-basic.
    #[error("the OCSP response type {oid} is not id-pkix-ocsp-basic")]
    UnsupportedResponseType {
        /// Its OID.
        oid: String,
    },
    /// A bound of [`OcspPolicy`](super::OcspPolicy) was exceeded.
    #[error("the OCSP response has more {what} than the limit of {max}")]
    LimitExceeded {
        /// What there were too many of.
        what: &'static str,
        /// The limit.
        max: usize,
    },
    /// Neither the issuer nor a certificate in the response matches the ResponderID.
    #[error("the OCSP response is signed by an unknown responder")]
    UnknownResponder,
    /// The responder's certificate may not sign OCSP responses for this issuer.
    #[error("the OCSP responder {subject} is not authorised by the issuer: {why}")]
    ResponderNotAuthorized {
        /// The responder certificate's subject.
        subject: String,
        /// Which rule it breaks.
        why: &'static str,
    },
    /// The delegated responder's certificate is outside its validity at the time.
    #[error(
        "the OCSP responder certificate {subject} is valid from {} to {}, not at {}",
        rfc3339(*.not_before), rfc3339(*.not_after), rfc3339(*.at)
    )]
    ResponderNotValid {
        /// The responder certificate's subject.
        subject: String,
        /// Its notBefore, unix seconds.
        not_before: i64,
        /// Its notAfter, unix seconds.
        not_after: i64,
        /// The evaluation time, unix seconds.
        at: i64,
    },
    /// The signature over the ResponseData does not verify with the responder's key.
    #[error("the OCSP response signature does not verify with the key of {signer}")]
    BadSignature {
        /// The signer's subject.
        signer: String,
    },
    /// The response is signed with MD5 or SHA-1.
    #[error("the OCSP response is signed with a weak algorithm ({algorithm})")]
    WeakSignature {
        /// The algorithm.
        algorithm: String,
    },
    /// The response is signed with an algorithm this crate does not verify.
    #[error("the OCSP response is signed with an unsupported algorithm ({algorithm})")]
    UnsupportedSignature {
        /// The algorithm.
        algorithm: String,
    },
    /// No SingleResponse is about the certificate asked about.
    #[error("the OCSP response has no status for the certificate with serial {serial}")]
    CertIdMismatch {
        /// The serial asked about, lowercase hex.
        serial: String,
    },
    /// thisUpdate is later than the evaluation time plus the allowed clock skew.
    #[error("the OCSP response's thisUpdate {} is after the evaluation time {}", rfc3339(*.this_update), rfc3339(*.at))]
    NotYetValid {
        /// thisUpdate, unix seconds.
        this_update: i64,
        /// The evaluation time, unix seconds.
        at: i64,
    },
    /// The response is past nextUpdate (or, without one, older than the maximum age).
    #[error("the OCSP response was valid until {}, before the evaluation time {}", rfc3339(*.valid_until), rfc3339(*.at))]
    Stale {
        /// nextUpdate, or thisUpdate plus the maximum age, unix seconds.
        valid_until: i64,
        /// The evaluation time, unix seconds.
        at: i64,
    },
    /// The response echoes a nonce other than the request's.
    #[error("the OCSP response's nonce is not the request's")]
    NonceMismatch,
    /// An extension marked critical that this crate does not process.
    #[error("the OCSP response has an unknown critical extension {oid}")]
    UnknownCriticalExtension {
        /// Its OID.
        oid: String,
    },
    /// A request nonce outside 1..=32 octets (RFC 8954).
    #[error("an OCSP nonce of {len} octets is outside 1..=32")]
    InvalidNonce {
        /// Its length.
        len: usize,
    },
}

/// Unix seconds as RFC 3339 (UTC), or the number when out of range.
fn rfc3339(t: i64) -> String {
    u64::try_from(t)
        .ok()
        .and_then(|s| der::DateTime::from_unix_duration(std::time::Duration::from_secs(s)).ok())
        .map_or_else(|| format!("{t} (unix)"), |d| d.to_string())
}
