//! A fair async reader-writer lock: a [`Semaphore`] with [`RwLock::MAX_READERS`] permits plus
//! the value it guards.
//!
//! A reader takes one permit, a writer takes all of them, so any number of readers or one
//! writer hold the lock at a time. Fairness comes from the semaphore's FIFO rule: a waiting
//! writer is the head of the line, and readers that come after it wait behind it even though
//! the current readers leave permits free, so a stream of readers cannot starve a writer (Go's
//! `RWMutex` gives a waiting writer the same priority). When the writer unlocks, the readers
//! queued behind it are all handed their permits at once.
//!
//! No poisoning, as for [`Mutex`](super::Mutex). Under loom, read guards hold a tracked shared
//! access and write guards a tracked exclusive one, so the models check the exclusion itself.

use super::mutex::TryLockError;
use super::semaphore::{RawAcquire, Semaphore};
use crate::loom::UnsafeCell;
use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// A reader-writer lock for async code and plain threads (Go's `sync.RWMutex`, holding its
/// value): many readers or one writer at a time.
///
/// Fair: requests are served in arrival order, so a waiting writer blocks later readers and is
/// never starved; readers in line behind a writer all enter together after it.
///
/// ```
/// use gort_channel::sync::RwLock;
/// # futures::executor::block_on(async {
/// let config = RwLock::new(String::from("v1"));
/// {
///     let a = config.read().await;
///     let b = config.read().await; // readers share
///     assert_eq!(*a, *b);
///     assert!(config.try_write().is_err());
/// }
/// config.write().await.push_str("-patched");
/// assert_eq!(*config.read().await, "v1-patched");
/// # });
/// ```
pub struct RwLock<T: ?Sized> {
    sem: Semaphore,
    data: UnsafeCell<T>,
}

// SAFETY: readers on several threads share `&T` (needs `T: Sync`); a writer on any thread gets
// `&mut T`, which moves the value between threads (needs `T: Send`). The semaphore never lets a
// writer overlap anyone. Same bounds as `std::sync::RwLock`.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLock<T> {}

impl<T> RwLock<T> {
    /// Readers that may hold the lock at once: every permit of the semaphore (a writer takes
    /// them all). Readers beyond it wait like any other.
    ///
    /// ```
    /// use gort_channel::sync::{RwLock, Semaphore};
    ///
    /// assert_eq!(RwLock::<()>::MAX_READERS, Semaphore::MAX_PERMITS); // far more than threads
    /// let lock = RwLock::new(());
    /// let readers: Vec<_> = (0..1000).map(|_| lock.try_read().unwrap()).collect();
    /// assert!(lock.try_write().is_err()); // a writer waits for every reader
    /// drop(readers);
    /// assert!(lock.try_write().is_ok());
    /// ```
    pub const MAX_READERS: usize = Semaphore::MAX_PERMITS;

    /// A new, unlocked lock. `const`, so it can be a `static`.
    ///
    /// ```
    /// use gort_channel::sync::RwLock;
    /// static TABLE: RwLock<Vec<u32>> = RwLock::new(Vec::new());
    /// TABLE.write_blocking().push(7);
    /// assert_eq!(*TABLE.read_blocking(), [7]);
    /// ```
    #[cfg(not(loom))]
    pub const fn new(value: T) -> RwLock<T> {
        RwLock {
            sem: Semaphore::new(RwLock::<T>::MAX_READERS),
            data: UnsafeCell::new(value),
        }
    }

    /// A new, unlocked lock (loom build: not `const`).
    #[cfg(loom)]
    pub fn new(value: T) -> RwLock<T> {
        RwLock {
            sem: Semaphore::new(RwLock::<T>::MAX_READERS),
            data: UnsafeCell::new(value),
        }
    }

    /// Takes the value out, consuming the lock.
    ///
    /// ```
    /// let lock = gort_channel::sync::RwLock::new(3);
    /// assert_eq!(lock.into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

/// Permits a writer takes: all of them (a `const` for the `?Sized` impl, which cannot name
/// `RwLock::<T>::MAX_READERS`).
const WRITER_PERMITS: usize = Semaphore::MAX_PERMITS;

impl<T: ?Sized> RwLock<T> {
    /// Locks for reading, waiting in line while a writer holds the lock or waits for it.
    ///
    /// Cancel safe: dropping the future while it waits gives up its place; dropping it after
    /// it was let in leaves again.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let lock = gort_channel::sync::RwLock::new(5);
    /// assert_eq!(*lock.read().await, 5);
    /// # });
    /// ```
    pub fn read(&self) -> RwLockReadFuture<'_, T> {
        RwLockReadFuture {
            lock: self,
            raw: RawAcquire::new(1),
        }
    }

