//! One LDAP connection: reading messages through ldap3_proto's bounded codec, answering
//! each operation, StartTLS, and closing on garbage.

use bytes::BytesMut;
use ldap3_proto::LdapCodec;
use ldap3_proto::proto::{
    LdapBindCred, LdapBindRequest, LdapBindResponse, LdapExtendedRequest, LdapExtendedResponse,
    LdapMsg, LdapOp, LdapResult, LdapResultCode,
};
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};
use tokio::time::Instant;
use tokio_util::codec::{Decoder as _, Encoder as _};
use tokio_util::sync::CancellationToken;

use super::dn::Dn;
use super::search::{compare, search};
use super::{STARTTLS_OID, result};
use crate::App;

/// What a connection knows about its client.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct State {
    /// Bound as the configured reader.
    pub(crate) bound: bool,
    /// Running over TLS (LDAPS or after StartTLS).
    pub(crate) tls: bool,
}

/// How a session ended.
pub(crate) enum Ended<S> {
    /// The connection is done.
    Closed,
    /// StartTLS was accepted: wrap the stream and go on with this state.
    StartTls(S, State),
}

/// What to do after answering an operation.
enum Next {
    Continue,
    Close,
    StartTls,
}

/// Serves messages on `io` until the client leaves, misbehaves, idles out, or asks for
/// StartTLS.
pub(crate) async fn run<S>(
    mut io: S,
    app: &App,
    shutdown: &CancellationToken,
    mut state: State,
) -> Ended<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let limits = &app.options.limits;
    let mut codec = LdapCodec::new(
        Some(limits.max_ldap_message_bytes),
        Some(limits.max_ber_depth),
    );
    let mut rbuf = BytesMut::with_capacity(4096);
    let mut first = true;
    // When the first byte of the message being received arrived: a message must be
    // complete within first_request_timeout of it, however slowly it trickles in.
    let mut partial_since: Option<Instant> = None;
    loop {
        let msg = match codec.decode(&mut rbuf) {
            Ok(Some(msg)) => msg,
            Ok(None) => {
                let now = Instant::now();
                let deadline = match partial_since {
                    _ if rbuf.is_empty() => {
                        partial_since = None;
                        now + if first {
                            limits.first_request_timeout
                        } else {
                            limits.idle_timeout
                        }
                    }
                    Some(since) => since + limits.first_request_timeout,
                    None => {
                        partial_since = Some(now);
                        now + limits.first_request_timeout
                    }
                };
                rbuf.reserve(4096);
                let read = tokio::select! {
                    () = shutdown.cancelled() => {
                        let _ = send(&mut io, &mut codec, notice(LdapResultCode::Unavailable, "the server is shutting down")).await;
                        return Ended::Closed;
                    }
                    read = tokio::time::timeout_at(deadline, io.read_buf(&mut rbuf)) => read,
                };
                match read {
                    Ok(Ok(n)) if n > 0 => continue,
                    _ => return Ended::Closed,
                }
            }
            Err(e) => {
                tracing::debug!(error = %e, "undecodable LDAP message: closing");
                app.metrics
                    .ldap_operation("garbage", LdapResultCode::ProtocolError as i64);
                let _ = send(
                    &mut io,
                    &mut codec,
                    notice(LdapResultCode::ProtocolError, "undecodable message"),
                )
                .await;
                return Ended::Closed;
            }
        };
        first = false;
        partial_since = None;
        let (replies, next) = answer(app, &mut state, msg).await;
        for reply in replies {
            if send(&mut io, &mut codec, reply).await.is_err() {
                return Ended::Closed;
            }
        }
        match next {
            Next::Continue => {}
            Next::Close => return Ended::Closed,
            // Anything pipelined behind the StartTLS request breaks the protocol.
            Next::StartTls if rbuf.is_empty() => return Ended::StartTls(io, state),
            Next::StartTls => return Ended::Closed,
        }
    }
}

