//! A small Prometheus registry of atomics for `GET /metrics`.
//!
//! Hand-rolled rather than a metrics crate: the set of series is fixed and small (HTTP
//! status codes this server answers, SPEC verdicts and reason codes, two histograms),
//! the text exposition format is a few lines, and it keeps the dependency tree (which
//! cargo-deny watches) smaller. Label values come only from [`KNOWN_REASONS`],
//! the verdict names and the status codes this crate itself produces, so a sender can
//! never create a series.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

/// The SPEC reason codes plus the two transient failures: the only `reason` label
/// values. Anything else a pipeline reports is counted as `other`.
pub const KNOWN_REASONS: &[&str] = &[
    "malformed_message",
    "ambiguous_from",
    "message_too_large",
    "dkim_missing",
    "dkim_fail",
    "dkim_misaligned",
    "not_signed",
    "malformed_signature",
    "signature_invalid",
    "no_signer_certificate",
    "email_mismatch",
    "cert_expired",
    "cert_not_yet_valid",
    "untrusted_chain",
    "wrong_purpose",
    "unusable_key",
    "weak_key",
    "weak_algorithm",
    "revoked",
    "dkim_temp_error",
    "store_error",
];

/// Latency buckets in seconds (DNS look-ups and an fsync dominate).
const BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

const REQUESTS: &str = "smime_webhook_http_requests_total";
const REQUEST_SECONDS: &str = "smime_webhook_http_request_duration_seconds";
const MESSAGES: &str = "smime_webhook_messages_total";
const MESSAGE_SECONDS: &str = "smime_webhook_message_processing_seconds";
const CONNECTIONS: &str = "smime_webhook_open_connections";
const BATCHES: &str = "smime_webhook_batches_in_flight";

/// The daemon's counters, gauges and histograms.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<u16, u64>>,
    messages: Mutex<BTreeMap<(&'static str, &'static str), u64>>,
    request_seconds: Histogram,
    message_seconds: Histogram,
    connections: AtomicI64,
    batches: AtomicI64,
}

impl Metrics {
    /// Counts one answered request and its duration.
    pub fn observe_request(&self, status: u16, elapsed: Duration) {
        *lock(&self.requests).entry(status).or_default() += 1;
        self.request_seconds.observe(elapsed);
    }

    /// Counts one processed message by verdict and reason, and its pipeline time.
    pub fn observe_message(&self, verdict: &'static str, reason: Option<&str>, elapsed: Duration) {
        let reason = reason_label(reason);
        *lock(&self.messages).entry((verdict, reason)).or_default() += 1;
        self.message_seconds.observe(elapsed);
    }

