//! The loop every worker thread runs, and the worker's private state.
//!
//! Each turn a worker takes, in order:
//! 1. every [`GLOBAL_QUEUE_INTERVAL`] ticks, the global queue first, so that spawns from outside
//!    are not starved by tasks that keep each other busy locally;
//! 2. its `next` slot — the task the last poll woke or spawned, for cache locality — but at most
//!    [`MAX_NEXT_POLLS`] times in a row while the ring holds other tasks, so two tasks waking
//!    each other cannot starve the ring;
//! 3. its ring, then the global queue;
//! 4. then the tasks that yielded during their own poll (`yield_now`, a spent cooperative
//!    budget): they wait in a private `deferred` list, invisible to stealers, until the worker
//!    has nothing else to run or the next [`GLOBAL_QUEUE_INTERVAL`] tick, which moves them to
//!    the ring (and an idle worker is woken if the ring holds more than one task). So a yield
//!    never wakes a worker just to hand it a task that will wait for this one (tokio's
//!    `yield_now` defers the same way). If another task then blocks this worker's thread, the
//!    watcher (below) takes the yielded tasks, as it takes a stuck `next` slot;
//! 5. otherwise it *searches* (steals half of another worker's ring, or takes from the global
//!    queue), if fewer than half the workers already search;
//! 6. otherwise it parks (see `idle.rs` for the wake-up rules).
//!
//! Waking idle workers: a spawn that pushes a task into the ring wakes an idle worker at once;
//! a wake that does so asks for one only when the running poll ends (see
//! [`Worker::schedule_local`]), so that one poll's several wake-ups are stolen together.
//!
//! Stranding (tokio#4941): a task in a worker's `next` slot or `deferred` list is not in its ring,
//! so stealers do not see it; if its worker then spends a long time inside one poll, the task would
//! wait for it. Filling the slot wakes nobody (the worker will run it next; a wake-up per spawn
//! made chained spawns 2.4x slower). Instead, the last searcher to park while other workers are
//! still running becomes the *watcher*: it sleeps [`WATCH_MIN`] (doubling up to [`WATCH_MAX`] while
//! nothing is stuck), then takes the slot and deferred tasks of any worker that has not started a
//! single poll in that whole interval. A watch, once started, lasts until its deadline or until the
//! watcher is notified of work: other wake-ups (its timers) do not restart it — the deadline and
//! the snapshot of poll counts are kept across parks, and expiry is checked whatever woke the
//! watcher — or a timer more frequent than the interval would postpone the check forever. There is
//! always a watcher or a searcher while a worker runs: a worker that leaves searching as the last
//! searcher wakes another (rule 3 of `idle.rs`), which parks as the last searcher and so watches.
//! This is Go's sysmon check, done by an idle worker instead of a dedicated thread.
//!
//! Timers (see `time/driver.rs`): a parking worker asks the timer driver whether it is to keep
//! time — the first to park owns the timers and parks until the next deadline — and every
//! worker fires due timers when it leaves its park and, while busy, every
//! [`GLOBAL_QUEUE_INTERVAL`] ticks (one atomic load when nothing is due). Timers woken from a
//! worker land in that worker's queue like any other wake-up. A worker may be the driver's
//! hand-off target (it left its park as the owner, was woken to take the timers over, or
//! registered a timer while nobody was responsible for them); it then calls
//! `Driver::pass_on` before polling a task, so that a long poll cannot leave parked workers
//! without a timer owner (`timer_duty`).
//!
//! Shutdown: the runtime sets the shutdown flag and unparks everyone; each worker finishes its
//! current poll, leaves the loop, and drops the references in its ring, slot and deferred list. The
//! runtime then cancels every remaining task through the owned-task list
//! (`Shared::shutdown_tasks`).

use super::park::Parker;
use super::queue::Local;
use super::{Remote, Shared};
use crate::loom::{lock, Arc};
use crate::task::raw::Header;
use crate::task::{Notified, RawTask};
use crate::time::driver::Driver;
use gort_channel::coop;
use std::cell::{Cell, RefCell};
use std::ptr::{self, NonNull};
use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed};
use std::time::{Duration, Instant};

/// How often the global queue is checked first. 61 is Go's `schedtick%61` figure: a prime, so
/// it does not fall into step with periodic task patterns.
pub(crate) const GLOBAL_QUEUE_INTERVAL: u32 = 61;

