//! Sync-primitive benchmarks: `gort::sync` on gort's runtime against `tokio::sync` on tokio's,
//! each runtime with 2 workers, in the same run.
//!
//! | group                | one iteration                                                        |
//! |----------------------|----------------------------------------------------------------------|
//! | `mutex_uncontended`  | one task locks and unlocks 10,000 times                              |
//! | `mutex_contended`    | 4 tasks each lock 2,500 times, yielding every 16 locks, 10,000 in all |
//! | `semaphore`          | 8 tasks share 2 permits, each acquires and releases 1,250 times       |
//! | `notify_ping_pong`   | two tasks hand a turn back and forth 1,000 times over two `Notify`s   |
//!
//! Every iteration checks its result: the mutex-protected counter equals the number of locks,
//! the semaphore never had more than 2 holders and every acquire happened, the ping-pong ends on
//! the right turn. Throughput is per lock / acquire / hand-off.
//!
//! ```text
//! cargo bench --bench sync
//! cargo bench --bench sync -- --quick
//! ```

use criterion::{Criterion, Throughput};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

/// Worker threads of both runtimes.
const WORKERS: usize = 2;
/// Locks (or acquires, or hand-offs) per iteration.
const OPS: usize = 10_000;
/// Tasks of `mutex_contended` (the issue's "contention of 4 tasks").
const MUTEX_TASKS: usize = 4;
/// Tasks and permits of `semaphore`.
const SEM_TASKS: usize = 8;
const SEM_PERMITS: usize = 2;
/// Rounds of `notify_ping_pong`.
const ROUNDS: usize = 1_000;

fn gort_rt() -> gort::Runtime {
    gort::runtime::Builder::new()
        .worker_threads(WORKERS)
        .build()
        .unwrap()
}

fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .build()
        .unwrap()
}

