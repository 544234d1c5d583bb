//! `OnceCell`: the initialiser runs once under contention; a panicking, failing or cancelled
//! initialiser hands its turn to the next caller.

// Plain-thread tests; the loom models are in `src/sync/loom_notify.rs`.
#![cfg(not(loom))]

mod common;
use common::{poll_once, yield_now};
use futures::executor::block_on;
use gort_channel::sync::{Notify, OnceCell};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;

#[test]
fn set_and_get() {
    let cell = OnceCell::new();
    assert_eq!(cell.get(), None);
    assert_eq!(cell.set(1), Ok(()));
    assert_eq!(cell.set(2), Err(2));
    assert_eq!(cell.get(), Some(&1));
    assert_eq!(block_on(cell.get_or_init(|| async { 3 })), &1);
    assert_eq!(format!("{cell:?}"), "OnceCell(1)");
    assert_eq!(cell.into_inner(), Some(1));
    assert_eq!(OnceCell::<u8>::default().into_inner(), None);
    assert_eq!(format!("{:?}", OnceCell::<u8>::new()), "OnceCell(<unset>)");
}

#[test]
fn a_static_cell() {
    static CELL: OnceCell<Vec<u32>> = OnceCell::new();
    let v = block_on(CELL.get_or_init(|| async { vec![1, 2] }));
    assert_eq!(v, &[1, 2]);
    assert_eq!(CELL.get(), Some(&vec![1, 2]));
}

#[test]
fn the_value_is_dropped_once() {
    let value = Arc::new(());
    let cell = OnceCell::new();
    cell.set(value.clone()).unwrap();
    assert_eq!(Arc::strong_count(&value), 2);
    drop(cell);
    assert_eq!(Arc::strong_count(&value), 1);
    let cell = OnceCell::new();
    cell.set(value.clone()).unwrap();
    let inner = cell.into_inner();
    assert_eq!(Arc::strong_count(&value), 2);
    drop(inner);
    assert_eq!(Arc::strong_count(&value), 1);
}

/// Eight threads race to initialise; the initialiser yields a few times so that the others
/// arrive while it runs. It runs exactly once and everyone sees its value.
#[test]
fn the_initialiser_runs_once_with_eight_concurrent_callers() {
    const CALLERS: usize = 8;
    for _ in 0..50 {
        let cell = Arc::new(OnceCell::new());
        let runs = Arc::new(AtomicUsize::new(0));
        let start = Arc::new(std::sync::Barrier::new(CALLERS));
        let threads: Vec<_> = (0..CALLERS)
            .map(|i| {
                let (cell, runs, start) = (cell.clone(), runs.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    *block_on(cell.get_or_init(|| async move {
                        runs.fetch_add(1, Ordering::SeqCst);
                        for _ in 0..3 {
                            yield_now().await;
                        }
                        i
                    }))
                })
            })
            .collect();
        let seen: Vec<usize> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        assert_eq!(
            runs.load(Ordering::SeqCst),
            1,
            "the initialiser ran more than once"
        );
        assert!(
            seen.iter().all(|&v| v == seen[0]),
            "different values: {seen:?}"
        );
        assert_eq!(cell.get(), Some(&seen[0]));
    }
}

#[test]
fn callers_wait_for_the_running_initialiser() {
    let cell = OnceCell::new();
    let gate = Notify::new();
    let mut first = pin!(cell.get_or_init(|| async {
        gate.notified().await;
        1
    }));
    let mut second =
        pin!(cell.get_or_init(|| async { panic!("must not run: the first one is running") }));
    assert!(poll_once(&mut first.as_mut()).is_pending());
    assert!(poll_once(&mut second.as_mut()).is_pending());
    assert!(cell.set(5).is_err(), "set fails while an initialiser runs");
    gate.notify_one();
    assert_eq!(poll_once(&mut first.as_mut()), Poll::Ready(&1));
    assert_eq!(poll_once(&mut second.as_mut()), Poll::Ready(&1));
}

