//! Cross-binary scenarios live in `scenarios.rs` (the test target); this package has no
//! library code of its own.
