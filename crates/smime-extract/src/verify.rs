//! SPEC step 4, verification (RFC 5652 §5.4, §5.6): find the signer's certificate among
//! those carried, check the signed attributes against the content, verify the signature.

mod algorithm;

use crate::signed_data::{self, SignedData, Signer, attrs};
use crate::{Error, Options, VerifiedSignature};
use cms::signed_data::SignerIdentifier;
use der::Decode;
use x509_cert::Certificate;
use x509_cert::ext::pkix::SubjectKeyIdentifier;

pub(crate) use algorithm::{digest_algorithm, signature_algorithm};

/// A carried certificate: its exact bytes and, when decodable, its parsed form.
struct Carried<'a> {
    raw: &'a [u8],
    cert: Option<Certificate>,
}

/// Verifies the SignerInfos in order; the first that verifies wins, otherwise the first
/// signer's error is returned.
pub(crate) fn verify(
    sd: &SignedData<'_>,
    content: &[u8],
    opts: &Options,
) -> Result<VerifiedSignature, Error> {
    let carried: Vec<Carried<'_>> = sd
        .certificates
        .iter()
        .map(|raw| Carried {
            raw,
            cert: parse_certificate(raw, opts),
        })
        .collect();
    let mut first_error = None;
    for signer in &sd.signers {
        match listed(sd, signer).and_then(|()| verify_signer(signer, &carried, content, opts)) {
            Ok(v) => return Ok(v),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or(Error::SignerInfoCount {
        count: 0,
        limit: opts.limits.max_signer_infos,
    }))
}

/// RFC 5652 §5.1: digestAlgorithms lists the signers' digest algorithms (OpenSSL refuses
/// a SignerInfo whose algorithm is not listed; so do we).
fn listed(sd: &SignedData<'_>, signer: &Signer<'_>) -> Result<(), Error> {
    if sd.digest_algorithms.contains(&signer.info.digest_alg.oid) {
        Ok(())
    } else {
        Err(Error::cms(format!(
            "digestAlgorithms does not list the signer's digest algorithm {}",
            signer.info.digest_alg.oid
        )))
    }
}

fn parse_certificate(raw: &[u8], opts: &Options) -> Option<Certificate> {
    Certificate::from_der(raw).ok().or_else(|| {
        // A BER-encoded certificate: decode a DER copy, keep the carried bytes.
        let tlv = crate::ber::read_all(raw, opts.limits.max_ber_depth).ok()?;
        let der = crate::ber::to_der(&tlv, opts.limits.max_ber_depth).ok()?;
        Certificate::from_der(&der).ok()
    })
}

fn verify_signer(
    signer: &Signer<'_>,
    carried: &[Carried<'_>],
    content: &[u8],
    opts: &Options,
) -> Result<VerifiedSignature, Error> {
    let info = &signer.info;
    let digest = digest_algorithm(&info.digest_alg)?;
    let (algorithm, named_hash) = signature_algorithm(&info.signature_algorithm)?;
    let hash = named_hash.unwrap_or(digest);
    for d in [digest, hash] {
        if d == crate::DigestAlgorithm::Sha1 && !opts.allow_sha1 {
            return Err(Error::WeakAlgorithm { algorithm: "sha1" });
        }
    }
    let (signer_index, cert) = carried
        .iter()
        .enumerate()
        .find_map(|(i, c)| {
            c.cert
                .as_ref()
                .filter(|cert| matches_sid(cert, &info.sid))
                .map(|cert| (i, cert))
        })
        .ok_or_else(|| Error::SignerCertificateMissing {
            signer_id: describe_sid(&info.sid),
        })?;

    let mut signing_time = None;
    let mut smime_capabilities = Vec::new();
    let mut encryption_key_preference = None;
    let messages = match &info.signed_attrs {
        Some(signed) => {
            let content_type = attrs::content_type(signed)?;
            if content_type != signed_data::ID_DATA {
                return Err(Error::ContentTypeMismatch {
                    found: content_type.to_string(),
                });
            }
            if attrs::message_digest(signed)? != digest.digest(content) {
                return Err(Error::MessageDigestMismatch {
                    digest: digest.as_str(),
                });
            }
            signing_time = attrs::signing_time(signed);
            smime_capabilities = attrs::smime_capabilities(signed);
            encryption_key_preference = attrs::encryption_key_preference(signed);
            signer.signed_attrs_encodings()
        }
        None => vec![content.to_vec()],
    };
    let spki = cert.tbs_certificate().subject_public_key_info();
    let signature = info.signature.as_bytes();
    let mut verified = false;
    for message in &messages {
        if algorithm::verify(spki, algorithm, hash, message, signature)? {
            verified = true;
            break;
        }
    }
    if !verified {
        return Err(Error::SignatureMismatch {
            algorithm: algorithm.as_str(),
        });
    }
    Ok(VerifiedSignature {
        format: crate::SignatureFormat::Detached, // the caller sets the located format
        digest,
        algorithm,
        signing_time,
        signer_certificate: carried[signer_index].raw.to_vec(),
        certificates: carried
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != signer_index)
            .map(|(_, c)| c.raw.to_vec())
            .collect(),
        smime_capabilities,
        encryption_key_preference,
        micalg: None,
        mime_parts: Vec::new(),
    })
}

/// RFC 5652 §5.3: issuerAndSerialNumber or subjectKeyIdentifier.
fn matches_sid(cert: &Certificate, sid: &SignerIdentifier) -> bool {
    let tbs = cert.tbs_certificate();
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(isn) => {
            tbs.issuer() == &isn.issuer
                && tbs.serial_number().as_bytes() == isn.serial_number.as_bytes()
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => {
            matches!(tbs.get_extension::<SubjectKeyIdentifier>(), Ok(Some((_, found))) if found == *ski)
        }
    }
}

fn describe_sid(sid: &SignerIdentifier) -> String {
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(isn) => {
            format!(
                "issuer {}, serial {}",
                isn.issuer,
                hex(isn.serial_number.as_bytes())
            )
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => {
            format!("subject key identifier {}", hex(ski.0.as_bytes()))
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
