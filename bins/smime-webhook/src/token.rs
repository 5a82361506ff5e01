//! The shared secret SparkPost sends in `X-MessageSystems-Webhook-Token`.

use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

/// The request header that carries the token.
pub const TOKEN_HEADER: &str = "x-messagesystems-webhook-token";

/// The configured webhook token. Its `Debug` never shows the value, and it is compared
/// in constant time: both sides are hashed with SHA-256 first, so that neither the
/// content nor the length of the secret shows in the comparison's timing.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    /// Wraps a token; `None` for an empty one (which would protect nothing).
    pub fn new(secret: impl Into<String>) -> Option<Token> {
        let secret = secret.into();
        (!secret.is_empty()).then_some(Token(secret))
    }

    /// Whether `presented` (the raw header value) is this token.
    pub fn matches(&self, presented: &[u8]) -> bool {
        let expected = Sha256::digest(self.0.as_bytes());
        let presented = Sha256::digest(presented);
        expected.ct_eq(&presented).into()
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_secret() {
        let t = Token::new("t0p s3cr3t t0k3n").unwrap();
        assert!(!format!("{t:?}").contains("s3cr3t"));
    }

    #[test]
    fn matches_only_the_same_bytes() {
        let t = Token::new("t0p s3cr3t t0k3n").unwrap();
        assert!(t.matches(b"t0p s3cr3t t0k3n"));
        assert!(!t.matches(b"t0p s3cr3t t0k3n "));
        assert!(!t.matches(b"t0p s3cr3t"));
        assert!(!t.matches(b""));
    }

    #[test]
    fn empty_token_is_refused() {
        assert!(Token::new("").is_none());
    }
}
