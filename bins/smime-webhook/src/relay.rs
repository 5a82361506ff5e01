//! The SparkPost relay webhook batch, as serde types for the documented fields.
//!
//! A relay webhook POSTs a JSON array of events, each
//! `{"msys": {"relay_message": {...}}}`. SparkPost sends one message per POST, but the
//! array may hold several and every one is processed. Fields the documentation lists
//! are typed; any other field is ignored, so that a new SparkPost field never makes a
//! batch undeliverable. Only `content.email_rfc822` is required: it is the message the
//! pipeline reads (base64 when `content.email_rfc822_is_base64` is true, which SparkPost
//! sets when the message is not valid UTF-8).

use std::borrow::Cow;
use std::fmt;

use base64::Engine as _;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

/// Why a request body is not a relay batch (answered with 400).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RelayError {
    /// The body is not JSON, or not an array of relay events.
    #[error("the request body is not a relay batch: {0}")]
    NotABatch(#[from] serde_json::Error),
    /// `email_rfc822_is_base64` is true, but `email_rfc822` is not base64.
    #[error(
        "message {index} of the batch has email_rfc822_is_base64 set but its content is not base64"
    )]
    BadBase64 {
        /// Position of the message in the batch, from 0.
        index: usize,
    },
}

/// One relay webhook batch: the JSON array SparkPost POSTs.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct RelayBatch {
    /// The events, in the order they were sent.
    pub events: Vec<RelayEvent>,
}

impl RelayBatch {
    /// Parses a request body. Nesting cannot exhaust the stack: the typed fields are
    /// shallow (anything deeper is a type error, and serde_json stops recursing at 128
    /// anyway), and serde_json skips unknown fields iteratively.
    ///
    /// # Errors
    /// [`RelayError::NotABatch`] when the body is not a JSON array of relay events.
    pub fn from_slice(body: &[u8]) -> Result<Self, RelayError> {
        Ok(serde_json::from_slice(body)?)
    }

    /// The number of messages in the batch.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Whether the batch holds no message.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}

/// One element of the batch.
#[derive(Debug, Deserialize)]
pub struct RelayEvent {
    /// The SparkPost event wrapper.
    pub msys: Msys,
}

/// The `msys` wrapper of a relay event.
#[derive(Debug, Deserialize)]
pub struct Msys {
    /// The relayed message.
    pub relay_message: RelayMessage,
}

/// A relayed inbound message with its envelope.
#[derive(Debug, Deserialize)]
pub struct RelayMessage {
    /// The message content.
    pub content: RelayContent,
    /// The SparkPost customer (a string or a number in the wild).
    #[serde(default, deserialize_with = "string_or_number")]
    pub customer_id: Option<String>,
    /// The From header's address, as SparkPost read it.
    #[serde(default)]
    pub friendly_from: Option<String>,
    /// The envelope sender (SMTP MAIL FROM).
    #[serde(default)]
    pub msg_from: Option<String>,
    /// The envelope recipient (SMTP RCPT TO).
    #[serde(default)]
    pub rcpt_to: Option<String>,
    /// The relay webhook that delivered the message.
    #[serde(default, deserialize_with = "string_or_number")]
    pub webhook_id: Option<String>,
    /// `SMTP` or `ESMTP`.
    #[serde(default)]
    pub protocol: Option<String>,
}

/// The `content` object of a relay message.
#[derive(Debug, Deserialize)]
pub struct RelayContent {
    /// The whole message as received (base64 when [`Self::email_rfc822_is_base64`]).
    pub email_rfc822: String,
    /// Whether `email_rfc822` is base64.
    #[serde(default)]
    pub email_rfc822_is_base64: bool,
    /// The top-level header fields as `(name, value)` pairs, in order (SparkPost sends
    /// an array of one-key objects).
    #[serde(default, deserialize_with = "header_list")]
    pub headers: Vec<(String, String)>,
    /// The Subject.
    #[serde(default)]
    pub subject: Option<String>,
    /// The text/plain body, if any.
    #[serde(default)]
    pub text: Option<String>,
    /// The text/html body, if any.
    #[serde(default)]
    pub html: Option<String>,
    /// The addresses of the To header.
    #[serde(default)]
    pub to: Option<Vec<String>>,
}

impl RelayMessage {
    /// The raw RFC 5322 message, decoded from base64 when SparkPost encoded it.
    /// Whitespace inside the base64 (line breaks) is tolerated.
    ///
    /// # Errors
    /// [`RelayError::BadBase64`] (with `index`) when the content does not decode.
    pub fn raw_message(&self, index: usize) -> Result<Cow<'_, [u8]>, RelayError> {
        let content = &self.content.email_rfc822;
        if !self.content.email_rfc822_is_base64 {
            return Ok(Cow::Borrowed(content.as_bytes()));
        }
        let compact: Vec<u8> = content
            .bytes()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        base64::engine::general_purpose::STANDARD
            .decode(compact)
            .map(Cow::Owned)
            .map_err(|_| RelayError::BadBase64 { index })
    }
}

