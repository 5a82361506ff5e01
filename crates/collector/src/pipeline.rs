//! The gates of SPEC "The pipeline", in order. The first gate that fails decides.

use cert_policy::{Candidate, CertRef, CertSummary};
use cert_store::{PutContext, PutOutcome};
use tracing::{info, warn};

use crate::Collector;
use crate::from::check_from;
use crate::report::{
    CertificateInfo, DkimInfo, Reason, Report, SignatureInfo, StoredInfo, Transient, Verdict,
};
use crate::time::rfc3339;

/// Runs every gate over one message. Never fails: every outcome is a [`Report`].
pub(crate) async fn run(c: &Collector, raw: &[u8], input: &str, at: i64) -> Report {
    let mut report = Report::new(input);
    info!(input, bytes = raw.len(), "message received");
    if raw.len() > c.max_message_bytes {
        return reject(
            report,
            Reason::MessageTooLarge,
            format!(
                "the message has {} bytes, over the limit of {}",
                raw.len(),
                c.max_message_bytes
            ),
        );
    }

    // 1. From.
    let envelope = match check_from(raw) {
        Ok(e) => e,
        Err(e) => return reject(report, e.reason, e.detail),
    };
    info!(from = %envelope.from, message_id = ?envelope.message_id, "From header");
    report.from = Some(envelope.from.clone());
    report.message_id = envelope.message_id.clone();

    // 2. DKIM.
    let dkim_domain = match &c.dkim {
        None => {
            report
                .warnings
                .push("DKIM was not checked (dkim.mode = off)".to_string());
            report.dkim = Some(DkimInfo {
                result: "off".into(),
                domain: None,
                selector: None,
                aligned: None,
            });
            warn!("DKIM gate is off: the From address is not authenticated");
            None
        }
        Some(gate) => match gate.verify(raw, &envelope.from_domain).await {
            Ok(pass) => {
                for s in &pass.signatures {
                    info!(d = %s.domain, s = %s.selector, a = %s.algorithm, result = %s.result, aligned = s.aligned, "DKIM signature");
                }
                info!(domain = %pass.domain, selector = %pass.selector, "DKIM pass, aligned with the From domain");
                report.dkim = Some(DkimInfo {
                    result: "pass".into(),
                    domain: Some(pass.domain.clone()),
                    selector: Some(pass.selector.clone()),
                    aligned: Some(true),
                });
                Some(pass.domain)
            }
            Err(e) => {
                for s in e.signatures() {
                    info!(d = %s.domain, s = %s.selector, a = %s.algorithm, result = %s.result, aligned = s.aligned, "DKIM signature");
                }
                let first = e.signatures().first();
                report.dkim = Some(DkimInfo {
                    result: dkim_result_word(e.reason_code()).into(),
                    domain: first.map(|s| s.domain.clone()),
                    selector: first.map(|s| s.selector.clone()),
                    aligned: first.map(|_| e.signatures().iter().any(|s| s.aligned)),
                });
                if e.is_transient() {
                    return defer(report, Transient::DkimTempError, e.to_string());
                }
                return reject_code(report, e.reason_code(), e.to_string());
            }
        },
    };

    // 3-4. Locate, decode and verify the S/MIME signature.
    let sig = match smime_extract::extract(raw, &c.extract) {
        Ok(sig) => sig,
        Err(e) => return reject_code(report, e.reason_code(), e.to_string()),
    };
    for part in &sig.mime_parts {
        info!(content_type = %part, "MIME part");
    }
    info!(
        format = sig.format.as_str(), digest = sig.digest.as_str(), algorithm = sig.algorithm.as_str(),
        micalg = ?sig.micalg, certificates = sig.certificates.len() + 1,
        "S/MIME signature verifies over the signed content"
    );
    report.signature = Some(SignatureInfo {
        format: sig.format.as_str().into(),
        digest: sig.digest.as_str().into(),
        algorithm: sig.algorithm.as_str().into(),
        signing_time: sig.signing_time.map(rfc3339),
    });
    // Each certificate is summarised once: for the log, and the signer's for the report.
    for (i, der) in std::iter::once(&sig.signer_certificate)
        .chain(&sig.certificates)
        .enumerate()
    {
        match cert_policy::summarize(der) {
            Ok(s) => {
                log_certificate(&s);
                if i == 0 {
                    report.certificate = Some(certificate_info(&s));
                }
            }
            Err(e) => info!(error = %e, "certificate in the message cannot be read"),
        }
    }

    // 5. Certificate policy.
    let preference = sig.encryption_key_preference.as_ref().map(|p| match p {
        smime_extract::KeyPreference::IssuerSerial { issuer_der, serial } => {
            CertRef::IssuerSerial {
                issuer_der: issuer_der.clone(),
                serial: serial.clone(),
            }
        }
        smime_extract::KeyPreference::SubjectKeyId(id) => CertRef::SubjectKeyId(id.clone()),
    });
    let candidate = Candidate {
        from: &envelope.from,
        signer: &sig.signer_certificate,
        others: &sig.certificates,
        encryption_preference: preference.as_ref(),
    };
    let decision = match cert_policy::evaluate(&c.trust, &c.policy, &candidate, at) {
        Ok(d) => d,
        Err(e) => {
            info!(verdict = "rejected", "certificate chain: {e}");
            return reject_code(report, e.reason_code(), e.to_string());
        }
    };
    let chain: Vec<&str> = decision.path.iter().map(|s| s.subject.as_str()).collect();
    info!(chain = ?chain, separate_encryption_cert = decision.separate_encryption_cert, "certificate chain valid");
    if let Some(leaf) = decision.path.first() {
        report.certificate = Some(certificate_info(leaf));
    }

    // 6. Store.
    let address = envelope.from.clone();
    let Some(store) = &c.store else {
        report.stored = Some(StoredInfo {
            outcome: "not_stored".into(),
            location: None,
        });
        info!("no store configured: certificate not stored");
        return accept(
            report,
            format!("the certificate of {address} is valid (not stored)"),
        );
    };
    let ctx = PutContext {
        message_id: envelope.message_id.clone(),
        dkim_domain,
        seen_at_unix: at,
    };
    match store.put(&address, &decision.certificate, &ctx).await {
        Ok(stored) => {
            info!(outcome = stored.outcome.as_str(), location = %stored.location, "store");
            let detail = match stored.outcome {
                PutOutcome::KeptNewer => {
                    format!("the certificate of {address} is valid; a newer one is already stored")
                }
                PutOutcome::Unchanged => {
                    format!("the certificate of {address} is valid and already stored")
                }
                _ => format!("the certificate of {address} is valid and stored"),
            };
            report.stored = Some(StoredInfo {
                outcome: stored.outcome.as_str().into(),
                location: Some(stored.location),
            });
            accept(report, detail)
        }
        Err(e) if e.is_transient() => defer(report, Transient::StoreError, e.to_string()),
        Err(e) => {
            // Input the store refuses (an unusable address or certificate) is not retried.
            warn!(error = %e, "store refused the certificate");
            report.stored = Some(StoredInfo {
                outcome: "not_stored".into(),
                location: None,
            });
            reject_code(
                report,
                e.reason_code(),
                format!("the store refused the certificate: {e}"),
            )
        }
    }
}

