//! The relying-party checks on the certificate to store (SPEC step 5), one per rule.

use crate::Error;
use crate::cert::Cert;
use crate::names;
use crate::oids;
use crate::verify::{KeyKind, SigKind};

/// What the certificate is used for in this message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Signed the message and is the one stored: signing and encryption both needed.
    SignAndEncrypt,
    /// Signed the message; a separate certificate is stored for encryption.
    SignOnly,
    /// Named by SMIMEEncryptionKeyPreference: stored for encryption only.
    EncryptOnly,
}

/// Structure of the leaf: no unknown critical extension, not a CA.
pub(crate) fn check_structure(leaf: &Cert) -> Result<(), Error> {
    if let Some(oid) = leaf.ext.unknown_critical {
        return Err(Error::UnknownCriticalExtension {
            subject: leaf.subject.clone(),
            oid: oid.to_string(),
        });
    }
    Ok(())
}

/// `weak_key`: RSA under 2048 bits, EC outside P-256/P-384/P-521.
pub(crate) fn check_key_strength(leaf: &Cert) -> Result<(), Error> {
    let key = KeyKind::of(&leaf.spki_der);
    if key.is_weak() {
        return Err(Error::WeakKey {
            subject: leaf.subject.clone(),
            key: key.name(),
        });
    }
    Ok(())
}

/// `weak_algorithm`: the leaf's own signature is MD5/SHA-1 based.
pub(crate) fn check_signature_algorithm(leaf: &Cert) -> Result<(), Error> {
    if let SigKind::Weak(name) = SigKind::of(&leaf.signature_algorithm) {
        return Err(Error::WeakAlgorithm {
            subject: leaf.subject.clone(),
            algorithm: name.into(),
        });
    }
    Ok(())
}

/// `email_mismatch`: the From address is among the certificate's addresses.
pub(crate) fn check_email(leaf: &Cert, from: &str) -> Result<(), Error> {
    let presented = leaf.emails();
    if presented.iter().any(|e| names::same_address(e, from)) {
        return Ok(());
    }
    Err(Error::EmailMismatch {
        from: from.to_string(),
        presented,
    })
}

/// `cert_not_yet_valid` / `cert_expired` (bounds inclusive, RFC 5280 4.1.2.5).
pub(crate) fn check_validity(leaf: &Cert, at: i64) -> Result<(), Error> {
    if at < leaf.not_before {
        return Err(Error::CertNotYetValid {
            subject: leaf.subject.clone(),
            not_before: leaf.not_before,
            at,
        });
    }
    if at > leaf.not_after {
        return Err(Error::CertExpired {
            subject: leaf.subject.clone(),
            not_after: leaf.not_after,
            at,
        });
    }
    Ok(())
}

/// `wrong_purpose`: not a CA; an EKU, when present, has emailProtection or
/// anyExtendedKeyUsage (RFC 8550 section 4.4.4).
pub(crate) fn check_purpose(leaf: &Cert) -> Result<(), Error> {
    if leaf.is_ca() {
        return Err(Error::CaAsEndEntity {
            subject: leaf.subject.clone(),
        });
    }
    if let Some(eku) = &leaf.ext.eku
        && !eku
            .iter()
            .any(|o| *o == oids::EMAIL_PROTECTION || *o == oids::ANY_EKU)
    {
        return Err(Error::LeafWrongPurpose {
            ekus: eku.iter().map(|o| o.to_string()).collect(),
        });
    }
    Ok(())
}

/// keyUsage for the role: `wrong_purpose` when a signing certificate's keyUsage has
/// neither digitalSignature nor nonRepudiation; `unusable_key` when the certificate to
/// store cannot be encrypted to (RSA needs keyEncipherment and EC keyAgreement where
/// keyUsage is present; Ed25519/Ed448 and unknown key types never can).
pub(crate) fn check_key_usage(leaf: &Cert, role: Role) -> Result<(), Error> {
    let ku = leaf.ext.key_usage.as_ref();
    if role != Role::EncryptOnly
        && ku.is_some_and(|k| !k.digital_signature() && !k.non_repudiation())
    {
        return Err(Error::NotForSigning);
    }
    if role == Role::SignOnly {
        return Ok(());
    }
    let key = KeyKind::of(&leaf.spki_der);
    let unusable = |why| {
        Err(Error::UnusableKey {
            key: key.name(),
            why,
        })
    };
    match key {
        KeyKind::Rsa { .. } if ku.is_some_and(|k| !k.key_encipherment()) => {
            unusable("its keyUsage lacks keyEncipherment")
        }
        KeyKind::Ec { .. } if ku.is_some_and(|k| !k.key_agreement()) => {
            unusable("its keyUsage lacks keyAgreement")
        }
        KeyKind::Rsa { .. } | KeyKind::Ec { .. } => Ok(()),
        KeyKind::Ed25519 | KeyKind::Ed448 => unusable("it is a signature-only key type"),
        KeyKind::OtherCurve(_) | KeyKind::Other(_) => unusable("its key type is not supported"),
    }
}
