//! Deterministic key pairs and raw signing for fixtures.
//!
//! Every key is derived from `(algorithm, label)`: a ChaCha20 RNG is seeded with
//! SHA-256 of the pair, so the same label always yields the same key, across runs and
//! machines. Generated keys are cached in-process (RSA generation is slow), one
//! generation per `(alg, label)` even under parallel tests.
//!
//! Signing hashes the message as the [`SigAlg`] says and returns the signature bytes
//! exactly as X.509 and CMS carry them (ECDSA as a DER `Ecdsa-Sig-Value`, RSA-PSS with
//! salt length = hash length and a salt drawn from an RNG seeded by key and message).
//! MD5 and SHA-1 are supported on purpose: the `weak_algorithm` fixtures need them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use const_oid::ObjectIdentifier;
use der::Decode;
use pkcs8_traits::{EncodePrivateKey, EncodePublicKey};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use sha2::Digest;

/// Re-export-free alias of the pkcs8/spki encoding traits (they live in `rsa::pkcs8`).
mod pkcs8_traits {
    pub use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey};
}

/// Key algorithms (and sizes / curves) that fixtures use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyAlg {
    Rsa1024,
    Rsa2048,
    Rsa3072,
    P256,
    P384,
    P521,
    /// secp256k1: a curve the policy refuses (`weak_key`).
    K256,
    Ed25519,
}

impl KeyAlg {
    /// A short stable name ("rsa-2048", "ec-p256", "ed25519", ...).
    pub fn name(&self) -> &'static str {
        match self {
            KeyAlg::Rsa1024 => "rsa-1024",
            KeyAlg::Rsa2048 => "rsa-2048",
            KeyAlg::Rsa3072 => "rsa-3072",
            KeyAlg::P256 => "ec-p256",
            KeyAlg::P384 => "ec-p384",
            KeyAlg::P521 => "ec-p521",
            KeyAlg::K256 => "ec-secp256k1",
            KeyAlg::Ed25519 => "ed25519",
        }
    }

    /// Whether this is an RSA key.
    pub fn is_rsa(&self) -> bool {
        matches!(self, KeyAlg::Rsa1024 | KeyAlg::Rsa2048 | KeyAlg::Rsa3072)
    }

    /// Whether this is an elliptic-curve (ECDSA/ECDH) key.
    pub fn is_ec(&self) -> bool {
        matches!(
            self,
            KeyAlg::P256 | KeyAlg::P384 | KeyAlg::P521 | KeyAlg::K256
        )
    }
}

/// Hash algorithms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HashAlg {
    Md5,
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

/// Signature algorithms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SigAlg {
    RsaPkcs1(HashAlg),
    RsaPss(HashAlg),
    Ecdsa(HashAlg),
    Ed25519,
}

/// OIDs used here.
pub mod oids {
    use const_oid::ObjectIdentifier as O;
    pub const MD5: O = O::new_unwrap("1.2.840.113549.2.5");
    pub const SHA1: O = O::new_unwrap("1.3.14.3.2.26");
    pub const SHA256: O = O::new_unwrap("2.16.840.1.101.3.4.2.1");
    pub const SHA384: O = O::new_unwrap("2.16.840.1.101.3.4.2.2");
    pub const SHA512: O = O::new_unwrap("2.16.840.1.101.3.4.2.3");
    pub const MD5_WITH_RSA: O = O::new_unwrap("1.2.840.113549.1.1.4");
    pub const SHA1_WITH_RSA: O = O::new_unwrap("1.2.840.113549.1.1.5");
    pub const SHA256_WITH_RSA: O = O::new_unwrap("1.2.840.113549.1.1.11");
    pub const SHA384_WITH_RSA: O = O::new_unwrap("1.2.840.113549.1.1.12");
    pub const SHA512_WITH_RSA: O = O::new_unwrap("1.2.840.113549.1.1.13");
    pub const RSASSA_PSS: O = O::new_unwrap("1.2.840.113549.1.1.10");
    pub const MGF1: O = O::new_unwrap("1.2.840.113549.1.1.8");
    pub const ECDSA_SHA1: O = O::new_unwrap("1.2.840.10045.4.1");
    pub const ECDSA_SHA256: O = O::new_unwrap("1.2.840.10045.4.3.2");
    pub const ECDSA_SHA384: O = O::new_unwrap("1.2.840.10045.4.3.3");
    pub const ECDSA_SHA512: O = O::new_unwrap("1.2.840.10045.4.3.4");
    pub const ED25519: O = O::new_unwrap("1.3.101.112");
}

