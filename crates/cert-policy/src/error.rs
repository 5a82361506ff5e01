//! The one error type of cert-policy: each variant names the failed check.

/// Why a certificate may not be stored for the From address (or why trust material
/// could not be loaded).
///
/// `Display` is one readable sentence (the Report's `detail`); [`Error::reason_code`]
/// is the SPEC reason code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A certificate could not be decoded (or breaks a DER/RFC 5280 structural rule).
    #[error("a certificate could not be decoded ({what}), so no valid path can be built")]
    Malformed {
        /// What was wrong.
        what: String,
    },
    /// The configured trust material could not be used.
    #[error("the trust material could not be loaded: {what}")]
    TrustMaterial {
        /// What was wrong.
        what: String,
    },
    /// The certificate names neither in subjectAltName nor in its subject the From address.
    #[error("the certificate names {}, not the From address {from}", names_list(.presented))]
    EmailMismatch {
        /// The From address.
        from: String,
        /// The addresses the certificate names.
        presented: Vec<String>,
    },
    /// Past notAfter.
    #[error("the certificate of {subject} expired on {}, before the evaluation time {}", rfc3339(*.not_after), rfc3339(*.at))]
    CertExpired {
        /// Subject of the expired certificate (the leaf or a CA of the path).
        subject: String,
        /// Its notAfter, unix seconds.
        not_after: i64,
        /// The evaluation time, unix seconds.
        at: i64,
    },
    /// Before notBefore.
    #[error("the certificate of {subject} is not valid before {}, after the evaluation time {}", rfc3339(*.not_before), rfc3339(*.at))]
    CertNotYetValid {
        /// Subject of the certificate (the leaf or a CA of the path).
        subject: String,
        /// Its notBefore, unix seconds.
        not_before: i64,
        /// The evaluation time, unix seconds.
        at: i64,
    },
    /// No certificate in the message, the configured intermediates or the anchors issued it.
    #[error("no issuer of {subject} (issued by {issuer}) leads to a trust anchor")]
    UnknownIssuer {
        /// Subject of the certificate whose issuer is missing.
        subject: String,
        /// Its issuer name.
        issuer: String,
    },
    /// A signature on the path does not verify with its issuer's key.
    #[error("the signature on the certificate of {subject} does not verify with its issuer's key")]
    BadSignature {
        /// Subject of the certificate whose signature failed.
        subject: String,
    },
    /// A signature algorithm or key type this crate does not verify.
    #[error("the certificate of {subject} is signed with an unsupported algorithm ({algorithm})")]
    UnsupportedSignatureAlgorithm {
        /// Subject of the certificate.
        subject: String,
        /// The algorithm.
        algorithm: String,
    },
    /// An issuer on the path is not a CA (basicConstraints cA missing or false).
    #[error("{subject} issued a certificate on the path but is not a CA")]
    NotCa {
        /// The would-be CA.
        subject: String,
    },
    /// A CA whose keyUsage lacks keyCertSign issued a certificate on the path.
    #[error("{subject} issued a certificate on the path but its keyUsage lacks keyCertSign")]
    CaKeyUsage {
        /// The CA.
        subject: String,
    },
    /// basicConstraints pathLenConstraint exceeded.
    #[error("the path is longer than the pathLenConstraint of {subject} allows")]
    PathLenExceeded {
        /// The CA whose constraint is exceeded.
        subject: String,
    },
    /// A name of the certificate is outside the CA's name constraints.
    #[error("the name {name} is outside the name constraints of {ca}")]
    NameConstraint {
        /// The constraining CA.
        ca: String,
        /// The name that violates them.
        name: String,
    },
    /// RFC 5280 6.1.3 (f) / 6.1.5 (g): an explicit policy is required (by the relying
    /// party or a CA's requireExplicitPolicy) and no acceptable policy remains.
    #[error(
        "no certificate policy acceptable to the relying party remains valid at {subject}, and an explicit policy is required"
    )]
    ExplicitPolicyRequired {
        /// The certificate where the valid policies ran out.
        subject: String,
    },
    /// RFC 5280 6.1.4 (a): policyMappings maps anyPolicy, or maps to it.
    #[error("the policy mappings of {subject} map anyPolicy, which is not allowed")]
    AnyPolicyMapped {
        /// The CA.
        subject: String,
    },
    /// An extension marked critical that this crate does not process.
    #[error("the certificate of {subject} has an unknown critical extension {oid}")]
    UnknownCriticalExtension {
        /// The certificate.
        subject: String,
        /// The extension OID.
        oid: String,
    },
    /// A leaf is a CA certificate.
    #[error("the certificate of {subject} is a CA certificate, not an end-entity certificate")]
    CaAsEndEntity {
        /// The certificate.
        subject: String,
    },
    /// A CA of the path has an extendedKeyUsage without emailProtection.
    #[error("the CA {subject} on the path is not allowed to issue for email protection")]
    CaWrongPurpose {
        /// The CA.
        subject: String,
    },
    /// The leaf's extendedKeyUsage has neither emailProtection nor anyExtendedKeyUsage.
    #[error("the certificate is not for email protection (its extended key usages: {})", .ekus.join(", "))]
    LeafWrongPurpose {
        /// The EKU OIDs present.
        ekus: Vec<String>,
    },
    /// The leaf's keyUsage allows neither digitalSignature nor nonRepudiation.
    #[error(
        "the certificate's keyUsage does not allow signing (digitalSignature or nonRepudiation)"
    )]
    NotForSigning,
    /// The key cannot be used to encrypt to the sender.
    #[error("the certificate's key ({key}) cannot be used to encrypt to the sender: {why}")]
    UnusableKey {
        /// Key type, e.g. "rsa-2048".
        key: String,
        /// Why not.
        why: &'static str,
    },
    /// RSA under 2048 bits, or an EC curve other than P-256/P-384/P-521.
    #[error("the key of {subject} is too weak ({key})")]
    WeakKey {
        /// The certificate.
        subject: String,
        /// Key type, e.g. "rsa-1024", "ec-secp256k1".
        key: String,
    },
    /// MD5 or SHA-1 in a signature on the path.
    #[error("the certificate of {subject} is signed with a weak algorithm ({algorithm})")]
    WeakAlgorithm {
        /// The certificate.
        subject: String,
        /// The algorithm.
        algorithm: String,
    },
    /// A CRL lists the certificate (RFC 5280 6.3).
    #[error("the certificate of {subject} (serial {serial}) is revoked{}", revocation_facts(.reason, .date))]
    Revoked {
        /// The revoked certificate.
        subject: String,
        /// Its serial, lowercase hex.
        serial: String,
        /// The CRL entry's reasonCode.
        reason: Option<crate::RevocationReason>,
        /// The revocationDate, Unix seconds.
        date: Option<i64>,
    },
    /// No usable CRL shows the certificate good, and revocation checking is required
    /// ([`crate::RevocationPolicy::RequireGood`]).
    #[error("the revocation status of {subject} (serial {serial}) cannot be determined: {why}")]
    RevocationUnknown {
        /// The certificate.
        subject: String,
        /// Its serial, lowercase hex.
        serial: String,
        /// Which CRLs were considered and why none could be used.
        why: String,
    },
    /// A bound of [`crate::Limits`] was reached.
    #[error("giving up: the {limit} limit ({max}) was reached while building the path")]
    LimitExceeded {
        /// Which limit.
        limit: &'static str,
        /// Its value.
        max: usize,
    },
}

