//! loom models of the semaphore and of the mutex and rwlock built on it.
//!
//! Under `--cfg loom` the semaphore's lock is loom's, and the guards hold loom-tracked
//! accesses to the value, so loom checks the exclusion itself as well as the permit count.
//! Futures run on `loom::future::block_on`, whose waker is a loom notification: a lost wake-up
//! shows up as a deadlock. Each model has two or three threads and one permit's worth of
//! traffic, to finish in seconds with `LOOM_MAX_PREEMPTIONS=2`:
//!
//! ```text
//! RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p gort-channel --release --lib \
//!     --target-dir target/loom -- loom
//! ```
//!
//! * `loom_mutex_unlock_races_a_waiting_lock`: a thread locks while the holder unlocks — before,
//!   during or after the thread queues. The thread always gets the lock (no lost wake-up), the
//!   two writes never overlap, and both land.
//! * `loom_semaphore_release_races_a_dropped_acquire`: an acquire is polled once and dropped
//!   while the only permit is released: it may have waited, been granted, or completed; in
//!   every case the permit is back at the end (conserved, not lost, not doubled).
//! * `loom_dropped_acquire_passes_its_grant_on`: as above with a second acquirer blocked in
//!   line: whatever the dropped future had been handed reaches it (it never deadlocks).
//! * `loom_rwlock_read_races_write`: a reader and a writer race: the reader sees the value
//!   before or after the write, never during it, and the lock is free at the end.

use super::{Mutex, RwLock, Semaphore};
use loom::future::block_on;
use loom::sync::Arc;
use loom::thread;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// Polls once with a waker that does nothing (the first poll registers a waiter).
fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn loom_mutex_unlock_races_a_waiting_lock() {
    loom::model(|| {
        let m = Arc::new(Mutex::new(0u32));
        let mut guard = m.try_lock().expect("nobody else has it yet");
        let locker = {
            let m = m.clone();
            thread::spawn(move || *block_on(m.lock()) += 1)
        };
        *guard += 1;
        drop(guard);
        locker.join().unwrap();
        assert_eq!(*m.try_lock().expect("free at the end"), 2);
    });
}

#[test]
fn loom_semaphore_release_races_a_dropped_acquire() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(1));
        let permit = sem.try_acquire().unwrap();
        let canceller = {
            let sem = sem.clone();
            thread::spawn(move || {
                let mut acquire = sem.acquire();
                // Pending (queued, maybe granted afterwards) or Ready; either way, drop it all.
                drop(poll_once(&mut acquire));
                drop(acquire);
            })
        };
        drop(permit);
        canceller.join().unwrap();
        assert_eq!(sem.available_permits(), 1);
        assert!(sem.try_acquire().is_ok(), "nobody is left in line");
    });
}

#[test]
fn loom_dropped_acquire_passes_its_grant_on() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(1));
        let permit = sem.try_acquire().unwrap();
        let canceller = {
            let sem = sem.clone();
            thread::spawn(move || {
                let mut acquire = sem.acquire();
                drop(poll_once(&mut acquire));
                drop(acquire);
            })
        };
        let waiter = {
            let sem = sem.clone();
            thread::spawn(move || drop(block_on(sem.acquire())))
        };
        drop(permit);
        canceller.join().unwrap();
        waiter.join().unwrap();
        assert_eq!(sem.available_permits(), 1);
    });
}

#[test]
fn loom_rwlock_read_races_write() {
    loom::model(|| {
        let lock = Arc::new(RwLock::new(0u32));
        let writer = {
            let lock = lock.clone();
            thread::spawn(move || *block_on(lock.write()) = 1)
        };
        let seen = *block_on(lock.read());
        assert!(seen == 0 || seen == 1);
        writer.join().unwrap();
        assert_eq!(*lock.try_write().expect("free at the end"), 1);
    });
}
