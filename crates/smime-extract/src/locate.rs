//! SPEC step 3: find the S/MIME signature at the top level of the message.
//!
//! A small bounded MIME walker of our own rather than mail-parser: we need the exact raw
//! bytes of the first part of a `multipart/signed` (RFC 1847: up to, not including, the
//! line break before the delimiter), only the top level, and our own bounds applied
//! *while* walking. mail-parser decodes the whole tree (every nested message, charset
//! conversion) before we could count anything, and its part end offsets are not
//! specified in those RFC terms.

mod header;

use crate::{Error, Limits, SignatureFormat};
use base64::Engine as _;
use header::Entity;

/// What the top level of the message holds.
#[derive(Debug)]
pub(crate) struct Located {
    pub(crate) format: SignatureFormat,
    /// Detached: the canonicalised first part. Opaque: empty (the content is in the CMS).
    pub(crate) content: Vec<u8>,
    /// The decoded CMS bytes.
    pub(crate) cms: Vec<u8>,
    /// The micalg parameter, as declared.
    pub(crate) micalg: Option<String>,
    /// Content types seen, in walking order.
    pub(crate) mime_parts: Vec<String>,
}

const SIGNATURE_TYPES: [&str; 2] = [
    "application/pkcs7-signature",
    "application/x-pkcs7-signature",
];
const MIME_TYPES: [&str; 2] = ["application/pkcs7-mime", "application/x-pkcs7-mime"];

/// Locates and decodes the top-level signature.
pub(crate) fn locate(raw: &[u8], limits: &Limits) -> Result<Located, Error> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::MalformedMessage {
            detail: "the message is empty".into(),
        });
    }
    // An mbox "From " separator line before the headers is not part of the message.
    // (Not the obsolete header spelling "From :", RFC 5322 §4.5.)
    let raw = match raw.strip_prefix(b"From ") {
        Some(rest) if rest.iter().find(|b| **b != b' ' && **b != b'\t') != Some(&b':') => rest
            .iter()
            .position(|b| *b == b'\n')
            .map_or(&raw[raw.len()..], |i| &rest[i + 1..]),
        _ => raw,
    };
    let top = Entity::parse(raw)?;
    if top.fields.is_empty() {
        return Err(Error::MalformedMessage {
            detail: "the message has no header fields".into(),
        });
    }
    let ct = top.content_type();
    let mut walk = Walk {
        limits,
        parts: 1,
        seen: vec![ct.mime_type.clone()],
    };
    if ct.mime_type == "multipart/signed" {
        let protocol = ct
            .param("protocol")
            .unwrap_or_default()
            .to_ascii_lowercase();
        if SIGNATURE_TYPES.contains(&protocol.as_str()) {
            return detached(&top, &ct, walk);
        }
    } else if MIME_TYPES.contains(&ct.mime_type.as_str()) {
        let smime_type = ct.param("smime-type").map(|s| s.to_ascii_lowercase());
        let named_p7m = ct
            .param("name")
            .into_iter()
            .chain(top.filename())
            .any(|n| n.to_ascii_lowercase().ends_with(".p7m"));
        match smime_type.as_deref() {
            Some("signed-data") => return opaque(&top, walk),
            None if named_p7m => return opaque(&top, walk),
            Some("enveloped-data" | "authenveloped-data") => return Err(Error::Enveloped),
            _ => {}
        }
    }
    walk.children(&top, 1)?;
    Err(Error::NotSigned {
        content_type: ct.mime_type,
    })
}

fn detached(
    top: &Entity<'_>,
    ct: &header::ContentType,
    mut walk: Walk<'_>,
) -> Result<Located, Error> {
    let boundary = boundary(ct)?;
    let parts = split_multipart(top.body, &boundary);
    walk.count(parts.len())?;
    let [content, signature] = parts.as_slice() else {
        return Err(Error::SignedPartsMissing { found: parts.len() });
    };
    let content_entity = Entity::parse_part(content);
    walk.seen.push(content_entity.content_type().mime_type);
    walk.children(&content_entity, 2)?;
    let signature = Entity::parse_part(signature);
    walk.seen.push(signature.content_type().mime_type);
    let cms = decode_body(&signature, walk.limits)?;
    Ok(Located {
        format: SignatureFormat::Detached,
        content: canonicalize(content),
        cms,
        micalg: ct.param("micalg"),
        mime_parts: walk.seen,
    })
}

