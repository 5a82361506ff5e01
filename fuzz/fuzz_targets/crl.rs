//! cert-policy's CRL decoding and RFC 5280 6.3 processing over arbitrary CRLs: the input
//! is one CRL, given to the trust store (then a path is validated with revocation
//! required) and to `revocation_status` for the generated alice and her issuer. Any
//! input gives a status or an error, never a panic. Seed with
//! testdata/pki/*.crl.pem converted to DER.
#![no_main]

use std::sync::OnceLock;

use cert_policy::{
    Candidate, Policy, RevocationPolicy, TrustStore, certificates_from_pem, evaluate,
    revocation_status,
};
use libfuzzer_sys::fuzz_target;

const AT: i64 = 1_780_272_000;

struct Fixtures {
    root: Vec<u8>,
    intermediate: Vec<u8>,
    alice: Vec<u8>,
}

fn fixtures() -> &'static Fixtures {
    static F: OnceLock<Fixtures> = OnceLock::new();
    F.get_or_init(|| {
        let one = |pem: &[u8]| certificates_from_pem(pem).remove(0);
        Fixtures {
            root: one(include_bytes!("../../testdata/pki/root.pem")),
            intermediate: one(include_bytes!("../../testdata/pki/intermediate.pem")),
            alice: one(include_bytes!("../../testdata/pki/alice.pem")),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let f = fixtures();
    let _ = revocation_status(&f.alice, &f.intermediate, &[data], AT);
    let Ok(trust) = TrustStore::from_der(&[f.root.clone()], &[f.intermediate.clone()])
        .and_then(|t| t.with_crls(&[data]))
    else {
        return;
    };
    let policy = Policy {
        revocation: RevocationPolicy::RequireGood,
        ..Policy::default()
    };
    let cand = Candidate {
        from: "alice@example.com",
        signer: &f.alice,
        others: &[],
        encryption_preference: None,
    };
    if let Err(e) = evaluate(&trust, &policy, &cand, AT) {
        let _ = (e.reason_code(), e.to_string());
    }
});
