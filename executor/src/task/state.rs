//! The task's state word: lifecycle flags and the reference count in one `AtomicUsize`.
//!
//! ```text
//!  bit:  63 ............ 6 |     5      |      4        |    3     |    2     |    1     |    0
//!        reference count   | JOIN_WAKER | JOIN_INTEREST | CANCELLED| NOTIFIED | COMPLETE | RUNNING
//! ```
//!
//! * `RUNNING`: a thread is polling (or cancelling) the future and has exclusive access to it.
//! * `COMPLETE`: the future is gone; the stage holds the output (or nothing, once consumed).
//! * `NOTIFIED`: the task has been woken and a [`Notified`](super::Notified) reference for it
//!   exists (in a run queue or in hand). If the task is `RUNNING` when woken, `NOTIFIED` is set
//!   without creating a reference; the poller re-schedules the task after the poll. This is what
//!   makes "woken while running" schedule the task exactly once and never poll it on two threads.
//! * `CANCELLED`: `abort()` or runtime shutdown asked the task to stop; whoever next holds it
//!   `RUNNING` drops the future instead of polling it.
//! * `JOIN_INTEREST`: a `JoinHandle` exists; it, not the task, owns the output once complete.
//! * `JOIN_WAKER`: the join waker slot holds a waker and the *task* has read access to it; while
//!   clear, only the `JoinHandle` may touch the slot (see `raw.rs` for the hand-over protocol).
//!
//! References are held by: the `JoinHandle`, the runtime's owned-task list, each `Waker`, a
//! `Notified` in a queue, and the poller while `RUNNING`. The allocation is freed when the count
//! reaches zero.

use crate::loom::AtomicUsize;
use std::sync::atomic::Ordering::{AcqRel, Acquire};

pub(crate) const RUNNING: usize = 1 << 0;
pub(crate) const COMPLETE: usize = 1 << 1;
pub(crate) const NOTIFIED: usize = 1 << 2;
pub(crate) const CANCELLED: usize = 1 << 3;
pub(crate) const JOIN_INTEREST: usize = 1 << 4;
pub(crate) const JOIN_WAKER: usize = 1 << 5;
const REF_SHIFT: u32 = 6;
pub(crate) const REF_ONE: usize = 1 << REF_SHIFT;

/// A copy of the state word with helpers to read it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Snapshot(pub(crate) usize);

impl Snapshot {
    pub(crate) fn has(self, flag: usize) -> bool {
        self.0 & flag != 0
    }
    pub(crate) fn ref_count(self) -> usize {
        self.0 >> REF_SHIFT
    }
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("running", &self.has(RUNNING))
            .field("complete", &self.has(COMPLETE))
            .field("notified", &self.has(NOTIFIED))
            .field("cancelled", &self.has(CANCELLED))
            .field("join_interest", &self.has(JOIN_INTEREST))
            .field("join_waker", &self.has(JOIN_WAKER))
            .field("refs", &self.ref_count())
            .finish()
    }
}

/// What the poller must do after trying to start a poll.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum StartPoll {
    /// Poll the future.
    Poll,
    /// The task was cancelled: drop the future and complete with `JoinError::Cancelled`.
    Cancel,
    /// Someone else holds or finished the task: drop the `Notified` reference, nothing more.
    Claimed,
}

/// What the poller must do after a poll returned `Pending`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum AfterPending {
    /// Nothing: the task waits for a wake-up (the poller's reference was released).
    Idle,
    /// It was woken during the poll: schedule it again (the poller's reference becomes the
    /// `Notified` reference).
    Reschedule,
    /// It was cancelled during the poll: drop the future now.
    Cancel,
}

/// What a waker must do.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum WakeAction {
    /// Nothing more.
    None,
    /// Submit a new `Notified` reference to the scheduler.
    Submit,
    /// The last reference is gone: free the task.
    Dealloc,
}

