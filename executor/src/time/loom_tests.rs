//! loom models of the timer driver's concurrent paths (the wheel itself is sequential and has
//! unit tests).
//!
//! loom has no clock, so each model's driver started an hour ago (`Driver::with_start`): a
//! deadline one millisecond after that start is due by `Instant::now()` yet still sits in the
//! wheel until someone calls `fire_due` or `after_park`. Parks with such a deadline return at
//! once, so no model waits on real time.
//!
//! * [`timer_stop_races_fire`]: `ChanTimer::stop` against the driver firing it: stop returns
//!   true and no value is ever received (Go 1.23: the in-flight or buffered value is
//!   discarded).
//! * [`receive_then_stop_races_fire`]: a receiver that tries to receive, then stops, against the
//!   firing: exactly one of {a value was received and stop returned false, nothing was received
//!   and stop returned true}; nothing is received afterwards.
//! * [`sleep_cancel_races_fire`]: a `Sleep`'s entry removed (the future dropped) while the
//!   driver fires it: its waker is woken or handed back, exactly once, never both, and every
//!   waker is dropped (loom's leak check on the token inside it).
//! * [`sleep_repoll_races_fire`]: a live `Sleep` re-polled with a new waker while it fires:
//!   either the poll learns it fired, or the new waker is woken — never neither (lost wake-up).
//! * [`registration_races_owner_park`]: a registration against a worker's park as the timer
//!   owner: the worker never sleeps through it (a lost wake-up parks it forever, which loom
//!   reports as a deadlock), and the timer fires exactly once.
//! * [`owner_leaving_to_run_work_passes_the_timers_on`]: the owner leaves its park with a timer
//!   pending (it becomes its own hand-off target) and then runs work (`pass_on`), racing a
//!   second worker's park: the second worker either becomes the owner itself or is woken as the
//!   new target — it never sleeps with nobody responsible for the timer.

use super::chan_timer::ChanTimer;
use super::driver::{Action, Driver};
use crate::loom::{Arc, AtomicUsize};
use crate::scheduler::park;
use gort_channel::chan;
use loom::thread;
use std::sync::atomic::Ordering::SeqCst;
use std::task::{Wake, Waker};
use std::time::{Duration, Instant};

fn past_driver(unparkers: Vec<park::Unparker>) -> (Arc<Driver>, Instant) {
    let start = Instant::now() - Duration::from_secs(3600);
    (Arc::new(Driver::with_start(start, unparkers)), start)
}

/// A waker that counts its wakes and holds a loom `Arc`, so a leaked waker is reported.
struct Counter {
    wakes: AtomicUsize,
    _token: Arc<()>,
}

impl Wake for Counter {
    fn wake(self: std::sync::Arc<Self>) {
        self.wakes.fetch_add(1, SeqCst);
    }
}

fn counter() -> (std::sync::Arc<Counter>, Waker) {
    let c = std::sync::Arc::new(Counter {
        wakes: AtomicUsize::new(0),
        _token: Arc::new(()),
    });
    (c.clone(), Waker::from(c))
}

#[test]
fn timer_stop_races_fire() {
    loom::model(|| {
        let (driver, start) = past_driver(Vec::new());
        let (tx, rx) = chan::bounded(1);
        let timer = ChanTimer::start(driver.clone(), tx, start + Duration::from_millis(1), None);
        let firing = {
            let driver = driver.clone();
            thread::spawn(move || driver.fire_due(Instant::now()))
        };
        let stopped = timer.stop(&rx);
        firing.join().unwrap();
        assert!(stopped, "nothing was received before stop: stop stopped it");
        assert!(
            rx.try_recv().is_err(),
            "a value arrived after stop returned"
        );
        assert_eq!(driver.len(), 0);
    });
}