async fn send<S: AsyncWrite + Unpin>(
    io: &mut S,
    codec: &mut LdapCodec,
    msg: LdapMsg,
) -> std::io::Result<()> {
    let mut out = BytesMut::new();
    codec.encode(msg, &mut out)?;
    io.write_all(&out).await?;
    io.flush().await
}

/// RFC 4511 section 4.4.1: the unsolicited Notice of Disconnection.
fn notice(code: LdapResultCode, message: &str) -> LdapMsg {
    reply(
        0,
        LdapOp::ExtendedResponse(LdapExtendedResponse {
            res: result(code, message),
            name: Some("1.3.6.1.4.1.1466.20036".to_string()),
            value: None,
        }),
    )
}

fn reply(msgid: i32, op: LdapOp) -> LdapMsg {
    LdapMsg {
        msgid,
        op,
        ctrl: Vec::new(),
    }
}

fn counted(app: &App, op: &'static str, res: &LdapResult) {
    app.metrics.ldap_operation(op, res.code.clone() as i64);
}

/// Answers one message.
async fn answer(app: &App, state: &mut State, msg: LdapMsg) -> (Vec<LdapMsg>, Next) {
    let id = msg.msgid;
    let unwilling = || {
        result(
            LdapResultCode::UnwillingToPerform,
            "this directory is read-only",
        )
    };
    let (op, replies, next) = match msg.op {
        LdapOp::BindRequest(req) => {
            let res = bind(app, state, &req);
            let op = LdapOp::BindResponse(LdapBindResponse {
                res,
                saslcreds: None,
            });
            ("bind", vec![reply(id, op)], Next::Continue)
        }
        LdapOp::UnbindRequest => return (Vec::new(), Next::Close),
        LdapOp::AbandonRequest(_) => return (Vec::new(), Next::Continue),
        LdapOp::SearchRequest(req) => {
            let answer = search(app, state.bound, state.tls, &req).await;
            let mut out: Vec<LdapMsg> = answer
                .entries
                .into_iter()
                .map(|e| reply(id, LdapOp::SearchResultEntry(e)))
                .collect();
            out.push(reply(id, LdapOp::SearchResultDone(answer.done)));
            ("search", out, Next::Continue)
        }
        LdapOp::CompareRequest(req) => {
            let res = compare(app, state.bound, &req).await;
            (
                "compare",
                vec![reply(id, LdapOp::CompareResult(res))],
                Next::Continue,
            )
        }
        LdapOp::AddRequest(_) => (
            "add",
            vec![reply(id, LdapOp::AddResponse(unwilling()))],
            Next::Continue,
        ),
        LdapOp::ModifyRequest(_) => (
            "modify",
            vec![reply(id, LdapOp::ModifyResponse(unwilling()))],
            Next::Continue,
        ),
        LdapOp::DelRequest(_) => (
            "delete",
            vec![reply(id, LdapOp::DelResponse(unwilling()))],
            Next::Continue,
        ),
        LdapOp::ModifyDNRequest(_) => (
            "modrdn",
            vec![reply(id, LdapOp::ModifyDNResponse(unwilling()))],
            Next::Continue,
        ),
        LdapOp::ExtendedRequest(req) => {
            let (response, next) = extended(app, state, &req);
            (
                "extended",
                vec![reply(id, LdapOp::ExtendedResponse(response))],
                next,
            )
        }
        // A client sending responses is not speaking LDAP.
        LdapOp::BindResponse(_)
        | LdapOp::SearchResultEntry(_)
        | LdapOp::SearchResultDone(_)
        | LdapOp::SearchResultReference(_)
        | LdapOp::ModifyResponse(_)
        | LdapOp::AddResponse(_)
        | LdapOp::DelResponse(_)
        | LdapOp::ModifyDNResponse(_)
        | LdapOp::CompareResult(_)
        | LdapOp::ExtendedResponse(_)
        | LdapOp::IntermediateResponse(_) => {
            let n = notice(LdapResultCode::ProtocolError, "unexpected response message");
            app.metrics
                .ldap_operation("garbage", LdapResultCode::ProtocolError as i64);
            return (vec![n], Next::Close);
        }
    };
    if let Some(done) = replies.last().map(|m| &m.op) {
        match done {
            LdapOp::BindResponse(r) => counted(app, op, &r.res),
            LdapOp::ExtendedResponse(r) => counted(app, op, &r.res),
            LdapOp::SearchResultDone(r)
            | LdapOp::CompareResult(r)
            | LdapOp::AddResponse(r)
            | LdapOp::ModifyResponse(r)
            | LdapOp::DelResponse(r)
            | LdapOp::ModifyDNResponse(r) => counted(app, op, r),
            _ => {}
        }
    }
    (replies, next)
}