fn opaque(top: &Entity<'_>, walk: Walk<'_>) -> Result<Located, Error> {
    let cms = decode_body(top, walk.limits)?;
    Ok(Located {
        format: SignatureFormat::Opaque,
        content: Vec::new(),
        cms,
        micalg: None,
        mime_parts: walk.seen,
    })
}

fn boundary(ct: &header::ContentType) -> Result<String, Error> {
    match ct.param("boundary") {
        Some(b) if !b.is_empty() && b.len() <= 200 => Ok(b),
        _ => Err(Error::MalformedMessage {
            detail: format!("{} without a usable boundary", ct.mime_type),
        }),
    }
}

/// Counts parts and depth while listing content types (for the log) below an entity.
struct Walk<'l> {
    limits: &'l Limits,
    parts: usize,
    seen: Vec<String>,
}

impl Walk<'_> {
    fn count(&mut self, more: usize) -> Result<(), Error> {
        self.parts = self.parts.saturating_add(more);
        if self.parts > self.limits.max_parts {
            return Err(Error::TooManyParts {
                limit: self.limits.max_parts,
            });
        }
        Ok(())
    }

    /// Walks the children of `entity`, which sits at nesting `depth` (top = 1).
    fn children(&mut self, entity: &Entity<'_>, depth: usize) -> Result<(), Error> {
        let ct = entity.content_type();
        let inner: Vec<&[u8]> = if ct.is_multipart() {
            match ct.param("boundary") {
                Some(b) if !b.is_empty() => split_multipart(entity.body, &b),
                _ => return Ok(()),
            }
        } else if ct.mime_type == "message/rfc822" {
            vec![entity.body]
        } else {
            return Ok(());
        };
        if depth >= self.limits.max_depth {
            return Err(Error::MimeTooDeep {
                limit: self.limits.max_depth,
            });
        }
        self.count(inner.len())?;
        for part in inner {
            let child = Entity::parse_part(part);
            self.seen.push(child.content_type().mime_type);
            self.children(&child, depth + 1)?;
        }
        Ok(())
    }
}

/// The body parts of a multipart body (RFC 2046 §5.1.1): each part runs from after the
/// delimiter line to the line break before the next delimiter. Preamble and epilogue are
/// dropped; a missing close delimiter ends the last part at the end of the body.
fn split_multipart<'a>(body: &'a [u8], boundary: &str) -> Vec<&'a [u8]> {
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut parts = Vec::new();
    let mut current: Option<usize> = None; // start of the current part
    let mut line_start = 0;
    while line_start <= body.len() {
        let line_end = body[line_start..]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(body.len(), |i| line_start + i);
        let line = &body[line_start..line_end];
        if let Some(after) = line.strip_prefix(delimiter) {
            let is_close = after.starts_with(b"--");
            let tail = if is_close { &after[2..] } else { after };
            if tail.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r')) {
                if let Some(start) = current.take() {
                    // Exclude the line break (CRLF or LF) that precedes the delimiter.
                    let mut end = line_start.saturating_sub(1).max(start);
                    if end > start && body[end - 1] == b'\r' {
                        end -= 1;
                    }
                    parts.push(&body[start..end]);
                }
                if is_close {
                    return parts;
                }
                current = Some((line_end + 1).min(body.len()));
            }
        }
        line_start = line_end + 1;
    }
    if let Some(start) = current {
        parts.push(&body[start..]);
    }
    parts
}

/// RFC 8551 §3.1.1 canonical form: bare LF becomes CRLF; CRLF stays.
pub(crate) fn canonicalize(content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + content.len() / 32);
    let mut prev = 0u8;
    for &b in content {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        prev = b;
    }
    out
}

