//! OCSP (RFC 6960): build a request, evaluate a response. No I/O: the caller fetches.
//!
//! [`build_request`] makes the DER of an OCSPRequest for one certificate (CertID with
//! SHA-1, as RFC 5019 profiles it; optionally a nonce, RFC 8954). [`evaluate_response`]
//! takes the DER the responder sent back and returns an [`OcspStatus`], or an
//! [`OcspError`] naming the check that failed, in this order:
//! 1. size ([`OcspPolicy::max_response_bytes`]) and decoding;
//! 2. `responseStatus` is `successful`, the response is an `id-pkix-ocsp-basic`;
//! 3. the certificate and issuer of the [`OcspQuery`] decode and belong together
//!    ([`OcspError::BadCertificate`]); counts of SingleResponses and certificates within
//!    the policy's bounds;
//! 4. the signature over ResponseData: by the issuer's key, or by a delegated responder
//!    certificate included in the response, issued directly by the issuer, with
//!    `id-kp-OCSPSigning` (keyUsage, where present, with digitalSignature), valid at
//!    `at`; MD5/SHA-1 signatures are refused;
//! 5. a SingleResponse whose CertID (SHA-1, SHA-256, SHA-384 or SHA-512) names the
//!    certificate;
//! 6. no unknown critical extension; the nonce, when one was sent and one is echoed,
//!    is the request's (responders may ignore nonces);
//! 7. time: `thisUpdate` not after `at` plus the clock skew; `nextUpdate` (or, without
//!    one, `thisUpdate` plus [`OcspPolicy::max_age_without_next_update`]) not before
//!    `at` minus the skew. A revocation is final: a signed `revoked` status counts
//!    whatever its age (except `certificateHold`, which can be lifted).
//!
//! Not checked: the delegated responder's own revocation (RFC 6960 4.2.2.2.1 leaves it to
//! the CA, usually through `id-pkix-ocsp-nocheck` on short-lived responder certificates),
//! and signed requests (never sent).
//!
//! The types are RFC 6960's ASN.1 as `der` derives ([`OcspRequest`], [`OcspResponse`],
//! [`BasicOcspResponse`], ...), so a response can also be decoded and inspected.
//!
//! ```
//! use cert_policy::ocsp::{OcspQuery, OcspRequest, build_request};
//! use der::Decode;
//! let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/pki/");
//! let read = |f: &str| std::fs::read(format!("{dir}{f}")).unwrap();
//! let alice = cert_policy::certificates_from_pem(&read("alice.pem")).remove(0);
//! let issuer = cert_policy::certificates_from_pem(&read("intermediate.pem")).remove(0);
//! let query = OcspQuery { cert: &alice, issuer: &issuer, nonce: None };
//! let der = build_request(&query).unwrap();
//! let request = OcspRequest::from_der(&der).unwrap();
//! assert_eq!(request.tbs_request.request_list.len(), 1);
//! ```

mod certid;
mod error;
mod responder;
mod types;

use const_oid::db::rfc6960::{ID_PKIX_OCSP_BASIC, ID_PKIX_OCSP_NONCE};
use der::asn1::{GeneralizedTime, OctetString};
use der::{Decode, Encode};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::crl::CrlReason;

pub use error::OcspError;
pub use types::{
    BasicOcspResponse, CertId, CertStatus, OcspRequest, OcspResponse, OcspResponseStatus, Request,
    ResponderId, ResponseBytes, ResponseData, RevokedInfo, Signature, SingleResponse, TbsRequest,
    Version,
};

use crate::cert::Cert;
use certid::IdHash;

/// Tolerances and bounds for evaluating responses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OcspPolicy {
    /// Seconds of clock difference tolerated on thisUpdate and nextUpdate. Default 300.
    pub max_clock_skew: i64,
    /// How long a response without nextUpdate counts after its thisUpdate, seconds.
    /// Default one day.
    pub max_age_without_next_update: i64,
    /// Largest response accepted, bytes. Default 64 KiB (real responses are 1 to 5 KiB).
    pub max_response_bytes: usize,
    /// Most SingleResponses examined. Default 64.
    pub max_responses: usize,
    /// Most certificates included in a response. Default 8.
    pub max_certs: usize,
}

impl Default for OcspPolicy {
    fn default() -> OcspPolicy {
        OcspPolicy {
            max_clock_skew: 300,
            max_age_without_next_update: 86_400,
            max_response_bytes: 64 << 10,
            max_responses: 64,
            max_certs: 8,
        }
    }
}

