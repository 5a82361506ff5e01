//! One test per DKIM fixture of `testdata/dkim/` (named `<case>_is_<outcome>`), plus
//! caching, strict alignment and the fixtures' freshness.

use std::time::Duration;

use dkim_gate::Alignment;

use crate::support::{Setup, code};

const ALICE: &str = "alice@example.com";

#[tokio::test]
async fn rsa_relaxed_is_pass() {
    let s = Setup::new().await;
    let pass = s.verify("pass/rsa_relaxed.eml", ALICE).await.unwrap();
    assert_eq!(
        (
            pass.domain.as_str(),
            pass.selector.as_str(),
            pass.algorithm.as_str()
        ),
        ("example.com", "s1", "rsa-sha256")
    );
    assert_eq!(pass.signatures.len(), 1);
    assert_eq!(pass.signatures[0].result, "pass");
    assert!(pass.signatures[0].aligned);
}

#[tokio::test]
async fn rsa_simple_is_pass() {
    let s = Setup::new().await;
    let pass = s.verify("pass/rsa_simple.eml", ALICE).await.unwrap();
    assert_eq!(pass.domain, "example.com");
}

#[tokio::test]
async fn ed25519_is_pass() {
    let s = Setup::new().await;
    let pass = s.verify("pass/ed25519.eml", ALICE).await.unwrap();
    assert_eq!(
        (pass.selector.as_str(), pass.algorithm.as_str()),
        ("ed1", "ed25519-sha256")
    );
}

#[tokio::test]
async fn aligned_subdomain_is_pass() {
    let s = Setup::new().await;
    let pass = s.verify("pass/aligned_subdomain.eml", ALICE).await.unwrap();
    assert_eq!(pass.domain, "mail.example.com");
}

#[tokio::test]
async fn aligned_subdomain_strict_is_dkim_misaligned() {
    let s = Setup::with(Alignment::Strict, dkim_gate::DEFAULT_TIMEOUT).await;
    let result = s.verify("pass/aligned_subdomain.eml", ALICE).await;
    assert_eq!(code(&result), "dkim_misaligned");
    // The same signature, From at the signing domain itself, passes in strict mode.
    let pass = s
        .verify("pass/aligned_subdomain.eml", "alice@mail.example.com")
        .await;
    assert_eq!(pass.unwrap().domain, "mail.example.com");
}

#[tokio::test]
async fn lf_line_ends_is_pass() {
    let raw =
        std::fs::read(test_support::testdata_dir().join("dkim/pass/lf_line_ends.eml")).unwrap();
    assert!(
        !raw.contains(&b'\r'),
        "the fixture must be stored with LF line ends"
    );
    let s = Setup::new().await;
    s.verify("pass/lf_line_ends.eml", ALICE).await.unwrap();
}

#[tokio::test]
async fn several_one_passes_is_pass() {
    let s = Setup::new().await;
    let pass = s
        .verify("pass/several_one_passes.eml", ALICE)
        .await
        .unwrap();
    let results: Vec<(&str, &str)> = pass
        .signatures
        .iter()
        .map(|r| (r.selector.as_str(), r.result.as_str()))
        .collect();
    assert_eq!(
        results,
        [
            ("revoked", "permerror"),
            ("missing", "permerror"),
            ("s1", "pass")
        ]
    );
    assert_eq!(pass.selector, "s1");
}

#[tokio::test]
async fn unsigned_is_dkim_missing() {
    let s = Setup::new().await;
    let result = s.verify("dkim_missing/unsigned.eml", ALICE).await;
    assert_eq!(code(&result), "dkim_missing");
    assert!(result.unwrap_err().signatures().is_empty());
}

#[tokio::test]
async fn misaligned_domain_is_dkim_misaligned() {
    let s = Setup::new().await;
    let err = s
        .verify("dkim_misaligned/misaligned_domain.eml", ALICE)
        .await
        .unwrap_err();
    assert_eq!(err.reason_code(), "dkim_misaligned");
    let sig = &err.signatures()[0];
    assert_eq!(
        (sig.domain.as_str(), sig.result.as_str(), sig.aligned),
        ("example.org", "pass", false)
    );
    assert!(!err.is_transient());
}

