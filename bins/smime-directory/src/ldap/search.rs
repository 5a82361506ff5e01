//! Search and compare: which entries a request reaches, and what each one looks like.

use std::sync::Arc;

use ldap3_proto::proto::{
    LdapCompareRequest, LdapPartialAttribute, LdapResult, LdapResultCode, LdapSearchRequest,
    LdapSearchResultEntry, LdapSearchScope,
};
use tokio::time::Instant;

use super::dn::{Dn, escape_value};
use super::filter::{Attr, OBJECT_CLASSES, matches, named_addresses};
use super::{STARTTLS_OID, result};
use crate::metrics::{LookupResult, Protocol};
use crate::{App, Entry, Lookup, normalize_address};

/// What a search answers: its entries, then the SearchResultDone.
pub(crate) struct Answer {
    pub(crate) entries: Vec<LdapSearchResultEntry>,
    pub(crate) done: LdapResult,
}

impl Answer {
    fn done(code: LdapResultCode, message: &str) -> Answer {
        Answer {
            entries: Vec::new(),
            done: result(code, message),
        }
    }
}

/// Answers one search; `bound` says whether the connection made the configured bind.
pub(crate) async fn search(app: &App, bound: bool, tls: bool, req: &LdapSearchRequest) -> Answer {
    let Some(base) = Dn::parse(&req.base) else {
        return Answer::done(LdapResultCode::InvalidDNSyntax, "the base is not a DN");
    };
    if base.is_root() && req.scope == LdapSearchScope::Base {
        return root_dse(app, tls, req);
    }
    if app.options.bind.is_some() && !bound {
        return Answer::done(
            LdapResultCode::InsufficentAccessRights,
            "bind as the configured reader first",
        );
    }
    let targets = if base.is_root() || base.same(&app.base_dn) {
        match req.scope {
            // The suffix itself is no entry of ours.
            LdapSearchScope::Base => Vec::new(),
            _ => match named_addresses(&req.filter, app.options.limits.max_search_addresses) {
                Ok(addresses) => addresses,
                Err(_) => {
                    return Answer::done(
                        LdapResultCode::AdminLimitExceeded,
                        "the filter names too many addresses",
                    );
                }
            },
        }
    } else if let Some(address) = base.entry_address(&app.base_dn) {
        match req.scope {
            LdapSearchScope::Base | LdapSearchScope::Subtree => vec![address],
            LdapSearchScope::OneLevel | LdapSearchScope::Children => Vec::new(),
        }
    } else {
        let mut done = result(LdapResultCode::NoSuchObject, "no such entry");
        if base.is_within(&app.base_dn) {
            done.matcheddn.clone_from(&app.options.base_dn);
        }
        return Answer {
            entries: Vec::new(),
            done,
        };
    };
    collect(app, req, &targets).await
}

/// Looks each address up within the time limit and keeps the entries that match.
async fn collect(app: &App, req: &LdapSearchRequest, targets: &[String]) -> Answer {
    let mut limit = app.options.limits.max_search_time;
    if let Ok(secs @ 1..) = u64::try_from(req.timelimit) {
        limit = limit.min(std::time::Duration::from_secs(secs));
    }
    let deadline = Instant::now() + limit;
    let size_limit = usize::try_from(req.sizelimit).ok().filter(|n| *n > 0);
    let selection = Selection::parse(&req.attrs);
    let mut entries = Vec::new();
    for address in targets {
        let found = match tokio::time::timeout_at(deadline, app.lookup(address)).await {
            Err(_) => {
                return Answer {
                    entries,
                    done: result(LdapResultCode::TimeLimitExceeded, "time limit exceeded"),
                };
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "store read failed");
                app.metrics.lookup(Protocol::Ldap, LookupResult::Error);
                return Answer::done(LdapResultCode::Unavailable, "the store cannot be read");
            }
            Ok(Ok(lookup)) => found(app, lookup),
        };
        let Some(entry) = found.filter(|e| matches(&req.filter, e)) else {
            continue;
        };
        if size_limit.is_some_and(|n| entries.len() >= n) {
            return Answer {
                entries,
                done: result(LdapResultCode::SizeLimitExceeded, "size limit exceeded"),
            };
        }
        entries.push(render(app, &entry, &selection, req.typesonly));
    }
    Answer {
        entries,
        done: result(LdapResultCode::Success, ""),
    }
}

