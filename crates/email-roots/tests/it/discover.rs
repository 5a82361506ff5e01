//! Which source wins, and what happens when there is none.

use email_roots::{EmailRoots, Error, Options, Source};

use crate::nss_roots;

fn root_pem() -> std::path::PathBuf {
    test_support::testdata_dir().join("pki/root.pem")
}

#[test]
fn an_email_bundle_wins_over_the_module_search() {
    let options = Options {
        email_bundles: vec!["/nonexistent/email-ca-bundle.pem".into(), root_pem()],
        ..Options::default()
    };
    let roots = EmailRoots::discover(&options).unwrap();
    assert_eq!(roots.source, Source::EmailBundle(root_pem()));
    assert_eq!(roots.anchors.len(), 1);
    assert_eq!(roots.anchors[0].label, "Test Root CA");
}

#[test]
fn a_configured_module_wins_over_the_email_bundle() {
    let (_, module) = nss_roots();
    let options = Options {
        nss_module: Some(module.clone()),
        email_bundles: vec![root_pem()],
        module_dirs: vec![],
        ..Options::default()
    };
    let roots = EmailRoots::discover(&options).unwrap();
    assert_eq!(roots.source, Source::NssModule(module));
    assert!(roots.anchors.len() >= 50);
}

#[test]
fn nothing_found_is_an_error_naming_the_options_never_the_tls_bundle() {
    let empty = tempfile::tempdir().unwrap();
    let options = Options {
        email_bundles: vec!["/nonexistent/email-ca-bundle.pem".into()],
        module_dirs: vec![empty.path().to_path_buf()],
        ..Options::default()
    };
    let err = EmailRoots::discover(&options).unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    let text = err.to_string();
    for needle in [
        "/nonexistent/email-ca-bundle.pem",
        &empty.path().display().to_string(),
        "libnss3",
        "[trust] nss_module",
        "[trust] anchors",
    ] {
        assert!(text.contains(needle), "{needle:?} missing from: {text}");
    }
    assert!(!text.contains('\n'));
}

#[test]
fn a_configured_module_that_does_not_load_is_an_error() {
    let options = Options {
        nss_module: Some(root_pem()),
        ..Options::default()
    };
    let err = EmailRoots::discover(&options).unwrap_err();
    assert!(matches!(err, Error::Module { .. }), "{err:?}");
    assert!(err.to_string().contains("root.pem"), "{err}");
}

#[test]
fn a_broken_module_found_by_the_search_gives_way_to_the_next() {
    let (_, module) = nss_roots();
    let broken = tempfile::tempdir().unwrap();
    std::fs::write(broken.path().join("libnssckbi.so"), b"not a shared library").unwrap();
    let mut options = Options {
        email_bundles: vec![],
        module_dirs: vec![broken.path().to_path_buf()],
        ..Options::default()
    };
    let err = EmailRoots::discover(&options).unwrap_err();
    assert!(matches!(err, Error::Module { .. }), "{err:?}");
    options
        .module_dirs
        .push(module.parent().unwrap().to_path_buf());
    let roots = EmailRoots::discover(&options).unwrap();
    assert_eq!(roots.source, Source::NssModule(module));
}

#[test]
fn an_unreadable_email_bundle_is_an_error_not_a_fallback() {
    let dir = tempfile::tempdir().unwrap();
    // A directory where the bundle should be: it exists but cannot be read as a file.
    let options = Options {
        email_bundles: vec![dir.path().to_path_buf()],
        ..Options::default()
    };
    let err = EmailRoots::discover(&options).unwrap_err();
    assert!(matches!(err, Error::ReadBundle { .. }), "{err:?}");
}
