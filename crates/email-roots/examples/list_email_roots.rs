//! Prints the email-purpose trust anchors this machine offers, one row per anchor, as
//! `readsmimesig --list-trust` will: `cargo run -p email-roots --example list_email_roots`.

use std::process::ExitCode;

use email_roots::{EmailRoots, Options};

fn main() -> ExitCode {
    match EmailRoots::discover(&Options::default()) {
        Ok(roots) => {
            for row in roots.rows() {
                println!("{row}");
            }
            for why in &roots.skipped {
                eprintln!("skipped: {why}");
            }
            eprintln!("{} anchors from {}", roots.anchors.len(), roots.source);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}
