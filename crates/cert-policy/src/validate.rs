//! Path validation, RFC 5280 6.1: one complete candidate path (trust anchor first) is
//! processed top-down with the state of 6.1.2, one function per step. Building the
//! candidates is `path`'s job; signatures and revocation come through [`Links`], so the
//! steps can be tested over synthetic certificates.
//!
//! Besides the RFC, the S/MIME profile: a CA whose extendedKeyUsage lacks
//! emailProtection may not issue (enforced or only reported), and the trust anchor's
//! validity, extendedKeyUsage, pathLenConstraint and name constraints apply as those of
//! a CA (as RFC 5937 allows), since the product's anchors are certificates.

use std::sync::Arc;

use const_oid::ObjectIdentifier as Oid;

use crate::cert::Cert;
use crate::name_constraints::{
    NameConstraintsState, check_name_constraints_6_1_3_b_c, update_name_constraints_6_1_4_g,
};
use crate::policy::{self, PathInputs, PolicyState};
use crate::{Error, oids};

/// What the caller verifies for the validation: signatures (with its caches and
/// budgets) and revocation (with its CRLs).
pub(crate) trait Links {
    /// 6.1.3 (a)(1): `path[i]` is signed by the key of `path[i - 1]`.
    fn verify_signature(&mut self, path: &[Arc<Cert>], i: usize) -> Result<(), Error>;

    /// 6.1.3 (a)(3): `path[i]` is not revoked at the time (`path[..i]` is validated).
    /// `Ok(Some(note))` says how it was established.
    fn check_revocation(&mut self, path: &[Arc<Cert>], i: usize) -> Result<Option<String>, Error>;
}

/// The fixed inputs of one validation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rules<'a> {
    pub(crate) inputs: &'a PathInputs,
    /// The evaluation time, Unix seconds.
    pub(crate) at: i64,
    pub(crate) max_policy_nodes: usize,
    /// Whether a CA's extendedKeyUsage without emailProtection fails the path (the
    /// product) or is only reported (`readsmimesig --check-cert` without `--smime`).
    pub(crate) enforce_email_purpose: bool,
}

/// A path that validated: the output of 6.1.6.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Output {
    /// The user-constrained policy set (valid policies of the tree's last level).
    pub(crate) user_constrained_policy_set: Vec<Oid>,
}

/// One check as it ran, on the certificate at `cert` (0 is the trust anchor).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Step {
    pub(crate) check: &'static str,
    pub(crate) cert: usize,
    pub(crate) outcome: Outcome,
}

/// How one check ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    Passed(Option<String>),
    /// Failed and decided the result.
    Failed(Error),
    /// Failed but only reported (a purpose check not enforced).
    Reported(Error),
}

/// The checks of one validation, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Trace {
    pub(crate) steps: Vec<Step>,
}

impl Trace {
    /// Records `result` of `check` on certificate `cert` and passes it on.
    pub(crate) fn record<T>(
        &mut self,
        check: &'static str,
        cert: usize,
        result: Result<T, Error>,
    ) -> Result<T, Error> {
        let outcome = match &result {
            Ok(_) => Outcome::Passed(None),
            Err(e) => Outcome::Failed(e.clone()),
        };
        self.steps.push(Step {
            check,
            cert,
            outcome,
        });
        result
    }

    fn note(&mut self, check: &'static str, cert: usize, note: Option<String>) {
        self.steps.push(Step {
            check,
            cert,
            outcome: Outcome::Passed(note),
        });
    }
}

/// The state of 6.1.2 besides the policy and name-constraint parts.
struct State {
    policy: PolicyState,
    names: NameConstraintsState,
    max_path_length: usize,
    /// The CA whose pathLenConstraint set `max_path_length`, for the error.
    max_path_length_from: Option<String>,
}

/// Validates `path` (trust anchor first, at least one certificate after it).
pub(crate) fn validate_path(
    path: &[Arc<Cert>],
    rules: &Rules<'_>,
    links: &mut dyn Links,
    trace: &mut Trace,
) -> Result<Output, Error> {
    let n = path.len().saturating_sub(1);
    let (Some(anchor), Some(leaf)) = (path.first(), path.last()) else {
        return Err(Error::Malformed {
            what: "empty path".into(),
        });
    };
    let mut state = initialize_6_1_2(anchor, n, rules, trace)?;
    for i in 1..=n {
        process_certificate_6_1_3(path, i, &mut state, rules, links, trace)?;
        if i < n {
            prepare_next_6_1_4(&path[i], &mut state, i, trace)?;
        }
    }
    wrap_up_6_1_5(leaf, &mut state, rules, n, trace)
}

