//! cert-policy's OCSP response decoder and evaluator over arbitrary bytes: the input is a
//! response about testdata/pki's alice.pem issued by intermediate.pem, evaluated at the
//! fixtures' instant. Any input gives a status or a typed error, never a panic; whatever
//! decodes as an OCSPResponse or OCSPRequest re-encodes to a value that decodes equal.
//! Seed with `openssl ocsp -respout` answers and test-support's OcspResponseSpec output.
#![no_main]

use std::sync::OnceLock;

use cert_policy::ocsp::{OcspPolicy, OcspQuery, OcspRequest, OcspResponse, evaluate_response};
use der::{Decode, Encode};
use libfuzzer_sys::fuzz_target;

fn pair() -> &'static (Vec<u8>, Vec<u8>) {
    static P: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
    P.get_or_init(|| {
        let pem = |b: &[u8]| cert_policy::certificates_from_pem(b).remove(0);
        (
            pem(include_bytes!("../../testdata/pki/alice.pem")),
            pem(include_bytes!("../../testdata/pki/intermediate.pem")),
        )
    })
}

fn round_trips<T: for<'a> Decode<'a> + Encode + PartialEq + std::fmt::Debug>(data: &[u8]) {
    if let Ok(value) = T::from_der(data) {
        let again = value.to_der().expect("a decoded value encodes");
        assert_eq!(T::from_der(&again).ok().as_ref(), Some(&value));
    }
}

fuzz_target!(|data: &[u8]| {
    let (cert, issuer) = pair();
    let query = OcspQuery {
        cert,
        issuer,
        nonce: Some(b"fuzz"),
    };
    if let Err(e) = evaluate_response(data, &query, &OcspPolicy::default(), 1_780_272_000) {
        let _ = e.to_string();
    }
    round_trips::<OcspResponse>(data);
    round_trips::<OcspRequest>(data);
});
