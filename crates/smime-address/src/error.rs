//! The one error type of smime-address.

/// Why a string is not an address this crate accepts, or a header holds no address list.
///
/// `Display` is one readable clause that callers append to their own sentence
/// ("the From mailbox \"…\" is not an address: {error}").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The empty string.
    #[error("it is empty")]
    Empty,

    /// Longer than [`crate::MAX_ADDRESS_BYTES`].
    #[error("it is {len} bytes long, over the limit of {max}")]
    TooLong {
        /// Its length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },

    /// No `@` separates a local part from a domain.
    #[error("it has no @ between a local part and a domain")]
    NoAt,

    /// Nothing before the `@`.
    #[error("its local part (before the @) is empty")]
    EmptyLocalPart,

    /// A control character (U+0000 to U+001F, U+007F to U+009F: NUL, tab, CR, LF, ESC...)
    /// anywhere, quoted or not.
    #[error("it contains the control character U+{code:04X}")]
    ControlCharacter {
        /// The code point.
        code: u32,
    },

    /// A character that an unquoted local part may not hold (space, `"`, `(`, `,`, `:`,
    /// `;`, `<`, `>`, `@`, `[`, `\`, `]`, or non-ASCII white space).
    #[error("its local part contains {ch:?}, which is only allowed inside a quoted string")]
    UnquotedSpecial {
        /// The character.
        ch: char,
    },

    /// A local part that starts with `"` but is not one RFC 5322 quoted-string.
    #[error("its quoted local part is malformed: {detail}")]
    BadQuotedString {
        /// What is wrong.
        detail: &'static str,
    },

    /// The local part is not in Unicode NFC: it holds a character that normalisation would
    /// replace (the Kelvin sign U+212A becomes `K`, U+1FEF a backquote) or a decomposed
    /// sequence. Comparing such a name after normalising it would let two different
    /// mailboxes share one key, so it matches nothing.
    #[error(
        "its local part is not in Unicode NFC (it holds a character, such as the Kelvin sign \
         U+212A, or a decomposed sequence, that normalisation turns into another)"
    )]
    NotNfc,

    /// A domain literal (`[192.0.2.1]`); only domain names are supported.
    #[error("its domain {domain:?} is an address literal; only domain names are accepted")]
    DomainLiteral {
        /// The domain as written.
        domain: String,
    },

    /// The domain is not a host name under IDNA (UTS 46, STD3 rules: letters, digits and
    /// hyphens, labels of 1 to 63 bytes, at most 253 bytes, no final dot).
    #[error("its domain {domain:?} is not a valid (internationalised) host name")]
    BadDomain {
        /// The domain as written.
        domain: String,
    },

    /// A header value that is not an RFC 5322 address list.
    #[error("the header is not an address list: {detail}")]
    HeaderSyntax {
        /// What is wrong.
        detail: &'static str,
    },
}