/// Counts the lookup and keeps what may be handed out.
fn found(app: &App, lookup: Lookup) -> Option<Arc<Entry>> {
    let (counted, entry) = match lookup {
        Lookup::Found(e) => (LookupResult::Found, Some(e)),
        Lookup::NotFound => (LookupResult::NotFound, None),
        Lookup::Expired(_) => (LookupResult::Expired, None),
        Lookup::Revoked(_) => (LookupResult::Revoked, None),
    };
    app.metrics.lookup(Protocol::Ldap, counted);
    entry
}

/// Answers a compare on `mail` or `objectClass` of an entry; other attributes get
/// `unwillingToPerform`.
pub(crate) async fn compare(app: &App, bound: bool, req: &LdapCompareRequest) -> LdapResult {
    if app.options.bind.is_some() && !bound {
        return result(
            LdapResultCode::InsufficentAccessRights,
            "bind as the configured reader first",
        );
    }
    let attr = Attr::parse(&req.atype).map(|(a, _)| a);
    if !matches!(attr, Some(Attr::Mail | Attr::ObjectClass)) {
        return result(
            LdapResultCode::UnwillingToPerform,
            "compare is supported on mail and objectClass only",
        );
    }
    let Some(address) = Dn::parse(&req.dn).and_then(|dn| dn.entry_address(&app.base_dn)) else {
        return result(LdapResultCode::NoSuchObject, "no such entry");
    };
    let entry = match app.lookup(&address).await {
        Err(_) => return result(LdapResultCode::Unavailable, "the store cannot be read"),
        Ok(lookup) => found(app, lookup),
    };
    let Some(entry) = entry else {
        return result(LdapResultCode::NoSuchObject, "no such entry");
    };
    let value = String::from_utf8_lossy(&req.val);
    let equal = match attr {
        Some(Attr::Mail) => normalize_address(&value).is_ok_and(|a| a == entry.address()),
        _ => OBJECT_CLASSES
            .iter()
            .any(|c| c.eq_ignore_ascii_case(&value)),
    };
    let code = if equal {
        LdapResultCode::CompareTrue
    } else {
        LdapResultCode::CompareFalse
    };
    result(code, "")
}

/// The attributes a search asked for (RFC 4511 section 4.5.1.8).
struct Selection {
    all: bool,
    wanted: Vec<(Attr, bool)>,
}

impl Selection {
    fn parse(attrs: &[String]) -> Selection {
        let all = attrs.is_empty() || attrs.iter().any(|a| a.trim() == "*");
        let wanted = attrs.iter().filter_map(|a| Attr::parse(a)).collect();
        Selection { all, wanted }
    }

    /// `None`: not returned; `Some(binary)`: returned, `binary` when asked with `;binary`.
    fn get(&self, attr: Attr) -> Option<bool> {
        let asked = self.wanted.iter().filter(|(a, _)| *a == attr);
        let mut hit = None;
        for (_, binary) in asked {
            hit = Some(hit.unwrap_or(false) || *binary);
        }
        hit.or(self.all.then_some(false))
    }
}

