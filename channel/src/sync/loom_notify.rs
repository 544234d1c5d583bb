//! loom models of `WaitGroup`, `Notify`, `OnceCell` and `Barrier`.
//!
//! Under `--cfg loom` their locks, atomics and cells are loom's, and futures are driven by
//! `loom::future::block_on`, whose waker is a loom notification: a lost wake-up shows as a
//! deadlock. Each model has two or three threads so that the file runs in seconds:
//!
//! ```text
//! RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p gort-channel --release --lib \
//!     --target-dir target/loom -- loom
//! ```
//!
//! * `notify_one_races_a_dropped_notified`: a `Notified` polled once and dropped races a
//!   `notify_one`: the notification is delivered exactly once — to that future (it completed),
//!   or passed on as the permit a later `notified()` consumes.
//! * `notify_one_passes_to_a_queued_waiter`: the same with a second waiter queued: it is woken.
//! * `notify_all_races_registration`: `notify_all` reaches a `Notified` created before it, on
//!   another thread, whether or not it was polled yet.
//! * `waitgroup_done_races_wait`: two `done`s on two threads race a `wait`: the wait returns
//!   (no lost wake-up) and sees both threads' writes. `waitgroup_two_waiters_race_done`:
//!   two waiters and the last `done`: both return.
//! * `barrier_has_one_leader_{2,3}`: every participant passes and exactly one leads.
//! * `once_cell_init_runs_once`: two threads race `get_or_init`: one initialiser runs, both
//!   get its value. `once_cell_cancelled_init_hands_over`: an initialiser cancelled while
//!   another caller waits: that caller runs its own.

use super::{Barrier, Notify, OnceCell, WaitGroup};
use loom::cell::UnsafeCell;
use loom::future::block_on;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// Polls once with a waker that does nothing (the first poll registers a waiter).
fn poll_once<F: Future + ?Sized>(future: Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn loom_notify_one_races_a_dropped_notified() {
    loom::model(|| {
        let notify = Arc::new(Notify::new());
        let n = notify.clone();
        let canceller = thread::spawn(move || {
            let mut notified = n.notified();
            let got = poll_once(Pin::new(&mut notified)).is_ready();
            drop(notified); // if it was chosen but not completed, it passes the notification on
            got
        });
        notify.notify_one();
        let got = canceller.join().unwrap();
        let mut later = notify.notified();
        let passed_on = poll_once(Pin::new(&mut later)).is_ready();
        assert!(
            got != passed_on,
            "delivered exactly once: got {got}, permit {passed_on}"
        );
    });
}

#[test]
fn loom_notify_one_passes_to_a_queued_waiter() {
    loom::model(|| {
        let notify = Arc::new(Notify::new());
        let n = notify.clone();
        let canceller = thread::spawn(move || {
            let mut notified = n.notified();
            let got = poll_once(Pin::new(&mut notified)).is_ready();
            drop(notified);
            got
        });
        let n = notify.clone();
        let notifier = thread::spawn(move || n.notify_one());
        let mut waiter = notify.notified();
        let waiter_got = poll_once(Pin::new(&mut waiter)).is_ready();
        let canceller_got = canceller.join().unwrap();
        notifier.join().unwrap();
        if canceller_got {
            assert!(!waiter_got);
        } else {
            // The notification reached the waiter (directly, via the permit, or passed on by
            // the dropped future): it completes without another notify.
            block_on(waiter);
        }
    });
}

#[test]
fn loom_notify_all_races_registration() {
    loom::model(|| {
        let notify = Arc::new(Notify::new());
        let created = Arc::new(loom::sync::Notify::new());
        let (n, c) = (notify.clone(), created.clone());
        let waiter = thread::spawn(move || {
            let notified = n.notified();
            c.notify();
            block_on(notified);
        });
        created.wait(); // the `Notified` exists
        notify.notify_all();
        waiter.join().unwrap();
    });
}

#[test]
fn loom_waitgroup_done_races_wait() {
    loom::model(|| {
        let wg = WaitGroup::new();
        wg.add(2);
        let data = Arc::new([UnsafeCell::new(0u32), UnsafeCell::new(0u32)]);
        let workers: Vec<_> = (0..2)
            .map(|i| {
                let (wg, data) = (wg.clone(), data.clone());
                thread::spawn(move || {
                    // SAFETY: only this thread writes cell `i` before its `done`; the main
                    // thread reads it after `wait` (loom checks the ordering).
                    data[i].with_mut(|p| unsafe { *p = 1 });
                    wg.done();
                })
            })
            .collect();
        block_on(wg.wait());
        for cell in data.iter() {
            // SAFETY: the writer's `done` happens before `wait` returned.
            assert_eq!(cell.with(|p| unsafe { *p }), 1);
        }
        for w in workers {
            w.join().unwrap();
        }
    });
}

/// Two waiters (one registering while the other may already have set the waiting flag)
/// race the last `done`: both return.
#[test]
fn loom_waitgroup_two_waiters_race_done() {
    loom::model(|| {
        let wg = WaitGroup::new();
        wg.add(1);
        let other_waiter = {
            let wg = wg.clone();
            thread::spawn(move || block_on(wg.wait()))
        };
        let worker = {
            let wg = wg.clone();
            thread::spawn(move || wg.done())
        };
        block_on(wg.wait());
        other_waiter.join().unwrap();
        worker.join().unwrap();
    });
}

fn barrier_one_leader(n: usize) {
    loom::model(move || {
        let barrier = Arc::new(Barrier::new(n));
        let leaders = Arc::new(AtomicUsize::new(0));
        let others: Vec<_> = (1..n)
            .map(|_| {
                let (barrier, leaders) = (barrier.clone(), leaders.clone());
                thread::spawn(move || {
                    if block_on(barrier.wait()).is_leader() {
                        leaders.fetch_add(1, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        if block_on(barrier.wait()).is_leader() {
            leaders.fetch_add(1, Ordering::Relaxed);
        }
        for t in others {
            t.join().unwrap();
        }
        assert_eq!(leaders.load(Ordering::Relaxed), 1);
    });
}

#[test]
fn loom_barrier_has_one_leader_2() {
    barrier_one_leader(2);
}

#[test]
fn loom_barrier_has_one_leader_3() {
    barrier_one_leader(3);
}

#[test]
fn loom_once_cell_init_runs_once() {
    loom::model(|| {
        let cell = Arc::new(OnceCell::new());
        let runs = Arc::new(AtomicUsize::new(0));
        let (c, r) = (cell.clone(), runs.clone());
        let other = thread::spawn(move || {
            *block_on(c.get_or_init(|| async move {
                r.fetch_add(1, Ordering::Relaxed);
                1u32
            }))
        });
        let r = runs.clone();
        let mine = *block_on(cell.get_or_init(|| async move {
            r.fetch_add(1, Ordering::Relaxed);
            2u32
        }));
        let theirs = other.join().unwrap();
        assert_eq!(mine, theirs);
        assert_eq!(runs.load(Ordering::Relaxed), 1);
        assert_eq!(cell.get(), Some(&mine));
    });
}

#[test]
fn loom_once_cell_cancelled_init_hands_over() {
    loom::model(|| {
        let cell = Arc::new(OnceCell::<u32>::new());
        let c = cell.clone();
        let cancelled = thread::spawn(move || {
            let mut init = Box::pin(c.get_or_init(std::future::pending));
            let _ = poll_once(init.as_mut()); // maybe holds the init right, maybe waits
            drop(init);
        });
        let value = *block_on(cell.get_or_init(|| async { 5 }));
        cancelled.join().unwrap();
        assert_eq!(value, 5);
    });
}
