//! Writes `testdata/` (or the directory given as the first argument) from scratch.
//!
//! `cargo run -p test-support --bin gen-testdata` regenerates the committed fixtures;
//! the output is deterministic, so CI can regenerate and compare.

use std::path::PathBuf;
use test_support::manifest::Manifest;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(test_support::testdata_dir);
    std::fs::create_dir_all(&out)?;
    let mut manifest = Manifest::default();
    // Each fixture module writes its own subdirectory and adds its rows.
    test_support::dkim::write_fixtures(&out, &mut manifest)?;
    test_support::pki::write_fixtures(&out, &mut manifest)?;
    test_support::mime::write_fixtures(&out, &mut manifest)?;
    test_support::pipeline::write_fixtures(&out, &mut manifest)?;
    std::fs::write(out.join("MANIFEST"), manifest.to_tsv())?;
    let _ = &mut manifest;
    Ok(())
}
