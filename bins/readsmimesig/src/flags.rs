//! Raw command-line flags, exactly as typed (SPEC "readsmimesig"). Nothing but
//! [`crate::args::Args::resolve`] reads them.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

/// readsmimesig: the smime-collector pipeline over .eml files, directories or stdin.
#[derive(Debug, Parser)]
#[command(name = "readsmimesig", version, about)]
pub struct Flags {
    /// An .eml file, a directory (walked recursively for *.eml), or - for stdin.
    #[arg(required_unless_present_any = ["export_to", "check_cert"], value_name = "INPUT")]
    pub inputs: Vec<String>,
    /// The TOML configuration shared with the daemon.
    #[arg(short = 'c', long = "config", value_name = "F")]
    pub config: Option<PathBuf>,
    /// PEM bundle of trust anchors; repeatable; replaces the configured ones.
    #[arg(long = "trust", value_name = "F")]
    pub trust: Vec<PathBuf>,
    /// Store accepted certificates at LOC (a directory, or a postgres:// URL).
    #[arg(long = "store", value_name = "LOC")]
    pub store: Option<String>,
    /// DNS server IP:PORT for DKIM key lookups; repeatable.
    #[arg(long = "dns", value_name = "ADDR")]
    pub dns: Vec<SocketAddr>,
    /// Skip the DKIM gate; every report then carries a warning.
    #[arg(long = "no-dkim")]
    pub no_dkim: bool,
    /// Evaluate certificate validity at TIME (RFC 3339) instead of now.
    #[arg(long = "at", value_name = "TIME")]
    pub at: Option<String>,
    /// JSON Lines on stdout: one report object per message.
    #[arg(long = "json")]
    pub json: bool,
    /// Instead of reading messages: copy the store (`--store` or `store.location`, e.g. a
    /// postgres:// URL) into the directory DIR in the directory layout (`<address>.crt`
    /// with history), for tools that read files.
    #[arg(long = "export-to", value_name = "DIR", conflicts_with = "inputs")]
    pub export_to: Option<PathBuf>,
    /// Instead of reading messages: validate the certificate in LEAF (DER or PEM)
    /// against the trust anchors, print the path, each check and the first that failed;
    /// exit 0 valid, 1 invalid, 2 unreadable.
    #[arg(long = "check-cert", value_name = "LEAF", conflicts_with_all = ["inputs", "export_to"])]
    pub check_cert: Option<PathBuf>,
    /// With --check-cert: a file of candidate intermediates (DER or PEM); repeatable.
    #[arg(long = "chain", value_name = "F", requires = "check_cert")]
    pub chain: Vec<PathBuf>,
    /// With --check-cert: a CRL (DER or PEM); repeatable. With any, every certificate of
    /// the path must be shown good by one of them.
    #[arg(long = "crl", value_name = "F", requires = "check_cert")]
    pub crl: Vec<PathBuf>,
    /// With --check-cert: a policy OID acceptable to you (RFC 5280
    /// user-initial-policy-set); repeatable; default anyPolicy.
    #[arg(long = "policy", value_name = "OID", requires = "check_cert")]
    pub policy: Vec<String>,
    /// With --check-cert: require a valid policy (initial-explicit-policy).
    #[arg(long = "explicit-policy", requires = "check_cert")]
    pub explicit_policy: bool,
    /// With --check-cert: refuse policy mappings (initial-policy-mapping-inhibit).
    #[arg(long = "inhibit-policy-mapping", requires = "check_cert")]
    pub inhibit_policy_mapping: bool,
    /// With --check-cert: do not honour anyPolicy (initial-any-policy-inhibit).
    #[arg(long = "inhibit-any-policy", requires = "check_cert")]
    pub inhibit_any_policy: bool,
    /// With --check-cert: the S/MIME purpose checks (extended key usage, key usage)
    /// decide instead of being reported.
    #[arg(long = "smime", requires = "check_cert")]
    pub smime: bool,
}
