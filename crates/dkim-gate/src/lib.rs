//! dkim-gate
