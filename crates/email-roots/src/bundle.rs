//! A PEM bundle of email-purpose roots, as Fedora/RHEL's `update-ca-trust` extracts it
//! (`p11-kit extract --purpose email --comment`: a `# label` line before each block).

use std::io::Read;
use std::path::Path;

use der::Decode;
use x509_cert::Certificate;

use crate::{Anchor, Error, Limits, Source};

const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
const END: &str = "-----END CERTIFICATE-----";

/// Reads the bundle at `path` (at most `limits.max_bundle_bytes`). Blocks that do not
/// decode are skipped and described in the second vector.
pub(crate) fn read(path: &Path, limits: &Limits) -> Result<(Vec<Anchor>, Vec<String>), Error> {
    let read_err = |source| Error::ReadBundle {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_err)?;
    let mut text = Vec::new();
    let cap = u64::try_from(limits.max_bundle_bytes).unwrap_or(u64::MAX);
    file.take(cap.saturating_add(1))
        .read_to_end(&mut text)
        .map_err(read_err)?;
    if text.len() > limits.max_bundle_bytes {
        return Err(Error::LimitExceeded {
            what: "email bundle bytes",
            max: limits.max_bundle_bytes,
        });
    }
    let (anchors, skipped) = parse(
        &String::from_utf8_lossy(&text),
        &Source::EmailBundle(path.to_path_buf()),
        limits,
    )?;
    if anchors.is_empty() {
        return Err(Error::EmptyBundle {
            path: path.to_path_buf(),
        });
    }
    Ok((anchors, skipped))
}

/// Splits the bundle text into anchors, each labelled by the `# ` comment line right
/// before its block, else by its subject's common name.
fn parse(
    text: &str,
    source: &Source,
    limits: &Limits,
) -> Result<(Vec<Anchor>, Vec<String>), Error> {
    let mut anchors: Vec<Anchor> = Vec::new();
    let mut skipped = Vec::new();
    let mut comment: Option<String> = None;
    let mut block: Option<String> = None;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end();
        if let Some(b) = block.as_mut() {
            b.push_str(line);
            b.push('\n');
            if line == END {
                let pem = block.take().unwrap_or_default();
                match decode(&pem) {
                    Ok(der) if anchors.iter().any(|a| a.der == der) => {}
                    Ok(der) => {
                        if anchors.len() >= limits.max_anchors {
                            return Err(Error::LimitExceeded {
                                what: "anchors",
                                max: limits.max_anchors,
                            });
                        }
                        let label = comment.take().unwrap_or_else(|| common_name(&der));
                        anchors.push(Anchor {
                            der,
                            label,
                            email_distrust_after: None,
                            source: source.clone(),
                        });
                    }
                    Err(e) => {
                        skipped.push(format!("{source}: block ending on line {}: {e}", n + 1))
                    }
                }
                comment = None;
            }
        } else if line == BEGIN {
            block = Some(format!("{line}\n"));
        } else if let Some(c) = line.strip_prefix("# ") {
            comment = Some(c.trim().to_string());
        } else if !line.is_empty() {
            comment = None;
        }
    }
    if block.is_some() {
        skipped.push(format!("{source}: unterminated CERTIFICATE block"));
    }
    Ok((anchors, skipped))
}

fn decode(pem: &str) -> Result<Vec<u8>, String> {
    let (_, der) = der::pem::decode_vec(pem.as_bytes()).map_err(|e| format!("bad PEM: {e}"))?;
    Certificate::from_der(&der).map_err(|e| format!("not a certificate: {e}"))?;
    Ok(der)
}

/// The subject's first common name, else the whole subject.
pub(crate) fn common_name(der: &[u8]) -> String {
    const CN: der::asn1::ObjectIdentifier = der::asn1::ObjectIdentifier::new_unwrap("2.5.4.3");
    let Ok(cert) = Certificate::from_der(der) else {
        return String::new();
    };
    let subject = cert.tbs_certificate().subject();
    subject
        .iter()
        .find(|atv| atv.oid == CN)
        .and_then(|atv| {
            atv.value.decode_as::<String>().ok().or_else(|| {
                atv.value
                    .decode_as::<der::asn1::PrintableStringRef<'_>>()
                    .ok()
                    .map(|s| s.to_string())
            })
        })
        .unwrap_or_else(|| subject.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use test_support::pki::{CertSpec, hierarchy};

    fn source() -> Source {
        Source::EmailBundle("/b.pem".into())
    }

    #[test]
    fn labels_come_from_the_comment_line_else_the_common_name() {
        let h = hierarchy();
        let text = format!("# Test Root\n{}\n{}", h.root.pem(), h.intermediate.pem());
        let (anchors, skipped) = parse(&text, &source(), &Limits::default()).unwrap();
        assert!(skipped.is_empty(), "{skipped:?}");
        let labels: Vec<&str> = anchors.iter().map(|a| a.label.as_str()).collect();
        assert_eq!(labels, ["Test Root", "Test Email CA"]);
        assert_eq!(anchors[0].der, h.root.der);
        assert!(anchors.iter().all(|a| a.email_distrust_after.is_none()));
    }

    #[test]
    fn duplicates_collapse_and_bad_blocks_are_skipped_with_a_reason() {
        let root = hierarchy().root.pem();
        let bad = format!("{BEGIN}\nAAAA\n{END}\n");
        let text = format!("{root}{root}{bad}{BEGIN}\nAAAA\n");
        let (anchors, skipped) = parse(&text, &source(), &Limits::default()).unwrap();
        assert_eq!(anchors.len(), 1);
        assert_eq!(skipped.len(), 2, "{skipped:?}");
        assert!(skipped[0].contains("line"), "{}", skipped[0]);
        assert!(skipped[1].contains("unterminated"), "{}", skipped[1]);
    }

    #[test]
    fn too_many_anchors_is_its_own_error() {
        let ca = |n: u8| {
            CertSpec::ca(
                &format!("bundle-ca-{n}"),
                &format!("CA {n}"),
                test_support::keys::KeyAlg::P256,
            )
            .self_signed()
            .pem()
        };
        let text = format!("{}{}", ca(1), ca(2));
        let limits = Limits {
            max_anchors: 1,
            ..Limits::default()
        };
        let err = parse(&text, &source(), &limits).unwrap_err();
        assert!(
            matches!(
                err,
                Error::LimitExceeded {
                    what: "anchors",
                    max: 1
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn an_oversized_bundle_is_refused_before_parsing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("email-ca-bundle.pem");
        std::fs::write(&path, hierarchy().root.pem()).unwrap();
        let limits = Limits {
            max_bundle_bytes: 100,
            ..Limits::default()
        };
        let err = read(&path, &limits).unwrap_err();
        assert!(
            matches!(err, Error::LimitExceeded { max: 100, .. }),
            "{err}"
        );
        assert_eq!(read(&path, &Limits::default()).unwrap().0.len(), 1);
    }

    #[test]
    fn a_bundle_without_certificates_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("email-ca-bundle.pem");
        std::fs::write(&path, "# nothing here\n").unwrap();
        let err = read(&path, &Limits::default()).unwrap_err();
        assert!(matches!(err, Error::EmptyBundle { .. }), "{err}");
    }
}