/// Polls in a row from the `next` slot before the slot task must queue behind the ring
/// (tokio's figure; enough for ping-pong pairs to run back to back).
pub(crate) const MAX_NEXT_POLLS: u32 = 3;

/// Rounds over all other workers a searcher makes before parking.
const SEARCH_ROUNDS: usize = 3;

/// The watcher's first sleep: a slot task stuck this long behind its worker is taken over.
const WATCH_MIN: Duration = Duration::from_millis(1);
/// The watcher's longest sleep, reached by doubling while nothing is stuck (Go's sysmon backs
/// off from 20 µs to 10 ms the same way), so an idle watcher costs little.
const WATCH_MAX: Duration = Duration::from_millis(10);

/// A worker's own state, reachable from its thread through [`CURRENT`].
pub(crate) struct Worker {
    index: usize,
    shared: Arc<Shared>,
    local: Local,
    parker: Parker,
    tick: Cell<u32>,
    next_polls: Cell<u32>,
    searching: Cell<bool>,
    rng: Cell<u64>,
    shard_hint: Cell<usize>,
    /// Each worker's poll counter when this worker began watching.
    watched: RefCell<Vec<u64>>,
    watch_interval: Cell<Duration>,
    /// When the current watch ends (`None`: not watching). Kept across parks: see the module
    /// docs.
    watch_deadline: Cell<Option<Instant>>,
    /// Whether this worker may be the timer driver's hand-off target, and so must call
    /// `Driver::pass_on` before polling a task. Set by `after_park` and by registrations on this
    /// thread; cleared by `before_park` (which makes the target the owner) and `pass_on`.
    timer_duty: Cell<bool>,
    /// A wake (in a poll, or from timers fired between polls) displaced a task into the ring:
    /// offer it to an idle worker before the next poll (see [`Worker::schedule_local`]).
    notify_pending: Cell<bool>,
}

thread_local! {
    /// The worker running on this thread, if any.
    static CURRENT: Cell<*const Worker> = const { Cell::new(ptr::null()) };
}

/// Calls `f` with this thread's worker if it belongs to `shared`'s runtime.
pub(crate) fn with_current<R>(shared: &Arc<Shared>, f: impl FnOnce(Option<&Worker>) -> R) -> R {
    let worker = CURRENT.with(|c| c.get());
    // SAFETY: `CURRENT` is non-null only while `run` is on this thread's stack with the worker
    // borrowed, and it is reset before `run` returns.
    let worker = unsafe { worker.as_ref() }.filter(|w| Arc::ptr_eq(&w.shared, shared));
    f(worker)
}

/// A timer is being registered with `driver` while nobody is responsible for the timers: if
/// this thread is one of that runtime's workers, it takes the duty (rule 2 of `time/driver.rs`)
/// and its index is returned. Called under the driver's lock: it only sets a flag.
pub(crate) fn take_timer_duty(driver: &Driver) -> Option<usize> {
    let worker = CURRENT.with(|c| c.get());
    // SAFETY: as in `with_current`: non-null only while `run` borrows the worker on this thread.
    let worker = unsafe { worker.as_ref() }?;
    if !ptr::eq(&*worker.shared.timers, driver) {
        return None;
    }
    worker.timer_duty.set(true);
    Some(worker.index)
}

/// Whether this thread is a worker of any gort runtime.
pub(crate) fn is_worker_thread() -> bool {
    !CURRENT.with(|c| c.get()).is_null()
}

impl Worker {
    pub(crate) fn new(index: usize, shared: Arc<Shared>, local: Local, parker: Parker) -> Worker {
        Worker {
            index,
            local,
            parker,
            tick: Cell::new(0),
            next_polls: Cell::new(0),
            searching: Cell::new(false),
            rng: Cell::new(
                0x9E37_79B9_7F4A_7C15 ^ (index as u64 + 1).wrapping_mul(0xBF58_476D_1CE4_E5B9),
            ),
            shard_hint: Cell::new(index),
            watched: RefCell::new(vec![0; shared.remotes.len()]),
            watch_interval: Cell::new(WATCH_MIN),
            watch_deadline: Cell::new(None),
            timer_duty: Cell::new(false),
            notify_pending: Cell::new(false),
            shared,
        }
    }

    fn remote(&self) -> &Remote {
        &self.shared.remotes[self.index]
    }

