//! loom models of the channel core and of the select claim protocol.
//!
//! Under `--cfg loom` the core's mutex, atomics and `Arc` are loom's (see `loom.rs`), so loom
//! explores every interleaving of the real code (bounded by `LOOM_MAX_PREEMPTIONS`). Futures are
//! driven by `loom::future::block_on`, whose waker is a loom notification: a lost wake-up shows
//! up as a deadlock. Each model is small (two or three threads, one or two values) so that the
//! whole file runs in seconds in release mode with `LOOM_MAX_PREEMPTIONS=2`:
//!
//! ```text
//! RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p gort-channel --release --lib loom
//! ```
//!
//! What each model checks:
//!
//! * `exchange_*` (one per flavor): a sender thread sends two values while the main thread
//!   receives: both arrive exactly once and in order, then the sender's drop ends the channel.
//! * `close_races_*`: a `send` and a `recv` on two threads, both possibly blocked, race a
//!   `close`: the send succeeds if and only if the value is received; otherwise it fails and
//!   returns the value. Never both, never neither, and nothing is left in the channel.
//! * `cancelled_recv_*`: a `recv` future is polled once and dropped while a sender may be
//!   handing it a value, with a second receiver waiting: the value is not lost — the cancelled
//!   future got it, or the other receiver did, or it is left in the channel.
//!   `cancelled_recv_value_comes_before_none` is the stricter API.md rule (the value is
//!   received before any end-of-channel `None`); it found the bug fixed by the core's
//!   `in_flight` count.
//! * `collection_races_close`: a receiver collects a value it was handed while the sender's
//!   drop closes the channel: a second waiting receiver still ends with `None`, and no
//!   interleaving leaves it asleep.
//! * `waiters_*` (one per flavor): two receivers registered in a known order, served by a
//!   sender thread while their threads re-poll them with a new waker: exactly one gets the
//!   value, and it is the first one (FIFO); the other ends with `None` on close. With two values,
//!   they arrive in registration order.
//! * `select_claim_race_*` (unbuffered, buffered): a select over two `RecvCase`s on two channels
//!   races one sender per channel: exactly one case wins, and the losing channel's value is not
//!   consumed (it is buffered, or its send is still pending, and a plain `recv` gets it
//!   afterwards).
//! * `select_registering_races_a_sender`: a sender arrives while the select is between its try
//!   pass and its registration (the abort-and-retry path) or after it registered: the select
//!   wins that case with the value, the other case stays untouched. (`select_claim_race` also
//!   reaches the abort path where a counterpart claims a case first, `Err(won)`.)
//! * `select_future_arm_races_a_claim`: a select over `recv(rx)` (unbuffered) and a future arm
//!   whose future becomes ready on one thread while a sender on another claims the receive
//!   case: exactly one arm wins, and if the future won the sender's value was not taken (a
//!   plain `recv` gets it). `select_future_arm_races_a_receiver` is the same race on a send
//!   arm, where a wrong protocol shows: a receiver must get the value if and only if the send
//!   arm won. This is the abort-before-polling-futures rule of the protocol.
//! * `select_future_arm_wakes_a_registered_select`: the future becomes ready only after the
//!   select registered its channel case: the select is woken and the future arm wins.
//! * `select_repolled_with_a_new_waker_is_woken`: a registered select is polled again with a
//!   different waker while a sender claims one of its cases: the select completes (found by
//!   review: the claim could land between the check for a winner and the waker refresh, waking
//!   only the old waker).
//! * `select_cancelled_after_its_claim_loses_nothing`: a select is polled once and dropped,
//!   maybe after a sender claimed one of its cases and handed it the value: the value is
//!   received exactly once (by the select, or by a later `recv`).
//! * `withdrawn_send_passes_its_slot_on_*` (plain, select): a waiting send on a full buffered
//!   channel is withdrawn while a receive frees a slot, into which its value may have moved:
//!   its value is never sent (it comes back out), and the slot reaches the sender waiting
//!   behind it.
//! * `stream_races_a_select_send` / `stream_races_a_send`: a `Stream` receiver (a listener,
//!   never handed a value) polls while a select's send arm, or a plain `send`, on an unbuffered
//!   channel tries and registers: the value arrives exactly once and nobody hangs. The select
//!   version found the bug fixed by `Inner::push_sender`: a listener that started waiting
//!   between the select's try pass and its registration was never told of the waiting sender.
//! * `stream_races_a_select_with_its_own_stream_arm`: the same, with the select also listening
//!   on the channel through an `rx.next()` future arm. The select's send leaves its own
//!   listener asleep (`OwnListeners` in `core.rs`); the other thread's is woken, by the
//!   registration at the latest: the value arrives exactly once, nobody hangs, and the
//!   select does not spin (without the rule it wakes itself for ever and loom gives up on
//!   the branch count).

