//! The bounded MIME walker that finds the top-level signature.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| smime_extract::fuzzing::mime_locate(data));
