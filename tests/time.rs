//! `gort::time` through the facade: sleeps (ordering, never early, cancellation), timeouts,
//! Go's channel timers (`after`, `tick`, `Ticker`, `Timer` with Go 1.23's stop/reset), timers on
//! every kind of executor, and runtime shutdown with timers pending.
//!
//! No test asserts how *late* a timer may be (shared CI machines); only "no earlier than d",
//! orders and counts. Tests that count pending timers use a runtime of their own.

use futures::stream::{FuturesUnordered, StreamExt};
use gort::runtime::Builder;
use gort::time::{self, Duration, Instant, Ticker, Timer};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

fn runtime(workers: usize) -> gort::Runtime {
    Builder::new().worker_threads(workers).build().unwrap()
}

/// Polls a future once (registering a sleep's timer) and hands it back.
fn poll_once<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    let waker = futures::task::noop_waker();
    Pin::new(f).poll(&mut Context::from_waker(&waker))
}

#[test]
fn sleeps_complete_in_deadline_order() {
    // One worker fires every timer, so wake order is deadline order even if a late wake-up
    // fires several at once; FuturesUnordered yields in wake order.
    let rt = runtime(1);
    let order = rt.block_on(async {
        let start = Instant::now();
        // Registered in a scrambled order.
        let mut sleeps: FuturesUnordered<_> = [7u64, 2, 9, 0, 5, 1, 8, 3, 6, 4]
            .into_iter()
            .map(|i| async move {
                time::sleep_until(start + Duration::from_millis(2 + 3 * i)).await;
                i
            })
            .collect();
        let mut order = Vec::new();
        while let Some(i) = sleeps.next().await {
            order.push(i);
        }
        order
    });
    assert_eq!(order, (0..10).collect::<Vec<_>>());
}

#[test]
fn a_sleep_never_completes_early() {
    let rt = runtime(2);
    rt.block_on(async {
        let handles: Vec<_> = (0..200u64)
            .map(|i| {
                gort::spawn(async move {
                    let d = Duration::from_micros(137 * (i % 40));
                    let start = Instant::now();
                    time::sleep(d).await;
                    (start.elapsed(), d)
                })
            })
            .collect();
        for h in handles {
            let (took, d) = h.await.unwrap();
            assert!(took >= d, "slept {took:?}, asked for {d:?}");
        }
    });
}

#[test]
fn sleep_until_a_past_instant_is_ready_at_once_and_registers_nothing() {
    let rt = runtime(1);
    rt.block_on(async {
        let mut s = time::sleep_until(Instant::now() - Duration::from_millis(1));
        assert_eq!(poll_once(&mut s), Poll::Ready(()));
        assert_eq!(gort::runtime::Handle::current().metrics().timers, 0);
    });
}

#[test]
fn sleep_reset_moves_the_deadline_both_ways() {
    let rt = runtime(1);
    rt.block_on(async {
        let mut s = time::sleep(Duration::from_millis(2));
        assert!(poll_once(&mut s).is_pending());
        let later = Instant::now() + Duration::from_millis(20);
        s.reset(later);
        (&mut s).await;
        assert!(Instant::now() >= later, "reset to later: completed early");
        let soon = Instant::now() + Duration::from_millis(1);
        let mut s = time::sleep(Duration::from_secs(3600));
        assert!(poll_once(&mut s).is_pending());
        s.reset(soon);
        assert_eq!(s.deadline(), soon);
        s.await;
        assert!(Instant::now() >= soon);
    });
}

#[test]
fn timeout_both_ways() {
    let rt = runtime(2);
    rt.block_on(async {
        assert_eq!(time::timeout(Duration::ZERO, async { 1 }).await, Ok(1));
        let start = Instant::now();
        let d = Duration::from_millis(10);
        let err = time::timeout(d, std::future::pending::<()>())
            .await
            .unwrap_err();
        assert!(start.elapsed() >= d);
        assert_eq!(err, err.clone());
        assert_eq!(err.to_string(), "deadline has elapsed");
        let quick = time::timeout(
            Duration::from_secs(60),
            time::sleep(Duration::from_millis(1)),
        );
        assert_eq!(quick.await, Ok(()));
        let at = Instant::now() + Duration::from_millis(3);
        assert!(time::timeout_at(at, time::sleep(Duration::from_secs(60)))
            .await
            .is_err());
        assert!(Instant::now() >= at);
        // Nothing is left registered: the inner sleeps were dropped with their timeouts.
        assert_eq!(gort::runtime::Handle::current().metrics().timers, 0);
    });
}

