//! A weighted, fair counting semaphore — the engine under [`Mutex`](super::Mutex) and
//! [`RwLock`](super::RwLock) too.
//!
//! The algorithm is the one of Go's `golang.org/x/sync/semaphore.Weighted`, with waiters in the
//! crate's FIFO waiter queue (`waiters.rs`) behind the spin lock of `lock.rs`:
//!
//! * an acquire of `n` permits takes them at once only if **nobody is waiting** and `n` are
//!   free; otherwise it queues at the back, even when `n` are free. That is what keeps a large
//!   request at the head from being starved by a stream of small ones;
//! * permits that come back (a permit dropped, `add_permits`, a granted future dropped) are
//!   **handed** to the waiters at the head, in order, for as long as the head's request fits.
//!   A served waiter is *granted*: its permits are its own before its task even runs, so a
//!   newcomer can never grab them in between (hand-off, the source of the fairness of `Mutex`).
//!   Unlike tokio's semaphore, permits are never handed to the head piecemeal: a head that does
//!   not fit yet keeps waiting and the permits stay free (Go's rule), which keeps the state a
//!   plain count.
//!
//! Invariants, true whenever the spin lock is free:
//!
//! 1. `permits` counts the free permits: not held by a permit guard, not granted to a waiter.
//! 2. The queue is empty or its head needs more than `permits`. Every change that raises
//!    `permits` or removes the head ends with [`State::serve`], which restores this; so "someone
//!    is waiting" means "a newcomer must wait".
//! 3. A waiter entry is *linked* while it waits and *unlinked* once granted; either way it stays
//!    in the slab until its owner (the future) removes it. A future dropped while linked just
//!    removes its entry (O(1)); one dropped after its grant returns the granted permits, which
//!    are handed on at once (cancel safety).
//!
//! Almost no user code runs under the spin lock: a waiter's waker is cloned under it (as the
//! channels do; a panicking clone unwinds before anything changed, and the guard unlocks), but
//! wakers are woken and dropped only after it is released, so a panicking waker cannot leave
//! the state half-updated.

use crate::lock::{Lock, LockGuard};
use crate::waiters::Waiters;
use crate::wake::WakeList;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll, Waker};

/// A counting semaphore: a pool of permits that tasks and threads acquire, some at a time, and
/// give back by dropping the permit guard (Go's `semaphore.Weighted`; tokio's API shape).
///
/// Fair: acquirers are served strictly in arrival order, and permits that come back are handed
/// straight to the first waiters, so neither a large request nor a blocked thread can be
/// starved. While anyone waits, even an acquire that would fit must queue behind them.
///
/// There is no `close`: an acquire waits until it is served or its future is dropped, so
/// [`acquire`](Semaphore::acquire) returns the permit itself, not a `Result`. To give up after a
/// while, race the future against a timer (`select!`) — dropping it is always safe.
///
/// ```
/// use gort_channel::sync::Semaphore;
/// # futures::executor::block_on(async {
/// let sem = Semaphore::new(2);
/// let a = sem.acquire().await;
/// let b = sem.acquire().await;
/// assert_eq!(sem.available_permits(), 0);
/// assert!(sem.try_acquire().is_err());
/// drop(a); // back to the pool (or to the first waiter)
/// assert_eq!(sem.available_permits(), 1);
/// # drop(b);
/// # });
/// ```
pub struct Semaphore {
    state: Lock<State>,
}

/// The state behind the spin lock.
struct State {
    /// Free permits (invariant 1).
    permits: usize,
    waiters: Waiters<Waiter>,
}

/// One waiting (or granted, not yet collected) acquire.
struct Waiter {
    /// Permits it asked for.
    needed: usize,
    /// `None` once granted: the waker was taken to be woken.
    waker: Option<Waker>,
    /// Granted: its `needed` permits are its own; it is unlinked from the queue.
    granted: bool,
}

impl State {
    /// Takes `n` permits now if that does not jump the queue (invariant 2: anyone waiting means
    /// the head does not fit, and newcomers queue behind it). Zero permits are always granted.
    fn try_take(&mut self, n: usize) -> bool {
        if n == 0 {
            return true;
        }
        if self.waiters.front().is_none() && self.permits >= n {
            self.permits -= n;
            true
        } else {
            false
        }
    }

