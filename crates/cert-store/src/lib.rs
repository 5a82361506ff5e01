//! cert-store
