//! `readsmimesig --check-cert LEAF`: one certificate validated without a message, to
//! answer "why was this certificate refused?". It prints the path built (trust anchor
//! first), each check that ran and the first that failed; exit 0 valid, 1 invalid, 2
//! unreadable input.
//!
//! Trust anchors come from `--trust` (or the configuration), candidate intermediates
//! from `--chain` and the configured intermediates. With any `--crl`, revocation is
//! checked against those CRLs and every certificate of the path must be shown good
//! (PKITS semantics); without, the configured CRLs apply as in the pipeline (a revoked
//! certificate is invalid, one no CRL covers is not). Files may be DER or PEM.

use std::io::Write;
use std::path::{Path, PathBuf};

use cert_policy::{
    CheckOutcome, CheckReport, PathInputs, Policy, RevocationPolicy, TrustStore,
    certificates_from_bytes, check_certificate,
};
use collector::Config;
use const_oid::ObjectIdentifier;

use crate::flags::Flags;

/// The resolved `--check-cert` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckCert {
    /// The certificate to check.
    pub leaf: PathBuf,
    /// `--chain`: candidate intermediates.
    pub chain: Vec<PathBuf>,
    /// `--crl`: when any is given, revocation is required.
    pub crls: Vec<PathBuf>,
    /// The RFC 5280 6.1.1 inputs from `--policy`, `--explicit-policy`,
    /// `--inhibit-policy-mapping`, `--inhibit-any-policy`.
    pub inputs: PathInputs,
    /// `--smime`: the purpose checks decide.
    pub smime: bool,
}

impl CheckCert {
    /// The `--check-cert` request of `flags`, if any.
    ///
    /// # Errors
    /// A `--policy` that is not an OID; a check flag without `--check-cert` (clap's
    /// `requires` does not catch it next to the conflicting inputs, clap issue 4520).
    pub fn resolve(flags: &Flags) -> Result<Option<CheckCert>, String> {
        let Some(leaf) = &flags.check_cert else {
            let check_only = !flags.chain.is_empty()
                || !flags.crl.is_empty()
                || !flags.policy.is_empty()
                || flags.explicit_policy
                || flags.inhibit_policy_mapping
                || flags.inhibit_any_policy
                || flags.smime;
            if check_only {
                return Err(
                    "--chain, --crl, --policy, --explicit-policy, --inhibit-policy-mapping, \
                     --inhibit-any-policy and --smime go with --check-cert"
                        .into(),
                );
            }
            return Ok(None);
        };
        let mut inputs = PathInputs {
            initial_explicit_policy: flags.explicit_policy,
            initial_policy_mapping_inhibit: flags.inhibit_policy_mapping,
            initial_any_policy_inhibit: flags.inhibit_any_policy,
            ..PathInputs::default()
        };
        if !flags.policy.is_empty() {
            inputs.user_initial_policy_set = flags
                .policy
                .iter()
                .map(|p| ObjectIdentifier::new(p).map_err(|e| format!("--policy {p}: {e}")))
                .collect::<Result<_, _>>()?;
        }
        Ok(Some(CheckCert {
            leaf: leaf.clone(),
            chain: flags.chain.clone(),
            crls: flags.crl.clone(),
            inputs,
            smime: flags.smime,
        }))
    }
}

/// Why the input could not be read (exit 2).
#[derive(Debug)]
pub struct Unreadable(pub String);

fn read(path: &Path) -> Result<Vec<u8>, Unreadable> {
    std::fs::read(path).map_err(|e| Unreadable(format!("{}: {e}", path.display())))
}

/// The certificates of each file (DER or PEM); a file without any is unreadable.
fn certificates(paths: &[PathBuf]) -> Result<Vec<Vec<u8>>, Unreadable> {
    let mut out = Vec::new();
    for p in paths {
        let certs = certificates_from_bytes(&read(p)?);
        if certs.is_empty() {
            return Err(Unreadable(format!("{}: no certificate found", p.display())));
        }
        out.extend(certs);
    }
    Ok(out)
}

/// Validates the certificate of `req` with the trust material of `config` (flags
/// applied) at `at`.
///
/// # Errors
/// An unreadable file, a file without certificate, trust material that does not load.
pub fn check(req: &CheckCert, config: &Config, at: i64) -> Result<CheckReport, Unreadable> {
    let leaf = certificates(std::slice::from_ref(&req.leaf))?.remove(0);
    let anchor_files = config
        .anchor_files()
        .map_err(|e| Unreadable(e.to_string()))?;
    let anchors = certificates(&anchor_files)?;
    let intermediates = certificates(&config.trust.intermediates)?;
    let mut others = certificates(&req.chain)?;
    others.extend(intermediates);
    let (crl_files, revocation) = if req.crls.is_empty() {
        (&config.trust.crls, RevocationPolicy::RefuseRevoked)
    } else {
        (&req.crls, RevocationPolicy::RequireGood)
    };
    let crls = crl_files
        .iter()
        .map(|p| read(p))
        .collect::<Result<Vec<_>, _>>()?;
    let crl_refs: Vec<&[u8]> = crls.iter().map(Vec::as_slice).collect();
    let trust = TrustStore::from_der(&anchors, &[])
        .and_then(|t| t.with_crls(&crl_refs))
        .map_err(|e| Unreadable(e.to_string()))?;
    let policy = Policy {
        path_inputs: req.inputs.clone(),
        revocation,
        ..Policy::default()
    };
    Ok(check_certificate(
        &trust, &policy, &leaf, &others, at, req.smime,
    ))
}