    /// Returns `n` permits to the pool (they are then handed on by [`serve`](State::serve)).
    fn put(&mut self, n: usize) {
        self.permits = self
            .permits
            .checked_add(n)
            .filter(|&permits| permits <= Semaphore::MAX_PERMITS)
            .unwrap_or_else(|| {
                panic!(
                    "a semaphore would hold more than Semaphore::MAX_PERMITS ({}) permits; \
                     add fewer permits",
                    Semaphore::MAX_PERMITS
                )
            });
    }

    /// Hands free permits to the waiters at the head, in order, while the head fits
    /// (restores invariant 2). Returns the wakers to wake once the lock is released.
    fn serve(&mut self) -> WakeList {
        let mut woken = WakeList::new();
        while let Some(key) = self.waiters.front() {
            let waiter = self.waiters.get_mut(key);
            if waiter.needed > self.permits {
                break;
            }
            self.permits -= waiter.needed;
            waiter.granted = true;
            if let Some(waker) = waiter.waker.take() {
                woken.push_waker(waker);
            }
            self.waiters.unlink(key);
        }
        woken
    }
}

impl Semaphore {
    /// The most permits a semaphore can hold: `usize::MAX >> 3`, the same bound as tokio's, so
    /// code ported from tokio meets the same limit. [`RwLock`](super::RwLock) uses it as its
    /// reader count.
    ///
    /// ```
    /// use gort_channel::sync::Semaphore;
    /// use std::panic::{catch_unwind, AssertUnwindSafe};
    ///
    /// assert_eq!(Semaphore::MAX_PERMITS, usize::MAX >> 3);
    /// let sem = Semaphore::new(Semaphore::MAX_PERMITS); // the most it can hold
    /// assert_eq!(sem.available_permits(), Semaphore::MAX_PERMITS);
    /// assert!(catch_unwind(AssertUnwindSafe(|| sem.add_permits(1))).is_err()); // one too many
    /// ```
    pub const MAX_PERMITS: usize = usize::MAX >> 3;

    /// A semaphore with `permits` free permits. `const`, so it can be a `static`.
    ///
    /// Panics if `permits` is above [`MAX_PERMITS`](Semaphore::MAX_PERMITS).
    ///
    /// ```
    /// use gort_channel::sync::Semaphore;
    /// static DOWNLOADS: Semaphore = Semaphore::new(4);
    /// assert_eq!(DOWNLOADS.available_permits(), 4);
    /// ```
    #[cfg(not(loom))]
    pub const fn new(permits: usize) -> Semaphore {
        assert!(
            permits <= Semaphore::MAX_PERMITS,
            "Semaphore::new: more than Semaphore::MAX_PERMITS permits"
        );
        Semaphore {
            state: Lock::new(State {
                permits,
                waiters: Waiters::new(),
            }),
        }
    }

    /// A semaphore with `permits` free permits (loom build: not `const`).
    #[cfg(loom)]
    pub fn new(permits: usize) -> Semaphore {
        assert!(
            permits <= Semaphore::MAX_PERMITS,
            "Semaphore::new: more than Semaphore::MAX_PERMITS permits"
        );
        Semaphore {
            state: Lock::new(State {
                permits,
                waiters: Waiters::new(),
            }),
        }
    }

