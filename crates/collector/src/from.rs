//! SPEC pipeline step 1: parse the message; exactly one From header with one mailbox.

use mail_parser::{Header, HeaderName, MessageParser};

use crate::report::Reason;

/// What step 1 learned about the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Envelope {
    /// The single From mailbox's addr-spec, as written (case and quoting preserved,
    /// comments and white space dropped).
    pub from: String,
    /// The domain of `from`, normalised (IDNA A-labels, lower case).
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
    let froms: Vec<&Header<'_>> = message
        .headers()
        .iter()
        .filter(|h| h.name == HeaderName::From)
        .collect();
    let header = match froms.as_slice() {
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
    // The raw value, parsed by smime-address: mail-parser's own address parser drops
    // quoted local parts (`"a b"@x` comes back as `@x`).
    let value = raw
        .get(header.offset_start as usize..header.offset_end as usize)
        .and_then(|v| std::str::from_utf8(v).ok())
        .ok_or_else(|| fail(Reason::AmbiguousFrom, "the From header is not valid UTF-8"))?;
    let mailboxes = smime_address::mailboxes(value).map_err(|e| {
        fail(
            Reason::AmbiguousFrom,
            format!("the From header cannot be read: {e}"),
        )
    })?;
    let from = match mailboxes.as_slice() {
        [one] => one.clone(),
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
    // The one address rule: what the policy compares and the store keys. A local part
    // that is not NFC (a Kelvin sign...) could pass for another mailbox: refused here.
    let address = smime_address::normalize(&from).map_err(|e| {
        fail(
            Reason::AmbiguousFrom,
            format!("the From mailbox {from:?} is not an address: {e}"),
        )
    })?;
    Ok(Envelope {
        from_domain: address.domain().to_owned(),
        from,
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
        assert_eq!(
            reason("From: john smith@example.com\r\n\r\n"),
            Reason::AmbiguousFrom
        );
        assert_eq!(reason("From: undisclosed:;\r\n\r\n"), Reason::AmbiguousFrom);
    }

    fn from(raw: &str) -> String {
        check_from(raw.as_bytes())
            .unwrap_or_else(|e| panic!("{raw:?}: {}", e.detail))
            .from
    }

    fn detail(raw: &str) -> String {
        let e = check_from(raw.as_bytes()).unwrap_err();
        assert_eq!(e.reason, Reason::AmbiguousFrom, "{raw:?}: {}", e.detail);
        e.detail
    }

    #[test]
    fn quoted_local_parts_are_accepted_as_written() {
        assert_eq!(
            from("From: \"a b\"@example.com\r\n\r\n"),
            "\"a b\"@example.com"
        );
        assert_eq!(
            from("From: Name <\"A b\"@Example.com> (c)\r\n\r\n"),
            "\"A b\"@Example.com"
        );
        assert_eq!(
            from("From: \"Smith, J.\" <j@example.com>\r\n\r\n"),
            "j@example.com"
        );
        let e = check_from(b"From: \"a b\"@Example.COM\r\n\r\n").unwrap();
        assert_eq!(e.from_domain, "example.com");
    }

    #[test]
    fn a_from_that_is_not_nfc_is_ambiguous_from() {
        // The Kelvin sign (U+212A) would otherwise pass for ASCII kate.
        let d = detail("From: \u{212A}ate@example.com\r\n\r\n");
        assert!(d.contains("not in Unicode NFC"), "{d}");
        detail("From: a\u{1FEF}b@example.com\r\n\r\n");
        detail("From: Jo\u{308}rg <jo\u{308}rg@example.com>\r\n\r\n");
        // NFC non-ASCII addresses, look-alikes included, are addresses.
        assert_eq!(
            from("From: J\u{f6}rg <J\u{f6}rg@B\u{fc}cher.de>\r\n\r\n"),
            "J\u{f6}rg@B\u{fc}cher.de"
        );
        from("From: \u{430}lice@example.com\r\n\r\n");
        from("From: \u{130}pek@example.com\r\n\r\n");
    }

    #[test]
    fn the_domain_is_in_a_labels() {
        let e = check_from("From: j@B\u{fc}cher.DE\r\n\r\n".as_bytes()).unwrap();
        assert_eq!(e.from_domain, "xn--bcher-kva.de");
        assert_eq!(e.from, "j@B\u{fc}cher.DE");
    }

    #[test]
    fn folded_and_commented_from_headers_are_read() {
        assert_eq!(
            from("From: Alice\r\n <alice@example.com> (home)\r\nTo: b@x\r\n\r\n"),
            "alice@example.com"
        );
        assert_eq!(
            from("From: alice@example.com <mallory@example.org>\r\n\r\n"),
            "mallory@example.org"
        );
    }

    #[test]
    fn controls_and_broken_syntax_are_ambiguous_from() {
        detail("From: a\u{1b}[31m@example.com\r\n\r\n");
        detail("From: \"a\tb\"@example.com\r\n\r\n");
        detail("From: <a@example.com\r\n\r\n");
        detail("From: \"unterminated@example.com\r\n\r\n");
        assert_eq!(
            check_from(b"From: a\xff@example.com\r\n\r\n")
                .unwrap_err()
                .reason,
            Reason::AmbiguousFrom
        );
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
