//! The trust anchors a mail client uses for S/MIME: the roots Mozilla trusts for *email*,
//! not the TLS roots of the system bundle.
//!
//! [`EmailRoots::discover`] looks, in order, for
//! 1. an NSS roots module named by the caller ([`Options::nss_module`], the configuration's
//!    `[trust] nss_module`): then only that module is read;
//! 2. Fedora/RHEL's email bundle, `/etc/pki/ca-trust/extracted/pem/email-ca-bundle.pem`
//!    ([`Options::email_bundles`]), a PEM bundle that `update-ca-trust` extracts for the
//!    email purpose;
//! 3. the NSS built-in roots module, `libnssckbi.so` (Debian's `libnss3`; Thunderbird and
//!    Firefox ship their own), searched in [`Options::module_dirs`] and read through
//!    PKCS#11 with the `cryptoki` crate: the certificates whose NSS trust object marks
//!    email protection as a trusted delegator, with each root's email distrust-after date.
//!
//! Nothing found is an [`Error::NotFound`] naming the options (a service refuses to start,
//! exit status 2): it never falls back to the TLS bundle. Each [`Anchor`] carries its DER,
//! label, email distrust-after date and [`Source`]; [`Anchor::row`] is the line
//! `readsmimesig --list-trust` prints (subject, SHA-256, source, distrust date).
//!
//! The distrust-after rule (a leaf issued after the date is not trusted through that root,
//! as NSS compares the leaf's notBefore) is applied by cert-policy's path validation, not
//! here.
//!
//! # I/O
//!
//! Unlike the other libraries of the workspace this one does I/O, because that is its job:
//! it reads files and directories and loads the PKCS#11 module into the process
//! (`cryptoki` does the `dlopen` and the FFI, with its own `unsafe`; this crate forbids
//! `unsafe`). A module is process-global state: reads are serialised, and the module is
//! finalised after each read unless something else in the process initialised it. Call
//! it once at start-up, not per message.
//!
//! # Limits
//!
//! [`Limits`]: a bundle of at most 16 MiB, at most 4096 anchors, at most 65 536 objects of
//! one class in a module. Going over one is [`Error::LimitExceeded`].
//!
//! # Example
//!
//! ```
//! use email_roots::{EmailRoots, Options, Source};
//! let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/pki/");
//! // A bundle standing in for Fedora's email-ca-bundle.pem; no module search.
//! let options = Options {
//!     email_bundles: vec![format!("{dir}root.pem").into()],
//!     module_dirs: vec![],
//!     ..Options::default()
//! };
//! let roots = EmailRoots::discover(&options).unwrap();
//! assert!(matches!(roots.source, Source::EmailBundle(_)));
//! let row = roots.anchors[0].row();
//! assert_eq!(row.subject, "CN=Test Root CA");
//! assert_eq!(row.sha256.len(), 64);
//! ```
#![forbid(unsafe_code)]

mod anchor;
mod bundle;
mod error;
mod nss;

use std::path::{Path, PathBuf};

pub use anchor::{Anchor, Source, TrustRow};
pub use error::Error;
pub use nss::{NssRoot, NssTrust, read_module};

/// Fedora/RHEL's bundle of the roots trusted for email (`update-ca-trust`).
pub const FEDORA_EMAIL_BUNDLE: &str = "/etc/pki/ca-trust/extracted/pem/email-ca-bundle.pem";

/// The file name of the NSS built-in roots module.
pub const NSS_MODULE_NAME: &str = "libnssckbi.so";

/// Bounds against a hostile or broken source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest email bundle read. Default 16 MiB (Fedora's bundles are about 200 KiB).
    pub max_bundle_bytes: usize,
    /// Most anchors taken. Default 4096 (Mozilla's root program has about 150).
    pub max_anchors: usize,
    /// Most objects of one class in a module. Default 65 536.
    pub max_module_objects: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_bundle_bytes: 16 << 20,
            max_anchors: 4096,
            max_module_objects: 1 << 16,
        }
    }
}

/// Where to look. [`Options::default`] is what a mail client on Linux does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// An NSS roots module named by the configuration (`[trust] nss_module`). When set,
    /// only this module is read: no bundle, no search.
    pub nss_module: Option<PathBuf>,
    /// Email-purpose PEM bundles, the first that exists is used. Default:
    /// [`FEDORA_EMAIL_BUNDLE`].
    pub email_bundles: Vec<PathBuf>,
    /// Directories searched for [`NSS_MODULE_NAME`], in order; a path component `*`
    /// matches every subdirectory. Default: [`default_module_dirs`].
    pub module_dirs: Vec<PathBuf>,
    /// Bounds.
    pub limits: Limits,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            nss_module: None,
            email_bundles: vec![FEDORA_EMAIL_BUNDLE.into()],
            module_dirs: default_module_dirs(),
            limits: Limits::default(),
        }
    }
}

/// The usual homes of `libnssckbi.so`: the multiarch library directory
/// (`/usr/lib/x86_64-linux-gnu`, Debian's libnss3), `/usr/lib64`, `/usr/lib`,
/// `/usr/lib/*/nss`, then Thunderbird's and Firefox's install directories.
pub fn default_module_dirs() -> Vec<PathBuf> {
    let multiarch = format!("/usr/lib/{}-linux-gnu", std::env::consts::ARCH);
    [
        multiarch.as_str(),
        "/usr/lib64",
        "/usr/lib",
        "/usr/lib/*/nss",
        "/usr/lib/thunderbird",
        "/usr/lib64/thunderbird",
        "/opt/thunderbird",
        "/usr/lib/firefox",
        "/usr/lib64/firefox",
        "/usr/lib/firefox-esr",
        "/opt/firefox",
    ]
    .into_iter()
    .map(PathBuf::from)
    .collect()
}

