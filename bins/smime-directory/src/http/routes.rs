//! One HTTP request: routing, the token, content negotiation and the answers.

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use percent_encoding::percent_decode_str;

use crate::metrics::{LookupResult, Protocol};
use crate::{App, Lookup, normalize_address};

/// The answer type of every route.
pub(crate) type Answer = Response<Full<Bytes>>;

const PEM_TYPE: &str = "application/pem-certificate-chain";
const DER_TYPE: &str = "application/pkix-cert";
const NOT_FOUND: &str = "no certificate for this address";
const PREFIX: &str = "/v1/certificates/";

/// Answers one request and counts it.
pub(crate) async fn handle(req: Request<Incoming>, app: &App) -> Answer {
    let answer = route(&req, app).await;
    app.metrics.http_status(answer.status().as_u16());
    answer
}

async fn route(req: &Request<Incoming>, app: &App) -> Answer {
    let path = req.uri().path();
    let is_get = req.method() == Method::GET || req.method() == Method::HEAD;
    match path {
        "/healthz" | "/metrics" if !is_get => method_not_allowed(),
        "/healthz" => text(StatusCode::OK, "text/plain; charset=utf-8", "ok\n".into()),
        "/metrics" => text(
            StatusCode::OK,
            "text/plain; version=0.0.4; charset=utf-8",
            app.metrics.render(),
        ),
        _ => match path.strip_prefix(PREFIX).and_then(Route::parse) {
            None => message(StatusCode::NOT_FOUND, "Not found"),
            Some(_) if !is_get => method_not_allowed(),
            Some(route) => certificates(req, app, route).await,
        },
    }
}

/// `/v1/certificates/{address}` or `.../{address}/history`, the address still encoded.
struct Route<'a> {
    encoded: &'a str,
    history: bool,
}

impl<'a> Route<'a> {
    fn parse(rest: &'a str) -> Option<Route<'a>> {
        let (encoded, history) = match rest.split_once('/') {
            None => (rest, false),
            Some((encoded, "history")) => (encoded, true),
            Some(_) => return None,
        };
        (!encoded.is_empty()).then_some(Route { encoded, history })
    }
}

async fn certificates(req: &Request<Incoming>, app: &App, route: Route<'_>) -> Answer {
    if let Some(token) = &app.options.token {
        let presented = req.headers().get(header::AUTHORIZATION);
        if !presented.is_some_and(|v| token.matches_bearer(v.as_bytes())) {
            let mut answer = message(StatusCode::UNAUTHORIZED, "Missing or wrong bearer token");
            answer
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return answer;
        }
    }
    let address = match percent_decode_str(route.encoded).decode_utf8() {
        Err(_) => Err("the address is not UTF-8".to_string()),
        Ok(decoded) => normalize_address(&decoded).map_err(|e| e.to_string()),
    };
    let address = match address {
        Ok(address) => address,
        Err(why) => {
            app.metrics.lookup(Protocol::Http, LookupResult::Invalid);
            return message(StatusCode::BAD_REQUEST, &format!("not an address: {why}"));
        }
    };
    if route.history {
        return history(app, &address).await;
    }
    let include_expired = query_flag(req.uri().query(), "include_expired");
    let (result, entry) = match app.lookup(&address).await {
        Err(e) => {
            tracing::warn!(error = %e, "store read failed");
            app.metrics.lookup(Protocol::Http, LookupResult::Error);
            return unavailable();
        }
        Ok(Lookup::NotFound) => (LookupResult::NotFound, None),
        Ok(Lookup::Found(e)) => (LookupResult::Found, Some(e)),
        Ok(Lookup::Expired(e)) => (LookupResult::Expired, include_expired.then_some(e)),
        Ok(Lookup::Revoked(e)) => (LookupResult::Revoked, include_expired.then_some(e)),
    };
    app.metrics.lookup(Protocol::Http, result);
    let Some(entry) = entry else {
        return message(StatusCode::NOT_FOUND, NOT_FOUND);
    };
    let etag = format!("\"{}\"", entry.sha256_hex());
    let Some(der) = wants_der(req.headers()) else {
        return message(
            StatusCode::NOT_ACCEPTABLE,
            &format!("available as {PEM_TYPE} or {DER_TYPE}"),
        );
    };
    let mut answer = if if_none_match(req.headers(), &etag) {
        let mut answer = Response::new(Full::new(Bytes::new()));
        *answer.status_mut() = StatusCode::NOT_MODIFIED;
        answer
    } else if der {
        bytes(DER_TYPE, Bytes::copy_from_slice(entry.der()))
    } else {
        bytes(PEM_TYPE, Bytes::copy_from_slice(entry.pem().as_bytes()))
    };
    let headers = answer.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    headers.insert(header::VARY, HeaderValue::from_static("Accept"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    answer
}

async fn history(app: &App, address: &str) -> Answer {
    match app.history(address).await {
        Err(e) => {
            tracing::warn!(error = %e, "store read failed");
            unavailable()
        }
        Ok(items) if items.is_empty() => message(StatusCode::NOT_FOUND, NOT_FOUND),
        Ok(items) => match serde_json::to_string(&items) {
            Ok(json) => text(StatusCode::OK, "application/json", json),
            Err(_) => message(StatusCode::INTERNAL_SERVER_ERROR, "Internal error"),
        },
    }
}

/// Whether `name=true` (or `=1`) is in the query string.
fn query_flag(query: Option<&str>, name: &str) -> bool {
    query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .filter_map(|pair| pair.split_once('='))
        .any(|(k, v)| k == name && matches!(v, "true" | "1"))
}

/// `Some(true)` for DER, `Some(false)` for PEM, `None` when `Accept` allows neither.
/// PEM wins ties and is the answer without `Accept`.
fn wants_der(headers: &HeaderMap) -> Option<bool> {
    let values: Vec<&str> = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if values.is_empty() {
        return Some(false);
    }
    let (mut pem, mut der) = (0.0_f32, 0.0_f32);
    for range in values.iter().flat_map(|v| v.split(',')) {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        match media.as_str() {
            PEM_TYPE => pem = pem.max(q),
            DER_TYPE => der = der.max(q),
            "*/*" | "application/*" => {
                pem = pem.max(q * 0.999);
                der = der.max(q * 0.998);
            }
            _ => {}
        }
    }
    if pem <= 0.0 && der <= 0.0 {
        return None;
    }
    Some(der > pem)
}

/// Whether `If-None-Match` names `etag` (weak comparison, RFC 9110 13.1.2) or is `*`.
fn if_none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim())
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag)
}

