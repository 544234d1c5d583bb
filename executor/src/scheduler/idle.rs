//! Who is searching for work and who is parked — the rules that keep idle workers from both
//! missing work and stampeding.
//!
//! One atomic word counts `unparked` workers (high bits) and `searching` workers (low 16 bits);
//! the list of parked workers sits under a mutex. The rules (Go's `nmspinning` protocol, as
//! tokio adapted it):
//!
//! 1. Whoever makes work available calls [`Idle::worker_to_notify`]: it wakes one parked worker
//!    only if *nobody* is searching (a searcher will find the work) and someone is parked.
//!    The woken worker is counted as searching at once, so a burst of pushes wakes one worker.
//! 2. At most about half the workers search at once ([`Idle::try_start_searching`]); the limit is
//!    soft: the check and the increment are separate, so racing workers may briefly exceed it,
//!    which costs a little spinning and never correctness.
//! 3. A searcher that finds work stops searching; if it was the last searcher it wakes another
//!    one (chained wake-ups): work tends to come in bursts.
//! 4. A worker that parks while it was the last searcher re-checks every queue *after* leaving the
//!    searching count; if it finds work it wakes a worker. Together with the `SeqCst` fence a
//!    pusher executes before reading the counts, this closes the race "the last searcher gave up
//!    just as work arrived": either the pusher sees `searching == 0` and wakes someone, or the
//!    searcher's re-check sees the work.

use crate::loom::{fence, lock, AtomicUsize, Mutex};
use std::sync::atomic::Ordering::SeqCst;

const SEARCHING_MASK: usize = 0xFFFF;
const UNPARKED_ONE: usize = 1 << 16;

pub(crate) struct Idle {
    state: AtomicUsize,
    sleepers: Mutex<Vec<usize>>,
    num_workers: usize,
}

fn searching(state: usize) -> usize {
    state & SEARCHING_MASK
}

fn unparked(state: usize) -> usize {
    state >> 16
}

impl Idle {
    pub(crate) fn new(num_workers: usize) -> Idle {
        assert!(num_workers < SEARCHING_MASK, "at most 65534 workers");
        Idle {
            state: AtomicUsize::new(num_workers * UNPARKED_ONE),
            sleepers: Mutex::new(Vec::with_capacity(num_workers)),
            num_workers,
        }
    }

    fn should_wake(&self) -> bool {
        let state = self.state.load(SeqCst);
        searching(state) == 0 && unparked(state) < self.num_workers
    }

    /// Rule 1. Returns the worker to unpark (now counted as unparked and searching): the one
    /// that parked last (its caches are warmest), but not `avoid` while another one sleeps.
    pub(crate) fn worker_to_notify(&self, avoid: usize) -> Option<usize> {
        // Orders the caller's push before this read (pairs with the parker's re-check).
        fence(SeqCst);
        if !self.should_wake() {
            return None;
        }
        let mut sleepers = lock(&self.sleepers);
        if !self.should_wake() {
            return None;
        }
        let last = sleepers.len().checked_sub(1)?;
        let i = sleepers.iter().rposition(|&w| w != avoid).unwrap_or(last);
        let worker = sleepers.remove(i);
        self.state.fetch_add(UNPARKED_ONE | 1, SeqCst);
        Some(worker)
    }

    /// Rule 2: becomes a searcher unless half the workers already are.
    pub(crate) fn try_start_searching(&self) -> bool {
        let state = self.state.load(SeqCst);
        if 2 * searching(state) >= self.num_workers {
            return false;
        }
        self.state.fetch_add(1, SeqCst);
        true
    }

    /// Rule 3: a searcher stops searching. True if it was the last searcher.
    pub(crate) fn stop_searching(&self) -> bool {
        let prev = self.state.fetch_sub(1, SeqCst);
        debug_assert!(searching(prev) > 0);
        searching(prev) == 1
    }

    /// A worker goes to sleep. True if it was the last searcher (rule 4: it must re-check).
    pub(crate) fn park(&self, worker: usize, was_searching: bool) -> bool {
        let mut sleepers = lock(&self.sleepers);
        let prev = self
            .state
            .fetch_sub(UNPARKED_ONE + usize::from(was_searching), SeqCst);
        sleepers.push(worker);
        // Store-buffering: we wrote `state` and will next read the queues; a pusher wrote a queue
        // and then reads `state`. Each side needs a SeqCst fence between its write and its read
        // (the pusher's is in `worker_to_notify`), or both may read stale values and the work
        // is stranded with everyone asleep. Found by the `park_no_lost_wakeup` loom model.
        fence(SeqCst);
        was_searching && searching(prev) == 1
    }

    /// A worker woke up. True if it was woken by [`worker_to_notify`](Self::worker_to_notify)
    /// (it is counted as searching); false after a timeout or spurious wake-up.
    pub(crate) fn unpark(&self, worker: usize) -> bool {
        let mut sleepers = lock(&self.sleepers);
        match sleepers.iter().position(|&w| w == worker) {
            Some(i) => {
                sleepers.swap_remove(i);
                self.state.fetch_add(UNPARKED_ONE, SeqCst);
                false
            }
            None => true,
        }
    }

    /// Whether any worker is awake (after the caller counted itself as parked).
    pub(crate) fn any_unparked(&self) -> bool {
        unparked(self.state.load(SeqCst)) > 0
    }

    /// Workers currently parked (metrics, tests).
    pub(crate) fn num_parked(&self) -> usize {
        lock(&self.sleepers).len()
    }

    #[cfg(test)]
    pub(crate) fn num_searching(&self) -> usize {
        searching(self.state.load(SeqCst))
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    const NONE: usize = usize::MAX;

    #[test]
    fn notify_prefers_a_worker_other_than_avoid() {
        let idle = Idle::new(3);
        idle.park(0, false);
        idle.park(1, false);
        assert_eq!(
            idle.worker_to_notify(1),
            Some(0),
            "1 parked last but is avoided"
        );
        idle.unpark(0);
        idle.stop_searching();
        // Only the avoided worker sleeps: it is woken all the same.
        assert_eq!(idle.worker_to_notify(1), Some(1));
    }

    #[test]
    fn at_most_half_search() {
        let idle = Idle::new(4);
        assert!(idle.try_start_searching());
        assert!(idle.try_start_searching());
        assert!(!idle.try_start_searching());
        assert!(!idle.stop_searching());
        assert!(
            idle.stop_searching(),
            "the second to stop is the last searcher"
        );
    }

    #[test]
    fn notify_wakes_one_parked_worker_only_when_nobody_searches() {
        let idle = Idle::new(2);
        assert_eq!(idle.worker_to_notify(NONE), None, "everyone is awake");
        assert!(!idle.park(1, false));
        assert_eq!(idle.worker_to_notify(NONE), Some(1));
        assert_eq!(
            idle.num_searching(),
            1,
            "the woken worker counts as searching"
        );
        assert_eq!(
            idle.worker_to_notify(NONE),
            None,
            "a searcher exists: no herd"
        );
        assert!(idle.unpark(1), "woken by a notification");
        assert!(idle.park(1, true), "last searcher parks: must re-check");
        assert!(!idle.unpark(1), "spurious wake-up: not searching");
    }
}
