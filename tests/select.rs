//! `gort::select!` with Go's semantics, as a Go programmer knows them.
//!
//! In the spirit of Go's `runtime/chan_test.go` select tests (our own code): the blocking-rules
//! table, exactly one arm, no effect from a losing arm, nil channels, `default`, fairness,
//! evaluation order, control flow in the bodies, cancellation, and exactly-once stress over
//! every flavor. Where an interleaving matters the select is polled by hand; threads and tasks
//! meet through channels and barriers, never through sleeps.

#[path = "common/flavor.rs"]
mod flavor;
use flavor::{Flavor, FLAVORS};

use gort::chan::{self, Receiver, SendError, Sender, TryRecvError, TrySendError};
use std::cell::RefCell;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// Polls `future` once with a waker that does nothing.
fn poll_once<F: Future>(future: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(Waker::noop()))
}

/// A runtime with `workers` workers.
fn runtime(workers: usize) -> gort::Runtime {
    gort::runtime::Builder::new()
        .worker_threads(workers)
        .build()
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// The blocking rules (Go spec: "Select statements")
// ---------------------------------------------------------------------------------------------

#[test]
fn a_nil_channel_blocks_and_is_never_chosen() {
    let nil_rx: Option<&Receiver<u32>> = None;
    let nil_tx: Option<Sender<u32>> = None;
    // With a default: the nil arms are never ready.
    let got = gort::block_on(async {
        gort::select! {
            _ = recv(nil_rx) => "recv",
            _ = send(nil_tx, 1) => "send",
            default => "default",
        }
    });
    assert_eq!(got, "default");
    // Without one: the select waits (forever).
    let mut waiting = pin!(async {
        gort::select! {
            _ = recv(nil_rx) => {}
            _ = send(nil_tx, 1) => {}
        }
    });
    assert!(poll_once(waiting.as_mut()).is_pending());
    assert!(poll_once(waiting.as_mut()).is_pending());
}

#[test]
fn a_nil_channel_loses_to_a_ready_one() {
    let (tx, rx) = chan::bounded(1);
    tx.try_send(7).unwrap();
    let nil: Option<Receiver<i32>> = None;
    for _ in 0..100 {
        let got = gort::block_on(async {
            gort::select! {
                v = recv(nil) => v,
                v = recv(rx) => v,
            }
        });
        assert_eq!(got, Some(7));
        tx.try_send(7).unwrap();
    }
}

#[test]
fn default_never_blocks() {
    let (_tx, rx) = chan::bounded::<u32>(0); // nobody sends
    let (tx2, _rx2) = chan::bounded::<u32>(0); // nobody receives
    let mut select = pin!(async {
        gort::select! {
            _ = recv(rx) => "recv",
            _ = send(tx2, 1) => "send",
            default => "default",
        }
    });
    assert_eq!(poll_once(select.as_mut()), Poll::Ready("default"));
}

#[test]
fn a_buffered_send_with_room_does_not_block() {
    let (tx, rx) = chan::bounded(1);
    let got = gort::block_on(async {
        gort::select! {
            res = send(tx, "hello") => res,
            default => panic!("a send with room in the buffer is ready"),
        }
    });
    assert_eq!(got, Ok(()));
    assert_eq!(rx.try_recv(), Ok("hello"));
}

#[test]
fn a_receive_from_a_closed_channel_is_ready_with_none() {
    let (tx, rx) = chan::bounded::<u32>(0);
    tx.close();
    let got = gort::block_on(async {
        gort::select! {
            v = recv(rx) => v,
            default => panic!("a closed channel is ready"),
        }
    });
    assert_eq!(got, None);
}

#[test]
fn a_send_to_a_closed_channel_is_ready_with_the_value_back() {
    let (tx, rx) = chan::bounded::<String>(0);
    rx.close();
    let got = gort::block_on(async {
        gort::select! {
            res = send(tx, "kept".to_string()) => res,
            default => panic!("a closed channel is ready"),
        }
    });
    assert_eq!(got, Err(SendError("kept".to_string())));
}

#[test]
fn a_ready_arm_beats_default() {
    let (tx, rx) = chan::unbounded();
    for i in 0..100 {
        tx.try_send(i).unwrap();
        let got = gort::block_on(async {
            gort::select! {
                v = recv(rx) => v,
                default => None,
            }
        });
        assert_eq!(got, Some(i));
    }
}

#[test]
fn a_select_sending_and_receiving_on_one_unbuffered_channel_blocks() {
    let (tx, rx) = chan::bounded::<u32>(0);
    let mut select = pin!(async {
        gort::select! {
            v = recv(rx) => format!("received {v:?}"),
            res = send(tx, 1) => format!("sent {res:?}"),
        }
    });
    // It must not pair with itself: nothing completes.
    assert!(poll_once(select.as_mut()).is_pending());
    assert!(poll_once(select.as_mut()).is_pending());
    // A real counterpart completes it.
    assert_eq!(tx.try_send(5), Ok(()));
    assert_eq!(
        poll_once(select.as_mut()),
        Poll::Ready("received Some(5)".to_string())
    );
    // The send arm lost: its value was not sent.
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

/// The same with the receive written as a `Stream` future arm (`rx.next()`) on a clone of the
/// receiver: the select waits, and does not wake itself while it waits (its send arm leaves
/// the listener of its own stream arm alone); a real counterpart wakes and completes it.
#[test]
fn a_select_sending_and_streaming_on_one_unbuffered_channel_waits_without_spinning() {
    use futures::StreamExt;
    struct CountWakes(AtomicUsize);
    impl std::task::Wake for CountWakes {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, SeqCst);
        }
    }
    let (tx, rx) = chan::bounded::<u32>(0);
    let mut stream = rx.clone();
    let wakes = Arc::new(CountWakes(AtomicUsize::new(0)));
    let waker = Waker::from(wakes.clone());
    let mut cx = Context::from_waker(&waker);
    let mut select = pin!(async {
        gort::select! {
            v = stream.next() => format!("streamed {v:?}"),
            res = send(tx, 1) => format!("sent {res:?}"),
        }
    });
    for _ in 0..20 {
        assert!(select.as_mut().poll(&mut cx).is_pending());
    }
    assert_eq!(
        wakes.0.load(SeqCst),
        0,
        "the waiting select woke itself: it would spin"
    );
    // A receiver elsewhere takes the send arm's value.
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(wakes.0.load(SeqCst), 1);
    assert_eq!(
        select.as_mut().poll(&mut cx),
        Poll::Ready("sent Ok(())".to_string())
    );
}

