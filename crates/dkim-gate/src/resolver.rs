//! The DNS side: mail-auth's hickory resolver, configured from [`DkimConfig`], and the
//! TTL-bounded cache of key records shared by all messages.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use mail_auth::hickory_resolver::config::{NameServerConfig, ResolverConfig, ResolverOpts};
use mail_auth::{MessageAuthenticator, ResolverCache, Txt};

use crate::{DkimConfig, Error};

/// Most key records kept; past it, expired entries are dropped, then everything.
pub(crate) const CACHE_CAPACITY: usize = 4096;

/// Builds the resolver: the configured servers (UDP then TCP, as `IP:PORT`), or the
/// system configuration when none is given.
pub(crate) fn authenticator(config: &DkimConfig) -> Result<MessageAuthenticator, Error> {
    let mut opts = ResolverOpts::default();
    // Each query gets part of the whole-message budget, once; the budget itself is
    // enforced around the verification.
    opts.timeout = (config.timeout / 2).max(Duration::from_millis(50));
    opts.attempts = 1;
    let result = if config.dns.is_empty() {
        let (system, mut system_opts) =
            mail_auth::hickory_resolver::system_conf::read_system_conf().map_err(|e| {
                Error::ResolverSetup {
                    reason: e.to_string(),
                }
            })?;
        system_opts.timeout = opts.timeout;
        system_opts.attempts = opts.attempts;
        MessageAuthenticator::new(system, system_opts)
    } else {
        let servers = config
            .dns
            .iter()
            .map(|addr| {
                let mut server = NameServerConfig::udp_and_tcp(addr.ip());
                for connection in &mut server.connections {
                    connection.port = addr.port();
                }
                server
            })
            .collect();
        MessageAuthenticator::new(ResolverConfig::from_parts(None, vec![], servers), opts)
    };
    result.map_err(|e| Error::ResolverSetup {
        reason: e.to_string(),
    })
}

/// Key (`_domainkey`) TXT records by name, each kept until its TTL runs out.
#[derive(Default)]
pub(crate) struct TxtCache {
    entries: Mutex<HashMap<Box<str>, (Txt, Instant)>>,
}

impl TxtCache {
    fn lock(&self) -> MutexGuard<'_, HashMap<Box<str>, (Txt, Instant)>> {
        // A panic elsewhere cannot leave the map inconsistent: every update is one call.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().len()
    }
}

impl ResolverCache<Box<str>, Txt> for TxtCache {
    fn get<Q>(&self, name: &Q) -> Option<Txt>
    where
        Box<str>: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let mut entries = self.lock();
        match entries.get(name) {
            Some((value, until)) if *until > Instant::now() => Some(value.clone()),
            Some(_) => {
                entries.remove(name);
                None
            }
            None => None,
        }
    }

    fn remove<Q>(&self, name: &Q) -> Option<Txt>
    where
        Box<str>: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.lock().remove(name).map(|(value, _)| value)
    }

    fn insert(&self, key: Box<str>, value: Txt, valid_until: Instant) {
        let mut entries = self.lock();
        if entries.len() >= CACHE_CAPACITY {
            let now = Instant::now();
            entries.retain(|_, (_, until)| *until > now);
            if entries.len() >= CACHE_CAPACITY {
                entries.clear();
            }
        }
        entries.insert(key, (value, valid_until));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_auth::Error as MailAuthError;

    fn txt() -> Txt {
        Txt::Error(MailAuthError::ParseError)
    }

    #[test]
    fn entries_expire_with_their_ttl() {
        let cache = TxtCache::default();
        let now = Instant::now();
        cache.insert("live.".into(), txt(), now + Duration::from_secs(60));
        cache.insert("dead.".into(), txt(), now);
        assert!(cache.get("live.").is_some());
        assert!(cache.get("dead.").is_none());
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn capacity_is_bounded() {
        let cache = TxtCache::default();
        let later = Instant::now() + Duration::from_secs(60);
        for i in 0..CACHE_CAPACITY + 10 {
            cache.insert(format!("n{i}.").into(), txt(), later);
        }
        assert!(cache.len() <= CACHE_CAPACITY);
    }

    #[test]
    fn configured_servers_keep_their_port() {
        let config = DkimConfig {
            dns: vec!["127.0.0.1:5353".parse().unwrap()],
            ..DkimConfig::default()
        };
        assert!(authenticator(&config).is_ok());
    }
}
