//! One HTTP request: routing, the SPEC's checks in order, the batch through the pipeline.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use tokio_util::task::TaskTracker;
use tracing::Instrument as _;

use crate::App;
use crate::relay::RelayBatch;
use crate::token::TOKEN_HEADER;

/// The answer type of every route.
pub(crate) type Answer = Response<Full<Bytes>>;

/// Answers one request, with a request-id span around everything it logs, and counts it.
pub(crate) async fn handle(
    req: Request<Incoming>,
    peer: SocketAddr,
    app: Arc<App>,
    tracker: TaskTracker,
) -> Answer {
    let started = Instant::now();
    let id = app.next_request_id();
    let span = tracing::info_span!("request", id = %id, %peer);
    let quiet = req.method() == Method::GET && matches!(req.uri().path(), "/healthz" | "/metrics");
    let mut answer = route(req, &app, &tracker).instrument(span.clone()).await;
    let status = answer.status();
    let elapsed = started.elapsed();
    app.metrics.observe_request(status.as_u16(), elapsed);
    span.in_scope(|| {
        if quiet {
            tracing::debug!(status = status.as_u16(), "answered");
        } else {
            tracing::info!(
                status = status.as_u16(),
                elapsed_ms = elapsed.as_millis() as u64,
                "answered"
            );
        }
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        answer.headers_mut().insert("x-request-id", value);
    }
    answer
}

async fn route(req: Request<Incoming>, app: &Arc<App>, tracker: &TaskTracker) -> Answer {
    let path = req.uri().path();
    if path == app.path {
        if req.method() != Method::POST {
            return with_allow(
                message(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed"),
                "POST",
            );
        }
        return webhook(req, app, tracker).await;
    }
    match path {
        "/healthz" if is_get(req.method()) => {
            text(StatusCode::OK, "text/plain; charset=utf-8", "ok\n".into())
        }
        "/metrics" if is_get(req.method()) => text(
            StatusCode::OK,
            "text/plain; version=0.0.4; charset=utf-8",
            app.metrics.render(),
        ),
        "/healthz" | "/metrics" => with_allow(
            message(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed"),
            "GET, HEAD",
        ),
        _ => message(StatusCode::NOT_FOUND, "Not found"),
    }
}

fn is_get(method: &Method) -> bool {
    method == Method::GET || method == Method::HEAD
}

/// `POST` on the webhook path: the SPEC's checks in order, then the batch.
async fn webhook(req: Request<Incoming>, app: &Arc<App>, tracker: &TaskTracker) -> Answer {
    let limits = &app.limits;
    if !is_json(req.headers().get(header::CONTENT_TYPE)) {
        return message(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unknown Content-Type in request headers",
        );
    }
    if let Some(token) = &app.token {
        let presented = req.headers().get(TOKEN_HEADER);
        if !presented.is_some_and(|v| token.matches(v.as_bytes())) {
            tracing::warn!(
                token_present = presented.is_some(),
                "webhook token missing or wrong"
            );
            return message(
                StatusCode::UNAUTHORIZED,
                "Invalid X-MessageSystems-Webhook-Token in request headers",
            );
        }
    }
    if content_length(&req).is_some_and(|n| n > limits.max_body_bytes as u64) {
        return too_large(limits.max_body_bytes);
    }
    // Bound the batches read and processed at once (memory: max_body_bytes each); other
    // routes, /healthz included, never wait for this.
    let permit = match tokio::time::timeout(
        limits.batch_queue_timeout,
        Arc::clone(&app.batch_permits).acquire_owned(),
    )
    .await
    {
        Ok(Ok(permit)) => permit,
        Ok(Err(_)) | Err(_) => {
            tracing::warn!("too many batches in flight; asking the sender to retry");
            return retry_later(app, "Too many batches in flight, retry later");
        }
    };
    tracing::info!(
        content_length = content_length(&req),
        "receiving relay batch"
    );
    let read = Limited::new(req.into_body(), limits.max_body_bytes).collect();
    let body = match tokio::time::timeout(limits.body_read_timeout, read).await {
        Err(_) => {
            return message(
                StatusCode::REQUEST_TIMEOUT,
                "Request body not received in time",
            );
        }
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => {
            return too_large(limits.max_body_bytes);
        }
        Ok(Err(e)) => {
            tracing::info!(error = %e, "request body could not be read");
            return message(StatusCode::BAD_REQUEST, "Request body could not be read");
        }
        Ok(Ok(collected)) => collected.to_bytes(),
    };
    let batch = match RelayBatch::from_slice(&body) {
        Ok(batch) => batch,
        Err(e) => {
            tracing::info!(error = %e, bytes = body.len(), "not a relay batch");
            return message(StatusCode::BAD_REQUEST, &e.to_string());
        }
    };
    drop(body);
    if batch.len() > limits.max_messages_per_batch {
        tracing::info!(messages = batch.len(), "batch over the message limit");
        return message(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!(
                "Batch of {} messages is over the limit of {}",
                batch.len(),
                limits.max_messages_per_batch
            ),
        );
    }
    // Decode every message before processing any: a bad one makes the batch a 400.
    let mut jobs = Vec::with_capacity(batch.len());
    for (index, event) in batch.events.into_iter().enumerate() {
        let m = event.msys.relay_message;
        let base64 = m.content.email_rfc822_is_base64;
        match m.content.into_raw_message(index) {
            Ok(raw) => jobs.push(Job {
                raw,
                webhook_id: m.webhook_id,
                msg_from: m.msg_from,
                rcpt_to: m.rcpt_to,
                base64,
            }),
            Err(e) => {
                tracing::info!(error = %e, "bad message content");
                return message(StatusCode::BAD_REQUEST, &e.to_string());
            }
        }
    }
    let total = jobs.len();
    tracing::info!(messages = total, "relay batch received");
    // Processing runs as its own tracked task: a client that hangs up does not cut a
    // message short, and shutdown waits for it.
    let task = {
        let app = Arc::clone(app);
        tracker.spawn(
            async move {
                let _permit = permit;
                process_batch(&app, jobs).await
            }
            .in_current_span(),
        )
    };
    match task.await {
        Ok(0) => json(StatusCode::OK, &serde_json::json!({ "processed": total })),
        Ok(transient) => {
            tracing::warn!(
                transient,
                messages = total,
                "transient failure: asking for a retry"
            );
            retry_later(
                app,
                &format!("{transient} of {total} messages hit a transient failure, retry later"),
            )
        }
        Err(e) => {
            tracing::error!(error = %e, "batch task failed");
            message(StatusCode::INTERNAL_SERVER_ERROR, "Internal error")
        }
    }
}

/// One decoded message of a batch, with the envelope facts the log shows.
struct Job {
    raw: Vec<u8>,
    webhook_id: Option<String>,
    msg_from: Option<String>,
    rcpt_to: Option<String>,
    base64: bool,
}

/// Runs every message through the pipeline, in order; returns how many hit a transient
/// failure.
async fn process_batch(app: &App, jobs: Vec<Job>) -> usize {
    app.metrics.batch_started();
    let mut transient = 0;
    for (index, job) in jobs.into_iter().enumerate() {
        let input = format!("relay:{}", job.webhook_id.as_deref().unwrap_or("-"));
        tracing::info!(
            index,
            msg_from = ?job.msg_from.as_deref().unwrap_or(""),
            rcpt_to = ?job.rcpt_to.as_deref().unwrap_or(""),
            size = job.raw.len(),
            base64 = job.base64,
            "relay message"
        );
        let started = Instant::now();
        let outcome = app.pipeline.process(&job.raw, &input).await;
        app.metrics
            .observe_message(outcome.verdict, outcome.reason, started.elapsed());
        tracing::info!(
            index,
            verdict = outcome.verdict,
            reason = outcome.reason.unwrap_or("-"),
            from = ?outcome.from.as_deref().unwrap_or(""),
            detail = ?outcome.detail,
            "message processed"
        );
        if outcome.transient {
            transient += 1;
        }
    }
    app.metrics.batch_finished();
    transient
}

/// `application/json`, parameters allowed, case-insensitive.
fn is_json(value: Option<&HeaderValue>) -> bool {
    let Some(Ok(value)) = value.map(HeaderValue::to_str) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/json")
}

fn content_length(req: &Request<Incoming>) -> Option<u64> {
    req.headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn too_large(limit: usize) -> Answer {
    message(
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!("Request body larger than {limit} bytes"),
    )
}

fn retry_later(app: &App, text: &str) -> Answer {
    let mut answer = message(StatusCode::SERVICE_UNAVAILABLE, text);
    answer.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(app.limits.retry_after.as_secs()),
    );
    answer
}

fn with_allow(mut answer: Answer, allow: &'static str) -> Answer {
    answer
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allow));
    answer
}

/// `{"message": text}` with `status`.
fn message(status: StatusCode, text: &str) -> Answer {
    json(status, &serde_json::json!({ "message": text }))
}

fn json(status: StatusCode, value: &serde_json::Value) -> Answer {
    text(status, "application/json", value.to_string())
}

fn text(status: StatusCode, content_type: &'static str, body: String) -> Answer {
    let mut answer = Response::new(Full::new(Bytes::from(body)));
    *answer.status_mut() = status;
    answer
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types() {
        let ok = [
            "application/json",
            "Application/JSON",
            "application/json; charset=utf-8",
        ];
        for v in ok {
            assert!(is_json(Some(&HeaderValue::from_static(v))), "{v}");
        }
        let bad = [
            "text/plain",
            "application/jsonx",
            "application/x-www-form-urlencoded",
            "",
        ];
        for v in bad {
            assert!(!is_json(Some(&HeaderValue::from_static(v))), "{v}");
        }
        assert!(!is_json(None));
    }
}
