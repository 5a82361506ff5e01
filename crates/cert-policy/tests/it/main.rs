//! cert-policy integration tests: certificates generated in-test by test-support, checked
//! at the fixed instant.
#![allow(clippy::unwrap_used)] // helpers outside #[test] functions unwrap too

mod accepted;
mod codes;
mod common;
mod corpus;
mod paths;
mod pkits;
mod robustness;
mod trust;
