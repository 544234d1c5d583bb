//! [`OnceCell`]: a value set once, by an async initialiser that runs once even under
//! contention (Go's `sync.Once` with a result; tokio's `OnceCell`).
//!
//! An atomic `state` is `EMPTY`, `RUNNING` or `READY`. Whoever takes it from `EMPTY` to
//! `RUNNING` (under the lock) holds the *init right*: it alone may write the value. Everyone
//! else arriving while `RUNNING` waits in the FIFO queue.
//!
//! * The holder writes the value, then (under the lock) stores `READY` with `Release` and
//!   releases every waiter. `READY` never goes back while the cell is shared, so a reader that
//!   loads `READY` with `Acquire` may read the value from then on.
//! * A holder that gives up — its initialiser panicked, returned an error, or its future was
//!   dropped — hands the right straight to the first waiter (which runs its own initialiser),
//!   or, with nobody waiting, stores `EMPTY`. A waiter that was handed the right but is dropped
//!   before it noticed passes it on the same way.
//!
//! Invariant: while `RUNNING`, exactly one party holds the init right — an [`InitGuard`] or a
//! queued waiter marked `Granted` — and no waiter is queued while the state is not `RUNNING`.
//! Initialisers run outside the lock; the lock only guards the queue and state changes.

use crate::lock::Lock;
use crate::loom::{AtomicUsize, Ordering, UnsafeCell};
use crate::waiters::Waiters;
use crate::wake::{self, WakeList};
use std::convert::Infallible;
use std::fmt;
use std::future::{poll_fn, Future};
use std::mem::MaybeUninit;
use std::task::{Context, Poll, Waker};

const EMPTY: usize = 0;
const RUNNING: usize = 1;
const READY: usize = 2;

/// A cell written once, by the first of possibly many concurrent async initialisers.
///
/// [`get_or_init`](OnceCell::get_or_init) runs its initialiser only if the cell is empty and no
/// other initialiser is running; concurrent callers wait for that one and then all get its
/// value. If the running initialiser panics, fails ([`get_or_try_init`](OnceCell::get_or_try_init))
/// or is cancelled (its future dropped), the next waiter runs its own.
///
/// `OnceCell<T>` is `Sync` when `T: Send + Sync`, as [`std::sync::OnceLock`].
///
/// ```
/// use gort_channel::sync::OnceCell;
///
/// static CONFIG: OnceCell<String> = OnceCell::new();
///
/// # futures::executor::block_on(async {
/// let value = CONFIG.get_or_init(|| async { "loaded".to_string() }).await;
/// assert_eq!(value, "loaded");
/// // Later callers get the same value; their initialiser does not run.
/// let again = CONFIG.get_or_init(|| async { unreachable!() }).await;
/// assert_eq!(again, "loaded");
/// # });
/// ```
pub struct OnceCell<T> {
    state: AtomicUsize,
    /// Written once by the holder of the init right; read only after `READY`.
    value: UnsafeCell<MaybeUninit<T>>,
    waiters: Lock<Waiters<Waiter>>,
}

// SAFETY: shared access hands out `&T` to every thread (needs `T: Sync`) and lets any thread
// store the `T` that is later dropped elsewhere (needs `T: Send`) — the bounds of `OnceLock`.
// The value itself is written by exactly one party (the init-right holder) before `READY` is
// published with `Release`, and read only after `READY` is observed with `Acquire`.
unsafe impl<T: Send + Sync> Sync for OnceCell<T> {}
// `Send` is derived: owning the cell owns the `T` (so `T: Send`), as `OnceLock`.

/// What a waiter is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Waiting,
    /// The cell is set.
    Ready,
    /// The init right was handed to this waiter: it must run its initialiser or pass it on.
    Granted,
}

struct Waiter {
    /// Taken by whoever serves it.
    waker: Option<Waker>,
    outcome: Outcome,
}