use crate::chan::select::{
    poll_select, try_recv_now, try_send_now, FutureCase, RecvCase, SelectDriver, SendCase,
};
use crate::chan::{self, Receiver, SendError, Sender, TryRecvError};
use loom::future::block_on;
use loom::thread;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

fn channel(cap: Option<usize>) -> (Sender<u32>, Receiver<u32>) {
    match cap {
        Some(cap) => chan::bounded(cap),
        None => chan::unbounded(),
    }
}

/// Polls once with a waker that does nothing (the first poll registers a waiter).
fn poll_once<F: Future + ?Sized>(future: Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(Waker::noop()))
}

// ---------------------------------------------------------------------------------------------
// (a) Each flavor's core: exactly-once, FIFO.

fn exchange(cap: Option<usize>) {
    loom::model(move || {
        let (tx, rx) = channel(cap);
        let sender = thread::spawn(move || {
            block_on(async {
                tx.send(1).await.unwrap();
                tx.send(2).await.unwrap();
            });
            // `tx` dropped: the last sender closes the channel.
        });
        assert_eq!(block_on(rx.recv()), Some(1));
        assert_eq!(block_on(rx.recv()), Some(2));
        sender.join().unwrap();
        assert_eq!(block_on(rx.recv()), None);
    });
}

#[test]
fn exchange_unbuffered() {
    exchange(Some(0));
}

#[test]
fn exchange_buffered() {
    exchange(Some(1));
}

#[test]
fn exchange_unbounded() {
    exchange(None);
}

// ---------------------------------------------------------------------------------------------
// (b) Close racing a blocked send and a blocked receive.

fn close_races_send_and_recv(cap: Option<usize>) {
    loom::model(move || {
        let (tx, rx) = channel(cap);
        let (closer, rx_left) = (tx.clone(), rx.clone());
        let sender = thread::spawn(move || block_on(tx.send(1)));
        let receiver = thread::spawn(move || block_on(rx.recv()));
        closer.close();
        let sent = sender.join().unwrap();
        let received = receiver.join().unwrap();
        match sent {
            Ok(()) => assert_eq!(received, Some(1), "sent, so it must be received"),
            Err(SendError(v)) => {
                assert_eq!(v, 1);
                assert_eq!(received, None, "the failed send's value was received too");
            }
        }
        assert_eq!(rx_left.try_recv(), Err(TryRecvError::Closed));
    });
}

#[test]
fn close_races_unbuffered() {
    close_races_send_and_recv(Some(0));
}

#[test]
fn close_races_buffered() {
    close_races_send_and_recv(Some(1));
}

// ---------------------------------------------------------------------------------------------
// (c) A receive cancelled while a sender hands it a value.

/// Runs the race; returns (what the cancelled future got, what the other receiver got, what is
/// left in the channel afterwards).
fn cancelled_recv_race(cap: Option<usize>) -> (Option<u32>, Option<u32>, Option<u32>) {
    let (tx, rx) = channel(cap);
    let other = rx.clone();
    let canceller = thread::spawn(move || {
        let mut recv = rx.recv();
        let got = match poll_once(Pin::new(&mut recv)) {
            Poll::Ready(v) => v,
            Poll::Pending => None,
        };
        drop(recv); // cancelled: anything it was handed must be given back
        got
    });
    let sender = thread::spawn(move || {
        block_on(tx.send(1)).unwrap();
        // `tx` dropped: the channel closes.
    });
    let other_got = block_on(other.recv());
    let cancelled_got = canceller.join().unwrap();
    sender.join().unwrap();
    let left = other.try_recv().ok();
    (cancelled_got, other_got, left)
}

