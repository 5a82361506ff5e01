//! cert-policy