/// Awaits every handle, panicking if a task failed.
async fn join_all<T, E: std::fmt::Debug>(
    handles: Vec<impl Future<Output = Result<T, E>>>,
) -> Vec<T> {
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

fn mutex_uncontended(c: &mut Criterion) {
    let mut group = c.benchmark_group("mutex_uncontended");
    group.throughput(Throughput::Elements(OPS as u64));
    let rt = gort_rt();
    group.bench_function("gort", |b| {
        b.iter(|| {
            rt.block_on(rt.spawn(async {
                let m = gort::sync::Mutex::new(0usize);
                for _ in 0..OPS {
                    *m.lock().await += 1;
                }
                assert_eq!(m.into_inner(), OPS);
            }))
            .unwrap()
        })
    });
    let rt = tokio_rt();
    group.bench_function("tokio", |b| {
        b.iter(|| {
            rt.block_on(rt.spawn(async {
                let m = tokio::sync::Mutex::new(0usize);
                for _ in 0..OPS {
                    *m.lock().await += 1;
                }
                assert_eq!(m.into_inner(), OPS);
            }))
            .unwrap()
        })
    });
    group.finish();
}

fn mutex_contended(c: &mut Criterion) {
    let mut group = c.benchmark_group("mutex_contended");
    group.throughput(Throughput::Elements(OPS as u64));
    let rt = gort_rt();
    group.bench_function("gort", |b| {
        b.iter(|| {
            let m = Arc::new(gort::sync::Mutex::new(0usize));
            let handles = (0..MUTEX_TASKS)
                .map(|_| {
                    let m = m.clone();
                    rt.spawn(async move {
                        for i in 0..OPS / MUTEX_TASKS {
                            *m.lock().await += 1;
                            if i % 16 == 15 {
                                gort::yield_now().await;
                            }
                        }
                    })
                })
                .collect();
            rt.block_on(join_all(handles));
            assert_eq!(*m.try_lock().unwrap(), OPS);
        })
    });
    let rt = tokio_rt();
    group.bench_function("tokio", |b| {
        b.iter(|| {
            let m = Arc::new(tokio::sync::Mutex::new(0usize));
            let handles = (0..MUTEX_TASKS)
                .map(|_| {
                    let m = m.clone();
                    rt.spawn(async move {
                        for i in 0..OPS / MUTEX_TASKS {
                            *m.lock().await += 1;
                            if i % 16 == 15 {
                                tokio::task::yield_now().await;
                            }
                        }
                    })
                })
                .collect();
            rt.block_on(join_all(handles));
            assert_eq!(*m.try_lock().unwrap(), OPS);
        })
    });
    group.finish();
}

fn semaphore(c: &mut Criterion) {
    let mut group = c.benchmark_group("semaphore");
    group.throughput(Throughput::Elements(OPS as u64));
    let rt = gort_rt();
    group.bench_function("gort", |b| {
        b.iter(|| {
            let sem = Arc::new(gort::sync::Semaphore::new(SEM_PERMITS));
            let (holders, done) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
            let handles = (0..SEM_TASKS)
                .map(|_| {
                    let (sem, holders, done) = (sem.clone(), holders.clone(), done.clone());
                    rt.spawn(async move {
                        for _ in 0..OPS / SEM_TASKS {
                            let _permit = sem.acquire().await;
                            assert!(holders.fetch_add(1, SeqCst) < SEM_PERMITS);
                            holders.fetch_sub(1, SeqCst);
                            done.fetch_add(1, SeqCst);
                        }
                    })
                })
                .collect();
            rt.block_on(join_all(handles));
            assert_eq!(done.load(SeqCst), OPS);
            assert_eq!(sem.available_permits(), SEM_PERMITS);
        })
    });
    let rt = tokio_rt();
    group.bench_function("tokio", |b| {
        b.iter(|| {
            let sem = Arc::new(tokio::sync::Semaphore::new(SEM_PERMITS));
            let (holders, done) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
            let handles = (0..SEM_TASKS)
                .map(|_| {
                    let (sem, holders, done) = (sem.clone(), holders.clone(), done.clone());
                    rt.spawn(async move {
                        for _ in 0..OPS / SEM_TASKS {
                            let _permit = sem.acquire().await.unwrap();
                            assert!(holders.fetch_add(1, SeqCst) < SEM_PERMITS);
                            holders.fetch_sub(1, SeqCst);
                            done.fetch_add(1, SeqCst);
                        }
                    })
                })
                .collect();
            rt.block_on(join_all(handles));
            assert_eq!(done.load(SeqCst), OPS);
            assert_eq!(sem.available_permits(), SEM_PERMITS);
        })
    });
    group.finish();
}

/// Two tasks take turns: `turn` counts hand-offs; each side waits for its notify, checks that
/// it is its turn, bumps `turn` and notifies the other.
macro_rules! ping_pong {
    ($rt:expr, $notify:ty) => {{
        let (ping, pong) = (Arc::new(<$notify>::new()), Arc::new(<$notify>::new()));
        let turn = Arc::new(AtomicUsize::new(0));
        let side = |me: Arc<$notify>, other: Arc<$notify>, parity: usize| {
            let turn = turn.clone();
            async move {
                for _ in 0..ROUNDS / 2 {
                    while turn.load(SeqCst) % 2 != parity {
                        me.notified().await;
                    }
                    turn.fetch_add(1, SeqCst);
                    other.notify_one();
                }
            }
        };
        let a = $rt.spawn(side(ping.clone(), pong.clone(), 0));
        let b = $rt.spawn(side(pong, ping, 1));
        $rt.block_on(join_all(vec![a, b]));
        assert_eq!(turn.load(SeqCst), ROUNDS);
    }};
}

fn notify_ping_pong(c: &mut Criterion) {
    let mut group = c.benchmark_group("notify_ping_pong");
    group.throughput(Throughput::Elements(ROUNDS as u64));
    let rt = gort_rt();
    group.bench_function("gort", |b| b.iter(|| ping_pong!(rt, gort::sync::Notify)));
    let rt = tokio_rt();
    group.bench_function("tokio", |b| b.iter(|| ping_pong!(rt, tokio::sync::Notify)));
    group.finish();
}

// What `criterion_group!`/`criterion_main!` expand to, written out: the macro's `pub fn` would
// trip the workspace's `missing_docs` lint.
fn main() {
    let mut c = Criterion::default().configure_from_args();
    mutex_uncontended(&mut c);
    mutex_contended(&mut c);
    semaphore(&mut c);
    notify_ping_pong(&mut c);
    c.final_summary();
}
