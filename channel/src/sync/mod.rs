//! Go's `sync` package for async Rust: [`WaitGroup`], [`Mutex`], [`RwLock`], [`Semaphore`],
//! [`OnceCell`], [`Notify`] and [`Barrier`].
//!
//! Every primitive waits in the crate's one waiter queue (`waiters.rs`, behind the spin lock of
//! `lock.rs`), the same queue blocked channel operations wait in, so a blocked thread
//! (`lock_blocking`, `wait_blocking`) parks exactly as a blocked task does. Like the channels,
//! they speak only [`Waker`](std::task::Waker)s and run on any executor.
//!
//! All of them are cancel-safe: a future dropped after it was handed the lock or its permits
//! passes them on to the next waiter, so nothing is lost and nobody waits forever.
//!
//! # Example
//!
//! Go's `sync.WaitGroup` and `sync.Mutex` counting together, with threads that block and a
//! task that awaits in the same lines:
//!
//! ```
//! use gort_channel::sync::{Mutex, WaitGroup};
//! use std::sync::Arc;
//!
//! let hits = Arc::new(Mutex::new(0));
//! let wg = WaitGroup::new();
//! for _ in 0..8 {
//!     wg.add(1); // Go: wg.Add(1) before `go`
//!     let (hits, wg) = (hits.clone(), wg.clone());
//!     std::thread::spawn(move || {
//!         *hits.lock_blocking() += 1; // Go: mu.Lock(); hits++; mu.Unlock()
//!         wg.done();
//!     });
//! }
//! futures::executor::block_on(async {
//!     wg.wait().await; // Go: wg.Wait()
//!     assert_eq!(*hits.lock().await, 8);
//! });
//! ```

// --- semaphore, mutex, rwlock ---
mod mutex;
mod rwlock;
mod semaphore;

#[cfg(all(test, loom))]
mod loom_semaphore;

pub use mutex::{Mutex, MutexGuard, MutexLockFuture, TryLockError};
pub use rwlock::{RwLock, RwLockReadFuture, RwLockReadGuard, RwLockWriteFuture, RwLockWriteGuard};
pub use semaphore::{
    AcquireFuture, AcquireOwnedFuture, OwnedSemaphorePermit, Semaphore, SemaphorePermit,
    TryAcquireError,
};
// --- end semaphore, mutex, rwlock ---

// --- waitgroup, notify, once_cell, barrier ---
mod barrier;
#[cfg(all(test, loom))]
mod loom_notify;
mod notify;
mod once_cell;
mod waitgroup;

pub use barrier::{Barrier, BarrierWait, BarrierWaitResult};
pub use notify::{Notified, Notify};
pub use once_cell::OnceCell;
pub use waitgroup::{WaitGroup, WaitGroupWait};
// --- end waitgroup, notify, once_cell, barrier ---
