//! Algorithm identification (RFC 5754, RFC 4056, RFC 5758, RFC 8419) and the dispatch to
//! the RustCrypto primitives. No cryptography is implemented here.

use crate::{DigestAlgorithm, Error, SignatureAlgorithm};
use const_oid::ObjectIdentifier;
use der::{Decode, Encode};
use digest::Digest;
use signature::hazmat::PrehashVerifier;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

const fn oid(s: &str) -> ObjectIdentifier {
    ObjectIdentifier::new_unwrap(s)
}

const MD5: ObjectIdentifier = oid("1.2.840.113549.2.5");
const SHA1: ObjectIdentifier = oid("1.3.14.3.2.26");
const SHA256: ObjectIdentifier = oid("2.16.840.1.101.3.4.2.1");
const SHA384: ObjectIdentifier = oid("2.16.840.1.101.3.4.2.2");
const SHA512: ObjectIdentifier = oid("2.16.840.1.101.3.4.2.3");

const RSA_ENCRYPTION: ObjectIdentifier = oid("1.2.840.113549.1.1.1");
const MD2_WITH_RSA: ObjectIdentifier = oid("1.2.840.113549.1.1.2");
const MD5_WITH_RSA: ObjectIdentifier = oid("1.2.840.113549.1.1.4");
const SHA1_WITH_RSA: ObjectIdentifier = oid("1.2.840.113549.1.1.5");
const RSASSA_PSS: ObjectIdentifier = oid("1.2.840.113549.1.1.10");
const SHA256_WITH_RSA: ObjectIdentifier = oid("1.2.840.113549.1.1.11");
const SHA384_WITH_RSA: ObjectIdentifier = oid("1.2.840.113549.1.1.12");
const SHA512_WITH_RSA: ObjectIdentifier = oid("1.2.840.113549.1.1.13");
const EC_PUBLIC_KEY: ObjectIdentifier = oid("1.2.840.10045.2.1");
const ECDSA_WITH_SHA1: ObjectIdentifier = oid("1.2.840.10045.4.1");
const ECDSA_WITH_SHA256: ObjectIdentifier = oid("1.2.840.10045.4.3.2");
const ECDSA_WITH_SHA384: ObjectIdentifier = oid("1.2.840.10045.4.3.3");
const ECDSA_WITH_SHA512: ObjectIdentifier = oid("1.2.840.10045.4.3.4");
const ED25519: ObjectIdentifier = oid("1.3.101.112");

const P256: ObjectIdentifier = oid("1.2.840.10045.3.1.7");
const P384: ObjectIdentifier = oid("1.3.132.0.34");
const P521: ObjectIdentifier = oid("1.3.132.0.35");

/// A digest OID as ours, `md5` as weak, anything else unsupported.
pub(crate) fn digest_algorithm(alg: &AlgorithmIdentifierOwned) -> Result<DigestAlgorithm, Error> {
    match alg.oid {
        SHA1 => Ok(DigestAlgorithm::Sha1),
        SHA256 => Ok(DigestAlgorithm::Sha256),
        SHA384 => Ok(DigestAlgorithm::Sha384),
        SHA512 => Ok(DigestAlgorithm::Sha512),
        MD5 => Err(Error::WeakAlgorithm { algorithm: "md5" }),
        other => Err(Error::UnsupportedDigest {
            oid: other.to_string(),
        }),
    }
}

/// A signature algorithm and the hash it names, if it names one (`rsaEncryption`,
/// `id-ecPublicKey` and Ed25519 take it from the SignerInfo's digest algorithm).
pub(crate) fn signature_algorithm(
    alg: &AlgorithmIdentifierOwned,
) -> Result<(SignatureAlgorithm, Option<DigestAlgorithm>), Error> {
    use DigestAlgorithm as D;
    use SignatureAlgorithm as S;
    Ok(match alg.oid {
        RSA_ENCRYPTION => (S::RsaPkcs1v15, None),
        SHA1_WITH_RSA => (S::RsaPkcs1v15, Some(D::Sha1)),
        SHA256_WITH_RSA => (S::RsaPkcs1v15, Some(D::Sha256)),
        SHA384_WITH_RSA => (S::RsaPkcs1v15, Some(D::Sha384)),
        SHA512_WITH_RSA => (S::RsaPkcs1v15, Some(D::Sha512)),
        RSASSA_PSS => (S::RsaPss, Some(pss_hash(alg)?)),
        EC_PUBLIC_KEY => (S::Ecdsa, None),
        ECDSA_WITH_SHA1 => (S::Ecdsa, Some(D::Sha1)),
        ECDSA_WITH_SHA256 => (S::Ecdsa, Some(D::Sha256)),
        ECDSA_WITH_SHA384 => (S::Ecdsa, Some(D::Sha384)),
        ECDSA_WITH_SHA512 => (S::Ecdsa, Some(D::Sha512)),
        ED25519 => (S::Ed25519, None),
        MD5_WITH_RSA | MD2_WITH_RSA => return Err(Error::WeakAlgorithm { algorithm: "md5" }),
        other => {
            return Err(Error::UnsupportedSignatureAlgorithm {
                oid: other.to_string(),
            });
        }
    })
}

