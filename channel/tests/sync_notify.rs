//! `Notify`: one permit, FIFO `notify_one`, `notify_all` by generation, cancel safety.

// Plain-thread tests; the loom models are in `src/sync/loom_notify.rs`.
#![cfg(not(loom))]

mod common;
use common::{counting_waker, poll_once, poll_with};
use futures::executor::block_on;
use gort_channel::sync::Notify;
use std::sync::Arc;

#[test]
fn a_permit_is_stored_once() {
    let notify = Notify::new();
    notify.notify_one();
    notify.notify_one();
    assert!(poll_once(&mut notify.notified()).is_ready());
    assert!(
        poll_once(&mut notify.notified()).is_pending(),
        "two notify_one with nobody waiting store one permit"
    );
}

#[test]
fn notify_one_serves_waiters_in_fifo_order() {
    let notify = Notify::new();
    let mut futures: Vec<_> = (0..3).map(|_| notify.notified()).collect();
    let wakers: Vec<_> = (0..3).map(|_| counting_waker()).collect();
    for (f, (_, w)) in futures.iter_mut().zip(&wakers) {
        assert!(poll_with(f, w).is_pending());
    }
    for served in 0..3 {
        notify.notify_one();
        for (i, (count, _)) in wakers.iter().enumerate() {
            let expected = usize::from(i <= served);
            assert_eq!(count.wakes(), expected, "waiter {i}");
        }
        assert!(poll_once(&mut futures[served]).is_ready());
        for (later, (_, w)) in futures.iter_mut().zip(&wakers).skip(served + 1) {
            assert!(poll_with(later, w).is_pending());
        }
    }
    assert!(
        poll_once(&mut notify.notified()).is_pending(),
        "no permit left over"
    );
}

#[test]
fn notify_all_wakes_every_waiter_and_stores_nothing() {
    let notify = Notify::new();
    let mut polled: Vec<_> = (0..3).map(|_| notify.notified()).collect();
    let (count, waker) = counting_waker();
    for f in &mut polled {
        assert!(poll_with(f, &waker).is_pending());
    }
    let mut never_polled = notify.notified(); // created before the call
    notify.notify_all();
    assert_eq!(count.wakes(), 3);
    for f in &mut polled {
        assert!(poll_once(f).is_ready());
    }
    assert!(poll_once(&mut never_polled).is_ready());
    assert!(
        poll_once(&mut notify.notified()).is_pending(),
        "notify_all stores no permit"
    );
}

#[test]
fn notify_all_leaves_a_stored_permit_alone() {
    let notify = Notify::new();
    notify.notify_one(); // permit
    let mut before = notify.notified();
    notify.notify_all();
    assert!(poll_once(&mut before).is_ready(), "woken by notify_all");
    assert!(
        poll_once(&mut notify.notified()).is_ready(),
        "the permit is still there"
    );
}

#[test]
fn a_dropped_notified_passes_its_notification_on() {
    let notify = Notify::new();
    let (mut first, mut second) = (notify.notified(), notify.notified());
    let (count, waker) = counting_waker();
    assert!(poll_once(&mut first).is_pending());
    assert!(poll_with(&mut second, &waker).is_pending());
    notify.notify_one(); // goes to `first`
    assert_eq!(count.wakes(), 0);
    drop(first); // never completed: the notification moves to `second`
    assert_eq!(count.wakes(), 1);
    assert!(poll_once(&mut second).is_ready());
}

#[test]
fn a_dropped_notified_with_nobody_behind_leaves_a_permit() {
    let notify = Notify::new();
    let mut first = notify.notified();
    assert!(poll_once(&mut first).is_pending());
    notify.notify_one();
    drop(first);
    assert!(poll_once(&mut notify.notified()).is_ready());
}

#[test]
fn a_dropped_unnotified_or_completed_notified_passes_nothing() {
    let notify = Notify::new();
    let mut waiting = notify.notified();
    assert!(poll_once(&mut waiting).is_pending());
    drop(waiting);
    assert!(poll_once(&mut notify.notified()).is_pending());

    let mut completed = notify.notified();
    assert!(poll_once(&mut completed).is_pending());
    notify.notify_one();
    assert!(poll_once(&mut completed).is_ready());
    drop(completed);
    assert!(poll_once(&mut notify.notified()).is_pending());
}

#[test]
fn a_notified_dropped_after_notify_all_passes_nothing() {
    let notify = Notify::new();
    let (mut a, mut b) = (notify.notified(), notify.notified());
    assert!(poll_once(&mut a).is_pending());
    notify.notify_all();
    drop(a);
    assert!(poll_once(&mut b).is_ready(), "created before notify_all");
    assert!(poll_once(&mut notify.notified()).is_pending());
}

#[test]
fn repolling_with_a_new_waker_wakes_the_new_one() {
    let notify = Notify::new();
    let mut f = notify.notified();
    let (old_count, old) = counting_waker();
    let (new_count, new) = counting_waker();
    assert!(poll_with(&mut f, &old).is_pending());
    assert!(poll_with(&mut f, &new).is_pending());
    notify.notify_one();
    assert_eq!(old_count.wakes(), 0);
    assert_eq!(new_count.wakes(), 1);
    assert!(poll_once(&mut f).is_ready());
}

/// Two threads take turns through two `Notify`s; every hand-off arrives (no lost wake-up,
/// whether it lands as a permit or on a waiting future).
#[test]
fn ping_pong_between_threads() {
    const ROUNDS: usize = 2_000;
    let ping = Arc::new(Notify::new());
    let pong = Arc::new(Notify::new());
    let other = {
        let (ping, pong) = (ping.clone(), pong.clone());
        std::thread::spawn(move || {
            for _ in 0..ROUNDS {
                block_on(ping.notified());
                pong.notify_one();
            }
        })
    };
    for _ in 0..ROUNDS {
        ping.notify_one();
        block_on(pong.notified());
    }
    other.join().unwrap();
}

/// Waiters on several threads, released by `notify_all` rounds: every round reaches all of
/// them. A `Notified` created before the round's signal is released by it even if not yet
/// polled.
#[test]
fn notify_all_rounds_reach_every_thread() {
    const THREADS: usize = 3;
    const ROUNDS: usize = 200;
    let go = Arc::new(Notify::new());
    let arrived = gort_channel::sync::WaitGroup::new();
    arrived.add(THREADS); // round 0, before any thread can reach its `done`
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            let (go, arrived) = (go.clone(), arrived.clone());
            std::thread::spawn(move || {
                for _ in 0..ROUNDS {
                    let notified = go.notified();
                    arrived.done(); // "I am listening"
                    block_on(notified);
                }
            })
        })
        .collect();
    for round in 0..ROUNDS {
        arrived.wait_blocking(); // every thread holds its `Notified` for this round
        if round + 1 < ROUNDS {
            arrived.add(THREADS); // before any thread can reach the next round's `done`
        }
        go.notify_all();
    }
    for t in threads {
        t.join().unwrap();
    }
}

#[test]
fn futures_are_send_and_unpin() {
    fn assert_send_unpin<T: Send + Unpin>(_: &T) {}
    let notify = Notify::new();
    assert_send_unpin(&notify.notified());
    let wg = gort_channel::sync::WaitGroup::new();
    assert_send_unpin(&wg.wait());
    let barrier = gort_channel::sync::Barrier::new(2);
    assert_send_unpin(&barrier.wait());
}
