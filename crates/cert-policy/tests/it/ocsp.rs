//! OCSP: one test per check of `evaluate_response`, with responses built by test-support's
//! independent DER assembler and signed by generated keys, evaluated at the fixed instant.

use cert_policy::ocsp::{
    CertStatus, OcspError, OcspPolicy, OcspQuery, OcspRequest, OcspResponseStatus, OcspStatus,
    build_request, evaluate_response,
};
use der::{Decode, Encode};
use test_support::keys::{HashAlg, KeyAlg, SigAlg};
use test_support::pki::ocsp::{
    CertIdSpec, OCSP_NONCE, OCSP_SIGNING, OcspResponseSpec, ResponderSpec, StatusSpec, nonce_value,
};
use test_support::pki::{CertSpec, KeyUsageBit, T2028, TestCert, hierarchy, leaf_for};
use x509_cert::ext::pkix::crl::CrlReason;

use crate::common::AT;

/// The certificate asked about, issued by the shared intermediate.
pub(crate) fn leaf() -> TestCert {
    leaf_for("ocsp@example.com")
}

/// The issuer of [`leaf`].
pub(crate) fn issuer() -> &'static TestCert {
    &hierarchy().intermediate
}

/// A delegated responder spec: P-256, EKU id-kp-OCSPSigning, keyUsage digitalSignature.
pub(crate) fn responder_spec(label: &str) -> CertSpec {
    let mut spec = CertSpec::leaf(label, "unused@example.com", KeyAlg::P256);
    spec.subject_cn = format!("OCSP Responder {label}");
    spec.san_emails = Vec::new();
    spec.eku = Some(vec![OCSP_SIGNING]);
    spec.key_usage = Some(vec![KeyUsageBit::DigitalSignature]);
    spec
}

/// A delegated responder issued by the shared intermediate.
pub(crate) fn responder() -> TestCert {
    responder_spec("ocsp-responder").issue(issuer())
}

fn eval(response: &[u8]) -> Result<OcspStatus, OcspError> {
    eval_with(response, None, AT)
}

fn eval_with(response: &[u8], nonce: Option<&[u8]>, at: i64) -> Result<OcspStatus, OcspError> {
    let leaf = leaf();
    let query = OcspQuery {
        cert: &leaf.der,
        issuer: &issuer().der,
        nonce,
    };
    evaluate_response(response, &query, &OcspPolicy::default(), at)
}

/// "good" signed by the issuer itself.
fn by_issuer() -> OcspResponseSpec {
    OcspResponseSpec::good(&leaf(), issuer(), issuer(), AT)
}

#[test]
fn good_signed_by_the_issuer_is_good_until_next_update() {
    let status = eval(&by_issuer().sign(&issuer().key)).unwrap();
    assert_eq!(
        status,
        OcspStatus::Good {
            next_update: Some(AT + 86_400)
        }
    );
}

#[test]
fn good_signed_by_a_delegated_responder_named_by_name_or_key_is_good() {
    let r = responder();
    let mut spec = OcspResponseSpec::good(&leaf(), issuer(), &r, AT);
    assert!(matches!(
        eval(&spec.sign(&r.key)),
        Ok(OcspStatus::Good { .. })
    ));
    spec.responder = ResponderSpec::key_of(&r);
    assert!(matches!(
        eval(&spec.sign(&r.key)),
        Ok(OcspStatus::Good { .. })
    ));
}

#[test]
fn revoked_carries_time_and_reason() {
    let mut spec = by_issuer();
    spec.responses[0].status = StatusSpec::Revoked {
        time: AT - 7200,
        reason: Some(1),
    };
    assert_eq!(
        eval(&spec.sign(&issuer().key)).unwrap(),
        OcspStatus::Revoked {
            time: AT - 7200,
            reason: Some(CrlReason::KeyCompromise)
        }
    );
}

#[test]
fn unknown_is_unknown() {
    let mut spec = by_issuer();
    spec.responses[0].status = StatusSpec::Unknown;
    assert_eq!(
        eval(&spec.sign(&issuer().key)).unwrap(),
        OcspStatus::Unknown
    );
}

#[test]
fn a_responder_that_says_try_later_gives_no_status() {
    let mut spec = by_issuer();
    spec.response_status = 3;
    assert_eq!(
        eval(&spec.sign(&issuer().key)),
        Err(OcspError::ResponseStatus {
            status: OcspResponseStatus::TryLater
        })
    );
}

#[test]
fn a_response_type_other_than_basic_is_refused() {
    let mut spec = by_issuer();
    spec.response_type = OCSP_NONCE;
    assert!(matches!(
        eval(&spec.sign(&issuer().key)),
        Err(OcspError::UnsupportedResponseType { .. })
    ));
}