    pub(crate) fn shard_hint(&self) -> usize {
        Remote::bump(&self.remote().spawns);
        let hint = self.shard_hint.get();
        self.shard_hint
            .set(hint.wrapping_add(self.shared.remotes.len()));
        hint
    }

    /// Schedules a task woken on this worker's thread: into the `next` slot (a task woken by
    /// the running task), or into `deferred` (a task that woke itself: a yield).
    ///
    /// A yield wakes nobody and is not stealable at once (tokio defers `yield_now` the same way;
    /// Go's `Gosched` instead queues globally and wakes an idle P). Offering it to stealers made a
    /// contended `Mutex` 2x slower: the other worker woke up, stole the yielded task, which
    /// then waited for the lock held on this worker, and the two workers bounced the lock's
    /// cache lines and each other's tasks (`benches/sync.rs`, `mutex_contended`).
    ///
    /// A woken task that displaces the slot's task into the ring asks for an idle worker only
    /// once the running poll has ended (`notify_pending`), not at once: one poll often wakes
    /// several tasks (a consumer freeing room for several producers), and the idle worker then
    /// finds them all instead of stealing each as soon as it is queued, which made it run every
    /// producer for one message at a time (`benches/select.rs`, `select_rx_boundedN`: 2x
    /// faster). Work queued outside any poll (timers fired by this worker) is offered the same
    /// way, before the next poll. The price: a task displaced during a long poll waits for it
    /// to end, or for the watcher.
    pub(crate) fn schedule_local(&self, task: Notified, is_yield: bool) {
        if is_yield {
            lock(&self.remote().deferred).push(task);
        } else if self.push_next(task) {
            self.notify_pending.set(true);
        }
    }

    /// Schedules a task spawned on this worker's thread into the `next` slot. Unlike a wake, a
    /// displaced task asks for an idle worker at once: a new task is new work, and the spawner
    /// may go on computing for a long time (Go's `newproc` wakes an idle P too).
    pub(crate) fn spawn_local(&self, task: Notified) {
        if self.push_next(task) {
            self.shared.notify_parked();
        }
    }

    /// Puts `task` in the `next` slot; true if that displaced the slot's previous task into
    /// the ring, where other workers may steal it.
    fn push_next(&self, task: Notified) -> bool {
        let ptr = task.into_raw().header_ptr().as_ptr();
        let prev = self.remote().next.swap(ptr, AcqRel);
        let Some(prev) = NonNull::new(prev) else {
            // Only the slot is filled: this worker runs it next, nothing is stealable, so
            // waking an idle worker would only cost a futex call (2.4x slower chained spawns
            // when measured). A stuck slot is the watcher's job.
            return false;
        };
        self.local
            .push_back_or_overflow(claim_next(prev), &self.shared.inject);
        true
    }

    /// Wakes an idle worker if a wake during the last poll queued stealable work that is still
    /// there (see [`Worker::schedule_local`]).
    fn flush_notify(&self) {
        if self.notify_pending.replace(false) && !self.local.is_empty() {
            self.shared.notify_parked();
        }
    }

    /// The worker loop. Returns on shutdown, leaving no task reference behind.
    pub(crate) fn run(&self) {
        struct ResetCurrent;
        impl Drop for ResetCurrent {
            fn drop(&mut self) {
                CURRENT.with(|c| c.set(ptr::null()));
            }
        }
        CURRENT.with(|c| c.set(self));
        let _reset = ResetCurrent;

        while !self.shared.is_shutdown() {
            self.tick.set(self.tick.get().wrapping_add(1));
            if let Some(task) = self.next_local_task() {
                self.run_task(task);
                continue;
            }
            if self.undefer() {
                continue; // only yielded tasks are left: run them here
            }
            if let Some(task) = self.search() {
                self.run_task(task);
                continue;
            }
            if let Some(task) = self.park() {
                self.run_task(task);
            }
        }
        if self.searching.replace(false) {
            self.shared.idle.stop_searching();
        }
        self.drain();
    }

    /// Moves the deferred tasks to the back of the ring; false if there were none.
    fn undefer(&self) -> bool {
        let deferred = std::mem::take(&mut *lock(&self.remote().deferred));
        if deferred.is_empty() {
            return false;
        }
        for task in deferred {
            self.local.push_back_or_overflow(task, &self.shared.inject);
        }
        true
    }