    fn lock(&self) -> LockGuard<'_, State> {
        self.state.lock()
    }

    /// Free permits right now (a snapshot: other threads may change it at once).
    ///
    /// ```
    /// let sem = gort_channel::sync::Semaphore::new(3);
    /// let _p = sem.try_acquire_many(2).unwrap();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn available_permits(&self) -> usize {
        self.lock().permits
    }

    /// Adds `n` permits, handing them to waiters first (in queue order).
    ///
    /// Panics if the semaphore would then hold more than
    /// [`MAX_PERMITS`](Semaphore::MAX_PERMITS) free permits.
    ///
    /// ```
    /// use gort_channel::sync::Semaphore;
    /// use std::sync::Arc;
    ///
    /// let sem = Arc::new(Semaphore::new(0));
    /// let waiter = std::thread::spawn({
    ///     let sem = sem.clone();
    ///     move || sem.acquire_many_blocking(2).num_permits()
    /// });
    /// sem.add_permits(2); // wakes the thread, whenever it gets to wait
    /// assert_eq!(waiter.join().unwrap(), 2);
    /// ```
    pub fn add_permits(&self, n: usize) {
        self.release(n);
    }

    /// Returns `n` permits and hands them on; wakes after unlocking.
    fn release(&self, n: usize) {
        if n == 0 {
            return;
        }
        let woken = {
            let mut state = self.lock();
            state.put(n);
            state.serve()
        };
        woken.wake_all();
    }

    /// Acquires one permit, waiting in line for it.
    ///
    /// Cancel safe: dropping the future while it waits gives up its place and takes nothing;
    /// dropping it after it was handed the permit passes the permit on.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let sem = gort_channel::sync::Semaphore::new(1);
    /// let permit = sem.acquire().await;
    /// assert_eq!(permit.num_permits(), 1);
    /// # });
    /// ```
    pub fn acquire(&self) -> AcquireFuture<'_> {
        self.acquire_many(1)
    }

    /// Acquires `n` permits at once, waiting in line for them. A large request at the head of
    /// the line is not overtaken by later small ones: they wait behind it. Zero permits are
    /// granted at once.
    ///
    /// A request for more permits than the semaphore will ever hold waits forever, and so does
    /// everyone behind it. Panics if `n` is above [`MAX_PERMITS`](Semaphore::MAX_PERMITS).
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let sem = gort_channel::sync::Semaphore::new(10);
    /// let big = sem.acquire_many(7).await;
    /// assert_eq!(sem.available_permits(), 3);
    /// drop(big);
    /// assert_eq!(sem.available_permits(), 10);
    /// # });
    /// ```
    pub fn acquire_many(&self, n: usize) -> AcquireFuture<'_> {
        AcquireFuture {
            sem: self,
            raw: RawAcquire::new(n),
        }
    }

    /// Takes one permit if one is free and nobody is waiting.
    ///
    /// ```
    /// let sem = gort_channel::sync::Semaphore::new(1);
    /// let p = sem.try_acquire().unwrap();
    /// assert!(sem.try_acquire().is_err());
    /// drop(p);
    /// assert!(sem.try_acquire().is_ok());
    /// ```
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_acquire_many(1)
    }

    /// Takes `n` permits if they are free and nobody is waiting (a waiter is never jumped,
    /// even by a request that would fit).
    ///
    /// ```
    /// let sem = gort_channel::sync::Semaphore::new(3);
    /// assert!(sem.try_acquire_many(4).is_err());
    /// assert_eq!(sem.try_acquire_many(3).unwrap().num_permits(), 3);
    /// ```
    pub fn try_acquire_many(&self, n: usize) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        if self.lock().try_take(n) {
            Ok(SemaphorePermit {
                sem: self,
                permits: n,
            })
        } else {
            Err(TryAcquireError(()))
        }
    }

    /// Acquires one permit on a plain thread, blocking it in the same line as async waiters.
    /// Do not call it from async code: it blocks the executor's thread.
    ///
    /// ```
    /// let sem = gort_channel::sync::Semaphore::new(1);
    /// let permit = sem.acquire_blocking();
    /// assert_eq!(sem.available_permits(), 0);
    /// # drop(permit);
    /// ```
    #[cfg(not(loom))]
    pub fn acquire_blocking(&self) -> SemaphorePermit<'_> {
        self.acquire_many_blocking(1)
    }

    /// Acquires `n` permits on a plain thread (see
    /// [`acquire_blocking`](Semaphore::acquire_blocking)).
    ///
    /// ```
    /// let sem = gort_channel::sync::Semaphore::new(5);
    /// assert_eq!(sem.acquire_many_blocking(5).num_permits(), 5);
    /// ```
    #[cfg(not(loom))]
    pub fn acquire_many_blocking(&self, n: usize) -> SemaphorePermit<'_> {
        let mut acquire = self.acquire_many(n);
        crate::blocking::wait(&mut acquire, None).expect("no deadline")
    }

    /// Like [`acquire`](Semaphore::acquire), for a shared semaphore: the permit owns an `Arc`
    /// of it and can move into a spawned task.
    ///
    /// ```
    /// use gort_channel::sync::Semaphore;
    /// use std::sync::Arc;
    /// # futures::executor::block_on(async {
    /// let sem = Arc::new(Semaphore::new(1));
    /// let permit = sem.clone().acquire_owned().await;
    /// std::thread::spawn(move || drop(permit)).join().unwrap();
    /// assert_eq!(sem.available_permits(), 1);
    /// # });
    /// ```
    pub fn acquire_owned(self: Arc<Self>) -> AcquireOwnedFuture {
        self.acquire_many_owned(1)
    }

    /// Like [`acquire_many`](Semaphore::acquire_many), for a shared semaphore.
    ///
    /// ```
    /// use gort_channel::sync::Semaphore;
    /// use std::sync::Arc;
    /// # futures::executor::block_on(async {
    /// let sem = Arc::new(Semaphore::new(4));
    /// let permit = sem.clone().acquire_many_owned(3).await;
    /// assert_eq!(permit.num_permits(), 3);
    /// # });
    /// ```
    pub fn acquire_many_owned(self: Arc<Self>, n: usize) -> AcquireOwnedFuture {
        AcquireOwnedFuture {
            sem: Some(self),
            raw: RawAcquire::new(n),
        }
    }

    /// Like [`try_acquire`](Semaphore::try_acquire), for a shared semaphore.
    ///
    /// ```
    /// use gort_channel::sync::Semaphore;
    /// use std::sync::Arc;
    /// let sem = Arc::new(Semaphore::new(1));
    /// let permit = sem.clone().try_acquire_owned().unwrap();
    /// assert!(sem.clone().try_acquire_owned().is_err());
    /// # drop(permit);
    /// ```
    pub fn try_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.try_acquire_many_owned(1)
    }

    /// Like [`try_acquire_many`](Semaphore::try_acquire_many), for a shared semaphore.
    ///
    /// ```
    /// use gort_channel::sync::Semaphore;
    /// use std::sync::Arc;
    /// let sem = Arc::new(Semaphore::new(2));
    /// assert_eq!(sem.clone().try_acquire_many_owned(2).unwrap().num_permits(), 2);
    /// ```
    pub fn try_acquire_many_owned(
        self: Arc<Self>,
        n: usize,
    ) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        if self.lock().try_take(n) {
            Ok(OwnedSemaphorePermit {
                sem: self,
                permits: n,
            })
        } else {
            Err(TryAcquireError(()))
        }
    }

    /// Waiters in line (walks the queue: for `Debug` only).
    fn waiting(&self) -> usize {
        let state = self.lock();
        let mut count = 0;
        let mut cursor = state.waiters.front();
        while let Some(key) = cursor {
            count += 1;
            cursor = state.waiters.next(key);
        }
        count
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("available_permits", &self.available_permits())
            .field("waiting", &self.waiting())
            .finish()
    }
}

