//! From mail-auth's per-signature outputs to our reports and the gate's decision.
//!
//! mail-auth 0.13 reports some signatures as `pass` that must not vouch for the From
//! address; this module decides which passes count:
//! - `h=` must include From (RFC 6376 §5.4 requires it; mail-auth does not check);
//! - `l=`, when present, must cover the whole body as received (otherwise anything may
//!   be appended after the signed part);
//! - `a=rsa-sha1` does not count (RFC 8301).
//!
//! mail-auth already turns a body changed after signing and an `x=` that has passed into
//! `neutral`, a revoked key (empty `p=`) and a missing key (NXDOMAIN) into `permerror`,
//! and a DNS failure (timeout, SERVFAIL) into `temperror`. Only `pass` counts.

use mail_auth::common::crypto::Algorithm;
use mail_auth::dkim::Signature;
use mail_auth::{AuthenticatedMessage, DkimOutput, DkimResult};

use crate::align::is_aligned;
use crate::{Alignment, DkimPass, Error, SignatureReport};

/// One signature's report and what it means for the decision.
#[derive(Debug)]
pub(crate) struct Evaluated {
    pub(crate) report: SignatureReport,
    /// mail-auth said pass and none of our rules rejected it.
    pub(crate) counted_pass: bool,
    /// The key lookup got no answer.
    pub(crate) temporary: bool,
}

/// Reports for every DKIM-Signature field: those mail-auth could not parse first, then
/// the verified ones, in header order.
pub(crate) fn evaluate(
    message: &AuthenticatedMessage<'_>,
    outputs: &[DkimOutput<'_>],
    from_domain: &str,
    mode: Alignment,
) -> Vec<Evaluated> {
    let body_len = message
        .raw_message
        .len()
        .saturating_sub(message.body_offset as usize);
    let mut out = Vec::with_capacity(message.dkim_headers.len() + message.errors.len());
    for header in &message.errors {
        if !header.name.eq_ignore_ascii_case(b"DKIM-Signature") {
            continue;
        }
        let value = String::from_utf8_lossy(header.value);
        let d = tag(&value, "d").unwrap_or_default();
        out.push(Evaluated {
            report: SignatureReport {
                aligned: is_aligned(&d, from_domain, mode),
                domain: d,
                selector: tag(&value, "s").unwrap_or_default(),
                algorithm: tag(&value, "a").unwrap_or_default(),
                result: "permerror".to_string(),
                detail: format!("unusable DKIM-Signature: {}", header.header),
            },
            counted_pass: false,
            temporary: false,
        });
    }
    for output in outputs {
        // Outputs without a signature repeat the parse errors reported above.
        let Some(signature) = output.signature() else {
            continue;
        };
        let (result, detail, counted_pass, temporary) = match output.result() {
            DkimResult::Pass => match not_counted(signature, body_len) {
                Some(reason) => (format!("not_counted: {reason}"), reason, false, false),
                None => ("pass".to_string(), String::new(), true, false),
            },
            DkimResult::Neutral(e) => ("neutral".to_string(), e.to_string(), false, false),
            DkimResult::Fail(e) => ("fail".to_string(), e.to_string(), false, false),
            DkimResult::PermError(e) => ("permerror".to_string(), e.to_string(), false, false),
            DkimResult::TempError(e) => ("temperror".to_string(), e.to_string(), false, true),
            DkimResult::None => ("none".to_string(), String::new(), false, false),
        };
        out.push(Evaluated {
            report: SignatureReport {
                domain: signature.d.to_ascii_lowercase(),
                selector: signature.s.clone(),
                algorithm: algorithm_name(signature.a).to_string(),
                result,
                aligned: is_aligned(&signature.d, from_domain, mode),
                detail,
            },
            counted_pass,
            temporary,
        });
    }
    out
}

/// Why a signature that mail-auth passed does not count, if it does not.
fn not_counted(signature: &Signature, body_len: usize) -> Option<String> {
    if signature.a == Algorithm::RsaSha1 {
        return Some("rsa-sha1 is not accepted (RFC 8301)".to_string());
    }
    if !signature
        .h
        .iter()
        .any(|h| h.trim().eq_ignore_ascii_case("from"))
    {
        return Some("h= does not include From".to_string());
    }
    if signature.l > 0 && (signature.l as u128) < body_len as u128 {
        let unsigned = body_len as u128 - signature.l as u128;
        return Some(format!(
            "l={} leaves {unsigned} body bytes unsigned",
            signature.l
        ));
    }
    None
}

/// The gate's decision over all signatures, in this order: a counted, aligned pass
/// passes; an aligned signature whose key lookup got no answer is transient (it might
/// pass later); a counted pass that is not aligned is `dkim_misaligned`; any other
/// unanswered lookup is transient; everything else is `dkim_fail`.
pub(crate) fn decide(evaluated: Vec<Evaluated>, from_domain: &str) -> Result<DkimPass, Error> {
    if evaluated.is_empty() {
        return Err(Error::NoSignature);
    }
    let pass = evaluated
        .iter()
        .find(|e| e.counted_pass && e.report.aligned);
    let aligned_temporary = evaluated.iter().any(|e| e.temporary && e.report.aligned);
    let misaligned_pass = evaluated.iter().any(|e| e.counted_pass);
    let temporary = evaluated.iter().any(|e| e.temporary);
    let pass = pass.map(|p| {
        (
            p.report.domain.clone(),
            p.report.selector.clone(),
            p.report.algorithm.clone(),
        )
    });
    let signatures: Vec<SignatureReport> = evaluated.into_iter().map(|e| e.report).collect();
    if let Some((domain, selector, algorithm)) = pass {
        return Ok(DkimPass {
            domain,
            selector,
            algorithm,
            signatures,
        });
    }
    if aligned_temporary {
        return Err(Error::DnsTemporary { signatures });
    }
    if misaligned_pass {
        return Err(Error::NotAligned {
            from_domain: from_domain.to_string(),
            signatures,
        });
    }
    if temporary {
        return Err(Error::DnsTemporary { signatures });
    }
    Err(Error::NoValidSignature { signatures })
}

fn algorithm_name(a: Algorithm) -> &'static str {
    match a {
        Algorithm::RsaSha1 => "rsa-sha1",
        Algorithm::RsaSha256 => "rsa-sha256",
        Algorithm::Ed25519Sha256 => "ed25519-sha256",
    }
}

