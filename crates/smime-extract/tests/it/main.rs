//! Integration tests of smime-extract (one binary).
#![allow(clippy::unwrap_used)] // helpers outside #[test] functions panic on purpose

mod checks;
mod fixtures;
mod interop;
mod robustness;
