//! The one error type of email-roots: each variant names the source that failed.

use std::path::PathBuf;

/// Why no email-purpose trust anchors could be loaded.
///
/// `Display` is one sentence for the operator; a service refuses to start on any of these
/// (exit status 2), it never falls back to a TLS bundle.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No email bundle exists and no NSS built-in roots module was found.
    #[error(
        "no email-purpose trust anchors found (looked for the email bundle {} and for \
         libnssckbi.so in {}): install the NSS built-in roots (Debian: libnss3; or \
         Thunderbird), set [trust] nss_module to a libnssckbi.so, or name a PEM bundle of \
         the CAs you accept for S/MIME in [trust] anchors",
        list(.bundles),
        list(.module_dirs)
    )]
    NotFound {
        /// The email bundles looked for.
        bundles: Vec<PathBuf>,
        /// The directories searched for the NSS module.
        module_dirs: Vec<PathBuf>,
    },
    /// An email bundle exists but could not be read.
    #[error("cannot read the email trust bundle {path}: {source}")]
    ReadBundle {
        /// The bundle.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// An email bundle exists but holds no certificate that decodes.
    #[error("the email trust bundle {path} holds no usable certificate")]
    EmptyBundle {
        /// The bundle.
        path: PathBuf,
    },
    /// The NSS module could not be loaded or read through PKCS#11.
    #[error("cannot read the NSS roots module {path}: {what}")]
    Module {
        /// The module.
        path: PathBuf,
        /// The PKCS#11 step that failed and why.
        what: String,
    },
    /// The NSS modules found hold no root trusted for email protection.
    #[error("the NSS roots module {path} holds no root trusted for email protection")]
    NoEmailRoots {
        /// The module (the last one tried when several were found).
        path: PathBuf,
    },
    /// A bound of [`Limits`](crate::Limits) was exceeded.
    #[error("{what} exceeds the limit of {max}")]
    LimitExceeded {
        /// What was too large ("email bundle bytes", "anchors").
        what: &'static str,
        /// The limit.
        max: usize,
    },
}

fn list(paths: &[PathBuf]) -> String {
    if paths.is_empty() {
        return "(none)".into();
    }
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
