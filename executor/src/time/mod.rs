//! Go's `time` for async Rust: sleeps, timeouts, `after`/`tick` channels, `Timer` and `Ticker`.
//!
//! ```
//! use gort_executor::time::{self, Duration, Instant};
//! # gort_executor::block_on(async {
//! let start = Instant::now();
//! time::sleep(Duration::from_millis(5)).await;
//! assert!(start.elapsed() >= Duration::from_millis(5));
//!
//! let slow = time::sleep(Duration::from_secs(60));
//! assert!(time::timeout(Duration::from_millis(5), slow).await.is_err());
//!
//! let ticker = time::Ticker::new(Duration::from_millis(1));
//! ticker.channel().recv().await.unwrap();
//! # });
//! ```
//!
//! | Go | gort |
//! |---|---|
//! | `time.Sleep(d)` | `sleep(d).await` |
//! | `<-time.After(d)` | `after(d).recv().await` |
//! | `time.Tick(d)` | `tick(d)` |
//! | `time.NewTimer(d)`, `t.C`, `t.Stop()`, `t.Reset(d)` | `Timer::new(d)`, `t.channel()`, `t.stop()`, `t.reset(d)` |
//! | `time.NewTicker(d)`, `t.C`, `t.Stop()`, `t.Reset(d)` | `Ticker::new(d)`, `t.channel()`, `t.stop()`, `t.reset(d)` |
//! | `context.WithTimeout` around one call | `timeout(d, future).await` |
//!
//! **Resolution.** A timer never fires before its deadline, and on an idle machine within a
//! millisecond after it (typically 0.1–0.4 ms; the clock ticks every 65.5 µs, see
//! `examples/timer_resolution.rs`).
//!
//! **Where timers run.** Each runtime has one timer driver: a hierarchical timing wheel (`O(1)`
//! register and cancel; a million pending timers are fine). There is no timer thread: a parked
//! worker sleeps until the next deadline and fires what is due, and busy workers check a clock
//! word every few dozen tasks. A timer created or first polled inside a runtime (on a worker, or
//! inside `Runtime::block_on`) uses that runtime's driver; anywhere else — a plain thread,
//! `gort::block_on`, tokio, `futures::executor` — the global runtime's. Timers then work with
//! any executor: the driver only calls wakers and sends on channels.
//!
//! **Latency caveat.** If every worker of the runtime is stuck inside one long poll (blocking
//! code in async), nobody looks at the clock until one of them returns: timers fire late, as on
//! any cooperative scheduler. Use `spawn_blocking` for blocking work.
//!
//! **Shutdown.** When a runtime shuts down, its pending timers move on: a `Sleep` re-registers
//! with another driver at its next poll, and channel timers move to the global runtime. Either
//! keeps its deadline; nothing fires early, hangs, or panics. See `sleep.rs` for why.
//!
//! Inside: `wheel` (the timing wheel, sequential), `driver` (the lock around it, and how
//! parking workers keep time), `sleep` (`Sleep`, `Timeout`), `chan_timer` (the channel-timer
//! core with Go 1.23's stop/reset guarantee), `timer` (`after`, `tick`, `Timer`, `Ticker`).

mod chan_timer;
pub(crate) mod driver;
#[cfg(not(loom))]
mod sleep;
#[cfg(not(loom))]
mod timer;
mod wheel;

#[cfg(all(test, loom))]
mod loom_tests;

#[cfg(not(loom))]
pub use sleep::{sleep, sleep_until, timeout, timeout_at, Elapsed, Sleep, Timeout};
pub use std::time::{Duration, Instant};
#[cfg(not(loom))]
pub use timer::{after, tick, Ticker, Timer};

use crate::loom::Arc;
use driver::Driver;

/// The driver of the runtime this thread is inside, else the global runtime's.
#[cfg(not(loom))]
fn current_driver() -> Arc<Driver> {
    crate::runtime::context::with_current(|handle| handle.map(|h| h.shared.timers.clone()))
        .unwrap_or_else(global_driver)
}

/// The global runtime's driver: where timers go when their own runtime has shut down.
#[cfg(not(loom))]
fn global_driver() -> Arc<Driver> {
    crate::runtime::global().shared.timers.clone()
}

/// loom models never shut a driver down, so there is nowhere to move timers to.
#[cfg(loom)]
fn global_driver() -> Arc<Driver> {
    unreachable!("loom models have no global runtime")
}