/// The exit status of a check: 0 valid, 1 invalid.
pub fn exit_status(report: &CheckReport) -> u8 {
    if report.is_valid() { 0 } else { 1 }
}

/// Prints `report` as text (the path, the checks, the verdict) or as one JSON object.
///
/// # Errors
/// Only when writing to `out` fails.
pub fn write_report(out: &mut impl Write, report: &CheckReport, json: bool) -> std::io::Result<()> {
    if json {
        serde_json::to_writer(&mut *out, &to_json(report))?;
        return out.write_all(b"\n");
    }
    let top = if report.anchored {
        "trust anchor first"
    } else {
        "no trust anchor reached"
    };
    writeln!(out, "path ({top}):")?;
    for (i, c) in report.path.iter().enumerate() {
        let role = match (i, report.anchored) {
            (0, true) => "anchor".to_string(),
            _ => i.to_string(),
        };
        writeln!(
            out,
            "  [{role}] {} (serial {}, sha256 {})",
            c.subject, c.serial, c.sha256
        )?;
    }
    writeln!(out, "checks:")?;
    for s in &report.checks {
        let mark = match s.outcome {
            CheckOutcome::Passed => "ok",
            CheckOutcome::Failed => "FAILED",
            CheckOutcome::Reported => "warning",
        };
        let detail = s
            .detail
            .as_deref()
            .map(|d| format!(": {d}"))
            .unwrap_or_default();
        writeln!(out, "  {mark:<8} {} [{}]{detail}", s.check, s.subject)?;
    }
    if !report.user_constrained_policy_set.is_empty() {
        let set = report.user_constrained_policy_set.join(", ");
        writeln!(out, "user-constrained policy set: {set}")?;
    }
    match &report.error {
        None => writeln!(out, "result: valid"),
        Some(e) => writeln!(out, "result: invalid ({}): {e}", e.reason_code()),
    }
}

fn to_json(report: &CheckReport) -> serde_json::Value {
    serde_json::json!({
        "valid": report.is_valid(),
        "reason": report.error.as_ref().map(|e| e.reason_code()),
        "detail": report.error.as_ref().map(|e| e.to_string()),
        "anchored": report.anchored,
        "path": report.path,
        "checks": report.checks,
        "user_constrained_policy_set": report.user_constrained_policy_set,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn flags_resolve_to_the_rfc_5280_inputs() {
        let flags = Flags::parse_from([
            "r",
            "--check-cert",
            "leaf.pem",
            "--chain",
            "a.pem",
            "--crl",
            "c.crl",
            "--policy",
            "2.16.840.1.101.3.2.1.48.1",
            "--explicit-policy",
            "--inhibit-any-policy",
            "--smime",
        ]);
        let req = CheckCert::resolve(&flags).unwrap().unwrap();
        assert_eq!(req.leaf, PathBuf::from("leaf.pem"));
        assert_eq!(req.chain, [PathBuf::from("a.pem")]);
        assert_eq!(req.crls, [PathBuf::from("c.crl")]);
        assert_eq!(
            req.inputs.user_initial_policy_set,
            [ObjectIdentifier::new_unwrap("2.16.840.1.101.3.2.1.48.1")]
        );
        assert!(req.inputs.initial_explicit_policy && req.inputs.initial_any_policy_inhibit);
        assert!(!req.inputs.initial_policy_mapping_inhibit);
        assert!(req.smime);
        let bad = Flags::parse_from(["r", "--check-cert", "l", "--policy", "not-an-oid"]);
        assert!(CheckCert::resolve(&bad).is_err());
        assert_eq!(
            CheckCert::resolve(&Flags::parse_from(["r", "-"])).unwrap(),
            None
        );
    }

    #[test]
    fn check_flags_need_check_cert() {
        for flag in ["--smime", "--explicit-policy", "--inhibit-any-policy"] {
            let flags = Flags::parse_from(["r", flag, "-"]);
            assert!(CheckCert::resolve(&flags).is_err(), "{flag}");
        }
        let flags = Flags::parse_from(["r", "--crl", "c.crl", "-"]);
        assert!(CheckCert::resolve(&flags).is_err());
        assert!(Flags::try_parse_from(["r", "--check-cert", "l", "-"]).is_err());
    }
}
