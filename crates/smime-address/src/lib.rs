//! One rule for email addresses, so that the certificate policy's comparison, the From
//! gate and the store key can never disagree about which mailbox an address names.
//!
//! [`normalize`] turns an addr-spec (`local@domain`) into its [`Normalized`] form; two
//! addresses name the same mailbox exactly when their normalised forms are equal, and
//! that form is the key the store files a certificate under. [`mailboxes`] finds the
//! addr-specs in an address header such as `From`.
//!
//! # The rule
//!
//! - **Domain**: IDNA (UTS 46, STD3 rules, DNS lengths, no final dot) to A-labels, then
//!   ASCII lower case: `Bücher.DE` and `xn--bcher-kva.de` are one domain. Address
//!   literals (`[192.0.2.1]`) are refused.
//! - **Local part**: it must already be in Unicode NFC, before and after the next step;
//!   then only the ASCII letters `A`-`Z` are lower-cased. No other character is
//!   case-folded, mapped or normalised: the Kelvin sign `K` (U+212A) and U+1FEF are
//!   refused (NFC would turn them into `K` and a backquote), so is an NFD `jo\u{308}rg`;
//!   `Jörg` and `jörg` are one mailbox but `JÖRG` is another, and so are the Cyrillic
//!   `аlice` and fullwidth `ａlice` (distinct, valid addresses). Lower-casing
//!   non-ASCII letters, or normalising before comparing, is what would let two different
//!   mailboxes share one key.
//! - **Quoted local parts** (`"a b"@example.com`, RFC 5322 quoted-string with
//!   quoted-pairs) are accepted and compared by their content: `"ab"@x` and `ab@x` are
//!   the same mailbox. The normalised form writes the content unquoted when every
//!   character may stand unquoted, else as one quoted-string with `"` and `\` escaped
//!   (`"a b"@example.com`), so it is itself an address and normalises to itself. An
//!   unquoted local part holds `atext`, dots (anywhere: `john..doe`) and non-ASCII
//!   characters other than white space.
//! - **Refused everywhere**: control characters (U+0000 to U+001F and U+007F to U+009F:
//!   NUL, tab, CR, LF, ESC...), quoted or not, and anything over
//!   [`MAX_ADDRESS_BYTES`]. `/` and `..` are ordinary characters of a local part; the
//!   store's file names percent-encode them.
//!
//! Nothing here reads files or the network; errors are [`Error`] values, never panics.
//!
//! ```
//! use smime_address::{Error, normalize};
//! let a = normalize("Kate.Smith@Bücher.DE")?;
//! assert_eq!(a.as_str(), "kate.smith@xn--bcher-kva.de");
//! assert_eq!(a, normalize("kate.smith@xn--BCHER-kva.de")?);
//! // The Kelvin sign is not a K: such a name matches nothing and has no key.
//! assert_eq!(normalize("\u{212A}ate@example.com"), Err(Error::NotNfc));
//! // Non-ASCII letters keep their case.
//! assert_ne!(normalize("jörg@x.de")?, normalize("jÖrg@x.de")?);
//! assert_eq!(normalize(r#""Kate Smith"@example.com"#)?.as_str(), r#""kate smith"@example.com"#);
//! assert_eq!(normalize(r#""kate"@example.com"#)?.as_str(), "kate@example.com");
//! # Ok::<(), Error>(())
//! ```
#![forbid(unsafe_code)]

mod error;
mod header;
mod local;

use idna::uts46::{AsciiDenyList, DnsLength, Hyphens, Uts46};
use unicode_normalization::is_nfc;

pub use error::Error;
pub use header::mailboxes;

/// The longest address [`normalize`] reads, in bytes (RFC 5321 allows 64 + 1 + 255; this
/// leaves room for the long local parts some systems hand out).
pub const MAX_ADDRESS_BYTES: usize = 512;

/// An address in its normalised form: the mailbox's key (see the [crate docs](crate)).
///
/// Equality, ordering and hashing are those of [`Normalized::as_str`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Normalized {
    text: String,
    /// Byte index of the `@` between local part and domain (the last one).
    at: usize,
}

