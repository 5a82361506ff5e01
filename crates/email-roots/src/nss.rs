//! The NSS built-in roots module (`libnssckbi.so`) read through PKCS#11 with `cryptoki`.
//!
//! The module holds certificate objects and, for each, an NSS trust object (vendor class
//! `CKO_NSS_TRUST`) naming it by `CKA_ISSUER` + `CKA_SERIAL_NUMBER` and carrying one
//! trust value per purpose. A root is an email anchor when its trust object says
//! `CKT_NSS_TRUSTED_DELEGATOR` for `CKA_TRUST_EMAIL_PROTECTION`; its certificate object
//! may carry `CKA_NSS_EMAIL_DISTRUST_AFTER` (a 1-byte false, or a 13-byte UTCTime).
//!
//! cryptoki's `ObjectClass` cannot hold NSS's vendor classes, so the trust objects are
//! searched with a raw attribute: `AttributeType::VendorDefined(0)` is `CKA_CLASS` (0)
//! with the class as a native `CK_ULONG`.

use std::collections::HashMap;
use std::ffi::c_ulong;
use std::path::Path;
use std::sync::{Mutex, PoisonError};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::RvError;
use cryptoki::object::{Attribute, AttributeType, ObjectClass, ObjectHandle};
use cryptoki::session::Session;
use der::Decode;
use sha1::Digest;

use crate::{Error, Limits};

// NSS vendor constants (nss/lib/util/pkcs11n.h).
const CKA_CLASS: c_ulong = 0;
const CKO_NSS_TRUST: c_ulong = 0xCE53_4353;
const CKA_TRUST_SERVER_AUTH: c_ulong = 0xCE53_6358;
const CKA_TRUST_EMAIL_PROTECTION: c_ulong = 0xCE53_635B;
const CKA_CERT_SHA1_HASH: c_ulong = 0xCE53_63B4;
const CKA_NSS_EMAIL_DISTRUST_AFTER: c_ulong = 0xCE53_4374;
const CKT_NSS_TRUSTED: u64 = 0xCE53_4351;
const CKT_NSS_TRUSTED_DELEGATOR: u64 = 0xCE53_4352;
const CKT_NSS_MUST_VERIFY_TRUST: u64 = 0xCE53_4353;
const CKT_NSS_TRUST_UNKNOWN: u64 = 0xCE53_4355;
const CKT_NSS_NOT_TRUSTED: u64 = 0xCE53_435A;
const CKT_NSS_VALID_DELEGATOR: u64 = 0xCE53_435B;

/// A PKCS#11 module is process-global state (one `C_Initialize` per process): one reader
/// at a time initialises, reads and finalises it.
static MODULE: Mutex<()> = Mutex::new(());

/// What an NSS trust object says about a root for one purpose (`CKT_NSS_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NssTrust {
    /// `CKT_NSS_TRUSTED_DELEGATOR`: a trust anchor for this purpose.
    TrustedDelegator,
    /// `CKT_NSS_TRUSTED`: trusted as a peer (end-entity) certificate, not as an issuer.
    Trusted,
    /// `CKT_NSS_VALID_DELEGATOR`: a valid CA, not an anchor.
    ValidDelegator,
    /// `CKT_NSS_MUST_VERIFY_TRUST`: no trust of its own for this purpose.
    MustVerify,
    /// `CKT_NSS_NOT_TRUSTED`: explicitly distrusted.
    NotTrusted,
    /// `CKT_NSS_TRUST_UNKNOWN`, or the attribute is absent.
    Unknown,
    /// A value this crate does not know.
    Other(u64),
}

impl NssTrust {
    fn of(value: Option<u64>) -> NssTrust {
        match value {
            Some(CKT_NSS_TRUSTED_DELEGATOR) => NssTrust::TrustedDelegator,
            Some(CKT_NSS_TRUSTED) => NssTrust::Trusted,
            Some(CKT_NSS_VALID_DELEGATOR) => NssTrust::ValidDelegator,
            Some(CKT_NSS_MUST_VERIFY_TRUST) => NssTrust::MustVerify,
            Some(CKT_NSS_NOT_TRUSTED) => NssTrust::NotTrusted,
            Some(CKT_NSS_TRUST_UNKNOWN) | None => NssTrust::Unknown,
            Some(other) => NssTrust::Other(other),
        }
    }
}

/// One certificate of the module with its trust for email and for TLS servers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NssRoot {
    /// The certificate, DER (`CKA_VALUE`).
    pub der: Vec<u8>,
    /// `CKA_LABEL`.
    pub label: String,
    /// `CKA_TRUST_EMAIL_PROTECTION`.
    pub email: NssTrust,
    /// `CKA_TRUST_SERVER_AUTH`.
    pub server_auth: NssTrust,
    /// `CKA_NSS_EMAIL_DISTRUST_AFTER`, unix seconds.
    pub email_distrust_after: Option<i64>,
}