    fn next_local_task(&self) -> Option<Notified> {
        if self.tick.get() % GLOBAL_QUEUE_INTERVAL == 0 {
            self.undefer();
            if self.local.len() > 1 {
                // Queued work, yielded tasks included, is offered to an idle worker at least
                // this often.
                self.shared.notify_parked();
            }
            // A busy worker keeps time too, in case no worker is parked to do it.
            self.shared.timers.fire_if_due();
            if let Some(task) = self.shared.inject.pop() {
                return Some(task);
            }
        }
        if let Some(task) = self.take_next() {
            // The cap protects the ring from starvation; with an empty ring there is nothing to
            // protect, and queueing the task would only offer a hot chain to stealers.
            if self.next_polls.get() < MAX_NEXT_POLLS || self.local.is_empty() {
                self.next_polls.set(self.next_polls.get().saturating_add(1));
                return Some(task);
            }
            // The slot has had its turns: queue it behind the others.
            self.local.push_back_or_overflow(task, &self.shared.inject);
        }
        self.next_polls.set(0);
        self.local.pop().or_else(|| self.take_global_batch())
    }

    /// Takes this worker's fair share of the global queue into its ring, and one task to run.
    fn take_global_batch(&self) -> Option<Notified> {
        let inject = &self.shared.inject;
        let share = inject.len() / self.shared.remotes.len() + 1;
        let max = share
            .min(self.local.remaining())
            .min(super::queue::CAPACITY / 2);
        inject.pop_batch(max, |task| self.local.push_back_or_overflow(task, inject))
    }

    fn take_next(&self) -> Option<Notified> {
        NonNull::new(self.remote().next.swap(ptr::null_mut(), Acquire)).map(claim_next)
    }

    fn run_task(&self, task: Notified) {
        // Whatever queued work since the last poll (a wake in it, timers fired in between) is
        // offered before this poll, which may take long.
        self.flush_notify();
        if self.searching.replace(false) && self.shared.idle.stop_searching() {
            // We found work and were the last searcher: there may be more (rule 3).
            self.shared.notify_parked();
        }
        if self.timer_duty.replace(false) {
            // This poll may take long: a parked worker takes the timers over.
            self.shared.timers.pass_on(self.index);
        }
        Remote::bump(&self.remote().polls);
        coop::with_budget(coop::DEFAULT_BUDGET, || task.run());
    }

