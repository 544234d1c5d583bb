//! Behaviour of `sync::Semaphore`: FIFO hand-off, weighted order, try_* with and without
//! waiters, add_permits waking waiters, cancel safety, owned permits, blocking threads, the
//! cooperative budget, and a panicking waker.
//!
//! Futures are polled by hand (`poll_once`) where the order of events must be exact.

#![cfg(not(loom))]

mod common;
use common::{poll_once, ready};
use futures::task::ArcWake;
use gort_channel::coop;
use gort_channel::sync::Semaphore;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::task::{Context, Poll};

/// A waker that counts its wake-ups.
#[derive(Default)]
struct CountWaker(AtomicUsize);

impl ArcWake for CountWaker {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        arc_self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn poll_with<F: Future + Unpin>(future: &mut F, waker: &Arc<CountWaker>) -> Poll<F::Output> {
    let waker = futures::task::waker(waker.clone());
    Pin::new(future).poll(&mut Context::from_waker(&waker))
}

#[test]
fn released_permits_are_handed_to_waiters_in_fifo_order() {
    let sem = Semaphore::new(0);
    let mut a = sem.acquire();
    let mut b = sem.acquire();
    let mut c = sem.acquire();
    for f in [&mut a, &mut b, &mut c] {
        assert!(poll_once(f).is_pending());
    }
    sem.add_permits(1);
    // Handed to `a`: not free for anyone else, even before `a` runs.
    assert_eq!(sem.available_permits(), 0);
    assert!(sem.try_acquire().is_err());
    assert!(poll_once(&mut c).is_pending());
    assert!(poll_once(&mut b).is_pending());
    let pa = match poll_once(&mut a) {
        Poll::Ready(p) => p,
        Poll::Pending => panic!("the first waiter must get the first permit"),
    };
    drop(pa);
    assert!(poll_once(&mut c).is_pending(), "c must not overtake b");
    let pb = match poll_once(&mut b) {
        Poll::Ready(p) => p,
        Poll::Pending => panic!("b is next in line"),
    };
    drop(pb);
    assert!(poll_once(&mut c).is_ready());
}

#[test]
fn a_large_request_at_the_head_is_not_overtaken_by_small_ones() {
    let sem = Semaphore::new(1);
    let mut big = sem.acquire_many(3);
    let mut small = sem.acquire();
    assert!(poll_once(&mut big).is_pending());
    // One permit is free, but `big` waits first: `small` queues behind it.
    assert!(poll_once(&mut small).is_pending());
    assert!(
        sem.try_acquire().is_err(),
        "try_acquire must not jump the queue"
    );
    assert_eq!(sem.available_permits(), 1);

    sem.add_permits(2);
    let big_permit = match poll_once(&mut big) {
        Poll::Ready(p) => p,
        Poll::Pending => panic!("3 permits are there for the head"),
    };
    assert_eq!(big_permit.num_permits(), 3);
    assert!(poll_once(&mut small).is_pending());
    drop(big_permit);
    let _small = ready(&mut small);
    assert_eq!(sem.available_permits(), 2);
}

#[test]
fn one_release_serves_every_waiter_that_fits_in_order() {
    let sem = Semaphore::new(0);
    let mut two = sem.acquire_many(2);
    let mut one = sem.acquire();
    let mut five = sem.acquire_many(5);
    let mut last = sem.acquire();
    for f in [&mut two, &mut one, &mut five, &mut last] {
        assert!(poll_once(f).is_pending());
    }
    sem.add_permits(4); // 2 + 1 fit, 5 does not: it keeps its place, `last` waits behind it
    let _two = ready(&mut two);
    let _one = ready(&mut one);
    assert!(poll_once(&mut five).is_pending());
    assert!(poll_once(&mut last).is_pending());
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn try_acquire_with_and_without_waiters() {
    let sem = Semaphore::new(2);
    let p = sem.try_acquire_many(2).unwrap();
    assert!(sem.try_acquire().is_err());
    assert!(sem.try_acquire_many(3).is_err());
    drop(p);
    assert_eq!(sem.try_acquire_many(0).unwrap().num_permits(), 0);

    let held = sem.try_acquire_many(2).unwrap();
    let mut waiter = sem.acquire_many(2);
    assert!(poll_once(&mut waiter).is_pending());
    drop(held); // handed to `waiter`
    assert!(sem.try_acquire().is_err());
    drop(waiter); // granted, never collected: goes back
    assert_eq!(sem.available_permits(), 2);
    assert!(sem.try_acquire().is_ok());
}

#[test]
fn add_permits_wakes_exactly_the_waiters_served() {
    let sem = Semaphore::new(0);
    let (wa, wb) = (
        Arc::new(CountWaker::default()),
        Arc::new(CountWaker::default()),
    );
    let mut a = sem.acquire();
    let mut b = sem.acquire();
    assert!(poll_with(&mut a, &wa).is_pending());
    assert!(poll_with(&mut b, &wb).is_pending());
    sem.add_permits(1);
    assert_eq!(wa.0.load(Ordering::SeqCst), 1);
    assert_eq!(wb.0.load(Ordering::SeqCst), 0);
    sem.add_permits(1);
    assert_eq!(wb.0.load(Ordering::SeqCst), 1);
}

#[test]
fn a_repolled_waiter_is_woken_through_its_latest_waker() {
    let sem = Semaphore::new(0);
    let (old, new) = (
        Arc::new(CountWaker::default()),
        Arc::new(CountWaker::default()),
    );
    let mut a = sem.acquire();
    assert!(poll_with(&mut a, &old).is_pending());
    assert!(poll_with(&mut a, &new).is_pending());
    sem.add_permits(1);
    assert_eq!(old.0.load(Ordering::SeqCst), 0);
    assert_eq!(new.0.load(Ordering::SeqCst), 1);
}

#[test]
fn a_future_dropped_after_its_grant_passes_the_permits_on() {
    let sem = Semaphore::new(0);
    let mut a = sem.acquire();
    let mut b = sem.acquire();
    assert!(poll_once(&mut a).is_pending());
    assert!(poll_once(&mut b).is_pending());
    sem.add_permits(1); // granted to `a`
    drop(a);
    let _b = ready(&mut b); // a's permit went to b
    assert_eq!(sem.available_permits(), 0);
}

#[test]
fn a_future_dropped_while_waiting_takes_nothing() {
    let sem = Semaphore::new(0);
    let mut a = sem.acquire();
    assert!(poll_once(&mut a).is_pending());
    drop(a);
    sem.add_permits(1);
    assert_eq!(sem.available_permits(), 1);
    assert!(
        sem.try_acquire().is_ok(),
        "no ghost waiter may hold up the queue"
    );
}

#[test]
fn dropping_a_waiting_head_lets_the_waiters_behind_it_in() {
    let sem = Semaphore::new(2);
    let mut big = sem.acquire_many(5);
    let mut small = sem.acquire();
    assert!(poll_once(&mut big).is_pending());
    assert!(poll_once(&mut small).is_pending());
    drop(big);
    let _small = ready(&mut small);
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn forget_shrinks_the_pool() {
    let sem = Arc::new(Semaphore::new(3));
    sem.try_acquire().unwrap().forget();
    sem.clone().try_acquire_owned().unwrap().forget();
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn owned_permits_move_into_threads_and_come_back() {
    let sem = Arc::new(Semaphore::new(2));
    let permits: Vec<_> = (0..2)
        .map(|_| futures::executor::block_on(sem.clone().acquire_owned()))
        .collect();
    assert_eq!(sem.available_permits(), 0);
    let mut waiting = sem.clone().acquire_many_owned(2);
    assert!(poll_once(&mut waiting).is_pending());
    let threads: Vec<_> = permits
        .into_iter()
        .map(|p| std::thread::spawn(move || drop(p)))
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let both = futures::executor::block_on(waiting);
    assert_eq!(both.num_permits(), 2);
    drop(both);
    assert_eq!(sem.available_permits(), 2);
}

#[test]
fn blocked_threads_never_exceed_the_permits_and_all_finish() {
    const THREADS: usize = 4;
    const ROUNDS: usize = 500;
    let sem = Arc::new(Semaphore::new(2));
    let inside = Arc::new(AtomicUsize::new(0));
    let max_inside = Arc::new(AtomicUsize::new(0));
    let start = Arc::new(Barrier::new(THREADS));
    let threads: Vec<_> = (0..THREADS)
        .map(|i| {
            let (sem, inside, max_inside, start) = (
                sem.clone(),
                inside.clone(),
                max_inside.clone(),
                start.clone(),
            );
            std::thread::spawn(move || {
                start.wait();
                for _ in 0..ROUNDS {
                    // Threads and tasks wait in the same line.
                    let _p = if i % 2 == 0 {
                        sem.acquire_blocking()
                    } else {
                        futures::executor::block_on(sem.acquire())
                    };
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    max_inside.fetch_max(now, Ordering::SeqCst);
                    std::hint::spin_loop();
                    inside.fetch_sub(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert!(max_inside.load(Ordering::SeqCst) <= 2);
    assert_eq!(sem.available_permits(), 2);
}

#[test]
fn weighted_requests_from_threads_all_complete_and_permits_are_conserved() {
    // Requests of 1..=3 permits out of 3 from four threads: a mix where a big request must
    // wait for small ones to drain; every thread finishes (no starvation) and the pool is
    // whole at the end.
    let sem = Arc::new(Semaphore::new(3));
    let threads: Vec<_> = (1..=4)
        .map(|i| {
            let sem = sem.clone();
            std::thread::spawn(move || {
                for round in 0..300 {
                    let n = (i + round) % 3 + 1;
                    let p = sem.acquire_many_blocking(n);
                    assert_eq!(p.num_permits(), n);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(sem.available_permits(), 3);
}

#[test]
fn an_always_free_semaphore_still_yields_when_the_budget_is_spent() {
    let sem = Semaphore::new(1);
    let counter = Arc::new(CountWaker::default());
    coop::with_budget(0, || {
        let mut a = sem.acquire();
        assert!(poll_with(&mut a, &counter).is_pending());
    });
    assert_eq!(
        counter.0.load(Ordering::SeqCst),
        1,
        "the task is woken to retry"
    );
    assert_eq!(sem.available_permits(), 1, "a yielded acquire took nothing");
}

#[test]
fn a_panicking_waker_does_not_corrupt_the_semaphore() {
    struct PanicWaker;
    impl ArcWake for PanicWaker {
        fn wake_by_ref(_: &Arc<Self>) {
            panic!("user waker panicked");
        }
    }
    let sem = Semaphore::new(0);
    let bad = futures::task::waker(Arc::new(PanicWaker));
    let good = Arc::new(CountWaker::default());
    let mut a = sem.acquire();
    let mut b = sem.acquire();
    assert!(Pin::new(&mut a)
        .poll(&mut Context::from_waker(&bad))
        .is_pending());
    assert!(poll_with(&mut b, &good).is_pending());
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sem.add_permits(2)));
    assert!(result.is_err(), "the waker's panic reaches the caller");
    assert_eq!(
        good.0.load(Ordering::SeqCst),
        1,
        "the other waiter is still woken"
    );
    let _a = ready(&mut a);
    let _b = ready(&mut b);
    assert_eq!(sem.available_permits(), 0);
}

#[test]
#[should_panic(expected = "Semaphore::MAX_PERMITS")]
fn too_many_permits_panics_with_the_limit() {
    let sem = Semaphore::new(Semaphore::MAX_PERMITS);
    sem.add_permits(1);
}

#[test]
#[should_panic(expected = "polled after it completed")]
fn polling_a_completed_acquire_again_panics() {
    let sem = Semaphore::new(2);
    let mut a = sem.acquire();
    let _p = poll_once(&mut a);
    let _ = poll_once(&mut a);
}

#[test]
fn debug_shows_permits_and_waiters() {
    let sem = Semaphore::new(0);
    let mut a = sem.acquire();
    assert!(poll_once(&mut a).is_pending());
    assert_eq!(
        format!("{sem:?}"),
        "Semaphore { available_permits: 0, waiting: 1 }"
    );
}
