//! The directory store's file-name mapping over arbitrary addresses: a name never
//! contains '/' or NUL, never starts with '.', never exceeds 255 bytes, and is stable.
//! Seed with addresses (one per file), e.g. the From lines of testdata/pipeline.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(address) = std::str::from_utf8(data) else { return };
    if let Ok(name) = cert_store::file_name_for(address) {
        assert!(!name.contains('/') && !name.contains('\0'), "{name:?}");
        assert!(!name.starts_with('.'), "{name:?}");
        assert!(name.len() <= 255, "{name:?}");
        assert_eq!(cert_store::file_name_for(address).ok(), Some(name));
    }
});