#[test]
fn a_corrupted_signature_is_bad_signature() {
    let mut spec = by_issuer();
    spec.corrupt_signature = true;
    assert!(matches!(
        eval(&spec.sign(&issuer().key)),
        Err(OcspError::BadSignature { .. })
    ));
}

#[test]
fn a_response_signed_by_another_key_under_the_issuers_name_is_bad_signature() {
    let other = CertSpec::ca("ocsp-impostor", "Test Email CA", KeyAlg::Rsa2048).self_signed();
    assert!(matches!(
        eval(&by_issuer().sign(&other.key)),
        Err(OcspError::BadSignature { .. })
    ));
}

#[test]
fn a_sha1_signature_is_weak() {
    let mut spec = by_issuer();
    spec.sig = Some(SigAlg::RsaPkcs1(HashAlg::Sha1));
    assert!(matches!(
        eval(&spec.sign(&issuer().key)),
        Err(OcspError::WeakSignature { .. })
    ));
}

#[test]
fn a_responder_id_naming_no_known_certificate_is_unknown_responder() {
    let r = responder();
    let mut spec = OcspResponseSpec::good(&leaf(), issuer(), &r, AT);
    spec.certs.clear();
    assert_eq!(eval(&spec.sign(&r.key)), Err(OcspError::UnknownResponder));
}

/// A delegated responder built from `spec`, issued by `by`, answering "good".
fn delegated(spec: &CertSpec, by: &TestCert) -> Result<OcspStatus, OcspError> {
    let r = spec.issue(by);
    eval(&OcspResponseSpec::good(&leaf(), issuer(), &r, AT).sign(&r.key))
}

fn not_authorized(r: Result<OcspStatus, OcspError>) -> &'static str {
    match r {
        Err(OcspError::ResponderNotAuthorized { why, .. }) => why,
        other => panic!("expected ResponderNotAuthorized, got {other:?}"),
    }
}

#[test]
fn a_delegated_responder_without_ocsp_signing_is_not_authorized() {
    let mut spec = responder_spec("ocsp-no-eku");
    spec.eku = Some(vec![test_support::pki::oids::EMAIL_PROTECTION]);
    assert!(not_authorized(delegated(&spec, issuer())).contains("OCSPSigning"));
    spec.eku = None;
    assert!(not_authorized(delegated(&spec, issuer())).contains("OCSPSigning"));
}

#[test]
fn a_responder_issued_by_another_ca_is_not_authorized() {
    let spec = responder_spec("ocsp-wrong-ca");
    let why = not_authorized(delegated(&spec, &hierarchy().root));
    assert!(why.contains("not issued by"), "{why}");
}

#[test]
fn a_responder_under_the_issuers_name_but_another_key_is_not_authorized() {
    let impostor = CertSpec::ca("ocsp-impostor-ca", "Test Email CA", KeyAlg::Rsa2048).self_signed();
    let why = not_authorized(delegated(&responder_spec("ocsp-forged"), &impostor));
    assert!(why.contains("signature"), "{why}");
}

#[test]
fn a_responder_without_digital_signature_is_not_authorized() {
    let mut spec = responder_spec("ocsp-ku");
    spec.key_usage = Some(vec![KeyUsageBit::KeyAgreement]);
    assert!(not_authorized(delegated(&spec, issuer())).contains("digitalSignature"));
}

#[test]
fn a_responder_outside_its_validity_is_not_valid() {
    let mut spec = responder_spec("ocsp-expired");
    spec.not_after_unix = AT - 1;
    assert!(matches!(
        delegated(&spec, issuer()),
        Err(OcspError::ResponderNotValid { not_after, at, .. }) if not_after == AT - 1 && at == AT
    ));
    spec.not_before_unix = AT + 1;
    spec.not_after_unix = T2028;
    assert!(matches!(
        delegated(&spec, issuer()),
        Err(OcspError::ResponderNotValid { .. })
    ));
}

#[test]
fn a_status_for_another_certificate_is_cert_id_mismatch() {
    let mut spec = by_issuer();
    spec.responses[0].cert_id =
        CertIdSpec::of(&leaf_for("other@example.com"), issuer(), HashAlg::Sha1);
    assert!(matches!(
        eval(&spec.sign(&issuer().key)),
        Err(OcspError::CertIdMismatch { serial }) if serial == hex::encode(leaf().serial())
    ));
    // Same serial, but hashes of another issuer.
    spec.responses[0].cert_id = CertIdSpec::of(&leaf(), &hierarchy().root, HashAlg::Sha1);
    assert!(matches!(
        eval(&spec.sign(&issuer().key)),
        Err(OcspError::CertIdMismatch { .. })
    ));
}