/// A waker that counts its wake-ups.
fn counting_waker() -> (Arc<AtomicUsize>, Waker) {
    struct Count(Arc<AtomicUsize>);
    impl std::task::Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, SeqCst);
        }
    }
    let count = Arc::new(AtomicUsize::new(0));
    (count.clone(), Waker::from(Arc::new(Count(count))))
}

/// A `Stream` arm (`rx.next()`) listens on the channel that the select's own `send` arm fills.
/// The send arm wins by buffering its value; the listener it passed must still be told, or the
/// stream would sleep through the value (the `next()` future is gone, but the listener belongs
/// to the receiver and outlives it). So the next `next()` gets the value, then the end.
#[test]
fn a_send_arm_that_buffers_tells_its_own_selects_stream() {
    use futures::StreamExt;
    let (tx, mut rx) = chan::bounded::<u32>(1);
    let mut cx = Context::from_waker(Waker::noop());
    {
        let mut select = pin!(async {
            gort::select! {
                biased;
                v = rx.next() => format!("streamed {v:?}"),
                res = send(tx, 1) => format!("sent {res:?}"),
            }
        });
        assert_eq!(
            select.as_mut().poll(&mut cx),
            Poll::Ready("sent Ok(())".to_string())
        );
    }
    drop(tx);
    assert_eq!(pin!(rx.next()).poll(&mut cx), Poll::Ready(Some(1)));
    assert_eq!(pin!(rx.next()).poll(&mut cx), Poll::Ready(None));
}

/// Go's for-select over one buffered channel, with the receive as a `Stream` arm: a value the
/// send arm buffered in one round is streamed in the next, at once.
#[test]
fn a_for_select_streams_what_its_send_arm_buffered() {
    use futures::StreamExt;
    let (tx, mut rx) = chan::bounded::<u32>(1);
    let mut cx = Context::from_waker(Waker::noop());
    let mut round = |x: u32| {
        let mut select = pin!(async {
            gort::select! {
                biased;
                v = rx.next() => format!("streamed {v:?}"),
                res = send(tx, x) => format!("sent {res:?}"),
            }
        });
        select.as_mut().poll(&mut cx)
    };
    assert_eq!(round(1), Poll::Ready("sent Ok(())".to_string()));
    assert_eq!(round(2), Poll::Ready("streamed Some(1)".to_string()));
}

/// A send made *inside* a future arm (not a `send` arm) passes the listener of a `Stream` arm of
/// the same select: it is an ordinary send, so it wakes that listener, and the select's next
/// poll streams the value.
#[test]
fn a_send_inside_a_future_arm_wakes_a_stream_arm_of_the_same_select() {
    use futures::StreamExt;
    for capacity in [0, 1] {
        let (tx, mut rx) = chan::bounded::<u32>(capacity);
        let (wakes, waker) = counting_waker();
        let mut cx = Context::from_waker(&waker);
        let mut select = pin!(async {
            gort::select! {
                biased;
                v = rx.next() => v,
                _ = async {
                    tx.send(1).await.unwrap();
                    std::future::pending::<()>().await
                } => unreachable!("pending for ever"),
            }
        });
        assert!(select.as_mut().poll(&mut cx).is_pending());
        assert!(
            wakes.load(SeqCst) >= 1,
            "capacity {capacity}: the stream arm was not told of the value"
        );
        assert_eq!(select.as_mut().poll(&mut cx), Poll::Ready(Some(1)));
    }
}

/// Polls `future` as an executor would, on one thread: again only when it woke itself since the
/// last poll. `None` if it stalls (pending, and nothing will wake it), so a lost wake-up fails
/// the test instead of hanging it.
fn run_until_stalled<F: Future>(future: F) -> Option<F::Output> {
    let (wakes, waker) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    for _ in 0..100 {
        let before = wakes.load(SeqCst);
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return Some(output);
        }
        if wakes.load(SeqCst) == before {
            return None;
        }
    }
    panic!("still pending after 100 polls, each one woken: it spins");
}

/// A select inside a future arm of another, sending on the channel the outer select streams
/// from: the two selects may pair (they are different selects), so the inner send must tell
/// the outer stream, which then takes the value.
#[test]
fn a_nested_selects_send_reaches_the_outer_selects_stream() {
    use futures::StreamExt;
    for flavor in [0, 1] {
        let (tx, mut rx) = chan::bounded::<u32>(flavor);
        let got = run_until_stalled(async {
            gort::select! {
                v = rx.next() => v,
                _ = async {
                    gort::select! {
                        r = send(tx, 1) => r.unwrap(),
                        _ = std::future::pending::<()>() => {}
                    }
                    std::future::pending::<()>().await
                } => unreachable!("pending for ever"),
            }
        });
        assert_eq!(got, Some(Some(1)), "capacity {flavor}");
    }
}

