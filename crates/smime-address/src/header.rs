//! The mailboxes of an address header (RFC 5322 section 3.4: `address-list`).
//!
//! Just enough syntax to find each mailbox's addr-spec exactly as written: comments and
//! folding white space are dropped, display names and group names skipped, quoted
//! strings kept whole (quotes and quoted-pairs included). Whether an addr-spec is a
//! usable address is [`crate::normalize`]'s business.

use crate::Error;

/// One lexical token, with whether white space or a comment came before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Token<'a> {
    kind: Kind<'a>,
    spaced: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind<'a> {
    /// An atom, a quoted-string (quotes included) or a domain literal (brackets
    /// included), as written.
    Word(&'a str),
    /// One of `< > @ , ; : .`.
    Special(char),
}

const SPECIALS: &str = "<>@,;:.";

/// Splits a header value into tokens.
fn tokens(value: &str) -> Result<Vec<Token<'_>>, Error> {
    let mut out = Vec::new();
    let mut spaced = false;
    let mut rest = value;
    while let Some(c) = rest.chars().next() {
        let len = match c {
            ' ' | '\t' | '\r' | '\n' => {
                spaced = true;
                rest = &rest[1..];
                continue;
            }
            '(' => {
                rest = skip_comment(rest)?;
                spaced = true;
                continue;
            }
            '"' => delimited(rest, '"', "a quoted string has no closing quote")?,
            '[' => delimited(rest, ']', "a domain literal has no closing bracket")?,
            c if SPECIALS.contains(c) => {
                out.push(Token {
                    kind: Kind::Special(c),
                    spaced,
                });
                spaced = false;
                rest = &rest[1..];
                continue;
            }
            _ => rest
                .find(|c: char| {
                    c.is_ascii_whitespace() || "(\"[".contains(c) || SPECIALS.contains(c)
                })
                .unwrap_or(rest.len()),
        };
        let (word, after) = rest.split_at(len);
        out.push(Token {
            kind: Kind::Word(word),
            spaced,
        });
        spaced = false;
        rest = after;
    }
    Ok(out)
}

/// The length of a quoted string or domain literal at the start of `s` (which starts
/// with its opening character), honouring backslash quoted-pairs.
fn delimited(s: &str, close: char, unterminated: &'static str) -> Result<usize, Error> {
    let mut chars = s.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        if c == '\\' {
            chars.next();
        } else if c == close {
            return Ok(i + c.len_utf8());
        }
    }
    Err(Error::HeaderSyntax {
        detail: unterminated,
    })
}

/// What follows a (possibly nested) comment at the start of `s`.
fn skip_comment(s: &str) -> Result<&str, Error> {
    let mut depth = 0usize;
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Ok(&s[i + 1..]);
                }
            }
            _ => {}
        }
    }
    Err(Error::HeaderSyntax {
        detail: "a comment has no closing parenthesis",
    })
}