fn cancelled_recv_loses_nothing(cap: Option<usize>) {
    loom::model(move || {
        let (cancelled, other, left) = cancelled_recv_race(cap);
        let got: Vec<u32> = [cancelled, other, left].into_iter().flatten().collect();
        assert_eq!(
            got,
            [1],
            "exactly once: cancelled {cancelled:?}, other {other:?}, left {left:?}"
        );
    });
}

#[test]
fn cancelled_recv_unbuffered() {
    cancelled_recv_loses_nothing(Some(0));
}

#[test]
fn cancelled_recv_buffered() {
    cancelled_recv_loses_nothing(Some(1));
}

/// API.md: a value given back by a cancelled receive "is received before the end-of-channel
/// `None` even when the channel is being closed at that moment".
///
/// The interleaving that failed before the `in_flight` fix: the cancelled future registers; the sender hands it 1 and drops its
/// `Sender`, closing the channel; the other receiver, waiting, is ended with `None` by the
/// close; only then is the cancelled future dropped, and 1 goes back to the buffer — after the
/// other receiver saw the end of the channel.
#[test]
fn cancelled_recv_value_comes_before_none() {
    loom::model(|| {
        let (cancelled, other, left) = cancelled_recv_race(Some(0));
        assert!(
            !(other.is_none() && left.is_some()),
            "the other receiver got None, then {left:?} was still in the channel \
             (cancelled future got {cancelled:?})"
        );
    });
}

/// A served receiver collects its value while the channel closes: the receiver left waiting
/// still gets its `None` — from the close if the value was collected first, else from the
/// collection, or at once if it polls after both — and the value is received exactly once.
/// (That the `None` never comes before a handed value that could come back is
/// `cancelled_recv_value_comes_before_none`.)
#[test]
fn collection_races_close() {
    loom::model(|| {
        let (tx, rx) = chan::bounded::<u32>(0);
        let other = rx.clone();
        let mut recv = Box::pin(rx.recv());
        assert!(poll_once(recv.as_mut()).is_pending(), "registered first");
        let sender = thread::spawn(move || {
            // Handed to `recv`, which waits first.
            block_on(tx.send(1)).unwrap();
            drop(tx); // the last sender: the channel closes
        });
        let waiting = thread::spawn(move || block_on(other.recv()));
        assert_eq!(block_on(recv), Some(1));
        sender.join().unwrap();
        assert_eq!(waiting.join().unwrap(), None, "ended with None");
    });
}

/// A waiting send on a full buffered channel is withdrawn (a dropped future, or a dropped
/// select whose send case it is) while a receiver frees a slot, into which its value may have
/// moved, and a second sender waits behind it. The withdrawn value is never sent (no receiver
/// took it), and the slot goes to the second sender: nobody else receives, so if the slot were
/// not passed on, the second send would wait forever (loom reports the deadlock).
fn withdrawn_send_passes_its_slot_on(through_select: bool) {
    loom::model(move || {
        let (tx, rx) = chan::bounded(1);
        tx.try_send(1).unwrap();
        let second = tx.clone();
        let mut driver = SelectDriver::new();
        let mut case = SendCase::new(Some(&tx), 2);
        let mut send = tx.send(2);
        let mut cx = Context::from_waker(Waker::noop());
        // The buffer is full: the send of 2 waits.
        if through_select {
            let polled = poll_select(&mut driver, &mut [&mut case], &[0], &mut cx);
            assert!(polled.is_pending());
        } else {
            assert!(poll_once(Pin::new(&mut send)).is_pending());
        }
        let receiver = thread::spawn(move || {
            let got = block_on(rx.recv()); // frees the slot
            (got, rx)
        });
        let sender = thread::spawn(move || block_on(second.send(3)));
        if through_select {
            drop(case);
            drop(send);
        } else {
            assert_eq!(send.cancel(), Some(2), "no receiver took 2");
            drop(case);
        }
        let (got, rx) = receiver.join().unwrap();
        assert_eq!(got, Some(1));
        assert_eq!(
            sender.join().unwrap(),
            Ok(()),
            "the slot reached the second sender"
        );
        assert_eq!(rx.try_recv(), Ok(3));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "2 was never sent");
    });
}

#[test]
fn withdrawn_send_passes_its_slot_on_plain() {
    withdrawn_send_passes_its_slot_on(false);
}

