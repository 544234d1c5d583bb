//! A `Receiver` polled as a `Stream` waits as a *listener* (a notify-only waiter): it is woken to
//! try again, never handed a value. These tests check that every way a sender can start waiting
//! wakes such a listener, so that the two never wait on each other. The loom model of the same
//! race is `select_send_races_a_stream` in `src/loom_tests.rs`.

// Plain-thread tests, driven by hand with counting wakers.
#![cfg(not(loom))]

mod common;
use common::counting_waker;
use futures::Stream;
use gort_channel::chan::select::{poll_select, FutureCase, SelectDriver, SendCase};
use gort_channel::chan::{self, Receiver, SendError};
use std::cell::RefCell;
use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::task::{Context, Poll, Waker};

/// One poll of a select over a send arm and a future arm, tried in that order.
fn poll_send_then_listen<F: Future>(
    driver: &mut SelectDriver,
    send: &mut SendCase<'_, u32>,
    listener: &mut FutureCase<'_, F>,
    cx: &mut Context<'_>,
) -> Poll<usize> {
    poll_select(driver, &mut [send, listener], &[0, 1], cx)
}

fn poll_next(rx: &mut Receiver<u32>, waker: &Waker) -> Poll<Option<u32>> {
    Pin::new(rx).poll_next(&mut Context::from_waker(waker))
}

/// The interleaving found by review, made deterministic: the select's send arm finds no
/// receiver in its try pass; then (from a future arm polled later in the same try pass) a
/// stream starts listening; then the send arm registers. Before the fix the registration did
/// not count the listener as a partner and told nobody: the select waited for a receiver, the
/// stream for a sender, forever.
#[test]
fn a_stream_that_starts_listening_before_a_select_send_registers_is_woken() {
    let (tx, rx) = chan::bounded::<u32>(0);
    let rx = RefCell::new(rx);
    let (stream_wakes, stream_waker) = counting_waker();
    let (select_wakes, select_waker) = counting_waker();

    let mut listened = false;
    let mut listen = pin!(poll_fn(|_| {
        if !listened {
            listened = true;
            let first = poll_next(&mut rx.borrow_mut(), &stream_waker);
            assert_eq!(first, Poll::Pending, "nothing to receive yet");
        }
        Poll::<()>::Pending
    }));
    let mut driver = SelectDriver::new();
    let mut send = SendCase::new(Some(&tx), 7);
    let mut listener = FutureCase::new(listen.as_mut());
    let mut cx = Context::from_waker(&select_waker);
    // Tried in this order: the send arm (no receiver), then the future arm (the stream
    // listens), then the send arm registers.
    let first = poll_send_then_listen(&mut driver, &mut send, &mut listener, &mut cx);
    assert!(first.is_pending());
    assert_eq!(
        stream_wakes.wakes(),
        1,
        "the listening stream was not told that a sender now waits: \
         the select and the stream would wait on each other forever"
    );

    // Woken, the stream takes the value from the select's send entry...
    assert_eq!(
        poll_next(&mut rx.borrow_mut(), &stream_waker),
        Poll::Ready(Some(7))
    );
    // ...which completes the select's send arm.
    assert_eq!(select_wakes.wakes(), 1);
    let won = poll_send_then_listen(&mut driver, &mut send, &mut listener, &mut cx);
    assert_eq!(won, Poll::Ready(0));
    assert_eq!(send.take(), Ok(()));
}

