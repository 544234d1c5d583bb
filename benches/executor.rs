//! Executor benchmarks: gort against tokio, each on a multi-thread runtime with 2 workers.
//!
//! What it measures: the shapes of tokio's `benches/rt_multi_threaded.rs` (scheduler overhead,
//! not real work), each scenario written once and run on both runtimes:
//!
//! | group               | one iteration                                                           |
//! |---------------------|-------------------------------------------------------------------------|
//! | `spawn_many_local`  | a task spawned from outside spawns 10,000 empty tasks from inside the runtime; the last to finish signals a std channel |
//! | `spawn_many_remote` | the bench thread spawns 10,000 tasks from outside the runtime, then awaits every handle |
//! | `yield_many`        | 200 tasks each call `yield_now` 1,000 times                             |
//! | `ping_pong`         | 1,000 rounds: a task spawns a partner and does a round trip with it over two `futures::channel::oneshot`s |
//! | `chained_spawn`     | a chain of 1,000 nested spawns, each task spawning the next             |
//!
//! Each group has two functions, `gort` and `tokio`. Each runtime is built once per group, outside
//! the timed loop, with exactly 2 worker threads. Every iteration checks its result (tasks
//! completed, yields done, correct round trips, chain depth) with `assert!`, so a runtime that
//! loses or duplicates work makes the benchmark panic instead of reporting a time; an iteration
//! that makes no progress for a minute panics too, instead of hanging.
//!
//! The constants and scenario definitions come from `/work/shared/anchors/RESULTS.md` ("1.
//! Executor"), which also holds the Go and tokio baselines measured on the 2-core CI machine.
//! Absolute times drift on those shared machines: compare gort with tokio from the same run.
//! The reported throughput is per spawn / yield / round, so "ns per op" can be read off it.
//!
//! Run it with
//!
//! ```text
//! cargo bench --bench executor                 # everything, a few minutes on 2 cores
//! cargo bench --bench executor -- --quick      # a faster, rougher pass
//! cargo bench --bench executor -- ping_pong    # one group
//! ```

use std::fmt::Debug;
use std::future::Future;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{Bencher, BenchmarkGroup, Criterion, Throughput};
use futures::channel::oneshot;

/// Worker threads of both runtimes (RESULTS.md: tokio runs with `worker_threads(2)`).
const WORKERS: usize = 2;
/// `spawn_many_local`, `spawn_many_remote`: spawns per iteration.
const NUM_SPAWN: usize = 10_000;
/// `yield_many`: tasks per iteration.
const YIELD_TASKS: usize = 200;
/// `yield_many`: `yield_now` calls per task.
const NUM_YIELD: usize = 1_000;
/// `ping_pong`: rounds per iteration.
const NUM_PINGS: usize = 1_000;
/// `chained_spawn`: nested spawns per iteration.
const CHAIN: usize = 1_000;
/// An iteration that has not finished after this long is reported as a stall (a panic).
const STALL: Duration = Duration::from_secs(60);

/// The few runtime operations the scenarios use, so that each scenario is written once.
trait Exec: Sized + 'static {
    /// The name of the benchmark function inside each group.
    const NAME: &'static str;

    /// A multi-thread runtime with [`WORKERS`] worker threads.
    fn build() -> Self;

    /// Runs `f` to completion on the calling (non-worker) thread.
    fn block_on<F: Future>(&self, f: F) -> F::Output;

    /// Spawns from outside the runtime (the bench thread). The returned future yields the task's
    /// output (panicking if the task failed); dropping it detaches the task.
    fn spawn_remote<F>(&self, f: F) -> impl Future<Output = F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;

    /// Spawns onto the current runtime from inside one of its tasks. Same handle as above.
    fn spawn<F>(f: F) -> impl Future<Output = F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;

    /// The runtime's `yield_now`.
    fn yield_now() -> impl Future<Output = ()> + Send;
}

/// Awaits a join handle and unwraps its result.
async fn joined<T, E: Debug>(handle: impl Future<Output = Result<T, E>>) -> T {
    handle.await.expect("benchmark task failed")
}

/// gort's multi-thread runtime.
struct Gort(gort::Runtime);

impl Exec for Gort {
    const NAME: &'static str = "gort";

    fn build() -> Self {
        let rt = gort::runtime::Builder::new()
            .worker_threads(WORKERS)
            .build()
            .expect("failed to build the gort runtime");
        Gort(rt)
    }

    fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.0.block_on(f)
    }

    fn spawn_remote<F>(&self, f: F) -> impl Future<Output = F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        joined(self.0.spawn(f))
    }

    fn spawn<F>(f: F) -> impl Future<Output = F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        joined(gort::spawn(f))
    }

    fn yield_now() -> impl Future<Output = ()> + Send {
        gort::yield_now()
    }
}

