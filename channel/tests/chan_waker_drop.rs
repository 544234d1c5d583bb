//! Wakers are user code: dropping one may run anything, including an operation on the channel
//! whose waiter held it (say, the last reference to a task that owns one of its ends). The
//! channel lock is not reentrant, so a channel must drop the wakers it replaces or removes only
//! after unlocking. Each test makes a waiter entry hold the last reference to a waker whose
//! drop touches the same channel, then makes the channel drop it; a deadlock fails the test
//! after a bound instead of hanging the suite.

// Plain-thread tests.
#![cfg(not(loom))]

mod common;
use common::poll_with;
use futures::Stream;
use gort_channel::chan::select::{poll_select, RecvCase, SelectCase, SelectDriver, SendCase};
use gort_channel::chan::{self, Sender};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::task::{Context, Wake, Waker};
use std::thread;
use std::time::Duration;

/// A waker whose drop (when its last reference goes) reads the channel's length, which takes
/// the channel's lock.
struct TouchOnDrop {
    tx: Sender<u32>,
    dropped: Arc<AtomicBool>,
}

impl Wake for TouchOnDrop {
    fn wake(self: Arc<Self>) {}
}

impl Drop for TouchOnDrop {
    fn drop(&mut self) {
        let _ = self.tx.len();
        self.dropped.store(true, Ordering::SeqCst);
    }
}

/// A waker touching `tx`'s channel when dropped, and the flag its drop raises.
fn touching_waker(tx: &Sender<u32>) -> (Waker, Arc<AtomicBool>) {
    let dropped = Arc::new(AtomicBool::new(false));
    let waker = Waker::from(Arc::new(TouchOnDrop {
        tx: tx.clone(),
        dropped: dropped.clone(),
    }));
    (waker, dropped)
}

/// Runs `scenario` on its own thread; fails if it does not finish within a generous bound (a
/// deadlocked thread is left spinning: the test fails rather than hanging the suite).
fn finishes(what: &str, scenario: impl FnOnce() + Send + 'static) {
    let (done_tx, done_rx) = mpsc::channel();
    let handle = thread::spawn(move || {
        scenario();
        let _ = done_tx.send(());
    });
    match done_rx.recv_timeout(Duration::from_secs(20)) {
        Ok(()) => handle.join().unwrap(),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            // The scenario panicked: report its panic.
            std::panic::resume_unwind(handle.join().unwrap_err())
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("deadlock: {what} dropped a waker under the channel lock")
        }
    }
}

/// Registers `case` as the only case of a select polled with `waker`, then drops the select's
/// driver, so that the case's waiter entry is what keeps the waker.
fn register_alone(case: &mut dyn SelectCase, waker: &Waker) {
    let mut driver = SelectDriver::new();
    let first = poll_select(
        &mut driver,
        &mut [case],
        &[0],
        &mut Context::from_waker(waker),
    );
    assert!(first.is_pending(), "nothing can complete the case yet");
}

#[test]
fn a_recv_future_repolled_with_a_new_waker() {
    finishes("a re-polled recv", || {
        let (tx, rx) = chan::bounded::<u32>(0);
        let (waker, dropped) = touching_waker(&tx);
        let mut recv = rx.recv();
        assert!(poll_with(&mut recv, &waker).is_pending());
        drop(waker); // the waiter entry holds the last reference
        assert!(poll_with(&mut recv, Waker::noop()).is_pending());
        assert!(dropped.load(Ordering::SeqCst), "the old waker was dropped");
    });
}

#[test]
fn a_send_future_repolled_with_a_new_waker() {
    finishes("a re-polled send", || {
        let (tx, _rx) = chan::bounded::<u32>(0);
        let (waker, dropped) = touching_waker(&tx);
        let mut send = tx.send(1);
        assert!(poll_with(&mut send, &waker).is_pending());
        drop(waker);
        assert!(poll_with(&mut send, Waker::noop()).is_pending());
        assert!(dropped.load(Ordering::SeqCst));
    });
}

#[test]
fn a_stream_repolled_with_a_new_waker() {
    finishes("a re-polled stream", || {
        let (tx, mut rx) = chan::bounded::<u32>(0);
        let (waker, dropped) = touching_waker(&tx);
        let first = Pin::new(&mut rx).poll_next(&mut Context::from_waker(&waker));
        assert!(first.is_pending());
        drop(waker);
        let again = Pin::new(&mut rx).poll_next(&mut Context::from_waker(Waker::noop()));
        assert!(again.is_pending());
        assert!(dropped.load(Ordering::SeqCst));
    });
}

#[test]
fn a_waiting_recv_future_dropped() {
    finishes("a cancelled recv", || {
        let (tx, rx) = chan::bounded::<u32>(0);
        let (waker, dropped) = touching_waker(&tx);
        let mut recv = rx.recv();
        assert!(poll_with(&mut recv, &waker).is_pending());
        drop(waker);
        drop(recv);
        assert!(dropped.load(Ordering::SeqCst));
    });
}

#[test]
fn a_waiting_send_future_dropped() {
    finishes("a cancelled send", || {
        let (tx, _rx) = chan::bounded::<u32>(0);
        let (waker, dropped) = touching_waker(&tx);
        let mut send = tx.send(1);
        assert!(poll_with(&mut send, &waker).is_pending());
        drop(waker);
        drop(send);
        assert!(dropped.load(Ordering::SeqCst));
    });
}

#[test]
fn a_receiver_dropped_while_its_stream_waits() {
    finishes("a dropped listening receiver", || {
        let (tx, rx) = chan::bounded::<u32>(0);
        let mut listening = rx.clone();
        let (waker, dropped) = touching_waker(&tx);
        let first = Pin::new(&mut listening).poll_next(&mut Context::from_waker(&waker));
        assert!(first.is_pending());
        drop(waker);
        drop(listening);
        assert!(dropped.load(Ordering::SeqCst));
        drop(rx);
    });
}

#[test]
fn a_registered_recv_case_given_a_new_waker_then_unregistered() {
    finishes("a select's receive case", || {
        let (tx, rx) = chan::bounded::<u32>(0);
        let (waker, dropped) = touching_waker(&tx);
        let mut case = RecvCase::new(Some(&rx));
        register_alone(&mut case, &waker); // only the case's entry keeps the waker
        drop(waker);
        case.update_waker(Waker::noop());
        assert!(dropped.load(Ordering::SeqCst), "update_waker dropped it");

        let (waker, dropped) = touching_waker(&tx);
        let mut case = RecvCase::new(Some(&rx));
        register_alone(&mut case, &waker); // only the case's entry keeps the waker
        drop(waker);
        drop(case); // unregisters
        assert!(dropped.load(Ordering::SeqCst), "unregister dropped it");
    });
}

#[test]
fn a_registered_send_case_given_a_new_waker_then_unregistered() {
    finishes("a select's send case", || {
        let (tx, _rx) = chan::bounded::<u32>(0);
        let (waker, dropped) = touching_waker(&tx);
        let mut case = SendCase::new(Some(&tx), 1);
        register_alone(&mut case, &waker); // only the case's entry keeps the waker
        drop(waker);
        case.update_waker(Waker::noop());
        assert!(dropped.load(Ordering::SeqCst), "update_waker dropped it");

        let (waker, dropped) = touching_waker(&tx);
        let mut case = SendCase::new(Some(&tx), 2);
        register_alone(&mut case, &waker); // only the case's entry keeps the waker
        drop(waker);
        drop(case);
        assert!(dropped.load(Ordering::SeqCst), "unregister dropped it");
    });
}
