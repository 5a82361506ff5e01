//! OCSP responses (RFC 6960) for revocation tests, assembled field by field in DER so a
//! test can carry exactly the oddity it needs (a stale nextUpdate, a foreign signer, a
//! critical extension...). Independent of the product's OCSP types on purpose: a shared
//! encoding mistake could not hide.

use const_oid::ObjectIdentifier;
use der::Decode;

use crate::keys::der_util::{NULL, alg_id, bits, boolean, ctx, ctx_prim, octets, oid, seq, tlv};
use crate::keys::{HashAlg, SigAlg, TestKey};
use crate::pki::TestCert;

/// id-pkix-ocsp-basic.
pub const OCSP_BASIC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.1");
/// id-pkix-ocsp-nonce.
pub const OCSP_NONCE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.2");
/// id-kp-OCSPSigning.
pub const OCSP_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.9");

/// CertID fields (RFC 6960 4.1.1).
#[derive(Clone, Debug)]
pub struct CertIdSpec {
    pub hash: HashAlg,
    pub issuer_name_hash: Vec<u8>,
    pub issuer_key_hash: Vec<u8>,
    /// INTEGER content bytes (as [`TestCert::serial`] returns them).
    pub serial: Vec<u8>,
}

impl CertIdSpec {
    /// The CertID of `cert` issued by `issuer`.
    pub fn of(cert: &TestCert, issuer: &TestCert, hash: HashAlg) -> CertIdSpec {
        CertIdSpec {
            hash,
            issuer_name_hash: hash.digest(&cert.issuer_der()),
            issuer_key_hash: hash.digest(&public_key_bits(&issuer.key)),
            serial: cert.serial(),
        }
    }

    fn der(&self) -> Vec<u8> {
        seq(&[
            &alg_id(self.hash.oid(), Some(&NULL)),
            &octets(&self.issuer_name_hash),
            &octets(&self.issuer_key_hash),
            &tlv(0x02, &self.serial),
        ])
    }
}

/// The subjectPublicKey BIT STRING value of a key.
pub fn public_key_bits(key: &TestKey) -> Vec<u8> {
    spki::SubjectPublicKeyInfoRef::from_der(&key.spki_der())
        .expect("generated SPKI decodes")
        .subject_public_key
        .raw_bytes()
        .to_vec()
}

/// CertStatus.
#[derive(Clone, Debug)]
pub enum StatusSpec {
    Good,
    /// Revoked at `time`, with an optional CRLReason code.
    Revoked {
        time: i64,
        reason: Option<u8>,
    },
    Unknown,
}

/// One SingleResponse.
#[derive(Clone, Debug)]
pub struct SingleSpec {
    pub cert_id: CertIdSpec,
    pub status: StatusSpec,
    pub this_update: i64,
    pub next_update: Option<i64>,
    /// Raw singleExtensions `(oid, critical, extnValue contents)`.
    pub extensions: Vec<(ObjectIdentifier, bool, Vec<u8>)>,
}

/// ResponderID.
#[derive(Clone, Debug)]
pub enum ResponderSpec {
    /// byName: this Name DER.
    ByName(Vec<u8>),
    /// byKey: this SHA-1 key hash.
    ByKey(Vec<u8>),
}

impl ResponderSpec {
    /// byName of a certificate's subject.
    pub fn name_of(c: &TestCert) -> ResponderSpec {
        ResponderSpec::ByName(c.subject_der())
    }

    /// byKey of a certificate's key.
    pub fn key_of(c: &TestCert) -> ResponderSpec {
        ResponderSpec::ByKey(HashAlg::Sha1.digest(&public_key_bits(&c.key)))
    }
}

/// An OCSPResponse to build. [`OcspResponseSpec::good`] gives a valid default to tweak.
#[derive(Clone, Debug)]
pub struct OcspResponseSpec {
    /// OCSPResponseStatus (0 = successful; anything else builds no responseBytes).
    pub response_status: u8,
    pub response_type: ObjectIdentifier,
    pub responder: ResponderSpec,
    pub produced_at: i64,
    pub responses: Vec<SingleSpec>,
    /// Raw responseExtensions `(oid, critical, extnValue contents)`.
    pub extensions: Vec<(ObjectIdentifier, bool, Vec<u8>)>,
    /// Certificates (DER) in `certs`.
    pub certs: Vec<Vec<u8>>,
    /// Signature algorithm; `None` = the default for the signing key.
    pub sig: Option<SigAlg>,
    /// Flip a bit of the signature after signing.
    pub corrupt_signature: bool,
}

impl OcspResponseSpec {
    /// "good" for `cert` issued by `issuer`, signed by `signer` (named byName, included
    /// in `certs` when it is not the issuer), thisUpdate `at - 3600`, nextUpdate
    /// `at + 86400`, SHA-1 CertID.
    pub fn good(cert: &TestCert, issuer: &TestCert, signer: &TestCert, at: i64) -> Self {
        OcspResponseSpec {
            response_status: 0,
            response_type: OCSP_BASIC,
            responder: ResponderSpec::name_of(signer),
            produced_at: at - 3600,
            responses: vec![SingleSpec {
                cert_id: CertIdSpec::of(cert, issuer, HashAlg::Sha1),
                status: StatusSpec::Good,
                this_update: at - 3600,
                next_update: Some(at + 86_400),
                extensions: Vec::new(),
            }],
            extensions: Vec::new(),
            certs: if signer.der == issuer.der {
                Vec::new()
            } else {
                vec![signer.der.clone()]
            },
            sig: None,
            corrupt_signature: false,
        }
    }

