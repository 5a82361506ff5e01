//! Interoperability with real-client certificates from the corpus (`SMIME_COLLECTOR_CORPUS`; skipped when absent).

use cert_policy::{Candidate, Policy, TrustStore, certificates_from_pem, evaluate};

fn case(
    folder: &str,
    signer: &str,
    from: &str,
    at: i64,
) -> Option<Result<cert_policy::Decision, cert_policy::Error>> {
    let dir = test_support::corpus_dir()?;
    let dir = dir.join(folder);
    let roots = std::fs::read(dir.join("roots.pem")).unwrap();
    let trust = TrustStore::from_pem(&[&roots], &[]).unwrap();
    let pem = std::fs::read(dir.join("signer-certs").join(signer)).unwrap();
    let signer = certificates_from_pem(&pem).remove(0);
    let cand = Candidate {
        from,
        signer: &signer,
        others: &[],
        encryption_preference: None,
    };
    Some(evaluate(&trust, &Policy::default(), &cand, at))
}

const NOW: i64 = test_support::FIXED_NOW_UNIX as i64;

#[test]
fn rfc9216_alice_is_accepted() {
    for f in [
        "smime-multipart-signed.eml.signer.pem",
        "smime-onepart-signed.eml.signer.pem",
    ] {
        let Some(r) = case("protected-headers-rfc9216", f, "alice@smime.example", NOW) else {
            return;
        };
        let d = r.unwrap();
        assert_eq!(d.path.len(), 2);
    }
}

#[test]
fn simple_java_mail_benny_is_accepted_in_2020_and_expired_now() {
    let f = "thunderbird52-signed-sha512.eml.signer.pem";
    let at_2020 = 1_577_836_800;
    let Some(r) = case("simple-java-mail", f, "benny@bennybottema.com", at_2020) else {
        return;
    };
    r.unwrap();
    let r = case(
        "simple-java-mail",
        f,
        "benny@bennybottema.com",
        1_900_000_000,
    )
    .unwrap();
    assert_eq!(r.unwrap_err().reason_code(), "cert_expired");
}

#[test]
fn nss_alice_with_email_in_subject_and_no_eku_is_accepted() {
    let f = "alice.sig.SHA256.opaque.eml.signer.pem";
    let Some(r) = case("comm-central-nss", f, "Alice@example.com", NOW) else {
        return;
    };
    let d = r.unwrap();
    assert_eq!(d.path[0].emails, ["Alice@example.com"]);
}

#[test]
fn rfc4134_dsa_sha1_signer_is_weak_algorithm() {
    let Some(r) = case(
        "rfc4134",
        "4.8.eml.signer.pem",
        "aliceDss@examples.com",
        NOW,
    ) else {
        return;
    };
    assert_eq!(r.unwrap_err().reason_code(), "weak_algorithm");
}

#[test]
fn pkits_signer_without_email_is_email_mismatch() {
    let Some(r) = case(
        "pkits",
        "SignedValidSignaturesTest1.eml.signer.pem",
        "sender@testcertificates.gov",
        1_262_421_000,
    ) else {
        return;
    };
    assert_eq!(r.unwrap_err().reason_code(), "email_mismatch");
}
