//! S/MIME message assembly: `multipart/signed` (either protocol spelling, any quoting),
//! opaque `application/pkcs7-mime`, multipart content with attachments, forwarded
//! `message/rfc822`, and the LF-line-end variant. Headers From/To/Subject/Date/
//! Message-ID have fixed values, so messages are byte-identical on every run.
//!
//! [`write_fixtures`] writes `testdata/messages/<reason>/<case>.eml` for smime-extract
//! (see [`cases`]).

pub mod cases;

pub use cases::write_fixtures;

use base64::Engine as _;

/// Fixed Date header value (one day before [`crate::FIXED_NOW_UNIX`]).
pub const DATE: &str = "Sun, 31 May 2026 00:00:00 +0000";
/// Fixed To address (the collector's invitation address).
pub const TO: &str = "secureme@inbound.example.com";

/// The top header block (CRLF line ends, no trailing blank line).
pub fn headers(from: &str, subject: &str, message_id: &str) -> String {
    format!(
        "From: {from}\r\nTo: {TO}\r\nSubject: {subject}\r\nDate: {DATE}\r\nMessage-ID: <{message_id}>\r\nMIME-Version: 1.0\r\n"
    )
}

/// Base64 in 76-column lines, each ending in CRLF.
pub fn base64_lines(data: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(data);
    let mut out = String::with_capacity(b64.len() + b64.len() / 38);
    for line in b64.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        out.push_str("\r\n");
    }
    out
}

/// A `text/plain` entity (headers and body), CRLF line ends.
pub fn text_part(text: &str) -> Vec<u8> {
    format!(
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n{}",
        text.replace('\n', "\r\n")
    )
    .into_bytes()
}

/// An attachment: content type, file name and bytes (sent base64).
pub struct Attachment<'a> {
    pub content_type: &'a str,
    pub filename: &'a str,
    pub data: &'a [u8],
}

/// A `multipart/mixed` entity: `first` (an entity) then the attachments.
pub fn mixed(boundary: &str, first: &[u8], attachments: &[Attachment<'_>]) -> Vec<u8> {
    let mut out =
        format!("Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n").into_bytes();
    out.extend_from_slice(
        format!("This is a multi-part message in MIME format.\r\n--{boundary}\r\n").as_bytes(),
    );
    out.extend_from_slice(first);
    for a in attachments {
        out.extend_from_slice(
            format!(
                "\r\n--{boundary}\r\nContent-Type: {}; name=\"{}\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"{}\"\r\n\r\n{}",
                a.content_type,
                a.filename,
                a.filename,
                base64_lines(a.data)
            )
            .as_bytes(),
        );
    }
    out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    out
}

/// How the `multipart/signed` Content-Type is written.
#[derive(Clone, Copy, Debug)]
pub enum SignedStyle {
    /// `protocol="application/pkcs7-signature"; micalg=sha-256`, quoted (Thunderbird).
    Standard,
    /// `Protocol=application/x-pkcs7-signature; MICALG=SHA1`, unquoted (older Outlook).
    LegacyX,
}

/// A detached signed message: `content` (an entity) and the CMS bytes `p7s`.
pub fn detached(
    head: &str,
    content: &[u8],
    p7s: &[u8],
    style: SignedStyle,
    micalg: &str,
) -> Vec<u8> {
    let boundary = "----=_smime_boundary_0001";
    let ct = match style {
        SignedStyle::Standard => format!(
            "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg={micalg};\r\n boundary=\"{boundary}\"\r\n"
        ),
        SignedStyle::LegacyX => format!(
            "Content-Type: multipart/signed;\r\n\tProtocol=application/x-pkcs7-signature;\r\n\tMICALG={micalg}; Boundary=\"{boundary}\"\r\n"
        ),
    };
    let sig_type = match style {
        SignedStyle::Standard => "application/pkcs7-signature",
        SignedStyle::LegacyX => "application/x-pkcs7-signature",
    };
    let mut out = format!("{head}{ct}\r\nThis is a cryptographically signed message in MIME format.\r\n\r\n--{boundary}\r\n").into_bytes();
    out.extend_from_slice(content);
    out.extend_from_slice(
        format!(
            "\r\n--{boundary}\r\nContent-Type: {sig_type}; name=\"smime.p7s\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"smime.p7s\"\r\nContent-Description: S/MIME Cryptographic Signature\r\n\r\n{}\r\n--{boundary}--\r\n",
            base64_lines(p7s)
        )
        .as_bytes(),
    );
    out
}

/// How the opaque `application/pkcs7-mime` Content-Type is written.
#[derive(Clone, Copy, Debug)]
pub enum OpaqueStyle {
    /// `application/pkcs7-mime; smime-type=signed-data; name="smime.p7m"`.
    SignedData,
    /// `application/x-pkcs7-mime; name=smime.p7m` without smime-type (older Outlook).
    P7mNameOnly,
    /// `application/pkcs7-mime; smime-type=enveloped-data`.
    EnvelopedData,
}

/// An opaque S/MIME message carrying the CMS bytes `p7m`.
pub fn opaque(head: &str, p7m: &[u8], style: OpaqueStyle) -> Vec<u8> {
    let ct = match style {
        OpaqueStyle::SignedData => {
            "application/pkcs7-mime; smime-type=signed-data; name=\"smime.p7m\""
        }
        OpaqueStyle::P7mNameOnly => "application/x-pkcs7-mime; name=smime.p7m",
        OpaqueStyle::EnvelopedData => {
            "application/pkcs7-mime; smime-type=enveloped-data; name=\"smime.p7m\""
        }
    };
    format!(
        "{head}Content-Type: {ct}\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"smime.p7m\"\r\n\r\n{}",
        base64_lines(p7m)
    )
    .into_bytes()
}

/// A message from `head` forwarding `inner` (a whole message) as `message/rfc822`.
pub fn forwarded(head: &str, note: &str, inner: &[u8]) -> Vec<u8> {
    let boundary = "----=_forward_0001";
    let mut out = format!(
        "{head}Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n--{boundary}\r\n"
    )
    .into_bytes();
    out.extend_from_slice(&text_part(note));
    out.extend_from_slice(
        format!("\r\n--{boundary}\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename=\"forwarded.eml\"\r\n\r\n").as_bytes(),
    );
    out.extend_from_slice(inner);
    out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    out
}

/// The same message with every CRLF turned into LF (as saved by many tools).
pub fn to_lf(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len());
    let mut i = 0;
    while i < message.len() {
        if message[i] == b'\r' && message.get(i + 1) == Some(&b'\n') {
            i += 1;
            continue;
        }
        out.push(message[i]);
        i += 1;
    }
    out
}