#[tokio::test]
async fn public_suffix_d_is_dkim_misaligned() {
    let s = Setup::new().await;
    let err = s
        .verify("dkim_misaligned/public_suffix_d.eml", "bob@example.co.uk")
        .await
        .unwrap_err();
    assert_eq!(err.reason_code(), "dkim_misaligned");
    assert_eq!(err.signatures()[0].domain, "co.uk");
    assert_eq!(err.signatures()[0].result, "pass");
}

#[tokio::test]
async fn from_not_signed_is_dkim_fail() {
    let s = Setup::new().await;
    let err = s
        .verify("dkim_fail/from_not_signed.eml", ALICE)
        .await
        .unwrap_err();
    assert_eq!(err.reason_code(), "dkim_fail");
    assert_eq!(
        err.signatures()[0].result,
        "not_counted: h= does not include From"
    );
}

#[tokio::test]
async fn expired_x_is_dkim_fail() {
    let s = Setup::new().await;
    let err = s
        .verify("dkim_fail/expired_x.eml", ALICE)
        .await
        .unwrap_err();
    assert_eq!(err.reason_code(), "dkim_fail");
    assert_eq!(err.signatures()[0].result, "neutral");
    assert!(
        err.signatures()[0]
            .detail
            .to_lowercase()
            .contains("expired"),
        "{err}"
    );
}

#[tokio::test]
async fn revoked_key_is_dkim_fail() {
    let s = Setup::new().await;
    let err = s
        .verify("dkim_fail/revoked_key.eml", ALICE)
        .await
        .unwrap_err();
    assert_eq!(err.reason_code(), "dkim_fail");
    assert_eq!(err.signatures()[0].result, "permerror");
    assert!(
        err.signatures()[0]
            .detail
            .to_lowercase()
            .contains("revoked"),
        "{err}"
    );
}

#[tokio::test]
async fn nxdomain_is_dkim_fail() {
    let s = Setup::new().await;
    let err = s.verify("dkim_fail/nxdomain.eml", ALICE).await.unwrap_err();
    assert_eq!(err.reason_code(), "dkim_fail");
    assert_eq!(err.signatures()[0].result, "permerror");
    assert!(!err.is_transient());
}

#[tokio::test]
async fn body_changed_is_dkim_fail() {
    let s = Setup::new().await;
    let err = s
        .verify("dkim_fail/body_changed.eml", ALICE)
        .await
        .unwrap_err();
    assert_eq!(err.reason_code(), "dkim_fail");
    assert_eq!(err.signatures()[0].result, "neutral");
}

#[tokio::test]
async fn body_length_partial_is_dkim_fail() {
    let s = Setup::new().await;
    let err = s
        .verify("dkim_fail/body_length_partial.eml", ALICE)
        .await
        .unwrap_err();
    assert_eq!(err.reason_code(), "dkim_fail");
    assert!(
        err.signatures()[0].result.starts_with("not_counted: l="),
        "{err}"
    );
}

#[tokio::test]
async fn servfail_is_dkim_temp_error() {
    let s = Setup::new().await;
    let err = s
        .verify("dkim_temp_error/servfail.eml", ALICE)
        .await
        .unwrap_err();
    assert_eq!(err.reason_code(), "dkim_temp_error");
    assert!(err.is_transient());
    assert_eq!(err.signatures()[0].result, "temperror");
}

#[tokio::test]
async fn timeout_is_dkim_temp_error() {
    // A short budget keeps the test quick; the default is 4 s.
    let s = Setup::with(Alignment::Relaxed, Duration::from_millis(800)).await;
    let err = s
        .verify("dkim_temp_error/timeout.eml", ALICE)
        .await
        .unwrap_err();
    assert_eq!(err.reason_code(), "dkim_temp_error");
    assert!(err.is_transient());
    assert!(s.dns.queries("timeout._domainkey.example.com") >= 1);
}

