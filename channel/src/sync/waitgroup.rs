//! [`WaitGroup`]: Go's `sync.WaitGroup` — wait until a counted set of tasks is done.
//!
//! One atomic word holds the counter and a `WAITING` flag (the top bit):
//!
//! * `add` and `done` are one compare-and-swap on the word while nobody waits;
//! * a waiter sets `WAITING` and enters the queue **under the lock**, and only while the
//!   counter is above zero;
//! * a `done` that would take the counter from 1 to 0 while `WAITING` is set makes that
//!   transition under the lock too: it clears the word to 0 and releases every queued waiter.
//!
//! Invariants: `WAITING` is set only while the counter is above zero, and a waiter is queued
//! only while `WAITING` is set. Because both "enter the queue" and "reach zero with waiters"
//! happen under the lock, a waiter either sees the zero (and returns at once) or is queued
//! before it and released by it — no lost wake-up. Waiters queued after a zero (a new round
//! started by `add`) are not released by it: Go's semantics, every waiter present at the zero
//! is released, and only those.
//!
//! Go packs the same two counts into one 64-bit word (`sync/waitgroup.go`); gort keeps a flag
//! instead of a waiter count because the queue itself knows who waits.

use crate::lock::Lock;
use crate::loom::{Arc, AtomicUsize, Ordering};
use crate::waiters::Waiters;
use crate::wake::{self, WakeList};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// Set while at least one waiter is queued (so the zero transition must take the lock).
const WAITING: usize = 1 << (usize::BITS - 1);
/// The counter: every bit below `WAITING`.
const COUNT: usize = WAITING - 1;

const NEGATIVE: &str = "sync: negative WaitGroup counter: done() was called more times than \
     add() counted; call add(n) once for each task before it starts, and done() once when it ends";

/// Waits for a collection of tasks (or threads) to finish: Go's `sync.WaitGroup`.
///
/// [`add`](WaitGroup::add) counts tasks in before they start, each task calls
/// [`done`](WaitGroup::done) when it ends, and [`wait`](WaitGroup::wait) (or
/// [`wait_blocking`](WaitGroup::wait_blocking) on a thread) returns once the counter is zero.
/// Clones share the counter, so a clone can move into each task. Everything a task did before
/// its `done` is visible after the `wait` that it released.
///
/// ```
/// use gort_channel::sync::WaitGroup;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
///
/// let wg = WaitGroup::new();
/// let sum = Arc::new(AtomicUsize::new(0));
/// for i in 1..=3 {
///     wg.add(1);
///     let (wg, sum) = (wg.clone(), sum.clone());
///     std::thread::spawn(move || {
///         sum.fetch_add(i, Ordering::Relaxed);
///         wg.done();
///     });
/// }
/// wg.wait_blocking();
/// assert_eq!(sum.load(Ordering::Relaxed), 6);
/// ```
#[derive(Clone)]
pub struct WaitGroup {
    inner: Arc<Inner>,
}

struct Inner {
    /// The counter and the `WAITING` flag.
    state: AtomicUsize,
    waiters: Lock<Waiters<Waiter>>,
}

struct Waiter {
    /// Taken by the `done` that releases it.
    waker: Option<Waker>,
    released: bool,
}

impl WaitGroup {
    /// A wait group with a counter of zero.
    ///
    /// ```
    /// let wg = gort_channel::sync::WaitGroup::new();
    /// wg.wait_blocking(); // zero: returns at once
    /// ```
    pub fn new() -> Self {
        WaitGroup {
            inner: Arc::new(Inner {
                state: AtomicUsize::new(0),
                waiters: Lock::new(Waiters::new()),
            }),
        }
    }