#[test]
fn a_cert_id_hashed_with_sha256_matches_and_the_right_one_of_several_is_used() {
    let mut spec = by_issuer();
    let mut other = spec.responses[0].clone();
    other.cert_id = CertIdSpec::of(&leaf_for("other@example.com"), issuer(), HashAlg::Sha1);
    other.status = StatusSpec::Unknown;
    spec.responses[0].cert_id = CertIdSpec::of(&leaf(), issuer(), HashAlg::Sha256);
    spec.responses.insert(0, other);
    assert!(matches!(
        eval(&spec.sign(&issuer().key)),
        Ok(OcspStatus::Good { .. })
    ));
}

#[test]
fn this_update_in_the_future_beyond_the_skew_is_not_yet_valid() {
    let mut spec = by_issuer();
    spec.responses[0].this_update = AT + 301;
    assert_eq!(
        eval(&spec.sign(&issuer().key)),
        Err(OcspError::NotYetValid {
            this_update: AT + 301,
            at: AT
        })
    );
    spec.responses[0].this_update = AT + 300;
    assert!(eval(&spec.sign(&issuer().key)).is_ok());
}

#[test]
fn a_passed_next_update_is_stale() {
    let mut spec = by_issuer();
    spec.responses[0].this_update = AT - 10 * 86_400;
    spec.responses[0].next_update = Some(AT - 301);
    assert_eq!(
        eval(&spec.sign(&issuer().key)),
        Err(OcspError::Stale {
            valid_until: AT - 301,
            at: AT
        })
    );
    spec.responses[0].next_update = Some(AT - 300);
    assert!(eval(&spec.sign(&issuer().key)).is_ok());
}

#[test]
fn without_next_update_a_response_counts_for_a_day() {
    let mut spec = by_issuer();
    spec.responses[0].next_update = None;
    spec.responses[0].this_update = AT - 3600;
    assert_eq!(
        eval(&spec.sign(&issuer().key)),
        Ok(OcspStatus::Good { next_update: None })
    );
    spec.responses[0].this_update = AT - 2 * 86_400;
    assert!(matches!(
        eval(&spec.sign(&issuer().key)),
        Err(OcspError::Stale { valid_until, .. }) if valid_until == AT - 86_400
    ));
}

#[test]
fn a_revocation_counts_whatever_its_age_but_a_hold_does_not() {
    let mut spec = by_issuer();
    spec.responses[0].this_update = AT - 10 * 86_400;
    spec.responses[0].next_update = Some(AT - 9 * 86_400);
    spec.responses[0].status = StatusSpec::Revoked {
        time: AT - 10 * 86_400,
        reason: None,
    };
    assert!(matches!(
        eval(&spec.sign(&issuer().key)),
        Ok(OcspStatus::Revoked { reason: None, .. })
    ));
    spec.responses[0].status = StatusSpec::Revoked {
        time: AT - 10 * 86_400,
        reason: Some(6), // certificateHold
    };
    assert!(matches!(
        eval(&spec.sign(&issuer().key)),
        Err(OcspError::Stale { .. })
    ));
}

#[test]
fn an_echoed_nonce_must_be_the_requests() {
    let mut spec = by_issuer();
    spec.extensions = vec![(OCSP_NONCE, false, nonce_value(b"0123456789abcdef"))];
    let response = spec.sign(&issuer().key);
    assert!(eval_with(&response, Some(b"0123456789abcdef"), AT).is_ok());
    assert_eq!(
        eval_with(&response, Some(b"fedcba9876543210"), AT),
        Err(OcspError::NonceMismatch)
    );
    // Responders may ignore the nonce: no echo is no error.
    let plain = by_issuer().sign(&issuer().key);
    assert!(eval_with(&plain, Some(b"fedcba9876543210"), AT).is_ok());
}

#[test]
fn an_unknown_critical_extension_is_refused_a_non_critical_one_ignored() {
    let odd = const_oid::ObjectIdentifier::new_unwrap("1.3.6.1.4.1.55555.1");
    let mut spec = by_issuer();
    spec.extensions = vec![(odd, false, vec![0x05, 0x00])];
    assert!(eval(&spec.sign(&issuer().key)).is_ok());
    spec.extensions = vec![(odd, true, vec![0x05, 0x00])];
    assert!(matches!(
        eval(&spec.sign(&issuer().key)),
        Err(OcspError::UnknownCriticalExtension { .. })
    ));
    spec.extensions.clear();
    spec.responses[0].extensions = vec![(odd, true, vec![0x05, 0x00])];
    assert!(matches!(
        eval(&spec.sign(&issuer().key)),
        Err(OcspError::UnknownCriticalExtension { .. })
    ));
}