    /// Locks for writing, waiting in line until every earlier reader and writer is gone.
    /// Readers that come after a waiting writer wait behind it.
    ///
    /// Cancel safe like [`read`](RwLock::read).
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let lock = gort_channel::sync::RwLock::new(5);
    /// *lock.write().await += 1;
    /// assert_eq!(*lock.read().await, 6);
    /// # });
    /// ```
    pub fn write(&self) -> RwLockWriteFuture<'_, T> {
        RwLockWriteFuture {
            lock: self,
            raw: RawAcquire::new(WRITER_PERMITS),
        }
    }

    /// Locks for reading if no writer holds the lock and nobody waits for it.
    ///
    /// ```
    /// let lock = gort_channel::sync::RwLock::new(());
    /// let r1 = lock.try_read().unwrap();
    /// let r2 = lock.try_read().unwrap();
    /// assert!(lock.try_write().is_err());
    /// # drop((r1, r2));
    /// ```
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        match self.sem.try_acquire() {
            Ok(permit) => {
                permit.forget(); // the guard gives it back
                Ok(RwLockReadGuard::new(self))
            }
            Err(_) => Err(TryLockError(())),
        }
    }

    /// Locks for writing if nobody holds the lock or waits for it.
    ///
    /// ```
    /// let lock = gort_channel::sync::RwLock::new(0);
    /// let w = lock.try_write().unwrap();
    /// assert!(lock.try_read().is_err());
    /// # drop(w);
    /// ```
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        match self.sem.try_acquire_many(WRITER_PERMITS) {
            Ok(permit) => {
                permit.forget();
                Ok(RwLockWriteGuard::new(self))
            }
            Err(_) => Err(TryLockError(())),
        }
    }

    /// Locks for reading from a plain thread, blocking it in the same line as async waiters.
    /// Do not call it from async code.
    ///
    /// ```
    /// let lock = gort_channel::sync::RwLock::new(1);
    /// assert_eq!(*lock.read_blocking(), 1);
    /// ```
    #[cfg(not(loom))]
    pub fn read_blocking(&self) -> RwLockReadGuard<'_, T> {
        let mut read = self.read();
        crate::blocking::wait(&mut read, None).expect("no deadline")
    }

    /// Locks for writing from a plain thread, blocking it in the same line as async waiters.
    /// Do not call it from async code.
    ///
    /// ```
    /// let lock = gort_channel::sync::RwLock::new(1);
    /// *lock.write_blocking() = 2;
    /// assert_eq!(*lock.read_blocking(), 2);
    /// ```
    #[cfg(not(loom))]
    pub fn write_blocking(&self) -> RwLockWriteGuard<'_, T> {
        let mut write = self.write();
        crate::blocking::wait(&mut write, None).expect("no deadline")
    }

    /// The value, through a unique borrow of the lock: no locking needed.
    ///
    /// ```
    /// let mut lock = gort_channel::sync::RwLock::new(1);
    /// *lock.get_mut() += 1;
    /// assert_eq!(lock.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        // SAFETY: `&mut self` proves no guard exists (guards borrow the lock), so this is the
        // only access; the returned borrow ties it to `&mut self`.
        self.data.with_mut(|ptr| unsafe { &mut *ptr })
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> RwLock<T> {
        RwLock::new(T::default())
    }
}

impl<T> From<T> for RwLock<T> {
    fn from(value: T) -> RwLock<T> {
        RwLock::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    /// Shows the value if it can be read right now, `<locked>` otherwise (it never waits).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        match self.try_read() {
            Ok(guard) => d.field("data", &&*guard),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

/// The future of [`RwLock::read`]. Dropping it is always safe.
///
/// Readers share the lock; a read waits only for a writer that holds the lock or is in line
/// before it:
///
/// ```
/// use futures::FutureExt; // now_or_never: poll once
/// use gort_channel::sync::RwLock;
///
/// let lock = RwLock::new(5);
/// let a = lock.read().now_or_never().unwrap();
/// let b = lock.read().now_or_never().unwrap(); // a second reader gets in at once
/// assert_eq!(*a + *b, 10);
/// drop((a, b));
/// let writer = lock.try_write().unwrap();
/// assert!(lock.read().now_or_never().is_none()); // would wait; dropped, it leaves the line
/// drop(writer);
/// assert_eq!(*lock.try_read().unwrap(), 5);
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct RwLockReadFuture<'a, T: ?Sized> {
    lock: &'a RwLock<T>,
    raw: RawAcquire,
}

impl<'a, T: ?Sized> Future for RwLockReadFuture<'a, T> {
    type Output = RwLockReadGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<RwLockReadGuard<'a, T>> {
        let this = &mut *self;
        ready!(this.raw.poll(&this.lock.sem, cx));
        Poll::Ready(RwLockReadGuard::new(this.lock))
    }
}

impl<T: ?Sized> Drop for RwLockReadFuture<'_, T> {
    fn drop(&mut self) {
        self.raw.cancel(&self.lock.sem);
    }
}

impl<T: ?Sized> fmt::Debug for RwLockReadFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RwLockReadFuture")
            .field("waiting", &self.raw.is_waiting())
            .finish()
    }
}