/// The entry `mail=<address>,<base_dn>` with the selected attributes, in schema order
/// and spelling.
fn render(
    app: &App,
    entry: &Entry,
    selection: &Selection,
    types_only: bool,
) -> LdapSearchResultEntry {
    let mut attributes = Vec::new();
    let mut add = |name: &str, vals: Vec<Vec<u8>>| {
        attributes.push(LdapPartialAttribute {
            atype: name.to_string(),
            vals: if types_only { Vec::new() } else { vals },
        });
    };
    if selection.get(Attr::ObjectClass).is_some() {
        add(
            "objectClass",
            OBJECT_CLASSES
                .iter()
                .map(|c| c.as_bytes().to_vec())
                .collect(),
        );
    }
    if selection.get(Attr::Mail).is_some() {
        add("mail", vec![entry.address().as_bytes().to_vec()]);
    }
    if selection.get(Attr::Cn).is_some() {
        add("cn", vec![entry.cn().as_bytes().to_vec()]);
    }
    if selection.get(Attr::Sn).is_some() {
        add("sn", vec![entry.sn().as_bytes().to_vec()]);
    }
    // RFC 4523: certificates are transferred with the binary option, always.
    if selection.get(Attr::UserCertificate).is_some() {
        add("userCertificate;binary", vec![entry.der().to_vec()]);
    }
    if let Some(binary) = selection.get(Attr::UserSmimeCertificate) {
        let name = if binary {
            "userSMIMECertificate;binary"
        } else {
            "userSMIMECertificate"
        };
        add(name, vec![entry.pkcs7().to_vec()]);
    }
    LdapSearchResultEntry {
        dn: format!(
            "mail={},{}",
            escape_value(entry.address()),
            app.options.base_dn
        ),
        attributes,
    }
}

/// The Root DSE (RFC 4512 section 5.1): readable without a bind, so that clients can
/// find the naming context and StartTLS first.
fn root_dse(app: &App, tls: bool, req: &LdapSearchRequest) -> Answer {
    let mut extensions = vec![ldap3_proto::proto::OID_WHOAMI.as_bytes().to_vec()];
    if app.is_tls() && !tls {
        extensions.push(STARTTLS_OID.as_bytes().to_vec());
    }
    let all: [(&str, Vec<Vec<u8>>); 5] = [
        ("objectClass", vec![b"top".to_vec()]),
        (
            "namingContexts",
            vec![app.options.base_dn.as_bytes().to_vec()],
        ),
        ("supportedLDAPVersion", vec![b"3".to_vec()]),
        ("supportedExtension", extensions),
        ("vendorName", vec![b"smime-collector".to_vec()]),
    ];
    let everything =
        req.attrs.is_empty() || req.attrs.iter().any(|a| matches!(a.trim(), "*" | "+"));
    let attributes = all
        .into_iter()
        .filter(|(name, _)| {
            everything
                || req
                    .attrs
                    .iter()
                    .any(|a| a.trim().eq_ignore_ascii_case(name))
        })
        .map(|(name, vals)| LdapPartialAttribute {
            atype: name.to_string(),
            vals: if req.typesonly { Vec::new() } else { vals },
        })
        .collect();
    Answer {
        entries: vec![LdapSearchResultEntry {
            dn: String::new(),
            attributes,
        }],
        done: result(LdapResultCode::Success, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(attrs: &[&str]) -> Selection {
        Selection::parse(&attrs.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn attribute_selection() {
        assert_eq!(sel(&[]).get(Attr::Mail), Some(false));
        assert_eq!(sel(&["*"]).get(Attr::UserCertificate), Some(false));
        assert_eq!(sel(&["1.1"]).get(Attr::Mail), None);
        assert_eq!(sel(&["1.1", "mail"]).get(Attr::Mail), Some(false));
        assert_eq!(sel(&["MAIL"]).get(Attr::Cn), None);
        assert_eq!(
            sel(&["usercertificate;binary"]).get(Attr::UserCertificate),
            Some(true)
        );
        assert_eq!(
            sel(&["userSMIMECertificate;binary", "*"]).get(Attr::UserSmimeCertificate),
            Some(true)
        );
        assert_eq!(sel(&["+"]).get(Attr::Mail), None);
    }
}
