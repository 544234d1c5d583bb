//! Wakers collected under a channel's or a sync primitive's lock and woken after it is released.
//!
//! A waker is user code: it may take locks, run a task inline, or panic. So neither a channel
//! nor a primitive calls one while it holds its spin lock. Whoever serves waiters takes their wakers out of the queue
//! entries into a [`WakeList`], releases the lock, then calls [`WakeList::wake_all`]. Every
//! waker fires even if an earlier one panics (a missed wake-up would leave a task asleep
//! forever); the first panic is raised again afterwards, when the primitive is consistent.

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::task::{Context, Poll, Waker};

/// Wakers to fire once the lock is released; holds one without allocating (the common case).
#[derive(Default)]
pub(crate) struct WakeList {
    first: Option<Waker>,
    more: Vec<Waker>,
}

impl WakeList {
    pub(crate) fn new() -> Self {
        WakeList::default()
    }

    /// Whether there is nobody to wake.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        // `more` is only used once `first` is taken.
        self.first.is_none()
    }

    /// Adds a served entry's waker (`None`: it had none to wake).
    pub(crate) fn push(&mut self, waker: Option<Waker>) {
        let Some(waker) = waker else { return };
        self.push_waker(waker);
    }

    /// Adds a waker.
    pub(crate) fn push_waker(&mut self, waker: Waker) {
        if self.first.is_none() {
            self.first = Some(waker);
        } else {
            self.more.push(waker);
        }
    }

    /// Moves the wakers out, leaving this list empty (and its buffer behind only if it was
    /// used, so the common single-waker case allocates nothing).
    pub(crate) fn take(&mut self) -> WakeList {
        WakeList {
            first: self.first.take(),
            more: if self.more.is_empty() {
                Vec::new()
            } else {
                std::mem::take(&mut self.more)
            },
        }
    }

    /// Wakes everyone. Call only with the lock released.
    #[inline]
    pub(crate) fn wake_all(self) {
        if !self.is_empty() {
            self.wake_all_slow();
        }
    }

    fn wake_all_slow(self) {
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

/// Whether the waker stored in a waiting entry already wakes the task polling with `cx`; if
/// not, the caller stores a clone of `cx`'s waker and drops the old one after unlocking.
pub(crate) fn is_current(stored: &Option<Waker>, cx: &Context<'_>) -> bool {
    stored.as_ref().is_some_and(|w| w.will_wake(cx.waker()))
}

/// What a still-waiting entry's poll does about the waker stored in it; see [`refresh_waker`].
pub(crate) enum Refresh {
    /// The entry now wakes the polling task: return `Pending`, dropping the replaced waker (if
    /// any) after unlocking.
    Done(Option<Waker>),
    /// The entry wakes someone else: unlock, clone `cx`'s waker into `fresh` (a clone is user
    /// code, kept out of the lock), lock again and call this once more.
    NeedsClone,
}

impl Refresh {
    /// Carries the refresh out once the caller's lock, `guard`, is released: `Pending` (the
    /// replaced waker dropped), for the future to return; or `Ready` once `cx`'s waker has been
    /// cloned into `fresh`, for the caller to lock again and retry.
    pub(crate) fn unlock<G>(
        self,
        guard: G,
        fresh: &mut Option<Waker>,
        cx: &Context<'_>,
    ) -> Poll<()> {
        drop(guard);
        match self {
            Refresh::Done(old) => {
                drop(old);
                Poll::Pending
            }
            Refresh::NeedsClone => {
                *fresh = Some(cx.waker().clone());
                Poll::Ready(())
            }
        }
    }
}

/// The waker refresh of a waiting future whose entry holds `stored`: keeps it if it already
/// wakes the task polling with `cx`, else installs `fresh` (cloned on an earlier turn of the
/// caller's loop) or asks for that clone.
pub(crate) fn refresh_waker(
    stored: &mut Option<Waker>,
    fresh: &mut Option<Waker>,
    cx: &Context<'_>,
) -> Refresh {
    if let Some(new) = fresh.take() {
        Refresh::Done(stored.replace(new))
    } else if is_current(stored, cx) {
        Refresh::Done(None)
    } else {
        Refresh::NeedsClone
    }
}