/// What [`OnceCell::acquire`] resolves to.
enum Turn<'a, T> {
    /// The cell is set.
    Ready(&'a T),
    /// We hold the init right.
    Init(InitGuard<'a, T>),
}

impl<T> OnceCell<T> {
    /// An empty cell. `const`, so it can be a `static`.
    ///
    /// ```
    /// static CELL: gort_channel::sync::OnceCell<u32> = gort_channel::sync::OnceCell::new();
    /// assert!(CELL.get().is_none());
    /// ```
    #[cfg(not(loom))]
    pub const fn new() -> Self {
        OnceCell {
            state: AtomicUsize::new(EMPTY),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            waiters: Lock::new(Waiters::new()),
        }
    }

    /// An empty cell (loom's atomics have no `const fn new`).
    #[cfg(loom)]
    pub fn new() -> Self {
        OnceCell {
            state: AtomicUsize::new(EMPTY),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            waiters: Lock::new(Waiters::new()),
        }
    }

    /// The value, if the cell is set.
    ///
    /// ```
    /// let cell = gort_channel::sync::OnceCell::new();
    /// assert_eq!(cell.get(), None);
    /// cell.set(3).unwrap();
    /// assert_eq!(cell.get(), Some(&3));
    /// ```
    pub fn get(&self) -> Option<&T> {
        if self.state.load(Ordering::Acquire) == READY {
            // SAFETY: `READY` was stored with `Release` after the value was written, and we
            // loaded it with `Acquire`; the value is never written again nor dropped while
            // `&self` lives (that needs `&mut self`).
            Some(unsafe { self.value_unchecked() })
        } else {
            None
        }
    }

    /// Sets the cell to `value` unless it is set or an initialiser is running; then `value`
    /// comes back in `Err`.
    ///
    /// ```
    /// let cell = gort_channel::sync::OnceCell::new();
    /// assert_eq!(cell.set(1), Ok(()));
    /// assert_eq!(cell.set(2), Err(2));
    /// assert_eq!(cell.get(), Some(&1));
    /// ```
    pub fn set(&self, value: T) -> Result<(), T> {
        if self.state.load(Ordering::Acquire) != EMPTY {
            return Err(value);
        }
        let waiters = self.waiters.lock();
        if self.state.load(Ordering::Relaxed) != EMPTY {
            drop(waiters);
            return Err(value);
        }
        // Writing is a move (no user code), so it may happen under the lock; `EMPTY` under the
        // lock means nobody holds the init right and no reader looks at the value.
        // SAFETY: see above — we are the only party that may touch the value right now.
        self.value.with_mut(|slot| unsafe { (*slot).write(value) });
        self.state.store(READY, Ordering::Release);
        // `EMPTY` means no waiter is queued: nobody to wake.
        drop(waiters);
        Ok(())
    }

    /// The value, running `init` to produce it if the cell is empty.
    ///
    /// `init` runs at most once across all concurrent callers while it succeeds: the others
    /// wait, then get its value. If it panics or its caller's future is dropped before it
    /// finished, the cell stays empty and the next waiting caller runs its own `init`.
    ///
    /// ```
    /// use gort_channel::sync::OnceCell;
    /// # futures::executor::block_on(async {
    /// let cell = OnceCell::new();
    /// assert_eq!(*cell.get_or_init(|| async { 1 + 1 }).await, 2);
    /// # });
    /// ```
    pub async fn get_or_init<F, Fut>(&self, init: F) -> &T
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        let result = self
            .get_or_try_init(|| async { Ok::<T, Infallible>(init().await) })
            .await;
        match result {
            Ok(value) => value,
            Err(never) => match never {},
        }
    }

    /// Like [`get_or_init`](OnceCell::get_or_init), with an initialiser that can fail: an
    /// `Err` is returned to this caller, the cell stays empty, and the next waiting caller runs
    /// its own initialiser.
    ///
    /// ```
    /// use gort_channel::sync::OnceCell;
    /// # futures::executor::block_on(async {
    /// let cell = OnceCell::new();
    /// assert_eq!(cell.get_or_try_init(|| async { Err("down") }).await, Err("down"));
    /// assert_eq!(cell.get_or_try_init(|| async { Ok::<_, &str>(5) }).await, Ok(&5));
    /// # });
    /// ```
    pub async fn get_or_try_init<E, F, Fut>(&self, init: F) -> Result<&T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if let Some(value) = self.get() {
            return Ok(value);
        }
        let guard = match self.acquire().await {
            Turn::Ready(value) => return Ok(value),
            Turn::Init(guard) => guard,
        };
        // A panic in `init` or its future, or dropping this future, drops `guard`, which
        // hands the init right to the next waiter.
        let value = init().await?;
        Ok(guard.complete(value))
    }

    /// Waits until the cell is set or we hold the init right.
    async fn acquire(&self) -> Turn<'_, T> {
        let mut waiting = Waiting {
            cell: self,
            key: None,
        };
        poll_fn(|cx| waiting.poll(cx)).await
    }

    /// The value, taking the cell by value.
    ///
    /// ```
    /// let cell = gort_channel::sync::OnceCell::new();
    /// cell.set("x").unwrap();
    /// assert_eq!(cell.into_inner(), Some("x"));
    /// ```
    pub fn into_inner(mut self) -> Option<T> {
        // The cell is left empty, so its `Drop` finds nothing to drop.
        self.take_value()
    }

    /// Moves the value out (leaving the cell empty), if set.
    fn take_value(&mut self) -> Option<T> {
        if self.state.load(Ordering::Acquire) != READY {
            return None;
        }
        self.state.store(EMPTY, Ordering::Relaxed);
        // SAFETY: `READY`, so the value is initialised; `&mut self` means no reference to it
        // is alive, and the state is now `EMPTY`, so it is not read or dropped again.
        Some(
            self.value
                .with_mut(|slot| unsafe { (*slot).assume_init_read() }),
        )
    }

    /// # Safety
    ///
    /// The state must have been observed `READY` with `Acquire` (by this thread, or before a
    /// happens-before edge to it), and the returned borrow must not outlive `&self`.
    unsafe fn value_unchecked(&self) -> &T {
        // SAFETY: by the contract, the value is initialised and no longer written; `&self`
        // keeps the cell (so the value) alive for the returned lifetime.
        self.value.with(|slot| unsafe { (*slot).assume_init_ref() })
    }

    /// The init right is given up: hand it to the first waiter, or empty the cell.
    fn pass_on(&self) {
        let mut wake = WakeList::new();
        let mut waiters = self.waiters.lock();
        match waiters.front() {
            Some(key) => {
                waiters.unlink(key);
                let waiter = waiters.get_mut(key);
                waiter.outcome = Outcome::Granted;
                wake.push(waiter.waker.take());
            }
            None => self.state.store(EMPTY, Ordering::Relaxed),
        }
        drop(waiters);
        wake.wake_all();
    }
}