#[test]
fn withdrawn_send_passes_its_slot_on_select() {
    withdrawn_send_passes_its_slot_on(true);
}

// ---------------------------------------------------------------------------------------------
// (d) The waiter queue: FIFO among waiting receivers.

fn waiters_fifo(cap: Option<usize>, values: u32) {
    loom::model(move || {
        let (tx, rx) = channel(cap);
        let (rx_a, rx_b) = (rx.clone(), rx);
        let mut first = Box::pin(async move { rx_a.recv().await });
        let mut second = Box::pin(async move { rx_b.recv().await });
        // Registered in this order, before any value exists.
        assert!(poll_once(first.as_mut()).is_pending());
        assert!(poll_once(second.as_mut()).is_pending());
        // Each thread re-polls its future with its own waker, racing the sender.
        let first = thread::spawn(move || block_on(first));
        let second = thread::spawn(move || block_on(second));
        block_on(async {
            for v in 1..=values {
                tx.send(v).await.unwrap();
            }
        });
        drop(tx); // closes: a receiver left without a value gets None
        let got = (first.join().unwrap(), second.join().unwrap());
        match values {
            1 => assert_eq!(got, (Some(1), None), "the first waiter is served first"),
            _ => assert_eq!(got, (Some(1), Some(2)), "served in registration order"),
        }
    });
}

#[test]
fn waiters_unbuffered() {
    waiters_fifo(Some(0), 1);
}

#[test]
fn waiters_buffered() {
    waiters_fifo(Some(1), 1);
}

#[test]
fn waiters_unbounded() {
    waiters_fifo(None, 1);
}

#[test]
fn waiters_two_values_in_order() {
    waiters_fifo(Some(0), 2);
}

// ---------------------------------------------------------------------------------------------
// (e) The select claim race.

/// Runs a select over `recv(rx1)`, `recv(rx2)` (cases 0 and 1, tried in that order) to
/// completion; returns the winning case and its value.
fn select_recv2(rx1: &Receiver<u32>, rx2: &Receiver<u32>) -> (usize, Option<u32>) {
    wait_recv2(SelectDriver::new(), rx1, rx2)
}

/// Waits in a select over `recv(rx1)`, `recv(rx2)` driven by `driver`.
fn wait_recv2(
    mut driver: SelectDriver,
    rx1: &Receiver<u32>,
    rx2: &Receiver<u32>,
) -> (usize, Option<u32>) {
    let mut case1 = RecvCase::new(Some(rx1));
    let mut case2 = RecvCase::new(Some(rx2));
    let won = block_on(poll_fn(|cx| {
        poll_select(&mut driver, &mut [&mut case1, &mut case2], &[0, 1], cx)
    }));
    let got = match won {
        0 => case1.take(),
        1 => case2.take(),
        _ => unreachable!("two cases"),
    };
    (won, got)
    // The losing case is unregistered when it is dropped here.
}

fn select_claim_race(cap: usize) {
    loom::model(move || {
        let (tx1, rx1) = chan::bounded(cap);
        let (tx2, rx2) = chan::bounded(cap);
        let sender1 = thread::spawn(move || block_on(tx1.send(1)));
        let sender2 = thread::spawn(move || block_on(tx2.send(2)));
        let (won, got) = select_recv2(&rx1, &rx2);
        // The losing channel's value was not consumed: it is buffered, or its send is still
        // pending (or comes later), and a plain receive gets it. Had the losing case taken it,
        // this would get None (the sender is gone) or deadlock.
        let (loser, expected) = match won {
            0 => (&rx2, (Some(1), Some(2))),
            _ => (&rx1, (Some(2), Some(1))),
        };
        let later = block_on(loser.recv());
        assert_eq!((got, later), expected, "select won case {won}");
        sender1.join().unwrap().unwrap();
        sender2.join().unwrap().unwrap();
        assert_eq!(rx1.try_recv(), Err(TryRecvError::Closed));
        assert_eq!(rx2.try_recv(), Err(TryRecvError::Closed));
    });
}

#[test]
fn select_claim_race_unbuffered() {
    select_claim_race(0);
}

#[test]
fn select_claim_race_buffered() {
    select_claim_race(1);
}