/// Where an acquire future is.
#[derive(Debug, Clone, Copy)]
enum Phase {
    /// Not polled yet.
    Idle,
    /// Its entry in the queue (linked while waiting, unlinked once granted).
    Queued(usize),
    /// Completed, or cancelled.
    Done,
}

/// The state machine shared by every acquire future (borrowed, owned, mutex, rwlock); the
/// owner passes the semaphore in and calls [`cancel`](RawAcquire::cancel) from its `Drop`.
#[derive(Debug)]
pub(crate) struct RawAcquire {
    needed: usize,
    phase: Phase,
}

impl RawAcquire {
    pub(crate) fn new(needed: usize) -> RawAcquire {
        assert!(
            needed <= Semaphore::MAX_PERMITS,
            "cannot acquire {needed} permits: a semaphore holds at most Semaphore::MAX_PERMITS \
             ({}); ask for fewer",
            Semaphore::MAX_PERMITS
        );
        RawAcquire {
            needed,
            phase: Phase::Idle,
        }
    }

    pub(crate) fn is_waiting(&self) -> bool {
        matches!(self.phase, Phase::Queued(_))
    }

    /// `Ready` once the permits are this future's (the caller wraps them in a guard).
    pub(crate) fn poll(&mut self, sem: &Semaphore, cx: &mut Context<'_>) -> Poll<()> {
        match self.phase {
            Phase::Done => panic!(
                "a semaphore, mutex or rwlock future was polled after it completed; \
                 call acquire()/lock()/read()/write() again for a new one"
            ),
            Phase::Idle => {
                // A lock that is always free must still let the executor run others.
                ready!(crate::coop::poll_proceed(cx));
                let mut state = sem.lock();
                if state.try_take(self.needed) {
                    drop(state);
                    self.phase = Phase::Done;
                    return Poll::Ready(());
                }
                // The waker is cloned under the lock, as the channels do: a clone that panics
                // unwinds before anything changed, and the guard releases the lock.
                let key = state.waiters.push_back(Waiter {
                    needed: self.needed,
                    waker: Some(cx.waker().clone()),
                    granted: false,
                });
                self.phase = Phase::Queued(key);
                Poll::Pending
            }
            Phase::Queued(key) => {
                let mut state = sem.lock();
                let waiter = state.waiters.get_mut(key);
                if waiter.granted {
                    let entry = state.waiters.remove(key);
                    drop(state);
                    drop(entry);
                    self.phase = Phase::Done;
                    return Poll::Ready(());
                }
                // A task may be polled with a new waker; the entry must wake the latest. The
                // old one is dropped after the lock is released (a drop may run user code).
                if crate::wake::is_current(&waiter.waker, cx) {
                    return Poll::Pending;
                }
                let old = waiter.waker.replace(cx.waker().clone());
                drop(state);
                drop(old);
                Poll::Pending
            }
        }
    }

