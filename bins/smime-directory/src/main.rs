//! `smime-directory [-c CONFIG] [--http-listen ADDR] [--ldap-listen ADDR] [--ldaps-listen ADDR]`:
//! serves the collected certificates over HTTP and LDAP. Everything but flags, logging,
//! signals and the exit status is in the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use smime_directory::config::FileConfig;
use smime_directory::daemon::Daemon;
use smime_directory::{CancellationToken, init_logging};

/// Serves the S/MIME certificates smime-collector collected, read-only, over HTTP and LDAP.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The TOML configuration shared with the other binaries (its [directory] table).
    #[arg(short = 'c', long = "config", value_name = "CONFIG")]
    config: Option<PathBuf>,
    /// Serve HTTP on ADDR (IP:PORT) instead of directory.http_listen; port 0 picks one.
    #[arg(long, value_name = "ADDR")]
    http_listen: Option<String>,
    /// Serve LDAP on ADDR instead of directory.ldap_listen.
    #[arg(long, value_name = "ADDR")]
    ldap_listen: Option<String>,
    /// Serve LDAPS on ADDR instead of directory.ldaps_listen.
    #[arg(long, value_name = "ADDR")]
    ldaps_listen: Option<String>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let result = tokio::runtime::Runtime::new()
        .map_err(|e| (2, format!("cannot start the runtime: {e}")))
        .and_then(|runtime| runtime.block_on(run(args)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err((code, message)) => {
            eprintln!("smime-directory: {message}");
            ExitCode::from(code)
        }
    }
}

/// Setup failures are exit status 2 (usage), a server failing later 1.
async fn run(args: Args) -> Result<(), (u8, String)> {
    let usage = |e: smime_directory::Error| (2, e.to_string());
    let mut file = match &args.config {
        Some(path) => FileConfig::read(path).map_err(usage)?,
        None => FileConfig::default(),
    };
    let d = &mut file.directory;
    for (flag, key) in [
        (args.http_listen, &mut d.http_listen),
        (args.ldap_listen, &mut d.ldap_listen),
        (args.ldaps_listen, &mut d.ldaps_listen),
    ] {
        if flag.is_some() {
            *key = flag;
        }
    }
    init_logging(file.log.format.as_deref());
    let settings = file.directory.resolve().map_err(usage)?;
    for warning in &settings.warnings {
        tracing::warn!("{warning}");
    }
    let daemon = Daemon::build(settings, &file).map_err(usage)?;
    let listeners = daemon.bind().await.map_err(usage)?;
    tracing::info!(store = %daemon.store, "serving certificates");
    for (scheme, addr) in listeners.describe(daemon.app.is_tls()) {
        tracing::info!("listening on {addr} ({scheme})");
    }
    let shutdown = CancellationToken::new();
    tokio::spawn(cancel_on_signal(shutdown.clone()));
    daemon
        .run(listeners, shutdown)
        .await
        .map_err(|e| (1, format!("server failed: {e}")))
}

/// Turns the first SIGTERM or SIGINT into the cancel.
async fn cancel_on_signal(shutdown: CancellationToken) {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => term.recv().await,
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = term => tracing::info!("SIGTERM received"),
        _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT received"),
    }
    shutdown.cancel();
}
