//! readsmimesig: see the crate docs in lib.rs and `readsmimesig --help`.

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use readsmimesig::args::Args;
use readsmimesig::{EXIT_USAGE, check_cert, exit_status, export, flags::Flags, run};

fn main() -> ExitCode {
    let flags = Flags::parse();
    let resolved =
        check_cert::CheckCert::resolve(&flags).and_then(|check| Ok((check, Args::resolve(flags)?)));
    let (check, args) = match resolved {
        Ok(resolved) => resolved,
        Err(message) => {
            eprintln!("readsmimesig: {message}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    collector::init_logging(args.config.log.format);
    if let Some(req) = &check {
        return run_check_cert(req, &args);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("readsmimesig: cannot start the runtime: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let status = runtime.block_on(async {
        let mut stdout = std::io::stdout().lock();
        if let Some(dir) = &args.export_to {
            return export(&args, dir, &mut stdout).await.unwrap_or(EXIT_USAGE);
        }
        let collector = match collector::Collector::from_config(&args.config) {
            Ok(c) => Arc::new(c),
            Err(e) => {
                eprintln!("readsmimesig: {e}");
                return EXIT_USAGE;
            }
        };
        match run(collector, &args, &mut stdout).await {
            Ok(outcome) => exit_status(&outcome),
            Err(e) => {
                eprintln!("readsmimesig: cannot write the output: {e}");
                EXIT_USAGE
            }
        }
    });
    ExitCode::from(status)
}

/// `--check-cert`: 0 valid, 1 invalid, 2 unreadable input.
fn run_check_cert(req: &check_cert::CheckCert, args: &Args) -> ExitCode {
    let report = match check_cert::check(req, &args.config, args.at) {
        Ok(r) => r,
        Err(check_cert::Unreadable(why)) => {
            eprintln!("readsmimesig: {why}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let mut stdout = std::io::stdout().lock();
    match check_cert::write_report(&mut stdout, &report, args.json) {
        Ok(()) => ExitCode::from(check_cert::exit_status(&report)),
        Err(e) => {
            eprintln!("readsmimesig: cannot write the output: {e}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}