/// The value of tag `name` in a tag-list (`d=example.com; s=s1`), whitespace removed.
fn tag(value: &str, name: &str) -> Option<String> {
    value.split(';').find_map(|item| {
        let (k, v) = item.split_once('=')?;
        (k.trim() == name).then(|| v.split_whitespace().collect::<String>())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(result: &str, aligned: bool, counted_pass: bool, temporary: bool) -> Evaluated {
        Evaluated {
            report: SignatureReport {
                domain: "example.com".into(),
                selector: "s1".into(),
                algorithm: "rsa-sha256".into(),
                result: result.into(),
                aligned,
                detail: String::new(),
            },
            counted_pass,
            temporary,
        }
    }

    fn code(evaluated: Vec<Evaluated>) -> &'static str {
        match decide(evaluated, "example.com") {
            Ok(_) => "pass",
            Err(e) => e.reason_code(),
        }
    }

    #[test]
    fn decision_order() {
        assert_eq!(code(vec![]), "dkim_missing");
        assert_eq!(code(vec![eval("fail", true, false, false)]), "dkim_fail");
        assert_eq!(
            code(vec![eval("pass", false, true, false)]),
            "dkim_misaligned"
        );
        assert_eq!(
            code(vec![eval("temperror", true, false, true)]),
            "dkim_temp_error"
        );
        // An aligned lookup without answer could still pass: transient.
        assert_eq!(
            code(vec![
                eval("pass", false, true, false),
                eval("temperror", true, false, true)
            ]),
            "dkim_temp_error"
        );
        // An unaligned one could not: the misaligned pass decides.
        assert_eq!(
            code(vec![
                eval("pass", false, true, false),
                eval("temperror", false, false, true)
            ]),
            "dkim_misaligned"
        );
        assert_eq!(
            code(vec![
                eval("temperror", true, false, true),
                eval("pass", true, true, false)
            ]),
            "pass"
        );
        assert_eq!(
            code(vec![eval("not_counted: x", true, false, false)]),
            "dkim_fail"
        );
    }

    fn signature(a: Algorithm, h: &[&str], l: u64) -> Signature {
        Signature {
            a,
            h: h.iter().map(|s| s.to_string()).collect(),
            l,
            ..Signature::default()
        }
    }

    #[test]
    fn passes_that_do_not_count() {
        let ok = signature(Algorithm::RsaSha256, &["To", "From"], 0);
        assert_eq!(not_counted(&ok, 100), None);
        let ed = signature(Algorithm::Ed25519Sha256, &["from"], 0);
        assert_eq!(not_counted(&ed, 100), None);
        let sha1 = signature(Algorithm::RsaSha1, &["From"], 0);
        assert!(not_counted(&sha1, 100).unwrap().contains("rsa-sha1"));
        let no_from = signature(Algorithm::RsaSha256, &["To", "Subject"], 0);
        assert!(not_counted(&no_from, 100).unwrap().contains("From"));
        let whole = signature(Algorithm::RsaSha256, &["From"], 100);
        assert_eq!(not_counted(&whole, 100), None);
        let partial = signature(Algorithm::RsaSha256, &["From"], 60);
        assert!(
            not_counted(&partial, 100)
                .unwrap()
                .contains("40 body bytes")
        );
    }

    #[test]
    fn tags_are_read_from_unparsable_headers() {
        let v = " v=1; a=rsa-sha256; d=exa\r\n\tmple.com; s = s1; b=";
        assert_eq!(tag(v, "d").as_deref(), Some("example.com"));
        assert_eq!(tag(v, "s").as_deref(), Some("s1"));
        assert_eq!(tag(v, "x"), None);
    }
}