    pub(crate) fn connection_opened(&self) {
        self.connections.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn connection_closed(&self) {
        self.connections.fetch_sub(1, Ordering::Relaxed);
    }

    pub(crate) fn batch_started(&self) {
        self.batches.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn batch_finished(&self) {
        self.batches.fetch_sub(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition (format 0.0.4).
    pub fn render(&self) -> String {
        let mut out = String::new();
        header(
            &mut out,
            REQUESTS,
            "counter",
            "HTTP requests answered, by status code.",
        );
        for (status, n) in lock(&self.requests).iter() {
            let _ = writeln!(out, "{REQUESTS}{{status=\"{status}\"}} {n}");
        }
        header(
            &mut out,
            MESSAGES,
            "counter",
            "Relayed messages processed, by verdict and reason code.",
        );
        for ((verdict, reason), n) in lock(&self.messages).iter() {
            let _ = writeln!(
                out,
                "{MESSAGES}{{verdict=\"{verdict}\",reason=\"{reason}\"}} {n}"
            );
        }
        header(
            &mut out,
            REQUEST_SECONDS,
            "histogram",
            "Time to answer an HTTP request.",
        );
        self.request_seconds.render(&mut out, REQUEST_SECONDS);
        header(
            &mut out,
            MESSAGE_SECONDS,
            "histogram",
            "Time the pipeline spent on one message.",
        );
        self.message_seconds.render(&mut out, MESSAGE_SECONDS);
        header(&mut out, CONNECTIONS, "gauge", "Open client connections.");
        let _ = writeln!(
            out,
            "{CONNECTIONS} {}",
            self.connections.load(Ordering::Relaxed)
        );
        header(&mut out, BATCHES, "gauge", "Relay batches being processed.");
        let _ = writeln!(out, "{BATCHES} {}", self.batches.load(Ordering::Relaxed));
        out
    }
}

fn reason_label(reason: Option<&str>) -> &'static str {
    match reason {
        None => "none",
        Some(code) => KNOWN_REASONS
            .iter()
            .find(|known| **known == code)
            .copied()
            .unwrap_or("other"),
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[derive(Debug)]
struct Histogram {
    counts: Vec<AtomicU64>,
    sum_micros: AtomicU64,
    count: AtomicU64,
}

impl Default for Histogram {
    fn default() -> Self {
        Self {
            counts: BUCKETS.iter().map(|_| AtomicU64::new(0)).collect(),
            sum_micros: AtomicU64::new(0),
            count: AtomicU64::new(0),
        }
    }
}

impl Histogram {
    fn observe(&self, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        if let Some(c) = BUCKETS
            .iter()
            .position(|le| secs <= *le)
            .and_then(|i| self.counts.get(i))
        {
            c.fetch_add(1, Ordering::Relaxed);
        }
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str) {
        let mut cumulative = 0;
        for (le, c) in BUCKETS.iter().zip(&self.counts) {
            cumulative += c.load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{le}\"}} {cumulative}");
        }
        let count = self.count.load(Ordering::Relaxed);
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(out, "{name}_sum {sum}");
        let _ = writeln!(out, "{name}_count {count}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_come_only_from_known_codes() {
        let m = Metrics::default();
        m.observe_message("rejected", Some("not_signed"), Duration::from_millis(3));
        m.observe_message("rejected", Some("attacker\"}\nsupplied"), Duration::ZERO);
        m.observe_message("accepted", None, Duration::from_secs(2));
        let text = m.render();
        assert!(text.contains(
            "smime_webhook_messages_total{verdict=\"rejected\",reason=\"not_signed\"} 1"
        ));
        assert!(
            text.contains("smime_webhook_messages_total{verdict=\"rejected\",reason=\"other\"} 1")
        );
        assert!(
            text.contains("smime_webhook_messages_total{verdict=\"accepted\",reason=\"none\"} 1")
        );
        assert!(!text.contains("attacker"));
    }

    #[test]
    fn histogram_is_cumulative() {
        let m = Metrics::default();
        m.observe_request(200, Duration::from_millis(3));
        m.observe_request(200, Duration::from_millis(300));
        m.observe_request(415, Duration::from_secs(100));
        let text = m.render();
        assert!(text.contains("smime_webhook_http_requests_total{status=\"200\"} 2"));
        assert!(text.contains("smime_webhook_http_requests_total{status=\"415\"} 1"));
        assert!(
            text.contains("smime_webhook_http_request_duration_seconds_bucket{le=\"0.005\"} 1")
        );
        assert!(text.contains("smime_webhook_http_request_duration_seconds_bucket{le=\"0.5\"} 2"));
        assert!(text.contains("smime_webhook_http_request_duration_seconds_bucket{le=\"60\"} 2"));
        assert!(text.contains("smime_webhook_http_request_duration_seconds_bucket{le=\"+Inf\"} 3"));
        assert!(text.contains("smime_webhook_http_request_duration_seconds_count 3"));
    }

    /// The label set is exactly the collector's reason and transient codes.
    #[test]
    fn known_reasons_are_the_collectors_codes() {
        let mut codes: Vec<&str> = collector::Reason::ALL.iter().map(|r| r.as_str()).collect();
        codes.push(collector::Transient::DkimTempError.as_str());
        codes.push(collector::Transient::StoreError.as_str());
        assert_eq!(KNOWN_REASONS, codes.as_slice());
        for code in KNOWN_REASONS {
            assert_eq!(reason_label(Some(code)), *code);
        }
    }
}