/// Reads every certificate of the PKCS#11 module at `path` that has an NSS trust object,
/// with its trust. The second vector says why some objects were left out (unpaired
/// hashes, undecodable dates). Loading a module runs its code in this process: only
/// pass trusted paths.
pub fn read_module(path: &Path, limits: &Limits) -> Result<(Vec<NssRoot>, Vec<String>), Error> {
    let _one_reader = MODULE.lock().unwrap_or_else(PoisonError::into_inner);
    let pkcs11 = Pkcs11::new(path).map_err(|e| failed(path, "loading", e))?;
    let owned = match pkcs11.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) => true,
        // Initialised by someone else in this process: read, and leave it initialised.
        Err(cryptoki::error::Error::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => false,
        Err(e) => return Err(failed(path, "C_Initialize", e)),
    };
    let read = read_slots(&pkcs11, path, limits);
    if owned {
        // The roots are read; a module that fails to finalise changes nothing for us.
        let _ = pkcs11.finalize();
    }
    read
}

fn failed(path: &Path, step: &str, e: cryptoki::error::Error) -> Error {
    Error::Module {
        path: path.to_path_buf(),
        what: format!("{step}: {e}"),
    }
}

fn read_slots(
    pkcs11: &Pkcs11,
    path: &Path,
    limits: &Limits,
) -> Result<(Vec<NssRoot>, Vec<String>), Error> {
    let mut roots = Vec::new();
    let mut skipped = Vec::new();
    let slots = pkcs11
        .get_slots_with_token()
        .map_err(|e| failed(path, "C_GetSlotList", e))?;
    for slot in slots {
        let session = pkcs11
            .open_ro_session(slot)
            .map_err(|e| failed(path, "C_OpenSession", e))?;
        read_session(&session, path, limits, &mut roots, &mut skipped)?;
    }
    Ok((roots, skipped))
}

/// A certificate object, keyed by its (issuer, serial) pair.
struct CertObject {
    der: Vec<u8>,
    label: String,
    distrust_after: Option<Vec<u8>>,
}

fn read_session(
    session: &Session,
    path: &Path,
    limits: &Limits,
    roots: &mut Vec<NssRoot>,
    skipped: &mut Vec<String>,
) -> Result<(), Error> {
    let find = |template: &[Attribute]| -> Result<Vec<ObjectHandle>, Error> {
        let found = session
            .find_objects(template)
            .map_err(|e| failed(path, "C_FindObjects", e))?;
        if found.len() > limits.max_module_objects {
            return Err(Error::LimitExceeded {
                what: "objects in the NSS module",
                max: limits.max_module_objects,
            });
        }
        Ok(found)
    };
    let get = |object: ObjectHandle, types: &[AttributeType]| {
        session
            .get_attributes(object, types)
            .map_err(|e| failed(path, "C_GetAttributeValue", e))
    };

    let mut certs: HashMap<(Vec<u8>, Vec<u8>), CertObject> = HashMap::new();
    for object in find(&[Attribute::Class(ObjectClass::CERTIFICATE)])? {
        let attrs = get(
            object,
            &[
                AttributeType::Value,
                AttributeType::Issuer,
                AttributeType::SerialNumber,
                AttributeType::Label,
                AttributeType::VendorDefined(CKA_NSS_EMAIL_DISTRUST_AFTER),
            ],
        )?;
        let (mut der, mut issuer, mut serial, mut label, mut distrust) =
            (None, None, None, String::new(), None);
        for attr in attrs {
            match attr {
                Attribute::Value(v) => der = Some(v),
                Attribute::Issuer(v) => issuer = Some(v),
                Attribute::SerialNumber(v) => serial = Some(v),
                Attribute::Label(v) => label = text(&v),
                Attribute::VendorDefined((_, v)) => distrust = Some(v),
                _ => {}
            }
        }
        if let (Some(der), Some(issuer), Some(serial)) = (der, issuer, serial) {
            certs.insert(
                (issuer, serial),
                CertObject {
                    der,
                    label,
                    distrust_after: distrust,
                },
            );
        }
    }

    let trust_class = Attribute::VendorDefined((
        AttributeType::VendorDefined(CKA_CLASS),
        CKO_NSS_TRUST.to_ne_bytes().to_vec(),
    ));
    for object in find(&[trust_class])? {
        let attrs = get(
            object,
            &[
                AttributeType::Issuer,
                AttributeType::SerialNumber,
                AttributeType::VendorDefined(CKA_TRUST_EMAIL_PROTECTION),
                AttributeType::VendorDefined(CKA_TRUST_SERVER_AUTH),
                AttributeType::VendorDefined(CKA_CERT_SHA1_HASH),
            ],
        )?;
        let (mut issuer, mut serial, mut email, mut server, mut sha1) =
            (None, None, None, None, None);
        for attr in attrs {
            match attr {
                Attribute::Issuer(v) => issuer = Some(v),
                Attribute::SerialNumber(v) => serial = Some(v),
                Attribute::VendorDefined((AttributeType::VendorDefined(t), v)) => match t {
                    CKA_TRUST_EMAIL_PROTECTION => email = ulong(&v),
                    CKA_TRUST_SERVER_AUTH => server = ulong(&v),
                    CKA_CERT_SHA1_HASH => sha1 = Some(v),
                    _ => {}
                },
                _ => {}
            }
        }
        // Trust objects without a certificate are distrust entries (no root to add).
        let Some(cert) = issuer.zip(serial).and_then(|key| certs.get(&key)) else {
            continue;
        };
        if sha1.is_some_and(|h| h.as_slice() != sha1::Sha1::digest(&cert.der).as_slice()) {
            skipped.push(format!(
                "{}: the trust object's SHA-1 does not match the certificate",
                cert.label
            ));
            continue;
        }
        let email_distrust_after = match cert.distrust_after.as_deref().map(distrust_after) {
            None => None,
            Some(Ok(date)) => date,
            Some(Err(why)) => {
                skipped.push(format!("{}: {why}", cert.label));
                continue;
            }
        };
        roots.push(NssRoot {
            der: cert.der.clone(),
            label: cert.label.clone(),
            email: NssTrust::of(email),
            server_auth: NssTrust::of(server),
            email_distrust_after,
        });
    }
    Ok(())
}

