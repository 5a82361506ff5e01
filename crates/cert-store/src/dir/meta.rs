//! `meta.json`: the metadata of every certificate an address has had.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::cert::CertFacts;
use crate::{Error, PutContext};

/// Version of the metadata format.
const FORMAT: u32 = 1;

/// The whole metadata file of one address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Meta {
    /// Format version, 1.
    pub(crate) format: u32,
    /// The normalised address (the only way back from a shortened file name).
    pub(crate) address: String,
    /// One entry per distinct certificate, in order of first recording.
    pub(crate) entries: Vec<MetaEntry>,
}

/// What the store knows about one certificate of an address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MetaEntry {
    /// SHA-256 of the DER, lower-case hex; the certificate is `<sha256>.crt` beside.
    pub(crate) sha256: String,
    /// notBefore, Unix seconds.
    pub(crate) not_before: i64,
    /// Earliest `seen_at_unix` it was put with.
    pub(crate) first_seen: i64,
    /// Latest `seen_at_unix` it was put with.
    pub(crate) last_seen: i64,
    /// Message-ID of the first message that brought it (or the first that had one).
    pub(crate) message_id: Option<String>,
    /// DKIM domain of the first message that brought it (or the first that had one).
    pub(crate) dkim_domain: Option<String>,
}

impl Meta {
    /// Empty metadata for an address.
    pub(crate) fn new(address: String) -> Meta {
        Meta {
            format: FORMAT,
            address,
            entries: Vec::new(),
        }
    }

    /// Parses a metadata file.
    pub(crate) fn parse(path: &Path, bytes: &[u8]) -> Result<Meta, Error> {
        let meta: Meta = serde_json::from_slice(bytes).map_err(|e| Error::Corrupt {
            path: path.to_path_buf(),
            detail: format!("not valid metadata JSON: {e}"),
        })?;
        if meta.format != FORMAT {
            return Err(Error::Corrupt {
                path: path.to_path_buf(),
                detail: format!("metadata format {} is not {FORMAT}", meta.format),
            });
        }
        Ok(meta)
    }

    /// Serialises (pretty, with a final newline, for people reading the store).
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }

    /// The entry of a fingerprint.
    pub(crate) fn entry(&self, sha256: &str) -> Option<&MetaEntry> {
        self.entries.iter().find(|e| e.sha256 == sha256)
    }

    /// Records a sighting of a certificate; returns whether anything changed.
    pub(crate) fn record(&mut self, facts: &CertFacts, ctx: &PutContext) -> bool {
        let Some(entry) = self.entries.iter_mut().find(|e| e.sha256 == facts.sha256) else {
            self.entries.push(MetaEntry {
                sha256: facts.sha256.clone(),
                not_before: facts.not_before,
                first_seen: ctx.seen_at_unix,
                last_seen: ctx.seen_at_unix,
                message_id: ctx.message_id.clone(),
                dkim_domain: ctx.dkim_domain.clone(),
            });
            return true;
        };
        let before = entry.clone();
        entry.first_seen = entry.first_seen.min(ctx.seen_at_unix);
        entry.last_seen = entry.last_seen.max(ctx.seen_at_unix);
        if entry.message_id.is_none() {
            entry.message_id.clone_from(&ctx.message_id);
        }
        if entry.dkim_domain.is_none() {
            entry.dkim_domain.clone_from(&ctx.dkim_domain);
        }
        *entry != before
    }

    /// Adds an entry for a certificate found as current but never recorded (placed by
    /// hand or by another tool), seen at `when`.
    pub(crate) fn adopt(&mut self, facts: &CertFacts, when: i64) {
        if self.entry(&facts.sha256).is_none() {
            self.entries.push(MetaEntry {
                sha256: facts.sha256.clone(),
                not_before: facts.not_before,
                first_seen: when,
                last_seen: when,
                message_id: None,
                dkim_domain: None,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(at: i64, id: Option<&str>) -> PutContext {
        PutContext {
            message_id: id.map(String::from),
            dkim_domain: Some("example.com".into()),
            seen_at_unix: at,
        }
    }

    #[test]
    fn record_widens_the_seen_interval_and_keeps_first_provenance() {
        let facts = CertFacts {
            sha256: "ab".into(),
            not_before: 5,
        };
        let mut meta = Meta::new("a@b".into());
        assert!(meta.record(&facts, &ctx(100, Some("<1@x>"))));
        assert!(!meta.record(&facts, &ctx(100, Some("<2@x>"))));
        assert!(meta.record(&facts, &ctx(200, Some("<3@x>"))));
        assert!(meta.record(&facts, &ctx(50, None)));
        let e = meta.entry("ab").unwrap();
        assert_eq!((e.first_seen, e.last_seen), (50, 200));
        assert_eq!(e.message_id.as_deref(), Some("<1@x>"));
        assert_eq!(meta.entries.len(), 1);
    }

    #[test]
    fn parse_round_trips_and_rejects_damage() {
        let mut meta = Meta::new("a@b".into());
        meta.adopt(
            &CertFacts {
                sha256: "cd".into(),
                not_before: 1,
            },
            7,
        );
        let path = Path::new("meta.json");
        assert_eq!(Meta::parse(path, &meta.to_bytes()).unwrap(), meta);
        assert!(matches!(
            Meta::parse(path, b"{\"format\":1"),
            Err(Error::Corrupt { .. })
        ));
        let future = String::from_utf8(meta.to_bytes())
            .unwrap()
            .replace("\"format\": 1", "\"format\": 2");
        assert!(matches!(
            Meta::parse(path, future.as_bytes()),
            Err(Error::Corrupt { .. })
        ));
    }
}