#[test]
fn receive_then_stop_races_fire() {
    loom::model(|| {
        let (driver, start) = past_driver(Vec::new());
        let (tx, rx) = chan::bounded(1);
        let timer = ChanTimer::start(driver.clone(), tx, start + Duration::from_millis(1), None);
        let firing = {
            let driver = driver.clone();
            thread::spawn(move || driver.fire_due(Instant::now()))
        };
        let received = rx.try_recv().is_ok();
        let stopped = timer.stop(&rx);
        firing.join().unwrap();
        assert_ne!(
            received, stopped,
            "received {received}, stop returned {stopped}"
        );
        assert!(
            rx.try_recv().is_err(),
            "a value arrived after stop returned"
        );
    });
}

#[test]
fn sleep_cancel_races_fire() {
    loom::model(|| {
        let (driver, start) = past_driver(Vec::new());
        let (count, waker) = counter();
        let key = driver
            .insert(start + Duration::from_millis(1), Action::Wake(Some(waker)))
            .ok()
            .unwrap();
        let firing = {
            let driver = driver.clone();
            thread::spawn(move || driver.fire_due(Instant::now()))
        };
        let removed = driver.remove(key).is_some();
        firing.join().unwrap();
        let woken = count.wakes.load(SeqCst);
        assert_eq!(
            usize::from(removed) + woken,
            1,
            "removed {removed}, woken {woken}"
        );
        assert_eq!(driver.len(), 0);
    });
}

#[test]
fn sleep_repoll_races_fire() {
    loom::model(|| {
        let (driver, start) = past_driver(Vec::new());
        let (_first, waker) = counter();
        let key = driver
            .insert(start + Duration::from_millis(1), Action::Wake(Some(waker)))
            .ok()
            .unwrap();
        let firing = {
            let driver = driver.clone();
            thread::spawn(move || driver.fire_due(Instant::now()))
        };
        let (second, new_waker) = counter();
        let still_pending = driver.update_waker(key, &new_waker);
        firing.join().unwrap();
        if still_pending {
            assert_eq!(second.wakes.load(SeqCst), 1, "the new waker was not woken");
        }
        drop(driver.remove(key));
    });
}

#[test]
fn registration_races_owner_park() {
    loom::model(|| {
        let (parker, unparker) = park::pair();
        let (driver, start) = past_driver(vec![unparker]);
        let worker = {
            let driver = driver.clone();
            thread::spawn(move || {
                let deadline = driver.before_park(0);
                parker.park(deadline);
                driver.after_park(0);
            })
        };
        let (count, waker) = counter();
        let registered = driver
            .insert(start + Duration::from_millis(1), Action::Wake(Some(waker)))
            .is_ok();
        worker.join().unwrap();
        assert!(registered);
        // Whatever the worker did not fire (it left its park first) is fired here.
        driver.fire_due(Instant::now());
        assert_eq!(count.wakes.load(SeqCst), 1);
        assert_eq!(driver.len(), 0);
    });
}

#[test]
fn owner_leaving_to_run_work_passes_the_timers_on() {
    loom::model(|| {
        let (parker0, unparker0) = park::pair();
        let (parker1, unparker1) = park::pair();
        let (driver, start) = past_driver(vec![unparker0, unparker1]);
        // Pending, not due (ten hours after a start one hour ago): no park may wait for it,
        // as loom has no clock.
        let (_count, waker) = counter();
        let key = driver
            .insert(
                start + Duration::from_secs(36_000),
                Action::Wake(Some(waker)),
            )
            .ok()
            .unwrap();
        // Worker 0 owns the timers (its park itself is not modelled: it has been woken).
        assert!(driver.before_park(0).is_some());
        drop(parker0);
        let second = {
            let driver = driver.clone();
            thread::spawn(move || {
                if driver.before_park(1).is_some() {
                    return; // It became the owner itself.
                }
                parker1.park(None); // Must be woken: worker 0 is about to run work.
                assert!(
                    driver.after_park(1),
                    "woken, but not as the hand-off target"
                );
            })
        };
        // Worker 0 leaves its park with the timer pending, then runs a task.
        assert!(driver.after_park(0), "the leaving owner is its own target");
        driver.pass_on(0);
        second.join().unwrap();
        drop(driver.remove(key));
    });
}