/// The text of an addr-spec's tokens: concatenated, except that two words separated by
/// white space keep one space (so `john smith@x` is not read as `johnsmith@x`).
fn render(tokens: &[Token<'_>]) -> String {
    let mut out = String::new();
    let mut previous_was_word = false;
    for t in tokens {
        match t.kind {
            Kind::Word(w) => {
                if previous_was_word && t.spaced {
                    out.push(' ');
                }
                out.push_str(w);
                previous_was_word = true;
            }
            Kind::Special(c) => {
                out.push(c);
                previous_was_word = false;
            }
        }
    }
    out
}

/// The addr-specs of the mailboxes in an address header value (the text after
/// `From:`, folded or not), in order, each as written without comments or white
/// space around its parts: `Alice <Alice@Example.COM>` gives `Alice@Example.COM`,
/// `"a b"@example.com (work)` gives `"a b"@example.com`. Group names and display
/// names are skipped; an empty group or list element gives nothing. A mailbox
/// without angle brackets is all its tokens, so a bare display name comes back as
/// itself (`nobody`) for [`crate::normalize`] to refuse.
///
/// ```
/// let boxes = smime_address::mailboxes(r#"Team: "Kate K." <kate@example.com>, "a b"@example.com (x);"#)?;
/// assert_eq!(boxes, ["kate@example.com", r#""a b"@example.com"#]);
/// # Ok::<(), smime_address::Error>(())
/// ```
///
/// # Errors
/// [`Error::HeaderSyntax`] for an unterminated quoted string, comment or domain
/// literal, unbalanced angle brackets, two addresses in one mailbox, or a group inside
/// a group.
pub fn mailboxes(value: &str) -> Result<Vec<String>, Error> {
    let syntax = |detail| Err(Error::HeaderSyntax { detail });
    let mut found = Vec::new();
    // The tokens of the current mailbox, and of its angle-addr once one is seen.
    let mut current: Vec<Token<'_>> = Vec::new();
    let mut angle: Option<Vec<Token<'_>>> = None;
    let mut in_angle = false;
    let mut in_group = false;
    let flush = |current: &mut Vec<Token<'_>>,
                 angle: &mut Option<Vec<Token<'_>>>,
                 found: &mut Vec<String>| {
        let spec = match angle.take() {
            // An obsolete route (`<@relay:a@b>`) ends at its last colon.
            Some(inner) => {
                let start = inner
                    .iter()
                    .rposition(|t| t.kind == Kind::Special(':'))
                    .map_or(0, |i| i + 1);
                inner[start..].to_vec()
            }
            None => std::mem::take(current),
        };
        current.clear();
        if !spec.is_empty() {
            found.push(render(&spec));
        }
    };
    for token in tokens(value)? {
        match (token.kind, in_angle) {
            (Kind::Special('<'), false) => {
                if angle.is_some() {
                    return syntax("a mailbox has two angle-bracketed addresses");
                }
                in_angle = true;
                angle = Some(Vec::new());
            }
            (Kind::Special('<'), true) => return syntax("angle brackets are nested"),
            (Kind::Special('>'), true) => in_angle = false,
            (Kind::Special('>'), false) => {
                return syntax("a closing angle bracket has no opening one");
            }
            (_, true) => {
                if let Some(inner) = angle.as_mut() {
                    inner.push(token);
                }
            }
            (Kind::Special(','), false) => flush(&mut current, &mut angle, &mut found),
            (Kind::Special(':'), false) => {
                if in_group {
                    return syntax("a group is inside a group");
                }
                if angle.is_some() {
                    return syntax("a group name follows an address");
                }
                // The group's display name.
                current.clear();
                in_group = true;
            }
            (Kind::Special(';'), false) => {
                flush(&mut current, &mut angle, &mut found);
                in_group = false;
            }
            (_, false) => {
                if angle.is_some() {
                    return syntax("text follows an angle-bracketed address");
                }
                current.push(token);
            }
        }
    }
    if in_angle {
        return syntax("an opening angle bracket has no closing one");
    }
    flush(&mut current, &mut angle, &mut found);
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(value: &str) -> String {
        let mut all = mailboxes(value).unwrap();
        assert_eq!(all.len(), 1, "{value:?}: {all:?}");
        all.remove(0)
    }

    #[test]
    fn the_forms_of_one_mailbox() {
        assert_eq!(one(" Alice@Example.COM\r\n"), "Alice@Example.COM");
        assert_eq!(one("Alice <Alice@Example.COM>"), "Alice@Example.COM");
        assert_eq!(one("\"Smith, Alice\" <alice@x>"), "alice@x");
        assert_eq!(one("=?utf-8?q?J=C3=B6rg?= <j@x>"), "j@x");
        assert_eq!(one("alice(comment (nested))@x (trailing)"), "alice@x");
        assert_eq!(one("\"a b\"@example.com"), "\"a b\"@example.com");
        assert_eq!(one("Name <\"a b\"@example.com>"), "\"a b\"@example.com");
        assert_eq!(one("<\"a\\\"b\"@x>"), "\"a\\\"b\"@x");
        assert_eq!(one("a . b @ x . org"), "a.b@x.org");
        assert_eq!(one("<@relay.example:a@x>"), "a@x");
        assert_eq!(one("\r\n\tfolded@x"), "folded@x");
        assert_eq!(one("Kåre <kåre@bücher.de>"), "kåre@bücher.de");
    }

    #[test]
    fn a_display_name_with_an_at_sign_does_not_win() {
        assert_eq!(
            one("alice@example.com <mallory@evil.example>"),
            "mallory@evil.example"
        );
        assert_eq!(
            one("\"alice@example.com\" <mallory@evil.example>"),
            "mallory@evil.example"
        );
    }

    #[test]
    fn words_apart_stay_apart() {
        assert_eq!(one("john smith@x"), "john smith@x");
        assert_eq!(one("nobody"), "nobody");
        assert_eq!(one("ab\"cd\"@x"), "ab\"cd\"@x");
    }

    #[test]
    fn lists_and_groups() {
        assert_eq!(mailboxes("a@x, b@y").unwrap(), ["a@x", "b@y"]);
        assert_eq!(mailboxes("g: a@x, B <b@y>;").unwrap(), ["a@x", "b@y"]);
        assert_eq!(
            mailboxes("undisclosed-recipients:;").unwrap(),
            Vec::<String>::new()
        );
        assert_eq!(mailboxes("a@x,,").unwrap(), ["a@x"]);
        assert_eq!(mailboxes("").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn broken_syntax_is_an_error() {
        for bad in [
            "\"a b@x",
            "a(b@x",
            "<a@x",
            "a@x>",
            "<a@x> <b@x>",
            "<a@x> trailing",
            "<<a@x>>",
            "g: h: a@x;;",
            "[1.2.3.4",
        ] {
            assert!(
                matches!(mailboxes(bad), Err(Error::HeaderSyntax { .. })),
                "{bad:?}"
            );
        }
    }
}
