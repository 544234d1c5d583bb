//! How gort's executor scales with worker threads, next to tokio's multi-thread runtime.
//!
//! `cargo run --release --example scaling -- 1 2 4 8 16` (default: 1 2 and the core count).
//! For each worker count and workload it prints the median wall time of 5 runs (`--runs N` to change it) and the speedup
//! over one worker; every run checks its result. Meant for a many-core machine; on 2 cores it
//! only shows 1 → 2.
//!
//! Workloads:
//! * `cpu_tasks`: 20,000 tasks of ~20 µs of arithmetic each, spawned from one task (spawn +
//!   stealing + balancing);
//! * `fork_join`: a binary tree of spawns 16 levels deep (65,535 tasks), each joining its
//!   children (stealing from busy workers);
//! * `yield_many`: 1,000 tasks × 200 `yield_now` (run-queue throughput);
//! * `ping_pong`: 2,000 pairs of tasks × 50 round trips over oneshot channels (wake-ups
//!   between tasks);
//! * `spawn_remote`: 100,000 spawns from a thread outside the runtime (global queue).

use std::future::Future;
use std::hint::black_box;
use std::pin::Pin;
use std::time::{Duration, Instant};

trait Rt {
    fn block_on<F: Future + Send + 'static>(&self, f: F) -> F::Output
    where
        F::Output: Send + 'static;
    fn spawn<F>(f: F) -> Pin<Box<dyn Future<Output = F::Output> + Send>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;
    fn spawn_outside<F>(&self, f: F) -> Pin<Box<dyn Future<Output = F::Output> + Send>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;
    fn yield_now() -> Pin<Box<dyn Future<Output = ()> + Send>>;
}

struct Gort(gort::Runtime);
struct Tokio(tokio::runtime::Runtime);

impl Rt for Gort {
    fn block_on<F: Future + Send + 'static>(&self, f: F) -> F::Output
    where
        F::Output: Send + 'static,
    {
        self.0.block_on(f)
    }
    fn spawn<F>(f: F) -> Pin<Box<dyn Future<Output = F::Output> + Send>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let h = gort::spawn(f);
        Box::pin(async move { h.await.unwrap() })
    }
    fn spawn_outside<F>(&self, f: F) -> Pin<Box<dyn Future<Output = F::Output> + Send>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let h = self.0.spawn(f);
        Box::pin(async move { h.await.unwrap() })
    }
    fn yield_now() -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(gort::yield_now())
    }
}

impl Rt for Tokio {
    fn block_on<F: Future + Send + 'static>(&self, f: F) -> F::Output
    where
        F::Output: Send + 'static,
    {
        // Run the body as a task so both runtimes start on a worker.
        self.0
            .block_on(async move { tokio::spawn(f).await.unwrap() })
    }
    fn spawn<F>(f: F) -> Pin<Box<dyn Future<Output = F::Output> + Send>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let h = tokio::spawn(f);
        Box::pin(async move { h.await.unwrap() })
    }
    fn spawn_outside<F>(&self, f: F) -> Pin<Box<dyn Future<Output = F::Output> + Send>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let h = self.0.spawn(f);
        Box::pin(async move { h.await.unwrap() })
    }
    fn yield_now() -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(tokio::task::yield_now())
    }
}

fn work(seed: u64) -> u64 {
    // ~20 µs of dependent arithmetic.
    let mut x = seed | 1;
    for _ in 0..6_000 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        x ^= x >> 29;
    }
    x
}

fn cpu_tasks<R: Rt>(rt: &R) {
    const N: u64 = 20_000;
    static EXPECTED: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let expected = *EXPECTED.get_or_init(|| (0..N).map(work).fold(0, u64::wrapping_add));
    let got = rt.block_on(async {
        let hs: Vec<_> = (0..N).map(|i| R::spawn(async move { work(i) })).collect();
        let mut sum = 0u64;
        for h in hs {
            sum = sum.wrapping_add(h.await);
        }
        sum
    });
    assert_eq!(got, expected);
}

fn fork<R: Rt>(depth: u32) -> Pin<Box<dyn Future<Output = u64> + Send>> {
    Box::pin(async move {
        if depth == 0 {
            return 1;
        }
        let left = R::spawn(fork::<R>(depth - 1));
        let right = R::spawn(fork::<R>(depth - 1));
        1 + left.await + right.await
    })
}

fn fork_join<R: Rt>(rt: &R) {
    const DEPTH: u32 = 15;
    let n = rt.block_on(fork::<R>(DEPTH));
    assert_eq!(n, (1 << (DEPTH + 1)) - 1);
}