/// A `CK_ULONG` attribute value, native byte order.
fn ulong(v: &[u8]) -> Option<u64> {
    match v.len() {
        8 => v.try_into().ok().map(u64::from_ne_bytes),
        4 => v.try_into().ok().map(u32::from_ne_bytes).map(u64::from),
        _ => None,
    }
}

/// A `CKA_LABEL` (UTF-8, NSS adds a trailing NUL).
fn text(v: &[u8]) -> String {
    String::from_utf8_lossy(v)
        .trim_end_matches('\0')
        .to_string()
}

/// `CKA_NSS_EMAIL_DISTRUST_AFTER`: a 1-byte false (no date), or the 13 bytes of a UTCTime
/// value (`YYMMDDHHMMSSZ`) decoded as DER.
fn distrust_after(v: &[u8]) -> Result<Option<i64>, String> {
    match v {
        [0] => Ok(None),
        _ if v.len() == 13 => {
            let mut tlv = vec![0x17, 13];
            tlv.extend_from_slice(v);
            let t = der::asn1::UtcTime::from_der(&tlv)
                .map_err(|e| format!("bad email distrust-after date: {e}"))?;
            Ok(Some(
                i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX),
            ))
        }
        _ => Err(format!(
            "email distrust-after of {} bytes is neither false nor a UTCTime",
            v.len()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distrust_after_is_false_or_a_utctime() {
        assert_eq!(distrust_after(&[0]), Ok(None));
        assert_eq!(distrust_after(b"220831000000Z"), Ok(Some(1_661_904_000)));
        assert!(distrust_after(b"2208310000Z").is_err());
        assert!(distrust_after(b"22083100000QZ").is_err());
    }

    #[test]
    fn trust_values_map_to_their_names() {
        assert_eq!(NssTrust::of(Some(0xCE53_4352)), NssTrust::TrustedDelegator);
        assert_eq!(NssTrust::of(Some(0xCE53_4353)), NssTrust::MustVerify);
        assert_eq!(NssTrust::of(Some(0xCE53_435A)), NssTrust::NotTrusted);
        assert_eq!(NssTrust::of(None), NssTrust::Unknown);
        assert_eq!(NssTrust::of(Some(7)), NssTrust::Other(7));
    }

    #[test]
    fn ulong_reads_native_8_and_4_byte_values() {
        assert_eq!(ulong(&0xCE53_4352u64.to_ne_bytes()), Some(0xCE53_4352));
        assert_eq!(ulong(&0xCE53_4352u32.to_ne_bytes()), Some(0xCE53_4352));
        assert_eq!(ulong(&[1, 2, 3]), None);
    }

    #[test]
    fn labels_lose_the_trailing_nul() {
        assert_eq!(text(b"ISRG Root X1\0"), "ISRG Root X1");
    }
}