impl HashAlg {
    /// The digest of `data`.
    pub fn digest(&self, data: &[u8]) -> Vec<u8> {
        match self {
            HashAlg::Md5 => md5::Md5::digest(data).to_vec(),
            HashAlg::Sha1 => sha1::Sha1::digest(data).to_vec(),
            HashAlg::Sha256 => sha2::Sha256::digest(data).to_vec(),
            HashAlg::Sha384 => sha2::Sha384::digest(data).to_vec(),
            HashAlg::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }

    /// The OID of the hash.
    pub fn oid(&self) -> ObjectIdentifier {
        match self {
            HashAlg::Md5 => oids::MD5,
            HashAlg::Sha1 => oids::SHA1,
            HashAlg::Sha256 => oids::SHA256,
            HashAlg::Sha384 => oids::SHA384,
            HashAlg::Sha512 => oids::SHA512,
        }
    }

    /// Output length in bytes.
    pub fn output_len(&self) -> usize {
        match self {
            HashAlg::Md5 => 16,
            HashAlg::Sha1 => 20,
            HashAlg::Sha256 => 32,
            HashAlg::Sha384 => 48,
            HashAlg::Sha512 => 64,
        }
    }

    /// The digest AlgorithmIdentifier (DER) as CMS carries it: parameters absent
    /// (RFC 5754), except MD5 which traditionally carries NULL.
    pub fn algorithm_identifier_der(&self) -> Vec<u8> {
        match self {
            HashAlg::Md5 => der_util::alg_id(self.oid(), Some(&der_util::NULL)),
            _ => der_util::alg_id(self.oid(), None),
        }
    }
}

impl SigAlg {
    /// The AlgorithmIdentifier (DER) as X.509 and CMS carry it for this signature.
    ///
    /// Panics for combinations that have no OID (ECDSA/PSS with MD5).
    pub fn algorithm_identifier_der(&self) -> Vec<u8> {
        use der_util::{NULL, alg_id, ctx, int_u64, seq};
        match self {
            SigAlg::RsaPkcs1(h) => {
                let oid = match h {
                    HashAlg::Md5 => oids::MD5_WITH_RSA,
                    HashAlg::Sha1 => oids::SHA1_WITH_RSA,
                    HashAlg::Sha256 => oids::SHA256_WITH_RSA,
                    HashAlg::Sha384 => oids::SHA384_WITH_RSA,
                    HashAlg::Sha512 => oids::SHA512_WITH_RSA,
                };
                alg_id(oid, Some(&NULL))
            }
            SigAlg::RsaPss(h) => {
                assert!(*h != HashAlg::Md5, "RSASSA-PSS with MD5 has no identifier");
                // RFC 4055: hash and MGF1 hash with NULL parameters (as OpenSSL writes them).
                let hash = alg_id(h.oid(), Some(&NULL));
                let mgf = alg_id(oids::MGF1, Some(&hash));
                let params = seq(&[
                    &ctx(0, &hash),
                    &ctx(1, &mgf),
                    &ctx(2, &int_u64(h.output_len() as u64)),
                ]);
                alg_id(oids::RSASSA_PSS, Some(&params))
            }
            SigAlg::Ecdsa(h) => {
                let oid = match h {
                    HashAlg::Md5 => panic!("ECDSA with MD5 has no identifier"),
                    HashAlg::Sha1 => oids::ECDSA_SHA1,
                    HashAlg::Sha256 => oids::ECDSA_SHA256,
                    HashAlg::Sha384 => oids::ECDSA_SHA384,
                    HashAlg::Sha512 => oids::ECDSA_SHA512,
                };
                alg_id(oid, None)
            }
            SigAlg::Ed25519 => alg_id(oids::ED25519, None),
        }
    }

