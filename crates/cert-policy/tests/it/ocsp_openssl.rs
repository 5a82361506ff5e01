//! OCSP against a real peer: `openssl ocsp` answers requests built here (as a one-shot
//! responder over an index file), and makes requests decoded here. openssl stamps its
//! responses with the wall clock, so these tests evaluate at the current time.

use std::path::{Path, PathBuf};
use std::process::Command;

use cert_policy::ocsp::{
    BasicOcspResponse, OcspError, OcspPolicy, OcspQuery, OcspRequest, OcspResponse, OcspStatus,
    build_request, evaluate_response,
};
use der::{Decode, Encode};
use test_support::pki::{CertSpec, TestCert, hierarchy, leaf_for};
use x509_cert::ext::pkix::crl::CrlReason;

use crate::ocsp::{issuer, leaf, responder, responder_spec};

fn now() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    i64::try_from(since.as_secs()).unwrap()
}

/// A temporary directory with the CA, its key, a delegated responder and an index that
/// lists [`leaf`] as valid and `revoked@ocsp.example` as revoked for keyCompromise.
struct Responder {
    dir: tempfile::TempDir,
}

impl Responder {
    fn new() -> Responder {
        let dir = tempfile::tempdir().unwrap();
        let r = Responder { dir };
        r.write("ca.pem", issuer().pem().as_bytes());
        r.write("ca.key", issuer().key.pkcs8_pem().as_bytes());
        let index = format!(
            "V\t360101000000Z\t\t{}\tunknown\t/CN=ocsp@example.com\n\
             R\t360101000000Z\t260101000000Z,keyCompromise\t{}\tunknown\t/CN=revoked\n",
            hex::encode_upper(leaf().serial()),
            hex::encode_upper(revoked_leaf().serial()),
        );
        r.write("index.txt", index.as_bytes());
        r.signer("delegated", &responder());
        r.signer("issuer", issuer());
        r
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, data: &[u8]) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, data).unwrap();
        p
    }

    /// Writes `<name>.pem` and `<name>.key` for a response signer.
    fn signer(&self, name: &str, c: &TestCert) {
        self.write(&format!("{name}.pem"), c.pem().as_bytes());
        self.write(&format!("{name}.key"), c.key.pkcs8_pem().as_bytes());
    }

    /// openssl's answer to `request`, signed by the signer `name`, plus extra flags.
    fn answer(&self, request: &[u8], signer: &str, extra: &[&str]) -> Vec<u8> {
        let req = self.write("req.der", request);
        let resp = self.path("resp.der");
        let mut args: Vec<String> = ["ocsp", "-index", "index.txt", "-CA", "ca.pem", "-rsigner"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        args.push(format!("{signer}.pem"));
        args.extend(["-rkey".into(), format!("{signer}.key")]);
        args.extend(["-reqin".into(), req.display().to_string()]);
        args.extend(["-respout".into(), resp.display().to_string()]);
        args.extend(extra.iter().map(|s| s.to_string()));
        openssl(self.dir.path(), &args);
        std::fs::read(resp).unwrap()
    }
}