fn log_certificate(s: &CertSummary) {
    info!(
        subject = %s.subject, issuer = %s.issuer, emails = ?s.emails, serial = %s.serial,
        not_before = %rfc3339(s.not_before), not_after = %rfc3339(s.not_after), key = %s.key,
        signature_algorithm = %s.signature_algorithm, "certificate"
    );
}

fn certificate_info(s: &CertSummary) -> CertificateInfo {
    CertificateInfo {
        subject: s.subject.clone(),
        issuer: s.issuer.clone(),
        serial: s.serial.clone(),
        emails: s.emails.clone(),
        not_before: rfc3339(s.not_before),
        not_after: rfc3339(s.not_after),
        sha256: s.sha256.clone(),
        key: s.key.clone(),
    }
}

fn dkim_result_word(code: &str) -> &'static str {
    match code {
        "dkim_missing" => "missing",
        "dkim_misaligned" => "misaligned",
        "dkim_temp_error" => "temperror",
        _ => "fail",
    }
}

fn accept(mut report: Report, detail: String) -> Report {
    info!(verdict = "accepted", "{detail}");
    report.verdict = Verdict::Accepted;
    report.detail = detail;
    report
}

fn reject(mut report: Report, reason: Reason, detail: String) -> Report {
    info!(verdict = "rejected", reason = reason.as_str(), "{detail}");
    report.verdict = Verdict::Rejected;
    report.reason = Some(reason);
    report.detail = detail;
    report
}

/// A library's reason code; an unknown code would be a bug between crates, so it is
/// reported as the most conservative rejection rather than a panic.
fn reject_code(report: Report, code: &str, detail: String) -> Report {
    let reason = Reason::from_code(code).unwrap_or_else(|| {
        warn!(code, "a library returned an unknown reason code");
        Reason::MalformedMessage
    });
    reject(report, reason, detail)
}

fn defer(mut report: Report, transient: Transient, detail: String) -> Report {
    warn!(
        verdict = "deferred",
        transient = transient.as_str(),
        "{detail}"
    );
    report.verdict = Verdict::Deferred;
    report.transient = Some(transient);
    report.detail = detail;
    report
}
