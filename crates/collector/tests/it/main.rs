//! collector integration tests: whole messages through [`collector::Collector`], with the
//! loopback test DNS for DKIM, a temporary directory store and the fixed instant.
#![allow(clippy::unwrap_used, missing_docs, unreachable_pub)]

mod addresses;