fn openssl(dir: &Path, args: &[String]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn revoked_leaf() -> TestCert {
    leaf_for("revoked@ocsp.example")
}

/// Asks openssl about `cert` (signed by `signer`) and evaluates its answer at `at`.
fn ask(cert: &TestCert, signer: &str, extra: &[&str], at: i64) -> Result<OcspStatus, OcspError> {
    let r = Responder::new();
    let query = OcspQuery {
        cert: &cert.der,
        issuer: &issuer().der,
        nonce: Some(b"0123456789abcdef"),
    };
    let response = r.answer(&build_request(&query).unwrap(), signer, extra);
    evaluate_response(&response, &query, &OcspPolicy::default(), at)
}

#[test]
fn openssl_good_from_a_delegated_responder_is_good_until_its_next_update() {
    let at = now();
    match ask(&leaf(), "delegated", &["-ndays", "1"], at).unwrap() {
        OcspStatus::Good {
            next_update: Some(next),
        } => assert!((at + 86_000..at + 87_000).contains(&next), "{next} vs {at}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn openssl_good_signed_by_the_issuer_and_named_by_key_is_good() {
    let status = ask(&leaf(), "issuer", &["-ndays", "1", "-resp_key_id"], now());
    assert!(matches!(status, Ok(OcspStatus::Good { .. })), "{status:?}");
}

#[test]
fn openssl_revoked_is_revoked_with_its_reason() {
    let status = ask(&revoked_leaf(), "delegated", &["-ndays", "1"], now()).unwrap();
    assert_eq!(
        status,
        OcspStatus::Revoked {
            time: 1_767_225_600, // 2026-01-01
            reason: Some(CrlReason::KeyCompromise)
        }
    );
}

#[test]
fn openssl_unknown_is_unknown() {
    let stranger = leaf_for("stranger@ocsp.example");
    let status = ask(&stranger, "delegated", &["-ndays", "1"], now());
    assert_eq!(status, Ok(OcspStatus::Unknown));
}

#[test]
fn openssl_answer_from_a_responder_of_another_ca_is_not_authorized() {
    let r = Responder::new();
    r.signer(
        "foreign",
        &responder_spec("ocsp-foreign").issue(&hierarchy().root),
    );
    let leaf = leaf();
    let query = OcspQuery {
        cert: &leaf.der,
        issuer: &issuer().der,
        nonce: None,
    };
    let response = r.answer(&build_request(&query).unwrap(), "foreign", &["-ndays", "1"]);
    let err = evaluate_response(&response, &query, &OcspPolicy::default(), now()).unwrap_err();
    assert!(
        matches!(err, OcspError::ResponderNotAuthorized { .. }),
        "{err:?}"
    );
}

#[test]
fn openssl_answer_past_its_next_update_is_stale() {
    let at = now() + 2 * 86_400;
    let status = ask(&leaf(), "delegated", &["-ndays", "1"], at);
    assert!(matches!(status, Err(OcspError::Stale { .. })), "{status:?}");
}

#[test]
fn openssl_echoes_the_nonce_and_another_nonce_is_refused() {
    let r = Responder::new();
    let leaf = leaf();
    let query = OcspQuery {
        cert: &leaf.der,
        issuer: &issuer().der,
        nonce: Some(b"0123456789abcdef"),
    };
    let response = r.answer(
        &build_request(&query).unwrap(),
        "delegated",
        &["-ndays", "1"],
    );
    let other = OcspQuery {
        nonce: Some(b"another nonce"),
        ..query
    };
    assert_eq!(
        evaluate_response(&response, &other, &OcspPolicy::default(), now()),
        Err(OcspError::NonceMismatch)
    );
    assert!(evaluate_response(&response, &query, &OcspPolicy::default(), now()).is_ok());
}

#[test]
fn openssl_responses_decode_and_reencode_byte_identically() {
    let r = Responder::new();
    let leaf = leaf();
    let query = OcspQuery {
        cert: &leaf.der,
        issuer: &issuer().der,
        nonce: Some(b"n0"),
    };
    let request = build_request(&query).unwrap();
    for (signer, extra) in [("delegated", &[][..]), ("issuer", &["-resp_key_id"][..])] {
        let der = r.answer(&request, signer, extra);
        let outer = OcspResponse::from_der(&der).unwrap();
        assert_eq!(outer.to_der().unwrap(), der);
        let inner = outer.response_bytes.unwrap().response;
        let basic = BasicOcspResponse::from_der(inner.as_bytes()).unwrap();
        assert_eq!(basic.to_der().unwrap(), inner.as_bytes());
    }
}

/// openssl's request (`openssl ocsp -reqout`) for `certs`, with extra flags.
fn openssl_request(r: &Responder, certs: &[&TestCert], extra: &[&str]) -> Vec<u8> {
    // A digest flag must come before the -cert it applies to.
    let mut args: Vec<String> = vec!["ocsp".into()];
    args.extend(extra.iter().map(|s| s.to_string()));
    args.extend(["-issuer".into(), "ca.pem".into()]);
    for (i, c) in certs.iter().enumerate() {
        let name = format!("cert{i}.pem");
        r.write(&name, c.pem().as_bytes());
        args.extend(["-cert".into(), name]);
    }
    args.extend(["-reqout".into(), "out.der".into()]);
    openssl(r.dir.path(), &args);
    std::fs::read(r.path("out.der")).unwrap()
}

#[test]
fn openssl_requests_decode_and_reencode_byte_identically() {
    let r = Responder::new();
    let signer = CertSpec::leaf(
        "ocsp-requestor",
        "req@example.com",
        test_support::keys::KeyAlg::P256,
    )
    .issue(issuer());
    r.signer("requestor", &signer);
    let two = [&leaf(), &revoked_leaf()];
    for (certs, extra) in [
        (&two[..1], &[][..]),
        (&two[..1], &["-no_nonce"][..]),
        (&two[..1], &["-sha256"][..]),
        (&two[..], &[][..]),
        (
            &two[..1],
            &["-signer", "requestor.pem", "-signkey", "requestor.key"][..],
        ),
    ] {
        let der = openssl_request(&r, certs, extra);
        let request = OcspRequest::from_der(&der).unwrap_or_else(|e| panic!("{extra:?}: {e}"));
        assert_eq!(request.to_der().unwrap(), der, "{extra:?}");
        assert_eq!(request.tbs_request.request_list.len(), certs.len());
        let signed = request.optional_signature.is_some();
        assert_eq!(signed, extra.contains(&"-signer"), "{extra:?}");
        if signed {
            let certs = request.optional_signature.unwrap().certs.unwrap();
            assert_eq!(certs[0].to_der().unwrap(), signer.der);
        }
    }
}

#[test]
fn our_request_without_nonce_is_byte_identical_to_openssls() {
    let r = Responder::new();
    let leaf = leaf();
    let ours = build_request(&OcspQuery {
        cert: &leaf.der,
        issuer: &issuer().der,
        nonce: None,
    })
    .unwrap();
    assert_eq!(ours, openssl_request(&r, &[&leaf], &["-no_nonce"]));
}