    /// Adds `n` to the counter. As in Go, call it *before* starting the task it counts (not
    /// inside it), so that a `wait` cannot slip in between and see zero too early.
    ///
    /// # Panics
    ///
    /// If the counter would exceed `usize::MAX / 2` (the counter shares its word with a flag).
    ///
    /// ```
    /// let wg = gort_channel::sync::WaitGroup::new();
    /// wg.add(2);
    /// wg.done();
    /// wg.done();
    /// wg.wait_blocking();
    /// ```
    pub fn add(&self, n: usize) {
        if n == 0 {
            return;
        }
        let state = &self.inner.state;
        let mut s = state.load(Ordering::Relaxed);
        loop {
            let count = (s & COUNT).checked_add(n).filter(|&c| c <= COUNT);
            assert!(
                count.is_some(),
                "sync: WaitGroup counter overflow: add({n}) on a counter of {}; \
                 the counter holds at most usize::MAX / 2",
                s & COUNT
            );
            // `WAITING` is set only while the counter is above zero, so raising the counter
            // never needs the lock.
            match state.compare_exchange_weak(s, s + n, Ordering::AcqRel, Ordering::Relaxed) {
                Ok(_) => return,
                Err(actual) => s = actual,
            }
        }
    }

    /// Takes one from the counter: the task is finished. When the counter reaches zero, every
    /// waiting [`wait`](WaitGroup::wait) returns.
    ///
    /// # Panics
    ///
    /// If the counter is already zero (Go's `sync: negative WaitGroup counter`): each `done`
    /// needs an `add` before it. The counter is left at zero.
    ///
    /// ```
    /// let wg = gort_channel::sync::WaitGroup::new();
    /// wg.add(1);
    /// wg.done();
    /// let again = std::panic::catch_unwind(|| wg.done());
    /// assert!(again.is_err()); // negative counter
    /// ```
    pub fn done(&self) {
        let state = &self.inner.state;
        let mut s = state.load(Ordering::Relaxed);
        loop {
            match s & COUNT {
                0 => panic!("{NEGATIVE}"),
                1 if s & WAITING != 0 => return self.inner.release_at_zero(),
                _ => {}
            }
            // Release: what this task did is visible to whoever sees the counter it leaves.
            match state.compare_exchange_weak(s, s - 1, Ordering::AcqRel, Ordering::Relaxed) {
                Ok(_) => return,
                Err(actual) => s = actual,
            }
        }
    }

    /// Waits until the counter is zero; ready at once if it is zero now.
    ///
    /// A wait that found the counter above zero returns when it reaches zero, even if `add`
    /// raises it again right after (Go: every waiter present at the zero is released).
    /// Dropping the future withdraws the waiter; nothing else changes.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let wg = gort_channel::sync::WaitGroup::new();
    /// wg.add(1);
    /// let wg2 = wg.clone();
    /// std::thread::spawn(move || wg2.done());
    /// wg.wait().await;
    /// # });
    /// ```
    pub fn wait(&self) -> WaitGroupWait<'_> {
        WaitGroupWait {
            inner: &self.inner,
            key: None,
        }
    }

    /// Blocks the thread until the counter is zero. Do not call it from async code: it
    /// blocks the executor's thread; use [`wait`](WaitGroup::wait) there.
    ///
    /// ```
    /// let wg = gort_channel::sync::WaitGroup::new();
    /// wg.add(1);
    /// let wg2 = wg.clone();
    /// std::thread::spawn(move || wg2.done());
    /// wg.wait_blocking();
    /// ```
    #[cfg(not(loom))]
    pub fn wait_blocking(&self) {
        crate::blocking::wait(&mut self.wait(), None).expect("no deadline");
    }

    /// The current counter (a snapshot, for diagnostics).
    fn count(&self) -> usize {
        self.inner.state.load(Ordering::Relaxed) & COUNT
    }
}