    /// The default signature algorithm for a key.
    pub fn default_for(alg: KeyAlg) -> SigAlg {
        match alg {
            KeyAlg::Rsa1024 | KeyAlg::Rsa2048 | KeyAlg::Rsa3072 => {
                SigAlg::RsaPkcs1(HashAlg::Sha256)
            }
            KeyAlg::P256 | KeyAlg::K256 => SigAlg::Ecdsa(HashAlg::Sha256),
            KeyAlg::P384 => SigAlg::Ecdsa(HashAlg::Sha384),
            KeyAlg::P521 => SigAlg::Ecdsa(HashAlg::Sha512),
            KeyAlg::Ed25519 => SigAlg::Ed25519,
        }
    }

    /// The hash this signature uses (`None` for Ed25519, which hashes internally).
    pub fn hash(&self) -> Option<HashAlg> {
        match self {
            SigAlg::RsaPkcs1(h) | SigAlg::RsaPss(h) | SigAlg::Ecdsa(h) => Some(*h),
            SigAlg::Ed25519 => None,
        }
    }
}

enum Secret {
    Rsa(rsa::PrivateKey),
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    P521(p521::ecdsa::SigningKey),
    K256(k256::ecdsa::SigningKey),
    Ed25519(ed25519_dalek::SigningKey),
}

struct Inner {
    alg: KeyAlg,
    label: String,
    secret: Secret,
    spki: Vec<u8>,
    pkcs8: Vec<u8>,
}

/// A deterministic test key pair (cheap to clone).
#[derive(Clone)]
pub struct TestKey {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for TestKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestKey")
            .field("alg", &self.inner.alg)
            .field("label", &self.inner.label)
            .finish()
    }
}

/// A ChaCha20 RNG seeded with SHA-256 of `parts` joined by NUL.
pub fn seeded_rng(parts: &[&[u8]]) -> ChaCha20Rng {
    let mut h = sha2::Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p);
    }
    let seed: [u8; 32] = h.finalize().into();
    ChaCha20Rng::from_seed(seed)
}

type Cache = Mutex<HashMap<(KeyAlg, String), Arc<OnceLock<TestKey>>>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

fn ec_scalar(rng: &mut ChaCha20Rng, len: usize, first_mask: u8) -> Vec<u8> {
    use rand_core::Rng;
    let mut b = vec![0u8; len];
    rng.fill_bytes(&mut b);
    b[0] &= first_mask;
    b
}

macro_rules! ec_key {
    ($ty:ty, $rng:expr, $len:expr, $mask:expr) => {{
        loop {
            let bytes = ec_scalar($rng, $len, $mask);
            if let Ok(k) = <$ty>::from_slice(&bytes) {
                break k;
            }
        }
    }};
}

/// The SubjectPublicKeyInfo and PKCS#8 DER of a key pair.
fn encodings(public: &impl EncodePublicKey, private: &impl EncodePrivateKey) -> (Vec<u8>, Vec<u8>) {
    let spki = public.to_public_key_der().expect("spki").to_vec();
    let pkcs8 = private.to_pkcs8_der().expect("pkcs8").as_bytes().to_vec();
    (spki, pkcs8)
}

/// An EC key of one curve with its SPKI and PKCS#8 encodings.
macro_rules! ec_secret {
    ($variant:ident, $ty:ty, $rng:expr, $len:expr, $mask:expr) => {{
        let k = ec_key!($ty, $rng, $len, $mask);
        let spki = k
            .verifying_key()
            .to_public_key_der()
            .expect("spki")
            .to_vec();
        let pkcs8 = k.to_pkcs8_der().expect("pkcs8").as_bytes().to_vec();
        (Secret::$variant(k), spki, pkcs8)
    }};
}

impl TestKey {
    /// The key for `(alg, label)`: deterministic, generated once per process.
    pub fn generate(alg: KeyAlg, label: &str) -> TestKey {
        let cell = {
            let mut map = cache().lock().unwrap_or_else(|e| e.into_inner());
            map.entry((alg, label.to_string())).or_default().clone()
        };
        cell.get_or_init(|| Self::generate_uncached(alg, label))
            .clone()
    }

