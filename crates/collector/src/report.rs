//! The Report: what the pipeline decided about one message (SPEC "readsmimesig" JSON).

use serde::Serialize;

/// The verdict of one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every gate passed (and the certificate is stored, when a store is configured).
    Accepted,
    /// A gate failed; `reason` says which.
    Rejected,
    /// A transient failure (DNS, store): no verdict yet, try again later.
    Deferred,
}

/// Why a message was rejected: the stable SPEC reason codes, in gate order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Not a parseable message.
    MalformedMessage,
    /// No From, several From headers, or several mailboxes in From.
    AmbiguousFrom,
    /// Over the configured size limit.
    MessageTooLarge,
    /// No DKIM-Signature header.
    DkimMissing,
    /// DKIM signatures present, none verifies.
    DkimFail,
    /// A signature verifies, but none is aligned with the From domain.
    DkimMisaligned,
    /// No S/MIME signature at the top level of the message.
    NotSigned,
    /// The signature is not a decodable CMS SignedData.
    MalformedSignature,
    /// The CMS signature does not verify over the signed content.
    SignatureInvalid,
    /// The signer's certificate is not in the message.
    NoSignerCertificate,
    /// The signer's certificate does not name the From address.
    EmailMismatch,
    /// Past notAfter at the evaluation time.
    CertExpired,
    /// Before notBefore at the evaluation time.
    CertNotYetValid,
    /// No valid path to a trust anchor.
    UntrustedChain,
    /// Not for email protection or signing.
    WrongPurpose,
    /// The key cannot be used to encrypt to the sender.
    UnusableKey,
    /// RSA under 2048 bits, or an EC curve outside P-256/P-384/P-521.
    WeakKey,
    /// MD5 or SHA-1 in the CMS signature or on the path.
    WeakAlgorithm,
    /// The certificate is revoked.
    Revoked,
}

impl Reason {
    /// Every reason code, in SPEC table order.
    pub const ALL: [Reason; 19] = [
        Reason::MalformedMessage,
        Reason::AmbiguousFrom,
        Reason::MessageTooLarge,
        Reason::DkimMissing,
        Reason::DkimFail,
        Reason::DkimMisaligned,
        Reason::NotSigned,
        Reason::MalformedSignature,
        Reason::SignatureInvalid,
        Reason::NoSignerCertificate,
        Reason::EmailMismatch,
        Reason::CertExpired,
        Reason::CertNotYetValid,
        Reason::UntrustedChain,
        Reason::WrongPurpose,
        Reason::UnusableKey,
        Reason::WeakKey,
        Reason::WeakAlgorithm,
        Reason::Revoked,
    ];

    /// The SPEC code, e.g. `email_mismatch`.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::MalformedMessage => "malformed_message",
            Reason::AmbiguousFrom => "ambiguous_from",
            Reason::MessageTooLarge => "message_too_large",
            Reason::DkimMissing => "dkim_missing",
            Reason::DkimFail => "dkim_fail",
            Reason::DkimMisaligned => "dkim_misaligned",
            Reason::NotSigned => "not_signed",
            Reason::MalformedSignature => "malformed_signature",
            Reason::SignatureInvalid => "signature_invalid",
            Reason::NoSignerCertificate => "no_signer_certificate",
            Reason::EmailMismatch => "email_mismatch",
            Reason::CertExpired => "cert_expired",
            Reason::CertNotYetValid => "cert_not_yet_valid",
            Reason::UntrustedChain => "untrusted_chain",
            Reason::WrongPurpose => "wrong_purpose",
            Reason::UnusableKey => "unusable_key",
            Reason::WeakKey => "weak_key",
            Reason::WeakAlgorithm => "weak_algorithm",
            Reason::Revoked => "revoked",
        }
    }

    /// The reason for a code that a library returned.
    pub fn from_code(code: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.as_str() == code)
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Transient failures: not verdicts. The webhook answers 503, the CLI exits 75.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Transient {
    /// DNS did not answer a DKIM key lookup.
    DkimTempError,
    /// The store could not be written.
    StoreError,
}

impl Transient {
    /// The code, e.g. `dkim_temp_error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Transient::DkimTempError => "dkim_temp_error",
            Transient::StoreError => "store_error",
        }
    }
}

/// The DKIM gate's findings.
#[derive(Debug, Clone, Serialize)]
pub struct DkimInfo {
    /// `pass`, `fail`, `misaligned`, `missing`, `temperror` or `off`.
    pub result: String,
    /// The `d=` of the signature that decided (the passing one, or the first seen).
    pub domain: Option<String>,
    /// Its `s=`.
    pub selector: Option<String>,
    /// Whether that `d=` is aligned with the From domain.
    pub aligned: Option<bool>,
}

