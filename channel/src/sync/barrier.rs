//! [`Barrier`]: `n` tasks wait until all of them have arrived, then all go on together
//! (tokio's `Barrier`; Go code uses a `WaitGroup` per round for this).
//!
//! Under the lock: `arrived`, the number of tasks of the current generation that arrived and
//! are still waiting, and the FIFO queue of them. The `n`-th arrival is the generation's
//! *leader*: it releases every queued waiter (unlinking them and marking them released), resets
//! `arrived` to 0 — the next generation starts at once — and completes without waiting.
//!
//! Invariants: `arrived` equals the number of linked (waiting, unreleased) queue entries, and
//! is below `n` whenever the lock is free. So a generation is released exactly once, by
//! exactly one leader, and a waiter of one generation can never be counted in the next.
//! A `wait` future dropped before its generation was released unlinks its entry and takes its
//! arrival back; one dropped after was already released and changes nothing.

use crate::lock::Lock;
use crate::waiters::Waiters;
use crate::wake::{self, WakeList};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// Lets `n` tasks wait until all `n` have reached the same point; reusable, generation after
/// generation.
///
/// Each generation has exactly one leader: the task whose [`wait`](Barrier::wait) completed
/// it (the last to arrive) gets [`is_leader`](BarrierWaitResult::is_leader) `true`.
///
/// ```
/// use gort_channel::sync::Barrier;
/// use std::sync::Arc;
///
/// let barrier = Arc::new(Barrier::new(3));
/// let threads: Vec<_> = (0..3)
///     .map(|_| {
///         let b = barrier.clone();
///         std::thread::spawn(move || futures::executor::block_on(b.wait()).is_leader())
///     })
///     .collect();
/// let leaders: usize = threads.into_iter().map(|t| t.join().unwrap() as usize).sum();
/// assert_eq!(leaders, 1);
/// ```
pub struct Barrier {
    n: usize,
    state: Lock<State>,
}

struct State {
    /// Arrivals of the current generation still waiting (always below `n` when unlocked).
    arrived: usize,
    waiters: Waiters<Waiter>,
}

struct Waiter {
    /// Taken by the leader that releases it.
    waker: Option<Waker>,
    released: bool,
}

/// The result of [`Barrier::wait`]: whether this task was its generation's leader.
///
/// The leader is the one participant of a round that does the round's shared work:
///
/// ```
/// use gort_channel::sync::Barrier;
/// use std::sync::Arc;
///
/// let barrier = Arc::new(Barrier::new(3));
/// let threads: Vec<_> = (0..3)
///     .map(|_| {
///         let b = barrier.clone();
///         std::thread::spawn(move || {
///             let result = futures::executor::block_on(b.wait());
///             if result.is_leader() { "merged the round" } else { "went on" }
///         })
///     })
///     .collect();
/// let mut roles: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
/// roles.sort();
/// assert_eq!(roles, ["merged the round", "went on", "went on"]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarrierWaitResult {
    leader: bool,
}

impl BarrierWaitResult {
    /// True for exactly one task per generation: the one whose arrival released it.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let barrier = gort_channel::sync::Barrier::new(1);
    /// assert!(barrier.wait().await.is_leader()); // alone: always the leader
    /// # });
    /// ```
    pub fn is_leader(&self) -> bool {
        self.leader
    }
}

impl Barrier {
    /// A barrier for `n` tasks. `n == 0` behaves as `n == 1`: every `wait` completes at once
    /// and leads its own generation.
    ///
    /// ```
    /// let barrier = gort_channel::sync::Barrier::new(2);
    /// # drop(barrier);
    /// ```
    pub fn new(n: usize) -> Self {
        Barrier {
            n: n.max(1),
            state: Lock::new(State {
                arrived: 0,
                waiters: Waiters::new(),
            }),
        }
    }

    /// Arrives at the barrier and waits until `n` tasks of this generation have arrived.
    ///
    /// Cancel safety: dropping the future before its generation is released withdraws its
    /// arrival (the barrier then waits for another task in its place); dropping it after the
    /// release changes nothing — the generation went on without it.
    ///
    /// ```
    /// use gort_channel::sync::Barrier;
    /// use std::sync::Arc;
    ///
    /// let barrier = Arc::new(Barrier::new(2));
    /// let b = barrier.clone();
    /// let other = std::thread::spawn(move || futures::executor::block_on(b.wait()));
    /// let mine = futures::executor::block_on(barrier.wait());
    /// let theirs = other.join().unwrap();
    /// assert!(mine.is_leader() != theirs.is_leader()); // exactly one leader
    /// ```
    pub fn wait(&self) -> BarrierWait<'_> {
        BarrierWait {
            barrier: self,
            key: None,
            done: false,
        }
    }
}