/// tokio's multi-thread runtime.
struct Tokio(tokio::runtime::Runtime);

impl Exec for Tokio {
    const NAME: &'static str = "tokio";

    fn build() -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(WORKERS)
            .enable_all()
            .build()
            .expect("failed to build the tokio runtime");
        Tokio(rt)
    }

    fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.0.block_on(f)
    }

    fn spawn_remote<F>(&self, f: F) -> impl Future<Output = F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        joined(self.0.spawn(f))
    }

    fn spawn<F>(f: F) -> impl Future<Output = F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        joined(tokio::spawn(f))
    }

    fn yield_now() -> impl Future<Output = ()> + Send {
        tokio::task::yield_now()
    }
}

/// Counts finished units of work; the one that completes the target signals the bench thread.
struct Tally {
    target: usize,
    /// Units that ended, correctly or not.
    ended: AtomicUsize,
    /// Units that ended with the right answer.
    correct: AtomicUsize,
    done: mpsc::SyncSender<()>,
}

impl Tally {
    fn new(target: usize) -> (Arc<Self>, mpsc::Receiver<()>) {
        let (done, done_rx) = mpsc::sync_channel(1);
        let tally = Tally {
            target,
            ended: AtomicUsize::new(0),
            correct: AtomicUsize::new(0),
            done,
        };
        (Arc::new(tally), done_rx)
    }

    fn reset(&self) {
        self.ended.store(0, Relaxed);
        self.correct.store(0, Relaxed);
    }

    /// Records one unit; `AcqRel` chains every unit's `correct` bump to the final check.
    fn end(&self, correct: bool) {
        if correct {
            self.correct.fetch_add(1, Relaxed);
        }
        if self.ended.fetch_add(1, AcqRel) + 1 == self.target {
            self.done.send(()).expect("bench thread gone");
        }
    }

    /// Waits for the signal, then checks that every unit ended exactly once and correctly.
    fn wait_and_check(&self, done_rx: &mpsc::Receiver<()>, scenario: &str) {
        if done_rx.recv_timeout(STALL).is_err() {
            panic!(
                "{scenario}: stalled, {} of {} ended after {STALL:?}",
                self.ended.load(Relaxed),
                self.target
            );
        }
        let ended = self.ended.load(Acquire);
        let correct = self.correct.load(Acquire);
        assert!(
            ended == self.target && correct == self.target,
            "{scenario}: expected {} units, {ended} ended, {correct} correct",
            self.target
        );
    }
}

fn bench_spawn_many_local<R: Exec>(b: &mut Bencher<'_>, rt: &R) {
    let (tally, done_rx) = Tally::new(NUM_SPAWN);
    b.iter(|| {
        tally.reset();
        let spawner_tally = tally.clone();
        drop(rt.spawn_remote(async move {
            for _ in 0..NUM_SPAWN {
                let tally = spawner_tally.clone();
                drop(R::spawn(async move { tally.end(true) }));
            }
        }));
        tally.wait_and_check(&done_rx, "spawn_many_local");
    });
}

fn bench_spawn_many_remote<R: Exec>(b: &mut Bencher<'_>, rt: &R) {
    let mut handles = Vec::with_capacity(NUM_SPAWN);
    b.iter(|| {
        for _ in 0..NUM_SPAWN {
            handles.push(rt.spawn_remote(async { 1_usize }));
        }
        let completed: usize = rt.block_on(async {
            let mut completed = 0;
            for handle in handles.drain(..) {
                completed += handle.await;
            }
            completed
        });
        assert!(
            completed == NUM_SPAWN,
            "spawn_many_remote: {completed} of {NUM_SPAWN} tasks completed"
        );
    });
}

fn bench_yield_many<R: Exec>(b: &mut Bencher<'_>, rt: &R) {
    let (tx, rx) = mpsc::sync_channel::<usize>(YIELD_TASKS);
    b.iter(|| {
        for _ in 0..YIELD_TASKS {
            let tx = tx.clone();
            drop(rt.spawn_remote(async move {
                let mut yields = 0;
                for _ in 0..NUM_YIELD {
                    R::yield_now().await;
                    yields += 1;
                }
                tx.send(yields).expect("bench thread gone");
            }));
        }
        let mut yields = 0;
        for received in 0..YIELD_TASKS {
            match rx.recv_timeout(STALL) {
                Ok(n) => yields += n,
                Err(_) => panic!("yield_many: stalled, {received} of {YIELD_TASKS} tasks ended"),
            }
        }
        assert!(
            yields == YIELD_TASKS * NUM_YIELD,
            "yield_many: {yields} yields, expected {}",
            YIELD_TASKS * NUM_YIELD
        );
    });
}