#[test]
fn a_panicking_initialiser_lets_the_next_caller_succeed() {
    let cell = OnceCell::new();
    let result = catch_unwind(AssertUnwindSafe(|| {
        block_on(cell.get_or_init(|| async { panic!("init failed") }))
    }));
    assert!(result.is_err());
    assert_eq!(cell.get(), None);
    assert_eq!(block_on(cell.get_or_init(|| async { 2 })), &2);
}

/// The panic happens while another caller waits: the waiter runs its own initialiser.
#[test]
fn a_panicking_initialiser_hands_its_turn_to_a_waiter() {
    let cell = OnceCell::new();
    let gate = Notify::new();
    let mut panicking = Box::pin(cell.get_or_init(|| async {
        gate.notified().await;
        panic!("init failed");
    }));
    let mut waiter = pin!(cell.get_or_init(|| async { 7 }));
    assert!(poll_once(&mut panicking.as_mut()).is_pending());
    assert!(poll_once(&mut waiter.as_mut()).is_pending());
    gate.notify_one();
    let result = catch_unwind(AssertUnwindSafe(|| poll_once(&mut panicking.as_mut())));
    assert!(result.is_err());
    // The unwind dropped the initialiser's turn (not only dropping the poisoned future).
    assert_eq!(poll_once(&mut waiter.as_mut()), Poll::Ready(&7));
    drop(panicking);
}

#[test]
fn a_cancelled_initialiser_hands_its_turn_to_a_waiter() {
    let cell = OnceCell::new();
    let mut cancelled = Box::pin(cell.get_or_init(std::future::pending::<u32>));
    let mut waiter = pin!(cell.get_or_init(|| async { 3 }));
    assert!(poll_once(&mut cancelled.as_mut()).is_pending());
    assert!(poll_once(&mut waiter.as_mut()).is_pending());
    drop(cancelled);
    assert_eq!(poll_once(&mut waiter.as_mut()), Poll::Ready(&3));
}

#[test]
fn a_cancelled_initialiser_with_nobody_waiting_leaves_the_cell_empty() {
    let cell = OnceCell::new();
    let mut cancelled = Box::pin(cell.get_or_init(std::future::pending::<u32>));
    assert!(poll_once(&mut cancelled.as_mut()).is_pending());
    drop(cancelled);
    assert_eq!(cell.get(), None);
    assert_eq!(cell.set(4), Ok(()));
}

/// A waiter that was handed the turn but is dropped before it noticed passes it on again.
#[test]
fn a_cancelled_waiter_passes_the_turn_on() {
    let cell = OnceCell::new();
    let mut running = Box::pin(cell.get_or_init(std::future::pending::<u32>));
    let mut handed = Box::pin(cell.get_or_init(|| async { panic!("cancelled before it ran") }));
    let mut last = pin!(cell.get_or_init(|| async { 9 }));
    assert!(poll_once(&mut running.as_mut()).is_pending());
    assert!(poll_once(&mut handed.as_mut()).is_pending());
    assert!(poll_once(&mut last.as_mut()).is_pending());
    drop(running); // the turn goes to `handed`...
    drop(handed); // ...which is dropped before it was polled again: to `last`
    assert_eq!(poll_once(&mut last.as_mut()), Poll::Ready(&9));
}

#[test]
fn a_failing_initialiser_returns_its_error_and_the_next_one_runs() {
    let cell = OnceCell::new();
    let gate = Notify::new();
    let mut failing = pin!(cell.get_or_try_init(|| async {
        gate.notified().await;
        Err::<u32, _>("nope")
    }));
    let mut waiter = pin!(cell.get_or_try_init(|| async { Ok::<_, &str>(6) }));
    assert!(poll_once(&mut failing.as_mut()).is_pending());
    assert!(poll_once(&mut waiter.as_mut()).is_pending());
    gate.notify_one();
    assert_eq!(poll_once(&mut failing.as_mut()), Poll::Ready(Err("nope")));
    assert_eq!(poll_once(&mut waiter.as_mut()), Poll::Ready(Ok(&6)));
}

#[test]
fn futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    fn assert_sync<T: Sync>() {}
    assert_sync::<OnceCell<u32>>();
    let cell = OnceCell::<u32>::new();
    let f = cell.get_or_init(|| async { 1 });
    assert_send(&f);
}
