//! The store's address rule, applied to every address a client names.
//!
//! TEMPORARY: this is the rule of the hardening issue (11), which the `smime-address`
//! crate (`smime_address::normalize`) brings to the whole workspace. Until it lands on
//! main, [`normalize_address`] is the one place here that applies it; the coordinator
//! swaps this single call for `smime_address::normalize`.
//!
//! The rule:
//! - the domain goes through IDNA (UTS 46, STD3 rules: letters, digits, hyphens) to
//!   A-labels, then ASCII lower case;
//! - the local part must already be in Unicode NFC (the Kelvin sign U+212A, U+1FEF and
//!   NFD forms are refused, never mapped), and only its ASCII letters are lower-cased:
//!   no other character is case-folded or mapped, so two different mailboxes never
//!   share a key;
//! - a quoted local part (`"a b"@example.com`) is compared in its unquoted form.

use unicode_normalization::is_nfc;

/// Longest address accepted, in bytes (RFC 5321 allows 64 + 1 + 255; quoting and
/// UTF-8 local parts get some room).
pub const MAX_ADDRESS_BYTES: usize = 512;

/// Why a string is not an address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AddressError {
    /// Longer than [`MAX_ADDRESS_BYTES`].
    #[error("the address is longer than {MAX_ADDRESS_BYTES} bytes")]
    TooLong,
    /// No `@`.
    #[error("the address has no @")]
    NoAt,
    /// Nothing before the `@`.
    #[error("the address has an empty local part")]
    EmptyLocalPart,
    /// A control character (C0, DEL, C1) anywhere.
    #[error("the address contains a control character")]
    ControlCharacter,
    /// A quoted local part that is not a well-formed quoted string.
    #[error("the quoted local part is not well formed")]
    BadQuoting,
    /// The local part is not in Unicode NFC.
    #[error("the local part is not in Unicode normalization form C")]
    LocalPartNotNfc,
    /// The domain is empty or IDNA refuses it.
    #[error("the domain is not a valid domain name")]
    BadDomain,
}

/// The normalised form of `address` (the store's key), or why it is not an address.
///
/// ```
/// use smime_directory::normalize_address;
/// assert_eq!(normalize_address("Alice@Example.COM")?, "alice@example.com");
/// assert_eq!(normalize_address("Jörg@Bücher.de")?, "jörg@xn--bcher-kva.de");
/// assert_eq!(normalize_address("\"A B\"@example.com")?, "a b@example.com");
/// assert!(normalize_address("\u{212A}ate@example.com").is_err()); // Kelvin sign
/// # Ok::<(), smime_directory::AddressError>(())
/// ```
///
/// # Errors
/// [`AddressError`] naming the first rule the string breaks.
pub fn normalize_address(address: &str) -> Result<String, AddressError> {
    if address.len() > MAX_ADDRESS_BYTES {
        return Err(AddressError::TooLong);
    }
    if address.chars().any(char::is_control) {
        return Err(AddressError::ControlCharacter);
    }
    let (local, domain) = address.rsplit_once('@').ok_or(AddressError::NoAt)?;
    let local = unquote(local)?;
    if local.is_empty() {
        return Err(AddressError::EmptyLocalPart);
    }
    if !is_nfc(&local) {
        return Err(AddressError::LocalPartNotNfc);
    }
    if domain.is_empty() {
        return Err(AddressError::BadDomain);
    }
    let domain = idna::domain_to_ascii_strict(domain).map_err(|_| AddressError::BadDomain)?;
    if domain.is_empty() {
        return Err(AddressError::BadDomain);
    }
    Ok(format!(
        "{}@{}",
        local.to_ascii_lowercase(),
        domain.to_ascii_lowercase()
    ))
}

/// The local part without its quotes and quoted-pair backslashes (RFC 5322
/// quoted-string); an unquoted local part is returned as it is.
fn unquote(local: &str) -> Result<String, AddressError> {
    let Some(inner) = local
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
    else {
        if local.starts_with('"') {
            return Err(AddressError::BadQuoting);
        }
        return Ok(local.to_string());
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next().ok_or(AddressError::BadQuoting)?),
            '"' => return Err(AddressError::BadQuoting),
            c => out.push(c),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_letters_are_lower_cased_everywhere() {
        assert_eq!(
            normalize_address("Alice.Smith@Example.COM").unwrap(),
            "alice.smith@example.com"
        );
    }

    #[test]
    fn kelvin_sign_and_u1fef_are_refused_not_mapped() {
        for bad in ["\u{212A}ate@example.com", "a\u{1FEF}b@example.com"] {
            assert_eq!(
                normalize_address(bad),
                Err(AddressError::LocalPartNotNfc),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn nfd_local_part_is_refused_nfc_accepted() {
        assert_eq!(
            normalize_address("jo\u{0308}rg@example.com"),
            Err(AddressError::LocalPartNotNfc)
        );
        assert_eq!(
            normalize_address("j\u{00F6}rg@example.com").unwrap(),
            "j\u{00F6}rg@example.com"
        );
    }

    #[test]
    fn non_ascii_letters_keep_their_case() {
        // Turkish dotted capital I, Cyrillic and fullwidth letters: distinct keys.
        assert_eq!(
            normalize_address("\u{0130}i@example.com").unwrap(),
            "\u{0130}i@example.com"
        );
        assert_ne!(
            normalize_address("\u{0430}lice@example.com").unwrap(),
            normalize_address("alice@example.com").unwrap()
        );
        assert_eq!(
            normalize_address("\u{FF21}b@example.com").unwrap(),
            "\u{FF21}b@example.com"
        );
    }

    #[test]
    fn idn_domain_in_u_labels_and_a_labels_is_one_key() {
        let u = normalize_address("info@B\u{00FC}cher.de").unwrap();
        let a = normalize_address("info@xn--bcher-kva.DE").unwrap();
        assert_eq!(u, "info@xn--bcher-kva.de");
        assert_eq!(u, a);
    }

    #[test]
    fn quoted_local_parts_compare_unquoted() {
        assert_eq!(
            normalize_address("\"A,B\\\"c\"@example.com").unwrap(),
            "a,b\"c@example.com"
        );
        assert_eq!(
            normalize_address("\"a\"b\"@example.com"),
            Err(AddressError::BadQuoting)
        );
        assert_eq!(
            normalize_address("\"ab@example.com"),
            Err(AddressError::BadQuoting)
        );
    }

    #[test]
    fn domains_follow_std3_rules() {
        for bad in [
            "a@exa mple.com",
            "a@exa_mple.com",
            "a@example..com",
            "a@-x.com",
        ] {
            assert_eq!(
                normalize_address(bad),
                Err(AddressError::BadDomain),
                "{bad:?}"
            );
        }
        assert_eq!(normalize_address("a@x-y.example").unwrap(), "a@x-y.example");
    }

    #[test]
    fn non_addresses_are_refused() {
        assert_eq!(normalize_address("alice"), Err(AddressError::NoAt));
        assert_eq!(
            normalize_address("@example.com"),
            Err(AddressError::EmptyLocalPart)
        );
        assert_eq!(normalize_address("alice@"), Err(AddressError::BadDomain));
        assert_eq!(
            normalize_address("al\nice@example.com"),
            Err(AddressError::ControlCharacter)
        );
        let long = format!("{}@example.com", "a".repeat(MAX_ADDRESS_BYTES));
        assert_eq!(normalize_address(&long), Err(AddressError::TooLong));
    }
}