/// The same interleaving inside one task: a select with a `send` arm and an `rx.next()` future
/// arm on one unbuffered channel. The listener is the select's own task, so registering the
/// send must not wake it: the task would poll, withdraw, register and wake itself again,
/// spinning where Go's select (a send and a receive on one unbuffered channel) blocks.
#[test]
fn a_select_send_does_not_wake_its_own_tasks_stream() {
    let (tx, rx) = chan::bounded::<u32>(0);
    let rx = RefCell::new(rx);
    let (select_wakes, select_waker) = counting_waker();

    let mut listen = pin!(poll_fn(|cx| {
        // The future arm is polled with the select's own waker, as in a real task.
        match poll_next(&mut rx.borrow_mut(), cx.waker()) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(v) => Poll::Ready(v),
        }
    }));
    let mut driver = SelectDriver::new();
    let mut send = SendCase::new(Some(&tx), 7);
    let mut listener = FutureCase::new(listen.as_mut());
    let mut cx = Context::from_waker(&select_waker);
    let first = poll_send_then_listen(&mut driver, &mut send, &mut listener, &mut cx);
    assert!(first.is_pending());
    assert_eq!(
        select_wakes.wakes(),
        0,
        "the select woke itself: it would spin instead of waiting"
    );

    // A receiver from another task still meets the waiting send arm.
    let other = rx.borrow().clone();
    assert_eq!(other.try_recv(), Ok(7));
    assert_eq!(select_wakes.wakes(), 1);
    let won = poll_send_then_listen(&mut driver, &mut send, &mut listener, &mut cx);
    assert_eq!(won, Poll::Ready(0));
    assert_eq!(send.take(), Ok(()));
}

/// A plain `send` future tries and registers under one lock: the try already wakes the
/// listener, and the woken stream finds the waiting sender.
#[test]
fn a_waiting_send_future_wakes_a_listening_stream() {
    let (tx, mut rx) = chan::bounded::<u32>(0);
    let (stream_wakes, stream_waker) = counting_waker();
    assert_eq!(poll_next(&mut rx, &stream_waker), Poll::Pending);

    let (send_wakes, send_waker) = counting_waker();
    let mut send = tx.send(7);
    let first = Pin::new(&mut send).poll(&mut Context::from_waker(&send_waker));
    assert!(
        first.is_pending(),
        "a stream listener is never handed a value"
    );
    assert_eq!(stream_wakes.wakes(), 1);

    assert_eq!(poll_next(&mut rx, &stream_waker), Poll::Ready(Some(7)));
    assert_eq!(send_wakes.wakes(), 1);
    let done = Pin::new(&mut send).poll(&mut Context::from_waker(&send_waker));
    assert_eq!(done, Poll::Ready(Ok(())));
}

/// A select's send arm registered while a stream listens, then the channel closes: both end.
#[test]
fn close_ends_a_registered_select_send_and_a_listening_stream() {
    let (tx, rx) = chan::bounded::<u32>(0);
    let rx = RefCell::new(rx);
    let (stream_wakes, stream_waker) = counting_waker();
    let (select_wakes, select_waker) = counting_waker();

    let mut listened = false;
    let mut listen = pin!(poll_fn(|_| {
        if !listened {
            listened = true;
            assert!(poll_next(&mut rx.borrow_mut(), &stream_waker).is_pending());
        }
        Poll::<()>::Pending
    }));
    let mut driver = SelectDriver::new();
    let mut send = SendCase::new(Some(&tx), 7);
    let mut listener = FutureCase::new(listen.as_mut());
    let mut cx = Context::from_waker(&select_waker);
    let first = poll_send_then_listen(&mut driver, &mut send, &mut listener, &mut cx);
    assert!(first.is_pending());
    // (With the fix the registration already woke the stream; it has not polled since.)

    assert!(tx.close());
    assert!(select_wakes.wakes() >= 1, "close wakes the waiting select");
    assert!(
        stream_wakes.wakes() >= 1,
        "close wakes the listening stream"
    );
    let won = poll_send_then_listen(&mut driver, &mut send, &mut listener, &mut cx);
    assert_eq!(won, Poll::Ready(0));
    assert_eq!(send.take(), Err(SendError(7)), "the value comes back");
    assert_eq!(
        poll_next(&mut rx.borrow_mut(), &stream_waker),
        Poll::Ready(None)
    );
}

