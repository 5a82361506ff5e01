//! Header fields and the `Content-Type` value (RFC 5322 unfolding, RFC 2045 parameters,
//! with the leniency real clients need: case, quoting, RFC 2231 `name*=`).

use crate::Error;

/// One MIME entity: its header fields and its body, borrowed from the message.
#[derive(Debug, Clone)]
pub(crate) struct Entity<'a> {
    /// Field name (lower-cased) and unfolded value.
    pub(crate) fields: Vec<(String, String)>,
    /// The body, after the blank line.
    pub(crate) body: &'a [u8],
}

impl<'a> Entity<'a> {
    /// Splits an entity into header fields and body. An entity with no blank line is all
    /// headers; a line in the header section that is neither a field nor a continuation
    /// makes the entity unparseable.
    pub(crate) fn parse(raw: &'a [u8]) -> Result<Entity<'a>, Error> {
        let mut fields: Vec<(String, String)> = Vec::new();
        let mut pos = 0;
        let body_start = loop {
            if pos >= raw.len() {
                break raw.len();
            }
            let (line, next) = match raw[pos..].iter().position(|b| *b == b'\n') {
                Some(i) => (&raw[pos..pos + i], pos + i + 1),
                None => (&raw[pos..], raw.len()),
            };
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                break next;
            }
            if line[0] == b' ' || line[0] == b'\t' {
                match fields.last_mut() {
                    Some((_, value)) => value.push_str(&String::from_utf8_lossy(line)),
                    None => return Err(malformed("the first header line is a continuation")),
                }
            } else {
                let colon = line
                    .iter()
                    .position(|b| *b == b':')
                    .ok_or_else(|| malformed("a header line has no colon"))?;
                let name = line[..colon].trim_ascii_end(); // obs-optional: WSP before ":"
                if name.is_empty() || !name.iter().all(|b| b.is_ascii_graphic()) {
                    return Err(malformed("a header field name is not printable ASCII"));
                }
                let name = String::from_utf8_lossy(name).to_ascii_lowercase();
                fields.push((
                    name,
                    String::from_utf8_lossy(&line[colon + 1..]).into_owned(),
                ));
            }
            pos = next;
        };
        Ok(Entity {
            fields,
            body: &raw[body_start..],
        })
    }

    /// Like [`Entity::parse`], but a part whose first lines are not header fields is
    /// taken as a body without headers (clients write such parts; RFC 2046 §5.1 lets a
    /// part have no header fields at all).
    pub(crate) fn parse_part(raw: &'a [u8]) -> Entity<'a> {
        Entity::parse(raw).unwrap_or(Entity {
            fields: Vec::new(),
            body: raw,
        })
    }

    /// The first value of a field (name in lower case), trimmed.
    pub(crate) fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim())
    }

    /// The parsed Content-Type (`text/plain` when absent, as RFC 2045 says).
    pub(crate) fn content_type(&self) -> ContentType {
        self.field("content-type")
            .and_then(ContentType::parse)
            .unwrap_or_else(|| ContentType {
                mime_type: "text/plain".into(),
                params: Vec::new(),
            })
    }

    /// The Content-Transfer-Encoding, lower-cased (`7bit` when absent).
    pub(crate) fn transfer_encoding(&self) -> String {
        self.field("content-transfer-encoding")
            .unwrap_or("7bit")
            .to_ascii_lowercase()
    }

    /// The `filename` parameter of Content-Disposition, if any.
    pub(crate) fn filename(&self) -> Option<String> {
        let value = self.field("content-disposition")?;
        let (_, params) = split_params(value);
        lookup(&params, "filename")
    }
}

fn malformed(detail: &str) -> Error {
    Error::MalformedMessage {
        detail: detail.to_string(),
    }
}

/// A Content-Type: `type/subtype` lower-cased, and its parameters (names lower-cased).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ContentType {
    pub(crate) mime_type: String,
    pub(crate) params: Vec<(String, String)>,
}

impl ContentType {
    /// Parses a Content-Type value; `None` when there is no `type/subtype`.
    pub(crate) fn parse(value: &str) -> Option<ContentType> {
        let (head, params) = split_params(value);
        let mime_type = head.trim().to_ascii_lowercase();
        let (main, sub) = mime_type.split_once('/')?;
        if main.is_empty() || sub.is_empty() || mime_type.contains(char::is_whitespace) {
            return None;
        }
        Some(ContentType { mime_type, params })
    }

    /// A parameter's value (name in lower case), RFC 2231 `name*` included.
    pub(crate) fn param(&self, name: &str) -> Option<String> {
        lookup(&self.params, name)
    }

