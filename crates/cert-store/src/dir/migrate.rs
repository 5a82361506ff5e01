//! Moving a directory store written under the earlier address rule to the current one
//! (see [`crate::rekey`] for how each entry's new key is decided).
//!
//! `.history/.version` records the store's layout: absent or empty for the earlier
//! rule, `2` for the current one. [`ensure_current`] runs on every open under an
//! exclusive `flock` of that file, so concurrent openers wait for one migration and the
//! later ones find it done. The migration first decides every entry; if any entry
//! cannot be moved without guessing, or two entries would land on one name, it moves
//! nothing and fails with [`Error::Migration`] naming them. Otherwise it renames each
//! history directory, rewrites the address in its `meta.json`, and renames the current
//! file, in that order: a crash leaves a state the next open completes.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Seek, Write};
use std::time::Duration;

use super::fsops::{Content, DirFd, Kind};
use super::meta::Meta;
use super::{META_FILE, read_current_der};
use crate::names::{self, EXT};
use crate::rekey::{self, CertNames, Refusal};
use crate::{Error, cert};

/// The layout marker (and migration lock), inside `.history/`. It starts with `.`, which
/// no entry's name does.
pub const VERSION_FILE: &str = ".version";
/// The layout this build writes: keys under the address rule of [`smime_address`].
pub const LAYOUT: u32 = 2;
/// How long an opener waits for another process's migration.
const MIGRATION_WAIT: Duration = Duration::from_secs(600);
/// How many problems an error lists before counting the rest.
const LISTED: usize = 20;

/// Migrates the store to [`LAYOUT`] unless it is there already.
pub(crate) fn ensure_current(root: &DirFd, history: &DirFd) -> Result<(), Error> {
    let mut guard = history.lock(VERSION_FILE, MIGRATION_WAIT)?;
    let path = history.join(VERSION_FILE);
    let mut text = String::new();
    guard
        .file()
        .take(64)
        .read_to_string(&mut text)
        .map_err(Error::io("read", &path))?;
    match text.trim() {
        "" => {}
        t if t.parse() == Ok(LAYOUT) => return Ok(()),
        t => {
            return Err(Error::Corrupt {
                path,
                detail: format!("layout {t:?} is not one this build knows ({LAYOUT})"),
            });
        }
    }
    migrate(root, history)?;
    let file = guard.file();
    file.set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| file.write_all(format!("{LAYOUT}\n").as_bytes()))
        .and_then(|()| file.sync_all())
        .map_err(Error::io("write", &path))?;
    history.sync()
}

/// One entry of the store: the files under one stem.
#[derive(Debug, Default)]
struct Entry {
    has_current: bool,
    has_history: bool,
}

/// Where an entry goes.
struct Move {
    from: String,
    to: String,
    key: String,
    entry: Entry,
}

fn migrate(root: &DirFd, history: &DirFd) -> Result<(), Error> {
    let mut entries: BTreeMap<String, Entry> = BTreeMap::new();
    for (name, kind) in root.entries()? {
        if let Some(stem) = name.strip_suffix(EXT)
            && kind == Kind::File
            && !stem.is_empty()
            && !stem.starts_with('.')
        {
            entries.entry(stem.to_owned()).or_default().has_current = true;
        }
    }
    for (name, kind) in history.entries()? {
        if kind == Kind::Dir && !name.starts_with('.') {
            entries.entry(name).or_default().has_history = true;
        }
    }

    let mut moves = Vec::new();
    let mut empty = BTreeSet::new();
    let mut problems = Vec::new();
    for (stem, entry) in entries {
        let addr_dir = if entry.has_history {
            history.open_dir(&stem)?
        } else {
            None
        };
        let Some(old) = old_key(&stem, addr_dir.as_ref())? else {
            continue; // Not an entry of either rule: ignored, as before.
        };
        let certificates = certificates(root, &stem, addr_dir.as_ref())?;
        if entry.has_history && !entry.has_current && certificates.is_empty() {
            // An empty bookkeeping directory (a put that failed early): an entry moved
            // onto its name replaces it.
            empty.insert(stem);
            continue;
        }
        match rekey::new_key(&old, &certificates) {
            Ok(key) => moves.push(Move {
                from: stem,
                to: names::stem_for_normalised(&key),
                key,
                entry,
            }),
            Err(refusal) => problems.push(refused(root, &stem, &old, &refusal)),
        }
    }

    // Two entries landing on one name would have to be merged: refused too.
    let mut targets: BTreeMap<&str, Vec<&Move>> = BTreeMap::new();
    for m in &moves {
        targets.entry(m.to.as_str()).or_default().push(m);
    }
    for (target, sources) in &targets {
        let currents = sources.iter().filter(|m| m.entry.has_current).count();
        let histories = sources.iter().filter(|m| m.entry.has_history).count();
        if currents > 1 || histories > 1 {
            let from: BTreeSet<String> = sources
                .iter()
                .map(|m| root.join(&format!("{}{EXT}", m.from)).display().to_string())
                .collect();
            problems.push(format!(
                "{} all belong to the address {} under the current rule; keep one entry (its {EXT} file and .history/ directory), move the others out of the store",
                from.into_iter().collect::<Vec<_>>().join(" and "),
                root.join(&format!("{target}{EXT}")).display(),
            ));
        }
    }
    if !problems.is_empty() {
        let more = problems.len().saturating_sub(LISTED);
        problems.truncate(LISTED);
        if more > 0 {
            problems.push(format!("and {more} more"));
        }
        return Err(Error::Migration {
            detail: format!(
                "{}; nothing was moved. Then open the store again (restart the daemon, rerun the command): the other entries move by themselves",
                problems.join("; ")
            ),
        });
    }

    for m in moves {
        if m.from != m.to && m.entry.has_history && empty.contains(&m.to) {
            history.remove_dir(&m.to)?;
        }
        apply(root, history, &m)?;
    }
    Ok(())
}

