//! The webhook's relay batch parser over arbitrary bodies: every input is a batch or a
//! typed error, never a panic; every message of a batch decodes or errors (base64).
//! Seed with bins/smime-webhook/examples/relay-batch.json.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smime_webhook::relay::RelayBatch;

fuzz_target!(|data: &[u8]| {
    if let Ok(batch) = RelayBatch::from_slice(data) {
        for (i, event) in batch.events.iter().enumerate() {
            let _ = event.msys.relay_message.raw_message(i);
        }
    }
});
