//! What the webhook needs from the pipeline: a seam between HTTP and `collector`.
//!
//! [`collector::Collector`] implements [`Pipeline`]; tests of the HTTP layer can put a
//! scripted pipeline in its place (slow, transient, counting) without DNS or a store.

use std::future::Future;
use std::pin::Pin;

use collector::{Report, Verdict};

/// A boxed, sendable future (what [`Pipeline::process`] returns).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Runs one raw message through the gates and says what happened.
pub trait Pipeline: Send + Sync {
    /// Processes `raw`; `input` labels the message in the log and the report
    /// (`relay:<webhook_id>`).
    fn process<'a>(&'a self, raw: &'a [u8], input: &'a str) -> BoxFuture<'a, Outcome>;
}

/// The part of a [`Report`] the webhook acts on: metrics labels, the 503 decision and
/// the log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// `accepted`, `rejected` or `deferred`.
    pub verdict: &'static str,
    /// The SPEC reason code when rejected, the transient code when deferred.
    pub reason: Option<&'static str>,
    /// A transient failure (DNS, store): the batch is answered 503 so it is retried.
    pub transient: bool,
    /// The From address, once parsed.
    pub from: Option<String>,
    /// The report's readable sentence.
    pub detail: String,
}

impl From<&Report> for Outcome {
    fn from(report: &Report) -> Outcome {
        let verdict = match report.verdict {
            Verdict::Accepted => "accepted",
            Verdict::Rejected => "rejected",
            Verdict::Deferred => "deferred",
        };
        let reason = match (report.reason, report.transient) {
            (_, Some(t)) => Some(t.as_str()),
            (Some(r), None) => Some(r.as_str()),
            (None, None) => None,
        };
        Outcome {
            verdict,
            reason,
            transient: report.is_transient(),
            from: report.from.clone(),
            detail: report.detail.clone(),
        }
    }
}

impl Pipeline for collector::Collector {
    fn process<'a>(&'a self, raw: &'a [u8], input: &'a str) -> BoxFuture<'a, Outcome> {
        Box::pin(
            async move { Outcome::from(&collector::Collector::process(self, raw, input).await) },
        )
    }
}