    /// Withdraws the acquire: a waiting entry leaves the queue taking nothing; permits already
    /// granted go back and are handed on. Idempotent.
    pub(crate) fn cancel(&mut self, sem: &Semaphore) {
        let Phase::Queued(key) = std::mem::replace(&mut self.phase, Phase::Done) else {
            return;
        };
        let (entry, woken) = {
            let mut state = sem.lock();
            let entry = state.waiters.remove(key);
            if entry.granted {
                state.put(entry.needed);
            }
            // Also when it only waited: if it was the head, the next ones may fit now.
            let woken = state.serve();
            (entry, woken)
        };
        drop(entry);
        woken.wake_all();
    }
}

/// The future of [`Semaphore::acquire`] and [`Semaphore::acquire_many`].
///
/// Dropping it is always safe: while waiting it takes nothing; once granted, the permits are
/// passed on to the next waiter (or back to the pool).
///
/// ```
/// use futures::FutureExt; // now_or_never: poll once
/// use gort_channel::sync::Semaphore;
///
/// let sem = Semaphore::new(2);
/// let held = sem.try_acquire_many(2).unwrap();
/// let mut big = Box::pin(sem.acquire_many(2));
/// assert!(big.as_mut().now_or_never().is_none()); // waits in line
/// drop(held); // both permits are handed to `big`, not put back in the pool
/// assert_eq!(sem.available_permits(), 0);
/// drop(big); // dropped before it took them: they go back
/// assert_eq!(sem.available_permits(), 2);
/// ```
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct AcquireFuture<'a> {
    sem: &'a Semaphore,
    raw: RawAcquire,
}

impl<'a> Future for AcquireFuture<'a> {
    type Output = SemaphorePermit<'a>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<SemaphorePermit<'a>> {
        let this = &mut *self;
        ready!(this.raw.poll(this.sem, cx));
        Poll::Ready(SemaphorePermit {
            sem: this.sem,
            permits: this.raw.needed,
        })
    }
}

impl Drop for AcquireFuture<'_> {
    fn drop(&mut self) {
        self.raw.cancel(self.sem);
    }
}

/// The future of [`Semaphore::acquire_owned`] and [`Semaphore::acquire_many_owned`]; cancel
/// safe like [`AcquireFuture`].
///
/// It owns an `Arc` of the semaphore, so it is `'static` and can be awaited on another thread
/// or task:
///
/// ```
/// use gort_channel::sync::Semaphore;
/// use std::sync::Arc;
///
/// let sem = Arc::new(Semaphore::new(1));
/// let acquire = sem.clone().acquire_owned();
/// let permit = std::thread::spawn(move || futures::executor::block_on(acquire))
///     .join()
///     .unwrap();
/// assert_eq!(sem.available_permits(), 0);
/// drop(permit);
/// assert_eq!(sem.available_permits(), 1);
/// ```
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct AcquireOwnedFuture {
    /// `None` once the permit (which takes the `Arc`) was returned.
    sem: Option<Arc<Semaphore>>,
    raw: RawAcquire,
}

