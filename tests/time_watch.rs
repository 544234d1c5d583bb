//! The watcher (see `executor/src/scheduler/worker.rs`) and the timer driver together: a
//! frequent timer must not keep the watcher from rescuing a task stranded behind a stuck worker.

use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::time::Duration;

fn runtime(workers: usize) -> gort::Runtime {
    gort::runtime::Builder::new()
        .worker_threads(workers)
        .build()
        .unwrap()
}

/// With 2 workers, the worker that is not stuck owns the timers and is the watcher. A 300 µs
/// ticker wakes it far more often than the watch interval (1 ms); every wake once restarted the
/// watch, so the stranded task waited for the stuck poll to end.
///
/// The bound is counted in ticks, not time, so that a slow machine slows both sides alike: the
/// stranded task must start before the ticker task has received `TICKS` more ticks (~30 ms of
/// ticks; the watch takes 1–2 ms). The `recv_timeout` only keeps a broken build from hanging.
#[test]
fn a_frequent_timer_does_not_keep_the_watcher_from_rescuing_a_stranded_task() {
    const TICKS: u64 = 100;
    #[derive(Debug, PartialEq)]
    enum Outcome {
        Rescued,
        TickLimit,
    }
    let rt = runtime(2);
    let ticks = Arc::new(AtomicU64::new(0));
    let limit = Arc::new(AtomicU64::new(u64::MAX));
    let (outcome_tx, outcome_rx) = mpsc::channel();
    let (stop_tx, stop_rx) = gort::chan::bounded::<()>(1);
    // A task elsewhere receives the ticks until told to stop (the ticker is created on a
    // worker, so that it uses this runtime's driver).
    let ticker_task = rt.spawn({
        let (ticks, limit, outcome_tx) = (ticks.clone(), limit.clone(), outcome_tx.clone());
        async move {
            let ticker = gort::time::Ticker::new(Duration::from_micros(300));
            loop {
                gort::select! {
                    _ = recv(ticker.channel()) => {
                        if ticks.fetch_add(1, SeqCst) + 1 == limit.load(SeqCst) {
                            let _ = outcome_tx.send(Outcome::TickLimit);
                        }
                    }
                    _ = recv(stop_rx) => return,
                }
            }
        }
    });
    let outcome = rt.block_on(async move {
        gort::spawn(async move {
            // Goes into this worker's `next` slot...
            gort::go(async move {
                let _ = outcome_tx.send(Outcome::Rescued);
            });
            limit.store(ticks.load(SeqCst) + TICKS, SeqCst);
            // ...while this poll blocks the worker.
            outcome_rx.recv_timeout(Duration::from_secs(10))
        })
        .await
        .unwrap()
    });
    stop_tx.try_send(()).unwrap();
    rt.block_on(ticker_task).unwrap();
    assert_eq!(
        outcome,
        Ok(Outcome::Rescued),
        "the stranded task waited for the blocked worker"
    );
}

/// Parks per `sleep(1ms)` with 4 idle workers (a measurement, not a test: run with
/// `cargo test --release --test time_watch -- --ignored --nocapture`).
#[test]
#[ignore]
fn measure_parks_per_sleep() {
    let rt = runtime(4);
    const N: u64 = 500;
    for _ in 0..3 {
        let before = rt.handle().metrics().parks;
        rt.block_on(async {
            gort::spawn(async {
                for _ in 0..N {
                    gort::time::sleep(Duration::from_millis(1)).await;
                }
            })
            .await
            .unwrap()
        });
        let parks = rt.handle().metrics().parks - before;
        println!("parks per sleep: {:.2}", parks as f64 / N as f64);
    }
}
