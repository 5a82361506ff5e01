//! The store's address rule, applied to every address a client names: exactly
//! [`smime_address::normalize`], the one function the policy and the store key use, so a
//! lookup finds what the collector stored and nothing else.

/// Why a string is not an address (the address rule's error).
pub type AddressError = smime_address::Error;

/// The normalised form of `address` (the store's key), or why it is not an address.
///
/// ```
/// use smime_directory::normalize_address;
/// assert_eq!(normalize_address("Alice@Example.COM")?, "alice@example.com");
/// assert_eq!(normalize_address("Jörg@Bücher.de")?, "jörg@xn--bcher-kva.de");
/// assert!(normalize_address("\u{212A}ate@example.com").is_err()); // Kelvin sign
/// # Ok::<(), smime_directory::AddressError>(())
/// ```
///
/// # Errors
/// [`AddressError`] naming the first rule the string breaks.
pub fn normalize_address(address: &str) -> Result<String, AddressError> {
    smime_address::normalize(address).map(|n| n.as_str().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The directory must answer under the same key the store writes: spot checks of the
    /// cases the directory's clients type (the rule itself is tested in smime-address).
    #[test]
    fn lookups_use_the_store_key() {
        assert_eq!(
            normalize_address("Alice.Smith@Example.COM").unwrap(),
            "alice.smith@example.com"
        );
        assert_eq!(
            normalize_address("info@B\u{00FC}cher.de").unwrap(),
            normalize_address("info@xn--bcher-kva.DE").unwrap()
        );
        assert_eq!(
            normalize_address("\"A B\"@example.com").unwrap(),
            "\"a b\"@example.com"
        );
        for bad in [
            "\u{212A}ate@example.com",
            "jo\u{0308}rg@example.com",
            "alice",
            "al\nice@example.com",
            "a@exa mple.com",
        ] {
            assert!(normalize_address(bad).is_err(), "{bad:?}");
        }
    }
}