    fn generate_uncached(alg: KeyAlg, label: &str) -> TestKey {
        let mut rng = seeded_rng(&[b"test-support key", alg.name().as_bytes(), label.as_bytes()]);
        let rng = &mut rng;
        let (secret, spki, pkcs8) = match alg {
            KeyAlg::Rsa1024 | KeyAlg::Rsa2048 | KeyAlg::Rsa3072 => {
                let bits = match alg {
                    KeyAlg::Rsa1024 => 1024,
                    KeyAlg::Rsa2048 => 2048,
                    _ => 3072,
                };
                let k = rsa::PrivateKey::new(rng, bits).expect("RSA key generation");
                let (spki, pkcs8) = encodings(&k.to_public_key(), &k);
                (Secret::Rsa(k), spki, pkcs8)
            }
            KeyAlg::P256 => ec_secret!(P256, p256::ecdsa::SigningKey, rng, 32, 0xff),
            KeyAlg::P384 => ec_secret!(P384, p384::ecdsa::SigningKey, rng, 48, 0xff),
            KeyAlg::P521 => ec_secret!(P521, p521::ecdsa::SigningKey, rng, 66, 0x01),
            KeyAlg::K256 => ec_secret!(K256, k256::ecdsa::SigningKey, rng, 32, 0xff),
            KeyAlg::Ed25519 => {
                use rand_core::Rng;
                let mut seed = [0u8; 32];
                rng.fill_bytes(&mut seed);
                let k = ed25519_dalek::SigningKey::from_bytes(&seed);
                let (spki, pkcs8) = encodings(&k.verifying_key(), &k);
                (Secret::Ed25519(k), spki, pkcs8)
            }
        };
        TestKey {
            inner: Arc::new(Inner {
                alg,
                label: label.to_string(),
                secret,
                spki,
                pkcs8,
            }),
        }
    }

    /// The key's algorithm.
    pub fn alg(&self) -> KeyAlg {
        self.inner.alg
    }

    /// The label the key was derived from.
    pub fn label(&self) -> &str {
        &self.inner.label
    }

    /// SubjectPublicKeyInfo DER.
    pub fn spki_der(&self) -> Vec<u8> {
        self.inner.spki.clone()
    }

    /// The private key as PKCS#8 DER.
    pub fn pkcs8_der(&self) -> Vec<u8> {
        self.inner.pkcs8.clone()
    }

    /// The private key as PKCS#8 PEM ("PRIVATE KEY").
    pub fn pkcs8_pem(&self) -> String {
        der_util::pem("PRIVATE KEY", &self.inner.pkcs8)
    }

    /// The RSA private key, for RSA keys (e.g. to decrypt in tests).
    pub fn rsa_private(&self) -> Option<&rsa::PrivateKey> {
        match &self.inner.secret {
            Secret::Rsa(k) => Some(k),
            _ => None,
        }
    }

    /// Signs `msg` as `sig` says; returns the signature bytes as X.509/CMS carry them.
    ///
    /// Panics when `sig` does not fit the key (e.g. ECDSA with an RSA key).
    pub fn sign(&self, sig: SigAlg, msg: &[u8]) -> Vec<u8> {
        use signature::hazmat::PrehashSigner;
        match (&self.inner.secret, sig) {
            (Secret::Rsa(k), SigAlg::RsaPkcs1(h)) => {
                let digest = h.digest(msg);
                let scheme = match h {
                    HashAlg::Md5 => rsa::Pkcs1v15Sign::new::<md5::Md5>(),
                    HashAlg::Sha1 => rsa::Pkcs1v15Sign::new::<sha1::Sha1>(),
                    HashAlg::Sha256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                    HashAlg::Sha384 => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
                    HashAlg::Sha512 => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
                };
                let mut rng = seeded_rng(&[b"pkcs1 blinding", self.inner.label.as_bytes(), msg]);
                k.sign_with_rng(&mut rng, scheme, &digest)
                    .expect("RSA PKCS#1 v1.5 signing")
            }
            (Secret::Rsa(k), SigAlg::RsaPss(h)) => {
                let digest = h.digest(msg);
                let mut rng = seeded_rng(&[b"pss salt", self.inner.label.as_bytes(), msg]);
                let r = match h {
                    HashAlg::Md5 => panic!("RSASSA-PSS with MD5 is not supported"),
                    HashAlg::Sha1 => {
                        k.sign_with_rng(&mut rng, rsa::Pss::<sha1::Sha1>::new(), &digest)
                    }
                    HashAlg::Sha256 => {
                        k.sign_with_rng(&mut rng, rsa::Pss::<sha2::Sha256>::new(), &digest)
                    }
                    HashAlg::Sha384 => {
                        k.sign_with_rng(&mut rng, rsa::Pss::<sha2::Sha384>::new(), &digest)
                    }
                    HashAlg::Sha512 => {
                        k.sign_with_rng(&mut rng, rsa::Pss::<sha2::Sha512>::new(), &digest)
                    }
                };
                r.expect("RSA-PSS signing")
            }
            (Secret::P256(k), SigAlg::Ecdsa(h)) => {
                let s: p256::ecdsa::DerSignature =
                    k.sign_prehash(&h.digest(msg)).expect("ECDSA P-256 signing");
                s.as_bytes().to_vec()
            }
            (Secret::P384(k), SigAlg::Ecdsa(h)) => {
                let s: p384::ecdsa::DerSignature =
                    k.sign_prehash(&h.digest(msg)).expect("ECDSA P-384 signing");
                s.as_bytes().to_vec()
            }
            (Secret::P521(k), SigAlg::Ecdsa(h)) => {
                let s: p521::ecdsa::DerSignature =
                    k.sign_prehash(&h.digest(msg)).expect("ECDSA P-521 signing");
                s.as_bytes().to_vec()
            }
            (Secret::K256(k), SigAlg::Ecdsa(h)) => {
                let s: k256::ecdsa::DerSignature = k
                    .sign_prehash(&h.digest(msg))
                    .expect("ECDSA secp256k1 signing");
                s.as_bytes().to_vec()
            }
            (Secret::Ed25519(k), SigAlg::Ed25519) => {
                use signature::Signer;
                k.sign(msg).to_bytes().to_vec()
            }
            (_, sig) => panic!("signature {sig:?} does not fit a {:?} key", self.inner.alg),
        }
    }

