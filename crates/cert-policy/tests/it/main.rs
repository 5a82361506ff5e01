//! cert-policy integration tests: certificates generated in-test by test-support, checked
//! at the fixed instant.
#![allow(clippy::unwrap_used)] // helpers outside #[test] functions unwrap too

mod accepted;
mod addresses;
mod check;
mod codes;
mod common;
mod corpus;
mod ocsp;
mod ocsp_openssl;
mod paths;
mod pkits;
mod revocation;
mod rfc5280;
mod robustness;
mod trust;
