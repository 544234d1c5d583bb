//! The timer driver of one runtime: the wheel behind a lock, and the protocol by which parked
//! workers keep time — no timer thread.
//!
//! Time is counted in ticks of [`TICK_NS`] since the driver started. A deadline `d` is due at
//! tick `ceil(d)` and fires once the clock has reached that tick, so a timer never fires before
//! its deadline, and at most one tick (65.5 µs) plus the OS wake-up latency after it.
//!
//! **Who fires timers.** Every worker that parks calls [`Driver::before_park`] under the wheel
//! lock: the first one finds no *owner* and becomes it, parking until the wheel's next
//! expiration; the others park without a deadline. On leaving its park every worker calls
//! [`Driver::after_park`], which gives up ownership and fires whatever is due. Busy workers call
//! [`Driver::fire_if_due`] every `GLOBAL_QUEUE_INTERVAL` ticks: one atomic load while nothing is
//! due. The rules that keep this free of lost wake-ups, all decided under the wheel lock:
//!
//! 1. A registration due before the owner's park deadline unparks the owner (which re-parks with
//!    the new deadline). The owner's parker keeps a token, so an unpark that lands between the
//!    decision and the actual sleep is not lost.
//! 2. If there is no owner (it left its park) but other workers are parked, the registration,
//!    or the worker leaving its park while timers remain pending, *hands off*: it wakes one
//!    parked worker, which finds no work, parks again and becomes the owner. One hand-off is in
//!    flight at a time.
//! 3. Work notifications avoid waking the owner while another parked worker can take the work
//!    ([`Driver::owner_hint`], used by `Shared::notify_parked`), so hand-offs are rare.
//!
//! So whenever a worker is parked, some worker is responsible for the next deadline. The one
//! remaining case of late timers: every worker is stuck inside a long poll (no worker parks and
//! none reaches its periodic check); timers then fire when the first of them gets back to its
//! loop. The same is true of any cooperative scheduler (tokio's and Go's included).
//!
//! **Firing.** Expired entries are taken out of the wheel in batches of [`FIRE_BATCH`] under the
//! lock and fired outside it: a `Sleep`'s waker is woken; a channel timer's
//! `ChanTimer::fire` sends the time (and re-arms a
//! ticker). User code (wakers, drops) never runs under the wheel lock.
//!
//! **Shutdown.** [`Driver::shutdown`] refuses new registrations and empties the wheel: each
//! `Sleep` is woken (its next poll re-registers it with another runtime's driver, see `sleep.rs`)
//! and each channel timer moves to the global runtime's driver, so a timer's deadline is kept
//! whichever runtime it was registered with.

use super::chan_timer::ChanTimer;
use super::wheel::{Key, Wheel};
use crate::loom::{lock, Arc, AtomicU64, AtomicUsize, Mutex};
use crate::scheduler::park::Unparker;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering::Relaxed;
use std::task::Waker;
use std::time::{Duration, Instant};

/// Nanoseconds per tick: 2^16 ns = 65.5 µs. Well below the 1 ms lateness the API promises (a
/// deadline is rounded up by at most one tick), yet 64 level-0 slots still span 4.2 ms, so
/// sleeps of a few milliseconds cascade at most once.
pub(crate) const TICK_NS: u64 = 1 << 16;

/// Timers fired per lock acquisition: bounds how long registrations wait behind a burst of
/// expirations (tokio uses 32 wakers per batch; any number in the tens to hundreds will do).
const FIRE_BATCH: usize = 128;

const NO_OWNER: usize = usize::MAX;

/// What a wheel entry does when it fires.
pub(crate) enum Action {
    /// A `Sleep`: wake its task. `None` only transiently.
    Wake(Option<Waker>),
    /// A channel timer, armed as its generation `seq`.
    Chan(Arc<ChanTimer>, u64),
}

impl Action {
    /// Runs the action; a panicking foreign waker must not take the worker down or lose the
    /// rest of the batch (the panic hook has already reported it).
    pub(crate) fn fire(self, now: Instant) {
        let _ = catch_unwind(AssertUnwindSafe(|| match self {
            Action::Wake(waker) => waker.into_iter().for_each(Waker::wake),
            Action::Chan(timer, seq) => ChanTimer::fire(&timer, seq, now),
        }));
    }

    /// At shutdown: a `Sleep` is woken to re-register elsewhere; a channel timer moves.
    fn evict(self) {
        let _ = catch_unwind(AssertUnwindSafe(|| match self {
            Action::Wake(waker) => waker.into_iter().for_each(Waker::wake),
            Action::Chan(timer, seq) => ChanTimer::driver_shut_down(&timer, seq),
        }));
    }
}

/// Why a registration was refused.
pub(crate) enum Refused {
    /// The deadline is due already: the caller fires it itself.
    Due(Action),
    /// The driver's runtime has shut down: register with another driver.
    Shutdown(Action),
}

struct Owner {
    worker: usize,
    /// The tick the owner parks until (`u64::MAX`: no deadline).
    until: u64,
}

