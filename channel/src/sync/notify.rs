//! [`Notify`]: wake one waiting task, or all of them (tokio's `Notify`; Go would use a
//! `sync.Cond` or a channel).
//!
//! State, under the lock: the FIFO queue of registered [`Notified`] futures, and one stored
//! *permit* (a `notify_one` that found nobody waiting). Beside it, an atomic `generation`
//! counts `notify_all` calls: a `Notified` records it when it is created, so a `notify_all`
//! reaches every future created before it, even one never polled (it sees a new generation on
//! its first poll).
//!
//! Invariants:
//! * a `notify_one` is delivered exactly once: to the first queued waiter (unlinked and marked
//!   `One`), or as the permit; a second `notify_one` with nobody waiting does not add a permit;
//! * a waiter marked `One` that is dropped before returning `Ready` passes the notification on
//!   (to the next waiter, else the permit), so it is never lost;
//! * `notify_all` marks and wakes every queued waiter and stores no permit; `generation` is
//!   bumped under the lock, so a first poll (also under the lock) sees either the new
//!   generation or is queued before the call and marked by it.

use crate::lock::Lock;
use crate::loom::{AtomicUsize, Ordering};
use crate::waiters::Waiters;
use crate::wake::{self, WakeList};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// Notifies one task or all tasks waiting for an event.
///
/// [`notified`](Notify::notified) returns a future that completes when the `Notify` is
/// notified. [`notify_one`](Notify::notify_one) wakes the longest-waiting future (FIFO), or,
/// if none waits, stores one permit that the next `notified()` consumes at once (several calls
/// still store only one). [`notify_all`](Notify::notify_all) wakes every waiting future, and
/// every `notified()` future created before the call, and stores nothing.
///
/// ```
/// use gort_channel::sync::Notify;
/// use std::sync::Arc;
///
/// let notify = Arc::new(Notify::new());
/// let n2 = notify.clone();
/// let waiter = std::thread::spawn(move || futures::executor::block_on(n2.notified()));
/// notify.notify_one(); // delivered to the waiter, or stored as a permit for it
/// waiter.join().unwrap();
/// ```
pub struct Notify {
    /// Number of `notify_all` calls (wrapping). Changed only under the lock.
    generation: AtomicUsize,
    state: Lock<State>,
}

struct State {
    /// A `notify_one` nobody has consumed yet.
    permit: bool,
    waiters: Waiters<Waiter>,
}

/// How a queued waiter was notified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Notification {
    /// By `notify_one`: it must be passed on if the future is dropped before completing.
    One,
    /// By `notify_all`.
    All,
}

struct Waiter {
    /// Taken by whoever notifies it.
    waker: Option<Waker>,
    notified: Option<Notification>,
}

impl State {
    /// Delivers one notification: to the first waiter, else as the permit.
    fn notify_one(&mut self, wake: &mut WakeList) {
        match self.waiters.front() {
            Some(key) => {
                self.waiters.unlink(key);
                let waiter = self.waiters.get_mut(key);
                waiter.notified = Some(Notification::One);
                wake.push(waiter.waker.take());
            }
            None => self.permit = true,
        }
    }
}

impl Notify {
    /// A `Notify` with no waiters and no permit.
    ///
    /// ```
    /// let notify = gort_channel::sync::Notify::new();
    /// # drop(notify);
    /// ```
    pub fn new() -> Self {
        Notify {
            generation: AtomicUsize::new(0),
            state: Lock::new(State {
                permit: false,
                waiters: Waiters::new(),
            }),
        }
    }