impl Future for AcquireOwnedFuture {
    type Output = OwnedSemaphorePermit;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<OwnedSemaphorePermit> {
        let this = &mut *self;
        let sem = this
            .sem
            .as_ref()
            .expect("AcquireOwnedFuture polled after it completed");
        ready!(this.raw.poll(sem, cx));
        Poll::Ready(OwnedSemaphorePermit {
            sem: this.sem.take().expect("checked above"),
            permits: this.raw.needed,
        })
    }
}

impl Drop for AcquireOwnedFuture {
    fn drop(&mut self) {
        if let Some(sem) = &self.sem {
            self.raw.cancel(sem);
        }
    }
}

/// Permits taken from a [`Semaphore`]; dropping it gives them back (to the first waiters).
///
/// ```
/// let sem = gort_channel::sync::Semaphore::new(2);
/// {
///     let _permit = sem.try_acquire().unwrap();
///     assert_eq!(sem.available_permits(), 1);
/// }
/// assert_eq!(sem.available_permits(), 2);
/// ```
#[must_use = "the permits go back as soon as the permit is dropped"]
pub struct SemaphorePermit<'a> {
    sem: &'a Semaphore,
    permits: usize,
}

impl SemaphorePermit<'_> {
    /// How many permits this holds.
    ///
    /// ```
    /// let sem = gort_channel::sync::Semaphore::new(3);
    /// assert_eq!(sem.try_acquire_many(2).unwrap().num_permits(), 2);
    /// ```
    pub fn num_permits(&self) -> usize {
        self.permits
    }

    /// Keeps the permits out of the semaphore for good: the pool shrinks by that many.
    ///
    /// ```
    /// let sem = gort_channel::sync::Semaphore::new(3);
    /// sem.try_acquire().unwrap().forget();
    /// assert_eq!(sem.available_permits(), 2);
    /// ```
    pub fn forget(mut self) {
        self.permits = 0;
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        self.sem.release(self.permits);
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("permits", &self.permits)
            .finish()
    }
}

/// Permits taken from a shared [`Semaphore`], owning an `Arc` of it so they can move into a
/// spawned task; dropping it gives them back.
///
/// ```
/// use gort_channel::sync::Semaphore;
/// use std::sync::Arc;
/// let sem = Arc::new(Semaphore::new(1));
/// let permit = sem.clone().try_acquire_owned().unwrap();
/// assert!(Arc::ptr_eq(permit.semaphore(), &sem));
/// ```
#[must_use = "the permits go back as soon as the permit is dropped"]
pub struct OwnedSemaphorePermit {
    sem: Arc<Semaphore>,
    permits: usize,
}

impl OwnedSemaphorePermit {
    /// How many permits this holds.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(gort_channel::sync::Semaphore::new(4));
    /// assert_eq!(sem.try_acquire_many_owned(4).unwrap().num_permits(), 4);
    /// ```
    pub fn num_permits(&self) -> usize {
        self.permits
    }

    /// The semaphore the permits came from.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(gort_channel::sync::Semaphore::new(1));
    /// let permit = sem.clone().try_acquire_owned().unwrap();
    /// assert_eq!(permit.semaphore().available_permits(), 0);
    /// ```
    pub fn semaphore(&self) -> &Arc<Semaphore> {
        &self.sem
    }

    /// Keeps the permits out of the semaphore for good.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(gort_channel::sync::Semaphore::new(1));
    /// sem.clone().try_acquire_owned().unwrap().forget();
    /// assert_eq!(sem.available_permits(), 0);
    /// ```
    pub fn forget(mut self) {
        self.permits = 0;
    }
}

impl Drop for OwnedSemaphorePermit {
    fn drop(&mut self) {
        self.sem.release(self.permits);
    }
}

impl fmt::Debug for OwnedSemaphorePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedSemaphorePermit")
            .field("permits", &self.permits)
            .finish()
    }
}

/// [`Semaphore::try_acquire`] failed: too few free permits, or others are waiting in line
/// (a `try` never jumps the queue).
///
/// ```
/// let sem = gort_channel::sync::Semaphore::new(0);
/// let err = sem.try_acquire().unwrap_err();
/// assert_eq!(err.to_string(), "no permits available without jumping the queue");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TryAcquireError(());

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no permits available without jumping the queue")
    }
}

impl std::error::Error for TryAcquireError {}
