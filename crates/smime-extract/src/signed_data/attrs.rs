//! The signed attributes we read (RFC 5652 §11, RFC 8551 §2.5).

use crate::{Error, KeyPreference};
use cms::cert::IssuerAndSerialNumber;
use cms::enveloped_data::RecipientKeyIdentifier;
use const_oid::ObjectIdentifier;
use der::asn1::OctetString;
use der::{Choice, Decode, Encode};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attributes;
use x509_cert::time::Time;

/// id-contentType.
const CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
/// id-messageDigest.
const MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
/// id-signingTime.
const SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
/// smimeCapabilities.
const SMIME_CAPABILITIES: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.15");
/// id-aa-encrypKeyPref.
const ENCRYPTION_KEY_PREFERENCE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.11");

/// ```text
/// SMIMEEncryptionKeyPreference ::= CHOICE {
///    issuerAndSerialNumber   [0] IssuerAndSerialNumber,
///    receipentKeyId          [1] RecipientKeyIdentifier,
///    subjectAltKeyIdentifier [2] SubjectKeyIdentifier }   -- IMPLICIT TAGS
/// ```
#[derive(Clone, Debug, Eq, PartialEq, Choice)]
enum EncryptionKeyPreference {
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", constructed = "true")]
    IssuerAndSerialNumber(IssuerAndSerialNumber),
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", constructed = "true")]
    RecipientKeyId(RecipientKeyIdentifier),
    #[asn1(context_specific = "2", tag_mode = "IMPLICIT")]
    SubjectAltKeyIdentifier(OctetString),
}

/// The single value of attribute `oid`, if the attribute is present.
fn single(attrs: &Attributes, oid: ObjectIdentifier) -> Option<Result<&der::Any, ()>> {
    let attr = attrs.iter().find(|a| a.oid == oid)?;
    let mut values = attr.values.iter();
    Some(match (values.next(), values.next()) {
        (Some(v), None) => Ok(v),
        _ => Err(()),
    })
}

/// contentType (RFC 5652 §11.1), required when signed attributes are present.
pub(crate) fn content_type(attrs: &Attributes) -> Result<ObjectIdentifier, Error> {
    let missing = Error::SignedAttributeMissing {
        attribute: "contentType",
    };
    let value = single(attrs, CONTENT_TYPE)
        .ok_or(missing.clone())?
        .map_err(|()| missing.clone())?;
    value.decode_as::<ObjectIdentifier>().map_err(|_| missing)
}

/// messageDigest (RFC 5652 §11.2), required when signed attributes are present.
pub(crate) fn message_digest(attrs: &Attributes) -> Result<Vec<u8>, Error> {
    let missing = Error::SignedAttributeMissing {
        attribute: "messageDigest",
    };
    let value = single(attrs, MESSAGE_DIGEST)
        .ok_or(missing.clone())?
        .map_err(|()| missing.clone())?;
    value
        .decode_as::<OctetString>()
        .map(|o| o.as_bytes().to_vec())
        .map_err(|_| missing)
}

/// signingTime (RFC 5652 §11.3) as unix seconds; `None` when absent or unreadable
/// (it is informational).
pub(crate) fn signing_time(attrs: &Attributes) -> Option<i64> {
    let value = single(attrs, SIGNING_TIME)?.ok()?;
    let time = value.decode_as::<Time>().ok()?;
    i64::try_from(time.to_unix_duration().as_secs()).ok()
}

/// SMIMECapabilities (RFC 8551 §2.5.2): `SEQUENCE OF SEQUENCE { capabilityID, parameters }`.
/// The capability OIDs; empty when absent or unreadable.
pub(crate) fn smime_capabilities(attrs: &Attributes) -> Vec<ObjectIdentifier> {
    let Some(Ok(value)) = single(attrs, SMIME_CAPABILITIES) else {
        return Vec::new();
    };
    let Ok(der) = value.to_der() else {
        return Vec::new();
    };
    Vec::<AlgorithmIdentifierOwned>::from_der(&der)
        .map(|caps| caps.into_iter().map(|c| c.oid).collect())
        .unwrap_or_default()
}

/// SMIMEEncryptionKeyPreference (RFC 8551 §2.5.3); `None` when absent or unreadable.
pub(crate) fn encryption_key_preference(attrs: &Attributes) -> Option<KeyPreference> {
    let value = single(attrs, ENCRYPTION_KEY_PREFERENCE)?.ok()?;
    let der = value.to_der().ok()?;
    match EncryptionKeyPreference::from_der(&der).ok()? {
        EncryptionKeyPreference::IssuerAndSerialNumber(isn) => Some(KeyPreference::IssuerSerial {
            issuer_der: isn.issuer.to_der().ok()?,
            serial: isn.serial_number.as_bytes().to_vec(),
        }),
        EncryptionKeyPreference::RecipientKeyId(rki) => Some(KeyPreference::SubjectKeyId(
            rki.subject_key_identifier.0.as_bytes().to_vec(),
        )),
        EncryptionKeyPreference::SubjectAltKeyIdentifier(ski) => {
            Some(KeyPreference::SubjectKeyId(ski.as_bytes().to_vec()))
        }
    }
}
