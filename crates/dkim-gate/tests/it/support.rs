//! Shared helpers: a gate pointed at a fresh loopback DNS server.

use std::time::Duration;

use dkim_gate::{Alignment, DkimConfig, DkimGate, DkimPass, Error};
use test_support::dns::TestDns;

/// A loopback DNS server with the fixture zone, and a gate using it.
pub(crate) struct Setup {
    pub(crate) dns: TestDns,
    pub(crate) gate: DkimGate,
}

impl Setup {
    pub(crate) async fn new() -> Setup {
        Setup::with(Alignment::Relaxed, dkim_gate::DEFAULT_TIMEOUT).await
    }

    pub(crate) async fn with(alignment: Alignment, timeout: Duration) -> Setup {
        let text = std::fs::read_to_string(test_support::testdata_dir().join("dkim/zone.txt"))
            .expect("testdata/dkim/zone.txt (run gen-testdata)");
        Setup::serving(
            &test_support::dkim::parse_zone_text(&text),
            alignment,
            timeout,
        )
        .await
    }

    pub(crate) async fn serving(
        records: &[(String, String)],
        alignment: Alignment,
        timeout: Duration,
    ) -> Setup {
        let dns = TestDns::start(records).await;
        let config = DkimConfig {
            alignment,
            dns: vec![dns.addr()],
            timeout,
        };
        let gate = DkimGate::new(&config).expect("gate");
        Setup { dns, gate }
    }

    /// Verifies `testdata/dkim/<path>` as mail from `from`'s domain.
    pub(crate) async fn verify(&self, path: &str, from: &str) -> Result<DkimPass, Error> {
        let raw = std::fs::read(test_support::testdata_dir().join("dkim").join(path))
            .unwrap_or_else(|e| panic!("testdata/dkim/{path}: {e}"));
        let domain = from.rsplit_once('@').map_or(from, |(_, d)| d);
        self.gate.verify(&raw, domain).await
    }
}

/// The reason code of a rejection (panics on a pass).
pub(crate) fn code(result: &Result<DkimPass, Error>) -> &'static str {
    match result {
        Ok(pass) => panic!("expected a rejection, got a pass: {pass:?}"),
        Err(e) => e.reason_code(),
    }
}