/// The key an entry was stored under: decoded from its stem, or for a shortened stem
/// read from its metadata. `None` for files of neither rule (no `@`, or an address
/// that neither rule writes in this form).
fn old_key(stem: &str, addr_dir: Option<&DirFd>) -> Result<Option<String>, Error> {
    let text = match names::decode_any_stem(stem) {
        Some(text) => Some(text),
        None => match addr_dir {
            Some(dir) => match dir.read(META_FILE, super::MAX_META_BYTES)? {
                Content::Bytes(bytes) => Some(Meta::parse(&dir.join(META_FILE), &bytes)?.address),
                Content::Missing | Content::Foreign => None,
            },
            None => None,
        },
    };
    Ok(text.filter(|t| {
        t.contains('@')
            && names::stem_for_normalised(t) == stem
            && (t.to_lowercase() == *t || names::normalise(t).is_ok_and(|n| n == *t))
    }))
}

/// The names of every certificate of an entry, `(sha256, names)`: its current file and
/// its history.
fn certificates(
    root: &DirFd,
    stem: &str,
    addr_dir: Option<&DirFd>,
) -> Result<Vec<CertNames>, Error> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if let Some(der) = read_current_der(root, stem)? {
        out.insert(cert::sha256_hex(&der), cert::emails(&der));
    }
    if let Some(dir) = addr_dir {
        for (name, kind) in dir.entries()? {
            let Some(sha) = name.strip_suffix(EXT) else {
                continue;
            };
            if kind != Kind::File || sha.len() != 64 || out.contains_key(sha) {
                continue;
            }
            if let Some(der) = super::read_pem_cert(dir, &name)? {
                out.insert(cert::sha256_hex(&der), cert::emails(&der));
            }
        }
    }
    Ok(out.into_iter().collect())
}

fn refused(root: &DirFd, stem: &str, old: &str, refusal: &Refusal) -> String {
    format!(
        "the entry {} (address {old:?}) cannot be moved: {}; move {} and .history/{stem}/ out of the store (its owner's next signed message stores the certificate again)",
        root.join(&format!("{stem}{EXT}")).display(),
        refusal.describe(),
        root.join(&format!("{stem}{EXT}")).display(),
    )
}

/// Moves one entry: history directory, then its metadata's address, then the current
/// file. Each step is skipped when already done.
fn apply(root: &DirFd, history: &DirFd, m: &Move) -> Result<(), Error> {
    if m.from != m.to && m.entry.has_history {
        history.rename(&m.from, history, &m.to)?;
    }
    if let Some(dir) = history.open_dir(&m.to)?
        && let Content::Bytes(bytes) = dir.read(META_FILE, super::MAX_META_BYTES)?
    {
        let mut meta = Meta::parse(&dir.join(META_FILE), &bytes)?;
        if meta.address != m.key {
            meta.address = m.key.clone();
            dir.replace("meta.json", &dir, META_FILE, &meta.to_bytes())?;
        }
    }
    if m.from != m.to && m.entry.has_current {
        root.rename(&format!("{}{EXT}", m.from), root, &format!("{}{EXT}", m.to))?;
    }
    if m.from != m.to {
        tracing::info!(from = %m.from, to = %m.to, "store entry moved to the current address rule");
    }
    Ok(())
}
