//! Throughput of the pipeline over generated fixtures: `cargo bench -p collector`.
//!
//! A plain timing binary (harness = false): each scenario runs a warm-up, then enough
//! iterations to last about two seconds, and prints messages per second and the mean
//! time per message. Results are recorded in BENCHMARKS.md; tests never assert on time.
#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use collector::{Collector, Config, Verdict};
use test_support::dns::TestDns;

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(test_support::testdata_dir().join(rel)).unwrap()
}

fn report(name: &str, mut one: impl FnMut()) {
    for _ in 0..20 {
        one();
    }
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed() < Duration::from_secs(2) {
        one();
        n += 1;
    }
    let per = start.elapsed() / n;
    println!(
        "{name:<48} {:>9.0} msg/s  {:>9.1} µs/msg",
        1.0 / per.as_secs_f64(),
        per.as_secs_f64() * 1e6
    );
}

fn main() {
    let cases = [
        ("rsa-2048 detached", "pipeline/accepted/detached_rsa.eml"),
        (
            "rsa-2048 BER indefinite",
            "pipeline/accepted/ber_indefinite_detached.eml",
        ),
        ("ecdsa p-256", "pipeline/accepted/ecdsa_p256.eml"),
        ("ecdsa p-384", "pipeline/accepted/ecdsa_p384.eml"),
        (
            "with PNG+PDF attachments",
            "pipeline/accepted/multipart_with_attachments.eml",
        ),
    ];
    println!("smime_extract::extract (locate, decode, verify):");
    for (name, path) in cases {
        let raw = fixture(path);
        let opts = smime_extract::Options::default();
        report(name, || {
            black_box(smime_extract::extract(black_box(&raw), &opts).unwrap());
        });
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dns = runtime.block_on(TestDns::start(&test_support::dkim::zone_records()));
    let store = tempfile::tempdir().unwrap();
    let config = Config::from_toml(&format!(
        "[trust]\nanchors = [{:?}]\n[dkim]\ndns = [\"{}\"]\n[store]\nlocation = {:?}\n",
        test_support::testdata_dir().join("pki/root.pem"),
        dns.addr_string(),
        store.path(),
    ))
    .unwrap();
    let collector = runtime.block_on(async { Collector::from_config(&config).unwrap() });
    let at = test_support::FIXED_NOW_UNIX as i64;
    println!("whole pipeline (From, DKIM with cached key, S/MIME, policy, store unchanged):");
    for (name, path) in cases {
        let raw = fixture(path);
        report(name, || {
            let r = runtime.block_on(collector.process_at(&raw, "bench", at));
            assert_eq!(r.verdict, Verdict::Accepted, "{}", r.detail);
        });
    }
}
