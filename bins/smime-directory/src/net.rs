//! The accept loop both servers share: a cap on open connections, a cap per client IP
//! address, and graceful shutdown.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::App;
use crate::metrics::Protocol;

/// Open connections per client address; a slot is released when its guard drops.
#[derive(Default)]
struct PerIp {
    open: Mutex<HashMap<IpAddr, usize>>,
}

struct IpSlot {
    table: Arc<PerIp>,
    ip: IpAddr,
}

impl PerIp {
    fn try_take(table: &Arc<PerIp>, ip: IpAddr, max: usize) -> Option<IpSlot> {
        let mut open = table.open.lock().unwrap_or_else(|e| e.into_inner());
        let n = open.entry(ip).or_default();
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(IpSlot {
            table: Arc::clone(table),
            ip,
        })
    }
}

impl Drop for IpSlot {
    fn drop(&mut self) {
        let mut open = self.table.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = open.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// Accepts on `listener` until `shutdown`, running `handle` for each connection within
/// the app's connection limits, then waits for the connections to finish (they watch
/// `shutdown` too).
pub(crate) async fn accept_loop<F, Fut>(
    listener: TcpListener,
    app: Arc<App>,
    protocol: Protocol,
    shutdown: CancellationToken,
    handle: F,
) where
    F: Fn(TcpStream, SocketAddr, Arc<App>, CancellationToken) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let limits = app.options.limits.clone();
    let tracker = TaskTracker::new();
    let total = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let per_ip = Arc::new(PerIp::default());
    loop {
        let permit = tokio::select! {
            biased;
            () = shutdown.cancelled() => break,
            permit = Arc::clone(&total).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            biased;
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let Some(slot) = PerIp::try_take(&per_ip, peer.ip(), limits.max_connections_per_ip) else {
            app.metrics.connection_refused();
            tracing::debug!(%peer, "over the per-address connection limit: closed");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let work = handle(stream, peer, Arc::clone(&app), shutdown.clone());
        let app = Arc::clone(&app);
        tracker.spawn(async move {
            let _permit = permit;
            let _slot = slot;
            app.metrics.connection_opened(protocol);
            work.await;
            app.metrics.connection_closed(protocol);
        });
    }
    drop(listener);
    tracker.close();
    tracker.wait().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_ip_slots_are_bounded_and_released() {
        let table = Arc::new(PerIp::default());
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let other: IpAddr = "127.0.0.2".parse().unwrap();
        let a = PerIp::try_take(&table, ip, 2).unwrap();
        let _b = PerIp::try_take(&table, ip, 2).unwrap();
        assert!(PerIp::try_take(&table, ip, 2).is_none());
        assert!(PerIp::try_take(&table, other, 2).is_some());
        drop(a);
        assert!(PerIp::try_take(&table, ip, 2).is_some());
    }
}