fn yield_many<R: Rt>(rt: &R) {
    const TASKS: usize = 1_000;
    const YIELDS: usize = 200;
    let n = rt.block_on(async {
        let hs: Vec<_> = (0..TASKS)
            .map(|_| {
                R::spawn(async {
                    for _ in 0..YIELDS {
                        R::yield_now().await;
                    }
                    YIELDS
                })
            })
            .collect();
        let mut n = 0;
        for h in hs {
            n += h.await;
        }
        n
    });
    assert_eq!(n, TASKS * YIELDS);
}

fn ping_pong<R: Rt>(rt: &R) {
    const PAIRS: usize = 2_000;
    const ROUNDS: usize = 50;
    let n = rt.block_on(async {
        let hs: Vec<_> = (0..PAIRS)
            .map(|_| {
                R::spawn(async {
                    let mut rounds = 0;
                    for _ in 0..ROUNDS {
                        let (tx1, rx1) = futures::channel::oneshot::channel::<()>();
                        let (tx2, rx2) = futures::channel::oneshot::channel::<()>();
                        let partner = R::spawn(async move {
                            rx1.await.unwrap();
                            tx2.send(()).unwrap();
                        });
                        tx1.send(()).unwrap();
                        rx2.await.unwrap();
                        partner.await;
                        rounds += 1;
                    }
                    rounds
                })
            })
            .collect();
        let mut n = 0;
        for h in hs {
            n += h.await;
        }
        n
    });
    assert_eq!(n, PAIRS * ROUNDS);
}

fn spawn_remote<R: Rt>(rt: &R) {
    const N: usize = 100_000;
    let hs: Vec<_> = (0..N)
        .map(|i| rt.spawn_outside(async move { black_box(i) }))
        .collect();
    let sum = rt.block_on(async move {
        let mut sum = 0;
        for h in hs {
            sum += h.await;
        }
        sum
    });
    assert_eq!(sum, N * (N - 1) / 2);
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn measure<R: Rt>(rt: &R, f: fn(&R), runs: usize) -> Duration {
    f(rt); // warm-up
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                f(rt);
                t.elapsed()
            })
            .collect(),
    )
}

type Workload<R> = (&'static str, fn(&R));

fn workloads<R: Rt>() -> Vec<Workload<R>> {
    vec![
        ("cpu_tasks", cpu_tasks::<R>),
        ("fork_join", fork_join::<R>),
        ("yield_many", yield_many::<R>),
        ("ping_pong", ping_pong::<R>),
        ("spawn_remote", spawn_remote::<R>),
    ]
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    // `--runs N`: measured runs per cell (default 5; the examples test uses 1 to stay quick).
    let mut runs = 5;
    if let Some(at) = args.iter().position(|a| a == "--runs") {
        runs = args
            .get(at + 1)
            .and_then(|n| n.parse().ok())
            .filter(|&n| n > 0)
            .expect("--runs takes a positive number, e.g. --runs 3");
        args.drain(at..at + 2);
    }
    let mut counts: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    if counts.is_empty() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        counts = vec![1, 2];
        if cores > 2 {
            counts.push(cores);
        }
    }
    println!("workload      workers  gort ms  (speedup)  tokio ms  (speedup)  gort/tokio");
    let names: Vec<_> = workloads::<Gort>().iter().map(|w| w.0).collect();
    for (i, name) in names.iter().enumerate() {
        let mut base: Option<(Duration, Duration)> = None;
        for &n in &counts {
            let g = Gort(
                gort::runtime::Builder::new()
                    .worker_threads(n)
                    .build()
                    .unwrap(),
            );
            let gt = measure(&g, workloads::<Gort>()[i].1, runs);
            drop(g);
            let t = Tokio(
                tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(n)
                    .build()
                    .unwrap(),
            );
            let tt = measure(&t, workloads::<Tokio>()[i].1, runs);
            drop(t);
            let (gb, tb) = *base.get_or_insert((gt, tt));
            println!(
                "{name:<13} {n:>7}  {:>7.2}  ({:>5.2}x)  {:>8.2}  ({:>5.2}x)  {:>10.2}",
                gt.as_secs_f64() * 1e3,
                gb.as_secs_f64() / gt.as_secs_f64(),
                tt.as_secs_f64() * 1e3,
                tb.as_secs_f64() / tt.as_secs_f64(),
                gt.as_secs_f64() / tt.as_secs_f64(),
            );
        }
    }
}
