//! Local parts: reading one (unquoted, or one RFC 5322 quoted-string) and writing the
//! canonical form.

use crate::Error;

/// RFC 5322 `atext` among ASCII characters (letters, digits and these symbols).
fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c)
}

/// Whether `c` may stand in an unquoted local part: `atext`, `.` (anywhere, so that the
/// old `john..doe` and `foo.` forms some providers hand out keep working), and any
/// non-ASCII character that is neither white space nor a control (RFC 6532).
pub(crate) fn unquoted_ok(c: char) -> bool {
    is_atext(c) || c == '.' || (!c.is_ascii() && !c.is_whitespace() && !c.is_control())
}

/// Splits an address (controls already refused) into the *content* of its local part
/// (quotes and quoted-pair backslashes removed) and its domain as written.
pub(crate) fn split(address: &str) -> Result<(String, &str), Error> {
    if let Some(quoted) = address.strip_prefix('"') {
        let (content, after) = unquote(quoted)?;
        let domain = after.strip_prefix('@').ok_or(Error::BadQuotedString {
            detail: "the closing quote is not followed by @",
        })?;
        if content.is_empty() {
            return Err(Error::EmptyLocalPart);
        }
        return Ok((content, domain));
    }
    let (local, domain) = address.rsplit_once('@').ok_or(Error::NoAt)?;
    if local.is_empty() {
        return Err(Error::EmptyLocalPart);
    }
    if let Some(ch) = local.chars().find(|c| !unquoted_ok(*c)) {
        return Err(Error::UnquotedSpecial { ch });
    }
    Ok((local.to_owned(), domain))
}

/// The content of a quoted-string whose opening quote is already consumed, and what
/// follows its closing quote.
fn unquote(s: &str) -> Result<(String, &str), Error> {
    let mut content = String::with_capacity(s.len());
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, escaped)) => content.push(escaped),
                None => {
                    return Err(Error::BadQuotedString {
                        detail: "it ends with a lone backslash",
                    });
                }
            },
            '"' => return Ok((content, s.get(i + 1..).unwrap_or_default())),
            c => content.push(c),
        }
    }
    Err(Error::BadQuotedString {
        detail: "it has no closing quote",
    })
}

/// The canonical text of a local part with this content: as it is when every character
/// may stand unquoted, else one quoted-string with `"` and `\` as quoted-pairs (RFC 5321
/// section 4.1.2: quote only when needed). [`split`] reads it back to the same content.
pub(crate) fn render(content: &str) -> String {
    if content.chars().all(unquoted_ok) {
        return content.to_owned();
    }
    let mut out = String::with_capacity(content.len() + 2);
    out.push('"');
    for c in content.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_strings_lose_their_quotes_and_backslashes() {
        assert_eq!(split(r#""a b"@x"#).unwrap(), ("a b".to_owned(), "x"));
        assert_eq!(
            split(r#""a\"b\\c@d"@x"#).unwrap(),
            (r#"a"b\c@d"#.to_owned(), "x")
        );
        assert_eq!(split("\"\"@x"), Err(Error::EmptyLocalPart));
        assert!(matches!(
            split(r#""a"b@x"#),
            Err(Error::BadQuotedString { .. })
        ));
        assert!(matches!(
            split(r#""ab@x"#),
            Err(Error::BadQuotedString { .. })
        ));
        assert!(matches!(
            split(r#""ab\"#),
            Err(Error::BadQuotedString { .. })
        ));
    }

    #[test]
    fn unquoted_local_parts_allow_atext_dots_and_unicode_only() {
        assert!(split("o'brien+tag/x=1@x").is_ok());
        assert!(split("john..doe.@x").is_ok());
        assert!(split("用户@x").is_ok());
        for bad in ["a b@x", "a\"b@x", "a,b@x", "a@b@x", "a\\b@x", "a\u{a0}b@x"] {
            assert!(
                matches!(split(bad), Err(Error::UnquotedSpecial { .. })),
                "{bad:?}"
            );
        }
        assert_eq!(split("x"), Err(Error::NoAt));
        assert_eq!(split("@x"), Err(Error::EmptyLocalPart));
    }

    #[test]
    fn render_quotes_only_when_needed_and_reads_back() {
        for content in [
            "alice", "a..b.", "用户", "a b", "a\"b\\c", "a@b", ".", "a\u{a0}b",
        ] {
            let text = format!("{}@x", render(content));
            assert_eq!(split(&text).unwrap().0, content, "{text}");
        }
        assert_eq!(render("a b"), "\"a b\"");
        assert_eq!(render("a\"b"), "\"a\\\"b\"");
        assert_eq!(render("a.b"), "a.b");
    }
}