fn method_not_allowed() -> Answer {
    let mut answer = message(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed");
    answer
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
    answer
}

fn unavailable() -> Answer {
    let mut answer = message(
        StatusCode::SERVICE_UNAVAILABLE,
        "The store cannot be read, retry later",
    );
    answer
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    answer
}

/// `{"message": text}` with `status`.
fn message(status: StatusCode, text_: &str) -> Answer {
    text(
        status,
        "application/json",
        serde_json::json!({ "message": text_ }).to_string(),
    )
}

fn text(status: StatusCode, content_type: &'static str, body: String) -> Answer {
    let mut answer = bytes(content_type, Bytes::from(body));
    *answer.status_mut() = status;
    answer
}

fn bytes(content_type: &'static str, body: Bytes) -> Answer {
    let mut answer = Response::new(Full::new(body));
    answer
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_static(v));
        h
    }

    #[test]
    fn accept_negotiation() {
        assert_eq!(wants_der(&HeaderMap::new()), Some(false));
        assert_eq!(wants_der(&accept("*/*")), Some(false));
        assert_eq!(wants_der(&accept("application/pkix-cert")), Some(true));
        assert_eq!(
            wants_der(&accept("application/pkix-cert, */*;q=0.5")),
            Some(true)
        );
        assert_eq!(
            wants_der(&accept(
                "application/pkix-cert;q=0.5, application/pem-certificate-chain"
            )),
            Some(false)
        );
        assert_eq!(wants_der(&accept("text/html")), None);
        assert_eq!(wants_der(&accept("application/pkix-cert;q=0")), None);
    }

    #[test]
    fn etags_compare_weakly_and_star_matches() {
        let mut h = HeaderMap::new();
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"x\", W/\"ab\""),
        );
        assert!(if_none_match(&h, "\"ab\""));
        assert!(!if_none_match(&h, "\"abc\""));
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("*"));
        assert!(if_none_match(&h, "\"anything\""));
    }

    #[test]
    fn routes_and_query_flags() {
        assert!(Route::parse("a%40b.com").is_some_and(|r| !r.history));
        assert!(Route::parse("a@b.com/history").is_some_and(|r| r.history));
        assert!(Route::parse("a@b.com/other").is_none());
        assert!(Route::parse("").is_none());
        assert!(Route::parse("/history").is_none());
        assert!(query_flag(
            Some("x=1&include_expired=true"),
            "include_expired"
        ));
        assert!(!query_flag(
            Some("include_expired=false"),
            "include_expired"
        ));
        assert!(!query_flag(None, "include_expired"));
    }
}
