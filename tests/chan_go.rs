//! Go's channel behaviours, as a Go programmer knows them, on `gort::chan`.
//!
//! In the spirit of Go's `runtime/chan_test.go` and crossbeam-channel's `golang.rs` (our own
//! code): FIFO per channel, the unbuffered rendezvous, non-blocking operations with and without
//! a waiting peer, close semantics (drain then `None`, values handed back, last end dropped),
//! `len`/`cap`, zero-size messages, Rob Pike's daisy chain and the concurrent prime sieve on
//! gort, timeouts, a panicking message destructor, the `Stream` and blocking iterator views,
//! error messages, auto traits, and FIFO service of blocked waiters.
//!
//! Where an interleaving matters, the test drives the futures by hand (poll once with a
//! no-op or counting waker) so that it is deterministic; threads and tasks are used for the
//! end-to-end versions, synchronised through channels, never through sleeps.

#[path = "common/flavor.rs"]
mod flavor;
use flavor::{Flavor, FLAVORS};

use futures::StreamExt;
use gort::chan::{
    self, Receiver, RecvTimeoutError, SendError, SendTimeoutError, Sender, TryRecvError,
    TrySendError,
};
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Barrier};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Polls `f` once with a waker that does nothing.
fn poll_once<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    Pin::new(f).poll(&mut Context::from_waker(Waker::noop()))
}

/// Polls `f` once with `waker`.
fn poll_with<F: Future + Unpin>(f: &mut F, waker: &Waker) -> Poll<F::Output> {
    Pin::new(f).poll(&mut Context::from_waker(waker))
}

/// A waker that counts its wake-ups.
#[derive(Default)]
struct WakeCount(AtomicUsize);