#[derive(Debug)]
pub(crate) struct State(AtomicUsize);

impl State {
    /// A new task: notified (it is about to be scheduled), with a `JoinHandle`, and `refs`
    /// references.
    pub(crate) fn new(refs: usize) -> State {
        State(AtomicUsize::new(
            NOTIFIED | JOIN_INTEREST | (refs * REF_ONE),
        ))
    }

    pub(crate) fn load(&self) -> Snapshot {
        Snapshot(self.0.load(Acquire))
    }

    /// Applies `f` in a CAS loop. `f` returns the new value and a result, or `Err` to stop
    /// without writing.
    fn update<R>(&self, mut f: impl FnMut(Snapshot) -> Result<(usize, R), R>) -> R {
        let mut current = self.0.load(Acquire);
        loop {
            match f(Snapshot(current)) {
                Err(result) => return result,
                Ok((next, result)) => {
                    match self.0.compare_exchange_weak(current, next, AcqRel, Acquire) {
                        Ok(_) => return result,
                        Err(actual) => current = actual,
                    }
                }
            }
        }
    }

    /// NOTIFIED → RUNNING. The caller holds the `Notified` reference, which becomes the
    /// poller's reference — unless the task is already running or complete (runtime shutdown
    /// claimed it while it sat in a queue): then the caller must just drop its reference.
    pub(crate) fn start_poll(&self) -> StartPoll {
        self.update(|s| {
            if s.has(RUNNING) || s.has(COMPLETE) {
                return Err(StartPoll::Claimed);
            }
            debug_assert!(s.has(NOTIFIED), "{s:?}");
            let next = (s.0 & !NOTIFIED) | RUNNING;
            let action = if s.has(CANCELLED) {
                StartPoll::Cancel
            } else {
                StartPoll::Poll
            };
            Ok((next, action))
        })
    }

    /// RUNNING → idle after `Pending`.
    pub(crate) fn finish_pending(&self) -> AfterPending {
        self.update(|s| {
            debug_assert!(s.has(RUNNING) && !s.has(COMPLETE));
            if s.has(CANCELLED) {
                return Err(AfterPending::Cancel);
            }
            if s.has(NOTIFIED) {
                // Woken during the poll: keep the reference as the Notified reference.
                Ok((s.0 & !RUNNING, AfterPending::Reschedule))
            } else {
                debug_assert!(s.ref_count() >= 2, "the owner list or a handle holds a ref");
                Ok(((s.0 & !RUNNING) - REF_ONE, AfterPending::Idle))
            }
        })
    }

    /// RUNNING → COMPLETE. Returns the state *before* the transition.
    pub(crate) fn complete(&self) -> Snapshot {
        let prev = Snapshot(self.0.fetch_xor(RUNNING | COMPLETE, AcqRel));
        debug_assert!(prev.has(RUNNING) && !prev.has(COMPLETE), "{prev:?}");
        prev
    }

    /// A waker consumed by `wake()`: its reference is either handed to the scheduler or dropped.
    pub(crate) fn wake_by_val(&self) -> WakeAction {
        self.update(|s| {
            if s.has(RUNNING) {
                // The poller reschedules after the poll; drop our ref (the poller holds one).
                Ok(((s.0 | NOTIFIED) - REF_ONE, WakeAction::None))
            } else if s.has(COMPLETE) || s.has(NOTIFIED) {
                let action = if s.ref_count() == 1 {
                    WakeAction::Dealloc
                } else {
                    WakeAction::None
                };
                Ok((s.0 - REF_ONE, action))
            } else {
                // Our reference becomes the Notified reference.
                Ok((s.0 | NOTIFIED, WakeAction::Submit))
            }
        })
    }