impl Error {
    /// The SPEC reason code of this error.
    ///
    /// Malformed certificates and unusable trust material give `untrusted_chain`: no valid
    /// path can be built from them.
    pub fn reason_code(&self) -> &'static str {
        match self {
            Error::Malformed { .. }
            | Error::TrustMaterial { .. }
            | Error::UnknownIssuer { .. }
            | Error::BadSignature { .. }
            | Error::UnsupportedSignatureAlgorithm { .. }
            | Error::NotCa { .. }
            | Error::CaKeyUsage { .. }
            | Error::PathLenExceeded { .. }
            | Error::NameConstraint { .. }
            | Error::ExplicitPolicyRequired { .. }
            | Error::AnyPolicyMapped { .. }
            | Error::RevocationUnknown { .. }
            | Error::UnknownCriticalExtension { .. }
            | Error::LimitExceeded { .. } => "untrusted_chain",
            Error::EmailMismatch { .. } => "email_mismatch",
            Error::CertExpired { .. } => "cert_expired",
            Error::CertNotYetValid { .. } => "cert_not_yet_valid",
            Error::CaAsEndEntity { .. }
            | Error::CaWrongPurpose { .. }
            | Error::LeafWrongPurpose { .. }
            | Error::NotForSigning => "wrong_purpose",
            Error::UnusableKey { .. } => "unusable_key",
            Error::WeakKey { .. } => "weak_key",
            Error::WeakAlgorithm { .. } => "weak_algorithm",
            Error::Revoked { .. } => "revoked",
        }
    }

    /// Whether retrying later could succeed. Never: cert-policy does no I/O.
    pub fn is_transient(&self) -> bool {
        false
    }

    /// How specific this error is when several candidate paths fail: the highest rank
    /// wins (after rustls-webpki's `rank`). A path that failed late (revoked, expired
    /// CA, weak link) says more than an issuer that was never found.
    pub(crate) fn rank(&self) -> u8 {
        match self {
            Error::UnknownIssuer { .. } => 0,
            Error::LimitExceeded { .. } => 1,
            Error::Malformed { .. } | Error::TrustMaterial { .. } => 2,
            Error::BadSignature { .. } | Error::UnsupportedSignatureAlgorithm { .. } => 3,
            Error::NotCa { .. }
            | Error::CaKeyUsage { .. }
            | Error::UnknownCriticalExtension { .. }
            | Error::AnyPolicyMapped { .. } => 4,
            Error::PathLenExceeded { .. } => 5,
            Error::NameConstraint { .. } | Error::ExplicitPolicyRequired { .. } => 6,
            Error::CaWrongPurpose { .. } => 7,
            Error::WeakKey { .. } | Error::WeakAlgorithm { .. } => 8,
            Error::CertExpired { .. }
            | Error::CertNotYetValid { .. }
            | Error::RevocationUnknown { .. } => 9,
            Error::Revoked { .. } => 10,
            // Leaf-only checks: never compete between paths.
            Error::EmailMismatch { .. }
            | Error::CaAsEndEntity { .. }
            | Error::LeafWrongPurpose { .. }
            | Error::NotForSigning
            | Error::UnusableKey { .. } => 11,
        }
    }
}

