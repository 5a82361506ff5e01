//! email-roots integration tests: the real NSS built-in roots module (Debian's libnss3,
//! which `.ci/run` installs) and the order in which the sources are tried.
#![allow(clippy::unwrap_used)] // helpers outside #[test] functions unwrap too

mod discover;
mod nss;

use std::path::PathBuf;

use email_roots::{EmailRoots, Options, Source};

/// Discovery by module search only (no bundle): the real `libnssckbi.so`.
pub(crate) fn nss_roots() -> (EmailRoots, PathBuf) {
    let options = Options {
        email_bundles: vec![],
        ..Options::default()
    };
    let roots = EmailRoots::discover(&options).unwrap_or_else(|e| {
        panic!("the NSS built-in roots module is needed (apt-get install -y libnss3): {e}")
    });
    let Source::NssModule(path) = roots.source.clone() else {
        panic!("not from a module: {:?}", roots.source)
    };
    (roots, path)
}
