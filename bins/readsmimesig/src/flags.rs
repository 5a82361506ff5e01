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
    #[arg(required_unless_present = "export_to", value_name = "INPUT")]
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
}
