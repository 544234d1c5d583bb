//! Go's channel timers: `time.After`, `time.Tick`, `time.Timer` and `time.Ticker`, as thin
//! handles over [`ChanTimer`](super::chan_timer::ChanTimer). Each delivers `Instant`s on a
//! capacity-1 `gort::chan` channel, sent by the timer driver itself (no task per timer).

use super::chan_timer::ChanTimer;
use super::sleep::deadline_after;
use crate::loom::Arc;
use gort_channel::chan::{self, Receiver};
use std::fmt;
use std::time::{Duration, Instant};

/// Go's `time.After`: a channel that receives the current time once `duration` has passed.
///
/// The channel holds one value; after it, the channel is closed (a second `recv` returns `None`
/// rather than blocking forever as Go's would).
///
/// Dropping the receiver early is safe but does not cancel the timer: it stays in the timer
/// driver, holding its channel, until its deadline, and is discarded then (Go ≤ 1.22's
/// behaviour; the driver has no cheap way to learn that the receiver is gone, since a dropped
/// receiver only closes the channel). So `after` in a loop whose other arm usually wins — a
/// per-iteration timeout in a `select!` — builds up one pending timer per iteration for the
/// whole duration. There, create one [`Timer`] before the loop and [`reset`](Timer::reset) it
/// each iteration: it has a single entry, and dropping it removes that entry at once.
///
/// ```
/// use gort_executor::time::{Timer, Duration};
/// let timeout = Timer::new(Duration::from_secs(1));
/// for _ in 0..3 {
///     // In a real loop, `timeout.channel()` is the other arm of a `select!`.
///     timeout.reset(Duration::from_millis(1)); // re-arms the one entry: no build-up
///     timeout.channel().recv_blocking().unwrap();
/// }
/// ```
///
/// Plain use:
///
/// ```
/// use gort_executor::time::{after, Duration, Instant};
/// let start = Instant::now();
/// let at = after(Duration::from_millis(5)).recv_blocking().unwrap();
/// assert!(at >= start + Duration::from_millis(5));
/// ```
pub fn after(duration: Duration) -> Receiver<Instant> {
    let (tx, rx) = chan::bounded(1);
    drop(ChanTimer::start(
        super::current_driver(),
        tx,
        deadline_after(duration),
        None,
    ));
    rx
}

/// Go's `time.Tick`: a channel that receives the current time every `period`.
///
/// Like a [`Ticker`] without its handle: ticks are dropped while the one-value buffer is full,
/// and unlike Go's, it stops (at its next tick) once every receiver is dropped, so nothing leaks.
///
/// # Panics
/// If `period` is zero (Go returns a nil channel there, which blocks forever; a zero period is
/// almost always a bug).
///
/// ```
/// use gort_executor::time::{tick, Duration};
/// let ticks = tick(Duration::from_millis(2));
/// for _ in 0..3 {
///     ticks.recv_blocking().unwrap();
/// }
/// ```
#[track_caller]
pub fn tick(period: Duration) -> Receiver<Instant> {
    check_period(period, "gort::time::tick");
    let (tx, rx) = chan::bounded(1);
    drop(ChanTimer::start(
        super::current_driver(),
        tx,
        deadline_after(period),
        Some(period),
    ));
    rx
}

#[track_caller]
fn check_period(period: Duration, what: &str) {
    if period.is_zero() {
        panic!(
            "non-positive interval for NewTicker: {what} needs a period greater than zero \
             (got 0). For a one-shot timer use gort::time::after or Timer::new; to tick as \
             fast as possible, loop with gort::yield_now instead."
        );
    }
}

/// Go's `time.Timer`: delivers the current time once on [`channel`](Timer::channel), after a
/// duration; it can be stopped and reset.
///
/// Go 1.23 semantics: once [`stop`](Timer::stop) or [`reset`](Timer::reset) returns, no value
/// from before the call can be received — there is no need to drain the channel. Dropping the
/// `Timer` stops it.
///
/// ```
/// use gort_executor::time::{Timer, Duration};
/// let timer = Timer::new(Duration::from_millis(5));
/// timer.channel().recv_blocking().unwrap(); // fires after 5 ms
/// assert!(!timer.stop(), "already fired and received");
/// ```
pub struct Timer {
    rx: Receiver<Instant>,
    timer: Arc<ChanTimer>,
}

impl Timer {
    /// A timer that fires once `duration` from now (at once for zero).
    ///
    /// ```
    /// use gort_executor::time::{Timer, Duration};
    /// let timer = Timer::new(Duration::ZERO);
    /// assert!(timer.channel().recv_blocking().is_some());
    /// ```
    pub fn new(duration: Duration) -> Timer {
        let (tx, rx) = chan::bounded(1);
        let timer = ChanTimer::start(super::current_driver(), tx, deadline_after(duration), None);
        Timer { rx, timer }
    }

    /// The channel the time is delivered on (capacity 1). Use it in `select!` or `recv` it.
    ///
    /// ```
    /// use gort_executor::time::{Timer, Duration};
    /// # gort_executor::block_on(async {
    /// let timer = Timer::new(Duration::from_millis(1));
    /// assert!(timer.channel().recv().await.is_some());
    /// # });
    /// ```
    pub fn channel(&self) -> &Receiver<Instant> {
        &self.rx
    }

