//! `testdata/MANIFEST`: one row per generated message with its expected outcome.
//!
//! Format: tab-separated `path`, `verdict` (`accepted`/`rejected`), `reason` (a SPEC
//! reason code, or `-`), `note`. Lines starting with `#` are comments.

use std::path::Path;

/// One generated fixture and what the pipeline must say about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Path relative to `testdata/`, e.g. `messages/email_mismatch/other_address.eml`.
    pub path: String,
    /// `accepted` or `rejected`.
    pub verdict: String,
    /// The SPEC reason code, or `None` when accepted.
    pub reason: Option<String>,
    /// One readable line about the case.
    pub note: String,
}

/// The whole table.
#[derive(Debug, Default, Clone)]
pub struct Manifest {
    pub entries: Vec<Entry>,
}

impl Manifest {
    /// Adds a row.
    pub fn push(&mut self, path: &str, reason: Option<&str>, note: &str) {
        self.entries.push(Entry {
            path: path.to_string(),
            verdict: if reason.is_some() {
                "rejected"
            } else {
                "accepted"
            }
            .to_string(),
            reason: reason.map(str::to_string),
            note: note.to_string(),
        });
    }

    /// The TSV text, sorted by path so regeneration is stable.
    pub fn to_tsv(&self) -> String {
        let mut rows: Vec<&Entry> = self.entries.iter().collect();
        rows.sort_by(|a, b| a.path.cmp(&b.path));
        let mut out = String::from("# path\tverdict\treason\tnote\n");
        for e in rows {
            out.push_str(&format!(
                "{}\t{}\t{}\t{}\n",
                e.path,
                e.verdict,
                e.reason.as_deref().unwrap_or("-"),
                e.note
            ));
        }
        out
    }

    /// Parses the TSV text written by [`Manifest::to_tsv`].
    pub fn parse(text: &str) -> Manifest {
        let entries = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let mut f = l.splitn(4, '\t');
                let path = f.next()?.to_string();
                let verdict = f.next()?.to_string();
                let reason = f.next().filter(|r| *r != "-").map(str::to_string);
                let note = f.next().unwrap_or("").to_string();
                Some(Entry {
                    path,
                    verdict,
                    reason,
                    note,
                })
            })
            .collect();
        Manifest { entries }
    }

    /// Reads `testdata/MANIFEST`.
    pub fn load(testdata: &Path) -> std::io::Result<Manifest> {
        Ok(Self::parse(&std::fs::read_to_string(
            testdata.join("MANIFEST"),
        )?))
    }
}