impl Inner {
    /// The slow path of `done`: waiters are queued, so the decrement happens under the lock;
    /// if it reaches zero it releases every queued waiter.
    #[cold]
    fn release_at_zero(&self) {
        let mut waiters = self.waiters.lock();
        let mut s = self.state.load(Ordering::Relaxed);
        let zero = loop {
            let count = s & COUNT;
            if count == 0 {
                drop(waiters);
                panic!("{NEGATIVE}");
            }
            // Reaching zero clears `WAITING`: every queued waiter is released right here.
            let new = if count == 1 { 0 } else { s - 1 };
            match self
                .state
                .compare_exchange(s, new, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) => break count == 1,
                // An `add` raced us (only `add` changes the word without the lock).
                Err(actual) => s = actual,
            }
        };
        let mut wake = WakeList::new();
        if zero {
            while let Some(key) = waiters.front() {
                waiters.unlink(key);
                let waiter = waiters.get_mut(key);
                waiter.released = true;
                wake.push(waiter.waker.take());
            }
        }
        drop(waiters);
        wake.wake_all();
    }
}

// No user code runs under the lock and every state change is one atomic step or completes
// before a panic can be raised, so a panic (a negative counter, a waker) leaves it consistent.
impl std::panic::RefUnwindSafe for WaitGroup {}
impl std::panic::UnwindSafe for WaitGroup {}

impl Default for WaitGroup {
    fn default() -> Self {
        WaitGroup::new()
    }
}

impl fmt::Debug for WaitGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitGroup")
            .field("count", &self.count())
            .finish()
    }
}

/// The future of [`WaitGroup::wait`]. `Unpin` and `Send`; dropping it withdraws the waiter.
///
/// ```
/// use gort_channel::sync::WaitGroup;
/// use std::future::Future;
/// use std::task::{Context, Waker};
///
/// let wg = WaitGroup::new();
/// wg.add(1);
/// let mut wait = wg.wait();
/// let mut cx = Context::from_waker(Waker::noop());
/// assert!(std::pin::Pin::new(&mut wait).poll(&mut cx).is_pending());
/// wg.done();
/// assert!(std::pin::Pin::new(&mut wait).poll(&mut cx).is_ready());
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct WaitGroupWait<'a> {
    inner: &'a Inner,
    /// Our queue entry, once queued.
    key: Option<usize>,
}

impl Future for WaitGroupWait<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let Some(key) = this.key else {
            return this.first_poll(cx);
        };
        let mut fresh: Option<Waker> = None;
        loop {
            let mut waiters = this.inner.waiters.lock();
            let waiter = waiters.get_mut(key);
            if waiter.released {
                let entry = waiters.remove(key);
                this.key = None;
                drop(waiters);
                drop((entry, fresh));
                return Poll::Ready(());
            }
            let refresh = wake::refresh_waker(&mut waiter.waker, &mut fresh, cx);
            if refresh.unlock(waiters, &mut fresh, cx).is_pending() {
                return Poll::Pending;
            }
        }
    }
}

impl WaitGroupWait<'_> {
    fn first_poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if crate::coop::poll_proceed(cx).is_pending() {
            return Poll::Pending;
        }
        let state = &self.inner.state;
        // Acquire: pairs with the `done` that brought the counter to zero.
        if state.load(Ordering::Acquire) & COUNT == 0 {
            return Poll::Ready(());
        }
        let waker = cx.waker().clone();
        let mut waiters = self.inner.waiters.lock();
        // Read again under the lock: a zero transition may have cleared `WAITING` meanwhile.
        let mut s = state.load(Ordering::Acquire);
        while s & WAITING == 0 {
            if s & COUNT == 0 {
                drop(waiters);
                drop(waker);
                return Poll::Ready(());
            }
            match state.compare_exchange_weak(s, s | WAITING, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => break,
                Err(actual) => s = actual,
            }
        }
        // `WAITING` is set and we hold the lock: the zero transition cannot happen before
        // we are queued.
        self.key = Some(waiters.push_back(Waiter {
            waker: Some(waker),
            released: false,
        }));
        Poll::Pending
    }
}

impl Drop for WaitGroupWait<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            let entry = self.inner.waiters.lock().remove(key);
            // The waker is dropped here, after unlocking.
            drop(entry);
        }
    }
}

impl fmt::Debug for WaitGroupWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitGroupWait")
            .field("waiting", &self.key.is_some())
            .finish()
    }
}
