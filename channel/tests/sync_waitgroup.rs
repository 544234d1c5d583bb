//! `WaitGroup`: Go's `sync.WaitGroup` semantics, on threads and on tasks.

// Plain-thread tests; the loom models are in `src/sync/loom_notify.rs`.
#![cfg(not(loom))]

mod common;
use common::{poll_once, yield_now};
use futures::executor::{block_on, LocalPool};
use futures::task::LocalSpawnExt;
use gort_channel::sync::WaitGroup;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

#[test]
fn wait_on_zero_is_ready_at_once() {
    let wg = WaitGroup::new();
    assert!(poll_once(&mut wg.wait()).is_ready());
    wg.add(1);
    wg.done();
    assert!(poll_once(&mut wg.wait()).is_ready());
    wg.wait_blocking();
}

#[test]
fn wait_pends_until_the_last_done() {
    let wg = WaitGroup::new();
    wg.add(2);
    let mut wait = wg.wait();
    assert!(poll_once(&mut wait).is_pending());
    wg.done();
    assert!(poll_once(&mut wait).is_pending(), "counter is still 1");
    wg.done();
    assert!(poll_once(&mut wait).is_ready());
}

#[test]
fn clones_share_the_counter() {
    let wg = WaitGroup::new();
    let clone = wg.clone();
    wg.add(1);
    let mut wait = wg.wait();
    assert!(poll_once(&mut wait).is_pending());
    clone.done();
    assert!(poll_once(&mut wait).is_ready());
    assert!(format!("{:?}", clone).contains("count: 0"));
}

#[test]
#[should_panic(expected = "sync: negative WaitGroup counter")]
fn done_below_zero_panics() {
    let wg = WaitGroup::new();
    wg.add(1);
    wg.done();
    wg.done();
}

#[test]
#[should_panic(expected = "sync: negative WaitGroup counter")]
fn done_below_zero_with_a_waiter_panics() {
    let wg = WaitGroup::new();
    wg.add(1);
    let mut wait = wg.wait();
    assert!(poll_once(&mut wait).is_pending());
    wg.done();
    wg.done();
}

#[test]
fn a_failed_done_leaves_the_group_usable() {
    let wg = WaitGroup::new();
    assert!(std::panic::catch_unwind(|| wg.done()).is_err());
    wg.add(1);
    let mut wait = wg.wait();
    assert!(poll_once(&mut wait).is_pending());
    wg.done();
    assert!(poll_once(&mut wait).is_ready());
}

#[test]
fn waiters_present_at_zero_are_released_even_if_add_follows() {
    let wg = WaitGroup::new();
    wg.add(1);
    let (mut early_a, mut early_b) = (wg.wait(), wg.wait());
    assert!(poll_once(&mut early_a).is_pending());
    assert!(poll_once(&mut early_b).is_pending());
    wg.done(); // zero: both are released
    wg.add(1); // a new round starts at once
    let mut late = wg.wait();
    assert!(
        poll_once(&mut late).is_pending(),
        "the new round is not done"
    );
    assert!(poll_once(&mut early_a).is_ready());
    assert!(poll_once(&mut early_b).is_ready());
    wg.done();
    assert!(poll_once(&mut late).is_ready());
}

#[test]
fn a_dropped_wait_does_not_disturb_the_others() {
    let wg = WaitGroup::new();
    wg.add(1);
    let mut dropped = wg.wait();
    let mut kept = wg.wait();
    assert!(poll_once(&mut dropped).is_pending());
    assert!(poll_once(&mut kept).is_pending());
    drop(dropped);
    wg.done();
    assert!(poll_once(&mut kept).is_ready());
}

/// Every thread's work is visible after the wait, over many rounds (each round races the
/// last `done` against the `wait`).
#[test]
fn many_threads_many_rounds() {
    const THREADS: usize = 4;
    const ROUNDS: usize = 200;
    let wg = WaitGroup::new();
    let sum = Arc::new(AtomicUsize::new(0));
    for round in 0..ROUNDS {
        wg.add(THREADS);
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                let (wg, sum) = (wg.clone(), sum.clone());
                std::thread::spawn(move || {
                    sum.fetch_add(1, Ordering::Relaxed);
                    wg.done();
                })
            })
            .collect();
        if round % 2 == 0 {
            wg.wait_blocking();
        } else {
            block_on(wg.wait());
        }
        assert_eq!(sum.load(Ordering::Relaxed), (round + 1) * THREADS);
        for h in handles {
            h.join().unwrap();
        }
    }
}

/// Several waiters on threads, many done()s from tasks: everyone is released once.
#[test]
fn many_tasks_and_waiting_threads() {
    const TASKS: usize = 100;
    let wg = WaitGroup::new();
    wg.add(TASKS);
    let waiters: Vec<_> = (0..3)
        .map(|_| {
            let wg = wg.clone();
            std::thread::spawn(move || wg.wait_blocking())
        })
        .collect();
    let done = Arc::new(AtomicUsize::new(0));
    let mut pool = LocalPool::new();
    for _ in 0..TASKS {
        let (wg, done) = (wg.clone(), done.clone());
        pool.spawner()
            .spawn_local(async move {
                yield_now().await; // so tasks interleave
                done.fetch_add(1, Ordering::Relaxed);
                wg.done();
            })
            .unwrap();
    }
    let main_wg = wg.clone();
    pool.run_until(async move {
        // `run_until` polls the spawned tasks while this one waits.
        main_wg.wait().await;
    });
    assert_eq!(done.load(Ordering::Relaxed), TASKS);
    for w in waiters {
        w.join().unwrap();
    }
}

#[test]
#[should_panic(expected = "WaitGroup counter overflow")]
fn counter_overflow_panics() {
    let wg = WaitGroup::default();
    wg.add(usize::MAX / 2);
    wg.add(1);
}