/// The email-purpose trust anchors in use and where they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailRoots {
    /// The anchors, in the source's order, without duplicates.
    pub anchors: Vec<Anchor>,
    /// Where they were read from.
    pub source: Source,
    /// Why some entries of the source were left out (for the log).
    pub skipped: Vec<String>,
}

impl EmailRoots {
    /// Finds the email-purpose anchors as described in the crate docs.
    pub fn discover(options: &Options) -> Result<EmailRoots, Error> {
        if let Some(module) = &options.nss_module {
            return from_module(module, &options.limits);
        }
        for path in &options.email_bundles {
            let exists = path.try_exists().map_err(|source| Error::ReadBundle {
                path: path.clone(),
                source,
            })?;
            if exists {
                let (anchors, skipped) = bundle::read(path, &options.limits)?;
                return Ok(EmailRoots {
                    anchors,
                    source: Source::EmailBundle(path.clone()),
                    skipped,
                });
            }
        }
        // A module that does not load (another architecture, say) gives way to the next
        // one found; when none works the first one's error is the one to report.
        let mut first_error = None;
        for module in find_modules(&options.module_dirs) {
            match from_module(&module, &options.limits) {
                Ok(roots) => return Ok(roots),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        Err(first_error.unwrap_or_else(|| Error::NotFound {
            bundles: options.email_bundles.clone(),
            module_dirs: options.module_dirs.clone(),
        }))
    }

    /// The rows `readsmimesig --list-trust` prints, one per anchor.
    pub fn rows(&self) -> Vec<TrustRow> {
        self.anchors.iter().map(Anchor::row).collect()
    }

    /// The anchors as one PEM bundle (for `cert_policy::TrustStore::from_pem`).
    pub fn to_pem(&self) -> String {
        self.anchors
            .iter()
            .filter_map(|a| {
                der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, &a.der).ok()
            })
            .collect()
    }
}

/// The email anchors of one NSS module.
fn from_module(path: &Path, limits: &Limits) -> Result<EmailRoots, Error> {
    let (roots, mut skipped) = read_module(path, limits)?;
    let source = Source::NssModule(path.to_path_buf());
    let mut anchors: Vec<Anchor> = Vec::new();
    for root in roots {
        if root.email != NssTrust::TrustedDelegator || anchors.iter().any(|a| a.der == root.der) {
            continue;
        }
        if let Err(e) = <x509_cert::Certificate as der::Decode>::from_der(&root.der) {
            skipped.push(format!("{}: not a certificate: {e}", root.label));
            continue;
        }
        if anchors.len() >= limits.max_anchors {
            return Err(Error::LimitExceeded {
                what: "anchors",
                max: limits.max_anchors,
            });
        }
        anchors.push(Anchor {
            der: root.der,
            label: root.label,
            email_distrust_after: root.email_distrust_after,
            source: source.clone(),
        });
    }
    if anchors.is_empty() {
        return Err(Error::NoEmailRoots {
            path: path.to_path_buf(),
        });
    }
    Ok(EmailRoots {
        anchors,
        source,
        skipped,
    })
}

/// Every `libnssckbi.so` under `dirs`, in order (a `*` component expands to the
/// subdirectories, sorted).
fn find_modules(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = Vec::new();
    for dir in dirs.iter().flat_map(|d| expand(d)) {
        let candidate = dir.join(NSS_MODULE_NAME);
        if candidate.is_file() && !found.contains(&candidate) {
            found.push(candidate);
        }
    }
    found
}

fn expand(pattern: &Path) -> Vec<PathBuf> {
    let mut paths = vec![PathBuf::new()];
    for part in pattern.components() {
        if part.as_os_str() == "*" {
            paths = paths
                .into_iter()
                .flat_map(|p| {
                    let mut subdirs: Vec<PathBuf> = std::fs::read_dir(&p)
                        .into_iter()
                        .flatten()
                        .flatten()
                        .map(|e| e.path())
                        .filter(|p| p.is_dir())
                        .collect();
                    subdirs.sort();
                    subdirs
                })
                .collect();
        } else {
            for p in &mut paths {
                p.push(part);
            }
        }
    }
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_star_component_expands_to_every_subdirectory() {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["b/nss", "a/nss", "c"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        std::fs::write(dir.path().join("a/nss").join(NSS_MODULE_NAME), b"").unwrap();
        std::fs::write(dir.path().join("b/nss").join(NSS_MODULE_NAME), b"").unwrap();
        let pattern = dir.path().join("*/nss");
        assert_eq!(
            expand(&pattern),
            [
                dir.path().join("a/nss"),
                dir.path().join("b/nss"),
                dir.path().join("c/nss")
            ]
        );
        assert_eq!(
            find_modules(&[pattern.clone(), pattern]),
            [
                dir.path().join("a/nss").join(NSS_MODULE_NAME),
                dir.path().join("b/nss").join(NSS_MODULE_NAME)
            ]
        );
    }

    #[test]
    fn default_dirs_start_with_the_multiarch_directory() {
        let dirs = default_module_dirs();
        assert!(
            dirs[0].to_string_lossy().ends_with("-linux-gnu"),
            "{dirs:?}"
        );
        assert!(dirs.contains(&PathBuf::from("/usr/lib/*/nss")));
    }
}