impl Wake for WakeCount {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn counting_waker() -> (Arc<WakeCount>, Waker) {
    let count = Arc::new(WakeCount::default());
    (count.clone(), Waker::from(count))
}

impl WakeCount {
    fn get(&self) -> usize {
        self.0.load(SeqCst)
    }
}

/// Counts how many times values of it are dropped.
struct Tracked(Arc<AtomicUsize>);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn runtime() -> gort::Runtime {
    gort::runtime::Builder::new()
        .worker_threads(2)
        .build()
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// Go's TestChan, over a range of capacities
// ---------------------------------------------------------------------------------------------

/// Capacities 0..=8 as in Go's `TestChan` (which goes to 20), plus unbounded.
fn go_capacities() -> impl Iterator<Item = Option<usize>> {
    (0..=8).map(Some).chain([None])
}

fn make_cap<T>(cap: Option<usize>) -> (Sender<T>, Receiver<T>) {
    match cap {
        Some(n) => chan::bounded(n),
        None => chan::unbounded(),
    }
}

#[test]
fn receive_from_an_empty_channel_blocks_and_try_recv_does_not() {
    for cap in go_capacities() {
        let (_tx, rx) = make_cap::<i32>(cap);
        let mut recv = rx.recv();
        assert!(poll_once(&mut recv).is_pending(), "cap {cap:?}");
        assert!(poll_once(&mut recv).is_pending(), "cap {cap:?}");
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "cap {cap:?}");
    }
}

#[test]
fn send_to_a_full_channel_blocks_and_try_send_does_not() {
    for cap in go_capacities().flatten() {
        let (tx, _rx) = chan::bounded(cap);
        for i in 0..cap {
            tx.try_send(i).unwrap();
        }
        let mut send = tx.send(cap);
        assert!(poll_once(&mut send).is_pending(), "cap {cap}");
        assert!(poll_once(&mut send).is_pending(), "cap {cap}");
        assert_eq!(tx.try_send(99), Err(TrySendError::Full(99)), "cap {cap}");
        assert_eq!(tx.len(), cap, "a blocked sender is not in the buffer");
    }
}

#[test]
fn close_unblocks_a_thread_blocked_in_receive() {
    for cap in go_capacities() {
        let (tx, rx) = make_cap::<i32>(cap);
        let (started_tx, started_rx) = chan::bounded(0);
        let receiver = thread::spawn(move || {
            started_tx.send_blocking(()).unwrap();
            rx.recv_blocking()
        });
        started_rx.recv_blocking().unwrap();
        assert!(tx.close());
        assert_eq!(receiver.join().unwrap(), None, "cap {cap:?}");
    }
}

#[test]
fn a_hundred_integers_arrive_uncorrupted_in_fifo_order() {
    for cap in go_capacities() {
        let (tx, rx) = make_cap::<u32>(cap);
        let producer = thread::spawn(move || {
            for i in 0..100 {
                tx.send_blocking(i).unwrap();
            }
        });
        for i in 0..100 {
            assert_eq!(rx.recv_blocking(), Some(i), "cap {cap:?}");
        }
        producer.join().unwrap();
        assert_eq!(
            rx.recv_blocking(),
            None,
            "cap {cap:?}: the last sender is gone"
        );
    }
}

#[test]
fn four_senders_four_receivers_every_value_received_exactly_as_often_as_sent() {
    // Go: P goroutines each send 0..L; consumers count how often each value arrived: P times.
    const P: usize = 4;
    const L: usize = 1000;
    for cap in go_capacities() {
        let (tx, rx) = make_cap::<usize>(cap);
        let senders: Vec<_> = (0..P)
            .map(|_| {
                let tx = tx.clone();
                thread::spawn(move || {
                    for i in 0..L {
                        tx.send_blocking(i).unwrap();
                    }
                })
            })
            .collect();
        drop(tx);
        let receivers: Vec<_> = (0..P)
            .map(|_| {
                let rx = rx.clone();
                thread::spawn(move || {
                    let mut seen = vec![0usize; L];
                    for v in rx.iter() {
                        seen[v] += 1;
                    }
                    seen
                })
            })
            .collect();
        drop(rx);
        for s in senders {
            s.join().unwrap();
        }
        let mut total = vec![0usize; L];
        for r in receivers {
            for (t, n) in total.iter_mut().zip(r.join().unwrap()) {
                *t += n;
            }
        }
        assert!(total.iter().all(|&n| n == P), "cap {cap:?}: {total:?}");
    }
}

#[test]
fn len_and_cap_follow_the_buffer() {
    for cap in go_capacities() {
        let (tx, rx) = make_cap::<usize>(cap);
        assert_eq!(tx.capacity(), cap);
        assert_eq!(rx.capacity(), cap);
        let fill = cap.unwrap_or(100);
        for i in 0..fill {
            tx.try_send(i).unwrap();
            assert_eq!(tx.len(), i + 1);
            assert_eq!(rx.len(), i + 1);
        }
        for i in 0..fill {
            assert_eq!(rx.try_recv(), Ok(i));
            assert_eq!(rx.len(), fill - i - 1);
        }
    }
}

#[test]
fn a_buffered_value_stays_receivable_while_the_channel_is_closed() {
    // Go's TestNonblockRecvRace: a non-blocking receive racing with close must find the
    // buffered value (or, if the closer took it first, the closed state), never "empty".
    for _ in 0..500 {
        let (tx, rx) = chan::bounded(1);
        tx.try_send(1).unwrap();
        let racer = {
            let rx = rx.clone();
            thread::spawn(move || rx.try_recv())
        };
        tx.close();
        let mine = rx.try_recv();
        let theirs = racer.join().unwrap();
        match (mine, theirs) {
            (Ok(1), Err(TryRecvError::Closed)) | (Err(TryRecvError::Closed), Ok(1)) => {}
            other => panic!("a ready channel looked empty: {other:?}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// FIFO per channel, every flavor
// ---------------------------------------------------------------------------------------------

#[test]
fn fifo_per_channel_on_every_flavor_between_threads() {
    const N: u32 = 2000;
    for flavor in FLAVORS {
        let (tx, rx) = flavor.make();
        let producer = thread::spawn(move || {
            for i in 0..N {
                tx.send_blocking(i).unwrap();
            }
        });
        let got: Vec<u32> = rx.iter().collect();
        producer.join().unwrap();
        assert_eq!(got, (0..N).collect::<Vec<_>>(), "{flavor:?}");
    }
}

#[test]
fn fifo_per_channel_on_every_flavor_between_gort_tasks() {
    const N: u32 = 2000;
    let rt = runtime();
    for flavor in FLAVORS {
        let got = rt.block_on(async move {
            let (tx, rx) = flavor.make();
            let producer = gort::spawn(async move {
                for i in 0..N {
                    tx.send(i).await.unwrap();
                }
            });
            let consumer = gort::spawn(async move {
                let mut got = Vec::new();
                while let Some(v) = rx.recv().await {
                    got.push(v);
                }
                got
            });
            producer.await.unwrap();
            consumer.await.unwrap()
        });
        assert_eq!(got, (0..N).collect::<Vec<_>>(), "{flavor:?}");
    }
}

#[test]
fn fifo_per_sender_with_several_senders() {
    // With several senders, each sender's values still arrive in the order it sent them.
    const SENDERS: u32 = 4;
    const N: u32 = 1000;
    for flavor in FLAVORS {
        let (tx, rx) = flavor.make();
        let producers: Vec<_> = (0..SENDERS)
            .map(|s| {
                let tx = tx.clone();
                thread::spawn(move || {
                    for i in 0..N {
                        tx.send_blocking((s, i)).unwrap();
                    }
                })
            })
            .collect();
        drop(tx);
        let mut next = [0u32; SENDERS as usize];
        for (s, i) in rx.iter() {
            assert_eq!(i, next[s as usize], "{flavor:?}: sender {s} out of order");
            next[s as usize] += 1;
        }
        for p in producers {
            p.join().unwrap();
        }
        assert_eq!(next, [N; SENDERS as usize], "{flavor:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// The unbuffered rendezvous
// ---------------------------------------------------------------------------------------------

#[test]
fn unbuffered_send_completes_only_once_a_receiver_took_the_value() {
    let (tx, rx) = chan::bounded(0);
    let (count, waker) = counting_waker();
    let mut send = tx.send(7);
    assert!(poll_with(&mut send, &waker).is_pending(), "no receiver yet");
    assert!(
        rx.is_empty(),
        "the value waits in the sender, not in a buffer"
    );
    assert_eq!(count.get(), 0);
    assert_eq!(
        rx.try_recv(),
        Ok(7),
        "a receiver takes it straight from the sender"
    );
    assert_eq!(count.get(), 1, "the sender is woken by the receiver");
    assert_eq!(poll_once(&mut send), Poll::Ready(Ok(())));
}

#[test]
fn unbuffered_send_returns_after_the_receiver_arrived_across_threads() {
    // Go's memory model: a receive from an unbuffered channel is synchronised before the
    // completion of the corresponding send. So whatever the receiver did before its `i`-th
    // receive is visible once the `i`-th send returns. A buffered channel lets the sender run
    // ahead of the receiver and would fail this (the receiver dawdles before each receive to
    // give it every chance to).
    const N: usize = 500;
    let (tx, rx) = chan::bounded::<usize>(0);
    let arrived = Arc::new(AtomicUsize::new(0));
    let receiver = {
        let arrived = arrived.clone();
        thread::spawn(move || {
            for i in 1..=N {
                for _ in 0..(i % 7) * 50 {
                    std::hint::spin_loop();
                }
                arrived.store(i, SeqCst);
                assert_eq!(rx.recv_blocking(), Some(i));
            }
        })
    };
    for i in 1..=N {
        tx.send_blocking(i).unwrap();
        let seen = arrived.load(SeqCst);
        assert!(
            seen >= i,
            "send {i} returned before receive {i} began (saw {seen})"
        );
    }
    receiver.join().unwrap();
}

#[test]
fn unbuffered_direct_hand_off_to_a_waiting_receiver() {
    let (tx, rx) = chan::bounded(0);
    let (count, waker) = counting_waker();
    let mut recv = rx.recv();
    assert!(poll_with(&mut recv, &waker).is_pending());
    let mut send = tx.send("hi");
    assert_eq!(
        poll_once(&mut send),
        Poll::Ready(Ok(())),
        "a waiting receiver takes the value at once"
    );
    assert_eq!(count.get(), 1);
    assert_eq!(poll_once(&mut recv), Poll::Ready(Some("hi")));
}

#[test]
fn gort_tasks_ping_pong_over_unbuffered_channels() {
    const ROUNDS: u32 = 2000;
    runtime().block_on(async {
        let (ping_tx, ping_rx) = chan::bounded::<u32>(0);
        let (pong_tx, pong_rx) = chan::bounded::<u32>(0);
        let ponger = gort::spawn(async move {
            while let Some(v) = ping_rx.recv().await {
                pong_tx.send(v + 1).await.unwrap();
            }
        });
        let mut v = 0;
        for _ in 0..ROUNDS {
            ping_tx.send(v).await.unwrap();
            v = pong_rx.recv().await.unwrap();
        }
        assert_eq!(v, ROUNDS);
        drop(ping_tx);
        ponger.await.unwrap();
    });
}

// ---------------------------------------------------------------------------------------------
// Non-blocking operations, every flavor, with and without a waiting peer
// ---------------------------------------------------------------------------------------------

#[test]
fn try_recv_on_an_empty_channel_is_empty_on_every_flavor() {
    for flavor in FLAVORS {
        let (_tx, rx) = flavor.make::<i32>();
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "{flavor:?}");
    }
}

#[test]
fn try_send_without_a_waiting_receiver_fills_the_buffer_then_is_full() {
    for flavor in FLAVORS {
        let (tx, rx) = flavor.make();
        let room = flavor.cap().unwrap_or(10_000);
        for i in 0..room {
            assert_eq!(tx.try_send(i), Ok(()), "{flavor:?}");
        }
        if flavor.cap().is_some() {
            let err = tx.try_send(room).unwrap_err();
            assert_eq!(err, TrySendError::Full(room), "{flavor:?}");
            assert_eq!(err.into_inner(), room);
        }
        for i in 0..room {
            assert_eq!(rx.try_recv(), Ok(i), "{flavor:?}");
        }
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "{flavor:?}");
    }
}

#[test]
fn try_send_succeeds_when_a_receiver_is_waiting_on_every_flavor() {
    // On an unbuffered channel this is the only way try_send can succeed (Go's
    // `select { case ch <- v: default: }` with a receiver parked).
    for flavor in FLAVORS {
        let (tx, rx) = flavor.make();
        let mut recv = rx.recv();
        assert!(poll_once(&mut recv).is_pending());
        assert_eq!(tx.try_send(5), Ok(()), "{flavor:?}");
        assert!(tx.is_empty(), "{flavor:?}: handed over, not buffered");
        assert_eq!(poll_once(&mut recv), Poll::Ready(Some(5)), "{flavor:?}");
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "{flavor:?}");
    }
}

#[test]
fn try_send_to_a_thread_blocked_in_recv_on_an_unbuffered_channel() {
    // End to end: keep trying until the receiver thread is parked; then the try succeeds.
    let (tx, rx) = chan::bounded(0);
    let receiver = thread::spawn(move || rx.recv_blocking());
    let mut value = 42;
    loop {
        match tx.try_send(value) {
            Ok(()) => break,
            Err(TrySendError::Full(v)) => {
                value = v;
                thread::yield_now();
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(receiver.join().unwrap(), Some(42));
}

#[test]
fn try_recv_takes_from_a_blocked_sender_on_every_flavor() {
    for flavor in FLAVORS {
        let Some(cap) = flavor.cap() else { continue }; // unbounded senders never block
        let (tx, rx) = flavor.make();
        for i in 0..cap {
            tx.try_send(i).unwrap();
        }
        let mut send = tx.send(cap);
        assert!(poll_once(&mut send).is_pending(), "{flavor:?}");
        // The buffered values come first, then the blocked sender's, whose send completes.
        assert_eq!(rx.try_recv(), Ok(0), "{flavor:?}");
        assert_eq!(poll_once(&mut send), Poll::Ready(Ok(())), "{flavor:?}");
        for i in 1..=cap {
            assert_eq!(rx.try_recv(), Ok(i), "{flavor:?}");
        }
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "{flavor:?}");
    }
}

#[test]
fn try_operations_on_a_closed_channel_on_every_flavor() {
    for flavor in FLAVORS {
        let (tx, rx) = flavor.make::<i32>();
        tx.close();
        assert_eq!(tx.try_send(3), Err(TrySendError::Closed(3)), "{flavor:?}");
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed), "{flavor:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Close
// ---------------------------------------------------------------------------------------------

#[test]
fn close_drains_buffered_values_then_returns_none() {
    for flavor in [Flavor::Sixteen, Flavor::Unbounded] {
        let (tx, rx) = flavor.make();
        for i in 0..3 {
            tx.try_send(i).unwrap();
        }
        assert!(tx.close());
        assert!(rx.is_closed() && tx.is_closed());
        assert_eq!(rx.len(), 3);
        futures::executor::block_on(async {
            for i in 0..3 {
                assert_eq!(rx.recv().await, Some(i), "{flavor:?}");
            }
            assert_eq!(rx.recv().await, None, "{flavor:?}");
            assert_eq!(rx.recv().await, None, "{flavor:?}: and stays so");
        });
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
        assert_eq!(rx.recv_blocking(), None);
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(5)),
            Err(RecvTimeoutError::Closed)
        );
    }
}

#[test]
fn sends_on_a_closed_channel_give_the_value_back() {
    for flavor in FLAVORS {
        let (tx, _rx) = flavor.make::<String>();
        tx.close();
        let v = || String::from("v");
        let err = futures::executor::block_on(tx.send(v())).unwrap_err();
        assert_eq!(err, SendError(v()));
        assert_eq!(err.into_inner(), "v");
        assert_eq!(tx.try_send(v()).unwrap_err().into_inner(), "v");
        assert_eq!(tx.send_blocking(v()).unwrap_err().into_inner(), "v");
        let err = tx.send_timeout(v(), Duration::from_secs(5)).unwrap_err();
        assert!(matches!(err, SendTimeoutError::Closed(_)), "{flavor:?}");
        assert_eq!(err.into_inner(), "v");
    }
}

#[test]
fn dropping_the_last_sender_closes_the_channel() {
    for flavor in FLAVORS {
        let (tx, rx) = flavor.make::<i32>();
        let tx2 = tx.clone();
        if flavor != Flavor::Zero {
            tx.try_send(1).unwrap();
        }
        drop(tx);
        assert!(!rx.is_closed(), "{flavor:?}: one sender is left");
        drop(tx2);
        assert!(rx.is_closed(), "{flavor:?}");
        if flavor != Flavor::Zero {
            assert_eq!(rx.recv_blocking(), Some(1), "{flavor:?}: drained first");
        }
        assert_eq!(rx.recv_blocking(), None, "{flavor:?}");
    }
}

#[test]
fn dropping_the_last_receiver_closes_the_channel() {
    for flavor in FLAVORS {
        let (tx, rx) = flavor.make::<i32>();
        let rx2 = rx.clone();
        drop(rx);
        assert!(!tx.is_closed(), "{flavor:?}: one receiver is left");
        drop(rx2);
        assert!(tx.is_closed(), "{flavor:?}");
        assert_eq!(tx.send_blocking(4), Err(SendError(4)), "{flavor:?}");
    }
}

#[test]
fn closing_twice_is_harmless_and_returns_false() {
    for flavor in FLAVORS {
        let (tx, rx) = flavor.make::<i32>();
        assert!(!tx.is_closed());
        assert!(rx.close(), "{flavor:?}: this call closed it");
        assert!(!rx.close(), "{flavor:?}");
        assert!(!tx.close(), "{flavor:?}");
        drop(tx); // the last sender, on a closed channel: still harmless
        assert!(rx.is_closed());
    }
}

#[test]
fn close_wakes_blocked_receivers_and_senders_with_their_outcome() {
    for flavor in FLAVORS {
        // Receivers blocked on an empty channel.
        let (tx, rx) = flavor.make::<i32>();
        let wakers: Vec<_> = (0..3).map(|_| counting_waker()).collect();
        let mut recvs: Vec<_> = (0..3).map(|_| rx.recv()).collect();
        for (r, (_, w)) in recvs.iter_mut().zip(&wakers) {
            assert!(poll_with(r, w).is_pending());
        }
        assert!(tx.close());
        for (r, (count, _)) in recvs.iter_mut().zip(&wakers) {
            assert_eq!(count.get(), 1, "{flavor:?}: a blocked receiver is woken");
            assert_eq!(poll_once(r), Poll::Ready(None), "{flavor:?}");
        }

        // Senders blocked on a full channel get their values back.
        let Some(cap) = flavor.cap() else { continue };
        let (tx, rx) = flavor.make::<usize>();
        for i in 0..cap {
            tx.try_send(i).unwrap();
        }
        let wakers: Vec<_> = (0..3).map(|_| counting_waker()).collect();
        let mut sends: Vec<_> = (0..3).map(|i| tx.send(100 + i)).collect();
        for (s, (_, w)) in sends.iter_mut().zip(&wakers) {
            assert!(poll_with(s, w).is_pending());
        }
        assert!(rx.close());
        for (i, (s, (count, _))) in sends.iter_mut().zip(&wakers).enumerate() {
            assert_eq!(count.get(), 1, "{flavor:?}: a blocked sender is woken");
            assert_eq!(poll_once(s), Poll::Ready(Err(SendError(100 + i))));
        }
        for i in 0..cap {
            assert_eq!(
                rx.try_recv(),
                Ok(i),
                "{flavor:?}: buffered values survive close"
            );
        }
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    }
}

#[test]
fn close_wakes_threads_and_tasks_blocked_on_both_sides() {
    let rt = runtime();
    for flavor in [Flavor::Zero, Flavor::One] {
        let (tx, rx) = flavor.make::<u32>();
        let (full_tx, full_rx) = flavor.make::<u32>();
        if flavor == Flavor::One {
            full_tx.try_send(0).unwrap();
        }
        let ready = Arc::new(Barrier::new(5));
        let mut threads = Vec::new();
        for _ in 0..2 {
            let (rx, go) = (rx.clone(), ready.clone());
            threads.push(thread::spawn(move || {
                go.wait();
                rx.recv_blocking().map_or(0, |_| 1)
            }));
            let (full_tx, go) = (full_tx.clone(), ready.clone());
            threads.push(thread::spawn(move || {
                go.wait();
                full_tx
                    .send_blocking(7)
                    .map_or_else(|e| e.into_inner(), |()| 1)
            }));
        }
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                let (rx, full_tx) = (rx.clone(), full_tx.clone());
                rt.spawn(async move {
                    let got = rx.recv().await;
                    let sent = full_tx.send(9).await;
                    (got, sent.map_err(SendError::into_inner))
                })
            })
            .collect();
        ready.wait();
        assert!(tx.close());
        assert!(full_rx.close());
        for t in threads {
            let result = t.join().unwrap();
            assert!(result == 0 || result == 7, "{flavor:?}: {result}");
        }
        for t in tasks {
            assert_eq!(rt.block_on(t).unwrap(), (None, Err(9)), "{flavor:?}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// len, capacity, is_empty, is_full
// ---------------------------------------------------------------------------------------------

#[test]
fn len_capacity_empty_full_on_every_flavor() {
    for flavor in FLAVORS {
        let (tx, rx) = flavor.make::<u8>();
        assert_eq!(tx.capacity(), flavor.cap(), "{flavor:?}");
        assert_eq!(rx.capacity(), flavor.cap(), "{flavor:?}");
        assert_eq!((tx.len(), rx.len()), (0, 0));
        assert!(tx.is_empty() && rx.is_empty());
        match flavor.cap() {
            Some(0) => {
                // Go: len(ch) == cap(ch) == 0, so an unbuffered channel is always "full".
                assert!(tx.is_full() && rx.is_full());
                let mut send = tx.send(1);
                assert!(poll_once(&mut send).is_pending());
                assert_eq!(rx.len(), 0, "a blocked sender is not counted");
                assert!(rx.is_empty());
            }
            Some(cap) => {
                assert!(!tx.is_full());
                for i in 0..cap {
                    tx.try_send(i as u8).unwrap();
                    assert_eq!(rx.len(), i + 1);
                    assert!(!rx.is_empty());
                }
                assert!(tx.is_full() && rx.is_full(), "{flavor:?}");
                rx.try_recv().unwrap();
                assert!(!tx.is_full(), "{flavor:?}");
                assert_eq!(tx.len(), cap - 1);
            }
            None => {
                for i in 0..1000 {
                    tx.try_send((i % 256) as u8).unwrap();
                    assert!(!tx.is_full() && !rx.is_full());
                }
                assert_eq!(rx.len(), 1000);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Zero-size messages
// ---------------------------------------------------------------------------------------------

#[test]
fn zero_size_messages_on_every_flavor() {
    const N: usize = 1000;
    for flavor in FLAVORS {
        let (tx, rx) = flavor.make::<()>();
        if let Some(cap) = flavor.cap() {
            for _ in 0..cap {
                tx.try_send(()).unwrap();
            }
            assert_eq!(rx.len(), cap);
            assert_eq!(tx.try_send(()), Err(TrySendError::Full(())), "{flavor:?}");
            for _ in 0..cap {
                rx.try_recv().unwrap();
            }
        }
        let producer = thread::spawn(move || {
            for _ in 0..N {
                tx.send_blocking(()).unwrap();
            }
        });
        assert_eq!(rx.iter().count(), N, "{flavor:?}");
        producer.join().unwrap();
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    }
}

// ---------------------------------------------------------------------------------------------
// Classics on gort
// ---------------------------------------------------------------------------------------------

#[test]
fn daisy_chain_of_ten_thousand_tasks() {
    // Rob Pike, "Go Concurrency Patterns": each gopher whispers to its left 1 + what it heard
    // from its right; the rightmost hears 1, the leftmost hears N + 1.
    const N: usize = 10_000;
    let rt = runtime();
    let heard = rt.block_on(async {
        let (leftmost_tx, leftmost_rx) = chan::bounded::<usize>(0);
        let mut left = leftmost_tx;
        for _ in 0..N {
            let (right_tx, right_rx) = chan::bounded(0);
            gort::spawn(async move {
                let v = right_rx.recv().await.expect("the right neighbour whispers");
                left.send(1 + v).await.expect("the left neighbour listens");
            });
            left = right_tx;
        }
        gort::spawn(async move { left.send(1).await.unwrap() });
        leftmost_rx.recv().await
    });
    assert_eq!(heard, Some(N + 1));
    drop(rt);
}

#[test]
fn concurrent_prime_sieve_finds_the_first_hundred_primes() {
    // The sieve from the Go tour / go.dev/play: a generator, then one filter task per prime.
    async fn generate(tx: Sender<u64>) {
        let mut i = 2;
        while tx.send(i).await.is_ok() {
            i += 1;
        }
    }
    async fn filter(rx: Receiver<u64>, tx: Sender<u64>, prime: u64) {
        while let Some(i) = rx.recv().await {
            if i % prime != 0 && tx.send(i).await.is_err() {
                return; // downstream is gone: stop, and so close our upstream
            }
        }
    }
    let expected: Vec<u64> = (2u64..)
        .filter(|n| (2..*n).take_while(|d| d * d <= *n).all(|d| n % d != 0))
        .take(100)
        .collect();
    let rt = runtime();
    let primes = rt.block_on(async {
        let (tx, mut rx) = chan::bounded(0);
        let mut tasks = vec![gort::spawn(generate(tx))];
        let mut primes = Vec::new();
        for _ in 0..100 {
            let prime = rx.recv().await.unwrap();
            primes.push(prime);
            let (tx1, rx1) = chan::bounded(0);
            tasks.push(gort::spawn(filter(rx, tx1, prime)));
            rx = rx1;
        }
        // Dropping the last receiver shuts the whole pipeline down, filter by filter.
        drop(rx);
        for t in tasks {
            t.await.unwrap();
        }
        primes
    });
    assert_eq!(primes, expected);
    assert_eq!(primes[99], 541);
}

// ---------------------------------------------------------------------------------------------
// Timeouts
// ---------------------------------------------------------------------------------------------

#[test]
fn recv_timeout_with_zero_duration_is_a_plain_try() {
    for flavor in FLAVORS {
        let (tx, rx) = flavor.make::<i32>();
        let start = Instant::now();
        assert_eq!(
            rx.recv_timeout(Duration::ZERO),
            Err(RecvTimeoutError::Timeout)
        );
        assert!(start.elapsed() < Duration::from_secs(1), "it does not wait");
        if flavor == Flavor::Zero {
            // A plain try takes from a blocked sender.
            let mut send = tx.send(1);
            assert!(poll_once(&mut send).is_pending());
            assert_eq!(rx.recv_timeout(Duration::ZERO), Ok(1));
            assert_eq!(poll_once(&mut send), Poll::Ready(Ok(())));
        } else {
            tx.try_send(1).unwrap();
            assert_eq!(rx.recv_timeout(Duration::ZERO), Ok(1), "{flavor:?}");
        }
        tx.close();
        assert_eq!(
            rx.recv_timeout(Duration::ZERO),
            Err(RecvTimeoutError::Closed)
        );
    }
}

#[test]
fn recv_timeout_times_out_and_loses_nothing() {
    let (tx, rx) = chan::bounded::<i32>(1);
    assert_eq!(
        rx.recv_timeout(Duration::from_millis(20)),
        Err(RecvTimeoutError::Timeout)
    );
    tx.try_send(1).unwrap();
    assert_eq!(rx.try_recv(), Ok(1), "the timed-out receive left no trace");
    let sender = thread::spawn(move || tx.send_blocking(2));
    assert_eq!(rx.recv_timeout(Duration::from_secs(30)), Ok(2));
    sender.join().unwrap().unwrap();
}

#[test]
fn send_timeout_gives_the_value_back_on_timeout() {
    for flavor in [Flavor::Zero, Flavor::One, Flavor::Sixteen] {
        let (tx, rx) = flavor.make::<String>();
        let cap = flavor.cap().unwrap();
        for i in 0..cap {
            tx.try_send(i.to_string()).unwrap();
        }
        let err = tx
            .send_timeout("late".into(), Duration::from_millis(20))
            .unwrap_err();
        assert!(matches!(err, SendTimeoutError::Timeout(_)), "{flavor:?}");
        assert_eq!(err.into_inner(), "late");
        // Zero duration: one attempt, then the value comes back.
        let err = tx.send_timeout("now".into(), Duration::ZERO).unwrap_err();
        assert_eq!(err.into_inner(), "now");
        // Nothing of the timed-out sends was left behind.
        assert_eq!(rx.len(), cap);
        for i in 0..cap {
            assert_eq!(rx.try_recv(), Ok(i.to_string()));
        }
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "{flavor:?}");
    }
}

#[test]
fn send_timeout_succeeds_when_a_receiver_comes_in_time() {
    let (tx, rx) = chan::bounded(0);
    let receiver = thread::spawn(move || rx.recv_blocking());
    tx.send_timeout(3, Duration::from_secs(30)).unwrap();
    assert_eq!(receiver.join().unwrap(), Some(3));
    // With a receiver already waiting, even a zero timeout hands the value over.
    let (tx, rx) = chan::bounded(0);
    let mut recv = rx.recv();
    assert!(poll_once(&mut recv).is_pending());
    tx.send_timeout(4, Duration::ZERO).unwrap();
    assert_eq!(poll_once(&mut recv), Poll::Ready(Some(4)));
}

/// `Duration::MAX` (too far to add to `Instant::now()`) means "wait as long as it takes",
/// as in std's and crossbeam's channels, rather than a panic that would drop the value.
#[test]
fn timeouts_too_far_to_represent_wait_as_long_as_it_takes() {
    let (tx, rx) = chan::bounded(0);
    let receiver = thread::spawn(move || rx.recv_timeout(Duration::MAX));
    tx.send_timeout(5, Duration::MAX).unwrap();
    assert_eq!(receiver.join().unwrap(), Ok(5));
}

// ---------------------------------------------------------------------------------------------
// Panicking destructors
// ---------------------------------------------------------------------------------------------

/// A message whose destructor panics when `armed`; every drop is counted.
struct Bomb {
    armed: bool,
    drops: Arc<AtomicUsize>,
}

impl Drop for Bomb {
    fn drop(&mut self) {
        self.drops.fetch_add(1, SeqCst);
        if self.armed && !thread::panicking() {
            panic!("Bomb dropped");
        }
    }
}

#[test]
fn a_panicking_message_destructor_in_a_dropped_channel_drops_the_others() {
    for flavor in [Flavor::Sixteen, Flavor::Unbounded] {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = flavor.make();
        let bomb = |armed| Bomb {
            armed,
            drops: drops.clone(),
        };
        tx.try_send(bomb(false)).unwrap();
        tx.try_send(bomb(true)).unwrap();
        tx.try_send(bomb(false)).unwrap();
        drop(tx);
        let result = catch_unwind(AssertUnwindSafe(move || drop(rx)));
        assert!(
            result.is_err(),
            "the destructor's panic reaches the dropper"
        );
        assert_eq!(
            drops.load(SeqCst),
            3,
            "{flavor:?}: every buffered message is dropped"
        );
    }
}

#[test]
fn a_panicking_message_destructor_does_not_corrupt_a_live_channel() {
    for flavor in [Flavor::Zero, Flavor::One] {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = flavor.make::<Bomb>();
        let bomb = |armed| Bomb {
            armed,
            drops: drops.clone(),
        };
        if flavor == Flavor::One {
            tx.try_send(bomb(false)).unwrap();
        }
        // A blocked send of a panicking message, then a later waiter behind it.
        let mut doomed = tx.send(bomb(true));
        assert!(poll_once(&mut doomed).is_pending());
        let (count, waker) = counting_waker();
        let mut behind = tx.send(bomb(false));
        assert!(poll_with(&mut behind, &waker).is_pending());
        // Cancelling the doomed send drops its message, which panics in the canceller.
        let result = catch_unwind(AssertUnwindSafe(move || drop(doomed)));
        assert!(result.is_err());
        assert_eq!(drops.load(SeqCst), 1);
        // The channel still works: the send behind it is served next.
        if flavor == Flavor::One {
            assert!(rx.try_recv().is_ok_and(|first| !first.armed));
        }
        assert!(rx.try_recv().is_ok_and(|second| !second.armed));
        assert_eq!(count.get(), 1);
        assert!(matches!(poll_once(&mut behind), Poll::Ready(Ok(()))));
        assert!(matches!(rx.try_recv(), Err(TryRecvError::Empty)));
        let sender = {
            let tx = tx.clone();
            let last = bomb(false);
            thread::spawn(move || tx.send_blocking(last).is_ok())
        };
        assert!(rx.recv_blocking().is_some_and(|b| !b.armed));
        assert!(sender.join().unwrap());
        drop(behind);
        drop((tx, rx));
        let expected = if flavor == Flavor::One { 4 } else { 3 };
        assert_eq!(
            drops.load(SeqCst),
            expected,
            "{flavor:?}: each message dropped once"
        );
    }
}

/// A waker whose `wake` panics.
struct PanickingWaker;

impl Wake for PanickingWaker {
    fn wake(self: Arc<Self>) {
        panic!("waker panicked");
    }
}

#[test]
fn a_panicking_waker_does_not_keep_other_waiters_asleep_on_close() {
    let (tx, rx) = chan::bounded::<i32>(0);
    let bad = Waker::from(Arc::new(PanickingWaker));
    let mut first = rx.recv();
    assert!(poll_with(&mut first, &bad).is_pending());
    let (count, good) = counting_waker();
    let mut second = rx.recv();
    assert!(poll_with(&mut second, &good).is_pending());
    let _ = catch_unwind(AssertUnwindSafe(|| tx.close()));
    assert_eq!(
        count.get(),
        1,
        "the second receiver was never woken: it would sleep forever"
    );
    assert_eq!(poll_once(&mut second), Poll::Ready(None));
}

// ---------------------------------------------------------------------------------------------
// Cancellation, Go-visible
// ---------------------------------------------------------------------------------------------

#[test]
fn a_dropped_send_on_an_unbuffered_channel_counts_only_if_taken() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = chan::bounded(0);
    // Taken while it waited: the rendezvous happened; dropping the future changes nothing.
    let mut send = tx.send(Tracked(drops.clone()));
    assert!(poll_once(&mut send).is_pending());
    let got = rx.try_recv().unwrap();
    drop(send);
    assert_eq!(drops.load(SeqCst), 0, "the receiver owns it");
    drop(got);
    assert_eq!(drops.load(SeqCst), 1);
    // Not taken: nothing was sent, the value dies with the future.
    let mut send = tx.send(Tracked(drops.clone()));
    assert!(poll_once(&mut send).is_pending());
    drop(send);
    assert_eq!(drops.load(SeqCst), 2);
    assert!(matches!(rx.try_recv(), Err(TryRecvError::Empty)));
}

/// API.md: a dropped send delivers its value only if a receiver took it. When a receive frees a
/// slot of a full buffer, the first waiting send's value moves in (as in Go); if that send is
/// dropped before it ran again, and no receiver has taken the value, it comes back out and the
/// slot passes on.
#[test]
fn a_dropped_send_moved_into_the_buffer_sends_nothing_and_passes_the_slot_on() {
    let (tx, rx) = chan::bounded(1);
    tx.try_send(1).unwrap();
    let (c2, w2) = counting_waker();
    let (c3, w3) = counting_waker();
    let mut s2 = tx.send(2);
    let mut s3 = tx.send(3);
    assert!(poll_with(&mut s2, &w2).is_pending());
    assert!(poll_with(&mut s3, &w3).is_pending());
    assert_eq!(rx.try_recv(), Ok(1)); // 2 moves into the freed slot
    assert_eq!(
        (c2.get(), c3.get()),
        (1, 0),
        "the first waiting send gets the slot"
    );
    assert_eq!(
        tx.try_send(9),
        Err(TrySendError::Full(9)),
        "a new send cannot pass it"
    );
    assert_eq!(rx.len(), 1, "2 is in the buffer, as in Go");
    drop(s2); // woken, but gone before it ran: 2 comes back out
    assert_eq!(c3.get(), 1, "the slot passes to the next waiting send");
    assert_eq!(poll_once(&mut s3), Poll::Ready(Ok(())));
    assert_eq!(rx.try_recv(), Ok(3));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "2 was never sent");
}

#[test]
fn a_send_whose_moved_value_was_received_stays_sent_when_dropped() {
    let (tx, rx) = chan::bounded(1);
    tx.try_send(1).unwrap();
    let (c3, w3) = counting_waker();
    let mut s2 = tx.send(2);
    let mut s3 = tx.send(3);
    assert!(poll_once(&mut s2).is_pending());
    assert!(poll_with(&mut s3, &w3).is_pending());
    assert_eq!(rx.try_recv(), Ok(1)); // 2 moves into the freed slot
    assert_eq!(rx.try_recv(), Ok(2)); // received: the send of 2 is done for good
    assert_eq!(c3.get(), 1, "3 moved into the slot 2 left");
    drop(s2); // it was sent: dropping the future changes nothing
    assert_eq!(rx.try_recv(), Ok(3));
    assert_eq!(poll_once(&mut s3), Poll::Ready(Ok(())));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

/// The same rule for a select's send case: moved into a freed slot, its select has won;
/// dropped before it ran again, it sent nothing.
#[test]
fn a_dropped_select_whose_send_was_moved_into_the_buffer_sends_nothing() {
    use gort::chan::select::{poll_select, SelectDriver, SendCase};
    for run_again in [false, true] {
        let (tx, rx) = chan::bounded(1);
        tx.try_send(1).unwrap();
        let (count, waker) = counting_waker();
        let mut cx = Context::from_waker(&waker);
        let mut driver = SelectDriver::new();
        let mut case = SendCase::new(Some(&tx), 2);
        assert!(poll_select(&mut driver, &mut [&mut case], &[0], &mut cx).is_pending());
        let mut s3 = tx.send(3);
        assert!(poll_once(&mut s3).is_pending());
        assert_eq!(rx.try_recv(), Ok(1)); // the select's 2 moves into the freed slot
        assert_eq!(count.get(), 1);
        if run_again {
            let won = poll_select(&mut driver, &mut [&mut case], &[0], &mut cx);
            assert_eq!(won, Poll::Ready(0));
            assert_eq!(case.take(), Ok(()));
            assert_eq!(rx.try_recv(), Ok(2));
        } else {
            drop(case); // the select is dropped before it ran again: 2 comes back out
            assert_eq!(rx.try_recv(), Ok(3), "the slot passed on to 3");
        }
        assert_eq!(poll_once(&mut s3), Poll::Ready(Ok(())));
        if run_again {
            assert_eq!(rx.try_recv(), Ok(3));
        }
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    }
}

#[test]
fn a_dropped_receive_passes_its_value_and_wake_up_on() {
    for flavor in FLAVORS {
        let (tx, rx) = flavor.make();
        let (c1, w1) = counting_waker();
        let (c2, w2) = counting_waker();
        let mut r1 = rx.recv();
        let mut r2 = rx.recv();
        assert!(poll_with(&mut r1, &w1).is_pending());
        assert!(poll_with(&mut r2, &w2).is_pending());
        tx.try_send(1).unwrap();
        assert_eq!(
            (c1.get(), c2.get()),
            (1, 0),
            "{flavor:?}: the first waiter is served"
        );
        drop(r1); // woken, but gone before it looked
        assert_eq!(c2.get(), 1, "{flavor:?}: the wake-up passes on");
        assert_eq!(poll_once(&mut r2), Poll::Ready(Some(1)), "{flavor:?}");
    }
}

#[test]
fn a_dropped_receive_gives_its_value_back_in_front() {
    for flavor in [Flavor::One, Flavor::Sixteen, Flavor::Unbounded] {
        let (tx, rx) = flavor.make();
        let mut r = rx.recv();
        assert!(poll_once(&mut r).is_pending());
        tx.try_send(1).unwrap(); // handed to `r`
        tx.try_send(2).unwrap(); // buffered behind it
        drop(r);
        assert_eq!(
            rx.try_recv(),
            Ok(1),
            "{flavor:?}: the oldest value is still first"
        );
        assert_eq!(rx.try_recv(), Ok(2), "{flavor:?}");
    }
}

#[test]
fn after_a_give_back_overfills_the_buffer_a_blocked_sender_waits_for_real_room() {
    // bounded(1): `r` is handed 1, then 2 fills the buffer and a sender blocks with 3. `r` is
    // dropped: 1 goes back in front, so the buffer briefly holds 2 values. The blocked send
    // completes only when its value fits, and the order stays 1, 2, 3.
    let (tx, rx) = chan::bounded(1);
    let mut r = rx.recv();
    assert!(poll_once(&mut r).is_pending());
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    let mut send = tx.send(3);
    assert!(poll_once(&mut send).is_pending());
    drop(r);
    assert_eq!(rx.len(), 2);
    assert!(rx.is_full());
    assert_eq!(tx.try_send(4), Err(TrySendError::Full(4)));
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(
        poll_once(&mut send).is_pending(),
        "no room yet: 2 fills the buffer"
    );
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(poll_once(&mut send), Poll::Ready(Ok(())));
    assert_eq!(rx.try_recv(), Ok(3));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn a_receive_dropped_while_the_channel_closes_keeps_its_value_before_none() {
    for flavor in FLAVORS {
        let (tx, rx) = flavor.make();
        let mut r = rx.recv();
        assert!(poll_once(&mut r).is_pending());
        tx.try_send(1).unwrap(); // handed to `r`
        drop(tx); // closed
        drop(r); // gone without taking it
        assert_eq!(rx.try_recv(), Ok(1), "{flavor:?}: received before the end");
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed), "{flavor:?}");
    }
}

#[test]
fn a_receiver_waiting_at_close_gets_a_value_given_back_after_close() {
    // r1 was handed 1, r2 waits; the channel closes; r1 is dropped without taking 1. The
    // contract: what a dropped receive had been offered "is received before the end-of-channel
    // None even when the channel is being closed at that moment". So r2 gets 1, not None.
    for flavor in FLAVORS {
        let (tx, rx) = flavor.make();
        let (c2, w2) = counting_waker();
        let mut r1 = rx.recv();
        let mut r2 = rx.recv();
        assert!(poll_once(&mut r1).is_pending());
        assert!(poll_with(&mut r2, &w2).is_pending());
        tx.try_send(1).unwrap();
        assert!(tx.close());
        drop(r1);
        assert_eq!(c2.get(), 1, "{flavor:?}");
        assert_eq!(poll_once(&mut r2), Poll::Ready(Some(1)), "{flavor:?}");
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed), "{flavor:?}");
    }
}

#[test]
fn a_receiver_waiting_at_close_gets_none_once_the_value_in_flight_is_collected() {
    for flavor in FLAVORS {
        let (tx, rx) = flavor.make();
        let (c2, w2) = counting_waker();
        let mut r1 = rx.recv();
        let mut r2 = rx.recv();
        assert!(poll_once(&mut r1).is_pending());
        assert!(poll_with(&mut r2, &w2).is_pending());
        tx.try_send(1).unwrap();
        assert!(tx.close());
        assert_eq!(poll_once(&mut r1), Poll::Ready(Some(1)), "{flavor:?}");
        assert_eq!(c2.get(), 1, "{flavor:?}: the end is announced");
        assert_eq!(poll_once(&mut r2), Poll::Ready(None), "{flavor:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// FIFO service of waiters
// ---------------------------------------------------------------------------------------------

#[test]
fn blocked_receivers_are_served_in_the_order_they_blocked() {
    for flavor in FLAVORS {
        let (tx, rx) = flavor.make();
        let mut recvs: Vec<_> = (0..3).map(|_| rx.recv()).collect();
        for r in &mut recvs {
            assert!(poll_once(r).is_pending());
        }
        for v in 1..=3 {
            tx.try_send(v).unwrap();
        }
        let got: Vec<_> = recvs.iter_mut().map(poll_once).collect();
        assert_eq!(
            got,
            [
                Poll::Ready(Some(1)),
                Poll::Ready(Some(2)),
                Poll::Ready(Some(3))
            ],
            "{flavor:?}"
        );
    }
}

#[test]
fn a_cancelled_waiter_loses_its_place_and_the_others_keep_theirs() {
    let (tx, rx) = chan::bounded(0);
    let mut r1 = rx.recv();
    let mut r2 = rx.recv();
    let mut r3 = rx.recv();
    for r in [&mut r1, &mut r2, &mut r3] {
        assert!(poll_once(r).is_pending());
    }
    drop(r2);
    tx.try_send('a').unwrap();
    tx.try_send('b').unwrap();
    assert_eq!(poll_once(&mut r1), Poll::Ready(Some('a')));
    assert_eq!(poll_once(&mut r3), Poll::Ready(Some('b')));
}

#[test]
fn blocked_senders_are_served_in_the_order_they_blocked() {
    for flavor in [Flavor::Zero, Flavor::One, Flavor::Sixteen] {
        let cap = flavor.cap().unwrap();
        let (tx, rx) = flavor.make();
        for i in 0..cap {
            tx.try_send(i).unwrap();
        }
        let mut sends: Vec<_> = (0..3).map(|i| tx.send(cap + i)).collect();
        for s in &mut sends {
            assert!(poll_once(s).is_pending());
        }
        let got: Vec<_> = (0..cap + 3).map(|_| rx.try_recv().unwrap()).collect();
        assert_eq!(got, (0..cap + 3).collect::<Vec<_>>(), "{flavor:?}");
        for s in &mut sends {
            assert_eq!(poll_once(s), Poll::Ready(Ok(())));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Stream and blocking iterator
// ---------------------------------------------------------------------------------------------

#[test]
fn stream_next_and_collect_end_at_close() {
    let rt = runtime();
    for flavor in FLAVORS {
        let got = rt.block_on(async move {
            let (tx, rx) = flavor.make();
            gort::spawn(async move {
                for i in 0..100 {
                    tx.send(i).await.unwrap();
                }
            });
            rx.collect::<Vec<i32>>().await
        });
        assert_eq!(got, (0..100).collect::<Vec<_>>(), "{flavor:?}");

        rt.block_on(async move {
            let (tx, mut rx) = flavor.make();
            let producer = gort::spawn(async move {
                tx.send(1).await.unwrap();
                tx.send(2).await.unwrap();
                assert!(tx.close());
            });
            assert_eq!(rx.next().await, Some(1));
            assert_eq!(rx.next().await, Some(2));
            assert_eq!(rx.next().await, None);
            assert_eq!(rx.next().await, None, "it stays ended");
            producer.await.unwrap();
        });
    }
}

#[test]
fn an_abandoned_stream_next_does_not_swallow_a_message() {
    // `StreamExt::next()` is a receive future; dropping it (a timeout or another select arm
    // won) must not consume a message (API.md: "a dropped receive never consumes a message").
    let (tx, mut rx) = chan::unbounded::<i32>();
    let other = rx.clone();
    {
        let mut next = rx.next();
        assert!(poll_once(&mut next).is_pending());
    } // dropped: cancelled
    tx.try_send(1).unwrap();
    drop(tx); // closed
              // Whichever receiver asks, it must get 1 and then the end; here it gets `Empty` forever (so
              // `recv().await` would hang) because 1 sits in the stream's abandoned waiter entry.
    assert_eq!(
        other.try_recv(),
        Ok(1),
        "the value went to the abandoned stream waiter"
    );
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn iter_on_a_thread_ends_at_close() {
    for flavor in FLAVORS {
        let (tx, rx) = flavor.make();
        let consumer = thread::spawn(move || {
            let mut sum = 0u64;
            for v in &rx {
                sum += v;
            }
            (sum, rx.iter().next())
        });
        for i in 0..=100u64 {
            tx.send_blocking(i).unwrap();
        }
        drop(tx);
        assert_eq!(consumer.join().unwrap(), (5050, None), "{flavor:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Errors and types
// ---------------------------------------------------------------------------------------------

/// A message type with no `Debug`, `PartialEq` or `Clone`.
struct Opaque;

#[test]
fn error_display_strings() {
    assert_eq!(SendError(Opaque).to_string(), "sending on a closed channel");
    assert_eq!(
        TrySendError::Full(Opaque).to_string(),
        "sending on a full channel"
    );
    assert_eq!(
        TrySendError::Closed(Opaque).to_string(),
        "sending on a closed channel"
    );
    assert_eq!(
        SendTimeoutError::Timeout(Opaque).to_string(),
        "timed out sending on a channel"
    );
    assert_eq!(
        SendTimeoutError::Closed(Opaque).to_string(),
        "sending on a closed channel"
    );
    assert_eq!(
        TryRecvError::Empty.to_string(),
        "receiving on an empty channel"
    );
    assert_eq!(
        TryRecvError::Closed.to_string(),
        "receiving on a closed channel"
    );
    assert_eq!(
        RecvTimeoutError::Timeout.to_string(),
        "timed out receiving on a channel"
    );
    assert_eq!(
        RecvTimeoutError::Closed.to_string(),
        "receiving on a closed channel"
    );
}

#[test]
fn errors_and_ends_are_debug_without_t_debug() {
    let send = format!("{:?}", SendError(Opaque));
    assert!(send.contains("SendError"), "{send}");
    let full = format!("{:?}", TrySendError::Full(Opaque));
    assert!(full.contains("Full"), "{full}");
    let closed = format!("{:?}", TrySendError::Closed(Opaque));
    assert!(closed.contains("Closed"), "{closed}");
    let timeout = format!("{:?}", SendTimeoutError::Timeout(Opaque));
    assert!(timeout.contains("Timeout"), "{timeout}");
    assert_eq!(format!("{:?}", TryRecvError::Empty), "Empty");
    assert_eq!(format!("{:?}", RecvTimeoutError::Timeout), "Timeout");

    let (tx, rx) = chan::bounded::<Opaque>(2);
    tx.try_send(Opaque).ok().unwrap();
    let tx_debug = format!("{tx:?}");
    assert!(
        tx_debug.contains("Sender") && tx_debug.contains("len: 1"),
        "{tx_debug}"
    );
    let rx_debug = format!("{rx:?}");
    assert!(
        rx_debug.contains("Receiver") && rx_debug.contains("capacity"),
        "{rx_debug}"
    );
    assert!(!format!("{:?}", tx.send(Opaque)).is_empty());
    assert!(!format!("{:?}", rx.recv()).is_empty());
}

#[test]
fn errors_are_std_errors_that_box_and_propagate() {
    type BoxError = Box<dyn std::error::Error + Send + Sync>;
    fn send_two(tx: &Sender<String>) -> Result<(), BoxError> {
        tx.try_send("a".into())?;
        tx.send_timeout("b".into(), Duration::ZERO)?;
        Ok(())
    }
    fn send_blocking(tx: &Sender<String>) -> Result<(), BoxError> {
        tx.send_blocking("c".into())?;
        Ok(())
    }
    fn recv_two(rx: &Receiver<String>) -> Result<String, BoxError> {
        let a = rx.try_recv()?;
        let b = rx.recv_timeout(Duration::ZERO)?;
        Ok(a + &b)
    }
    let (tx, rx) = chan::bounded(1);
    assert_eq!(
        send_two(&tx).unwrap_err().to_string(),
        "timed out sending on a channel"
    );
    assert_eq!(
        recv_two(&rx).unwrap_err().to_string(),
        "timed out receiving on a channel"
    );
    tx.try_send("full".into()).unwrap();
    assert_eq!(
        tx.try_send("x".into())
            .map_err(BoxError::from)
            .unwrap_err()
            .to_string(),
        "sending on a full channel"
    );
    drop(rx);
    assert_eq!(
        send_two(&tx).unwrap_err().to_string(),
        "sending on a closed channel"
    );
    assert_eq!(
        send_blocking(&tx).unwrap_err().to_string(),
        "sending on a closed channel"
    );
}

fn assert_send<T: Send>(_: &T) {}
fn assert_clone_send_sync<T: Clone + Send + Sync>() {}
fn assert_error<E: std::error::Error + Send + Sync + 'static>() {}

#[test]
fn ends_are_clone_send_sync_and_futures_are_send() {
    // `Cell` is Send but not Sync: the ends are still Sync, as for any `T: Send`.
    type NotSync = std::cell::Cell<u8>;
    assert_clone_send_sync::<Sender<NotSync>>();
    assert_clone_send_sync::<Receiver<NotSync>>();
    assert_clone_send_sync::<Sender<String>>();
    assert_clone_send_sync::<Receiver<()>>();

    let (tx, rx) = chan::bounded::<NotSync>(1);
    let send = tx.send(NotSync::new(1));
    assert_send(&send);
    let recv = rx.recv();
    assert_send(&recv);
    drop((send, recv));
    let next = {
        let mut rx = rx.clone();
        async move { rx.next().await }
    };
    assert_send(&next);
    // An async block holding both across awaits is Send too, so it can be gort::spawn'ed.
    let task = async move {
        tx.send(NotSync::new(2)).await.unwrap();
        rx.recv().await.unwrap().get()
    };
    assert_send(&task);
    assert_eq!(runtime().block_on(gort::spawn(task)).unwrap(), 2);

    assert_error::<SendError<String>>();
    assert_error::<TrySendError<String>>();
    assert_error::<SendTimeoutError<String>>();
    assert_error::<TryRecvError>();
    assert_error::<RecvTimeoutError>();
}
