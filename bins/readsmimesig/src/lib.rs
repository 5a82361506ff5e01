//! `readsmimesig`: the smime-collector pipeline over .eml files, directories and stdin.
//!
//! The binary is thin: [`flags::Flags`] (clap) are resolved with the configuration into
//! [`args::Args`], [`run`] processes every input through one shared
//! [`collector::Collector`] (in parallel, printed in input order), and [`exit_status`]
//! maps the outcome to the SPEC's exit statuses. Tests call these in-process.
//! [`check_cert`] is the `--check-cert` command: one certificate, no message.

pub mod args;
pub mod check_cert;
pub mod flags;

use std::io::{Read, Write};
use std::sync::Arc;

use collector::{Collector, Report, Verdict};

use crate::args::{Args, Input};

/// What a whole run saw, for the exit status.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Messages accepted.
    pub accepted: usize,
    /// Messages rejected.
    pub rejected: usize,
    /// Messages deferred by a transient failure (DNS, store).
    pub deferred: usize,
    /// Inputs that could not be read.
    pub unreadable: usize,
}

/// SPEC exit statuses: 2 for an unreadable input (bad usage is mapped by the caller), else
/// 75 when anything was deferred (so an MTA pipe retries), else 1 when anything was
/// rejected, else 0.
pub fn exit_status(outcome: &Outcome) -> u8 {
    if outcome.unreadable > 0 {
        2
    } else if outcome.deferred > 0 {
        75
    } else if outcome.rejected > 0 {
        1
    } else {
        0
    }
}

/// The exit status of a usage error (bad flags, configuration, trust files).
pub const EXIT_USAGE: u8 = 2;

/// The exit status of a transient failure (DNS, store): EX_TEMPFAIL.
pub const EXIT_TEMPFAIL: u8 = 75;

/// `--export-to DIR`: copies the configured store into a directory store at `dir` and
/// prints one summary line. Returns the exit status: 0, 2 without a store or for a bad
/// location, 75 when the store could not be read or written.
pub async fn export(
    args: &Args,
    dir: &std::path::Path,
    out: &mut impl Write,
) -> std::io::Result<u8> {
    let Some(location) = &args.config.store.location else {
        tracing::error!("--export-to needs a store: --store LOC or store.location");
        return Ok(EXIT_USAGE);
    };
    let failed = |e: cert_store::Error| {
        tracing::error!("export: {e}");
        if e.is_transient() {
            EXIT_TEMPFAIL
        } else {
            EXIT_USAGE
        }
    };
    let source = match cert_store::open(location) {
        Ok(s) => s,
        Err(e) => return Ok(failed(e)),
    };
    let target = match cert_store::DirStore::open(dir) {
        Ok(t) => t,
        Err(e) => return Ok(failed(e)),
    };
    match cert_store::export_to_dir(source.as_ref(), &target).await {
        Ok(s) => {
            writeln!(
                out,
                "exported {} addresses ({} certificates) from {} to {}: {} created, {} replaced, {} unchanged, {} kept newer",
                s.addresses,
                s.certificates,
                source.describe(),
                dir.display(),
                s.created,
                s.replaced,
                s.unchanged,
                s.kept_newer
            )?;
            Ok(0)
        }
        Err(e) => Ok(failed(e)),
    }
}

/// Processes every input, writing one line (or JSON object) per message to `out` in input
/// order. Inputs run concurrently, bounded by the number of cores.
///
/// # Errors
/// Only when writing to `out` fails.
pub async fn run(
    collector: Arc<Collector>,
    args: &Args,
    out: &mut impl Write,
) -> std::io::Result<Outcome> {
    let parallel = std::thread::available_parallelism().map_or(2, |n| n.get() * 2);
    let permits = Arc::new(tokio::sync::Semaphore::new(parallel));
    let mut tasks = Vec::with_capacity(args.inputs.len());
    for input in &args.inputs {
        let (collector, permits, input, at) =
            (collector.clone(), permits.clone(), input.clone(), args.at);
        tasks.push(tokio::spawn(async move {
            let _permit = permits.acquire_owned().await.ok();
            let label = input.label();
            match read_input(&input).await {
                Ok(raw) => Ok(collector.process_at(&raw, &label, at).await),
                Err(e) => Err(format!("{label}: cannot read: {e}")),
            }
        }));
    }
    let mut outcome = Outcome::default();
    for task in tasks {
        match task.await {
            Ok(Ok(report)) => {
                count(&mut outcome, &report);
                write_report(out, &report, args.json)?;
            }
            Ok(Err(message)) => {
                outcome.unreadable += 1;
                tracing::error!("{message}");
            }
            Err(join) => {
                outcome.unreadable += 1;
                tracing::error!("a message could not be processed: {join}");
            }
        }
    }
    Ok(outcome)
}

fn count(outcome: &mut Outcome, report: &Report) {
    match report.verdict {
        Verdict::Accepted => outcome.accepted += 1,
        Verdict::Rejected => outcome.rejected += 1,
        Verdict::Deferred => outcome.deferred += 1,
    }
}

fn write_report(out: &mut impl Write, report: &Report, json: bool) -> std::io::Result<()> {
    if json {
        serde_json::to_writer(&mut *out, report)?;
        out.write_all(b"\n")
    } else {
        writeln!(out, "{}", report.summary_line())
    }
}

async fn read_input(input: &Input) -> std::io::Result<Vec<u8>> {
    match input {
        Input::File(path) => tokio::fs::read(path).await,
        Input::Stdin => tokio::task::spawn_blocking(|| {
            let mut buf = Vec::new();
            std::io::stdin().lock().read_to_end(&mut buf).map(|_| buf)
        })
        .await
        .map_err(std::io::Error::other)?,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_statuses_follow_the_spec() {
        let o = |accepted, rejected, deferred, unreadable| Outcome {
            accepted,
            rejected,
            deferred,
            unreadable,
        };
        assert_eq!(exit_status(&o(3, 0, 0, 0)), 0);
        assert_eq!(exit_status(&o(3, 1, 0, 0)), 1);
        assert_eq!(exit_status(&o(3, 1, 1, 0)), 75);
        assert_eq!(exit_status(&o(3, 1, 1, 1)), 2);
    }
}