/// Decodes the body of the signature entity, bounded by the signature size limit.
fn decode_body(entity: &Entity<'_>, limits: &Limits) -> Result<Vec<u8>, Error> {
    let too_large = Error::SignatureTooLarge {
        limit: limits.max_signature_bytes,
    };
    match entity.transfer_encoding().as_str() {
        "base64" => {
            if entity.body.len() / 4 * 3 > limits.max_signature_bytes.saturating_mul(2) {
                return Err(too_large);
            }
            let compact: Vec<u8> = entity
                .body
                .iter()
                .copied()
                .filter(|b| !b.is_ascii_whitespace())
                .collect();
            let decoded = BASE64
                .decode(&compact)
                .map_err(|_| Error::BadTransferEncoding {
                    encoding: "base64".into(),
                })?;
            if decoded.len() > limits.max_signature_bytes {
                return Err(too_large);
            }
            Ok(decoded)
        }
        "binary" | "8bit" | "7bit" => {
            if entity.body.len() > limits.max_signature_bytes {
                return Err(too_large);
            }
            Ok(entity.body.to_vec())
        }
        other => Err(Error::BadTransferEncoding {
            encoding: other.to_string(),
        }),
    }
}

/// Standard alphabet; padding optional (some clients drop it); trailing bits tolerated.
const BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_end_before_the_line_break_preceding_the_delimiter() {
        let body = b"preamble\r\n--b\r\nA: 1\r\n\r\none\r\n\r\n--b \r\ntwo\r\n--b--\r\nepilogue";
        assert_eq!(
            split_multipart(body, "b"),
            vec![&b"A: 1\r\n\r\none\r\n"[..], b"two"]
        );
        let lf = b"--b\nx\n--b\ny\n--b--\n";
        assert_eq!(split_multipart(lf, "b"), vec![&b"x"[..], b"y"]);
    }

    #[test]
    fn lookalike_delimiters_are_content() {
        let body = b"--b\r\n--bx\r\n--b\r\ny";
        assert_eq!(split_multipart(body, "b"), vec![&b"--bx"[..], b"y"]);
    }

    #[test]
    fn canonicalize_only_touches_bare_lf() {
        assert_eq!(canonicalize(b"a\nb\r\nc\r"), b"a\r\nb\r\nc\r");
    }

    #[test]
    fn pgp_and_plain_messages_are_not_signed() {
        let pgp = b"Content-Type: multipart/signed; protocol=\"application/pgp-signature\"; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b\r\n\r\ny\r\n--b--\r\n";
        let err = locate(pgp, &Limits::default()).unwrap_err();
        assert_eq!(err.reason_code(), "not_signed");
        let plain = b"Subject: hi\r\n\r\nhello";
        assert_eq!(
            locate(plain, &Limits::default()).unwrap_err().reason_code(),
            "not_signed"
        );
    }

    #[test]
    fn enveloped_is_not_signed() {
        let msg = b"Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n\r\nMIIB";
        assert_eq!(
            locate(msg, &Limits::default()).unwrap_err(),
            Error::Enveloped
        );
    }

    #[test]
    fn mbox_separator_is_skipped_but_obsolete_from_is_a_header() {
        let mbox = b"From alice@example.com Sat Jan  1 00:00:00 2026\nSubject: x\n\nhi";
        assert_eq!(
            locate(mbox, &Limits::default()).unwrap_err().reason_code(),
            "not_signed"
        );
        let obs = b"From : alice@example.com\r\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n\r\nMIIB";
        assert_eq!(
            locate(obs, &Limits::default()).unwrap_err(),
            Error::Enveloped
        );
    }

    #[test]
    fn garbage_is_malformed_message() {
        assert_eq!(
            locate(b"", &Limits::default()).unwrap_err().reason_code(),
            "malformed_message"
        );
        assert_eq!(
            locate(b"\x00\x01\x02", &Limits::default())
                .unwrap_err()
                .reason_code(),
            "malformed_message"
        );
    }
}
