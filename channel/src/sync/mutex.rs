//! A fair async mutex: a [`Semaphore`] with one permit, plus the value it guards.
//!
//! Holding the permit is holding the lock. The semaphore makes it fair: lockers are served in
//! arrival order and an unlock hands the lock straight to the first waiter (Go's mutex does this
//! only in its "starvation mode"; gort always does, so no waiter starves and none barges).
//! The price is a lock convoy under heavy contention — a fair lock cannot let the unlocking
//! task relock at once while someone waits.
//!
//! No poisoning: a task that panics while holding the guard unlocks it on unwind (as tokio's
//! mutex does); the value is whatever the panicking code left.
//!
//! Under loom the guard holds a tracked access to the value (`MutPtr`) for its whole life, so the
//! models check mutual exclusion itself, not only the permit count.

use super::semaphore::{RawAcquire, Semaphore};
use crate::loom::UnsafeCell;
use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// A mutual-exclusion lock for async code and plain threads (Go's `sync.Mutex`, holding its
/// value as Rust's do).
///
/// Fair: waiters get the lock in the order they asked for it, and an unlock hands it straight
/// to the first of them, so nobody starves. A blocked thread ([`lock_blocking`]) waits in the
/// same line as tasks. The guard may be held across `.await` and moved between threads.
///
/// [`lock_blocking`]: Mutex::lock_blocking
///
/// ```
/// use gort_channel::sync::Mutex;
/// use std::sync::Arc;
///
/// let count = Arc::new(Mutex::new(0));
/// let threads: Vec<_> = (0..4)
///     .map(|_| {
///         let count = count.clone();
///         std::thread::spawn(move || *count.lock_blocking() += 1)
///     })
///     .collect();
/// for t in threads {
///     t.join().unwrap();
/// }
/// # futures::executor::block_on(async {
/// assert_eq!(*count.lock().await, 4);
/// # });
/// ```
pub struct Mutex<T: ?Sized> {
    sem: Semaphore,
    data: UnsafeCell<T>,
}

// SAFETY: the value is reached only through a guard, and the one-permit semaphore lets one
// guard exist at a time, so sharing the mutex hands the `T` from thread to thread but never
// shares it: `T: Send` suffices, as for `std::sync::Mutex`. (`Send` for `Mutex<T>` is the
// automatic one: it needs `T: Send`.)
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}

impl<T> Mutex<T> {
    /// A new, unlocked mutex. `const`, so it can be a `static`.
    ///
    /// ```
    /// use gort_channel::sync::Mutex;
    /// static LOG: Mutex<Vec<&str>> = Mutex::new(Vec::new());
    /// LOG.lock_blocking().push("started");
    /// assert_eq!(LOG.lock_blocking().len(), 1);
    /// ```
    #[cfg(not(loom))]
    pub const fn new(value: T) -> Mutex<T> {
        Mutex {
            sem: Semaphore::new(1),
            data: UnsafeCell::new(value),
        }
    }

    /// A new, unlocked mutex (loom build: not `const`).
    #[cfg(loom)]
    pub fn new(value: T) -> Mutex<T> {
        Mutex {
            sem: Semaphore::new(1),
            data: UnsafeCell::new(value),
        }
    }

    /// Takes the value out, consuming the mutex.
    ///
    /// ```
    /// let m = gort_channel::sync::Mutex::new(String::from("hi"));
    /// assert_eq!(m.into_inner(), "hi");
    /// ```
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Locks the mutex, waiting in line while it is held.
    ///
    /// Cancel safe: dropping the future while it waits gives up its place; dropping it after
    /// the lock was handed to it unlocks again (to the next waiter).
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let m = gort_channel::sync::Mutex::new(1);
    /// *m.lock().await += 1;
    /// assert_eq!(*m.lock().await, 2);
    /// # });
    /// ```
    pub fn lock(&self) -> MutexLockFuture<'_, T> {
        MutexLockFuture {
            mutex: self,
            raw: RawAcquire::new(1),
        }
    }

    /// Locks the mutex if it is free and nobody is waiting for it.
    ///
    /// ```
    /// let m = gort_channel::sync::Mutex::new(());
    /// let guard = m.try_lock().unwrap();
    /// assert!(m.try_lock().is_err());
    /// drop(guard);
    /// assert!(m.try_lock().is_ok());
    /// ```
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        match self.sem.try_acquire() {
            Ok(permit) => {
                permit.forget(); // the guard gives the permit back
                Ok(MutexGuard::new(self))
            }
            Err(_) => Err(TryLockError(())),
        }
    }

    /// Locks the mutex from a plain thread, blocking it in the same line as async waiters.
    /// Do not call it from async code: it blocks the executor's thread.
    ///
    /// ```
    /// let m = gort_channel::sync::Mutex::new(vec![1]);
    /// m.lock_blocking().push(2);
    /// assert_eq!(*m.lock_blocking(), [1, 2]);
    /// ```
    #[cfg(not(loom))]
    pub fn lock_blocking(&self) -> MutexGuard<'_, T> {
        let mut lock = self.lock();
        crate::blocking::wait(&mut lock, None).expect("no deadline")
    }

    /// The value, through a unique borrow of the mutex: no locking needed.
    ///
    /// ```
    /// let mut m = gort_channel::sync::Mutex::new(1);
    /// *m.get_mut() = 5;
    /// assert_eq!(m.into_inner(), 5);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        // SAFETY: `&mut self` proves no guard exists (a guard borrows the mutex), so this is
        // the only access; the returned borrow ties it to `&mut self`.
        self.data.with_mut(|ptr| unsafe { &mut *ptr })
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Mutex<T> {
        Mutex::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(value: T) -> Mutex<T> {
        Mutex::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    /// Shows the value if the lock is free right now, `<locked>` otherwise (it never waits).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        match self.try_lock() {
            Ok(guard) => d.field("data", &&*guard),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

/// The future of [`Mutex::lock`]. Dropping it is always safe (see [`Mutex::lock`]): a waiting
/// one leaves the line, and one that was already handed the lock passes it on.
///
/// ```
/// use futures::FutureExt; // now_or_never: poll once
/// use gort_channel::sync::Mutex;
///
/// let m = Mutex::new(0);
/// let guard = m.try_lock().unwrap();
/// let mut waiting = Box::pin(m.lock());
/// assert!(waiting.as_mut().now_or_never().is_none()); // in line behind `guard`
/// drop(guard); // the unlock hands the lock straight to `waiting`...
/// assert!(m.try_lock().is_err()); // ...so nobody can barge in
/// drop(waiting); // given up before it took the guard: it passes the lock on
/// assert!(m.try_lock().is_ok());
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct MutexLockFuture<'a, T: ?Sized> {
    mutex: &'a Mutex<T>,
    raw: RawAcquire,
}

impl<'a, T: ?Sized> Future for MutexLockFuture<'a, T> {
    type Output = MutexGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<MutexGuard<'a, T>> {
        let this = &mut *self;
        ready!(this.raw.poll(&this.mutex.sem, cx));
        Poll::Ready(MutexGuard::new(this.mutex))
    }
}

