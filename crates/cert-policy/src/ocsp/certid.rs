//! CertID: which certificate a request or a SingleResponse is about (RFC 6960 4.1.1).

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5912::{ID_SHA_1, ID_SHA_256, ID_SHA_384, ID_SHA_512};
use der::asn1::{Any, OctetString};
use sha2::Digest;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoRef};

use super::OcspError;
use super::types::CertId;
use crate::cert::Cert;

/// The hashes a CertID may use. Requests use SHA-1 (RFC 5019 2.1.1: what every responder
/// answers); responses are matched with whichever of these they name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum IdHash {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl IdHash {
    fn of(oid: ObjectIdentifier) -> Option<IdHash> {
        match oid {
            ID_SHA_1 => Some(IdHash::Sha1),
            ID_SHA_256 => Some(IdHash::Sha256),
            ID_SHA_384 => Some(IdHash::Sha384),
            ID_SHA_512 => Some(IdHash::Sha512),
            _ => None,
        }
    }

    fn oid(self) -> ObjectIdentifier {
        match self {
            IdHash::Sha1 => ID_SHA_1,
            IdHash::Sha256 => ID_SHA_256,
            IdHash::Sha384 => ID_SHA_384,
            IdHash::Sha512 => ID_SHA_512,
        }
    }

    fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            IdHash::Sha1 => sha1::Sha1::digest(data).to_vec(),
            IdHash::Sha256 => sha2::Sha256::digest(data).to_vec(),
            IdHash::Sha384 => sha2::Sha384::digest(data).to_vec(),
            IdHash::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }
}

/// The value of a certificate's subjectPublicKey BIT STRING (no tag, length or
/// unused-bits octet): what issuerKeyHash and ResponderID byKey hash.
pub(super) fn public_key_bits(c: &Cert) -> Result<&[u8], OcspError> {
    SubjectPublicKeyInfoRef::try_from(c.spki_der.as_slice())
        .map(|spki| spki.subject_public_key.raw_bytes())
        .map_err(|e| OcspError::BadCertificate {
            what: format!("subjectPublicKeyInfo: {e}"),
        })
}

/// SHA-1 of a certificate's public key bits (ResponderID byKey).
pub(super) fn key_sha1(c: &Cert) -> Result<Vec<u8>, OcspError> {
    Ok(IdHash::Sha1.digest(public_key_bits(c)?))
}

/// The CertID of `cert` issued by `issuer`, hashed with `hash`. The name hash is over the
/// certificate's issuer field, as RFC 6960 says.
pub(super) fn cert_id(
    cert: &Cert,
    serial: x509_cert::serial_number::SerialNumber,
    issuer: &Cert,
    hash: IdHash,
) -> Result<CertId, OcspError> {
    let octets = |v: Vec<u8>| {
        OctetString::new(v).map_err(|e| OcspError::BadCertificate {
            what: format!("hash: {e}"),
        })
    };
    Ok(CertId {
        // NULL parameters, as OpenSSL and NSS send them.
        hash_algorithm: AlgorithmIdentifierOwned {
            oid: hash.oid(),
            parameters: Some(Any::null()),
        },
        issuer_name_hash: octets(hash.digest(&cert.issuer_der))?,
        issuer_key_hash: octets(hash.digest(public_key_bits(issuer)?))?,
        serial_number: serial,
    })
}

/// Whether `id` names `cert` issued by `issuer` (any hash of [`IdHash`]).
pub(super) fn matches(id: &CertId, cert: &Cert, issuer: &Cert) -> bool {
    let Some(hash) = IdHash::of(id.hash_algorithm.oid) else {
        return false;
    };
    let Ok(key) = public_key_bits(issuer) else {
        return false;
    };
    id.serial_number.as_bytes() == cert.serial.as_slice()
        && id.issuer_name_hash.as_bytes() == hash.digest(&cert.issuer_der).as_slice()
        && id.issuer_key_hash.as_bytes() == hash.digest(key).as_slice()
}