impl Normalized {
    /// The whole normalised address, `local@domain`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The local part as it stands in [`Normalized::as_str`] (quoted when it must be).
    pub fn local(&self) -> &str {
        &self.text[..self.at]
    }

    /// The domain: A-labels, lower case.
    pub fn domain(&self) -> &str {
        &self.text[self.at + 1..]
    }

    /// The normalised address as an owned string.
    pub fn into_string(self) -> String {
        self.text
    }
}

impl std::fmt::Display for Normalized {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl AsRef<str> for Normalized {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

/// The normalised form of an addr-spec (`local@domain`, no display name, no comments,
/// no surrounding white space); see [the rule](crate#the-rule).
///
/// # Errors
/// [`Error::Empty`], [`Error::TooLong`], [`Error::ControlCharacter`], [`Error::NoAt`],
/// [`Error::EmptyLocalPart`], [`Error::UnquotedSpecial`], [`Error::BadQuotedString`],
/// [`Error::NotNfc`], [`Error::DomainLiteral`] or [`Error::BadDomain`].
pub fn normalize(address: &str) -> Result<Normalized, Error> {
    if address.is_empty() {
        return Err(Error::Empty);
    }
    check_length(address)?;
    if let Some(c) = address.chars().find(|c| c.is_control()) {
        return Err(Error::ControlCharacter { code: u32::from(c) });
    }
    let (content, domain) = local::split(address)?;
    let lowered = content.to_ascii_lowercase();
    // Checked after lower-casing too: `J` + U+030C is NFC, `j` + U+030C is not (it
    // composes to U+01F0), and a key must normalise to itself.
    if !is_nfc(&content) || !is_nfc(&lowered) {
        return Err(Error::NotNfc);
    }
    let domain = normalize_domain(domain)?;
    let mut text = local::render(&lowered);
    let at = text.len();
    text.push('@');
    text.push_str(&domain);
    Ok(Normalized { text, at })
}

/// A domain name in the form [`normalize`] gives it: IDNA A-labels (UTS 46, STD3 rules,
/// DNS lengths, no final dot), ASCII lower case. Name constraints compare domains in
/// this form.
///
/// ```
/// assert_eq!(smime_address::normalize_domain("Bücher.DE")?, "xn--bcher-kva.de");
/// assert!(smime_address::normalize_domain("example.com.").is_err());
/// # Ok::<(), smime_address::Error>(())
/// ```
///
/// # Errors
/// [`Error::TooLong`], [`Error::DomainLiteral`] or [`Error::BadDomain`].
pub fn normalize_domain(domain: &str) -> Result<String, Error> {
    check_length(domain)?;
    if domain.starts_with('[') {
        return Err(Error::DomainLiteral {
            domain: domain.to_owned(),
        });
    }
    let bad = || Error::BadDomain {
        domain: domain.to_owned(),
    };
    if domain.is_empty() {
        return Err(bad());
    }
    let ascii = Uts46::new()
        .to_ascii(
            domain.as_bytes(),
            AsciiDenyList::STD3,
            Hyphens::CheckFirstLast,
            DnsLength::Verify,
        )
        .map_err(|_| bad())?;
    Ok(ascii.to_ascii_lowercase())
}

fn check_length(s: &str) -> Result<(), Error> {
    if s.len() > MAX_ADDRESS_BYTES {
        return Err(Error::TooLong {
            len: s.len(),
            max: MAX_ADDRESS_BYTES,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(address: &str) -> String {
        normalize(address)
            .unwrap_or_else(|e| panic!("{address:?}: {e}"))
            .into_string()
    }

    #[test]
    fn ascii_letters_are_lower_cased_in_both_parts() {
        assert_eq!(key("Alice.Smith@Example.COM"), "alice.smith@example.com");
        assert_eq!(key("ALICE@example.com"), key("alice@EXAMPLE.com"));
    }

    #[test]
    fn the_kelvin_sign_and_u1fef_are_not_nfc() {
        assert_eq!(normalize("\u{212A}ate@example.com"), Err(Error::NotNfc));
        assert_eq!(normalize("a\u{1FEF}b@example.com"), Err(Error::NotNfc));
        assert_ne!(
            normalize("Kate@example.com"),
            normalize("\u{212A}ate@example.com")
        );
    }

    #[test]
    fn nfd_is_refused_and_nfc_kept() {
        assert_eq!(normalize("jo\u{308}rg@example.com"), Err(Error::NotNfc));
        assert_eq!(key("j\u{f6}rg@example.com"), "j\u{f6}rg@example.com");
        // NFC before lower-casing but not after.
        assert_eq!(normalize("J\u{30C}@example.com"), Err(Error::NotNfc));
    }

    #[test]
    fn non_ascii_letters_keep_their_case() {
        // Turkish dotted capital I: not lower-cased, not mapped.
        assert_eq!(
            key("\u{130}stanbul@example.com"),
            "\u{130}stanbul@example.com"
        );
        assert_ne!(key("\u{130}@example.com"), key("i@example.com"));
        assert_ne!(key("J\u{d6}RG@x.de"), key("j\u{f6}rg@x.de"));
        assert_eq!(key("J\u{f6}rg@x.de"), key("j\u{f6}rg@x.de"));
    }

    #[test]
    fn look_alikes_are_distinct_valid_addresses() {
        let latin = key("alice@example.com");
        let cyrillic = key("\u{430}lice@example.com");
        let fullwidth = key("\u{ff41}lice@example.com");
        assert_ne!(latin, cyrillic);
        assert_ne!(latin, fullwidth);
        assert_ne!(cyrillic, fullwidth);
        // Fullwidth capitals are not lower-cased either.
        assert_ne!(key("\u{ff21}@example.com"), key("\u{ff41}@example.com"));
    }

    #[test]
    fn idn_domains_become_a_labels() {
        assert_eq!(key("k@B\u{fc}cher.DE"), "k@xn--bcher-kva.de");
        assert_eq!(key("k@XN--bcher-KVA.de"), "k@xn--bcher-kva.de");
        assert_eq!(key("用户@例子.广告"), "用户@xn--fsqu00a.xn--4rr70v");
        for bad in [
            "a@",
            "a@b..c",
            "a@-x.com",
            "a@x_y.com",
            "a@example.com.",
            "a@xn--zz.com",
        ] {
            assert!(
                matches!(normalize(bad), Err(Error::BadDomain { .. })),
                "{bad:?}"
            );
        }
        assert!(matches!(
            normalize("a@[192.0.2.1]"),
            Err(Error::DomainLiteral { .. })
        ));
    }

    #[test]
    fn quoted_local_parts_compare_by_content() {
        assert_eq!(key("\"A B\"@example.com"), "\"a b\"@example.com");
        assert_eq!(key("\"ab\"@example.com"), key("ab@example.com"));
        assert_eq!(key("\"a\\b\"@x"), "ab@x");
        assert_eq!(key("\"a@b\"@x"), "\"a@b\"@x");
        assert_ne!(key("\"a b\"@x"), key("\"a  b\"@x"));
    }

    #[test]
    fn controls_are_refused_quoted_or_not() {
        for (bad, code) in [
            ("a\0@x", 0),
            ("\"a\tb\"@x", 9),
            ("\"a\\\nb\"@x", 10),
            ("a\u{1b}[31m@x", 0x1b),
            ("a\u{7f}@x", 0x7f),
            ("a\u{85}@x", 0x85),
        ] {
            assert_eq!(
                normalize(bad),
                Err(Error::ControlCharacter { code }),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn the_normalised_form_normalises_to_itself() {
        for address in [
            "Alice@Example.COM",
            "\"Kate Smith\"@example.com",
            "\"a\\\"b\"@x",
            "j\u{f6}rg@B\u{fc}cher.de",
            "../etc/passwd@x",
            "john..doe.@x",
            "\u{130}@x",
        ] {
            let once = normalize(address).unwrap();
            assert_eq!(normalize(once.as_str()).unwrap(), once, "{address:?}");
            let (local, domain) = (once.local(), once.domain());
            assert_eq!(format!("{local}@{domain}"), once.as_str());
        }
    }

    #[test]
    fn size_is_bounded() {
        let long = format!("{}@x", "a".repeat(MAX_ADDRESS_BYTES));
        assert!(matches!(normalize(&long), Err(Error::TooLong { .. })));
        assert_eq!(normalize(""), Err(Error::Empty));
    }
}