#[test]
fn select_registering_races_a_sender() {
    loom::model(|| {
        let (tx1, rx1) = chan::bounded::<u32>(0);
        let (tx2, rx2) = chan::bounded(0);
        // Only channel 2 gets a sender. It may arrive before the try pass, between the try
        // pass and the registration of case 1 (the select must abort and retry), or after
        // both cases registered (it claims case 1).
        let sender = thread::spawn(move || block_on(tx2.send(2)));
        assert_eq!(select_recv2(&rx1, &rx2), (1, Some(2)));
        sender.join().unwrap().unwrap();
        // Case 0 took nothing and left no waiter behind: a send on channel 1 finds no
        // receiver.
        assert_eq!(tx1.try_send(1), Err(chan::TrySendError::Full(1)));
        assert_eq!(rx2.try_recv(), Err(TryRecvError::Closed));
    });
}

/// [`select_recv2`] as `select!` runs it: a first try of each arm, on the channels themselves,
/// and only if neither was ready, the cases and a driver that starts by registering.
fn select_recv2_first_try(rx1: &Receiver<u32>, rx2: &Receiver<u32>) -> (usize, Option<u32>) {
    for (arm, rx) in [rx1, rx2].into_iter().enumerate() {
        if let Some(got) = try_recv_now(Some(rx)) {
            return (arm, got);
        }
    }
    wait_recv2(SelectDriver::after_try_pass(), rx1, rx2)
}

#[test]
fn select_first_try_then_waiting_races_a_sender() {
    loom::model(|| {
        let (tx1, rx1) = chan::bounded::<u32>(0);
        let (tx2, rx2) = chan::bounded(0);
        // The sender may arrive before the first try, between the first try and the
        // registration (which must see it: nothing tries the arms in between), or after.
        let sender = thread::spawn(move || block_on(tx2.send(2)));
        assert_eq!(select_recv2_first_try(&rx1, &rx2), (1, Some(2)));
        sender.join().unwrap().unwrap();
        assert_eq!(tx1.try_send(1), Err(chan::TrySendError::Full(1)));
        assert_eq!(rx2.try_recv(), Err(TryRecvError::Closed));
    });
}

#[test]
fn select_send_first_try_then_waiting_races_a_receiver() {
    loom::model(|| {
        let (tx, rx) = chan::bounded::<u32>(0);
        let receiver = thread::spawn(move || block_on(rx.recv()));
        // `select! { r = send(tx, 7) => r }`: the value is sent exactly once, by the first
        // try or by the registered case, never by both and never lost in between.
        match try_send_now(Some(&tx), 7) {
            Ok(sent) => assert_eq!(sent, Ok(())),
            Err(value) => {
                let mut driver = SelectDriver::after_try_pass();
                let mut case = SendCase::new(Some(&tx), value);
                let won = block_on(poll_fn(|cx| {
                    poll_select(&mut driver, &mut [&mut case], &[0], cx)
                }));
                assert_eq!((won, case.take()), (0, Ok(())));
            }
        }
        drop(tx);
        assert_eq!(receiver.join().unwrap(), Some(7));
    });
}

#[test]
fn select_cancelled_after_its_claim_loses_nothing() {
    loom::model(|| {
        let (tx1, rx1) = chan::bounded(0);
        let (_tx2, rx2) = chan::bounded::<u32>(0);
        let sender = thread::spawn(move || block_on(tx1.send(1)));
        let got = {
            let mut driver = SelectDriver::new();
            let mut case1 = RecvCase::new(Some(&rx1));
            let mut case2 = RecvCase::new(Some(&rx2));
            let mut cx = Context::from_waker(Waker::noop());
            match poll_select(&mut driver, &mut [&mut case1, &mut case2], &[0, 1], &mut cx) {
                Poll::Ready(0) => case1.take(),
                Poll::Ready(won) => unreachable!("case {won} has no sender"),
                // Dropped while waiting, maybe after the sender claimed case 0 and handed it
                // the value: the value goes back into the channel.
                Poll::Pending => None,
            }
        };
        // If the select took the value, the sender is done and gone: this gets None.
        let later = block_on(rx1.recv());
        sender.join().unwrap().unwrap();
        let received: Vec<u32> = [got, later].into_iter().flatten().collect();
        assert_eq!(
            received,
            [1],
            "select got {got:?}, a later recv got {later:?}"
        );
    });
}

