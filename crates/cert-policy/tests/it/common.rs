//! Helpers shared by the tests.

use cert_policy::{Candidate, CertRef, Decision, Error, Policy, TrustStore, evaluate};
use test_support::keys::KeyAlg;
use test_support::pki::{CertSpec, TestCert, hierarchy};

/// The fixed instant of every fixture.
pub(crate) const AT: i64 = test_support::FIXED_NOW_UNIX as i64;

/// Trust: the shared root only (intermediates come from the message).
pub(crate) fn trust() -> TrustStore {
    TrustStore::from_pem(&[hierarchy().root.pem().as_bytes()], &[]).unwrap()
}

/// A leaf issued by the shared intermediate.
pub(crate) fn issue(spec: &CertSpec) -> TestCert {
    spec.issue(&hierarchy().intermediate)
}

/// A standard leaf spec issued by the shared intermediate.
pub(crate) fn leaf_spec(label: &str, email: &str, key: KeyAlg) -> CertSpec {
    CertSpec::leaf(label, email, key)
}

/// Evaluates `signer` for `from` with `others` in the message, at `at`.
pub(crate) fn eval_at(
    trust: &TrustStore,
    from: &str,
    signer: &TestCert,
    others: &[&TestCert],
    at: i64,
) -> Result<Decision, Error> {
    eval_with(trust, from, signer, others, None, at)
}

/// The one place a [`Candidate`] is built from test certificates.
fn eval_with(
    trust: &TrustStore,
    from: &str,
    signer: &TestCert,
    others: &[&TestCert],
    encryption_preference: Option<&CertRef>,
    at: i64,
) -> Result<Decision, Error> {
    let others: Vec<Vec<u8>> = others.iter().map(|c| c.der.clone()).collect();
    let cand = Candidate {
        from,
        signer: &signer.der,
        others: &others,
        encryption_preference,
    };
    evaluate(trust, &Policy::default(), &cand, at)
}

/// Evaluates with the shared intermediate in the message, at [`AT`].
pub(crate) fn eval(from: &str, signer: &TestCert) -> Result<Decision, Error> {
    eval_at(&trust(), from, signer, &[&hierarchy().intermediate], AT)
}

/// Evaluates with an encryption preference.
pub(crate) fn eval_pref(
    from: &str,
    signer: &TestCert,
    others: &[&TestCert],
    pref: &CertRef,
) -> Result<Decision, Error> {
    eval_with(&trust(), from, signer, others, Some(pref), AT)
}

/// The reason code of a rejection; panics on acceptance.
pub(crate) fn code(r: Result<Decision, Error>) -> &'static str {
    match r {
        Ok(d) => panic!("accepted, path {:?}", d.path),
        Err(e) => {
            // Every rejection reads as one sentence.
            let s = e.to_string();
            assert!(!s.is_empty() && !s.contains('\n'), "{s}");
            e.reason_code()
        }
    }
}

/// A CA issued by the shared root.
pub(crate) fn sub_ca(spec: &CertSpec) -> TestCert {
    spec.issue(&hierarchy().root)
}