#[test]
fn dropped_sleeps_leave_no_timer_behind() {
    let rt = runtime(1);
    rt.block_on(async {
        let handle = gort::runtime::Handle::current();
        let mut sleeps: Vec<_> = (0..1000u64)
            .map(|i| time::sleep(Duration::from_secs(60 + i)))
            .collect();
        for s in &mut sleeps {
            assert!(poll_once(s).is_pending());
        }
        assert_eq!(handle.metrics().timers, 1000);
        drop(sleeps);
        assert_eq!(handle.metrics().timers, 0);
        for i in 0..100_000u64 {
            let mut s = time::sleep(Duration::from_millis(1 + i % 5000));
            assert!(poll_once(&mut s).is_pending());
        }
        assert_eq!(handle.metrics().timers, 0, "100,000 create+drop");
    });
}

#[test]
fn many_pending_timers_register_and_drop() {
    // The million-timer case is in benches/time.rs and examples/timer_resolution.rs; this size
    // keeps a debug build well under a second.
    let rt = runtime(1);
    rt.block_on(async {
        let handle = gort::runtime::Handle::current();
        let mut sleeps: Vec<_> = (0..200_000u64)
            .map(|i| time::sleep(Duration::from_micros(3_600_000_000 + i * 7919 % 1_000_000)))
            .collect();
        for s in &mut sleeps {
            assert!(poll_once(s).is_pending());
        }
        assert_eq!(handle.metrics().timers, 200_000);
        drop(sleeps);
        assert_eq!(handle.metrics().timers, 0);
    });
}

#[test]
fn after_delivers_once_no_earlier_than_d() {
    let start = Instant::now();
    let rx = time::after(Duration::from_millis(5));
    let at = rx.recv_blocking().unwrap();
    assert!(at >= start + Duration::from_millis(5));
    assert!(Instant::now() >= start + Duration::from_millis(5));
    assert_eq!(rx.recv_blocking(), None, "one value, then closed");
}

#[test]
fn ticker_drops_ticks_for_a_slow_reader_and_stays_on_its_grid() {
    let period = Duration::from_millis(2);
    let start = Instant::now();
    let ticker = Ticker::new(period);
    assert_eq!(ticker.channel().capacity(), Some(1));
    while ticker.channel().is_empty() {
        std::thread::yield_now();
    }
    // Ten periods unread: those ticks are dropped, not queued behind the buffered one.
    std::thread::sleep(period * 10);
    let first = ticker.channel().recv_blocking().unwrap();
    assert!(first >= start + period);
    let second = ticker.channel().recv_blocking().unwrap();
    assert!(
        second >= first + period * 10,
        "a tick sent while the buffer was full came through"
    );
    ticker.stop();
    assert!(
        ticker.channel().try_recv().is_err(),
        "no stale tick after stop"
    );
    // Stopped: nothing more, until reset.
    let stopped_at = Instant::now();
    ticker.reset(Duration::from_millis(3));
    let t = ticker.channel().recv_blocking().unwrap();
    assert!(t >= stopped_at + Duration::from_millis(3));
}

#[test]
fn tick_stops_when_its_receiver_is_dropped() {
    let rt = runtime(1);
    rt.block_on(async {
        let handle = gort::runtime::Handle::current();
        let ticks = time::tick(Duration::from_millis(1));
        ticks.recv().await.unwrap();
        drop(ticks);
        // At its next tick it finds no receiver and is not re-armed.
        let deadline = Instant::now() + Duration::from_secs(10);
        while handle.metrics().timers != 0 {
            assert!(
                Instant::now() < deadline,
                "the tick timer outlived its receiver"
            );
            time::sleep(Duration::from_millis(1)).await;
        }
    });
}

#[test]
#[should_panic(expected = "non-positive interval for NewTicker")]
fn a_zero_period_ticker_panics_with_gos_message() {
    let _ = Ticker::new(Duration::ZERO);
}