    /// Stops the timer. Returns true if this call stopped it from delivering — it was pending,
    /// or had fired but its value was not yet received (that value is discarded) — and false
    /// if its value was already received or it was stopped before.
    ///
    /// ```
    /// use gort_executor::time::{Timer, Duration};
    /// let timer = Timer::new(Duration::from_secs(60));
    /// assert!(timer.stop());
    /// assert!(!timer.stop(), "stopped already");
    /// assert!(timer.channel().try_recv().is_err(), "nothing is ever delivered");
    /// ```
    pub fn stop(&self) -> bool {
        self.timer.stop(&self.rx)
    }

    /// Re-arms the timer to fire `duration` from now, discarding any value not yet received.
    /// Returns true if the timer had been active (as [`stop`](Timer::stop) counts it).
    ///
    /// ```
    /// use gort_executor::time::{Timer, Duration};
    /// let timer = Timer::new(Duration::from_secs(60));
    /// assert!(timer.reset(Duration::from_millis(1)), "it was pending");
    /// timer.channel().recv_blocking().unwrap();
    /// assert!(!timer.reset(Duration::from_millis(1)), "it had fired and been received");
    /// timer.channel().recv_blocking().unwrap();
    /// ```
    pub fn reset(&self, duration: Duration) -> bool {
        ChanTimer::reset(&self.timer, &self.rx, deadline_after(duration), None)
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        self.timer.stop(&self.rx);
    }
}

impl fmt::Debug for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timer")
            .field("deadline", &self.timer.deadline())
            .finish_non_exhaustive()
    }
}

/// Go's `time.Ticker`: delivers the current time on [`channel`](Ticker::channel) every period.
///
/// The channel holds one tick; a slow reader misses ticks rather than receiving a backlog.
/// Ticks stay on the grid `start + n * period` (no drift); ticks missed while the process was
/// busy are skipped, as Go does. As in Go 1.23, after [`stop`](Ticker::stop) or
/// [`reset`](Ticker::reset) returns no stale tick can be received. Dropping the `Ticker` stops it.
///
/// ```
/// use gort_executor::time::{Ticker, Duration};
/// let ticker = Ticker::new(Duration::from_millis(2));
/// for _ in 0..3 {
///     ticker.channel().recv_blocking().unwrap();
/// }
/// ticker.stop();
/// ```
pub struct Ticker {
    rx: Receiver<Instant>,
    timer: Arc<ChanTimer>,
}

impl Ticker {
    /// A ticker with the given period; the first tick comes one period from now.
    ///
    /// ```
    /// use gort_executor::time::{Duration, Instant, Ticker};
    ///
    /// let start = Instant::now();
    /// let ticker = Ticker::new(Duration::from_millis(5));
    /// let tick = ticker.channel().recv_blocking().unwrap(); // the time of the tick
    /// assert!(tick - start >= Duration::from_millis(5));
    /// ticker.stop();
    /// ```
    ///
    /// # Panics
    /// If `period` is zero, with Go's message "non-positive interval for NewTicker".
    ///
    /// ```should_panic
    /// gort_executor::time::Ticker::new(std::time::Duration::ZERO); // panics
    /// ```
    #[track_caller]
    pub fn new(period: Duration) -> Ticker {
        check_period(period, "Ticker::new");
        let (tx, rx) = chan::bounded(1);
        let timer = ChanTimer::start(
            super::current_driver(),
            tx,
            deadline_after(period),
            Some(period),
        );
        Ticker { rx, timer }
    }

    /// The channel the ticks are delivered on (capacity 1).
    ///
    /// ```
    /// use gort_executor::time::{Ticker, Duration};
    /// let ticker = Ticker::new(Duration::from_millis(1));
    /// assert_eq!(ticker.channel().capacity(), Some(1));
    /// ```
    pub fn channel(&self) -> &Receiver<Instant> {
        &self.rx
    }

    /// Stops the ticker: no tick is delivered after this returns (a tick not yet received is
    /// discarded). [`reset`](Ticker::reset) starts it again.
    ///
    /// ```
    /// use gort_executor::time::{Ticker, Duration};
    /// let ticker = Ticker::new(Duration::from_millis(1));
    /// ticker.stop();
    /// std::thread::sleep(Duration::from_millis(5));
    /// assert!(ticker.channel().try_recv().is_err());
    /// ```
    pub fn stop(&self) {
        self.timer.stop(&self.rx);
    }

    /// Changes the period and restarts the ticker: the next tick comes one new period from
    /// now. A tick not yet received is discarded.
    ///
    /// # Panics
    /// If `period` is zero ("non-positive interval for Ticker.Reset", as Go says).
    ///
    /// ```
    /// use gort_executor::time::{Ticker, Duration};
    /// let ticker = Ticker::new(Duration::from_secs(60));
    /// ticker.reset(Duration::from_millis(1));
    /// ticker.channel().recv_blocking().unwrap();
    /// ```
    #[track_caller]
    pub fn reset(&self, period: Duration) {
        if period.is_zero() {
            panic!(
                "non-positive interval for Ticker.Reset: Ticker::reset needs a period greater \
                 than zero (got 0); call stop() to pause the ticker instead"
            );
        }
        ChanTimer::reset(&self.timer, &self.rx, deadline_after(period), Some(period));
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.timer.stop(&self.rx);
    }
}

impl fmt::Debug for Ticker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ticker")
            .field("next_tick", &self.timer.deadline())
            .finish_non_exhaustive()
    }
}