// No user code runs under the lock, so a panic (in a waker) never leaves it inconsistent.
impl std::panic::RefUnwindSafe for Barrier {}
impl std::panic::UnwindSafe for Barrier {}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let arrived = self.state.lock().arrived;
        f.debug_struct("Barrier")
            .field("n", &self.n)
            .field("arrived", &arrived)
            .finish()
    }
}

/// The future of [`Barrier::wait`]. `Unpin` and `Send`; see there for cancel safety.
///
/// ```
/// use gort_channel::sync::Barrier;
/// use std::future::Future;
/// use std::task::{Context, Waker};
///
/// let barrier = Barrier::new(2);
/// let (mut first, mut second) = (barrier.wait(), barrier.wait());
/// let mut cx = Context::from_waker(Waker::noop());
/// assert!(std::pin::Pin::new(&mut first).poll(&mut cx).is_pending()); // 1 of 2
/// assert!(std::pin::Pin::new(&mut second).poll(&mut cx).is_ready()); // 2 of 2: leads
/// assert!(std::pin::Pin::new(&mut first).poll(&mut cx).is_ready());
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct BarrierWait<'a> {
    barrier: &'a Barrier,
    /// Our queue entry, while we wait.
    key: Option<usize>,
    /// Completed (polling again is a bug: it would count a second arrival).
    done: bool,
}

impl Future for BarrierWait<'_> {
    type Output = BarrierWaitResult;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<BarrierWaitResult> {
        let this = &mut *self;
        assert!(
            !this.done,
            "Barrier::wait future polled after it completed; call wait() again for the next \
             generation"
        );
        let ready = match this.key {
            None => this.arrive(cx),
            Some(key) => this.poll_queued(key, cx),
        };
        this.done = ready.is_ready();
        ready
    }
}

impl BarrierWait<'_> {
    fn arrive(&mut self, cx: &mut Context<'_>) -> Poll<BarrierWaitResult> {
        if crate::coop::poll_proceed(cx).is_pending() {
            return Poll::Pending;
        }
        let waker = cx.waker().clone();
        let mut state = self.barrier.state.lock();
        if state.arrived + 1 < self.barrier.n {
            state.arrived += 1;
            self.key = Some(state.waiters.push_back(Waiter {
                waker: Some(waker),
                released: false,
            }));
            return Poll::Pending;
        }
        // The last arrival: release this generation and lead it.
        let mut wake = WakeList::new();
        state.arrived = 0;
        while let Some(key) = state.waiters.front() {
            state.waiters.unlink(key);
            let waiter = state.waiters.get_mut(key);
            waiter.released = true;
            wake.push(waiter.waker.take());
        }
        drop(state);
        drop(waker);
        wake.wake_all();
        Poll::Ready(BarrierWaitResult { leader: true })
    }

    fn poll_queued(&mut self, key: usize, cx: &mut Context<'_>) -> Poll<BarrierWaitResult> {
        let mut fresh: Option<Waker> = None;
        loop {
            let mut state = self.barrier.state.lock();
            let waiter = state.waiters.get_mut(key);
            if waiter.released {
                let entry = state.waiters.remove(key);
                self.key = None;
                drop(state);
                drop((entry, fresh));
                return Poll::Ready(BarrierWaitResult { leader: false });
            }
            let refresh = wake::refresh_waker(&mut waiter.waker, &mut fresh, cx);
            if refresh.unlock(state, &mut fresh, cx).is_pending() {
                return Poll::Pending;
            }
        }
    }
}

impl Drop for BarrierWait<'_> {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else { return };
        let mut state = self.barrier.state.lock();
        let entry = state.waiters.remove(key);
        if !entry.released {
            // Withdraw the arrival: this generation now needs another task in its place.
            state.arrived -= 1;
        }
        drop(state);
        drop(entry);
    }
}

impl fmt::Debug for BarrierWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BarrierWait")
            .field("waiting", &self.key.is_some())
            .field("done", &self.done)
            .finish()
    }
}