#[test]
fn timer_stop_and_reset_return_gos_values() {
    // Pending: stop stops it.
    let t = Timer::new(Duration::from_secs(60));
    assert!(t.stop());
    assert!(!t.stop(), "already stopped");
    assert!(
        !t.reset(Duration::from_millis(1)),
        "was stopped: not active"
    );
    t.channel().recv_blocking().unwrap();
    // Fired and received: stop returns false.
    assert!(!t.stop());
    // Fired, not received: Go 1.23 discards the value and counts the timer as stopped.
    let t = Timer::new(Duration::ZERO);
    while t.channel().is_empty() {
        std::thread::yield_now();
    }
    assert!(t.stop());
    assert!(t.channel().try_recv().is_err(), "stale value after stop");
    // Reset of a fired, unreceived timer: true, and only the new value arrives.
    let t = Timer::new(Duration::ZERO);
    while t.channel().is_empty() {
        std::thread::yield_now();
    }
    let reset_at = Instant::now();
    assert!(t.reset(Duration::from_millis(5)));
    let v = t.channel().recv_blocking().unwrap();
    assert!(
        v >= reset_at + Duration::from_millis(5),
        "a stale value came through reset"
    );
    // Reset of a pending timer: true.
    assert!(
        !t.reset(Duration::from_secs(60)),
        "fired and received: not active"
    );
    assert!(t.reset(Duration::from_millis(1)));
}

#[test]
fn timer_stop_racing_its_expiry_never_leaks_a_value() {
    // Bounded stress: each round either received the value before stop, or stop returns true
    // and nothing ever arrives.
    for i in 0..500u32 {
        let t = Timer::new(Duration::from_micros(u64::from(i % 100)));
        let received = i % 2 == 0 && t.channel().try_recv().is_ok();
        let stopped = t.stop();
        assert_ne!(received, stopped, "round {i}");
        assert!(
            t.channel().try_recv().is_err(),
            "round {i}: value after stop"
        );
    }
}

#[test]
fn dropped_timers_and_tickers_leave_no_timer_behind() {
    let rt = runtime(1);
    rt.block_on(async {
        let handle = gort::runtime::Handle::current();
        let timers: Vec<_> = (0..100)
            .map(|_| Timer::new(Duration::from_secs(60)))
            .collect();
        let tickers: Vec<_> = (0..100)
            .map(|_| Ticker::new(Duration::from_secs(60)))
            .collect();
        assert_eq!(handle.metrics().timers, 200);
        drop(timers);
        drop(tickers);
        assert_eq!(handle.metrics().timers, 0);
    });
}

async fn sleep_checked(d: Duration) -> Duration {
    let start = Instant::now();
    time::sleep(d).await;
    let took = start.elapsed();
    assert!(took >= d);
    took
}

#[test]
fn sleep_works_on_every_executor() {
    let d = Duration::from_millis(3);
    // A plain thread's block_on (the global runtime's driver).
    gort::block_on(sleep_checked(d));
    // futures' executor.
    futures::executor::block_on(sleep_checked(d));
    // tokio, on its own worker threads.
    let tokio_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    tokio_rt.block_on(async { tokio::spawn(sleep_checked(d)).await.unwrap() });
    // A gort runtime's block_on and one of its workers.
    let rt = runtime(2);
    rt.block_on(sleep_checked(d));
    rt.block_on(gort::spawn(sleep_checked(d))).unwrap();
    // A worker of the global runtime.
    gort::block_on(gort::spawn(sleep_checked(d))).unwrap();
    // Channel timers from a tokio task.
    tokio_rt.block_on(async {
        let t = Timer::new(d);
        t.channel().recv().await.unwrap();
    });
}

#[test]
fn timers_keep_their_deadline_when_their_runtime_shuts_down() {
    let rt = runtime(1);
    let d = Duration::from_millis(20);
    let start = Instant::now();
    let (mut sleep, after, timer) = rt.block_on(async {
        let mut s = time::sleep(d);
        assert!(poll_once(&mut s).is_pending());
        (s, time::after(d), Timer::new(d))
    });
    assert_eq!(rt.handle().metrics().timers, 3);
    let handle = rt.handle().clone();
    drop(rt);
    assert_eq!(
        handle.metrics().timers,
        0,
        "the dead runtime's wheel is empty"
    );
    // The sleep re-registers on the global runtime at its next poll; channel timers moved.
    futures::executor::block_on(&mut sleep);
    assert!(start.elapsed() >= d);
    assert!(after.recv_blocking().unwrap() >= start + d);
    assert!(timer.channel().recv_blocking().unwrap() >= start + d);
}

#[test]
fn dropping_a_runtime_with_sleeping_tasks_drops_them() {
    struct Flag(std::sync::mpsc::Sender<()>);
    impl Drop for Flag {
        fn drop(&mut self) {
            let _ = self.0.send(());
        }
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let rt = runtime(2);
    for _ in 0..10 {
        let flag = Flag(tx.clone());
        rt.spawn(async move {
            time::sleep(Duration::from_secs(3600)).await;
            drop(flag);
        });
    }
    drop(tx);
    drop(rt);
    assert_eq!(
        rx.iter().count(),
        10,
        "every sleeping task's future was dropped"
    );
}