    /// Whether the type is `multipart/*`.
    pub(crate) fn is_multipart(&self) -> bool {
        self.mime_type.starts_with("multipart/")
    }
}

fn lookup(params: &[(String, String)], name: &str) -> Option<String> {
    if let Some((_, v)) = params.iter().find(|(n, _)| n == name) {
        return Some(v.clone());
    }
    // RFC 2231: name*=charset'lang'value (percent-encoded), or name*0=..., name*1=...
    let extended = format!("{name}*");
    if let Some((_, v)) = params.iter().find(|(n, _)| *n == extended) {
        let value = v.splitn(3, '\'').nth(2).unwrap_or(v);
        return Some(percent_decode(value));
    }
    let mut joined = String::new();
    for i in 0.. {
        let plain = format!("{name}*{i}");
        let encoded = format!("{name}*{i}*");
        match params.iter().find(|(n, _)| *n == plain || *n == encoded) {
            Some((n, v)) if n.ends_with('*') => {
                let v = if i == 0 {
                    v.splitn(3, '\'').nth(2).unwrap_or(v)
                } else {
                    v
                };
                joined.push_str(&percent_decode(v));
            }
            Some((_, v)) => joined.push_str(v),
            None => break,
        }
    }
    (!joined.is_empty()).then_some(joined)
}

fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Splits `value; a=b; c="d;e"` into the head and lower-cased parameter pairs.
fn split_params(value: &str) -> (&str, Vec<(String, String)>) {
    let head_end = value.find(';').unwrap_or(value.len());
    let head = &value[..head_end];
    let mut params = Vec::new();
    let mut rest = value[head_end..].chars().peekable();
    loop {
        // Skip separators and whitespace.
        while rest.peek().is_some_and(|c| *c == ';' || c.is_whitespace()) {
            rest.next();
        }
        if rest.peek().is_none() {
            break;
        }
        let name: String = rest.by_ref().take_while(|c| *c != '=').collect();
        let name = name.trim().to_ascii_lowercase();
        while rest.peek().is_some_and(|c| c.is_whitespace()) {
            rest.next();
        }
        let mut val = String::new();
        if rest.peek() == Some(&'"') {
            rest.next();
            while let Some(c) = rest.next() {
                match c {
                    '\\' => val.extend(rest.next()),
                    '"' => break,
                    c => val.push(c),
                }
            }
            // Ignore anything up to the next separator.
            while rest.peek().is_some_and(|c| *c != ';') {
                rest.next();
            }
        } else {
            val = rest.by_ref().take_while(|c| *c != ';').collect();
            val = val.trim().to_string();
        }
        if !name.is_empty() {
            params.push((name, val));
        }
    }
    (head, params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_type_parameters_vary_in_case_and_quoting() {
        let ct = ContentType::parse(
            "Multipart/Signed; PROTOCOL=\"application/x-pkcs7-signature\";\tmicalg=SHA1; boundary=abc",
        )
        .unwrap();
        assert_eq!(ct.mime_type, "multipart/signed");
        assert_eq!(
            ct.param("protocol").as_deref(),
            Some("application/x-pkcs7-signature")
        );
        assert_eq!(ct.param("micalg").as_deref(), Some("SHA1"));
        assert_eq!(ct.param("boundary").as_deref(), Some("abc"));
    }

    #[test]
    fn quoted_values_keep_semicolons_and_escapes() {
        let ct = ContentType::parse(r#"application/pkcs7-mime; name="a;\"b\".p7m""#).unwrap();
        assert_eq!(ct.param("name").as_deref(), Some("a;\"b\".p7m"));
    }

    #[test]
    fn rfc2231_names_are_decoded() {
        let ct = ContentType::parse("application/pkcs7-mime; name*=utf-8''smime%2Ep7m").unwrap();
        assert_eq!(ct.param("name").as_deref(), Some("smime.p7m"));
        let ct = ContentType::parse("application/pkcs7-mime; name*0=sm; name*1=ime.p7m").unwrap();
        assert_eq!(ct.param("name").as_deref(), Some("smime.p7m"));
    }

    #[test]
    fn headers_unfold_and_bad_lines_fail() {
        let e = Entity::parse(b"Content-Type: text/plain;\r\n charset=utf-8\r\n\r\nbody").unwrap();
        assert_eq!(e.content_type().param("charset").as_deref(), Some("utf-8"));
        assert_eq!(e.body, b"body");
        assert!(Entity::parse(b"no colon here\r\n\r\nbody").is_err());
        assert!(Entity::parse(b" continuation first\r\n\r\n").is_err());
    }
}
