//! RFC 3339 formatting and parsing of Unix seconds (humantime does the calendar work).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Unix seconds as RFC 3339 UTC, e.g. `2026-06-01T00:00:00Z`. Out-of-range values clamp.
pub fn rfc3339(unix: i64) -> String {
    // humantime formats years 0000-9999 only; clamp outside that.
    match u64::try_from(unix) {
        Err(_) => "1970-01-01T00:00:00Z".to_string(),
        Ok(secs) if secs >= 253_402_300_800 => "9999-12-31T23:59:59Z".to_string(),
        Ok(secs) => {
            humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(secs)).to_string()
        }
    }
}

/// Parses an RFC 3339 time (as `--at` takes it) into Unix seconds.
///
/// # Errors
/// A readable message when the text is not RFC 3339 or is before 1970.
pub fn parse_rfc3339(text: &str) -> Result<i64, String> {
    let t = humantime::parse_rfc3339_weak(text).map_err(|e| format!("{text:?}: {e}"))?;
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map_err(|_| format!("{text:?} is before 1970"))?
        .as_secs();
    i64::try_from(secs).map_err(|_| format!("{text:?} is out of range"))
}

/// The current time in Unix seconds (for the binaries; libraries take the time as an argument).
pub fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        assert_eq!(rfc3339(1_780_272_000), "2026-06-01T00:00:00Z");
        assert_eq!(
            parse_rfc3339("2026-06-01T00:00:00Z").unwrap(),
            1_780_272_000
        );
        assert!(parse_rfc3339("yesterday").is_err());
        assert_eq!(rfc3339(-5), "1970-01-01T00:00:00Z");
    }
}
