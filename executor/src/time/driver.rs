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
//! due.
//!
//! **Invariant:** while timers are pending and some worker is parked, exactly one of these
//! holds, decided under the wheel lock: there is an owner (parked until the next deadline), or
//! there is a *hand-off target* (`Inner::handoff`) — a worker that will become the owner at its
//! next [`Driver::before_park`], and that calls [`Driver::pass_on`] before it polls any task
//! other than the one it is polling now. `handoff` is cleared only by `before_park` (the target
//! became the owner) and `pass_on` (the target gives the duty to a parked worker). The rules:
//!
//! 1. A registration due before the owner's park deadline unparks the owner (which re-parks with
//!    the new deadline). The owner's parker keeps a token, so an unpark that lands between the
//!    decision and the actual sleep is not lost. The owner leaving its park (for this or any
//!    reason) becomes its own hand-off target: if it only re-parks, nobody else is woken.
//! 2. If there is neither an owner nor a target, a registration made on one of this runtime's
//!    workers makes that worker the target (it is running, so it will park or pass on when its
//!    current poll returns); any other registration *hands off*: it wakes one parked worker,
//!    which becomes the target (and so the owner when it parks again, or passes on if it finds
//!    work). One hand-off is in flight at a time.
//! 3. Work notifications avoid waking the owner while another parked worker can take the work
//!    ([`Driver::owner_hint`], used by `Shared::notify_parked`), so hand-offs are rare.
//!
//! So whenever a worker is parked, some worker is responsible for the next deadline. Late timers
//! remain possible in two cases, both bounded by one poll: every worker is stuck inside a long
//! poll (no worker parks and none reaches its periodic check), or a poll registers a timer while
//! the wheel was otherwise empty and then blocks (its worker is the target until that poll
//! returns). Timers then fire when the stuck worker gets back to its loop. The first case is
//! shared by any cooperative scheduler (tokio's and Go's included); the second is the price of
//! not waking a second worker for every timer a running task registers.
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
use crate::loom::{lock, Arc, AtomicU64, AtomicUsize, Mutex, MutexGuard};
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

#[cfg(not(loom))]
use crate::scheduler::worker::take_timer_duty;

/// loom models have no worker loop: every registration comes from outside one.
#[cfg(loom)]
fn take_timer_duty(_: &Driver) -> Option<usize> {
    None
}

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
    /// The hand-off target: the worker that becomes the owner at its next park, or passes the
    /// duty on before polling another task (see the module docs' invariant).
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
        self.armed(inner, when);
        Ok(key)
    }

    /// A timer was just set to fire at `when`: publishes the earlier wake-up, if it is one,
    /// then unlocks and wakes the worker that must re-arm its park (rules 1 and 2).
    fn armed(&self, mut inner: MutexGuard<'_, Inner>, when: u64) {
        if when < self.next_wake.load(Relaxed) {
            self.next_wake.store(when, Relaxed);
        }
        let wake = self.who_watches(&mut inner, when);
        drop(inner);
        if let Some(worker) = wake {
            self.unparkers[worker].unpark();
        }
    }

    /// Rules 1 and 2 for a new deadline `when`: the worker to wake, if any.
    fn who_watches(&self, inner: &mut Inner, when: u64) -> Option<usize> {
        match &mut inner.owner {
            Some(owner) if when < owner.until => {
                owner.until = when;
                Some(owner.worker)
            }
            Some(_) => None,
            None if inner.handoff.is_some() => None,
            None => match take_timer_duty(self) {
                // Rule 2, registration on one of our workers: it is the target.
                Some(me) => {
                    inner.handoff = Some(me);
                    None
                }
                None => self.hand_off(inner, NO_OWNER),
            },
        }
    }

    /// Rule 2: picks a parked worker (not `me`) to become the target, unless there is one.
    fn hand_off(&self, inner: &mut Inner, me: usize) -> Option<usize> {
        if inner.owner.is_some() || inner.handoff.is_some() || inner.wheel.is_empty() {
            return None;
        }
        let worker = inner.parked.iter().rev().copied().find(|&w| w != me)?;
        inner.handoff = Some(worker);
        Some(worker)
    }

    /// The hand-off target `worker` is about to poll a task (which may take long): if it still
    /// is the target, it gives the duty to a parked worker (rule 2), which it wakes.
    pub(crate) fn pass_on(&self, worker: usize) {
        let mut inner = lock(&self.inner);
        if inner.handoff != Some(worker) {
            return; // Someone parked and became the owner meanwhile.
        }
        inner.handoff = None;
        let wake = self.hand_off(&mut inner, worker);
        drop(inner);
        if let Some(w) = wake {
            self.unparkers[w].unpark();
        }
    }

    /// Cancels an entry; returns its action (to be dropped by the caller, outside the lock).
    pub(crate) fn remove(&self, key: Key) -> Option<Action> {
        lock(&self.inner).wheel.remove(key)
    }

    /// Updates a pending `Sleep`'s waker. False if the entry is gone (fired or evicted).
    pub(crate) fn update_waker(&self, key: Key, waker: &Waker) -> bool {
        let mut inner = lock(&self.inner);
        let old = match inner.wheel.get_mut(key) {
            Some(Action::Wake(slot)) => match slot {
                Some(w) if w.will_wake(waker) => None,
                _ => slot.replace(waker.clone()),
            },
            Some(Action::Chan(..)) => unreachable!("a Sleep's key names a channel timer"),
            None => return false,
        };
        drop(inner);
        // The old waker is dropped after unlocking: it may hold the last reference to a foreign
        // task whose future owns a `Sleep`, whose drop calls `remove` and takes this lock.
        drop(old);
        true
    }

    /// Moves a pending entry to `deadline`. `Ok(true)`: moved; `Ok(false)`: the entry is gone;
    /// `Err(action)`: `deadline` is due already and the entry was removed.
    pub(crate) fn reschedule(&self, key: Key, deadline: Instant) -> Result<bool, Action> {
        let when = self.deadline_tick(deadline);
        let mut inner = lock(&self.inner);
        match inner.wheel.reschedule(key, when) {
            Ok(()) => {
                self.armed(inner, when);
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
        // Whoever the target was (us, or a worker still on its way), the duty is ours now.
        inner.handoff = None;
        self.owner_hint.store(worker, Relaxed);
        // A deadline too far to express as an Instant: sleep without one (a registration
        // that is sooner wakes us by rule 1).
        next.and_then(|tick| self.instant_of(tick))
    }

    /// A worker left its park: gives up ownership and fires what is due. Returns true if the
    /// worker is now the hand-off target (it must call [`pass_on`](Self::pass_on) before
    /// polling a task); a worker that leaves its park with timers pending and nobody
    /// responsible for them becomes the target itself rather than waking another worker, since
    /// it usually parks again at once (rule 1).
    pub(crate) fn after_park(&self, worker: usize) -> bool {
        let now = Instant::now();
        let mut batch = Vec::new();
        let mut inner = lock(&self.inner);
        if inner.owner.as_ref().is_some_and(|o| o.worker == worker) {
            inner.owner = None;
            self.owner_hint.store(NO_OWNER, Relaxed);
        } else if let Some(i) = inner.parked.iter().position(|&w| w == worker) {
            inner.parked.swap_remove(i);
        }
        let more = self.take_due(&mut inner, now, &mut batch);
        if inner.owner.is_none() && inner.handoff.is_none() && !inner.wheel.is_empty() {
            inner.handoff = Some(worker);
        }
        let target = inner.handoff == Some(worker);
        drop(inner);
        for action in batch {
            action.fire(now);
        }
        if more {
            self.fire_due(now);
        }
        target
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
