//! Flags resolved against the configuration file into what the run needs.

use std::path::PathBuf;

use collector::{Config, DkimMode};

use crate::flags::Flags;

/// Where messages come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Standard input (`-`).
    Stdin,
    /// One file.
    File(PathBuf),
}

impl Input {
    /// The label used in reports.
    pub fn label(&self) -> String {
        match self {
            Input::Stdin => "-".to_string(),
            Input::File(p) => p.display().to_string(),
        }
    }
}

/// The validated, resolved run.
#[derive(Debug, Clone)]
pub struct Args {
    /// The configuration with the flags applied.
    pub config: Config,
    /// Every message to read, in the order given (directories expanded, sorted).
    pub inputs: Vec<Input>,
    /// Evaluation time, Unix seconds (`--at`, or now).
    pub at: i64,
    /// JSON Lines output.
    pub json: bool,
    /// `--export-to`: export the store into this directory instead of reading messages.
    pub export_to: Option<PathBuf>,
}

impl Args {
    /// Loads the configuration, applies the flags over it, expands the inputs.
    ///
    /// # Errors
    /// A readable message for bad usage: unreadable configuration, bad `--at`, an input
    /// that does not exist.
    pub fn resolve(flags: Flags) -> Result<Args, String> {
        let mut config = match &flags.config {
            Some(path) => Config::read(path).map_err(|e| e.to_string())?,
            None => Config::default(),
        };
        apply_overrides(&mut config, &flags);
        let at = match &flags.at {
            Some(t) => collector::time::parse_rfc3339(t).map_err(|e| format!("--at {e}"))?,
            None => collector::time::now_unix(),
        };
        let mut inputs = Vec::new();
        for raw in &flags.inputs {
            expand(raw, &mut inputs)?;
        }
        Ok(Args {
            config,
            inputs,
            at,
            json: flags.json,
            export_to: flags.export_to,
        })
    }
}

/// Flags win over the configuration file.
fn apply_overrides(config: &mut Config, flags: &Flags) {
    if !flags.trust.is_empty() {
        config.trust.anchors = flags.trust.clone();
    }
    if let Some(store) = &flags.store {
        config.store.location = Some(store.clone());
    }
    if !flags.dns.is_empty() {
        config.dkim.dns = flags.dns.clone();
    }
    if flags.no_dkim {
        config.dkim.mode = DkimMode::Off;
    }
}

/// `-`, a file, or a directory walked recursively for `*.eml` (sorted, so output is stable).
fn expand(raw: &str, out: &mut Vec<Input>) -> Result<(), String> {
    if raw == "-" {
        out.push(Input::Stdin);
        return Ok(());
    }
    let path = PathBuf::from(raw);
    let meta = std::fs::metadata(&path).map_err(|e| format!("{raw}: {e}"))?;
    if !meta.is_dir() {
        out.push(Input::File(path));
        return Ok(());
    }
    let mut stack = vec![path];
    let mut found = Vec::new();
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
            let p = entry.path();
            let kind = entry
                .file_type()
                .map_err(|e| format!("{}: {e}", p.display()))?;
            if kind.is_dir() {
                stack.push(p);
            } else if kind.is_file() && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("eml"))
            {
                found.push(p);
            }
        }
    }
    found.sort();
    out.extend(found.into_iter().map(Input::File));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn flags_override_the_config() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("c.toml");
        std::fs::write(
            &cfg,
            "[store]\nlocation = \"/nowhere\"\n[dkim]\ndns = [\"127.0.0.1:1\"]\n",
        )
        .unwrap();
        let flags = Flags::parse_from([
            "readsmimesig",
            "-c",
            cfg.to_str().unwrap(),
            "--store",
            "/else",
            "--dns",
            "127.0.0.1:53",
            "--no-dkim",
            "--trust",
            "a.pem",
            "--at",
            "2026-06-01T00:00:00Z",
            "-",
        ]);
        let args = Args::resolve(flags).unwrap();
        assert_eq!(args.config.store.location.as_deref(), Some("/else"));
        assert_eq!(args.config.dkim.dns, vec!["127.0.0.1:53".parse().unwrap()]);
        assert_eq!(args.config.dkim.mode, DkimMode::Off);
        assert_eq!(args.config.trust.anchors, vec![PathBuf::from("a.pem")]);
        assert_eq!(args.at, 1_780_272_000);
        assert_eq!(args.inputs, vec![Input::Stdin]);
    }

    #[test]
    fn directories_are_walked_for_eml_files_in_order() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("b/c")).unwrap();
        for f in ["b/c/2.eml", "a.EML", "b/1.eml", "b/skip.txt"] {
            std::fs::write(dir.path().join(f), "x").unwrap();
        }
        let mut out = Vec::new();
        expand(dir.path().to_str().unwrap(), &mut out).unwrap();
        let names: Vec<String> = out
            .iter()
            .map(|i| {
                i.label()
                    .trim_start_matches(dir.path().to_str().unwrap())
                    .to_string()
            })
            .collect();
        assert_eq!(names, ["/a.EML", "/b/1.eml", "/b/c/2.eml"]);
    }

    #[test]
    fn missing_input_and_bad_time_are_usage_errors() {
        assert!(Args::resolve(Flags::parse_from(["r", "/no/such/file.eml"])).is_err());
        assert!(Args::resolve(Flags::parse_from(["r", "--at", "soon", "-"])).is_err());
    }
}
