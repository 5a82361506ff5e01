//! BER→DER normalisation round trip, and certificates kept byte-identical.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| smime_extract::fuzzing::ber_to_der(data));