    /// subjectKeyIdentifier value: SHA-1 of the subjectPublicKey bits (RFC 5280 method 1).
    pub fn key_id(&self) -> Vec<u8> {
        let spki = spki::SubjectPublicKeyInfoRef::from_der(&self.inner.spki).expect("own SPKI");
        let bits = spki.subject_public_key.raw_bytes();
        sha1::Sha1::digest(bits).to_vec()
    }
}

pub mod der_util;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_label_same_key_and_different_labels_differ() {
        let a = TestKey::generate(KeyAlg::P256, "a");
        let a2 = TestKey::generate_uncached(KeyAlg::P256, "a");
        let b = TestKey::generate(KeyAlg::P256, "b");
        assert_eq!(a.pkcs8_der(), a2.pkcs8_der());
        assert_ne!(a.spki_der(), b.spki_der());
    }

    #[test]
    fn every_alg_signs_with_its_default() {
        for alg in [
            KeyAlg::Rsa1024,
            KeyAlg::P256,
            KeyAlg::P384,
            KeyAlg::P521,
            KeyAlg::K256,
            KeyAlg::Ed25519,
        ] {
            let k = TestKey::generate(alg, "sign-test");
            let s = k.sign(SigAlg::default_for(alg), b"hello");
            assert!(!s.is_empty());
            assert_eq!(k.key_id().len(), 20);
            assert!(k.pkcs8_pem().starts_with("-----BEGIN PRIVATE KEY-----\n"));
        }
    }

    #[test]
    fn rsa_signatures_verify() {
        use rsa::traits::SignatureScheme as _;
        let k = TestKey::generate(KeyAlg::Rsa1024, "verify");
        let pubk = k.rsa_private().unwrap().to_public_key();
        for h in [HashAlg::Md5, HashAlg::Sha1, HashAlg::Sha256] {
            let s = k.sign(SigAlg::RsaPkcs1(h), b"msg");
            let scheme = match h {
                HashAlg::Md5 => rsa::Pkcs1v15Sign::new::<md5::Md5>(),
                HashAlg::Sha1 => rsa::Pkcs1v15Sign::new::<sha1::Sha1>(),
                _ => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
            };
            scheme.verify(&pubk, &h.digest(b"msg"), &s).unwrap();
        }
        let s = k.sign(SigAlg::RsaPss(HashAlg::Sha256), b"msg");
        rsa::Pss::<sha2::Sha256>::new()
            .verify(&pubk, &HashAlg::Sha256.digest(b"msg"), &s)
            .unwrap();
        assert_eq!(s, k.sign(SigAlg::RsaPss(HashAlg::Sha256), b"msg"));
    }
}