/// The stream arm of a select nested in a future arm (an `async fn` with a select, used as an
/// arm) is inside the outer select too. Nobody else uses the channel, so the outer select's
/// send and the inner stream wait, as Go's select with a send and a receive on one channel
/// does, without waking themselves: it stalls instead of spinning.
#[test]
fn a_stream_in_a_nested_select_does_not_make_the_outer_select_spin() {
    use futures::StreamExt;
    let (tx, mut rx) = chan::bounded::<u32>(0);
    let stalled = run_until_stalled(async {
        gort::select! {
            r = send(tx, 1) => r.map(|()| None),
            v = async {
                gort::select! {
                    v = rx.next() => v,
                    _ = std::future::pending::<()>() => None,
                }
            } => Ok(v),
        }
    });
    assert!(
        stalled.is_none(),
        "completed with {stalled:?}, yet nobody else uses the channel"
    );
}

/// A future arm that streams and sends on one unbuffered channel itself (`join!`): an ordinary
/// send, which tells the stream as it would outside a select.
#[test]
fn a_future_arm_that_streams_and_sends_on_one_channel_completes() {
    use futures::StreamExt;
    let (tx, mut rx) = chan::bounded::<u32>(0);
    let got = run_until_stalled(async {
        gort::select! {
            (v, r) = async { futures::join!(rx.next(), tx.send(1)) } => {
                r.unwrap();
                v
            }
            _ = std::future::pending::<()>() => unreachable!("pending for ever"),
        }
    });
    assert_eq!(got, Some(Some(1)));
}

#[test]
fn no_enabled_arm_and_no_default_waits_forever() {
    let (tx, rx) = chan::bounded(1);
    tx.try_send(1).unwrap();
    let mut select = pin!(async {
        gort::select! {
            v = recv(rx), if false => v,
        }
    });
    assert!(poll_once(select.as_mut()).is_pending());
    // The disabled arm took nothing.
    assert_eq!(rx.try_recv(), Ok(1));

    let mut empty = pin!(async {
        gort::select! {}
    });
    assert!(poll_once(empty.as_mut()).is_pending());
}

#[test]
fn only_a_default_runs_it() {
    let got = gort::block_on(async {
        gort::select! { default => 42 }
    });
    assert_eq!(got, 42);
}

// ---------------------------------------------------------------------------------------------
// Exactly one arm; losing arms have no effect
// ---------------------------------------------------------------------------------------------

#[test]
fn losing_waiters_are_removed_so_later_waiters_do_not_hang() {
    let rt = runtime(2);
    rt.block_on(async {
        let (tx1, rx1) = chan::bounded::<u32>(0);
        let (tx2, rx2) = chan::bounded::<u32>(0);
        let (registered_tx, registered_rx) = chan::bounded::<()>(0);
        let select = gort::spawn({
            let (rx1, rx2) = (rx1.clone(), rx2.clone());
            async move {
                registered_tx.close(); // says "about to select"
                gort::select! {
                    v = recv(rx1) => (1, v),
                    v = recv(rx2) => (2, v),
                }
            }
        });
        assert_eq!(registered_rx.recv().await, None);
        tx1.send(10).await.unwrap();
        assert_eq!(select.await.unwrap(), (1, Some(10)));
        // The select's entry on channel 2 is gone: nobody is waiting there, so a non-blocking
        // send finds no receiver, and a plain receiver is served first.
        assert_eq!(tx2.try_send(20), Err(TrySendError::Full(20)));
        let later = gort::spawn(async move { rx2.recv().await });
        tx2.send(21).await.unwrap();
        assert_eq!(later.await.unwrap(), Some(21));
    });
}

#[test]
fn one_task_selecting_sends_over_4_unbuffered_channels_never_delivers_twice() {
    const N: u32 = 100_000;
    let rt = runtime(2);
    let received = rt.block_on(async {
        let (txs, rxs): (Vec<_>, Vec<_>) = (0..4).map(|_| chan::bounded::<u32>(0)).unzip();
        let receivers: Vec<_> = rxs
            .into_iter()
            .map(|rx| {
                gort::spawn(async move {
                    let mut got = Vec::new();
                    while let Some(v) = rx.recv().await {
                        got.push(v);
                    }
                    got
                })
            })
            .collect();
        for i in 0..N {
            gort::select! {
                r = send(txs[0], i) => r.unwrap(),
                r = send(txs[1], i) => r.unwrap(),
                r = send(txs[2], i) => r.unwrap(),
                r = send(txs[3], i) => r.unwrap(),
            }
        }
        drop(txs);
        let mut all = Vec::new();
        for receiver in receivers {
            all.extend(receiver.await.unwrap());
        }
        all
    });
    let mut seen = vec![false; N as usize];
    for v in &received {
        assert!(!seen[*v as usize], "{v} was delivered twice");
        seen[*v as usize] = true;
    }
    assert_eq!(received.len(), N as usize, "a value was lost");
}