    /// `wake_by_ref()`: a new reference is created when the task must be submitted.
    ///
    /// Even when there is nothing to change, the word is written back (a read-modify-write):
    /// a plain load could read a stale "already notified" and skip a wake that the poller,
    /// which just cleared NOTIFIED, needs in order to see the waker's preceding writes
    /// (tokio#7632; found here by the `wake_by_ref_while_running` loom model).
    pub(crate) fn wake_by_ref(&self) -> WakeAction {
        self.update(|s| {
            if s.has(RUNNING) {
                Ok((s.0 | NOTIFIED, WakeAction::None))
            } else if s.has(COMPLETE) || s.has(NOTIFIED) {
                Ok((s.0, WakeAction::None))
            } else {
                Ok(((s.0 | NOTIFIED) + REF_ONE, WakeAction::Submit))
            }
        })
    }

    /// `abort()`: marks the task cancelled; returns `Submit` when a new `Notified` reference was
    /// created so that a worker drops the future (an idle task is not in any queue).
    pub(crate) fn cancel(&self) -> WakeAction {
        self.update(|s| {
            if s.has(COMPLETE) || s.has(CANCELLED) {
                Err(WakeAction::None)
            } else if s.has(RUNNING) || s.has(NOTIFIED) {
                // The poller, or whoever dequeues it, sees CANCELLED.
                Ok((s.0 | CANCELLED, WakeAction::None))
            } else {
                Ok(((s.0 | CANCELLED | NOTIFIED) + REF_ONE, WakeAction::Submit))
            }
        })
    }

    /// Runtime shutdown: marks the task cancelled and, if nobody is polling it, claims it
    /// (sets RUNNING) so the caller drops the future in place. Returns whether it was claimed.
    pub(crate) fn claim_for_shutdown(&self) -> bool {
        self.update(|s| {
            if s.has(COMPLETE) {
                Err(false)
            } else if s.has(RUNNING) {
                Ok((s.0 | CANCELLED, false))
            } else {
                Ok((s.0 | CANCELLED | RUNNING, true))
            }
        })
    }

    pub(crate) fn ref_inc(&self) {
        let prev = self
            .0
            .fetch_add(REF_ONE, std::sync::atomic::Ordering::Relaxed);
        // Same guard as `Arc`: an overflowing count would let the task be freed while in use.
        if prev > usize::MAX / 2 {
            std::process::abort();
        }
    }

    /// Drops `n` references; true when they were the last ones.
    pub(crate) fn ref_dec(&self, n: usize) -> bool {
        let prev = Snapshot(self.0.fetch_sub(n * REF_ONE, AcqRel));
        debug_assert!(prev.ref_count() >= n, "{prev:?} minus {n}");
        prev.ref_count() == n
    }

    // ----- JoinHandle side -----

    /// Publishes a waker the `JoinHandle` just wrote: sets JOIN_WAKER unless the task has
    /// completed meanwhile (then `Err` with the completed snapshot).
    pub(crate) fn set_join_waker(&self) -> Result<Snapshot, Snapshot> {
        self.update(|s| {
            debug_assert!(s.has(JOIN_INTEREST) && !s.has(JOIN_WAKER));
            if s.has(COMPLETE) {
                Err(Err(s))
            } else {
                Ok((s.0 | JOIN_WAKER, Ok(Snapshot(s.0 | JOIN_WAKER))))
            }
        })
    }

    /// Takes back the join waker slot to replace its waker: clears JOIN_WAKER unless complete.
    pub(crate) fn unset_join_waker(&self) -> Result<Snapshot, Snapshot> {
        self.update(|s| {
            debug_assert!(s.has(JOIN_INTEREST) && s.has(JOIN_WAKER));
            if s.has(COMPLETE) {
                Err(Err(s))
            } else {
                Ok((s.0 & !JOIN_WAKER, Ok(Snapshot(s.0 & !JOIN_WAKER))))
            }
        })
    }

