//! The gate's one error type.

use std::time::Duration;

use crate::SignatureReport;

/// Why the DKIM gate did not pass a message.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The message has no DKIM-Signature header field.
    #[error("the message has no DKIM-Signature header")]
    NoSignature,
    /// Signatures are present, but none verifies (or none that verifies counts).
    #[error("no DKIM signature verifies: {}", summary(.signatures))]
    NoValidSignature {
        /// Every signature and its result.
        signatures: Vec<SignatureReport>,
    },
    /// A signature verifies, but none of those is aligned with the From domain.
    #[error(
        "a DKIM signature verifies but none is aligned with the From domain {from_domain}: {}",
        summary(.signatures)
    )]
    NotAligned {
        /// The From domain the signatures were compared with.
        from_domain: String,
        /// Every signature and its result.
        signatures: Vec<SignatureReport>,
    },
    /// A key lookup that could have decided the outcome did not get an answer
    /// (timeout, SERVFAIL or another server failure).
    #[error("DNS did not answer a DKIM key lookup: {}", summary(.signatures))]
    DnsTemporary {
        /// Every signature and its result.
        signatures: Vec<SignatureReport>,
    },
    /// The whole message took longer than its time budget.
    #[error("DKIM verification did not finish within {budget:?}")]
    Timeout {
        /// The configured whole-message budget.
        budget: Duration,
    },
    /// The resolver could not be set up (e.g. no readable system configuration).
    #[error("cannot set up the DNS resolver for DKIM: {reason}")]
    ResolverSetup {
        /// What the resolver library said.
        reason: String,
    },
}

impl Error {
    /// The SPEC reason code: `dkim_missing`, `dkim_fail`, `dkim_misaligned`, or the
    /// transient `dkim_temp_error`.
    pub fn reason_code(&self) -> &'static str {
        match self {
            Error::NoSignature => "dkim_missing",
            Error::NoValidSignature { .. } => "dkim_fail",
            Error::NotAligned { .. } => "dkim_misaligned",
            Error::DnsTemporary { .. } => "dkim_temp_error",
            Error::Timeout { .. } => "dkim_temp_error",
            Error::ResolverSetup { .. } => "dkim_temp_error",
        }
    }

    /// True for `dkim_temp_error`: trying the same message again later may pass.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::NoSignature | Error::NoValidSignature { .. } | Error::NotAligned { .. } => false,
            Error::DnsTemporary { .. } | Error::Timeout { .. } | Error::ResolverSetup { .. } => {
                true
            }
        }
    }

    /// The per-signature results, for the log and the report (empty when there were none,
    /// or the time budget ran out first).
    pub fn signatures(&self) -> &[SignatureReport] {
        match self {
            Error::NoValidSignature { signatures }
            | Error::NotAligned { signatures, .. }
            | Error::DnsTemporary { signatures } => signatures,
            Error::NoSignature | Error::Timeout { .. } | Error::ResolverSetup { .. } => &[],
        }
    }
}

/// `d=example.com s=s1 rsa-sha256: fail (body hash mismatch); ...`
fn summary(signatures: &[SignatureReport]) -> String {
    signatures
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_temp_errors_are_transient() {
        let cases = [
            (Error::NoSignature, "dkim_missing"),
            (Error::NoValidSignature { signatures: vec![] }, "dkim_fail"),
            (
                Error::NotAligned {
                    from_domain: "x".into(),
                    signatures: vec![],
                },
                "dkim_misaligned",
            ),
            (
                Error::DnsTemporary { signatures: vec![] },
                "dkim_temp_error",
            ),
            (
                Error::Timeout {
                    budget: Duration::from_secs(4),
                },
                "dkim_temp_error",
            ),
            (
                Error::ResolverSetup { reason: "x".into() },
                "dkim_temp_error",
            ),
        ];
        for (err, code) in cases {
            assert_eq!(err.reason_code(), code);
            assert_eq!(err.is_transient(), code == "dkim_temp_error", "{err}");
        }
    }
}