/// The certificate asked about.
#[derive(Debug, Clone, Copy)]
pub struct OcspQuery<'a> {
    /// The certificate, DER.
    pub cert: &'a [u8],
    /// Its issuer's certificate, DER.
    pub issuer: &'a [u8],
    /// The nonce sent in the request (1 to 32 octets), if any.
    pub nonce: Option<&'a [u8]>,
}

/// What a valid response says about the certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OcspStatus {
    /// Not revoked.
    Good {
        /// Until when the answer may be cached (nextUpdate), unix seconds.
        next_update: Option<i64>,
    },
    /// Revoked.
    Revoked {
        /// revocationTime, unix seconds.
        time: i64,
        /// revocationReason, when given.
        reason: Option<CrlReason>,
    },
    /// The responder does not know the certificate.
    Unknown,
}

impl OcspQuery<'_> {
    /// Decodes the certificate and its issuer, and checks that they belong together.
    fn parse(&self) -> Result<(Cert, Cert), OcspError> {
        let bad = |what: String| OcspError::BadCertificate { what };
        let cert = Cert::parse(self.cert).map_err(|e| bad(e.to_string()))?;
        let issuer = Cert::parse(self.issuer).map_err(|e| bad(e.to_string()))?;
        if cert.issuer_dn != issuer.subject_dn {
            return Err(bad(format!(
                "{} is not the issuer of {}",
                issuer.subject, cert.subject
            )));
        }
        Ok((cert, issuer))
    }
}

/// The DER of an OCSPRequest for `query.cert` (one Request, CertID hashed with SHA-1,
/// the nonce as a non-critical request extension when given).
pub fn build_request(query: &OcspQuery<'_>) -> Result<Vec<u8>, OcspError> {
    let (cert, issuer) = query.parse()?;
    let serial = x509_cert::Certificate::from_der(query.cert)
        .map_err(|e| OcspError::BadCertificate {
            what: e.to_string(),
        })?
        .tbs_certificate()
        .serial_number()
        .clone();
    let req_cert = certid::cert_id(&cert, serial, &issuer, IdHash::Sha1)?;
    let request_extensions = query.nonce.map(nonce_extension).transpose()?;
    let request = OcspRequest {
        tbs_request: TbsRequest {
            version: Version::V1,
            requestor_name: None,
            request_list: vec![Request {
                req_cert,
                single_request_extensions: None,
            }],
            request_extensions,
        },
        optional_signature: None,
    };
    request.to_der().map_err(|e| OcspError::BadCertificate {
        what: format!("encoding the request: {e}"),
    })
}

/// RFC 8954: `id-pkix-ocsp-nonce`, its value the DER of an OCTET STRING of 1 to 32
/// octets.
fn nonce_extension(nonce: &[u8]) -> Result<Vec<Extension>, OcspError> {
    let invalid = || OcspError::InvalidNonce { len: nonce.len() };
    if !(1..=32).contains(&nonce.len()) {
        return Err(invalid());
    }
    let value = OctetString::new(nonce)
        .and_then(|o| o.to_der())
        .and_then(OctetString::new)
        .map_err(|_| invalid())?;
    Ok(vec![Extension {
        extn_id: ID_PKIX_OCSP_NONCE,
        critical: false,
        extn_value: value,
    }])
}

/// Evaluates the responder's answer `response` (DER) about `query.cert` at `at` (unix
/// seconds). See the module docs for the order of the checks.
pub fn evaluate_response(
    response: &[u8],
    query: &OcspQuery<'_>,
    policy: &OcspPolicy,
    at: i64,
) -> Result<OcspStatus, OcspError> {
    let basic = decode_basic(response, policy)?;
    let (cert, issuer) = query.parse()?;
    check_counts(&basic, policy)?;
    responder::check_signer(&basic, &issuer, at)?;
    let data = &basic.tbs_response_data;
    let single = data
        .responses
        .iter()
        .find(|r| certid::matches(&r.cert_id, &cert, &issuer))
        .ok_or_else(|| OcspError::CertIdMismatch {
            serial: cert.serial_hex(),
        })?;
    check_critical_extensions(data.response_extensions.as_deref())?;
    check_critical_extensions(single.single_extensions.as_deref())?;
    check_nonce(data.response_extensions.as_deref(), query.nonce)?;
    match &single.cert_status {
        CertStatus::Revoked(info) if info.revocation_reason != Some(CrlReason::CertificateHold) => {
            Ok(revoked(info))
        }
        CertStatus::Revoked(info) => check_times(single, policy, at).map(|_| revoked(info)),
        CertStatus::Good(_) => {
            check_times(single, policy, at).map(|next_update| OcspStatus::Good { next_update })
        }
        CertStatus::Unknown(_) => check_times(single, policy, at).map(|_| OcspStatus::Unknown),
    }
}