struct Inner {
    wheel: Wheel<Action>,
    owner: Option<Owner>,
    /// Parked workers that do not own the timers.
    parked: Vec<usize>,
    /// The worker woken to become the owner, while that hand-off is in flight.
    handoff: Option<usize>,
    shutdown: bool,
}

/// One runtime's timers. Shared (`Arc`) by the runtime and every registered timer.
pub(crate) struct Driver {
    start: Instant,
    inner: Mutex<Inner>,
    /// The wheel's next expiration tick (`u64::MAX`: none), for busy workers' cheap check. May
    /// be early (a cancelled timer), never late.
    next_wake: AtomicU64,
    /// The owner's index (`NO_OWNER`: none); a hint for whom not to wake for work.
    owner_hint: AtomicUsize,
    /// The runtime's workers, by index.
    unparkers: Box<[Unparker]>,
}

impl Driver {
    pub(crate) fn new(unparkers: Vec<Unparker>) -> Driver {
        Driver::with_start(Instant::now(), unparkers)
    }

    /// A driver whose clock started at `start` (loom models start it in the past, so that
    /// deadlines can be due by the clock yet unprocessed by the wheel).
    pub(crate) fn with_start(start: Instant, unparkers: Vec<Unparker>) -> Driver {
        Driver {
            start,
            inner: Mutex::new(Inner {
                wheel: Wheel::new(),
                owner: None,
                parked: Vec::with_capacity(unparkers.len()),
                handoff: None,
                shutdown: false,
            }),
            next_wake: AtomicU64::new(u64::MAX),
            owner_hint: AtomicUsize::new(NO_OWNER),
            unparkers: unparkers.into_boxed_slice(),
        }
    }

    /// The tick `deadline` is due at (rounded up: never early).
    fn deadline_tick(&self, deadline: Instant) -> u64 {
        let ns = deadline.saturating_duration_since(self.start).as_nanos();
        u64::try_from(ns.div_ceil(u128::from(TICK_NS))).unwrap_or(u64::MAX - 1)
    }

    /// The tick the clock has reached (rounded down).
    fn now_tick(&self, now: Instant) -> u64 {
        let ns = now.saturating_duration_since(self.start).as_nanos();
        u64::try_from(ns / u128::from(TICK_NS)).unwrap_or(u64::MAX - 1)
    }

    fn instant_of(&self, tick: u64) -> Option<Instant> {
        self.start
            .checked_add(Duration::from_nanos(tick.checked_mul(TICK_NS)?))
    }

    fn publish_next(&self, inner: &Inner) {
        let next = inner.wheel.next_expiration().unwrap_or(u64::MAX);
        self.next_wake.store(next, Relaxed);
    }

    /// Registers `action` to run at `deadline`.
    pub(crate) fn insert(&self, deadline: Instant, action: Action) -> Result<Key, Refused> {
        let when = self.deadline_tick(deadline);
        let mut inner = lock(&self.inner);
        if inner.shutdown {
            return Err(Refused::Shutdown(action));
        }
        let key = inner.wheel.insert(when, action).map_err(Refused::Due)?;
        if when < self.next_wake.load(Relaxed) {
            self.next_wake.store(when, Relaxed);
        }
        let wake = self.who_watches(&mut inner, when);
        drop(inner);
        if let Some(worker) = wake {
            self.unparkers[worker].unpark();
        }
        Ok(key)
    }

    /// Rules 1 and 2 for a new deadline `when`: the worker to wake, if any.
    fn who_watches(&self, inner: &mut Inner, when: u64) -> Option<usize> {
        match &mut inner.owner {
            Some(owner) if when < owner.until => {
                owner.until = when;
                Some(owner.worker)
            }
            Some(_) => None,
            None => self.hand_off(inner, NO_OWNER),
        }
    }

    /// Rule 2: picks a parked worker (not `me`) to become the owner, unless one is on its way.
    fn hand_off(&self, inner: &mut Inner, me: usize) -> Option<usize> {
        if inner.owner.is_some() || inner.handoff.is_some() || inner.wheel.is_empty() {
            return None;
        }
        let worker = inner.parked.iter().rev().copied().find(|&w| w != me)?;
        inner.handoff = Some(worker);
        Some(worker)
    }

    /// Cancels an entry; returns its action (to be dropped by the caller, outside the lock).
    pub(crate) fn remove(&self, key: Key) -> Option<Action> {
        lock(&self.inner).wheel.remove(key)
    }

    /// Updates a pending `Sleep`'s waker. False if the entry is gone (fired or evicted).
    pub(crate) fn update_waker(&self, key: Key, waker: &Waker) -> bool {
        let mut inner = lock(&self.inner);
        match inner.wheel.get_mut(key) {
            Some(Action::Wake(slot)) => {
                match slot {
                    Some(w) if w.will_wake(waker) => {}
                    _ => {
                        // The old waker is dropped under the lock: wakers are not user code
                        // that may re-enter the driver in any executor we know of, and a
                        // panic in a drop here would only poison a lock we ignore poisoning of.
                        *slot = Some(waker.clone());
                    }
                }
                true
            }
            Some(Action::Chan(..)) => unreachable!("a Sleep's key names a channel timer"),
            None => false,
        }
    }

