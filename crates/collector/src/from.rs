//! SPEC pipeline step 1: parse the message; exactly one From header with one mailbox.

use mail_parser::{Address, HeaderName, HeaderValue, MessageParser};

use crate::report::Reason;

/// What step 1 learned about the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Envelope {
    /// The single From address, as written (case preserved).
    pub from: String,
    /// The domain of `from`, lower-cased.
    pub from_domain: String,
    /// The Message-ID with its angle brackets (`<id@host>`), as the SPEC's report shows it.
    pub message_id: Option<String>,
}

/// Why step 1 failed, with the sentence the report uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FromError {
    pub reason: Reason,
    pub detail: String,
}

fn fail(reason: Reason, detail: impl Into<String>) -> FromError {
    FromError {
        reason,
        detail: detail.into(),
    }
}

/// Parses the header block and finds the one sender address.
pub(crate) fn check_from(raw: &[u8]) -> Result<Envelope, FromError> {
    if !has_header_block(raw) {
        return Err(fail(
            Reason::MalformedMessage,
            "the input has no RFC 5322 header block",
        ));
    }
    let message = MessageParser::default().parse_headers(raw).ok_or_else(|| {
        fail(
            Reason::MalformedMessage,
            "the message headers cannot be parsed",
        )
    })?;
    let froms: Vec<&HeaderValue<'_>> = message.header_values(HeaderName::From).collect();
    let value = match froms.as_slice() {
        [] => {
            return Err(fail(
                Reason::AmbiguousFrom,
                "the message has no From header",
            ));
        }
        [one] => *one,
        many => {
            return Err(fail(
                Reason::AmbiguousFrom,
                format!("the message has {} From headers", many.len()),
            ));
        }
    };
    let mailboxes: Vec<&str> = match value {
        HeaderValue::Address(Address::List(list)) => {
            list.iter().filter_map(|a| a.address.as_deref()).collect()
        }
        HeaderValue::Address(Address::Group(groups)) => groups
            .iter()
            .flat_map(|g| g.addresses.iter())
            .filter_map(|a| a.address.as_deref())
            .collect(),
        _ => Vec::new(),
    };
    let from = match mailboxes.as_slice() {
        [one] => one.trim().to_string(),
        [] => {
            return Err(fail(
                Reason::AmbiguousFrom,
                "the From header holds no mailbox",
            ));
        }
        many => {
            return Err(fail(
                Reason::AmbiguousFrom,
                format!("the From header holds {} mailboxes", many.len()),
            ));
        }
    };
    let from_domain = match from.rsplit_once('@') {
        Some((local, domain)) if !local.is_empty() && is_domain(domain) => {
            domain.to_ascii_lowercase()
        }
        _ => {
            return Err(fail(
                Reason::AmbiguousFrom,
                format!("the From mailbox {from:?} is not an address"),
            ));
        }
    };
    Ok(Envelope {
        from,
        from_domain,
        message_id: message.message_id().map(|id| format!("<{id}>")),
    })
}

/// A header block is present when the first line looks like `Name: value`.
fn has_header_block(raw: &[u8]) -> bool {
    let first = raw.split(|b| *b == b'\n').next().unwrap_or_default();
    match first.iter().position(|b| *b == b':') {
        Some(colon) if colon > 0 => first[..colon].iter().all(|b| b.is_ascii_graphic()),
        _ => false,
    }
}

fn is_domain(domain: &str) -> bool {
    !domain.is_empty()
        && domain.len() <= 253
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(raw: &str) -> Reason {
        check_from(raw.as_bytes()).unwrap_err().reason
    }

    #[test]
    fn one_mailbox_is_found() {
        let e =
            check_from(b"From: Alice <Alice@Example.COM>\r\nMessage-ID: <x@y>\r\n\r\nhi").unwrap();
        assert_eq!(e.from, "Alice@Example.COM");
        assert_eq!(e.from_domain, "example.com");
        assert_eq!(e.message_id.as_deref(), Some("<x@y>"));
    }

    #[test]
    fn no_from_is_ambiguous_from() {
        assert_eq!(reason("To: a@b.example\r\n\r\nhi"), Reason::AmbiguousFrom);
    }

    #[test]
    fn two_from_headers_is_ambiguous_from() {
        assert_eq!(
            reason("From: a@b.example\r\nFrom: c@d.example\r\n\r\n"),
            Reason::AmbiguousFrom
        );
    }

    #[test]
    fn two_mailboxes_is_ambiguous_from() {
        assert_eq!(
            reason("From: a@b.example, c@d.example\r\n\r\n"),
            Reason::AmbiguousFrom
        );
        assert_eq!(
            reason("From: g: a@b.example, c@d.example;\r\n\r\n"),
            Reason::AmbiguousFrom
        );
    }

    #[test]
    fn not_an_address_is_ambiguous_from() {
        assert_eq!(reason("From: nobody\r\n\r\n"), Reason::AmbiguousFrom);
        assert_eq!(reason("From: a@b..c\r\n\r\n"), Reason::AmbiguousFrom);
    }

    #[test]
    fn garbage_is_malformed_message() {
        assert_eq!(reason("\u{0}\u{1}binary junk"), Reason::MalformedMessage);
        assert_eq!(reason(""), Reason::MalformedMessage);
        assert_eq!(
            reason("no colon on the first line\r\n\r\n"),
            Reason::MalformedMessage
        );
    }
}