    fn next_random(&self) -> usize {
        // xorshift64*: statistical quality is irrelevant here, only spreading victims.
        let mut x = self.rng.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng.set(x);
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32) as usize
    }

    /// Steals from other workers or takes from the global queue.
    fn search(&self) -> Option<Notified> {
        if !self.searching.get() {
            // One look at the other rings before joining the searchers: when work is there,
            // taking it costs no write to the shared idle word, which both workers of a
            // producer/consumer pair would otherwise flip on every hand-off (measured: a third
            // of the profile of a 2-worker channel benchmark). It changes no count, so the
            // searching and parking rules are untouched: whoever queued the work already
            // decided whether to wake someone.
            if let Some(task) = self.steal_round() {
                return Some(task);
            }
            if !self.shared.idle.try_start_searching() {
                return None;
            }
            self.searching.set(true);
        }
        for _ in 0..SEARCH_ROUNDS {
            if let Some(task) = self.steal_round() {
                return Some(task);
            }
            if let Some(task) = self.take_global_batch() {
                return Some(task);
            }
            std::hint::spin_loop();
        }
        None
    }

    /// Tries to steal from every other worker once, starting at a random one.
    fn steal_round(&self) -> Option<Notified> {
        let remotes = &self.shared.remotes;
        let n = remotes.len();
        let start = self.next_random() % n;
        for i in 0..n {
            let victim = (start + i) % n;
            if victim == self.index {
                continue;
            }
            if let Some(task) = remotes[victim].steal.steal_into(&self.local) {
                Remote::bump(&self.remote().steals);
                return Some(task);
            }
        }
        None
    }

    /// The watcher's check after its timed sleep: takes the `next`-slot task and the deferred
    /// (yielded) tasks of any worker that has not started a single poll since the watch began —
    /// it is stuck in one poll. Returns one to run; the others go to this worker's ring.
    fn take_stranded(&self) -> Option<Notified> {
        let watched = self.watched.borrow();
        let mut taken: Option<Notified> = None;
        let mut keep = |task: Notified| match taken {
            None => taken = Some(task),
            Some(_) => self.local.push_back_or_overflow(task, &self.shared.inject),
        };
        for (victim, remote) in self.shared.remotes.iter().enumerate() {
            if victim == self.index || remote.polls.load(Relaxed) != watched[victim] {
                continue;
            }
            let mut took = false;
            if !remote.next.load(Relaxed).is_null() {
                if let Some(ptr) = NonNull::new(remote.next.swap(ptr::null_mut(), Acquire)) {
                    keep(claim_next(ptr));
                    took = true;
                }
            }
            let yielded = std::mem::take(&mut *lock(&remote.deferred));
            took |= !yielded.is_empty();
            yielded.into_iter().for_each(&mut keep);
            if took {
                Remote::bump(&self.remote().steals); // one steal per victim, as `steal_round`
            }
        }
        taken
    }

    /// Parks until woken. Returns a stranded task if this worker was the watcher and found one.
    fn park(&self) -> Option<Notified> {
        let was_searching = self.searching.replace(false);
        let was_last_searcher = self.shared.idle.park(self.index, was_searching);
        if was_last_searcher {
            // Rule 4: work may have arrived after we stopped looking and before we were counted
            // as parked; whoever pushed it may have seen us searching and woken nobody.
            if self.shared.has_queued_work() {
                self.shared.notify_parked();
            } else if self.watch_deadline.get().is_none() && self.shared.idle.any_unparked() {
                // Others are running: watch their `next` slots (see the module docs). A watch
                // already under way is kept, snapshot and deadline alike.
                let mut watched = self.watched.borrow_mut();
                for (slot, remote) in watched.iter_mut().zip(self.shared.remotes.iter()) {
                    *slot = remote.polls.load(Relaxed);
                }
                self.watch_deadline
                    .set(Some(Instant::now() + self.watch_interval.get()));
            }
        }
        let watch_deadline = self.watch_deadline.get();
        let timers = &self.shared.timers;
        // After `idle.park`: a worker counted as parked is one the driver may hand timers to.
        let timer_deadline = timers.before_park(self.index);
        // `before_park` made us the owner, or someone else is: no hand-off is ours to pass on.
        self.timer_duty.set(false);
        let deadline = match (watch_deadline, timer_deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if !self.shared.is_shutdown() {
            Remote::bump(&self.remote().parks);
            self.parker.park(deadline);
        }
        let notified = self.shared.idle.unpark(self.index);
        // Fires what is due; the tasks it wakes land in this worker's queue. Or-ed in: a
        // ticker re-armed while firing may already have made us the target.
        if timers.after_park(self.index) {
            self.timer_duty.set(true);
        }
        if notified {
            // Woken for work: we search, and whoever stops searching last passes the watch on
            // (rule 3 of `idle.rs`), so ours ends here.
            self.searching.set(true);
            self.watch_deadline.set(None);
            self.watch_interval.set(WATCH_MIN);
            return None;
        }
        // A worker that had a deadline and was not woken for work — its deadline passed, or an
        // earlier timer's registration woke it to re-arm — searches, so that whatever it finds
        // (a stranded task, a task its timers woke, other work) it hands the watch on by rule 3
        // when it stops searching. In the re-arm case the search finds nothing and costs one
        // look at the queues.
        let had_deadline = deadline.is_some();
        self.searching
            .set(had_deadline && self.shared.idle.try_start_searching());
        let Some(watch_end) = watch_deadline else {
            self.watch_interval.set(WATCH_MIN);
            return None;
        };
        if Instant::now() < watch_end {
            return None; // Woken early (a timer): the watch goes on.
        }
        self.watch_deadline.set(None);
        let stranded = self.take_stranded();
        let next = if stranded.is_some() {
            WATCH_MIN
        } else {
            (self.watch_interval.get() * 2).min(WATCH_MAX)
        };
        self.watch_interval.set(next);
        stranded
    }

    /// Drops the references this worker still holds (shutdown).
    fn drain(&self) {
        // Taken out first, so the tasks drop with the lock released.
        let deferred = std::mem::take(&mut *lock(&self.remote().deferred));
        drop(deferred);
        drop(self.take_next());
        while let Some(task) = self.local.pop() {
            drop(task);
        }
    }
}

/// Rebuilds the `Notified` held by a `next` slot.
fn claim_next(ptr: NonNull<Header>) -> Notified {
    // SAFETY: the slot owns the Notified reference of the task it points to, and the caller
    // took the pointer out of the slot with a swap, so that reference is now the caller's.
    unsafe { Notified::from_raw(RawTask::from_header(ptr)) }
}