fn bench_ping_pong<R: Exec>(b: &mut Bencher<'_>, rt: &R) {
    let (tally, done_rx) = Tally::new(NUM_PINGS);
    b.iter(|| {
        tally.reset();
        let spawner_tally = tally.clone();
        drop(rt.spawn_remote(async move {
            for round in 0..NUM_PINGS {
                let tally = spawner_tally.clone();
                drop(R::spawn(async move {
                    let (ping_tx, ping_rx) = oneshot::channel::<usize>();
                    let (pong_tx, pong_rx) = oneshot::channel::<usize>();
                    drop(R::spawn(async move {
                        if let Ok(ping) = ping_rx.await {
                            let _ = pong_tx.send(ping + 1);
                        }
                    }));
                    let sent = ping_tx.send(round).is_ok();
                    let pong = pong_rx.await;
                    tally.end(sent && pong == Ok(round + 1));
                }));
            }
        }));
        tally.wait_and_check(&done_rx, "ping_pong");
    });
}

/// One link of the chain: spawns the next link until `left` reaches 0, then reports the depth.
fn chain_link<R: Exec>(left: usize, depth: usize, done: mpsc::SyncSender<usize>) {
    if left == 0 {
        done.send(depth).expect("bench thread gone");
    } else {
        drop(R::spawn(async move {
            chain_link::<R>(left - 1, depth + 1, done);
        }));
    }
}

fn bench_chained_spawn<R: Exec>(b: &mut Bencher<'_>, rt: &R) {
    let (tx, rx) = mpsc::sync_channel::<usize>(1);
    b.iter(|| {
        let tx = tx.clone();
        drop(rt.spawn_remote(async move { chain_link::<R>(CHAIN, 0, tx) }));
        match rx.recv_timeout(STALL) {
            Ok(depth) => assert!(
                depth == CHAIN,
                "chained_spawn: chain of {depth} spawns, expected {CHAIN}"
            ),
            Err(_) => panic!("chained_spawn: stalled after {STALL:?}"),
        }
    });
}

/// One criterion group per scenario; `ops` is the work per iteration, reported as throughput.
fn group<'c>(c: &'c mut Criterion, name: &str, ops: usize) -> BenchmarkGroup<'c, WallTime> {
    let mut group = c.benchmark_group(name);
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(ops as u64));
    group
}

/// Adds `R`'s function to the group, on a runtime built for it alone and dropped afterwards.
fn on<R: Exec>(group: &mut BenchmarkGroup<'_, WallTime>, bench: fn(&mut Bencher<'_>, &R)) {
    let rt = R::build();
    group.bench_function(R::NAME, |b| bench(b, &rt));
    drop(rt);
}

fn spawn_many_local(c: &mut Criterion) {
    let mut g = group(c, "spawn_many_local", NUM_SPAWN);
    on::<Gort>(&mut g, bench_spawn_many_local);
    on::<Tokio>(&mut g, bench_spawn_many_local);
    g.finish();
}

fn spawn_many_remote(c: &mut Criterion) {
    let mut g = group(c, "spawn_many_remote", NUM_SPAWN);
    on::<Gort>(&mut g, bench_spawn_many_remote);
    on::<Tokio>(&mut g, bench_spawn_many_remote);
    g.finish();
}

fn yield_many(c: &mut Criterion) {
    let mut g = group(c, "yield_many", YIELD_TASKS * NUM_YIELD);
    on::<Gort>(&mut g, bench_yield_many);
    on::<Tokio>(&mut g, bench_yield_many);
    g.finish();
}

fn ping_pong(c: &mut Criterion) {
    let mut g = group(c, "ping_pong", NUM_PINGS);
    on::<Gort>(&mut g, bench_ping_pong);
    on::<Tokio>(&mut g, bench_ping_pong);
    g.finish();
}

fn chained_spawn(c: &mut Criterion) {
    let mut g = group(c, "chained_spawn", CHAIN);
    on::<Gort>(&mut g, bench_chained_spawn);
    on::<Tokio>(&mut g, bench_chained_spawn);
    g.finish();
}

// What `criterion_group!`/`criterion_main!` expand to, written out: the macro's `pub fn` would
// trip the workspace's `missing_docs` lint.
fn main() {
    let mut c = Criterion::default().configure_from_args();
    spawn_many_local(&mut c);
    spawn_many_remote(&mut c);
    yield_many(&mut c);
    ping_pong(&mut c);
    chained_spawn(&mut c);
    c.final_summary();
}