impl<T: ?Sized> Drop for MutexLockFuture<'_, T> {
    fn drop(&mut self) {
        self.raw.cancel(&self.mutex.sem);
    }
}

impl<T: ?Sized> fmt::Debug for MutexLockFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MutexLockFuture")
            .field("waiting", &self.raw.is_waiting())
            .finish()
    }
}

/// Exclusive access to a [`Mutex`]'s value; dropping it unlocks (handing the lock to the first
/// waiter, if any).
///
/// ```
/// # futures::executor::block_on(async {
/// let m = gort_channel::sync::Mutex::new(String::new());
/// let mut guard = m.lock().await;
/// guard.push_str("mine");
/// drop(guard);
/// assert_eq!(*m.lock().await, "mine");
/// # });
/// ```
#[must_use = "the mutex unlocks as soon as the guard is dropped"]
pub struct MutexGuard<'a, T: ?Sized> {
    mutex: &'a Mutex<T>,
    /// loom tracks the exclusive access for as long as the guard holds the lock; taken (ending
    /// the access) before the unlock.
    #[cfg(loom)]
    access: Option<loom::cell::MutPtr<T>>,
}

// SAFETY: a shared `&MutexGuard` gives only `&T`, so sharing the guard between threads shares
// `T`: `T: Sync` is what that needs (as for std's guard). The automatic impl would demand only
// what `&Mutex<T>` needs (`T: Send`), which is not enough. (`Send` stays automatic: moving the
// guard moves the `&mut T` with it, which needs `T: Send`, and `&Mutex<T>: Send` needs just
// that. Unlike std's guard, ours may move: the semaphore does not care which thread unlocks.)
unsafe impl<T: ?Sized + Sync> Sync for MutexGuard<'_, T> {}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// Wraps the lock once this thread holds the mutex's permit.
    fn new(mutex: &'a Mutex<T>) -> MutexGuard<'a, T> {
        MutexGuard {
            mutex,
            #[cfg(loom)]
            access: Some(mutex.data.get_mut()),
        }
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the guard holds the mutex's only permit, so no other guard (and no `get_mut`,
        // which needs `&mut Mutex`) can reach the value while this borrow of the guard lives.
        #[cfg(not(loom))]
        unsafe {
            &*self.mutex.data.with(|ptr| ptr)
        }
        // SAFETY: as above; loom checks that no other access overlaps `access`.
        #[cfg(loom)]
        unsafe {
            &*self.access.as_ref().expect("held until drop").deref()
        }
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes this the only borrow through the guard.
        #[cfg(not(loom))]
        unsafe {
            &mut *self.mutex.data.with_mut(|ptr| ptr)
        }
        // SAFETY: as above.
        #[cfg(loom)]
        unsafe {
            self.access.as_ref().expect("held until drop").deref()
        }
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        #[cfg(loom)]
        drop(self.access.take());
        // The permit goes to the first waiter, if any (hand-off).
        self.mutex.sem.add_permits(1);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

/// [`Mutex::try_lock`] (or `RwLock::try_read`/`try_write`) failed: the lock is held, or others
/// are waiting for it (a `try` never jumps the queue).
///
/// ```
/// let m = gort_channel::sync::Mutex::new(0);
/// let _held = m.try_lock().unwrap();
/// let err = m.try_lock().unwrap_err();
/// assert_eq!(err.to_string(), "the lock is held or others are waiting for it");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TryLockError(pub(super) ());

impl fmt::Display for TryLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the lock is held or others are waiting for it")
    }
}

impl std::error::Error for TryLockError {}
