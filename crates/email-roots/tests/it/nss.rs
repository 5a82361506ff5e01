//! The real NSS built-in roots module.

use cert_policy::TrustStore;
use der::Decode;
use email_roots::{Limits, NssTrust, Source, read_module};
use sha2::Digest;

use crate::nss_roots;

/// SHA-256 of ISRG Root X1 (Let's Encrypt): Mozilla trusts it for TLS servers only.
const ISRG_ROOT_X1: &str = "96bcec06264976f37460779acf28c5a7cfe8a3c0aae11a8ffcee05c0bddf08c6";

#[test]
fn nss_module_has_at_least_50_email_roots_some_with_an_email_distrust_date() {
    let (roots, path) = nss_roots();
    assert!(path.ends_with("libnssckbi.so"), "{path:?}");
    assert!(
        roots.anchors.len() >= 50,
        "{} email roots",
        roots.anchors.len()
    );
    let dated: Vec<i64> = roots
        .anchors
        .iter()
        .filter_map(|a| a.email_distrust_after)
        .collect();
    assert!(!dated.is_empty(), "no email distrust-after date at all");
    // Mozilla's distrust dates lie between 2019 and 2040.
    assert!(
        dated
            .iter()
            .all(|d| (1_546_300_800..2_208_988_800).contains(d)),
        "{dated:?}"
    );
    assert!(roots.anchors.iter().all(|a| a.source == roots.source));
    assert!(roots.skipped.is_empty(), "{:?}", roots.skipped);
}

#[test]
fn a_tls_only_root_is_in_the_module_but_not_an_email_anchor() {
    let (roots, path) = nss_roots();
    let (all, _) = read_module(&path, &Limits::default()).unwrap();
    let fingerprint = |der: &[u8]| hex::encode(sha2::Sha256::digest(der));
    let isrg = all
        .iter()
        .find(|r| fingerprint(&r.der) == ISRG_ROOT_X1)
        .expect("ISRG Root X1 is a built-in root");
    assert_eq!(isrg.server_auth, NssTrust::TrustedDelegator);
    assert_ne!(isrg.email, NssTrust::TrustedDelegator);
    assert!(
        roots
            .anchors
            .iter()
            .all(|a| fingerprint(&a.der) != ISRG_ROOT_X1),
        "a TLS-only root became an email anchor"
    );
    // Every anchor is exactly a module root whose email trust is a trusted delegator.
    let email_trusted = all
        .iter()
        .filter(|r| r.email == NssTrust::TrustedDelegator)
        .count();
    assert_eq!(roots.anchors.len(), email_trusted);
    assert!(
        all.len() > email_trusted,
        "the module has TLS-only roots too"
    );
}

#[test]
fn every_anchor_decodes_as_a_certificate_and_loads_into_cert_policy() {
    let (roots, _) = nss_roots();
    for a in &roots.anchors {
        x509_cert::Certificate::from_der(&a.der).unwrap_or_else(|e| panic!("{}: {e}", a.label));
        assert!(
            !a.label.is_empty() && !a.label.contains('\0'),
            "{:?}",
            a.label
        );
    }
    let trust = TrustStore::from_pem(&[roots.to_pem().as_bytes()], &[]).unwrap();
    assert_eq!(trust.anchor_count(), roots.anchors.len());
    assert!(trust.skipped().is_empty(), "{:?}", trust.skipped());
}

#[test]
fn list_rows_name_subject_fingerprint_source_and_distrust_date() {
    let (roots, path) = nss_roots();
    let rows = roots.rows();
    assert_eq!(rows.len(), roots.anchors.len());
    for (row, anchor) in rows.iter().zip(&roots.anchors) {
        assert_eq!(row.sha256, hex::encode(sha2::Sha256::digest(&anchor.der)));
        assert!(row.subject.contains('='), "{}", row.subject);
        assert_eq!(row.source, format!("NSS module {}", path.display()));
        assert_eq!(
            row.email_distrust_after.is_some(),
            anchor.email_distrust_after.is_some()
        );
        let line = row.to_string();
        assert_eq!(
            line.contains("email distrust after 20"),
            row.email_distrust_after.is_some()
        );
        assert!(!line.contains('\n'));
    }
}

#[test]
fn concurrent_discoveries_each_read_the_whole_module() {
    let (roots, _) = nss_roots();
    let counts: Vec<usize> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| s.spawn(|| nss_roots().0.anchors.len()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(
        counts.iter().all(|n| *n == roots.anchors.len()),
        "{counts:?}"
    );
    assert!(matches!(roots.source, Source::NssModule(_)));
}