    /// A future that completes when this `Notify` is notified.
    ///
    /// It counts as waiting for [`notify_all`](Notify::notify_all) from the moment it is
    /// created, and for [`notify_one`](Notify::notify_one) from its first poll (a permit
    /// stored before then is consumed by that poll). It is `Unpin`, so it can be an arm of
    /// `select!` or be polled by reference.
    ///
    /// Cancel safety: dropping it before it completed, after a `notify_one` chose it, passes
    /// that notification on to the next waiter (or stores it as the permit).
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let notify = gort_channel::sync::Notify::new();
    /// notify.notify_one(); // nobody waits: stored as a permit
    /// notify.notified().await; // consumes it at once
    /// # });
    /// ```
    pub fn notified(&self) -> Notified<'_> {
        Notified {
            notify: self,
            generation: self.generation.load(Ordering::Acquire),
            key: None,
            done: false,
        }
    }

    /// Wakes the longest-waiting [`notified`](Notify::notified) future, or stores one permit
    /// if none waits (a permit already stored stays one).
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let notify = gort_channel::sync::Notify::new();
    /// notify.notify_one();
    /// notify.notify_one(); // still one permit
    /// notify.notified().await;
    /// let mut second = notify.notified();
    /// assert!(futures::poll!(&mut second).is_pending());
    /// # });
    /// ```
    pub fn notify_one(&self) {
        let mut wake = WakeList::new();
        self.state.lock().notify_one(&mut wake);
        wake.wake_all();
    }

    /// Wakes every waiting [`notified`](Notify::notified) future, and every one created before
    /// this call even if it has not been polled yet. Stores no permit.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let notify = gort_channel::sync::Notify::new();
    /// let (a, b) = (notify.notified(), notify.notified());
    /// notify.notify_all();
    /// a.await;
    /// b.await;
    /// let mut later = notify.notified();
    /// assert!(futures::poll!(&mut later).is_pending()); // no permit was stored
    /// # });
    /// ```
    pub fn notify_all(&self) {
        let mut wake = WakeList::new();
        let mut state = self.state.lock();
        // Under the lock: a first poll compares generations under the same lock.
        let generation = self.generation.load(Ordering::Relaxed);
        self.generation
            .store(generation.wrapping_add(1), Ordering::Release);
        while let Some(key) = state.waiters.front() {
            state.waiters.unlink(key);
            let waiter = state.waiters.get_mut(key);
            waiter.notified = Some(Notification::All);
            wake.push(waiter.waker.take());
        }
        drop(state);
        wake.wake_all();
    }
}

// No user code runs under the lock, so a panic (in a waker) never leaves it inconsistent.
impl std::panic::RefUnwindSafe for Notify {}
impl std::panic::UnwindSafe for Notify {}

impl Default for Notify {
    fn default() -> Self {
        Notify::new()
    }
}

impl fmt::Debug for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.lock();
        let (permit, waiting) = (state.permit, state.waiters.front().is_some());
        drop(state);
        f.debug_struct("Notify")
            .field("permit", &permit)
            .field("waiting", &waiting)
            .finish()
    }
}

/// The future of [`Notify::notified`]. `Unpin` and `Send`; see there for cancel safety.
///
/// ```
/// use gort_channel::sync::Notify;
/// use std::future::Future;
/// use std::task::{Context, Waker};
///
/// let notify = Notify::new();
/// let mut notified = notify.notified();
/// let mut cx = Context::from_waker(Waker::noop());
/// assert!(std::pin::Pin::new(&mut notified).poll(&mut cx).is_pending()); // queued
/// notify.notify_one();
/// assert!(std::pin::Pin::new(&mut notified).poll(&mut cx).is_ready());
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Notified<'a> {
    notify: &'a Notify,
    /// `notify.generation` when this future was created.
    generation: usize,
    /// Our queue entry, once queued.
    key: Option<usize>,
    /// Completed: later polls are ready too.
    done: bool,
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(());
        }
        let ready = match this.key {
            None => this.first_poll(cx),
            Some(key) => this.poll_queued(key, cx),
        };
        this.done = ready.is_ready();
        ready
    }
}

impl Notified<'_> {
    fn first_poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if crate::coop::poll_proceed(cx).is_pending() {
            return Poll::Pending;
        }
        let waker = cx.waker().clone();
        let mut state = self.notify.state.lock();
        if self.notify.generation.load(Ordering::Relaxed) != self.generation {
            // A `notify_all` came after this future was created.
            drop(state);
            drop(waker);
            return Poll::Ready(());
        }
        if state.permit {
            state.permit = false;
            drop(state);
            drop(waker);
            return Poll::Ready(());
        }
        self.key = Some(state.waiters.push_back(Waiter {
            waker: Some(waker),
            notified: None,
        }));
        Poll::Pending
    }

    fn poll_queued(&mut self, key: usize, cx: &mut Context<'_>) -> Poll<()> {
        let mut fresh: Option<Waker> = None;
        loop {
            let mut state = self.notify.state.lock();
            let waiter = state.waiters.get_mut(key);
            if waiter.notified.is_some() {
                // Completing consumes the notification: nothing to pass on from here.
                let entry = state.waiters.remove(key);
                self.key = None;
                drop(state);
                drop((entry, fresh));
                return Poll::Ready(());
            }
            let refresh = wake::refresh_waker(&mut waiter.waker, &mut fresh, cx);
            if refresh.unlock(state, &mut fresh, cx).is_pending() {
                return Poll::Pending;
            }
        }
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else { return };
        let mut wake = WakeList::new();
        let mut state = self.notify.state.lock();
        let entry = state.waiters.remove(key);
        if entry.notified == Some(Notification::One) {
            // Chosen by a `notify_one` but never completed: the notification goes on.
            state.notify_one(&mut wake);
        }
        drop(state);
        drop(entry);
        wake.wake_all();
    }
}

impl fmt::Debug for Notified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notified")
            .field("waiting", &self.key.is_some())
            .field("done", &self.done)
            .finish()
    }
}