fn revoked(info: &RevokedInfo) -> OcspStatus {
    OcspStatus::Revoked {
        time: unix(&info.revocation_time),
        reason: info.revocation_reason,
    }
}

/// Steps 1 and 2: the BasicOCSPResponse inside a successful OCSPResponse.
fn decode_basic(response: &[u8], policy: &OcspPolicy) -> Result<BasicOcspResponse, OcspError> {
    if response.len() > policy.max_response_bytes {
        return Err(OcspError::TooLarge {
            len: response.len(),
            max: policy.max_response_bytes,
        });
    }
    let malformed = |what: &str, e: der::Error| OcspError::Malformed {
        what: format!("{what}: {e}"),
    };
    let outer = OcspResponse::from_der(response).map_err(|e| malformed("OCSPResponse", e))?;
    if outer.response_status != OcspResponseStatus::Successful {
        return Err(OcspError::ResponseStatus {
            status: outer.response_status,
        });
    }
    let bytes = outer.response_bytes.ok_or(OcspError::NoResponseBytes)?;
    if bytes.response_type != ID_PKIX_OCSP_BASIC {
        return Err(OcspError::UnsupportedResponseType {
            oid: bytes.response_type.to_string(),
        });
    }
    BasicOcspResponse::from_der(bytes.response.as_bytes())
        .map_err(|e| malformed("BasicOCSPResponse", e))
}

/// Step 3: bounded work.
fn check_counts(basic: &BasicOcspResponse, policy: &OcspPolicy) -> Result<(), OcspError> {
    if basic.tbs_response_data.responses.len() > policy.max_responses {
        return Err(OcspError::LimitExceeded {
            what: "SingleResponses",
            max: policy.max_responses,
        });
    }
    if basic.certs.as_ref().map_or(0, Vec::len) > policy.max_certs {
        return Err(OcspError::LimitExceeded {
            what: "certificates",
            max: policy.max_certs,
        });
    }
    Ok(())
}

/// Step 6: only the nonce is understood; any other critical extension refuses.
fn check_critical_extensions(exts: Option<&[Extension]>) -> Result<(), OcspError> {
    match exts
        .unwrap_or_default()
        .iter()
        .find(|e| e.critical && e.extn_id != ID_PKIX_OCSP_NONCE)
    {
        Some(e) => Err(OcspError::UnknownCriticalExtension {
            oid: e.extn_id.to_string(),
        }),
        None => Ok(()),
    }
}

/// Step 6: an echoed nonce equals the request's. The value is the DER of an OCTET
/// STRING (RFC 8954); some responders echo the bare octets, accepted too.
fn check_nonce(exts: Option<&[Extension]>, sent: Option<&[u8]>) -> Result<(), OcspError> {
    let (Some(sent), Some(echo)) = (
        sent,
        exts.unwrap_or_default()
            .iter()
            .find(|e| e.extn_id == ID_PKIX_OCSP_NONCE),
    ) else {
        return Ok(());
    };
    let value = echo.extn_value.as_bytes();
    let inner = OctetString::from_der(value).ok();
    let echoed = inner.as_ref().map_or(value, OctetString::as_bytes);
    if echoed == sent {
        Ok(())
    } else {
        Err(OcspError::NonceMismatch)
    }
}

/// Step 7: returns nextUpdate.
fn check_times(
    single: &SingleResponse,
    policy: &OcspPolicy,
    at: i64,
) -> Result<Option<i64>, OcspError> {
    let this_update = unix(&single.this_update);
    if this_update > at.saturating_add(policy.max_clock_skew) {
        return Err(OcspError::NotYetValid { this_update, at });
    }
    let next_update = single.next_update.as_ref().map(unix);
    let valid_until =
        next_update.unwrap_or(this_update.saturating_add(policy.max_age_without_next_update));
    if valid_until.saturating_add(policy.max_clock_skew) < at {
        return Err(OcspError::Stale { valid_until, at });
    }
    Ok(next_update)
}

fn unix(t: &GeneralizedTime) -> i64 {
    i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
}
