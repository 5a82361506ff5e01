//! Name constraints: RFC 5280 4.2.1.10, applied by 6.1.3 (b)-(c) and gathered by
//! 6.1.4 (g).
//!
//! Instead of intersecting permitted subtrees as the RFC's state does, the state keeps
//! every constraining CA and a name must satisfy each of them: the same set of names.
//! Forms: directoryName, rfc822Name (also for subject emailAddress values and
//! SmtpUTF8Mailbox names, the S/MIME rule), dNSName, URI host, iPAddress. A constraint
//! on any other form, met by a name of that form, fails: it cannot be evaluated.

mod forms;

use std::sync::Arc;

use x509_cert::ext::pkix::constraints::name::GeneralSubtree;
use x509_cert::ext::pkix::name::GeneralName;

use crate::Error;
use crate::cert::Cert;
use crate::dn::Dn;
use crate::names::rfc822_matches;
use crate::oids;

/// The constraining CAs so far (RFC 5280 6.1.2 (b), (c) as a list).
#[derive(Debug, Clone, Default)]
pub(crate) struct NameConstraintsState {
    from: Vec<Arc<Cert>>,
}

/// A name of a certificate, in the form constraints are checked on.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Name<'a> {
    Directory(Dn, String),
    Email(&'a str),
    Dns(&'a str),
    Uri(&'a str),
    Ip(&'a [u8]),
    /// Another form: (its GeneralName tag number, a description).
    Other(u8, String),
}

impl Name<'_> {
    fn describe(&self) -> String {
        match self {
            Name::Directory(_, s) => s.clone(),
            Name::Email(s) => (*s).to_string(),
            Name::Dns(s) => format!("DNS:{s}"),
            Name::Uri(s) => format!("URI:{s}"),
            Name::Ip(b) => format!("IP:{}", hex::encode(b)),
            Name::Other(_, s) => s.clone(),
        }
    }

    /// Whether `base` is a subtree of this name's form, and if so whether the name is in
    /// it; `None` for a subtree of another form. An email whose membership cannot be
    /// decided (its domain or the constraint's is not a valid host name) counts as
    /// `undecidable`: callers pass `true` for excluded subtrees and `false` for permitted
    /// ones, so the certificate loses either way.
    fn within(&self, base: &GeneralName, undecidable: bool) -> Option<bool> {
        match (self, base) {
            (Name::Directory(dn, _), GeneralName::DirectoryName(b)) => {
                Some(dn.is_within(&Dn::of(b)))
            }
            (Name::Email(a), GeneralName::Rfc822Name(c)) => {
                Some(rfc822_matches(c.as_str(), a).unwrap_or(undecidable))
            }
            (Name::Dns(d), GeneralName::DnsName(c)) => Some(forms::dns_matches(c.as_str(), d)),
            (Name::Uri(u), GeneralName::UniformResourceIdentifier(c)) => {
                Some(forms::uri_matches(c.as_str(), u))
            }
            (Name::Ip(a), GeneralName::IpAddress(c)) => Some(forms::ip_matches(c.as_bytes(), a)),
            (Name::Other(kind, _), b) if *kind == form_number(b) => Some(false),
            _ => None,
        }
    }
}

fn form_number(n: &GeneralName) -> u8 {
    match n {
        GeneralName::OtherName(_) => 0,
        GeneralName::Rfc822Name(_) => 1,
        GeneralName::DnsName(_) => 2,
        GeneralName::DirectoryName(_) => 4,
        GeneralName::EdiPartyName(_) => 5,
        GeneralName::UniformResourceIdentifier(_) => 6,
        GeneralName::IpAddress(_) => 7,
        GeneralName::RegisteredId(_) => 8,
    }
}

/// The names of `cert` that constraints apply to: a non-empty subject, every
/// subjectAltName, and the addresses of [`Cert::emails`].
fn names_of(cert: &Cert) -> Vec<Name<'_>> {
    let mut out = Vec::new();
    if !cert.subject_dn.is_empty() {
        out.push(Name::Directory(
            cert.subject_dn.clone(),
            cert.subject.clone(),
        ));
    }
    for n in &cert.ext.san {
        match n {
            GeneralName::DirectoryName(d) => out.push(Name::Directory(Dn::of(d), d.to_string())),
            GeneralName::DnsName(d) => out.push(Name::Dns(d.as_str())),
            GeneralName::UniformResourceIdentifier(u) => out.push(Name::Uri(u.as_str())),
            GeneralName::IpAddress(ip) => out.push(Name::Ip(ip.as_bytes())),
            // Emails come below, with the subject's.
            GeneralName::Rfc822Name(_) => {}
            GeneralName::OtherName(o) if o.type_id == oids::SMTP_UTF8_MAILBOX => {}
            other => out.push(Name::Other(
                form_number(other),
                format!("a subjectAltName of type {}", form_number(other)),
            )),
        }
    }
    let emails = [
        &cert.ext.san_emails[..],
        &cert.ext.san_smtputf8,
        &cert.subject_emails,
    ];
    out.extend(emails.into_iter().flatten().map(|e| Name::Email(e)));
    out
}

/// 6.1.4 (g): a CA's nameConstraints join the state.
pub(crate) fn update_name_constraints_6_1_4_g(state: &mut NameConstraintsState, ca: &Arc<Cert>) {
    if ca.ext.name_constraints.is_some() {
        state.from.push(ca.clone());
    }
}

/// 6.1.3 (b) and (c): every name of `cert` is within the permitted subtrees and outside
/// the excluded ones of every constraining CA. Self-issued certificates other than the
/// last are exempt.
pub(crate) fn check_name_constraints_6_1_3_b_c(
    state: &NameConstraintsState,
    cert: &Cert,
    is_last: bool,
) -> Result<(), Error> {
    if state.from.is_empty() || (cert.is_self_issued() && !is_last) {
        return Ok(());
    }
    let names = names_of(cert);
    for ca in &state.from {
        check_names_against(ca, &names)?;
    }
    Ok(())
}

fn check_names_against(ca: &Cert, names: &[Name<'_>]) -> Result<(), Error> {
    let Some(nc) = &ca.ext.name_constraints else {
        return Ok(());
    };
    let permitted: &[GeneralSubtree] = nc.permitted_subtrees.as_deref().unwrap_or(&[]);
    let excluded: &[GeneralSubtree] = nc.excluded_subtrees.as_deref().unwrap_or(&[]);
    for name in names {
        let in_excluded = excluded
            .iter()
            .any(|s| name.within(&s.base, true) == Some(true));
        let permitted_of_form: Vec<bool> = permitted
            .iter()
            .filter_map(|s| name.within(&s.base, false))
            .collect();
        let outside_permitted = !permitted_of_form.is_empty() && !permitted_of_form.contains(&true);
        let unsupported = matches!(name, Name::Other(..))
            && excluded
                .iter()
                .any(|s| name.within(&s.base, true).is_some());
        if in_excluded || outside_permitted || unsupported {
            return Err(Error::NameConstraint {
                ca: ca.subject.clone(),
                name: name.describe(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