impl RelayContent {
    /// [`RelayMessage::raw_message`], consuming the content: plain content is handed
    /// over without a copy, base64 is decoded and its text freed.
    ///
    /// # Errors
    /// [`RelayError::BadBase64`] (with `index`) when the content does not decode.
    pub fn into_raw_message(self, index: usize) -> Result<Vec<u8>, RelayError> {
        if !self.email_rfc822_is_base64 {
            return Ok(self.email_rfc822.into_bytes());
        }
        let compact: Vec<u8> = self
            .email_rfc822
            .bytes()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        drop(self.email_rfc822);
        base64::engine::general_purpose::STANDARD
            .decode(compact)
            .map_err(|_| RelayError::BadBase64 { index })
    }
}

fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string, a number or null")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(v.to_owned()))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(V)
}

fn header_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, String)>, D::Error> {
    struct Fields;
    impl<'de> Visitor<'de> for Fields {
        type Value = Vec<(String, String)>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an array of {\"Name\": \"value\"} objects")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(Field(pairs)) = seq.next_element::<Field>()? {
                out.extend(pairs);
            }
            Ok(out)
        }
    }
    struct Field(Vec<(String, String)>);
    impl<'de> Deserialize<'de> for Field {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct One;
            impl<'de> Visitor<'de> for One {
                type Value = Field;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a {\"Name\": \"value\"} object")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Field, A::Error> {
                    let mut pairs = Vec::new();
                    while let Some(pair) = map.next_entry::<String, String>()? {
                        pairs.push(pair);
                    }
                    Ok(Field(pairs))
                }
            }
            d.deserialize_map(One)
        }
    }
    d.deserialize_any(Fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"[{"msys":{"relay_message":{
        "content":{"email_rfc822":"From: a@example.com\r\n\r\nhi\r\n","email_rfc822_is_base64":false,
            "headers":[{"From":"a@example.com"},{"Subject":"hi"}],"html":null,"subject":"hi",
            "text":"hi\r\n","to":["secureme@inbound.example.com"]},
        "customer_id":"1337","friendly_from":"a@example.com","msg_from":"bounce@example.com",
        "rcpt_to":"secureme@inbound.example.com","webhook_id":"4839201967643219","protocol":"ESMTP",
        "some_future_field":{"nested":[1,2,3]}}}}]"#;

    #[test]
    fn documented_fields_parse() {
        let batch = RelayBatch::from_slice(SAMPLE.as_bytes()).unwrap();
        assert_eq!(batch.len(), 1);
        let m = &batch.events[0].msys.relay_message;
        assert_eq!(m.customer_id.as_deref(), Some("1337"));
        assert_eq!(m.webhook_id.as_deref(), Some("4839201967643219"));
        assert_eq!(m.rcpt_to.as_deref(), Some("secureme@inbound.example.com"));
        assert_eq!(m.content.headers[1], ("Subject".into(), "hi".into()));
        assert_eq!(
            &*m.raw_message(0).unwrap(),
            b"From: a@example.com\r\n\r\nhi\r\n"
        );
    }

    #[test]
    fn the_sample_request_parses() {
        let sample = include_str!("../examples/relay-batch.json");
        let batch = RelayBatch::from_slice(sample.as_bytes()).unwrap();
        let m = &batch.events[0].msys.relay_message;
        assert_eq!(m.content.headers.len(), 7);
        assert!(
            m.raw_message(0)
                .unwrap()
                .starts_with(b"From: Alice <alice@example.com>\r\n")
        );
    }

    #[test]
    fn numeric_ids_are_accepted() {
        let body = r#"[{"msys":{"relay_message":{"customer_id":42,"webhook_id":7,
            "content":{"email_rfc822":"x"}}}}]"#;
        let batch = RelayBatch::from_slice(body.as_bytes()).unwrap();
        let m = &batch.events[0].msys.relay_message;
        assert_eq!(m.customer_id.as_deref(), Some("42"));
        assert_eq!(m.webhook_id.as_deref(), Some("7"));
    }

    #[test]
    fn base64_content_is_decoded_across_line_breaks() {
        let body = r#"[{"msys":{"relay_message":{"content":{
            "email_rfc822":"RnJvbTog\r\nYUBleGFtcGxlLmNvbQ0KDQr/","email_rfc822_is_base64":true}}}}]"#;
        let batch = RelayBatch::from_slice(body.as_bytes()).unwrap();
        let raw = batch.events[0].msys.relay_message.raw_message(0).unwrap();
        assert_eq!(&*raw, b"From: a@example.com\r\n\r\n\xff");
    }

    #[test]
    fn into_raw_message_is_raw_message() {
        for body in [
            SAMPLE.to_string(),
            r#"[{"msys":{"relay_message":{"content":{"email_rfc822":"RnJvbTog\r\nYQ==","email_rfc822_is_base64":true}}}}]"#.to_string(),
        ] {
            let batch = RelayBatch::from_slice(body.as_bytes()).unwrap();
            let m = batch.events.into_iter().next().unwrap().msys.relay_message;
            let borrowed = m.raw_message(0).unwrap().into_owned();
            assert_eq!(m.content.into_raw_message(0).unwrap(), borrowed);
        }
        let bad = r#"[{"msys":{"relay_message":{"content":{"email_rfc822":"*","email_rfc822_is_base64":true}}}}]"#;
        let batch = RelayBatch::from_slice(bad.as_bytes()).unwrap();
        let m = batch.events.into_iter().next().unwrap().msys.relay_message;
        assert!(matches!(
            m.content.into_raw_message(5),
            Err(RelayError::BadBase64 { index: 5 })
        ));
    }

    #[test]
    fn bad_base64_is_an_error() {
        let body = r#"[{"msys":{"relay_message":{"content":{
            "email_rfc822":"not base64!","email_rfc822_is_base64":true}}}}]"#;
        let batch = RelayBatch::from_slice(body.as_bytes()).unwrap();
        let err = batch.events[0]
            .msys
            .relay_message
            .raw_message(3)
            .unwrap_err();
        assert!(matches!(err, RelayError::BadBase64 { index: 3 }));
    }

    #[test]
    fn not_a_batch() {
        for body in [
            "",
            "{}",
            "[{}]",
            r#"[{"msys":{}}]"#,
            r#"[{"msys":{"relay_message":{"content":{}}}}]"#,
            r#"[{"msys":{"relay_message":{"content":{"email_rfc822":"x","headers":[1]}}}}]"#,
            "not json",
        ] {
            assert!(
                matches!(
                    RelayBatch::from_slice(body.as_bytes()),
                    Err(RelayError::NotABatch(_))
                ),
                "{body}"
            );
        }
    }

    /// Nesting is bounded without a stack to overflow: ignored fields are skipped
    /// iteratively by serde_json, and typed fields are at most a few levels deep, so
    /// anything deeper there is a type error.
    #[test]
    fn deep_nesting_neither_overflows_nor_passes_in_typed_fields() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let ignored = format!(
            r#"[{{"msys":{{"relay_message":{{"content":{{"email_rfc822":"x"}},"x":{deep}}}}}}}]"#
        );
        assert_eq!(RelayBatch::from_slice(ignored.as_bytes()).unwrap().len(), 1);
        let typed = format!(
            r#"[{{"msys":{{"relay_message":{{"content":{{"email_rfc822":"x","headers":{deep}}}}}}}}}]"#
        );
        assert!(RelayBatch::from_slice(typed.as_bytes()).is_err());
        assert!(RelayBatch::from_slice(deep.as_bytes()).is_err());
    }

    #[test]
    fn empty_batch_is_a_batch() {
        assert!(RelayBatch::from_slice(b"[]").unwrap().is_empty());
    }
}