/// Unix seconds as RFC 3339 (UTC), or the number when out of range.
fn rfc3339(t: i64) -> String {
    u64::try_from(t)
        .ok()
        .and_then(|s| der::DateTime::from_unix_duration(std::time::Duration::from_secs(s)).ok())
        .map_or_else(|| format!("{t} (unix)"), |d| d.to_string())
}

/// " (keyCompromise, since 2010-01-01T08:30:00Z)", or what of it is known.
fn revocation_facts(reason: &Option<crate::RevocationReason>, date: &Option<i64>) -> String {
    match (reason, date) {
        (Some(r), Some(d)) => format!(" ({r}, since {})", rfc3339(*d)),
        (Some(r), None) => format!(" ({r})"),
        (None, Some(d)) => format!(" (since {})", rfc3339(*d)),
        (None, None) => String::new(),
    }
}

/// The names, each that can match no address followed by why (e.g. a Kelvin sign).
fn names_list(v: &[String]) -> String {
    if v.is_empty() {
        return "no email address".into();
    }
    let shown: Vec<String> = v
        .iter()
        .map(|name| match smime_address::normalize(name) {
            Ok(_) => name.clone(),
            Err(e) => format!("{name:?} (which matches no address: {e})"),
        })
        .collect();
    shown.join(", ")
}
