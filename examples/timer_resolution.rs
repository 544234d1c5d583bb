//! How late do gort's timers fire? Prints the lateness distribution (time past the deadline)
//! of sleeps of 1, 10 and 50 ms run one after another, then of 1,000 concurrent sleeps, and
//! the cost of registering and dropping a million pending timers.
//!
//! ```text
//! cargo run --release --example timer_resolution
//! ```
//!
//! The promise being measured: a sleep of `d` completes no earlier than `d`, and on an idle
//! machine within 1 ms after it.

use gort::time::{self, Duration, Instant};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

fn report(label: &str, mut lateness: Vec<Duration>) {
    lateness.sort_unstable();
    let pct = |p: f64| {
        let i = ((lateness.len() as f64 * p).ceil() as usize).clamp(1, lateness.len()) - 1;
        lateness[i].as_secs_f64() * 1e6
    };
    let within_1ms = lateness
        .iter()
        .filter(|l| **l <= Duration::from_millis(1))
        .count();
    println!(
        "{label:<34} n={:<5} p50={:>7.1}µs p90={:>7.1}µs p99={:>7.1}µs max={:>7.1}µs  ≤1ms: {:.1}%",
        lateness.len(),
        pct(0.50),
        pct(0.90),
        pct(0.99),
        pct(1.0),
        100.0 * within_1ms as f64 / lateness.len() as f64,
    );
}

fn main() {
    let rt = gort::Runtime::new().expect("runtime");
    println!("workers: {}", rt.handle().metrics().workers);

    for (d, samples) in [(1, 300), (10, 200), (50, 60)] {
        let d = Duration::from_millis(d);
        let lateness = rt.block_on(gort::spawn(async move {
            let mut lateness = Vec::with_capacity(samples);
            for _ in 0..samples {
                let start = Instant::now();
                time::sleep(d).await;
                let took = start.elapsed();
                assert!(took >= d, "a sleep completed early: {took:?} < {d:?}");
                lateness.push(took - d);
            }
            lateness
        }));
        report(
            &format!("sequential sleep({d:?}), on a task"),
            lateness.unwrap(),
        );
    }

    // The same from a plain thread's block_on (the global runtime's driver).
    let d = Duration::from_millis(1);
    let lateness = gort::block_on(async {
        let mut lateness = Vec::new();
        for _ in 0..300 {
            let start = Instant::now();
            time::sleep(d).await;
            lateness.push(start.elapsed() - d);
        }
        lateness
    });
    report("sequential sleep(1ms), block_on", lateness);

    for d in [1, 10] {
        let d = Duration::from_millis(d);
        let lateness = rt.block_on(async move {
            let handles: Vec<_> = (0..1000)
                .map(|_| {
                    gort::spawn(async move {
                        let start = Instant::now();
                        time::sleep(d).await;
                        start.elapsed() - d
                    })
                })
                .collect();
            let mut lateness = Vec::with_capacity(handles.len());
            for h in handles {
                lateness.push(h.await.unwrap());
            }
            lateness
        });
        report(&format!("1,000 concurrent sleep({d:?})"), lateness);
    }

    // A million pending timers: register (first poll) and cancel (drop).
    let (register, cancel) = rt
        .block_on(gort::spawn(async {
            let waker = futures::task::noop_waker();
            let mut cx = Context::from_waker(&waker);
            let mut sleeps: Vec<_> = (0..1_000_000u64)
                .map(|i| time::sleep(Duration::from_secs(60) + Duration::from_micros(i * 7)))
                .collect();
            let start = Instant::now();
            for s in &mut sleeps {
                assert_eq!(Pin::new(s).poll(&mut cx), Poll::Pending);
            }
            let register = start.elapsed();
            assert_eq!(gort::runtime::Handle::current().metrics().timers, 1_000_000);
            let start = Instant::now();
            drop(sleeps);
            (register, start.elapsed())
        }))
        .unwrap();
    assert_eq!(rt.handle().metrics().timers, 0);
    println!(
        "1,000,000 pending timers: register {:.1} ms ({:.0} ns each), cancel {:.1} ms ({:.0} ns each)",
        register.as_secs_f64() * 1e3,
        register.as_secs_f64() * 1e3,
        cancel.as_secs_f64() * 1e3,
        cancel.as_secs_f64() * 1e3,
    );
}
