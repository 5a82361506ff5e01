//! cert-policy over arbitrary certificates: the input is split into a signer and up to
//! seven other certificates (2-byte big-endian length prefixes), evaluated against the
//! generated test hierarchy. Any input gives a decision or an error, never a panic.
//! Seed with testdata/pki/*.pem converted to DER, and with length-prefixed chains.
#![no_main]

use std::sync::OnceLock;

use cert_policy::{Candidate, CertRef, Policy, TrustStore, evaluate, summarize};
use libfuzzer_sys::fuzz_target;

fn trust() -> &'static TrustStore {
    static T: OnceLock<TrustStore> = OnceLock::new();
    T.get_or_init(|| {
        let root = include_bytes!("../../testdata/pki/root.pem");
        let inter = include_bytes!("../../testdata/pki/intermediate.pem");
        let crl = include_bytes!("../../testdata/pki/intermediate.crl.pem");
        TrustStore::from_pem(&[root], &[inter])
            .and_then(|t| t.with_crls(&[crl]))
            .expect("testdata/pki is valid")
    })
}

fn split(mut data: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while data.len() >= 2 && out.len() < 8 {
        let n = usize::from(u16::from_be_bytes([data[0], data[1]])).min(data.len() - 2);
        out.push(data[2..2 + n].to_vec());
        data = &data[2 + n..];
    }
    if out.is_empty() {
        out.push(data.to_vec());
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let certs = split(data);
    let (signer, others) = certs.split_first().expect("split gives one at least");
    let _ = summarize(signer);
    let pref = others
        .last()
        .map(|c| CertRef::SubjectKeyId(c.iter().take(20).copied().collect()));
    let cand = Candidate {
        from: "alice@example.com",
        signer,
        others,
        encryption_preference: pref.as_ref(),
    };
    if let Err(e) = evaluate(trust(), &Policy::default(), &cand, 1_780_272_000) {
        let _ = (e.reason_code(), e.to_string());
    }
});