/// The future of [`RwLock::write`]. Dropping it is always safe.
///
/// A waiting writer keeps later readers out (so writers are not starved); dropping it lets
/// them in again:
///
/// ```
/// use futures::FutureExt; // now_or_never: poll once
/// use gort_channel::sync::RwLock;
///
/// let lock = RwLock::new(0);
/// let reader = lock.try_read().unwrap();
/// let mut writer = Box::pin(lock.write());
/// assert!(writer.as_mut().now_or_never().is_none()); // waits for `reader` to leave
/// assert!(lock.try_read().is_err()); // a new reader queues behind the waiting writer
/// drop(writer); // gives up its place
/// assert!(lock.try_read().is_ok());
/// # drop(reader);
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct RwLockWriteFuture<'a, T: ?Sized> {
    lock: &'a RwLock<T>,
    raw: RawAcquire,
}

impl<'a, T: ?Sized> Future for RwLockWriteFuture<'a, T> {
    type Output = RwLockWriteGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<RwLockWriteGuard<'a, T>> {
        let this = &mut *self;
        ready!(this.raw.poll(&this.lock.sem, cx));
        Poll::Ready(RwLockWriteGuard::new(this.lock))
    }
}

impl<T: ?Sized> Drop for RwLockWriteFuture<'_, T> {
    fn drop(&mut self) {
        self.raw.cancel(&self.lock.sem);
    }
}

impl<T: ?Sized> fmt::Debug for RwLockWriteFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RwLockWriteFuture")
            .field("waiting", &self.raw.is_waiting())
            .finish()
    }
}

/// Shared access to an [`RwLock`]'s value; dropping it leaves.
///
/// Its automatic `Send`/`Sync` need `T: Send + Sync` (through `&RwLock<T>`): a little stricter
/// than needed for a read guard, never weaker.
///
/// ```
/// let lock = gort_channel::sync::RwLock::new([1, 2]);
/// let guard = lock.read_blocking();
/// assert_eq!(guard.len(), 2);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockReadGuard<'a, T: ?Sized> {
    lock: &'a RwLock<T>,
    /// loom's tracked shared access, ended before the permit goes back.
    #[cfg(loom)]
    access: Option<loom::cell::ConstPtr<T>>,
}

impl<'a, T: ?Sized> RwLockReadGuard<'a, T> {
    /// Wraps the lock once this reader holds one permit.
    fn new(lock: &'a RwLock<T>) -> RwLockReadGuard<'a, T> {
        RwLockReadGuard {
            lock,
            #[cfg(loom)]
            access: Some(lock.data.get()),
        }
    }
}

impl<T: ?Sized> Deref for RwLockReadGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: a reader holds a permit, so no writer (which needs every permit) holds the
        // lock while this guard lives; other readers only read, and `get_mut` needs `&mut`.
        #[cfg(not(loom))]
        unsafe {
            &*self.lock.data.with(|ptr| ptr)
        }
        // SAFETY: as above; loom checks that no exclusive access overlaps `access`.
        #[cfg(loom)]
        unsafe {
            self.access.as_ref().expect("held until drop").deref()
        }
    }
}

impl<T: ?Sized> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        #[cfg(loom)]
        drop(self.access.take());
        self.lock.sem.add_permits(1);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

/// Exclusive access to an [`RwLock`]'s value; dropping it unlocks (letting in the next writer,
/// or every reader queued before the next writer).
///
/// ```
/// let lock = gort_channel::sync::RwLock::new(vec![1]);
/// lock.write_blocking().push(2);
/// assert_eq!(*lock.read_blocking(), [1, 2]);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    lock: &'a RwLock<T>,
    /// loom's tracked exclusive access, ended before the permits go back.
    #[cfg(loom)]
    access: Option<loom::cell::MutPtr<T>>,
}

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    /// Wraps the lock once this writer holds every permit.
    fn new(lock: &'a RwLock<T>) -> RwLockWriteGuard<'a, T> {
        RwLockWriteGuard {
            lock,
            #[cfg(loom)]
            access: Some(lock.data.get_mut()),
        }
    }
}

impl<T: ?Sized> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: a writer holds every permit, so no other guard exists while this one lives,
        // and `get_mut` needs `&mut RwLock`.
        #[cfg(not(loom))]
        unsafe {
            &*self.lock.data.with(|ptr| ptr)
        }
        // SAFETY: as above; loom checks that no other access overlaps `access`.
        #[cfg(loom)]
        unsafe {
            &*self.access.as_ref().expect("held until drop").deref()
        }
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes this the only borrow through the guard.
        #[cfg(not(loom))]
        unsafe {
            &mut *self.lock.data.with_mut(|ptr| ptr)
        }
        // SAFETY: as above.
        #[cfg(loom)]
        unsafe {
            self.access.as_ref().expect("held until drop").deref()
        }
    }
}

impl<T: ?Sized> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        #[cfg(loom)]
        drop(self.access.take());
        self.lock.sem.add_permits(WRITER_PERMITS);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
