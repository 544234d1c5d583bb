//! Go's `time` for async Rust: sleeps, timeouts, `after`/`tick` channels, `Timer` and `Ticker`.
