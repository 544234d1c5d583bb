//! Timer benchmarks: gort's timer driver against tokio's, each on a multi-thread runtime with 2
//! workers, in the same run.
//!
//! | group          | one iteration                                                                |
//! |----------------|------------------------------------------------------------------------------|
//! | `churn`        | inside a task: 100,000 sleeps created, polled once (registered) and dropped (cancelled) |
//! | `timeout_ready`| inside a task: 100,000 `timeout(d, ready)` awaited; each completes at once    |
//! | `sleep_many`   | 10,000 tasks each sleep 1 ms concurrently; wall time until the last is done  |
//! | `million`      | (gort only) 1,000,000 sleeps registered, then all dropped                     |
//!
//! Every iteration checks its counts (pending polls, `Ok` results, completed tasks, and for gort
//! that no timer is left in the driver), so a driver that loses or keeps timers panics.
//!
//! ```text
//! cargo bench --bench time
//! cargo bench --bench time -- churn
//! ```

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use criterion::{Criterion, Throughput};

const WORKERS: usize = 2;
const CHURN: usize = 100_000;
const TIMEOUTS: usize = 100_000;
const SLEEPERS: usize = 10_000;
const MILLION: usize = 1_000_000;

/// Polls `f` once with the current task's waker; true if it was pending.
async fn pending_once<F: Future>(f: std::pin::Pin<&mut F>) -> bool {
    let mut f = Some(f);
    std::future::poll_fn(move |cx| {
        let pending = f.take().unwrap().poll(cx).is_pending();
        Poll::Ready(pending)
    })
    .await
}

fn gort_rt() -> gort::Runtime {
    gort::runtime::Builder::new()
        .worker_threads(WORKERS)
        .build()
        .unwrap()
}

fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_all()
        .build()
        .unwrap()
}

fn churn(c: &mut Criterion) {
    let mut group = c.benchmark_group("churn");
    group.throughput(Throughput::Elements(CHURN as u64));
    let rt = gort_rt();
    group.bench_function("gort", |b| {
        b.iter(|| {
            let pending = rt
                .block_on(rt.spawn(async {
                    let mut pending = 0;
                    for i in 0..CHURN {
                        let mut s =
                            gort::time::sleep(Duration::from_millis(10 + (i % 1000) as u64));
                        pending += usize::from(pending_once(std::pin::Pin::new(&mut s)).await);
                    }
                    pending
                }))
                .unwrap();
            assert_eq!(pending, CHURN);
            assert_eq!(
                rt.handle().metrics().timers,
                0,
                "a cancelled sleep stayed registered"
            );
        })
    });
    let rt = tokio_rt();
    group.bench_function("tokio", |b| {
        b.iter(|| {
            let pending = rt
                .block_on(rt.spawn(async {
                    let mut pending = 0;
                    for i in 0..CHURN {
                        let s = pin!(tokio::time::sleep(Duration::from_millis(
                            10 + (i % 1000) as u64
                        )));
                        pending += usize::from(pending_once(s).await);
                    }
                    pending
                }))
                .unwrap();
            assert_eq!(pending, CHURN);
        })
    });
    group.finish();
}

fn timeout_ready(c: &mut Criterion) {
    let mut group = c.benchmark_group("timeout_ready");
    group.throughput(Throughput::Elements(TIMEOUTS as u64));
    let rt = gort_rt();
    group.bench_function("gort", |b| {
        b.iter(|| {
            let ok = rt
                .block_on(rt.spawn(async {
                    let mut ok = 0;
                    for i in 0..TIMEOUTS {
                        let r = gort::time::timeout(Duration::from_millis(10), async { i }).await;
                        ok += usize::from(r == Ok(i));
                    }
                    ok
                }))
                .unwrap();
            assert_eq!(ok, TIMEOUTS);
        })
    });
    let rt = tokio_rt();
    group.bench_function("tokio", |b| {
        b.iter(|| {
            let ok = rt
                .block_on(rt.spawn(async {
                    let mut ok = 0;
                    for i in 0..TIMEOUTS {
                        let r = tokio::time::timeout(Duration::from_millis(10), async { i }).await;
                        ok += usize::from(r.ok() == Some(i));
                    }
                    ok
                }))
                .unwrap();
            assert_eq!(ok, TIMEOUTS);
        })
    });
    group.finish();
}

fn sleep_many(c: &mut Criterion) {
    let mut group = c.benchmark_group("sleep_many");
    group.throughput(Throughput::Elements(SLEEPERS as u64));
    group.sample_size(20);
    let rt = gort_rt();
    group.bench_function("gort", |b| {
        b.iter(|| {
            let done = Arc::new(AtomicUsize::new(0));
            rt.block_on(async {
                let handles: Vec<_> = (0..SLEEPERS)
                    .map(|_| {
                        let done = done.clone();
                        gort::spawn(async move {
                            gort::time::sleep(Duration::from_millis(1)).await;
                            done.fetch_add(1, Relaxed);
                        })
                    })
                    .collect();
                for h in handles {
                    h.await.unwrap();
                }
            });
            assert_eq!(done.load(Relaxed), SLEEPERS);
        })
    });
    let rt = tokio_rt();
    group.bench_function("tokio", |b| {
        b.iter(|| {
            let done = Arc::new(AtomicUsize::new(0));
            rt.block_on(async {
                let handles: Vec<_> = (0..SLEEPERS)
                    .map(|_| {
                        let done = done.clone();
                        tokio::spawn(async move {
                            tokio::time::sleep(Duration::from_millis(1)).await;
                            done.fetch_add(1, Relaxed);
                        })
                    })
                    .collect();
                for h in handles {
                    h.await.unwrap();
                }
            });
            assert_eq!(done.load(Relaxed), SLEEPERS);
        })
    });
    group.finish();
}

fn million(c: &mut Criterion) {
    let mut group = c.benchmark_group("million");
    group.throughput(Throughput::Elements(MILLION as u64));
    group.sample_size(10);
    let rt = gort_rt();
    group.bench_function("gort", |b| {
        b.iter(|| {
            rt.block_on(rt.spawn(async {
                let mut sleeps: Vec<_> = (0..MILLION)
                    .map(|i| gort::time::sleep(Duration::from_millis(1000 + (i % 100_000) as u64)))
                    .collect();
                for s in &mut sleeps {
                    assert!(pending_once(std::pin::Pin::new(s)).await);
                }
                assert_eq!(gort::runtime::Handle::current().metrics().timers, MILLION);
            }))
            .unwrap();
            assert_eq!(rt.handle().metrics().timers, 0);
        })
    });
    group.finish();
}

// What `criterion_group!`/`criterion_main!` expand to, written out so that the functions need
// no `pub` and no docs.
fn main() {
    let mut c = Criterion::default().configure_from_args();
    churn(&mut c);
    timeout_ready(&mut c);
    sleep_many(&mut c);
    million(&mut c);
    c.final_summary();
}