#[test]
fn oversized_truncated_and_crowded_responses_are_refused() {
    let response = by_issuer().sign(&issuer().key);
    let leaf = leaf();
    let query = OcspQuery {
        cert: &leaf.der,
        issuer: &issuer().der,
        nonce: None,
    };
    let small = OcspPolicy {
        max_response_bytes: response.len() - 1,
        ..OcspPolicy::default()
    };
    assert!(matches!(
        evaluate_response(&response, &query, &small, AT),
        Err(OcspError::TooLarge { .. })
    ));
    assert!(matches!(
        eval(&response[..response.len() - 1]),
        Err(OcspError::Malformed { .. })
    ));
    let mut spec = by_issuer();
    spec.certs = vec![issuer().der.clone(); 9];
    assert_eq!(
        eval(&spec.sign(&issuer().key)),
        Err(OcspError::LimitExceeded {
            what: "certificates",
            max: 8
        })
    );
}

#[test]
fn a_query_whose_issuer_did_not_issue_the_certificate_is_refused() {
    let leaf = leaf();
    let query = OcspQuery {
        cert: &leaf.der,
        issuer: &hierarchy().root.der,
        nonce: None,
    };
    assert!(matches!(
        build_request(&query),
        Err(OcspError::BadCertificate { .. })
    ));
    let response = by_issuer().sign(&issuer().key);
    assert!(matches!(
        evaluate_response(&response, &query, &OcspPolicy::default(), AT),
        Err(OcspError::BadCertificate { .. })
    ));
}

#[test]
fn a_request_names_the_certificate_with_sha1_and_carries_the_nonce() {
    let leaf = leaf();
    let query = OcspQuery {
        cert: &leaf.der,
        issuer: &issuer().der,
        nonce: Some(b"nonce-1"),
    };
    let der = build_request(&query).unwrap();
    let request = OcspRequest::from_der(&der).unwrap();
    assert_eq!(request.to_der().unwrap(), der);
    let id = &request.tbs_request.request_list[0].req_cert;
    let expected = CertIdSpec::of(&leaf, issuer(), HashAlg::Sha1);
    assert_eq!(id.hash_algorithm.oid, HashAlg::Sha1.oid());
    assert_eq!(id.issuer_name_hash.as_bytes(), expected.issuer_name_hash);
    assert_eq!(id.issuer_key_hash.as_bytes(), expected.issuer_key_hash);
    assert_eq!(id.serial_number.as_bytes(), expected.serial);
    let exts = request.tbs_request.request_extensions.unwrap();
    assert_eq!(exts[0].extn_id, OCSP_NONCE);
    assert_eq!(exts[0].extn_value.as_bytes(), nonce_value(b"nonce-1"));
    for bad in [&b""[..], &[7u8; 33]] {
        let query = OcspQuery {
            nonce: Some(bad),
            ..query
        };
        assert_eq!(
            build_request(&query),
            Err(OcspError::InvalidNonce { len: bad.len() })
        );
    }
}

#[test]
fn the_response_types_decode_and_reencode_byte_identically() {
    let mut spec = OcspResponseSpec::good(&leaf(), issuer(), &responder(), AT);
    spec.responder = ResponderSpec::key_of(&responder());
    spec.responses[0].status = StatusSpec::Revoked {
        time: AT - 60,
        reason: Some(4),
    };
    spec.extensions = vec![(OCSP_NONCE, false, nonce_value(b"n"))];
    let der = spec.sign(&responder().key);
    let outer = cert_policy::ocsp::OcspResponse::from_der(&der).unwrap();
    assert_eq!(outer.to_der().unwrap(), der);
    let inner = outer.response_bytes.unwrap().response;
    let basic = cert_policy::ocsp::BasicOcspResponse::from_der(inner.as_bytes()).unwrap();
    assert_eq!(basic.to_der().unwrap(), inner.as_bytes());
    assert!(matches!(
        basic.tbs_response_data.responses[0].cert_status,
        CertStatus::Revoked(ref r) if r.revocation_reason == Some(CrlReason::Superseded)
    ));
}

/// What the `ocsp_response` fuzz target checks, over mutations of a valid response: a
/// status or a typed error, never a panic, and never another answer than the signed one.
#[test]
fn truncated_and_bit_flipped_responses_never_panic_nor_change_the_answer() {
    let r = responder();
    let original = OcspResponseSpec::good(&leaf(), issuer(), &r, AT).sign(&r.key);
    let answer = eval(&original).unwrap();
    for len in 0..original.len() {
        assert!(eval(&original[..len]).is_err(), "truncated to {len}");
    }
    let mut unchanged = 0;
    for i in 0..original.len() {
        let mut bytes = original.clone();
        bytes[i] ^= 1 << (i % 8);
        if let Ok(status) = eval(&bytes) {
            // Only bytes outside what is signed can change without a refusal (the
            // NULL parameters of the responder certificate's outer signatureAlgorithm):
            // the answer stays the signed one.
            assert_eq!(status, answer, "byte {i}");
            unchanged += 1;
        }
    }
    assert!(unchanged <= 1, "{unchanged} flips accepted");
}
