//! Public keys and signature verification (RustCrypto primitives; nothing hand-written).
//!
//! Supported: RSA PKCS#1 v1.5 and RSASSA-PSS with SHA-256/384/512, ECDSA on P-256,
//! P-384 and P-521 with SHA-256/384/512, Ed25519. MD5 and SHA-1 signatures are
//! recognised and refused before any verification (`weak_algorithm`).

use const_oid::ObjectIdentifier;
use der::{Decode, Encode};
use sha2::Digest;
use signature::hazmat::PrehashVerifier;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoRef};

use crate::oids;

/// ECDSA over a prehash with the curve crate's DER signature type.
macro_rules! ecdsa_verify {
    ($curve:ident, $point:expr, $digest:expr, $sig:expr) => {{
        let vk =
            $curve::ecdsa::VerifyingKey::from_sec1_bytes($point).map_err(|_| VerifyError::Bad)?;
        let sig = $curve::ecdsa::DerSignature::from_bytes($sig).map_err(|_| VerifyError::Bad)?;
        vk.verify_prehash($digest, &sig)
            .map_err(|_| VerifyError::Bad)
    }};
}

/// A public key as far as the policy cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeyKind {
    Rsa {
        bits: usize,
    },
    Ec {
        curve: Curve,
    },
    /// An EC key on a curve outside P-256/P-384/P-521 (named by OID, or "explicit").
    OtherCurve(String),
    Ed25519,
    Ed448,
    Other(String),
}

/// The curves we verify on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Curve {
    P256,
    P384,
    P521,
}

impl KeyKind {
    /// Decodes the SPKI's algorithm and size. Never panics.
    pub(crate) fn of(spki_der: &[u8]) -> KeyKind {
        let Ok(spki) = SubjectPublicKeyInfoRef::from_der(spki_der) else {
            return KeyKind::Other("undecodable".into());
        };
        let alg = spki.algorithm.oid;
        if alg == oids::RSA_ENCRYPTION || alg == oids::RSASSA_PSS {
            let bits = spki
                .subject_public_key
                .as_bytes()
                .and_then(|b| rsa::pkcs1::RsaPublicKeyRef::from_der(b).ok())
                .map(|k| {
                    let n = k.modulus.as_bytes();
                    let lead = n.iter().take_while(|b| **b == 0).count();
                    let n = &n[lead..];
                    n.first()
                        .map_or(0, |f| n.len() * 8 - f.leading_zeros() as usize)
                });
            return match bits {
                Some(bits) => KeyKind::Rsa { bits },
                None => KeyKind::Other("rsa-undecodable".into()),
            };
        }
        if alg == oids::EC_PUBLIC_KEY {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
            return match curve {
                Some(c) if c == oids::P256 => KeyKind::Ec { curve: Curve::P256 },
                Some(c) if c == oids::P384 => KeyKind::Ec { curve: Curve::P384 },
                Some(c) if c == oids::P521 => KeyKind::Ec { curve: Curve::P521 },
                Some(c) if c == oids::SECP256K1 => KeyKind::OtherCurve("secp256k1".into()),
                Some(c) => KeyKind::OtherCurve(c.to_string()),
                None => KeyKind::OtherCurve("explicit".into()),
            };
        }
        if alg == oids::ED25519 {
            return KeyKind::Ed25519;
        }
        if alg == oids::ED448 {
            return KeyKind::Ed448;
        }
        if alg == oids::DSA {
            return KeyKind::Other("dsa".into());
        }
        KeyKind::Other(alg.to_string())
    }

    /// "rsa-2048", "ec-p256", "ec-secp256k1", "ed25519", ...
    pub(crate) fn name(&self) -> String {
        match self {
            KeyKind::Rsa { bits } => format!("rsa-{bits}"),
            KeyKind::Ec { curve: Curve::P256 } => "ec-p256".into(),
            KeyKind::Ec { curve: Curve::P384 } => "ec-p384".into(),
            KeyKind::Ec { curve: Curve::P521 } => "ec-p521".into(),
            KeyKind::OtherCurve(c) => format!("ec-{c}"),
            KeyKind::Ed25519 => "ed25519".into(),
            KeyKind::Ed448 => "ed448".into(),
            KeyKind::Other(o) if o == "dsa" => o.clone(),
            KeyKind::Other(o) => format!("unknown-{o}"),
        }
    }

    /// RSA under 2048 bits, or an EC curve outside P-256/P-384/P-521.
    pub(crate) fn is_weak(&self) -> bool {
        match self {
            KeyKind::Rsa { bits } => *bits < 2048,
            KeyKind::OtherCurve(_) => true,
            KeyKind::Ec { .. } | KeyKind::Ed25519 | KeyKind::Ed448 | KeyKind::Other(_) => false,
        }
    }
}