#[test]
fn a_select_with_default_in_a_loop_and_a_nil_arm_counts_its_sends_exactly() {
    let (tx, rx) = chan::bounded::<u32>(16);
    let nil: Option<&Sender<u32>> = None;
    let (mut sent, mut defaults) = (0u32, 0u32);
    gort::block_on(async {
        for i in 0..1_000 {
            if i % 20 == 0 {
                while rx.try_recv().is_ok() {} // make room now and then
            }
            gort::select! {
                res = send(tx, i) => { res.unwrap(); sent += 1; }
                _ = send(nil, i) => unreachable!("a nil channel is never ready"),
                default => defaults += 1,
            }
        }
    });
    let drained = std::iter::from_fn(|| rx.try_recv().ok()).count() as u32;
    // 50 rounds of 20: 16 fit each time (the buffer was emptied), 4 hit default.
    assert_eq!((sent, defaults), (800, 200));
    assert_eq!(drained, 16);
}

#[test]
fn a_dropped_select_takes_nothing_and_gives_at_most_one_send() {
    for flavor in FLAVORS {
        let (tx1, rx1) = flavor.make::<u32>();
        let (tx2, rx2) = flavor.make::<u32>();
        let (_keep, never_rx) = chan::bounded::<u32>(0);
        // Fill what can be filled so the send arms wait.
        while tx1.try_send(0).is_ok() && flavor.cap().is_some() {}
        while tx2.try_send(0).is_ok() && flavor.cap().is_some() {}
        let before = (rx1.len(), rx2.len());
        {
            let mut select = pin!(async {
                gort::select! {
                    _ = recv(never_rx) => unreachable!(),
                    _ = send(tx1, 1) => {}
                    _ = send(tx2, 2) => {}
                }
            });
            if poll_once(select.as_mut()).is_ready() {
                // Only the unbounded flavor can send at once: one arm, exactly one value.
                assert_eq!(flavor, Flavor::Unbounded);
                assert_eq!(rx1.len() + rx2.len(), before.0 + before.1 + 1);
                continue;
            }
            // Dropped while both sends wait.
        }
        assert_eq!((rx1.len(), rx2.len()), before, "{flavor:?}");
        // No send entry was left behind on an unbuffered channel.
        if flavor == Flavor::Zero {
            assert_eq!(rx1.try_recv(), Err(TryRecvError::Empty));
            assert_eq!(rx2.try_recv(), Err(TryRecvError::Empty));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Fairness
// ---------------------------------------------------------------------------------------------

#[test]
fn two_always_ready_arms_are_chosen_about_equally() {
    const ROUNDS: u32 = 100_000;
    let (tx1, rx1) = chan::unbounded::<()>();
    let (tx2, rx2) = chan::unbounded::<()>();
    let mut first = 0u32;
    futures::executor::block_on(async {
        for _ in 0..ROUNDS {
            let _ = (tx1.try_send(()), tx2.try_send(()));
            gort::select! {
                _ = recv(rx1) => first += 1,
                _ = recv(rx2) => {}
            }
            // Put the channels back to one message each.
            let _ = (rx1.try_recv(), rx2.try_recv());
        }
    });
    let share = f64::from(first) / f64::from(ROUNDS);
    assert!((0.45..=0.55).contains(&share), "arm 1 won {share:.3}");
}

macro_rules! count_choices {
    ($rxs:ident, $counts:ident; $($i:literal)*) => {
        gort::select! {
            $( _ = recv($rxs[$i]), if $i != 3 => $counts[$i] += 1, )*
        }
    };
}

#[test]
fn ready_channel_arms_are_chosen_fairly_with_a_guard_off_at_16_and_17_arms() {
    // 16 arms take the packed order, 17 the array of indices. Arm 3 is switched off; every
    // other arm is always ready and must win about equally often, 1/15 or 1/16 of the time.
    const ROUNDS: u32 = 48_000;
    let (txs, rxs): (Vec<_>, Vec<_>) = (0..17).map(|_| chan::unbounded::<()>()).unzip();
    for tx in &txs {
        tx.try_send(()).unwrap();
    }
    let refill = || {
        for (tx, rx) in txs.iter().zip(&rxs) {
            if rx.is_empty() {
                tx.try_send(()).unwrap();
            }
        }
    };
    let mut counts16 = [0u32; 17];
    let mut counts17 = [0u32; 17];
    gort::block_on(async {
        for _ in 0..ROUNDS {
            count_choices!(rxs, counts16; 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);
            refill();
            count_choices!(rxs, counts17; 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16);
            refill();
        }
    });
    for (counts, enabled) in [(&counts16[..16], 15.0), (&counts17[..], 16.0)] {
        assert_eq!(counts[3], 0, "a disabled arm won: {counts:?}");
        let expected = f64::from(ROUNDS) / enabled;
        for (arm, &count) in counts.iter().enumerate().filter(|&(arm, _)| arm != 3) {
            let share = f64::from(count) / expected;
            assert!(
                (0.85..1.15).contains(&share),
                "arm {arm} won {count} times, expected about {expected:.0}: {counts:?}"
            );
        }
    }
}

#[test]
fn biased_always_takes_the_first_ready_arm() {
    let (tx1, rx1) = chan::unbounded();
    let (tx2, rx2) = chan::unbounded();
    let (_tx0, rx0) = chan::unbounded::<u32>(); // never ready: skipped
    gort::block_on(async {
        for i in 0..10_000u32 {
            tx1.try_send(i).unwrap();
            tx2.try_send(i).unwrap();
            let got = gort::select! {
                biased;
                v = recv(rx0) => (0, v),
                v = recv(rx1) => (1, v),
                v = recv(rx2) => (2, v),
            };
            assert_eq!(got, (1, Some(i)));
            assert_eq!(rx2.try_recv(), Ok(i));
        }
    });
}

#[test]
fn ready_futures_are_chosen_fairly_too() {
    let mut counts = [0u32; 3];
    futures::executor::block_on(async {
        for _ in 0..30_000 {
            let i = gort::select! {
                _ = std::future::ready(()) => 0,
                _ = async {} => 1,
                _ = std::future::ready(()) => 2,
            };
            counts[i] += 1;
        }
    });
    for (arm, count) in counts.iter().enumerate() {
        assert!(
            (9_000..11_000).contains(count),
            "arm {arm} won {count} of 30,000: {counts:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Evaluation order, guards, arm forms
// ---------------------------------------------------------------------------------------------

#[test]
fn every_expression_is_evaluated_once_in_source_order() {
    let log = RefCell::new(Vec::new());
    let note = |what: &'static str| log.borrow_mut().push(what);
    let (tx, rx) = chan::bounded::<u32>(1);
    let (_tx2, rx2) = chan::bounded::<u32>(1);
    let got = gort::block_on(async {
        gort::select! {
            v = recv({ note("recv channel"); &rx2 }), if { note("recv guard"); true } => v,
            r = send({ note("send channel"); &tx }, { note("send value"); 5 }) => r.map(|_| None).unwrap(),
            v = { note("future"); async { None } }, if { note("future guard"); false } => v,
            v = recv({ note("disabled channel"); &rx }), if { note("disabled guard"); false } => v,
        }
    });
    assert_eq!(got, None); // the send won: the only ready, enabled arm
    assert_eq!(
        *log.borrow(),
        [
            "recv channel",
            "recv guard",
            "send channel",
            "send value",
            "future",
            "future guard",
            "disabled channel",
            "disabled guard"
        ]
    );
    assert_eq!(rx.try_recv(), Ok(5));
}

#[test]
fn recv_and_send_take_every_documented_form_and_never_move_the_channel() {
    let (tx, rx) = chan::bounded::<u32>(4);
    let some_tx: Option<Sender<u32>> = Some(tx.clone());
    let some_rx: Option<Receiver<u32>> = Some(rx.clone());
    gort::block_on(async {
        gort::select! { r = send(tx, 1) => r.unwrap() }
        gort::select! { r = send(&tx, 2) => r.unwrap() }
        gort::select! { r = send(some_tx, 3) => r.unwrap() }
        gort::select! { r = send(some_tx.as_ref(), 4) => r.unwrap() }
        assert_eq!(gort::select! { v = recv(rx) => v }, Some(1));
        assert_eq!(gort::select! { v = recv(&rx) => v }, Some(2));
        assert_eq!(gort::select! { v = recv(some_rx) => v }, Some(3));
        assert_eq!(gort::select! { v = recv(some_rx.as_ref()) => v }, Some(4));
    });
    // Everything is still usable: nothing was moved.
    drop((tx, rx, some_tx, some_rx));
}

#[test]
fn bodies_may_be_blocks_or_expressions_with_or_without_commas() {
    let (tx, rx) = chan::unbounded();
    gort::block_on(async {
        tx.try_send(1).unwrap();
        let a = gort::select! { v = recv(rx) => v.unwrap() + 1, default => 0 };
        tx.try_send(1).unwrap();
        let b = gort::select! { v = recv(rx) => { v.unwrap() + 2 }, default => { 0 } };
        tx.try_send(1).unwrap();
        let c = gort::select! { v = recv(rx) => { v.unwrap() + 3 } default => { 0 } };
        assert_eq!((a, b, c), (2, 3, 4));
        // As in `match`, a block-like expression needs no comma either.
        tx.try_send(1).unwrap();
        let d = gort::select! {
            v = recv(rx) => if v == Some(1) { 10 } else { 0 }
            (x, y) = async { (1, 2) }, if false => match x { 1 => y, _ => 0 }
        };
        assert_eq!(d, 10);
    });
}

#[test]
fn patterns_destructure_the_result() {
    let (tx, rx) = chan::unbounded();
    tx.try_send((1, "one")).unwrap();
    gort::block_on(async {
        gort::select! {
            pair = recv(rx) => {
                let (n, name) = pair.unwrap();
                assert_eq!((n, name), (1, "one"));
            }
        }
        let got = gort::select! {
            (a, b) = async { (2, 3) } => a + b,
        };
        assert_eq!(got, 5);
        gort::select! {
            _ = async {} => {}
        }
    });
}

#[test]
fn break_continue_return_question_mark_and_await_act_on_the_enclosing_code() {
    async fn first_even(rx: &Receiver<u32>) -> Result<u32, String> {
        loop {
            gort::select! {
                v = recv(rx) => {
                    let v = v.ok_or("closed")?; // `?` returns from first_even
                    if v % 2 == 1 {
                        continue; // the loop
                    }
                    gort::yield_now().await; // `.await` in a body
                    return Ok(v); // returns from first_even
                }
            }
        }
    }
    let (tx, rx) = chan::unbounded();
    for v in [1, 3, 4] {
        tx.try_send(v).unwrap();
    }
    gort::block_on(async {
        assert_eq!(first_even(&rx).await, Ok(4));
        tx.try_send(5).unwrap();
        tx.close();
        assert_eq!(first_even(&rx).await, Err("closed".to_string()));
        let mut n = 0;
        let stopped_at = loop {
            n += 1;
            gort::select! {
                _ = async {} => if n == 3 { break n },
            }
        };
        assert_eq!(stopped_at, 3);
    });
}

/// `t`, checked to be `Send`.
fn assert_send<T: Send>(t: T) -> T {
    t
}

#[test]
fn a_select_future_is_send_and_runs_in_gort_spawn() {
    let rt = runtime(2);
    let got = rt.block_on(async {
        let (tx, rx) = chan::bounded::<String>(0);
        let task = gort::spawn(assert_send(async move {
            gort::select! {
                v = recv(rx) => v,
                _ = gort::yield_now(), if false => None,
            }
        }));
        tx.send("across workers".to_string()).await.unwrap();
        task.await.unwrap()
    });
    assert_eq!(got.as_deref(), Some("across workers"));
}

#[test]
fn a_select_of_channel_arms_only_is_send_too() {
    // No future arm: the first try's locals (a send arm's value among them) live in the future.
    let rt = runtime(2);
    let got = rt.block_on(async {
        let (tx, rx) = chan::bounded::<String>(0);
        let (reply_tx, reply_rx) = chan::bounded::<String>(0);
        let task = gort::spawn(assert_send(async move {
            gort::select! {
                r = send(reply_tx, "reply".to_string()) => r.map(|()| None).unwrap(),
                v = recv(rx) => v,
            }
        }));
        gort::select! {
            r = send(tx, "across workers".to_string()) => r.unwrap(),
            v = recv(reply_rx) => assert_eq!(v.as_deref(), Some("reply")),
        }
        task.await.unwrap()
    });
    // Either the task received our value, or we received its reply (then it returned None).
    assert!(
        matches!(got.as_deref(), Some("across workers") | None),
        "{got:?}"
    );
}

macro_rules! select_over_65 {
    ($rxs:ident; $($i:literal)*) => {
        gort::select! {
            $( v = recv($rxs[$i]) => ($i, v), )*
        }
    };
}

#[test]
fn a_select_can_have_65_arms() {
    let (txs, rxs): (Vec<_>, Vec<_>) = (0..65).map(|_| chan::bounded::<u32>(1)).unzip();
    txs[64].try_send(64).unwrap();
    let got = gort::block_on(async {
        select_over_65!(rxs;
            0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31
            32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60
            61 62 63 64)
    });
    assert_eq!(got, (64, Some(64)));
}

// ---------------------------------------------------------------------------------------------
// Runtimes and timers
// ---------------------------------------------------------------------------------------------

#[test]
fn works_on_tokio_and_futures_executor() {
    let (tx, rx) = chan::bounded::<u32>(0);
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    let got = tokio.block_on(async {
        let sender = tokio::spawn({
            let tx = tx.clone();
            async move { tx.send(1).await }
        });
        let got = gort::select! {
            v = recv(rx) => v,
            _ = tokio::time::sleep(Duration::from_secs(30)) => None,
        };
        sender.await.unwrap().unwrap();
        got
    });
    assert_eq!(got, Some(1));
    let got = futures::executor::block_on(async {
        gort::select! {
            r = send(tx, 2) => r.is_ok(),
            default => false,
        }
    });
    assert!(!got, "nobody receives on the unbuffered channel");
}

/// A sleep that needs no timer: a blocking-pool thread sleeps and ends the join handle.
fn thread_sleep(d: Duration) -> gort::JoinHandle<()> {
    gort::spawn_blocking(move || std::thread::sleep(d))
}

#[test]
fn a_timeout_arm_racing_a_counterpart_loses_nothing() {
    // A producer sends with a timeout of 0–2 ms per value while a slow consumer receives: every
    // send that reports success is received exactly once, and every timed-out value is not.
    let rt = runtime(2);
    let (sent, received) = rt.block_on(async {
        let (tx, rx) = chan::bounded::<u32>(0);
        let consumer = gort::spawn(async move {
            let mut got = Vec::new();
            while let Some(v) = rx.recv().await {
                if v % 7 == 0 {
                    thread_sleep(Duration::from_micros(300)).await.unwrap();
                }
                got.push(v);
            }
            got
        });
        let mut sent = Vec::new();
        for i in 0..300u32 {
            gort::select! {
                r = send(tx, i) => { r.unwrap(); sent.push(i); }
                _ = thread_sleep(Duration::from_micros(u64::from(i % 3) * 1000)) => {}
            }
        }
        drop(tx);
        (sent, consumer.await.unwrap())
    });
    assert_eq!(sent, received);
    assert!(!sent.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Exactly-once stress and the cooperative budget
// ---------------------------------------------------------------------------------------------

/// 2 producer tasks select-send over 2 channels, 2 consumer tasks select-receive over both;
/// every value arrives exactly once.
fn exactly_once_under_competing_selects(flavor: Flavor) {
    const PER_PRODUCER: u64 = 5_000;
    let rt = runtime(2);
    let received = rt.block_on(async {
        let (tx1, rx1) = flavor.make::<u64>();
        let (tx2, rx2) = flavor.make::<u64>();
        let producers: Vec<_> = (0..2u64)
            .map(|p| {
                let (tx1, tx2) = (tx1.clone(), tx2.clone());
                gort::spawn(async move {
                    for i in 0..PER_PRODUCER {
                        let v = p * PER_PRODUCER + i;
                        gort::select! {
                            r = send(tx1, v) => r.unwrap(),
                            r = send(tx2, v) => r.unwrap(),
                        }
                    }
                })
            })
            .collect();
        drop((tx1, tx2));
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let (rx1, rx2) = (rx1.clone(), rx2.clone());
                gort::spawn(async move {
                    let (mut got, mut open1, mut open2) = (Vec::new(), true, true);
                    while open1 || open2 {
                        let r1 = open1.then_some(&rx1); // a closed channel becomes nil
                        let r2 = open2.then_some(&rx2);
                        gort::select! {
                            v = recv(r1) => match v { Some(v) => got.push(v), None => open1 = false },
                            v = recv(r2) => match v { Some(v) => got.push(v), None => open2 = false },
                        }
                    }
                    got
                })
            })
            .collect();
        for p in producers {
            p.await.unwrap();
        }
        let mut all = Vec::new();
        for c in consumers {
            all.extend(c.await.unwrap());
        }
        all
    });
    let mut sorted = received.clone();
    sorted.sort_unstable();
    let expected: Vec<u64> = (0..2 * PER_PRODUCER).collect();
    assert_eq!(sorted, expected, "{flavor:?}: lost or duplicated values");
}

#[test]
fn exactly_once_under_competing_selects_unbuffered() {
    exactly_once_under_competing_selects(Flavor::Zero);
}

#[test]
fn exactly_once_under_competing_selects_buffered_1() {
    exactly_once_under_competing_selects(Flavor::One);
}

#[test]
fn exactly_once_under_competing_selects_buffered_16() {
    exactly_once_under_competing_selects(Flavor::Sixteen);
}

#[test]
fn exactly_once_under_competing_selects_unbounded() {
    exactly_once_under_competing_selects(Flavor::Unbounded);
}

#[test]
fn each_ready_select_spends_one_unit_of_budget_and_a_spent_one_takes_nothing() {
    let (tx, rx) = chan::unbounded();
    for v in 0..3 {
        tx.try_send(v).unwrap();
    }
    gort::coop::with_budget(2, || {
        for expected in 0..2 {
            let select = pin!(async {
                gort::select! { v = recv(rx) => v }
            });
            assert_eq!(poll_once(select), Poll::Ready(Some(expected)));
        }
        // The budget is spent: a ready select yields instead, and receives nothing.
        let select = pin!(async {
            gort::select! { v = recv(rx) => v }
        });
        assert!(poll_once(select).is_pending());
        // A select with `default` too: it neither receives nor takes `default`.
        let select = pin!(async {
            gort::select! {
                v = recv(rx) => v,
                default => None,
            }
        });
        assert!(poll_once(select).is_pending());
    });
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn a_send_arm_that_waits_sends_its_value_exactly_once() {
    // Whether the sending select's first try finds the receiving one waiting or its value
    // goes into a waiting case, each value is sent at most once and exactly one arrives.
    let rt = runtime(2);
    let (tx_a, rx_a) = chan::bounded::<String>(0);
    let (tx_b, rx_b) = chan::bounded::<String>(0);
    let selecting = rt.spawn(async move {
        gort::select! {
            r = send(tx_a, "to a".to_string()) => r.map(|()| 'a'),
            r = send(tx_b, "to b".to_string()) => r.map(|()| 'b'),
        }
    });
    let got = rt.block_on(async move {
        gort::select! {
            v = recv(rx_a) => (v, rx_b.try_recv().ok()),
            v = recv(rx_b) => (v, rx_a.try_recv().ok()),
        }
    });
    let won = rt.block_on(selecting).unwrap().unwrap();
    let expected = if won == 'a' { "to a" } else { "to b" };
    assert_eq!(got, (Some(expected.to_string()), None));
}

/// A value that counts its drops.
#[derive(Debug)]
struct Counted(u32, Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.1.fetch_add(1, SeqCst);
    }
}

#[test]
fn a_send_arm_that_finds_no_room_waits_with_its_value_and_the_loser_drops_its_own() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx_a, rx_a) = chan::bounded::<Counted>(1);
    tx_a.try_send(Counted(0, drops.clone())).unwrap(); // full
    let (tx_b, rx_b) = chan::bounded::<Counted>(0); // nobody receives
    let mut select = pin!(async {
        gort::select! {
            r = send(tx_a, Counted(1, drops.clone())) => r.map(|()| 'a'),
            r = send(tx_b, Counted(2, drops.clone())) => r.map(|()| 'b'),
        }
    });
    // The first try finds no room and no receiver: both values wait in their cases.
    assert!(poll_once(select.as_mut()).is_pending());
    assert_eq!(drops.load(SeqCst), 0);
    // Taking the buffered value moves the waiting value 1 into the freed slot: arm a wins.
    assert_eq!(rx_a.try_recv().map(|v| v.0), Ok(0));
    assert_eq!(drops.load(SeqCst), 1);
    assert_eq!(
        poll_once(select.as_mut()).map(|r| r.unwrap()),
        Poll::Ready('a')
    );
    // The losing arm's value 2 was never sent, and is dropped with its case.
    assert_eq!(drops.load(SeqCst), 2);
    assert_eq!(rx_a.try_recv().map(|v| v.0), Ok(1));
    assert_eq!(rx_a.try_recv().map(|v| v.0), Err(TryRecvError::Empty));
    assert_eq!(rx_b.try_recv().map(|v| v.0), Err(TryRecvError::Empty));
    assert_eq!(drops.load(SeqCst), 3);
}

#[test]
fn a_spent_budget_makes_a_select_with_future_arms_and_default_yield_first() {
    let (_tx, rx) = chan::bounded::<u32>(0);
    let mut select = pin!(async {
        gort::select! {
            _ = std::future::ready(()) => "future",
            _ = recv(rx) => "recv",
            default => "default",
        }
    });
    gort::coop::with_budget(0, || assert!(poll_once(select.as_mut()).is_pending()));
    // Polled again with budget: the ready future arm wins over `default`.
    assert_eq!(poll_once(select.as_mut()), Poll::Ready("future"));
}

#[test]
fn a_driver_after_a_try_pass_still_tries_its_future_arms_first() {
    use gort::chan::select::{poll_select, FutureCase, RecvCase, SelectDriver};
    let (_tx, rx) = chan::bounded::<u8>(0);
    let mut ready = pin!(std::future::ready(5));
    let mut driver = SelectDriver::after_try_pass(); // misused: there is a future arm
    let mut recv = RecvCase::new(Some(&rx));
    let mut future = FutureCase::new(ready.as_mut());
    let mut cx = Context::from_waker(Waker::noop());
    let polled = poll_select(&mut driver, &mut [&mut recv, &mut future], &[0, 1], &mut cx);
    assert_eq!(polled, Poll::Ready(1));
    assert_eq!(future.take(), 5);
}

#[test]
fn control_flow_in_a_channel_only_select_acts_on_the_enclosing_code() {
    // The first try's labeled block and loop hold only generated code: `break`, `continue`
    // and a label of the user's own, even one named like the generated one, in guards, values
    // and bodies all act on the user's loop.
    let (tx, rx) = chan::unbounded::<u32>();
    for v in 0..10 {
        tx.try_send(v).unwrap();
    }
    let (out_tx, _out_rx) = chan::unbounded::<u32>();
    let got = gort::block_on(async {
        let mut seen = Vec::new();
        let mut rounds = 0;
        let last = '__gort_select: loop {
            rounds += 1;
            gort::select! {
                v = recv(rx), if { if rounds > 100 { break '__gort_select 0 } true } => {
                    let v = v.unwrap();
                    if v % 2 == 0 {
                        continue;
                    }
                    if v == 7 {
                        break '__gort_select v;
                    }
                    seen.push(v);
                }
                r = send(out_tx, { if rounds > 100 { continue } 99 }), if false => r.unwrap(),
            }
        };
        (last, seen, rounds)
    });
    assert_eq!(got, (7, vec![1, 3, 5], 8));
}

#[test]
fn a_send_value_is_coerced_to_the_channel_type() {
    let (tx, rx) = chan::bounded::<Box<dyn Fn() -> u32 + Send>>(1);
    gort::block_on(async {
        gort::select! {
            r = send(tx, Box::new(|| 7)) => r.map_err(|_| "closed").unwrap(),
        }
    });
    assert_eq!(rx.try_recv().map(|f| f()).ok(), Some(7));
}

#[test]
fn a_waiting_select_holds_a_send_value_once() {
    // A select future must not keep a copy of a send arm's value beside its case's (the first
    // try moves the value in and out rather than borrowing it). The case itself has room for
    // the value and for a closed send's error, which holds it too.
    let (tx, _rx) = chan::bounded::<[u8; 4096]>(0);
    let select = async {
        gort::select! {
            r = send(tx, [7; 4096]) => r.is_ok(),
        }
    };
    let size = std::mem::size_of_val(&select);
    let case = std::mem::size_of::<gort::chan::select::SendCase<'static, [u8; 4096]>>();
    assert!(
        size < case + 512,
        "a one-arm select of a 4 KiB value is {size} bytes, its case {case}"
    );
}

/// Runs the loop that `busy` makes of the stop flag on a one-worker runtime, beside a task that
/// raises the flag; returns the loop's count of rounds. It returns at all only if the loop
/// yields.
fn rounds_beside_a_stopper<Fut>(busy: impl FnOnce(Arc<AtomicUsize>) -> Fut) -> u64
where
    Fut: Future<Output = u64> + Send + 'static,
{
    let stop = Arc::new(AtomicUsize::new(0));
    let busy = busy(stop.clone());
    let (done, rounds) = std::sync::mpsc::channel();
    // A loop that never yields would keep the single worker forever: fail instead of hanging.
    std::thread::spawn(move || {
        let rt = runtime(1);
        let rounds = rt.block_on(async move {
            let busy = gort::spawn(busy);
            gort::spawn(async move { stop.store(1, SeqCst) })
                .await
                .unwrap();
            busy.await.unwrap()
        });
        let _ = done.send(rounds);
    });
    rounds
        .recv_timeout(Duration::from_secs(60))
        .expect("the looping task never yielded to the task that stops it")
}

#[test]
fn selects_that_always_take_default_still_yield() {
    let rounds = rounds_beside_a_stopper(|stop| async move {
        let (_tx, rx) = chan::bounded::<u64>(0);
        let mut rounds = 0u64;
        // Go's polling loop: nothing is ever ready, `default` always runs. Only the budget lets
        // the task that raises `stop` run on the single worker.
        while stop.load(SeqCst) == 0 {
            gort::select! {
                v = recv(rx) => unreachable!("nothing is sent: {v:?}"),
                default => rounds += 1,
            }
        }
        rounds
    });
    assert!(rounds > 0);
}

#[test]
fn ready_selects_spend_the_cooperative_budget() {
    let rounds = rounds_beside_a_stopper(|stop| async move {
        let (tx, rx) = chan::unbounded();
        let mut rounds = 0u64;
        // Always ready, never Pending on its own: only the budget lets the other task run.
        while stop.load(SeqCst) == 0 {
            tx.try_send(rounds).unwrap();
            gort::select! {
                v = recv(rx) => assert_eq!(v, Some(rounds)),
            }
            rounds += 1;
        }
        rounds
    });
    assert!(rounds > 0);
}