/// The S/MIME signature's findings.
#[derive(Debug, Clone, Serialize)]
pub struct SignatureInfo {
    /// `detached` or `opaque`.
    pub format: String,
    /// e.g. `sha256`.
    pub digest: String,
    /// e.g. `rsa-pkcs1v15`.
    pub algorithm: String,
    /// RFC 3339, from the signingTime attribute.
    pub signing_time: Option<String>,
}

/// The certificate that was evaluated (and stored when accepted).
#[derive(Debug, Clone, Serialize)]
pub struct CertificateInfo {
    /// Subject DN.
    pub subject: String,
    /// Issuer DN.
    pub issuer: String,
    /// Serial, lower-case hex.
    pub serial: String,
    /// Email addresses the certificate names.
    pub emails: Vec<String>,
    /// RFC 3339.
    pub not_before: String,
    /// RFC 3339.
    pub not_after: String,
    /// SHA-256 of the DER, hex.
    pub sha256: String,
    /// e.g. `rsa-2048`, `ec-p256`.
    pub key: String,
}

/// What the store did.
#[derive(Debug, Clone, Serialize)]
pub struct StoredInfo {
    /// `created`, `replaced`, `unchanged`, `kept_newer` or `not_stored`.
    pub outcome: String,
    /// Where the current certificate of the address is, when stored.
    pub location: Option<String>,
}

/// What the pipeline decided about one message: the SPEC's JSON report object.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The input's label: a path, `-` for stdin, or `relay:<id>` for the webhook.
    pub input: String,
    /// The Message-ID, with its angle brackets (`<id@host>`).
    pub message_id: Option<String>,
    /// The From address.
    pub from: Option<String>,
    /// Accepted, rejected or deferred.
    pub verdict: Verdict,
    /// The first failing gate, when rejected.
    pub reason: Option<Reason>,
    /// The transient failure, when deferred.
    pub transient: Option<Transient>,
    /// One readable sentence.
    pub detail: String,
    /// Things a reader should know (e.g. DKIM was skipped).
    pub warnings: Vec<String>,
    /// DKIM findings, once that gate ran.
    pub dkim: Option<DkimInfo>,
    /// Signature findings, once decoded.
    pub signature: Option<SignatureInfo>,
    /// The certificate evaluated.
    pub certificate: Option<CertificateInfo>,
    /// The store's outcome, for accepted messages.
    pub stored: Option<StoredInfo>,
}

impl Report {
    /// A fresh report for `input`; the pipeline fills it in.
    pub(crate) fn new(input: &str) -> Report {
        Report {
            input: input.to_string(),
            message_id: None,
            from: None,
            verdict: Verdict::Rejected,
            reason: None,
            transient: None,
            detail: String::new(),
            warnings: Vec::new(),
            dkim: None,
            signature: None,
            certificate: None,
            stored: None,
        }
    }

    /// True when a transient failure stopped the pipeline (retry later).
    pub fn is_transient(&self) -> bool {
        self.transient.is_some()
    }

    /// A label for metrics: `accepted`, the reason code, or the transient code.
    pub fn outcome_label(&self) -> &'static str {
        match (self.verdict, self.reason, self.transient) {
            (_, _, Some(t)) => t.as_str(),
            (_, Some(r), None) => r.as_str(),
            (Verdict::Accepted, None, None) => "accepted",
            (_, None, None) => "rejected",
        }
    }

    /// One line for humans: verdict, From, reason, where stored.
    pub fn summary_line(&self) -> String {
        let from = self.from.as_deref().unwrap_or("-");
        let mut line = match (self.verdict, self.reason, self.transient) {
            (Verdict::Accepted, _, _) => format!("{}: accepted from {from}", self.input),
            (_, _, Some(t)) => format!("{}: deferred ({}) from {from}", self.input, t.as_str()),
            (_, r, None) => format!(
                "{}: rejected ({}) from {from}",
                self.input,
                r.map_or("rejected", Reason::as_str)
            ),
        };
        line.push_str(": ");
        line.push_str(&self.detail);
        if let Some(StoredInfo {
            outcome,
            location: Some(loc),
        }) = &self.stored
        {
            line.push_str(&format!(" [{outcome}: {loc}]"));
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reason codes are stable API: tie them to the SPEC's table.
    #[test]
    fn reasons_match_the_spec_table() {
        let codes: Vec<&str> = Reason::ALL.iter().map(|r| r.as_str()).collect();
        let spec = concat!(
            "malformed_message ambiguous_from message_too_large dkim_missing dkim_fail ",
            "dkim_misaligned not_signed malformed_signature signature_invalid ",
            "no_signer_certificate email_mismatch cert_expired cert_not_yet_valid ",
            "untrusted_chain wrong_purpose unusable_key weak_key weak_algorithm revoked"
        );
        assert_eq!(codes, spec.split(' ').collect::<Vec<_>>());
        for r in Reason::ALL {
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
            assert_eq!(Reason::from_code(r.as_str()), Some(r));
        }
        assert_eq!(Reason::from_code("dkim_temp_error"), None);
    }
}
