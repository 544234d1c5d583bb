//! Wakers collected under a primitive's lock and woken after it is released.
//!
//! A waker is user code: it may take locks, run a task inline, or panic. So no primitive calls
//! one while it holds its spin lock. Whoever serves waiters takes their wakers out of the queue
//! entries into a [`WakeList`], releases the lock, then calls [`WakeList::wake_all`]. Every
//! waker fires even if an earlier one panics (a missed wake-up would leave a task asleep
//! forever); the first panic is raised again afterwards, when the primitive is consistent.

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::task::{Context, Waker};

/// Wakers to fire once the lock is released; holds one without allocating (the common case).
#[derive(Default)]
pub(super) struct WakeList {
    first: Option<Waker>,
    more: Vec<Waker>,
}

impl WakeList {
    pub(super) fn new() -> Self {
        WakeList::default()
    }

    /// Adds a served entry's waker (`None`: it had none to wake).
    pub(super) fn push(&mut self, waker: Option<Waker>) {
        let Some(waker) = waker else { return };
        if self.first.is_none() {
            self.first = Some(waker);
        } else {
            self.more.push(waker);
        }
    }

    /// Wakes everyone. Call only with the lock released.
    pub(super) fn wake_all(self) {
        let mut panic = None;
        for waker in self.first.into_iter().chain(self.more) {
            if let Err(payload) = catch_unwind(AssertUnwindSafe(|| waker.wake())) {
                panic.get_or_insert(payload);
            }
        }
        if let Some(payload) = panic {
            resume_unwind(payload);
        }
    }
}

/// Whether the waker stored in a waiting entry already wakes the task polling with `cx`.
///
/// When it does not, the future drops the lock, clones `cx`'s waker (a clone is user code
/// too) and swaps it in on its next look under the lock; the old one is dropped after unlocking.
pub(super) fn is_current(stored: &Option<Waker>, cx: &Context<'_>) -> bool {
    stored.as_ref().is_some_and(|w| w.will_wake(cx.waker()))
}