/// Hashes usable on a certificate path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hash {
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    fn digest(self, msg: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha256 => sha2::Sha256::digest(msg).to_vec(),
            Hash::Sha384 => sha2::Sha384::digest(msg).to_vec(),
            Hash::Sha512 => sha2::Sha512::digest(msg).to_vec(),
        }
    }

    fn from_oid(o: ObjectIdentifier) -> Option<Hash> {
        match o {
            oids::SHA256 => Some(Hash::Sha256),
            oids::SHA384 => Some(Hash::Sha384),
            oids::SHA512 => Some(Hash::Sha512),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Hash::Sha256 => "sha256",
            Hash::Sha384 => "sha384",
            Hash::Sha512 => "sha512",
        }
    }
}

/// A classified signature algorithm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SigKind {
    RsaPkcs1(Hash),
    RsaPss {
        hash: Hash,
        salt: usize,
    },
    Ecdsa(Hash),
    Ed25519,
    /// MD2/MD5/SHA-1 based: refused on any path.
    Weak(&'static str),
    Unsupported(String),
}

impl SigKind {
    /// Classifies an AlgorithmIdentifier. Never panics.
    pub(crate) fn of(alg: &AlgorithmIdentifierOwned) -> SigKind {
        match alg.oid {
            oids::SHA256_WITH_RSA => SigKind::RsaPkcs1(Hash::Sha256),
            oids::SHA384_WITH_RSA => SigKind::RsaPkcs1(Hash::Sha384),
            oids::SHA512_WITH_RSA => SigKind::RsaPkcs1(Hash::Sha512),
            oids::ECDSA_SHA256 => SigKind::Ecdsa(Hash::Sha256),
            oids::ECDSA_SHA384 => SigKind::Ecdsa(Hash::Sha384),
            oids::ECDSA_SHA512 => SigKind::Ecdsa(Hash::Sha512),
            oids::ED25519 => SigKind::Ed25519,
            oids::MD2_WITH_RSA => SigKind::Weak("md2WithRSAEncryption"),
            oids::MD5_WITH_RSA => SigKind::Weak("md5WithRSAEncryption"),
            oids::SHA1_WITH_RSA => SigKind::Weak("sha1WithRSAEncryption"),
            oids::ECDSA_SHA1 => SigKind::Weak("ecdsa-with-SHA1"),
            oids::DSA_SHA1 => SigKind::Weak("dsa-with-sha1"),
            oids::RSASSA_PSS => pss_params(alg),
            o => SigKind::Unsupported(o.to_string()),
        }
    }

    /// A readable name: "sha256WithRSAEncryption", "rsassa-pss-sha256", "ecdsa-with-SHA256"...
    pub(crate) fn name(&self) -> String {
        match self {
            SigKind::RsaPkcs1(h) => format!("{}WithRSAEncryption", h.name()),
            SigKind::RsaPss { hash, .. } => format!("rsassa-pss-{}", hash.name()),
            SigKind::Ecdsa(h) => format!("ecdsa-with-{}", h.name().to_uppercase()),
            SigKind::Ed25519 => "ed25519".into(),
            SigKind::Weak(n) => (*n).into(),
            SigKind::Unsupported(o) => o.clone(),
        }
    }
}

/// RSASSA-PSS-params (RFC 4055 section 3.1): hash and MGF1 hash must agree and be SHA-2;
/// SHA-1 (the default when absent) is weak.
fn pss_params(alg: &AlgorithmIdentifierOwned) -> SigKind {
    #[derive(der::Sequence)]
    struct PssParams {
        #[asn1(context_specific = "0", optional = "true")]
        hash: Option<AlgorithmIdentifierOwned>,
        #[asn1(context_specific = "1", optional = "true")]
        mgf: Option<AlgorithmIdentifierOwned>,
        #[asn1(context_specific = "2", optional = "true")]
        salt: Option<u32>,
        #[asn1(context_specific = "3", optional = "true")]
        trailer: Option<u32>,
    }
    let Some(params) = alg.parameters.as_ref() else {
        return SigKind::Weak("rsassa-pss-sha1");
    };
    let Ok(p) = params.to_der().and_then(|d| PssParams::from_der(&d)) else {
        return SigKind::Unsupported("rsassa-pss (bad parameters)".into());
    };
    let hash_oid = p.hash.as_ref().map_or(oids::SHA1, |h| h.oid);
    let mgf_hash = match &p.mgf {
        None => oids::SHA1,
        Some(m) if m.oid == oids::MGF1 => {
            match m
                .parameters
                .as_ref()
                .and_then(|a| a.decode_as::<AlgorithmIdentifierOwned>().ok())
            {
                Some(h) => h.oid,
                None => return SigKind::Unsupported("rsassa-pss (bad MGF1 hash)".into()),
            }
        }
        Some(_) => return SigKind::Unsupported("rsassa-pss (MGF other than MGF1)".into()),
    };
    if hash_oid == oids::SHA1 || hash_oid == oids::MD5 {
        return SigKind::Weak("rsassa-pss-sha1");
    }
    if p.trailer.is_some_and(|t| t != 1) || mgf_hash != hash_oid {
        return SigKind::Unsupported("rsassa-pss (unusual parameters)".into());
    }
    match Hash::from_oid(hash_oid) {
        Some(hash) => {
            let salt = p.salt.map_or(20, |s| s as usize);
            SigKind::RsaPss { hash, salt }
        }
        None => SigKind::Unsupported(format!("rsassa-pss with {hash_oid}")),
    }
}

