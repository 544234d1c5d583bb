//! Channel timers: the shared core of `after`, `tick`, `Timer` and `Ticker`.
//!
//! A [`ChanTimer`] owns the sending end of a capacity-1 channel and is armed in a driver's wheel
//! as `Action::Chan(timer, seq)`. No task is involved: when the entry fires, the driver calls
//! [`ChanTimer::fire`], which sends the current time with `try_send` (a full channel drops the
//! tick, as Go's does) and, for a ticker, re-arms the next tick.
//!
//! Go 1.23's guarantee — once `stop` or `reset` returns, no value from before can be received —
//! rests on one lock per timer (`state`), under which every send, stop and reset happens, and on
//! a generation number `seq`:
//! * `stop`/`reset` bump `seq`, remove the wheel entry, and drain the channel, all under `state`;
//! * `fire(seq)` sends only if the timer is still armed *as that generation*. An entry the
//!   driver already took out of the wheel but has not fired yet (it fires outside the wheel
//!   lock) thus sends nothing once a `stop` or `reset` got in first.
//!
//! So a value is either received before the `stop`/`reset` (it returns false: the timer had
//! expired) or never (it returns true: the call stopped it, by removing the entry, beating the
//! in-flight fire, or draining the unreceived value — Go 1.23 counts all three as stopping).
//!
//! Lock order: `state`, then the driver's wheel lock. The driver never takes `state` while it
//! holds its own lock.

use super::driver::{Action, Driver, Refused};
use super::wheel::Key;
use crate::loom::{lock, Arc, Mutex};
use gort_channel::chan::{Receiver, Sender, TrySendError};
use std::time::{Duration, Instant};

pub(crate) struct ChanTimer {
    state: Mutex<State>,
}

struct State {
    tx: Sender<Instant>,
    driver: Arc<Driver>,
    /// The wheel entry, while armed and not yet taken out by the driver.
    key: Option<Key>,
    /// Generation: bumped by every stop and reset, so that older entries fire nothing.
    seq: u64,
    /// Whether the current generation still has a value to deliver.
    armed: bool,
    deadline: Instant,
    /// A ticker's period.
    period: Option<Duration>,
}

impl ChanTimer {
    /// A timer that sends on `tx` at `deadline`, then every `period` if one is given.
    pub(crate) fn start(
        driver: Arc<Driver>,
        tx: Sender<Instant>,
        deadline: Instant,
        period: Option<Duration>,
    ) -> Arc<ChanTimer> {
        let timer = Arc::new(ChanTimer {
            state: Mutex::new(State {
                tx,
                driver,
                key: None,
                seq: 0,
                armed: true,
                deadline,
                period,
            }),
        });
        ChanTimer::arm(&timer, &mut lock(&timer.state));
        timer
    }

    /// Puts the current generation in the wheel (or delivers it at once if it is due).
    fn arm(this: &Arc<Self>, state: &mut State) {
        loop {
            match state
                .driver
                .insert(state.deadline, Action::Chan(this.clone(), state.seq))
            {
                Ok(key) => {
                    state.key = Some(key);
                    return;
                }
                Err(Refused::Due(_own_arc)) => {
                    if !deliver(state, Instant::now()) {
                        return;
                    }
                    // A ticker: its next deadline is set; go round.
                }
                Err(Refused::Shutdown(_own_arc)) => state.driver = super::global_driver(),
            }
        }
    }
}

/// Sends `now` and moves to the next period. Returns whether to re-arm (a ticker whose
/// receivers are still there).
fn deliver(state: &mut State, now: Instant) -> bool {
    state.key = None;
    if let Err(TrySendError::Closed(_)) = state.tx.try_send(now) {
        // Every receiver is gone: nobody will ever look (`tick` stops here).
        state.armed = false;
        return false;
    }
    // A full channel drops the value: the reader is slow, as Go's ticker allows.
    match state.period {
        None => {
            state.armed = false;
            false
        }
        Some(period) => {
            state.deadline = next_tick(state.deadline, period, now);
            true
        }
    }
}

