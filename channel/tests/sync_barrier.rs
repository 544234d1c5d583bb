//! `Barrier`: one leader per generation, reuse across generations, cancel safety.

// Plain-thread tests; the loom models are in `src/sync/loom_notify.rs`.
#![cfg(not(loom))]

mod common;
use common::poll_once;
use futures::executor::{block_on, LocalPool};
use futures::task::LocalSpawnExt;
use gort_channel::sync::Barrier;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;

#[test]
fn zero_behaves_as_one() {
    let barrier = Barrier::new(0);
    for _ in 0..3 {
        assert!(block_on(barrier.wait()).is_leader());
    }
}

#[test]
fn the_last_arrival_leads_and_releases_the_others() {
    let barrier = Barrier::new(3);
    let (mut a, mut b, mut c) = (barrier.wait(), barrier.wait(), barrier.wait());
    assert!(poll_once(&mut a).is_pending());
    assert!(poll_once(&mut b).is_pending());
    assert!(
        poll_once(&mut a).is_pending(),
        "re-polling is not a second arrival"
    );
    assert_eq!(poll_once(&mut c).map(|r| r.is_leader()), Poll::Ready(true));
    assert_eq!(poll_once(&mut a).map(|r| r.is_leader()), Poll::Ready(false));
    assert_eq!(poll_once(&mut b).map(|r| r.is_leader()), Poll::Ready(false));
}

#[test]
fn a_dropped_waiter_withdraws_its_arrival() {
    let barrier = Barrier::new(2);
    let mut gone = barrier.wait();
    assert!(poll_once(&mut gone).is_pending());
    drop(gone);
    let mut first = barrier.wait();
    assert!(
        poll_once(&mut first).is_pending(),
        "the dropped waiter no longer counts"
    );
    let mut second = barrier.wait();
    assert_eq!(
        poll_once(&mut second).map(|r| r.is_leader()),
        Poll::Ready(true)
    );
    assert_eq!(
        poll_once(&mut first).map(|r| r.is_leader()),
        Poll::Ready(false)
    );
}

#[test]
fn a_waiter_dropped_after_its_release_changes_nothing() {
    let barrier = Barrier::new(2);
    let mut released = barrier.wait();
    assert!(poll_once(&mut released).is_pending());
    assert!(poll_once(&mut barrier.wait()).is_ready()); // leader: releases `released`
    drop(released); // never polled again
    let mut next = barrier.wait();
    assert!(
        poll_once(&mut next).is_pending(),
        "the next generation starts from zero"
    );
    assert!(poll_once(&mut barrier.wait()).is_ready());
    assert!(poll_once(&mut next).is_ready());
}

#[test]
#[should_panic(expected = "polled after it completed")]
fn polling_a_completed_wait_panics() {
    let barrier = Barrier::new(1);
    let mut wait = barrier.wait();
    assert!(poll_once(&mut wait).is_ready());
    let _ = poll_once(&mut wait);
}

/// Threads go through many generations; each generation has exactly one leader. A thread's
/// `g`-th wait belongs to generation `g` (it cannot arrive twice in one generation).
#[test]
fn one_leader_per_generation_across_threads() {
    const THREADS: usize = 4;
    const GENERATIONS: usize = 300;
    let barrier = Arc::new(Barrier::new(THREADS));
    let leaders: Arc<Vec<AtomicUsize>> =
        Arc::new((0..GENERATIONS).map(|_| AtomicUsize::new(0)).collect());
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            let (barrier, leaders) = (barrier.clone(), leaders.clone());
            std::thread::spawn(move || {
                for leader_count in leaders.iter() {
                    if block_on(barrier.wait()).is_leader() {
                        leader_count.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    for (g, count) in leaders.iter().enumerate() {
        assert_eq!(count.load(Ordering::Relaxed), 1, "generation {g}");
    }
}

/// The same on tasks of one executor: also checks that nobody passes the barrier before the
/// whole generation arrived.
#[test]
fn one_leader_per_generation_across_tasks() {
    const TASKS: usize = 5;
    const GENERATIONS: usize = 100;
    let barrier = Rc::new(Barrier::new(TASKS));
    let arrivals = Rc::new(RefCell::new(vec![0usize; GENERATIONS]));
    let leaders = Rc::new(RefCell::new(vec![0usize; GENERATIONS]));
    let mut pool = LocalPool::new();
    for _ in 0..TASKS {
        let (barrier, arrivals, leaders) = (barrier.clone(), arrivals.clone(), leaders.clone());
        pool.spawner()
            .spawn_local(async move {
                for g in 0..GENERATIONS {
                    arrivals.borrow_mut()[g] += 1;
                    let result = barrier.wait().await;
                    assert_eq!(arrivals.borrow()[g], TASKS, "passed before all arrived");
                    if result.is_leader() {
                        leaders.borrow_mut()[g] += 1;
                    }
                }
            })
            .unwrap();
    }
    pool.run();
    assert!(
        leaders.borrow().iter().all(|&n| n == 1),
        "{:?}",
        leaders.borrow()
    );
}
