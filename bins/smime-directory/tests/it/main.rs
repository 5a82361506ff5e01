//! Integration tests of smime-directory: the servers on loopback port 0, queried with
//! real clients (hyper, curl, ldapsearch, the ldap3 crate), and the binary itself.

#![allow(clippy::unwrap_used)]

mod binary;
mod http;
mod ldap;
mod ldapsearch;
mod pdus;
mod support;