impl ChanTimer {
    /// Called by the driver when generation `seq`'s entry is due.
    pub(crate) fn fire(this: &Arc<Self>, seq: u64, now: Instant) {
        let mut state = lock(&this.state);
        if !state.armed || state.seq != seq {
            return; // Stopped or reset after the driver took the entry out.
        }
        if deliver(&mut state, now) {
            ChanTimer::arm(this, &mut state);
        }
    }

    /// Called by a driver that shut down while generation `seq` was in its wheel: moves the
    /// timer to the global runtime's driver, deadline unchanged.
    pub(crate) fn driver_shut_down(this: &Arc<Self>, seq: u64) {
        let mut state = lock(&this.state);
        if !state.armed || state.seq != seq {
            return;
        }
        state.key = None;
        state.driver = super::global_driver();
        ChanTimer::arm(this, &mut state);
    }

    /// Disarms the current generation and drains `rx`. True if this stopped a pending value
    /// from being received (Go 1.23's `Timer.Stop`).
    pub(crate) fn stop(&self, rx: &Receiver<Instant>) -> bool {
        let mut state = lock(&self.state);
        self.stop_locked(&mut state, rx)
    }

    fn stop_locked(&self, state: &mut State, rx: &Receiver<Instant>) -> bool {
        let was_armed = std::mem::replace(&mut state.armed, false);
        state.seq += 1;
        if let Some(key) = state.key.take() {
            // The action holds a clone of our own Arc: dropping it here cannot free `self`.
            drop(state.driver.remove(key));
        }
        let drained = rx.try_recv().is_ok();
        was_armed || drained
    }

    /// Stops, then re-arms for `deadline` (and `period`). Returns what `stop` would have.
    pub(crate) fn reset(
        this: &Arc<Self>,
        rx: &Receiver<Instant>,
        deadline: Instant,
        period: Option<Duration>,
    ) -> bool {
        let mut state = lock(&this.state);
        let was_active = this.stop_locked(&mut state, rx);
        state.deadline = deadline;
        state.period = period;
        state.armed = true;
        ChanTimer::arm(this, &mut state);
        was_active
    }

    /// The current deadline (the next tick of a ticker).
    pub(crate) fn deadline(&self) -> Instant {
        lock(&self.state).deadline
    }
}

/// A ticker's next deadline after the one at `prev`: one period later, or, if the reader of the
/// clock is already past that, the first multiple of `period` after `now` (missed ticks are
/// skipped, as Go's ticker does; deadlines stay on the original grid, so there is no drift).
pub(crate) fn next_tick(prev: Instant, period: Duration, now: Instant) -> Instant {
    let next = prev + period;
    if next > now {
        return next;
    }
    let behind = now.duration_since(prev).as_nanos();
    let periods = behind / period.as_nanos() + 1;
    let offset = periods.saturating_mul(period.as_nanos());
    prev + Duration::from_nanos(u64::try_from(offset).unwrap_or(u64::MAX))
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::next_tick;
    use std::time::{Duration, Instant};

    #[test]
    fn next_tick_keeps_the_grid_and_skips_missed_ticks() {
        let t0 = Instant::now();
        let p = Duration::from_millis(10);
        assert_eq!(next_tick(t0, p, t0 + Duration::from_millis(3)), t0 + p);
        // 35 ms late: ticks at 10, 20 and 30 are skipped; the next is at 40, on the grid.
        assert_eq!(
            next_tick(t0, p, t0 + Duration::from_millis(35)),
            t0 + Duration::from_millis(40)
        );
        // Exactly on a tick: that tick is past, the next one follows.
        assert_eq!(
            next_tick(t0, p, t0 + Duration::from_millis(20)),
            t0 + Duration::from_millis(30)
        );
    }
}
