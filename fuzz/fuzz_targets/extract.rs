//! The whole of smime-extract: locate, decode, verify. Any input gives a result or an
//! error; SHA-1 is allowed so the SHA-1 verification path is reached too.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = smime_extract::Options { allow_sha1: true, ..Default::default() };
    if let Err(e) = smime_extract::extract(data, &opts) {
        let _ = e.reason_code();
    }
});