/// RFC 4511 section 4.2 and RFC 4513 section 5.1: anonymous or simple bind. The password
/// is compared in constant time whatever the DN, so the timing tells nothing.
fn bind(app: &App, state: &mut State, req: &LdapBindRequest) -> LdapResult {
    // A failed bind leaves the connection anonymous (RFC 4511 section 4.2.1).
    state.bound = false;
    if req.version != 3 {
        return result(
            LdapResultCode::ProtocolError,
            "only LDAP version 3 is supported",
        );
    }
    let password = match &req.cred {
        LdapBindCred::Simple(password) => password,
        LdapBindCred::SASL(_) | LdapBindCred::Unsupported => {
            return result(
                LdapResultCode::AuthMethodNotSupported,
                "only simple bind is supported",
            );
        }
    };
    if password.is_empty() {
        return if req.dn.trim().is_empty() {
            result(LdapResultCode::Success, "")
        } else {
            // RFC 4513 section 5.1.2: an unauthenticated bind is refused by default.
            result(
                LdapResultCode::UnwillingToPerform,
                "unauthenticated bind refused",
            )
        };
    }
    if app.is_tls() && !state.tls {
        return result(
            LdapResultCode::ConfidentialityRequired,
            "use StartTLS or LDAPS before sending a password",
        );
    }
    let accepted = match &app.options.bind {
        Some(identity) => {
            let password_ok = identity.password.matches(password.as_bytes());
            let dn_ok = Dn::parse(&req.dn)
                .zip(Dn::parse(&identity.dn))
                .is_some_and(|(a, b)| a.same(&b));
            password_ok & dn_ok
        }
        None => false,
    };
    if accepted {
        state.bound = true;
        result(LdapResultCode::Success, "")
    } else {
        tracing::info!(dn = ?req.dn, "LDAP bind refused: invalid credentials");
        result(LdapResultCode::InvalidCredentials, "")
    }
}

/// StartTLS, Who am I?, and `protocolError` for anything else.
fn extended(app: &App, state: &State, req: &LdapExtendedRequest) -> (LdapExtendedResponse, Next) {
    let response =
        |code, message: &str, name: Option<&str>, value: Option<Vec<u8>>| LdapExtendedResponse {
            res: result(code, message),
            name: name.map(str::to_string),
            value,
        };
    match req.name.as_str() {
        STARTTLS_OID if state.tls => (
            response(
                LdapResultCode::OperationsError,
                "TLS is already established",
                Some(STARTTLS_OID),
                None,
            ),
            Next::Continue,
        ),
        STARTTLS_OID if app.is_tls() => (
            response(LdapResultCode::Success, "", Some(STARTTLS_OID), None),
            Next::StartTls,
        ),
        STARTTLS_OID => (
            response(
                LdapResultCode::Unavailable,
                "TLS is not configured",
                Some(STARTTLS_OID),
                None,
            ),
            Next::Continue,
        ),
        ldap3_proto::proto::OID_WHOAMI => {
            let who = match &app.options.bind {
                Some(identity) if state.bound => format!("dn:{}", identity.dn),
                _ => String::new(),
            };
            (
                response(LdapResultCode::Success, "", None, Some(who.into_bytes())),
                Next::Continue,
            )
        }
        _ => (
            response(
                LdapResultCode::ProtocolError,
                "unsupported extended operation",
                None,
                None,
            ),
            Next::Continue,
        ),
    }
}
