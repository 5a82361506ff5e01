//! Integration tests of cert-store (one binary; see the modules).
//!
//! The binary doubles as the child writer process of the crash and concurrency tests:
//! with `CERT_STORE_TEST_CHILD` set, the `child_entry` test runs a writer instead.
#![allow(clippy::unwrap_used, missing_docs, unreachable_pub)]

mod child;
mod concurrent;
mod crash;
mod errors;
mod migrate;
mod names;
mod postgres;
mod put;
mod support;
mod symlinks;

/// Entry point of the child writer processes; does nothing in a normal test run.
#[test]
fn child_entry() {
    child::run_if_requested();
}