/// 6.1.2, with the anchor's own constraints (RFC 5937) and the S/MIME checks on it.
fn initialize_6_1_2(
    anchor: &Arc<Cert>,
    n: usize,
    rules: &Rules<'_>,
    trace: &mut Trace,
) -> Result<State, Error> {
    trace.record(
        "validity (trust anchor)",
        0,
        check_validity_6_1_3_a_2(anchor, rules.at),
    )?;
    check_email_purpose(anchor, 0, rules, trace)?;
    let mut state = State {
        policy: policy::initialize_6_1_2(n, rules.inputs, rules.max_policy_nodes),
        names: NameConstraintsState::default(),
        max_path_length: n,
        max_path_length_from: None,
    };
    update_name_constraints_6_1_4_g(&mut state.names, anchor);
    set_path_length_6_1_4_m(&mut state, anchor);
    Ok(state)
}

/// 6.1.3 (a)-(f) for certificate `i`.
fn process_certificate_6_1_3(
    path: &[Arc<Cert>],
    i: usize,
    state: &mut State,
    rules: &Rules<'_>,
    links: &mut dyn Links,
    trace: &mut Trace,
) -> Result<(), Error> {
    let cert = &path[i];
    let n = path.len() - 1;
    trace.record("6.1.3 (a)(1) signature", i, links.verify_signature(path, i))?;
    trace.record(
        "6.1.3 (a)(2) validity",
        i,
        check_validity_6_1_3_a_2(cert, rules.at),
    )?;
    let note = trace.record(
        "6.1.3 (a)(3) revocation",
        i,
        links.check_revocation(path, i),
    )?;
    // Replace the plain "passed" with how revocation was established.
    trace.steps.pop();
    trace.note("6.1.3 (a)(3) revocation", i, note);
    trace.record(
        "6.1.3 (a)(4) issuer name",
        i,
        check_issuer_name_6_1_3_a_4(path, i),
    )?;
    trace.record(
        "6.1.3 (b)-(c) name constraints",
        i,
        check_name_constraints_6_1_3_b_c(&state.names, cert, i == n),
    )?;
    let policies = policy::process_policies_6_1_3_d_e(&mut state.policy, cert, i, n)
        .and_then(|()| policy::check_explicit_policy_6_1_3_f(&state.policy, cert));
    trace.record("6.1.3 (d)-(f) certificate policies", i, policies)?;
    if i < n {
        check_email_purpose(cert, i, rules, trace)?;
    }
    Ok(())
}

/// 6.1.3 (a)(2): the time is within the validity period (bounds inclusive).
pub(crate) fn check_validity_6_1_3_a_2(cert: &Cert, at: i64) -> Result<(), Error> {
    if at < cert.not_before {
        return Err(Error::CertNotYetValid {
            subject: cert.subject.clone(),
            not_before: cert.not_before,
            at,
        });
    }
    if at > cert.not_after {
        return Err(Error::CertExpired {
            subject: cert.subject.clone(),
            not_after: cert.not_after,
            at,
        });
    }
    Ok(())
}

/// 6.1.3 (a)(4): the issuer is the working_issuer_name (names compared per 7.1).
fn check_issuer_name_6_1_3_a_4(path: &[Arc<Cert>], i: usize) -> Result<(), Error> {
    let (cert, issuer) = (&path[i], &path[i - 1]);
    if cert.issuer_dn != issuer.subject_dn {
        return Err(Error::UnknownIssuer {
            subject: cert.subject.clone(),
            issuer: cert.issuer.clone(),
        });
    }
    Ok(())
}

/// S/MIME (SPEC step 5): a CA whose extendedKeyUsage is present must allow
/// emailProtection; recorded as a failure or only reported.
fn check_email_purpose(
    ca: &Cert,
    i: usize,
    rules: &Rules<'_>,
    trace: &mut Trace,
) -> Result<(), Error> {
    const CHECK: &str = "S/MIME: CA extendedKeyUsage allows emailProtection";
    let Some(eku) = &ca.ext.eku else {
        return Ok(());
    };
    if eku.contains(&oids::EMAIL_PROTECTION) {
        trace.note(CHECK, i, None);
        return Ok(());
    }
    let e = Error::CaWrongPurpose {
        subject: ca.subject.clone(),
    };
    if rules.enforce_email_purpose {
        return trace.record(CHECK, i, Err(e));
    }
    trace.steps.push(Step {
        check: CHECK,
        cert: i,
        outcome: Outcome::Reported(e),
    });
    Ok(())
}