#[tokio::test]
async fn key_lookups_are_cached_within_their_ttl() {
    let s = Setup::new().await;
    for _ in 0..3 {
        s.verify("pass/rsa_relaxed.eml", ALICE).await.unwrap();
        s.verify("pass/rsa_simple.eml", ALICE).await.unwrap();
    }
    assert_eq!(s.dns.queries("s1._domainkey.example.com"), 1);
}

#[test]
fn fixtures_are_up_to_date() {
    let dir = test_support::testdata_dir();
    let zone = std::fs::read_to_string(dir.join("dkim/zone.txt")).unwrap();
    assert_eq!(
        zone,
        test_support::dkim::zone_text(&test_support::dkim::zone_records())
    );
    for case in test_support::dkim::cases() {
        let on_disk = std::fs::read(dir.join(case.path())).unwrap();
        assert!(
            on_disk == case.bytes,
            "{} differs: run gen-testdata",
            case.path()
        );
    }
}

#[test]
fn every_case_has_a_test() {
    let source = include_str!("fixtures.rs");
    for case in test_support::dkim::cases() {
        let name = format!("async fn {}_is_{}()", case.name, case.expected);
        assert!(source.contains(&name), "no test {name}");
    }
}

#[tokio::test]
async fn whole_message_budget_is_dkim_temp_error() {
    let s = Setup::with(Alignment::Relaxed, Duration::from_millis(20)).await;
    let err = s
        .verify("dkim_temp_error/timeout.eml", ALICE)
        .await
        .unwrap_err();
    assert!(matches!(err, dkim_gate::Error::Timeout { .. }), "{err:?}");
    assert_eq!(err.reason_code(), "dkim_temp_error");
    assert!(err.is_transient());
}

#[tokio::test]
async fn malformed_signature_is_dkim_fail() {
    let s = Setup::new().await;
    let raw =
        std::fs::read(test_support::testdata_dir().join("dkim/dkim_missing/unsigned.eml")).unwrap();
    let mut bad = b"DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s1; b=!!!\r\n".to_vec();
    bad.extend_from_slice(&raw);
    let err = s.gate.verify(&bad, "example.com").await.unwrap_err();
    assert_eq!(err.reason_code(), "dkim_fail");
    assert_eq!(err.signatures().len(), 1);
    assert_eq!(err.signatures()[0].result, "permerror");
    assert_eq!(err.signatures()[0].domain, "example.com");
}

#[tokio::test]
async fn hostile_input_does_not_panic() {
    let s = Setup::new().await;
    let inputs: [&[u8]; 6] = [
        b"",
        b"\n\n\n",
        b"\xff\xfe\x00garbage",
        b"DKIM-Signature:\r\n\r\n",
        b"DKIM-Signature: d=; s=; a=; l=99999999999999999999999\r\nFrom: a@b\r\n\r\nx",
        b"From: a@example.com\r\nDKIM-Signature: v=1; a=ed25519-sha256; d=co.uk; s=s1; h=from; bh=; b=\r\n\r\n",
    ];
    for raw in inputs {
        let result = s.gate.verify(raw, "example.com").await;
        let code = code(&result);
        assert!(
            code == "dkim_missing" || code == "dkim_fail",
            "{code} for {raw:?}"
        );
    }
}

#[test]
fn blocking_server_serves_a_gate_on_another_runtime() {
    let dns = test_support::dns::TestDns::start_blocking(&test_support::dkim::zone_records());
    let config = dkim_gate::DkimConfig {
        dns: vec![dns.addr()],
        ..Default::default()
    };
    let gate = dkim_gate::DkimGate::new(&config).unwrap();
    let raw = std::fs::read(test_support::testdata_dir().join("dkim/pass/ed25519.eml")).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let pass = rt.block_on(gate.verify(&raw, "example.com")).unwrap();
    assert_eq!(pass.selector, "ed1");
    assert_eq!(dns.queries("ed1._domainkey.example.com"), 1);
}
