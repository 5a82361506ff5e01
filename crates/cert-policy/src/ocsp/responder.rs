//! Who signed the response, and may they (RFC 6960 4.2.2.2): the issuer itself, or a
//! delegated responder certificate included in the response, issued directly by the
//! issuer, with id-kp-OCSPSigning, valid at the time.

use const_oid::db::rfc5280::ID_KP_OCSP_SIGNING;
use der::Encode;

use super::OcspError;
use super::certid::key_sha1;
use super::types::{BasicOcspResponse, ResponderId};
use crate::cert::Cert;
use crate::verify::{VerifyError, verify_signature};

/// Checks that the response is signed by the issuer or by a responder it authorised.
pub(super) fn check_signer(
    basic: &BasicOcspResponse,
    issuer: &Cert,
    at: i64,
) -> Result<(), OcspError> {
    let malformed = |what: String| OcspError::Malformed { what };
    let tbs = basic
        .tbs_response_data
        .to_der()
        .map_err(|e| malformed(format!("ResponseData: {e}")))?;
    let signature = basic
        .signature
        .as_bytes()
        .ok_or_else(|| malformed("the signature BIT STRING has unused bits".into()))?;
    let id = &basic.tbs_response_data.responder_id;
    let delegated;
    let signer = if names(id, issuer) {
        issuer
    } else {
        delegated = included_responder(basic, id)?;
        check_delegated(&delegated, issuer, at)?;
        &delegated
    };
    match verify_signature(
        &basic.signature_algorithm,
        &signer.spki_der,
        &tbs,
        signature,
    ) {
        Ok(()) => Ok(()),
        Err(VerifyError::Bad) => Err(OcspError::BadSignature {
            signer: signer.subject.clone(),
        }),
        Err(VerifyError::Weak(algorithm)) => Err(OcspError::WeakSignature { algorithm }),
        Err(VerifyError::Unsupported(algorithm)) => {
            Err(OcspError::UnsupportedSignature { algorithm })
        }
    }
}

/// Whether the ResponderID names `c` (by subject, or by the SHA-1 of its key).
fn names(id: &ResponderId, c: &Cert) -> bool {
    match id {
        ResponderId::ByName(name) => crate::dn::Dn::of(name) == c.subject_dn,
        ResponderId::ByKey(hash) => key_sha1(c).is_ok_and(|k| k == hash.as_bytes()),
    }
}

/// The first certificate of the response that the ResponderID names.
fn included_responder(basic: &BasicOcspResponse, id: &ResponderId) -> Result<Cert, OcspError> {
    basic
        .certs
        .iter()
        .flatten()
        .filter_map(|c| c.to_der().ok())
        .filter_map(|der| Cert::parse(&der).ok())
        .find(|c| names(id, c))
        .ok_or(OcspError::UnknownResponder)
}

/// RFC 6960 4.2.2.2 for a responder that is not the issuer.
fn check_delegated(responder: &Cert, issuer: &Cert, at: i64) -> Result<(), OcspError> {
    let refuse = |why: &'static str| OcspError::ResponderNotAuthorized {
        subject: responder.subject.clone(),
        why,
    };
    if responder.issuer_dn != issuer.subject_dn {
        return Err(refuse("it is not issued by the certificate's issuer"));
    }
    if verify_signature(
        &responder.signature_algorithm,
        &issuer.spki_der,
        &responder.tbs,
        &responder.signature,
    )
    .is_err()
    {
        return Err(refuse(
            "its signature does not verify with the issuer's key",
        ));
    }
    let ocsp_signing = responder
        .ext
        .eku
        .as_ref()
        .is_some_and(|ekus| ekus.contains(&ID_KP_OCSP_SIGNING));
    if !ocsp_signing {
        return Err(refuse("its extendedKeyUsage lacks id-kp-OCSPSigning"));
    }
    if responder
        .ext
        .key_usage
        .as_ref()
        .is_some_and(|ku| !ku.digital_signature())
    {
        return Err(refuse("its keyUsage lacks digitalSignature"));
    }
    if responder.ext.unknown_critical.is_some() {
        return Err(refuse("it has an unknown critical extension"));
    }
    if at < responder.not_before || at > responder.not_after {
        return Err(OcspError::ResponderNotValid {
            subject: responder.subject.clone(),
            not_before: responder.not_before,
            not_after: responder.not_after,
            at,
        });
    }
    Ok(())
}