/// 6.1.4 (a)-(o) after certificate `i` (a CA).
fn prepare_next_6_1_4(
    ca: &Arc<Cert>,
    state: &mut State,
    i: usize,
    trace: &mut Trace,
) -> Result<(), Error> {
    let mappings = policy::check_policy_mappings_6_1_4_a(ca)
        .and_then(|()| policy::apply_policy_mappings_6_1_4_b(&mut state.policy, ca, i));
    trace.record("6.1.4 (a)-(b) policy mappings", i, mappings)?;
    // (c)-(f): the working issuer name and key are this certificate's (path[i]).
    update_name_constraints_6_1_4_g(&mut state.names, ca);
    policy::decrement_counters_6_1_4_h(&mut state.policy, ca);
    policy::apply_policy_constraints_6_1_4_i_j(&mut state.policy, ca);
    trace.record(
        "6.1.4 (k) basic constraints",
        i,
        check_basic_constraints_6_1_4_k(ca),
    )?;
    trace.record(
        "6.1.4 (l)-(m) path length",
        i,
        check_path_length_6_1_4_l(state, ca),
    )?;
    set_path_length_6_1_4_m(state, ca);
    trace.record("6.1.4 (n) key usage", i, check_key_usage_6_1_4_n(ca))?;
    trace.record(
        "6.1.4 (o) critical extensions",
        i,
        check_critical_extensions(ca),
    )
}

/// 6.1.4 (k): a CA certificate says so in basicConstraints (version 1 and 2
/// certificates, without extensions, are refused as CAs).
pub(crate) fn check_basic_constraints_6_1_4_k(ca: &Cert) -> Result<(), Error> {
    if !ca.is_ca() {
        return Err(Error::NotCa {
            subject: ca.subject.clone(),
        });
    }
    Ok(())
}

/// 6.1.4 (l): a CA that is not self-issued uses up one step of max_path_length.
fn check_path_length_6_1_4_l(state: &mut State, ca: &Cert) -> Result<(), Error> {
    if ca.is_self_issued() {
        return Ok(());
    }
    if state.max_path_length == 0 {
        return Err(Error::PathLenExceeded {
            subject: state
                .max_path_length_from
                .clone()
                .unwrap_or_else(|| ca.subject.clone()),
        });
    }
    state.max_path_length -= 1;
    Ok(())
}

/// 6.1.4 (m): a smaller pathLenConstraint lowers max_path_length.
fn set_path_length_6_1_4_m(state: &mut State, ca: &Cert) {
    let constraint = ca
        .ext
        .basic_constraints
        .as_ref()
        .and_then(|b| b.path_len_constraint);
    if let Some(c) = constraint.map(usize::from)
        && c < state.max_path_length
    {
        state.max_path_length = c;
        state.max_path_length_from = Some(ca.subject.clone());
    }
}

/// 6.1.4 (n): a CA's keyUsage, when present, allows keyCertSign.
pub(crate) fn check_key_usage_6_1_4_n(ca: &Cert) -> Result<(), Error> {
    if ca
        .ext
        .key_usage
        .as_ref()
        .is_some_and(|ku| !ku.key_cert_sign())
    {
        return Err(Error::CaKeyUsage {
            subject: ca.subject.clone(),
        });
    }
    Ok(())
}

/// 6.1.4 (o) and 6.1.5 (f): no critical extension this crate does not process.
pub(crate) fn check_critical_extensions(cert: &Cert) -> Result<(), Error> {
    if let Some(oid) = cert.ext.unknown_critical {
        return Err(Error::UnknownCriticalExtension {
            subject: cert.subject.clone(),
            oid: oid.to_string(),
        });
    }
    Ok(())
}

/// 6.1.5: the end-entity certificate's explicit policy, critical extensions and the
/// intersection with the user's policies.
fn wrap_up_6_1_5(
    leaf: &Cert,
    state: &mut State,
    rules: &Rules<'_>,
    n: usize,
    trace: &mut Trace,
) -> Result<Output, Error> {
    policy::wrap_up_explicit_policy_6_1_5_a_b(&mut state.policy, leaf);
    trace.record(
        "6.1.5 (f) critical extensions",
        n,
        check_critical_extensions(leaf),
    )?;
    let set = policy::intersect_6_1_5_g(
        &mut state.policy,
        &rules.inputs.user_initial_policy_set,
        n,
        leaf,
    );
    let set = trace.record("6.1.5 (g) user policy set", n, set)?;
    Ok(Output {
        user_constrained_policy_set: set,
    })
}

#[cfg(test)]
mod tests;
