//! The LDAP v3 server (RFC 4511), read-only, over ldap3_proto's codec and tokio.
//!
//! # Operations
//! - **Bind**: anonymous (empty DN and password) always; a simple bind succeeds only as
//!   the configured `bind_dn` with its password (compared in constant time), anything
//!   else is `invalidCredentials`, an empty password with a DN `unwillingToPerform`
//!   (RFC 4513 section 5.1.2), SASL `authMethodNotSupported`. When TLS is configured a
//!   password is accepted only over TLS (`confidentialityRequired` otherwise). With a
//!   `bind_dn` configured, searches and compares before the bind get
//!   `insufficientAccessRights` (the Root DSE stays readable).
//! - **StartTLS** (and LDAPS on its own listener) when `[directory.tls]` is set.
//! - **Search** under `base_dn`, scopes base, one, sub (and children): each address with
//!   a current, unexpired, unrevoked certificate is the entry `mail=<address>,<base_dn>`
//!   (RFC 4514 escaping) with `objectClass` (top, person, organizationalPerson,
//!   inetOrgPerson), `mail`, `cn` (the certificate's subject CN, else the address), `sn`
//!   (the CN's last word, else the address), `userCertificate;binary` (the DER) and
//!   `userSMIMECertificate` (a PKCS#7 certs-only SignedData holding it). The requested
//!   attribute list is honoured (`1.1`, `*`, names matched case-insensitively, also by
//!   OID, returned in schema spelling; `;binary` on `userSMIMECertificate` is echoed),
//!   as are `sizeLimit`, `timeLimit` (capped by [`crate::Limits::max_search_time`]) and
//!   `typesOnly`. A search base of `mail=<address>,<base_dn>` reads that entry.
//! - **Filters**: only complete addresses are looked up, see [`filter`](self#filters).
//! - **Root DSE** (`-b "" -s base`): `namingContexts`, `supportedLDAPVersion: 3`,
//!   `supportedExtension` (StartTLS when available, Who am I?), `vendorName`.
//! - **Compare** on `mail` or `objectClass` of an entry; on other attributes, and add,
//!   modify, delete and modify DN: `unwillingToPerform`. Who am I? answers the bind.
//!
//! # Filters
//! The directory must not be enumerable: a search looks up only the complete addresses
//! its filter names outside any `!` (equality or `~=` on `mail`, `cn`, `sn`,
//! `givenName`, `displayName` or `anr` with an address as value, or a substring filter on
//! those whose initial part is a complete address and that has no other part, which is
//! treated as equality on that address), then evaluates the whole filter on each entry.
//! Anything that names no complete address (`(mail=*)`, `(mail=a*)`, `(cn=Alice*)`)
//! returns no entries and success. More than [`crate::Limits::max_search_addresses`]
//! addresses in one filter: `adminLimitExceeded`.
//!
//! Outlook's default LDAP filter (set in `MAPISVC.INF`, changeable in the account's
//! "Search filter") is a prefix search over several attributes,
//! `(&(mail=*)(|(mail=%s*)(|(cn=%s*)(|(sn=%s*)(givenName=%s*)))))`; Thunderbird
//! autocompletes with `(|(cn=%v1*%v2-*)(mail=%v1*%v2-*)(sn=%v1*%v2-*))`, and Active
//! Directory clients use `(anr=%s)`. With a whole address typed, each of these names it
//! and finds the entry; with a partial name they find nothing, by design.
//!
//! # Bounds
//! Messages over [`crate::Limits::max_ldap_message_bytes`] (64 KiB) or nested deeper
//! than [`crate::Limits::max_ber_depth`] are refused by the codec, which closes that
//! connection with a Notice of Disconnection (`protocolError`), as does any undecodable
//! message. Connections are capped per listener and per client address, must send a
//! first message within [`crate::Limits::first_request_timeout`] and are closed after
//! [`crate::Limits::idle_timeout`] without one.

mod dn;
mod filter;
mod search;
mod session;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use ldap3_proto::proto::{LdapResult, LdapResultCode};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

pub use dn::{Dn, escape_value};
use session::{Ended, State};

use crate::App;
use crate::metrics::Protocol;
use crate::net::accept_loop;

/// The StartTLS extended operation (RFC 4511 section 4.14).
pub const STARTTLS_OID: &str = "1.3.6.1.4.1.1466.20037";

/// Serves LDAP (with StartTLS when the app has TLS) on `listener` until `shutdown` is
/// cancelled, then closes idle connections and returns once every connection ended.
///
/// # Errors
/// None today: failed accepts are logged and retried after a short pause.
pub async fn serve_ldap(
    listener: TcpListener,
    app: Arc<App>,
    shutdown: CancellationToken,
) -> io::Result<()> {
    accept_loop(listener, app, Protocol::Ldap, shutdown, |s, p, a, c| {
        connection(s, p, a, c, false)
    })
    .await;
    Ok(())
}

/// Serves LDAPS (TLS from the first byte) on `listener`, as [`serve_ldap`].
///
/// # Errors
/// [`io::ErrorKind::InvalidInput`] when the app has no TLS configuration.
pub async fn serve_ldaps(
    listener: TcpListener,
    app: Arc<App>,
    shutdown: CancellationToken,
) -> io::Result<()> {
    if !app.is_tls() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "LDAPS needs [directory.tls]",
        ));
    }
    accept_loop(listener, app, Protocol::Ldap, shutdown, |s, p, a, c| {
        connection(s, p, a, c, true)
    })
    .await;
    Ok(())
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Arc<App>,
    shutdown: CancellationToken,
    implicit_tls: bool,
) {
    let state = if implicit_tls {
        State {
            bound: false,
            tls: false,
        }
    } else {
        match session::run(stream, &app, &shutdown, State::default()).await {
            Ended::Closed => return,
            Ended::StartTls(stream, state) => {
                return over_tls(stream, peer, &app, &shutdown, state).await;
            }
        }
    };
    over_tls(stream, peer, &app, &shutdown, state).await;
}

async fn over_tls(
    stream: TcpStream,
    peer: SocketAddr,
    app: &App,
    shutdown: &CancellationToken,
    state: State,
) {
    let Some(config) = app.options.tls.clone() else {
        return;
    };
    let handshake = TlsAcceptor::from(config).accept(stream);
    match tokio::time::timeout(app.options.limits.tls_handshake_timeout, handshake).await {
        Ok(Ok(tls)) => {
            let state = State { tls: true, ..state };
            // StartTLS cannot happen twice: the session refuses it over TLS.
            let _ = session::run(tls, app, shutdown, state).await;
        }
        Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
    }
}

/// An LDAPResult with no matched DN and no referral.
pub(crate) fn result(code: LdapResultCode, message: &str) -> LdapResult {
    LdapResult {
        code,
        matcheddn: String::new(),
        message: message.to_string(),
        referral: Vec::new(),
    }
}
