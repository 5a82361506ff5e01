//! Copying any store into the directory layout, for tools that read `<address>.crt`.

use crate::{CertStore, DirStore, Error, PutContext};

/// What [`export_to_dir`] did, counted per address by comparing the directory's
/// current certificate before and after.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExportSummary {
    /// Addresses with a current certificate in the source.
    pub addresses: usize,
    /// History entries put into the directory (current ones included).
    pub certificates: usize,
    /// Addresses that had no file and now have the source's current certificate.
    pub created: usize,
    /// Addresses whose file now holds the source's current certificate instead of
    /// another (older) one.
    pub replaced: usize,
    /// Addresses whose file already held the source's current certificate.
    pub unchanged: usize,
    /// Addresses whose file holds a certificate that ranks above the source's current
    /// one (placed there by something else); it was kept.
    pub kept_newer: usize,
}

/// Exports every address of `source` into `dir` **through the directory store's put**
/// (not a file copy): each history entry is put oldest first, with its message-id
/// and DKIM domain, at its first-seen and then its last-seen time. So the directory
/// ends with the source's current certificate as `<address>.crt` (unless it already
/// had one that ranks higher: the replacement rule applies), a complete history with
/// the same metadata, atomic durable writes, and an export that can be rerun at any
/// time (a rerun changes nothing) or run into a directory a daemon is writing.
///
/// # Errors
/// The first failure of `source` or `dir` (all transient store failures); the
/// addresses exported before it stay exported.
pub async fn export_to_dir(source: &dyn CertStore, dir: &DirStore) -> Result<ExportSummary, Error> {
    let mut summary = ExportSummary::default();
    for address in source.list().await? {
        let history = source.history(&address).await?;
        let Some(current) = history.iter().find(|e| e.current) else {
            // Its certificate went away since the listing; nothing to export.
            continue;
        };
        let before = dir.get(&address).await?;
        for entry in history.iter().rev() {
            for seen_at_unix in [entry.first_seen, entry.last_seen] {
                let ctx = PutContext {
                    message_id: entry.message_id.clone(),
                    dkim_domain: entry.dkim_domain.clone(),
                    seen_at_unix,
                };
                dir.put(&address, &entry.der, &ctx).await?;
            }
            summary.certificates += 1;
        }
        let after = dir.get(&address).await?;
        summary.addresses += 1;
        match (before, after) {
            (_, Some(after)) if after != current.der => summary.kept_newer += 1,
            (None, _) => summary.created += 1,
            (Some(before), _) if before == current.der => summary.unchanged += 1,
            (Some(_), _) => summary.replaced += 1,
        }
    }
    Ok(summary)
}
