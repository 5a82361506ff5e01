//! Integration tests of dkim-gate against a real DNS server on loopback
//! (`test_support::dns::TestDns`, hickory-server) serving `testdata/dkim/zone.txt`.

#![allow(clippy::unwrap_used)]

mod corpus;
mod fixtures;
mod support;