    /// Moves a pending entry to `deadline`. `Ok(true)`: moved; `Ok(false)`: the entry is gone;
    /// `Err(action)`: `deadline` is due already and the entry was removed.
    pub(crate) fn reschedule(&self, key: Key, deadline: Instant) -> Result<bool, Action> {
        let when = self.deadline_tick(deadline);
        let mut inner = lock(&self.inner);
        match inner.wheel.reschedule(key, when) {
            Ok(()) => {
                if when < self.next_wake.load(Relaxed) {
                    self.next_wake.store(when, Relaxed);
                }
                let wake = self.who_watches(&mut inner, when);
                drop(inner);
                if let Some(worker) = wake {
                    self.unparkers[worker].unpark();
                }
                Ok(true)
            }
            Err(None) => Ok(false),
            Err(Some(action)) => Err(action),
        }
    }

    /// A worker is about to park. Returns the deadline it must wake at, if it became the owner.
    pub(crate) fn before_park(&self, worker: usize) -> Option<Instant> {
        let mut inner = lock(&self.inner);
        if inner.shutdown {
            return None;
        }
        if inner.owner.is_some() {
            inner.parked.push(worker);
            return None;
        }
        let next = inner.wheel.next_expiration();
        inner.owner = Some(Owner {
            worker,
            until: next.unwrap_or(u64::MAX),
        });
        inner.handoff = None;
        self.owner_hint.store(worker, Relaxed);
        // A deadline too far to express as an Instant: sleep without one (a registration
        // that is sooner wakes us by rule 1).
        next.and_then(|tick| self.instant_of(tick))
    }

    /// A worker left its park: gives up ownership, fires what is due, hands off if needed.
    pub(crate) fn after_park(&self, worker: usize) {
        let now = Instant::now();
        let mut batch = Vec::new();
        let mut inner = lock(&self.inner);
        if inner.owner.as_ref().is_some_and(|o| o.worker == worker) {
            inner.owner = None;
            self.owner_hint.store(NO_OWNER, Relaxed);
        } else if let Some(i) = inner.parked.iter().position(|&w| w == worker) {
            inner.parked.swap_remove(i);
        }
        let was_handoff = inner.handoff == Some(worker);
        if was_handoff {
            // We were woken to become the owner: we will, when we park again.
            inner.handoff = None;
        }
        let more = self.take_due(&mut inner, now, &mut batch);
        let wake = if was_handoff {
            None
        } else {
            self.hand_off(&mut inner, worker)
        };
        drop(inner);
        if let Some(w) = wake {
            self.unparkers[w].unpark();
        }
        for action in batch {
            action.fire(now);
        }
        if more {
            self.fire_due(now);
        }
    }

    /// Busy workers' periodic check: fires due timers; one atomic load when none are due.
    pub(crate) fn fire_if_due(&self) {
        let next = self.next_wake.load(Relaxed);
        if next == u64::MAX {
            return;
        }
        let now = Instant::now();
        if self.now_tick(now) >= next {
            self.fire_due(now);
        }
    }

    /// Fires every timer due at `now`, in batches, outside the lock.
    pub(crate) fn fire_due(&self, now: Instant) {
        let mut batch = Vec::with_capacity(FIRE_BATCH);
        loop {
            let more = self.take_due(&mut lock(&self.inner), now, &mut batch);
            for action in batch.drain(..) {
                action.fire(now);
            }
            if !more {
                return;
            }
        }
    }

    /// Advances the wheel to `now` and moves up to one batch of due actions into `out` (fired
    /// by the caller after unlocking). Returns whether due actions remain in the wheel.
    fn take_due(&self, inner: &mut Inner, now: Instant, out: &mut Vec<Action>) -> bool {
        let tick = self.now_tick(now);
        if inner.wheel.next_expiration().is_none_or(|next| next > tick) {
            // Nothing due: refresh a hint left early by a cancelled timer.
            self.publish_next(inner);
            return false;
        }
        inner.wheel.advance(tick);
        while out.len() < FIRE_BATCH {
            match inner.wheel.pop_expired() {
                Some(action) => out.push(action),
                None => break,
            }
        }
        self.publish_next(inner);
        out.len() == FIRE_BATCH
    }

    /// The owner's index, for `Shared::notify_parked` to wake another parked worker first
    /// (`usize::MAX` when there is none).
    pub(crate) fn owner_hint(&self) -> usize {
        self.owner_hint.load(Relaxed)
    }

    /// Pending timers (metrics, tests).
    pub(crate) fn len(&self) -> usize {
        lock(&self.inner).wheel.len()
    }

    /// The runtime is shutting down: refuse registrations and evict every timer (see the module
    /// docs). Idempotent.
    pub(crate) fn shutdown(&self) {
        let evicted = {
            let mut inner = lock(&self.inner);
            inner.shutdown = true;
            inner.owner = None;
            inner.parked.clear();
            inner.handoff = None;
            self.next_wake.store(u64::MAX, Relaxed);
            inner.wheel.drain()
        };
        for action in evicted {
            action.evict();
        }
    }
}
