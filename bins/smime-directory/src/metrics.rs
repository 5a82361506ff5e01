//! The counters behind `GET /metrics` (Prometheus text format 0.0.4).
//!
//! A few atomics rather than a metrics crate, as in smime-webhook: the series are fixed
//! and every label value comes from this crate (protocol, [`LookupResult`], HTTP status
//! codes this server answers, LDAP result codes), never from a client.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

const LOOKUPS: &str = "smime_directory_lookups_total";
const HTTP_REQUESTS: &str = "smime_directory_http_requests_total";
const LDAP_OPERATIONS: &str = "smime_directory_ldap_operations_total";
const CONNECTIONS: &str = "smime_directory_open_connections";
const REFUSED: &str = "smime_directory_refused_connections_total";

/// Which server answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Protocol {
    /// `GET /v1/certificates/...`.
    Http,
    /// An LDAP search or compare.
    Ldap,
}

impl Protocol {
    fn as_str(self) -> &'static str {
        match self {
            Protocol::Http => "http",
            Protocol::Ldap => "ldap",
        }
    }
}

/// The outcome of one address lookup, the `result` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LookupResult {
    /// A certificate was handed out.
    Found,
    /// No current certificate.
    NotFound,
    /// The current certificate expired (withheld).
    Expired,
    /// The current certificate carries the revoked mark (withheld).
    Revoked,
    /// Not an address (HTTP 400).
    Invalid,
    /// The store could not be read.
    Error,
}

impl LookupResult {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            LookupResult::Found => "found",
            LookupResult::NotFound => "not_found",
            LookupResult::Expired => "expired",
            LookupResult::Revoked => "revoked",
            LookupResult::Invalid => "invalid",
            LookupResult::Error => "error",
        }
    }
}

/// The directory's counters and gauges.
#[derive(Debug, Default)]
pub struct Metrics {
    lookups: Mutex<BTreeMap<(Protocol, LookupResult), u64>>,
    http: Mutex<BTreeMap<u16, u64>>,
    ldap: Mutex<BTreeMap<(&'static str, i64), u64>>,
    connections: [AtomicI64; 2],
    refused: AtomicU64,
}

impl Metrics {
    /// Counts one lookup.
    pub fn lookup(&self, protocol: Protocol, result: LookupResult) {
        *lock(&self.lookups).entry((protocol, result)).or_default() += 1;
    }

    /// Counts one answered HTTP request.
    pub fn http_status(&self, status: u16) {
        *lock(&self.http).entry(status).or_default() += 1;
    }

    /// Counts one answered LDAP operation by its name and result code.
    pub fn ldap_operation(&self, operation: &'static str, code: i64) {
        *lock(&self.ldap).entry((operation, code)).or_default() += 1;
    }

    /// The count of one lookup series (tests and benchmarks read it).
    pub fn lookups(&self, protocol: Protocol, result: LookupResult) -> u64 {
        lock(&self.lookups)
            .get(&(protocol, result))
            .copied()
            .unwrap_or(0)
    }

    pub(crate) fn connection_opened(&self, protocol: Protocol) {
        self.connections[protocol as usize].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn connection_closed(&self, protocol: Protocol) {
        self.connections[protocol as usize].fetch_sub(1, Ordering::Relaxed);
    }

    pub(crate) fn connection_refused(&self) {
        self.refused.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        header(
            &mut out,
            LOOKUPS,
            "counter",
            "Address lookups, by protocol and result.",
        );
        for ((protocol, result), n) in lock(&self.lookups).iter() {
            let _ = writeln!(
                out,
                "{LOOKUPS}{{protocol=\"{}\",result=\"{}\"}} {n}",
                protocol.as_str(),
                result.as_str()
            );
        }
        header(
            &mut out,
            HTTP_REQUESTS,
            "counter",
            "HTTP requests answered, by status code.",
        );
        for (status, n) in lock(&self.http).iter() {
            let _ = writeln!(out, "{HTTP_REQUESTS}{{status=\"{status}\"}} {n}");
        }
        header(
            &mut out,
            LDAP_OPERATIONS,
            "counter",
            "LDAP operations answered, by operation and result code.",
        );
        for ((op, code), n) in lock(&self.ldap).iter() {
            let _ = writeln!(out, "{LDAP_OPERATIONS}{{op=\"{op}\",code=\"{code}\"}} {n}");
        }
        header(&mut out, CONNECTIONS, "gauge", "Open client connections.");
        for protocol in [Protocol::Http, Protocol::Ldap] {
            let n = self.connections[protocol as usize].load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "{CONNECTIONS}{{protocol=\"{}\"}} {n}",
                protocol.as_str()
            );
        }
        header(
            &mut out,
            REFUSED,
            "counter",
            "Connections closed at once: over the per-address limit.",
        );
        let _ = writeln!(out, "{REFUSED} {}", self.refused.load(Ordering::Relaxed));
        out
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_are_counted_by_protocol_and_result() {
        let m = Metrics::default();
        m.lookup(Protocol::Http, LookupResult::Found);
        m.lookup(Protocol::Http, LookupResult::Found);
        m.lookup(Protocol::Ldap, LookupResult::NotFound);
        m.http_status(404);
        m.ldap_operation("search", 0);
        let text = m.render();
        assert!(
            text.contains("smime_directory_lookups_total{protocol=\"http\",result=\"found\"} 2")
        );
        assert!(
            text.contains(
                "smime_directory_lookups_total{protocol=\"ldap\",result=\"not_found\"} 1"
            )
        );
        assert!(text.contains("smime_directory_http_requests_total{status=\"404\"} 1"));
        assert!(text.contains("smime_directory_ldap_operations_total{op=\"search\",code=\"0\"} 1"));
        assert_eq!(m.lookups(Protocol::Http, LookupResult::Found), 2);
    }
}