/// The hash of RSASSA-PSS-params (RFC 4055 §3.1; absent parameters mean SHA-1).
fn pss_hash(alg: &AlgorithmIdentifierOwned) -> Result<DigestAlgorithm, Error> {
    let Some(params) = &alg.parameters else {
        return Ok(DigestAlgorithm::Sha1);
    };
    let bad = || Error::UnsupportedSignatureAlgorithm {
        oid: format!("{RSASSA_PSS} with unreadable parameters"),
    };
    let der = params.to_der().map_err(|_| bad())?;
    let params = rsa::pkcs1::RsaPssParams::<der::Any>::from_der(&der).map_err(|_| bad())?;
    digest_algorithm(&AlgorithmIdentifierOwned {
        oid: params.hash.oid,
        parameters: None,
    })
}

impl DigestAlgorithm {
    /// The digest of `data`.
    pub(crate) fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            DigestAlgorithm::Sha1 => sha1::Sha1::digest(data).to_vec(),
            DigestAlgorithm::Sha256 => sha2::Sha256::digest(data).to_vec(),
            DigestAlgorithm::Sha384 => sha2::Sha384::digest(data).to_vec(),
            DigestAlgorithm::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }
}

/// Verifies `signature` over `message` with the key in `spki`. `Ok(false)` is a
/// mismatch; `Err` a key that cannot do this algorithm.
pub(crate) fn verify(
    spki: &SubjectPublicKeyInfoOwned,
    algorithm: SignatureAlgorithm,
    hash: DigestAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<bool, Error> {
    let unusable = |detail: &str| Error::SignerKeyUnusable {
        algorithm: algorithm.as_str(),
        detail: detail.to_string(),
    };
    let key_bytes = spki
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| unusable("the key bit string is not octet-aligned"))?;
    match algorithm {
        SignatureAlgorithm::RsaPkcs1v15 | SignatureAlgorithm::RsaPss => {
            use rsa::pkcs1::DecodeRsaPublicKey;
            if spki.algorithm.oid != RSA_ENCRYPTION && spki.algorithm.oid != RSASSA_PSS {
                return Err(unusable("the certificate's key is not an RSA key"));
            }
            let key = rsa::PublicKey::from_pkcs1_der(key_bytes)
                .map_err(|_| unusable("unreadable RSA key"))?;
            let hashed = hash.digest(message);
            let ok = if algorithm == SignatureAlgorithm::RsaPss {
                match hash {
                    DigestAlgorithm::Sha1 => key.verify(pss::<sha1::Sha1>(), &hashed, signature),
                    DigestAlgorithm::Sha256 => {
                        key.verify(pss::<sha2::Sha256>(), &hashed, signature)
                    }
                    DigestAlgorithm::Sha384 => {
                        key.verify(pss::<sha2::Sha384>(), &hashed, signature)
                    }
                    DigestAlgorithm::Sha512 => {
                        key.verify(pss::<sha2::Sha512>(), &hashed, signature)
                    }
                }
            } else {
                let scheme = match hash {
                    DigestAlgorithm::Sha1 => rsa::Pkcs1v15Sign::new::<sha1::Sha1>(),
                    DigestAlgorithm::Sha256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                    DigestAlgorithm::Sha384 => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
                    DigestAlgorithm::Sha512 => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
                };
                key.verify(scheme, &hashed, signature)
            };
            Ok(ok.is_ok())
        }
        SignatureAlgorithm::Ecdsa => {
            if spki.algorithm.oid != EC_PUBLIC_KEY {
                return Err(unusable("the certificate's key is not an EC key"));
            }
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
                .ok_or_else(|| unusable("the EC key names no curve"))?;
            let prehash = hash.digest(message);
            macro_rules! ecdsa {
                ($curve:ident) => {{
                    let key = $curve::ecdsa::VerifyingKey::from_sec1_bytes(key_bytes)
                        .map_err(|_| unusable("unreadable EC point"))?;
                    let Ok(sig) = $curve::ecdsa::Signature::from_der(signature) else {
                        return Ok(false);
                    };
                    Ok(key.verify_prehash(&prehash, &sig).is_ok())
                }};
            }
            match curve {
                P256 => ecdsa!(p256),
                P384 => ecdsa!(p384),
                P521 => ecdsa!(p521),
                _ => Err(unusable("the EC curve is not P-256, P-384 or P-521")),
            }
        }
        SignatureAlgorithm::Ed25519 => {
            if spki.algorithm.oid != ED25519 {
                return Err(unusable("the certificate's key is not an Ed25519 key"));
            }
            let bytes: &[u8; 32] = key_bytes
                .try_into()
                .map_err(|_| unusable("an Ed25519 key is 32 bytes"))?;
            let key = ed25519_dalek::VerifyingKey::from_bytes(bytes)
                .map_err(|_| unusable("invalid Ed25519 point"))?;
            let Ok(sig) = ed25519_dalek::Signature::from_slice(signature) else {
                return Ok(false);
            };
            Ok(key.verify_strict(message, &sig).is_ok())
        }
    }
}

/// PSS verification with the salt length recovered from the signature (RFC 8017 §9.1.2
/// allows any; clients use the hash length, and some the maximum).
fn pss<D: Digest>() -> rsa::pss::Pss<D> {
    let mut scheme = rsa::pss::Pss::<D>::new();
    scheme.salt_len = None;
    scheme
}