    /// The `JoinHandle` is dropped: clears JOIN_INTEREST, and JOIN_WAKER too unless the task has
    /// completed (then the task still owns the waker slot). Returns the state before.
    pub(crate) fn drop_join_interest(&self) -> Snapshot {
        self.update(|s| {
            debug_assert!(s.has(JOIN_INTEREST));
            let next = if s.has(COMPLETE) {
                s.0 & !JOIN_INTEREST
            } else {
                s.0 & !(JOIN_INTEREST | JOIN_WAKER)
            };
            Ok((next, s))
        })
    }

    /// The completed task is done with the join waker: clears JOIN_WAKER. Returns the state
    /// before, so the task knows whether the `JoinHandle` is already gone (then it drops the
    /// waker itself).
    pub(crate) fn release_join_waker(&self) -> Snapshot {
        Snapshot(self.0.fetch_and(!JOIN_WAKER, AcqRel))
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_new_task_is_notified_with_join_interest() {
        let s = State::new(3).load();
        assert!(s.has(NOTIFIED) && s.has(JOIN_INTEREST));
        assert!(!s.has(RUNNING) && !s.has(COMPLETE));
        assert_eq!(s.ref_count(), 3);
    }

    #[test]
    fn woken_while_running_is_rescheduled_once_after_the_poll() {
        let state = State::new(2);
        assert_eq!(state.start_poll(), StartPoll::Poll);
        state.ref_inc(); // a waker
        assert_eq!(state.wake_by_ref(), WakeAction::None);
        assert_eq!(state.wake_by_val(), WakeAction::None); // drops the waker's ref
        assert_eq!(state.finish_pending(), AfterPending::Reschedule);
        assert!(state.load().has(NOTIFIED));
        assert_eq!(state.load().ref_count(), 2);
    }

    #[test]
    fn waking_an_idle_task_submits_it_once() {
        let state = State::new(2);
        assert_eq!(state.start_poll(), StartPoll::Poll);
        assert_eq!(state.finish_pending(), AfterPending::Idle);
        assert_eq!(state.load().ref_count(), 1);
        assert_eq!(state.wake_by_ref(), WakeAction::Submit);
        assert_eq!(state.wake_by_ref(), WakeAction::None, "already notified");
        assert_eq!(state.load().ref_count(), 2);
    }

    #[test]
    fn abort_of_an_idle_task_submits_it_and_the_poll_cancels() {
        let state = State::new(2);
        state.start_poll();
        state.finish_pending();
        assert_eq!(state.cancel(), WakeAction::Submit);
        assert_eq!(state.cancel(), WakeAction::None, "twice is harmless");
        assert_eq!(state.start_poll(), StartPoll::Cancel);
    }

    #[test]
    fn abort_while_running_cancels_after_the_poll() {
        let state = State::new(2);
        state.start_poll();
        assert_eq!(state.cancel(), WakeAction::None);
        assert_eq!(state.finish_pending(), AfterPending::Cancel);
    }

    #[test]
    fn join_handle_dropped_before_completion_leaves_the_output_to_the_task() {
        let state = State::new(2);
        state.start_poll();
        let before = state.drop_join_interest();
        assert!(!before.has(COMPLETE));
        let before = state.complete();
        assert!(
            !before.has(JOIN_INTEREST),
            "the task drops the output itself"
        );
    }

    #[test]
    fn a_queued_task_claimed_by_shutdown_is_not_polled() {
        let state = State::new(2);
        assert!(
            state.claim_for_shutdown(),
            "queued, not running: shutdown claims it"
        );
        assert_eq!(state.start_poll(), StartPoll::Claimed);
    }

    #[test]
    fn shutdown_claims_idle_tasks_but_not_running_ones() {
        let idle = State::new(2);
        idle.start_poll();
        idle.finish_pending();
        assert!(idle.claim_for_shutdown());
        let running = State::new(2);
        running.start_poll();
        assert!(!running.claim_for_shutdown());
        assert_eq!(running.finish_pending(), AfterPending::Cancel);
    }
}
