//! End-to-end tests of smime-webhook: the built binary on a loopback port with a
//! temporary config and store (and a loopback DNS server where DKIM is on), spoken to
//! over real HTTP and HTTPS; plus in-process tests of the limits through the library.

#![allow(clippy::unwrap_used)]

mod client;
mod codes;
mod limits;
mod pipeline;
mod postgres;
mod shutdown;
mod support;
mod tls;
