//! `smime-webhook [-c CONFIG] [--listen ADDR]`: the SparkPost inbound relay webhook daemon.
//! Everything but flags, signals and the exit status is in the library (`serve`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use smime_webhook::{App, CancellationToken, serve};

/// Collects S/MIME certificates from messages relayed by a SparkPost inbound relay webhook.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The TOML configuration shared with readsmimesig (default: built-in defaults).
    #[arg(short = 'c', long = "config", value_name = "CONFIG")]
    config: Option<PathBuf>,
    /// Listen on ADDR (IP:PORT) instead of webhook.listen; port 0 picks a free port.
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let result = tokio::runtime::Runtime::new()
        .map_err(|e| format!("cannot start the runtime: {e}"))
        .and_then(|runtime| runtime.block_on(run(args)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("smime-webhook: {message}");
            ExitCode::from(2)
        }
    }
}

/// Loads the configuration, builds the app, binds, serves until SIGTERM/SIGINT and
/// returns once everything in flight is done. `Err` is the one line to print.
async fn run(args: Args) -> Result<(), String> {
    let mut config = match &args.config {
        Some(path) => collector::Config::read(path).map_err(|e| e.to_string())?,
        None => collector::Config::default(),
    };
    if let Some(listen) = args.listen {
        config.webhook.listen = listen;
    }
    collector::init_logging(config.log.format);
    let app = Arc::new(App::from_config(&config).map_err(|e| e.to_string())?);
    let listen = &config.webhook.listen;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot read the listening address: {e}"))?;
    let scheme = if app.is_tls() { "https" } else { "http" };
    tracing::info!(
        "listening on {addr} ({scheme}, path {})",
        config.webhook.path
    );
    let shutdown = CancellationToken::new();
    tokio::spawn(cancel_on_signal(shutdown.clone()));
    serve(listener, app, shutdown)
        .await
        .map_err(|e| format!("server failed: {e}"))
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