/// A future that is ready once `set` is true; loom's `AtomicWaker` carries its wake-up.
#[derive(Default)]
struct Flag {
    set: loom::sync::atomic::AtomicBool,
    waker: loom::future::AtomicWaker,
}

impl Flag {
    /// A flag, and the thread that raises it.
    fn raised_by_a_thread() -> (std::sync::Arc<Flag>, thread::JoinHandle<()>) {
        let flag = std::sync::Arc::new(Flag::default());
        let raiser = {
            let flag = flag.clone();
            thread::spawn(move || flag.raise())
        };
        (flag, raiser)
    }

    fn raise(&self) {
        self.set.store(true, std::sync::atomic::Ordering::Release);
        self.waker.wake();
    }

    async fn raised(&self) {
        poll_fn(|cx| {
            self.waker.register_by_ref(cx.waker());
            if self.set.load(std::sync::atomic::Ordering::Acquire) {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await
    }
}

#[test]
fn select_future_arm_races_a_claim() {
    loom::model(|| {
        let (tx, rx) = chan::bounded::<u32>(0);
        let sender = thread::spawn(move || block_on(tx.send(1)));
        let (flag, raiser) = Flag::raised_by_a_thread();
        let (won, got) = {
            let mut fut = std::pin::pin!(flag.raised());
            let mut driver = SelectDriver::new();
            let mut recv = RecvCase::new(Some(&rx));
            let mut raised = FutureCase::new(fut.as_mut());
            let won = block_on(poll_fn(|cx| {
                poll_select(&mut driver, &mut [&mut recv, &mut raised], &[0, 1], cx)
            }));
            match won {
                0 => (0, recv.take()),
                _ => {
                    raised.take();
                    (1, None)
                }
            }
        };
        // If the future arm won, the receive arm took nothing: the send is still pending and a
        // plain receive completes it.
        let later = if won == 1 { block_on(rx.recv()) } else { None };
        assert_eq!(
            [got, later].into_iter().flatten().collect::<Vec<_>>(),
            [1],
            "arm {won} won; the select got {got:?}, a later recv {later:?}"
        );
        sender.join().unwrap().unwrap();
        raiser.join().unwrap();
    });
}

#[test]
fn select_future_arm_races_a_receiver() {
    loom::model(|| {
        let (tx, rx) = chan::bounded::<u32>(0);
        let receiver = thread::spawn(move || block_on(rx.recv()));
        let (flag, raiser) = Flag::raised_by_a_thread();
        let won = {
            let mut fut = std::pin::pin!(flag.raised());
            let mut driver = SelectDriver::new();
            let mut send = SendCase::new(Some(&tx), 1);
            let mut raised = FutureCase::new(fut.as_mut());
            let won = block_on(poll_fn(|cx| {
                poll_select(&mut driver, &mut [&mut send, &mut raised], &[0, 1], cx)
            }));
            if won == 0 {
                assert_eq!(send.take(), Ok(()));
            }
            won
        };
        drop(tx); // closes the channel: a receiver still waiting gets None
        let received = receiver.join().unwrap();
        assert_eq!(
            received.is_some(),
            won == 0,
            "arm {won} won but the receiver got {received:?}"
        );
        raiser.join().unwrap();
    });
}

#[test]
fn select_future_arm_wakes_a_registered_select() {
    loom::model(|| {
        let (_tx, rx) = chan::bounded::<u32>(0);
        let (flag, raiser) = Flag::raised_by_a_thread();
        let mut fut = std::pin::pin!(flag.raised());
        let mut driver = SelectDriver::new();
        let mut recv = RecvCase::new(Some(&rx));
        let mut raised = FutureCase::new(fut.as_mut());
        let won = block_on(poll_fn(|cx| {
            poll_select(&mut driver, &mut [&mut recv, &mut raised], &[0, 1], cx)
        }));
        assert_eq!(won, 1);
        raiser.join().unwrap();
    });
}

#[test]
fn select_repolled_with_a_new_waker_is_woken() {
    loom::model(|| {
        let (_tx1, rx1) = chan::bounded::<u32>(0);
        let (tx2, rx2) = chan::bounded::<u32>(0);
        let mut driver = SelectDriver::new();
        let mut case1 = RecvCase::new(Some(&rx1));
        let mut case2 = RecvCase::new(Some(&rx2));
        // Registered with a waker that does nothing...
        let mut cx = Context::from_waker(Waker::noop());
        let first = poll_select(&mut driver, &mut [&mut case1, &mut case2], &[0, 1], &mut cx);
        assert!(first.is_pending());
        let sender = thread::spawn(move || block_on(tx2.send(9)));
        // ...then driven by block_on's waker: if only the old waker were woken, this would
        // deadlock.
        let won = block_on(poll_fn(|cx| {
            poll_select(&mut driver, &mut [&mut case1, &mut case2], &[0, 1], cx)
        }));
        assert_eq!((won, case2.take()), (1, Some(9)));
        sender.join().unwrap().unwrap();
    });
}

// ---------------------------------------------------------------------------------------------
// (f) A `Stream` receiver (a listener) racing a sender that starts waiting.

/// Receives from `rx` as a `Stream` (the async `for v := range rx`) until it ends.
fn stream_all(mut rx: Receiver<u32>) -> Vec<u32> {
    use futures_core::Stream;
    let mut got = Vec::new();
    while let Some(v) = block_on(poll_fn(|cx| Pin::new(&mut rx).poll_next(cx))) {
        got.push(v);
    }
    got
}

#[test]
fn stream_races_a_select_send() {
    loom::model(|| {
        let (tx, rx) = chan::bounded::<u32>(0);
        let listener = thread::spawn(move || stream_all(rx));
        {
            let mut driver = SelectDriver::new();
            let mut send = SendCase::new(Some(&tx), 7);
            let won = block_on(poll_fn(|cx| {
                poll_select(&mut driver, &mut [&mut send], &[0], cx)
            }));
            assert_eq!((won, send.take()), (0, Ok(())));
        }
        drop(tx); // closes the channel: the stream ends
        assert_eq!(listener.join().unwrap(), [7], "received exactly once");
    });
}

/// `block_on` with a waker that `Waker::will_wake` recognises across clones (std's `Wake`
/// vtable), as real executors' wakers are: `push_sender` leaves a listener with the select's
/// own waker alone. (loom's own `block_on` waker is not recognised by `will_wake`.)
fn block_on_stable<F: Future>(future: F) -> F::Output {
    struct Notifier(loom::sync::Notify);
    impl std::task::Wake for Notifier {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.notify();
        }
        fn wake_by_ref(self: &std::sync::Arc<Self>) {
            self.0.notify();
        }
    }
    let notifier = std::sync::Arc::new(Notifier(loom::sync::Notify::new()));
    let waker = Waker::from(notifier.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        notifier.0.wait();
    }
}

#[test]
fn stream_races_a_select_with_its_own_stream_arm() {
    loom::model(|| {
        let (tx, rx) = chan::bounded::<u32>(0);
        let mut own = rx.clone();
        let listener = thread::spawn(move || stream_all(rx));
        {
            use futures_core::Stream;
            let mut next = std::pin::pin!(poll_fn(|cx| Pin::new(&mut own).poll_next(cx)));
            let mut driver = SelectDriver::with_future_arms();
            let mut arm = FutureCase::new(next.as_mut());
            let mut send = SendCase::new(Some(&tx), 7);
            // The stream arm is tried first, so the send arm passes the select's own listener,
            // which it leaves asleep, and maybe the other thread's, which is woken.
            let won = block_on_stable(poll_fn(|cx| {
                poll_select(&mut driver, &mut [&mut arm, &mut send], &[0, 1], cx)
            }));
            assert_eq!((won, send.take()), (1, Ok(())));
        }
        drop(tx); // closes the channel: the other stream ends
        assert_eq!(listener.join().unwrap(), [7], "received exactly once");
        drop(own);
    });
}

#[test]
fn stream_races_a_send() {
    loom::model(|| {
        let (tx, rx) = chan::bounded::<u32>(0);
        let listener = thread::spawn(move || stream_all(rx));
        block_on(tx.send(7)).unwrap();
        drop(tx);
        assert_eq!(listener.join().unwrap(), [7], "received exactly once");
    });
}