// As `OnceLock`: a panicking initialiser leaves the cell empty (the right is passed on).
impl<T: std::panic::RefUnwindSafe + std::panic::UnwindSafe> std::panic::RefUnwindSafe
    for OnceCell<T>
{
}
impl<T: std::panic::UnwindSafe> std::panic::UnwindSafe for OnceCell<T> {}

impl<T> Drop for OnceCell<T> {
    fn drop(&mut self) {
        drop(self.take_value());
    }
}

impl<T> Default for OnceCell<T> {
    fn default() -> Self {
        OnceCell::new()
    }
}

impl<T: fmt::Debug> fmt::Debug for OnceCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_tuple("OnceCell");
        match self.get() {
            Some(value) => d.field(value),
            None => d.field(&format_args!("<unset>")),
        };
        d.finish()
    }
}

/// The holder of the init right. Dropped without [`complete`](InitGuard::complete) (a panic,
/// an error, a cancelled future), it passes the right on.
struct InitGuard<'a, T> {
    cell: &'a OnceCell<T>,
}

impl<'a, T> InitGuard<'a, T> {
    /// Stores the value, publishes `READY` and releases every waiter.
    fn complete(self, value: T) -> &'a T {
        let cell = self.cell;
        std::mem::forget(self);
        // SAFETY: we hold the init right (state `RUNNING`), so no one else writes the value,
        // and no one reads it before `READY` is published below.
        cell.value.with_mut(|slot| unsafe { (*slot).write(value) });
        let mut wake = WakeList::new();
        let mut waiters = cell.waiters.lock();
        cell.state.store(READY, Ordering::Release);
        while let Some(key) = waiters.front() {
            waiters.unlink(key);
            let waiter = waiters.get_mut(key);
            waiter.outcome = Outcome::Ready;
            wake.push(waiter.waker.take());
        }
        drop(waiters);
        wake.wake_all();
        // SAFETY: this thread stored `READY` after writing the value; it never changes again
        // while `cell` is borrowed.
        unsafe { cell.value_unchecked() }
    }
}

impl<T> Drop for InitGuard<'_, T> {
    fn drop(&mut self) {
        self.cell.pass_on();
    }
}

/// A caller waiting for the init right or the value.
struct Waiting<'a, T> {
    cell: &'a OnceCell<T>,
    key: Option<usize>,
}

impl<'a, T> Waiting<'a, T> {
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Turn<'a, T>> {
        let cell = self.cell;
        let Some(key) = self.key else {
            if crate::coop::poll_proceed(cx).is_pending() {
                return Poll::Pending;
            }
            let waker = cx.waker().clone();
            let mut waiters = cell.waiters.lock();
            match cell.state.load(Ordering::Acquire) {
                EMPTY => {
                    cell.state.store(RUNNING, Ordering::Relaxed);
                    drop(waiters);
                    drop(waker);
                    return Poll::Ready(Turn::Init(InitGuard { cell }));
                }
                RUNNING => {
                    self.key = Some(waiters.push_back(Waiter {
                        waker: Some(waker),
                        outcome: Outcome::Waiting,
                    }));
                    return Poll::Pending;
                }
                _ => {
                    drop(waiters);
                    drop(waker);
                    // SAFETY: loaded `READY` with `Acquire` just above.
                    return Poll::Ready(Turn::Ready(unsafe { cell.value_unchecked() }));
                }
            }
        };
        let mut fresh: Option<Waker> = None;
        loop {
            let mut waiters = cell.waiters.lock();
            let waiter = waiters.get_mut(key);
            let turn = match waiter.outcome {
                Outcome::Granted => Turn::Init(InitGuard { cell }),
                // SAFETY: `Ready` is set under the lock after `READY` was stored; our lock
                // acquisition orders that store (and the value's write) before this read.
                Outcome::Ready => Turn::Ready(unsafe { cell.value_unchecked() }),
                Outcome::Waiting => {
                    let refresh = wake::refresh_waker(&mut waiter.waker, &mut fresh, cx);
                    if refresh.unlock(waiters, &mut fresh, cx).is_pending() {
                        return Poll::Pending;
                    }
                    continue;
                }
            };
            let entry = waiters.remove(key);
            self.key = None;
            drop(waiters);
            drop((entry, fresh));
            return Poll::Ready(turn);
        }
    }
}

impl<T> Drop for Waiting<'_, T> {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else { return };
        let entry = self.cell.waiters.lock().remove(key);
        if entry.outcome == Outcome::Granted {
            // Handed the init right but cancelled before it noticed: pass it on.
            self.cell.pass_on();
        }
        drop(entry);
    }
}