    /// The OCSPResponse DER, the BasicOCSPResponse signed with `key`.
    pub fn sign(&self, key: &TestKey) -> Vec<u8> {
        let status = tlv(0x0a, &[self.response_status]);
        if self.response_status != 0 {
            return seq(&[&status]);
        }
        let responder = match &self.responder {
            ResponderSpec::ByName(name) => ctx(1, name),
            ResponderSpec::ByKey(hash) => ctx(2, &octets(hash)),
        };
        let singles: Vec<Vec<u8>> = self.responses.iter().map(single).collect();
        let refs: Vec<&[u8]> = singles.iter().map(Vec::as_slice).collect();
        let mut data = vec![responder, generalized(self.produced_at), seq(&refs)];
        if !self.extensions.is_empty() {
            data.push(ctx(1, &extensions(&self.extensions)));
        }
        let refs: Vec<&[u8]> = data.iter().map(Vec::as_slice).collect();
        let tbs = seq(&refs);
        let sig = self.sig.unwrap_or_else(|| SigAlg::default_for(key.alg()));
        let mut signature = key.sign(sig, &tbs);
        if let Some(last) = signature.last_mut().filter(|_| self.corrupt_signature) {
            *last ^= 1;
        }
        let mut basic = vec![tbs, sig.algorithm_identifier_der(), bits(&signature)];
        if !self.certs.is_empty() {
            let refs: Vec<&[u8]> = self.certs.iter().map(Vec::as_slice).collect();
            basic.push(ctx(0, &seq(&refs)));
        }
        let refs: Vec<&[u8]> = basic.iter().map(Vec::as_slice).collect();
        let bytes = seq(&[&oid(self.response_type), &octets(&seq(&refs))]);
        seq(&[&status, &ctx(0, &bytes)])
    }
}

fn single(s: &SingleSpec) -> Vec<u8> {
    let status = match &s.status {
        StatusSpec::Good => ctx_prim(0, &[]),
        StatusSpec::Unknown => ctx_prim(2, &[]),
        StatusSpec::Revoked { time, reason } => {
            let mut inner = generalized(*time);
            if let Some(r) = reason {
                inner.extend(ctx(0, &tlv(0x0a, &[*r])));
            }
            tlv(0xa1, &inner)
        }
    };
    let mut parts = vec![s.cert_id.der(), status, generalized(s.this_update)];
    if let Some(n) = s.next_update {
        parts.push(ctx(0, &generalized(n)));
    }
    if !s.extensions.is_empty() {
        parts.push(ctx(1, &extensions(&s.extensions)));
    }
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    seq(&refs)
}

fn extensions(list: &[(ObjectIdentifier, bool, Vec<u8>)]) -> Vec<u8> {
    let exts: Vec<Vec<u8>> = list
        .iter()
        .map(|(o, critical, value)| {
            if *critical {
                seq(&[&oid(*o), &boolean(true), &octets(value)])
            } else {
                seq(&[&oid(*o), &octets(value)])
            }
        })
        .collect();
    let refs: Vec<&[u8]> = exts.iter().map(Vec::as_slice).collect();
    seq(&refs)
}

/// GeneralizedTime (OCSP uses it for every date, whatever the year).
pub fn generalized(unix: i64) -> Vec<u8> {
    use der::Encode;
    let secs = u64::try_from(unix).expect("time after 1970");
    der::asn1::GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(secs))
        .expect("representable time")
        .to_der()
        .expect("encode")
}

/// The nonce extension value (the DER of an OCTET STRING), as RFC 8954 echoes it.
pub fn nonce_value(nonce: &[u8]) -> Vec<u8> {
    octets(nonce)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::{hierarchy, leaf_for};

    #[test]
    fn a_good_response_is_deterministic_and_nests_basic_in_an_octet_string() {
        let h = hierarchy();
        let leaf = leaf_for("ocsp@example.com");
        let spec = OcspResponseSpec::good(&leaf, &h.intermediate, &h.intermediate, 1_780_272_000);
        let a = spec.sign(&h.intermediate.key);
        assert_eq!(a, spec.sign(&h.intermediate.key));
        // SEQUENCE { ENUMERATED 0, [0] { ... } }, one DER element.
        assert_eq!(a[..5], [0x30, 0x82, a[2], a[3], 0x0a]);
        der::asn1::Any::from_der(&a).unwrap();
        let refused = OcspResponseSpec {
            response_status: 3,
            ..spec
        };
        assert_eq!(
            refused.sign(&h.intermediate.key),
            [0x30, 0x03, 0x0a, 0x01, 0x03]
        );
    }
}