/// Why a signature did not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum VerifyError {
    Weak(String),
    Unsupported(String),
    Bad,
}

/// Verifies `signature` over `msg` with the key in `issuer_spki`, as `alg` says.
pub(crate) fn verify_signature(
    alg: &AlgorithmIdentifierOwned,
    issuer_spki: &[u8],
    msg: &[u8],
    signature: &[u8],
) -> Result<(), VerifyError> {
    let kind = SigKind::of(alg);
    let spki = SubjectPublicKeyInfoRef::from_der(issuer_spki).map_err(|_| VerifyError::Bad)?;
    let key_bits = spki.subject_public_key.as_bytes().ok_or(VerifyError::Bad)?;
    match kind {
        SigKind::Weak(n) => Err(VerifyError::Weak(n.into())),
        SigKind::Unsupported(n) => Err(VerifyError::Unsupported(n)),
        SigKind::RsaPkcs1(h) => {
            use rsa::traits::SignatureScheme;
            let key = rsa_key(issuer_spki)?;
            let scheme = match h {
                Hash::Sha256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                Hash::Sha384 => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
                Hash::Sha512 => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
            };
            scheme
                .verify(&key, &h.digest(msg), signature)
                .map_err(|_| VerifyError::Bad)
        }
        SigKind::RsaPss { hash, salt } => {
            use rsa::traits::SignatureScheme;
            let key = rsa_key(issuer_spki)?;
            let digest = hash.digest(msg);
            let r =
                match hash {
                    Hash::Sha256 => rsa::Pss::<sha2::Sha256>::new_with_salt(salt)
                        .verify(&key, &digest, signature),
                    Hash::Sha384 => rsa::Pss::<sha2::Sha384>::new_with_salt(salt)
                        .verify(&key, &digest, signature),
                    Hash::Sha512 => rsa::Pss::<sha2::Sha512>::new_with_salt(salt)
                        .verify(&key, &digest, signature),
                };
            r.map_err(|_| VerifyError::Bad)
        }
        SigKind::Ecdsa(h) => {
            let digest = h.digest(msg);
            match KeyKind::of(issuer_spki) {
                KeyKind::Ec { curve: Curve::P256 } => {
                    ecdsa_verify!(p256, key_bits, &digest, signature)
                }
                KeyKind::Ec { curve: Curve::P384 } => {
                    ecdsa_verify!(p384, key_bits, &digest, signature)
                }
                KeyKind::Ec { curve: Curve::P521 } => {
                    ecdsa_verify!(p521, key_bits, &digest, signature)
                }
                other => Err(VerifyError::Unsupported(format!(
                    "ecdsa with {}",
                    other.name()
                ))),
            }
        }
        SigKind::Ed25519 => {
            if spki.algorithm.oid != oids::ED25519 {
                return Err(VerifyError::Bad);
            }
            let pk: &[u8; 32] = key_bits.try_into().map_err(|_| VerifyError::Bad)?;
            let vk = ed25519_dalek::VerifyingKey::from_bytes(pk).map_err(|_| VerifyError::Bad)?;
            let sig =
                ed25519_dalek::Signature::from_slice(signature).map_err(|_| VerifyError::Bad)?;
            vk.verify_strict(msg, &sig).map_err(|_| VerifyError::Bad)
        }
    }
}

fn rsa_key(spki_der: &[u8]) -> Result<rsa::PublicKey, VerifyError> {
    use rsa::pkcs8::DecodePublicKey;
    match KeyKind::of(spki_der) {
        KeyKind::Rsa { .. } => {}
        _ => return Err(VerifyError::Bad),
    }
    rsa::PublicKey::from_public_key_der(spki_der)
        .map_err(|_| VerifyError::Unsupported("RSA key outside 1024..8192 bits".into()))
}