/// The same select polled again and again while it waits, with the future arm tried first, so
/// that the send arm's try pass passes the listener its own future arm registered on the last
/// poll. It must not wake that listener (its own task): the task would poll again and wake
/// itself for ever, busy where Go's select blocks.
#[test]
fn a_waiting_select_does_not_wake_itself_through_its_own_stream_arm() {
    let (tx, rx) = chan::bounded::<u32>(0);
    let rx = RefCell::new(rx);
    let (select_wakes, select_waker) = counting_waker();
    let mut listen = pin!(poll_fn(|cx| poll_next(&mut rx.borrow_mut(), cx.waker())));
    let mut driver = SelectDriver::with_future_arms();
    let mut send = SendCase::new(Some(&tx), 7);
    let mut listener = FutureCase::new(listen.as_mut());
    let mut cx = Context::from_waker(&select_waker);
    // The future arm first: the send arm's try pass then passes its listener.
    let mut poll = || {
        poll_select(
            &mut driver,
            &mut [&mut send, &mut listener],
            &[1, 0],
            &mut cx,
        )
    };
    for _ in 0..10 {
        assert!(poll().is_pending());
    }
    assert_eq!(
        select_wakes.wakes(),
        0,
        "the waiting select woke itself: it would spin instead of waiting"
    );

    // A receiver in another task meets the waiting send arm and wakes the select.
    let other = rx.borrow().clone();
    assert_eq!(other.try_recv(), Ok(7));
    assert_eq!(select_wakes.wakes(), 1);
    assert_eq!(poll(), Poll::Ready(0));
    assert_eq!(send.take(), Ok(()));
}

/// With `SelectDriver::new` the select learns that it has future arms only when it first
/// registers, so a listener from its first poll is untagged and is woken once; never again,
/// whatever the order of the arms.
#[test]
fn a_driver_that_learns_of_its_future_arms_late_wakes_itself_once() {
    let (tx, rx) = chan::bounded::<u32>(0);
    let rx = RefCell::new(rx);
    let (select_wakes, select_waker) = counting_waker();
    let mut listen = pin!(poll_fn(|cx| poll_next(&mut rx.borrow_mut(), cx.waker())));
    let mut driver = SelectDriver::new();
    let mut send = SendCase::new(Some(&tx), 7);
    let mut listener = FutureCase::new(listen.as_mut());
    let mut cx = Context::from_waker(&select_waker);
    // The future arm first on the first poll: its listener is not yet known as the select's
    // own, and the send arm's try pass wakes it.
    for (i, order) in [[1, 0], [0, 1]].iter().cycle().take(12).enumerate() {
        let poll = poll_select(&mut driver, &mut [&mut send, &mut listener], order, &mut cx);
        assert!(poll.is_pending(), "poll {i}");
    }
    assert_eq!(select_wakes.wakes(), 1);
}

/// A listener of the same task that is *not* one of the select's arms (another future joined
/// with the select) is still woken by the select's send: only the select's own arms are left
/// alone, or the joined stream would wait for a sender that waits for it.
#[test]
fn a_select_send_wakes_a_stream_of_its_task_outside_the_select() {
    let (tx, mut rx) = chan::bounded::<u32>(0);
    let (wakes, waker) = counting_waker();
    // The joined stream listens first, with the task's waker.
    assert_eq!(poll_next(&mut rx, &waker), Poll::Pending);
    let mut driver = SelectDriver::with_future_arms();
    let mut send = SendCase::new(Some(&tx), 7);
    let mut never = pin!(std::future::pending::<()>());
    let mut other_arm = FutureCase::new(never.as_mut());
    let mut cx = Context::from_waker(&waker);
    for _ in 0..3 {
        assert!(
            poll_send_then_listen(&mut driver, &mut send, &mut other_arm, &mut cx).is_pending()
        );
        if wakes.wakes() > 0 {
            break;
        }
    }
    assert!(
        wakes.wakes() >= 1,
        "the joined stream was never told of the waiting send"
    );
    assert_eq!(poll_next(&mut rx, &waker), Poll::Ready(Some(7)));
    assert_eq!(
        poll_send_then_listen(&mut driver, &mut send, &mut other_arm, &mut cx),
        Poll::Ready(0)
    );
}
