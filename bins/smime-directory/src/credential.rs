//! Secrets the directory checks: the HTTP bearer token and the LDAP bind password.
//! Both are compared in constant time and never shown by `Debug`.

use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

/// A shared secret. Compared after hashing both sides with SHA-256, so neither the
/// content nor the length of the secret shows in the comparison's timing.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret; `None` for an empty one (which would protect nothing).
    pub fn new(secret: impl Into<String>) -> Option<Secret> {
        let secret = secret.into();
        (!secret.is_empty()).then_some(Secret(secret))
    }

    /// Whether `presented` is this secret, in constant time.
    pub fn matches(&self, presented: &[u8]) -> bool {
        let expected = Sha256::digest(self.0.as_bytes());
        let presented = Sha256::digest(presented);
        expected.ct_eq(&presented).into()
    }

    /// Whether an `Authorization` header value is `Bearer <this secret>` (the scheme
    /// case-insensitive, RFC 7235).
    pub fn matches_bearer(&self, header: &[u8]) -> bool {
        let presented = match header.get(..7) {
            Some(scheme) if scheme.eq_ignore_ascii_case(b"bearer ") => &header[7..],
            // Still hash something, so a missing scheme takes the same time.
            _ => &[][..],
        };
        self.matches(presented) && !presented.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_secret() {
        let s = Secret::new("t0p s3cr3t").unwrap();
        assert!(!format!("{s:?}").contains("s3cr3t"));
    }

    #[test]
    fn matches_only_the_same_bytes() {
        let s = Secret::new("t0p s3cr3t").unwrap();
        assert!(s.matches(b"t0p s3cr3t"));
        assert!(!s.matches(b"t0p s3cr3t "));
        assert!(!s.matches(b""));
        assert!(Secret::new("").is_none());
    }

    #[test]
    fn bearer_scheme_is_required_and_case_insensitive() {
        let s = Secret::new("abc").unwrap();
        assert!(s.matches_bearer(b"Bearer abc"));
        assert!(s.matches_bearer(b"bearer abc"));
        assert!(!s.matches_bearer(b"abc"));
        assert!(!s.matches_bearer(b"Basic abc"));
        assert!(!s.matches_bearer(b"Bearer abcd"));
        assert!(!s.matches_bearer(b"Bearer"));
    }
}
