//! End-to-end tests: the built `readsmimesig` binary over the generated fixtures, with a
//! loopback DNS server for DKIM, a temporary store, and the fixed evaluation time.
#![allow(clippy::unwrap_used, missing_docs, unreachable_pub)]

mod check_cert;
mod corpus;
mod fixtures;
mod util;
