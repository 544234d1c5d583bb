//! Select benchmarks: `gort::select!` on gort's channels and runtime against what users would
//! pick instead — `tokio::select!` over tokio mpsc, async-channel, flume and kanal on a tokio
//! runtime, and `crossbeam_channel::select!` on OS threads — in the same run.
//!
//! The scenarios of `/work/shared/anchors/RESULTS.md` ("2. Channels", `select_*` rows), with
//! `u64` messages:
//!
//! | scenario      | one iteration                                                              |
//! |---------------|----------------------------------------------------------------------------|
//! | `select_rx`   | 4 producers, each sending its quarter of [`MESSAGES`] on its own channel; one consumer selecting receives over the 4 channels until all are closed |
//! | `select_both` | 4 producers, each selecting sends of its quarter over the same 4 channels; 4 consumers selecting receives over the 4 channels until all are closed |
//!
//! × the flavors `bounded0` (rendezvous), `bounded1`, `boundedN` ([`CAP_N`]) and `unbounded`.
//! A closed channel's arm is switched off (a guard, or crossbeam's `never()`), as Go programs do
//! with nil channels. Each group is `{scenario}_{flavor}` and holds:
//!
//! - `gort`: `gort::select!` over `gort::chan`, on gort's runtime (2 workers);
//! - `gort_unconstrained`: the same with every producer and consumer task polled outside the
//!   cooperative budget (`gort::coop::unconstrained`), as flume, kanal and async-channel run on
//!   tokio (tokio mpsc is the one peer that spends tokio's budget). Not a result: it measures
//!   what the budget costs gort in each row (BENCHMARKS.md, "The seventh session");
//! - `tokio_mpsc`: `tokio::select!` over `tokio::sync::mpsc` (select_rx only: single consumer;
//!   no bounded0);
//! - `async_channel`, `flume` (`send_async`/`recv_async`), `kanal` (`*_async`):
//!   `tokio::select!` over them, on a tokio runtime (2 workers); no bounded0 for async-channel;
//! - `crossbeam`: `crossbeam_channel::select!` with one OS thread per producer and consumer.
//!
//! Checks: every iteration checks the count and sum of what the consumers received. Both gort
//! rows panic on a mismatch. A peer's mismatch is printed when it happens and in a summary at
//! the end: such a peer is **not valid** for that row (RESULTS.md: kanal loses and duplicates
//! messages under `tokio::select!`, flume's `send_async` duplicates) and BENCHMARKS.md shows it
//! with its error instead of counting its time.
//!
//! [`MESSAGES`] is 100,000 per iteration (RESULTS.md: 1,000,000; same per-message semantics).
//!
//! ```text
//! cargo bench --bench select                     # everything, a few minutes on 2 cores
//! cargo bench --bench select -- select_rx        # one scenario
//! cargo bench --bench select -- 'select_both_bounded0/gort$'
//! ```

use std::future::Future;
use std::sync::{mpsc as std_mpsc, Mutex};
use std::time::Duration;

#[path = "common/flavor.rs"]
mod flavor;
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput};
use flavor::Flavor;

/// Worker threads of both runtimes.
const WORKERS: usize = 2;
/// Messages per iteration.
const MESSAGES: u64 = 100_000;
/// Channels, producers and (in `select_both`) consumers.
const LANES: usize = 4;
/// Values each producer sends.
const PER_PRODUCER: u64 = MESSAGES / LANES as u64;
/// Capacity of the `boundedN` flavor.
const CAP_N: usize = 1_000;
/// An iteration that has not finished after this long is reported as a stall (a panic).
const STALL: Duration = Duration::from_secs(60);

/// Count and sum of the values received in one iteration.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Totals {
    count: u64,
    sum: u64,
}

impl Totals {
    fn add(&mut self, v: u64) {
        self.count += 1;
        self.sum = self.sum.wrapping_add(v);
    }

    fn merge(&mut self, other: Totals) {
        self.count += other.count;
        self.sum = self.sum.wrapping_add(other.sum);
    }
}

/// Every value of `0..MESSAGES`, exactly once.
const EXPECTED: Totals = Totals {
    count: MESSAGES,
    sum: MESSAGES * (MESSAGES - 1) / 2,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scenario {
    SelectRx,
    SelectBoth,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::SelectRx => "select_rx",
            Scenario::SelectBoth => "select_both",
        }
    }
}

/// The values producer `p` sends.
fn values(p: usize) -> std::ops::Range<u64> {
    p as u64 * PER_PRODUCER..(p as u64 + 1) * PER_PRODUCER
}

// ---------------------------------------------------------------------------------------------
// gort
// ---------------------------------------------------------------------------------------------

mod gort_side {
    use super::*;
    use gort::chan::{self, Receiver, Sender};
    use std::pin::Pin;
    use std::task::{Context, Poll};

    /// Whether gort's producer and consumer tasks spend the cooperative budget (they do:
    /// `Cooperative`; `Unconstrained` is the counterfactual).
    #[derive(Clone, Copy)]
    pub(super) enum Budget {
        Cooperative,
        Unconstrained,
    }

    fn channel(flavor: Flavor) -> (Sender<u64>, Receiver<u64>) {
        match flavor.cap(CAP_N) {
            Some(cap) => chan::bounded(cap),
            None => chan::unbounded(),
        }
    }

    /// Receives over the 4 channels until all are closed.
    async fn consume(rx: [Receiver<u64>; LANES]) -> Totals {
        let [r0, r1, r2, r3] = rx;
        let mut open = [true; LANES];
        let mut totals = Totals::default();
        while open.contains(&true) {
            gort::select! {
                v = recv(r0), if open[0] => match v { Some(v) => totals.add(v), None => open[0] = false },
                v = recv(r1), if open[1] => match v { Some(v) => totals.add(v), None => open[1] = false },
                v = recv(r2), if open[2] => match v { Some(v) => totals.add(v), None => open[2] = false },
                v = recv(r3), if open[3] => match v { Some(v) => totals.add(v), None => open[3] = false },
            }
        }
        totals
    }

    /// Polls its future with no cooperative budget ([`gort::coop::unconstrained`]), so that its
    /// channel operations never make it yield: how flume, kanal and async-channel run on tokio,
    /// as they never spend tokio's budget. Only the `gort_unconstrained` rows use it: they show
    /// what the budget costs gort in a row, and are not gort's result.
    struct Unconstrained<F>(Pin<Box<F>>);

    impl<F: Future> Future for Unconstrained<F> {
        type Output = F::Output;
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
            gort::coop::unconstrained(|| self.0.as_mut().poll(cx))
        }
    }

    /// Spawns `future`, under the budget or not.
    fn spawn<F>(budget: Budget, future: F) -> gort::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match budget {
            Budget::Cooperative => gort::spawn(future),
            Budget::Unconstrained => gort::spawn(Unconstrained(Box::pin(future))),
        }
    }

    pub(super) async fn run(scenario: Scenario, flavor: Flavor, budget: Budget) -> Totals {
        let (txs, rxs): (Vec<_>, Vec<_>) = (0..LANES).map(|_| channel(flavor)).unzip();
        let rxs: [Receiver<u64>; LANES] = rxs.try_into().unwrap();
        let mut producers = Vec::new();
        for p in 0..LANES {
            producers.push(match scenario {
                Scenario::SelectRx => {
                    let tx = txs[p].clone();
                    spawn(budget, async move {
                        for v in values(p) {
                            tx.send(v).await.unwrap();
                        }
                    })
                }
                Scenario::SelectBoth => {
                    let [t0, t1, t2, t3]: [Sender<u64>; LANES] = txs.clone().try_into().unwrap();
                    spawn(budget, async move {
                        for v in values(p) {
                            gort::select! {
                                r = send(t0, v) => r.unwrap(),
                                r = send(t1, v) => r.unwrap(),
                                r = send(t2, v) => r.unwrap(),
                                r = send(t3, v) => r.unwrap(),
                            }
                        }
                    })
                }
            });
        }
        drop(txs);
        let consumers = match scenario {
            Scenario::SelectRx => 1,
            Scenario::SelectBoth => LANES,
        };
        let consumers: Vec<_> = (0..consumers)
            .map(|_| spawn(budget, consume(rxs.clone())))
            .collect();
        drop(rxs);
        for p in producers {
            p.await.unwrap();
        }
        let mut totals = Totals::default();
        for c in consumers {
            totals.merge(c.await.unwrap());
        }
        totals
    }
}

// ---------------------------------------------------------------------------------------------
// tokio::select! over the async peers
// ---------------------------------------------------------------------------------------------

/// `tokio::select!` scenarios for one async channel crate: `$bounded(cap)`/`$unbounded()` make a
/// channel,
/// `$send(tx, v)` is a future of a `Result`, `$recv(rx)` a future of an `Option`-like result
/// mapped with `.ok()` where needed.
macro_rules! tokio_peer {
    ($module:ident, $tx:ty, $rx:ty, $bounded:path, $unbounded:path,
     |$stx:ident, $sv:ident| $send:expr, |$rrx:ident| $recv:expr) => {
        mod $module {
            use super::*;

            fn channel(flavor: Flavor) -> ($tx, $rx) {
                match flavor.cap(CAP_N) {
                    Some(cap) => $bounded(cap),
                    None => $unbounded(),
                }
            }

            async fn send_one($stx: &$tx, $sv: u64) -> bool {
                $send
            }

            async fn recv_one($rrx: &mut $rx) -> Option<u64> {
                $recv
            }

            async fn consume(rx: [$rx; LANES]) -> Totals {
                let [mut r0, mut r1, mut r2, mut r3] = rx;
                let mut open = [true; LANES];
                let mut totals = Totals::default();
                while open.contains(&true) {
                    tokio::select! {
                        v = recv_one(&mut r0), if open[0] => match v { Some(v) => totals.add(v), None => open[0] = false },
                        v = recv_one(&mut r1), if open[1] => match v { Some(v) => totals.add(v), None => open[1] = false },
                        v = recv_one(&mut r2), if open[2] => match v { Some(v) => totals.add(v), None => open[2] = false },
                        v = recv_one(&mut r3), if open[3] => match v { Some(v) => totals.add(v), None => open[3] = false },
                    }
                }
                totals
            }

            /// Runs `scenario`; `clone_rx` clones the receivers for each `select_both` consumer
            /// (never called in `select_rx`, so a single-consumer channel passes a panic).
            pub(super) async fn run_with(
                scenario: Scenario,
                flavor: Flavor,
                clone_rx: impl Fn(&[$rx; LANES]) -> [$rx; LANES],
            ) -> Totals {
                let (txs, rxs): (Vec<_>, Vec<_>) = (0..LANES).map(|_| channel(flavor)).unzip();
                let rxs: [$rx; LANES] = match rxs.try_into() {
                    Ok(rxs) => rxs,
                    Err(_) => unreachable!(),
                };
                let mut producers = Vec::new();
                for p in 0..LANES {
                    producers.push(match scenario {
                        Scenario::SelectRx => {
                            let tx = txs[p].clone();
                            tokio::spawn(async move {
                                for v in values(p) {
                                    if !send_one(&tx, v).await {
                                        break;
                                    }
                                }
                            })
                        }
                        Scenario::SelectBoth => {
                            let (t0, t1, t2, t3) =
                                (txs[0].clone(), txs[1].clone(), txs[2].clone(), txs[3].clone());
                            tokio::spawn(async move {
                                for v in values(p) {
                                    let sent = tokio::select! {
                                        r = send_one(&t0, v) => r,
                                        r = send_one(&t1, v) => r,
                                        r = send_one(&t2, v) => r,
                                        r = send_one(&t3, v) => r,
                                    };
                                    if !sent {
                                        break;
                                    }
                                }
                            })
                        }
                    });
                }
                drop(txs);
                let consumers: Vec<_> = match scenario {
                    Scenario::SelectRx => vec![tokio::spawn(consume(rxs))],
                    Scenario::SelectBoth => {
                        let all: Vec<_> = (0..LANES)
                            .map(|_| tokio::spawn(consume(clone_rx(&rxs))))
                            .collect();
                        drop(rxs);
                        all
                    }
                };
                for p in producers {
                    p.await.unwrap();
                }
                let mut totals = Totals::default();
                for c in consumers {
                    totals.merge(c.await.unwrap());
                }
                totals
            }
        }
    };
}

/// tokio mpsc has no rendezvous: `bounded0` is never asked of it.
fn tokio_mpsc_bounded(cap: usize) -> (tokio_mpsc_types::Tx, tokio_mpsc_types::Rx) {
    let (tx, rx) = tokio::sync::mpsc::channel(cap);
    (
        tokio_mpsc_types::Tx::Bounded(tx),
        tokio_mpsc_types::Rx::Bounded(rx),
    )
}

fn tokio_mpsc_unbounded() -> (tokio_mpsc_types::Tx, tokio_mpsc_types::Rx) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    (
        tokio_mpsc_types::Tx::Unbounded(tx),
        tokio_mpsc_types::Rx::Unbounded(rx),
    )
}

mod tokio_mpsc_types {
    #[derive(Clone)]
    pub(super) enum Tx {
        Bounded(tokio::sync::mpsc::Sender<u64>),
        Unbounded(tokio::sync::mpsc::UnboundedSender<u64>),
    }

    pub(super) enum Rx {
        Bounded(tokio::sync::mpsc::Receiver<u64>),
        Unbounded(tokio::sync::mpsc::UnboundedReceiver<u64>),
    }
}

tokio_peer!(
    tokio_mpsc,
    tokio_mpsc_types::Tx,
    tokio_mpsc_types::Rx,
    tokio_mpsc_bounded,
    tokio_mpsc_unbounded,
    |tx, v| match tx {
        tokio_mpsc_types::Tx::Bounded(tx) => tx.send(v).await.is_ok(),
        tokio_mpsc_types::Tx::Unbounded(tx) => tx.send(v).is_ok(),
    },
    |rx| match rx {
        tokio_mpsc_types::Rx::Bounded(rx) => rx.recv().await,
        tokio_mpsc_types::Rx::Unbounded(rx) => rx.recv().await,
    }
);

tokio_peer!(
    async_channel_side,
    async_channel::Sender<u64>,
    async_channel::Receiver<u64>,
    async_channel::bounded,
    async_channel::unbounded,
    |tx, v| tx.send(v).await.is_ok(),
    |rx| rx.recv().await.ok()
);

tokio_peer!(
    flume_side,
    flume::Sender<u64>,
    flume::Receiver<u64>,
    flume::bounded,
    flume::unbounded,
    |tx, v| tx.send_async(v).await.is_ok(),
    |rx| rx.recv_async().await.ok()
);

tokio_peer!(
    kanal_side,
    kanal::AsyncSender<u64>,
    kanal::AsyncReceiver<u64>,
    kanal::bounded_async,
    kanal::unbounded_async,
    |tx, v| tx.send(v).await.is_ok(),
    |rx| rx.recv().await.ok()
);

// ---------------------------------------------------------------------------------------------
// crossbeam-channel on OS threads
// ---------------------------------------------------------------------------------------------

mod crossbeam_side {
    use super::*;
    use crossbeam_channel::{never, select, Receiver, Sender};

    fn channel(flavor: Flavor) -> (Sender<u64>, Receiver<u64>) {
        match flavor.cap(CAP_N) {
            Some(cap) => crossbeam_channel::bounded(cap),
            None => crossbeam_channel::unbounded(),
        }
    }

    fn consume(rx: Vec<Receiver<u64>>) -> Totals {
        let off = never();
        let mut open = [true; LANES];
        let mut totals = Totals::default();
        while open.contains(&true) {
            let r: Vec<&Receiver<u64>> = (0..LANES)
                .map(|i| if open[i] { &rx[i] } else { &off })
                .collect();
            select! {
                recv(r[0]) -> v => match v { Ok(v) => totals.add(v), Err(_) => open[0] = false },
                recv(r[1]) -> v => match v { Ok(v) => totals.add(v), Err(_) => open[1] = false },
                recv(r[2]) -> v => match v { Ok(v) => totals.add(v), Err(_) => open[2] = false },
                recv(r[3]) -> v => match v { Ok(v) => totals.add(v), Err(_) => open[3] = false },
            }
        }
        totals
    }

    pub(super) fn run(scenario: Scenario, flavor: Flavor) -> Totals {
        let (txs, rxs): (Vec<_>, Vec<_>) = (0..LANES).map(|_| channel(flavor)).unzip();
        std::thread::scope(|s| {
            for p in 0..LANES {
                let txs = txs.clone();
                s.spawn(move || match scenario {
                    Scenario::SelectRx => {
                        for v in values(p) {
                            txs[p].send(v).unwrap();
                        }
                    }
                    Scenario::SelectBoth => {
                        for v in values(p) {
                            select! {
                                send(txs[0], v) -> r => r.unwrap(),
                                send(txs[1], v) -> r => r.unwrap(),
                                send(txs[2], v) -> r => r.unwrap(),
                                send(txs[3], v) -> r => r.unwrap(),
                            }
                        }
                    }
                });
            }
            drop(txs);
            let consumers = match scenario {
                Scenario::SelectRx => 1,
                Scenario::SelectBoth => LANES,
            };
            let consumers: Vec<_> = (0..consumers)
                .map(|_| {
                    let rxs = rxs.clone();
                    s.spawn(move || consume(rxs))
                })
                .collect();
            let mut totals = Totals::default();
            for c in consumers {
                totals.merge(c.join().unwrap());
            }
            totals
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------------

/// Peers whose totals were wrong: (group, peer, iterations, first wrong totals).
static MISMATCHES: Mutex<Vec<(String, &'static str, u64, Totals)>> = Mutex::new(Vec::new());

fn check(group: &str, peer: &'static str, got: Totals) {
    if got == EXPECTED {
        return;
    }
    assert!(
        !peer.starts_with("gort"),
        "{group}/{peer}: received {got:?}, expected {EXPECTED:?}"
    );
    let mut mismatches = MISMATCHES.lock().unwrap_or_else(|e| e.into_inner());
    match mismatches
        .iter_mut()
        .find(|(g, name, _, _)| g == group && *name == peer)
    {
        Some((_, _, n, _)) => *n += 1,
        None => {
            // Printed once per group and peer; the summary at the end counts them all.
            eprintln!("MISMATCH {group}/{peer}: received {got:?}, expected {EXPECTED:?}");
            mismatches.push((group.to_owned(), peer, 1, got));
        }
    }
}

/// The runtime an async peer's iterations run on (crossbeam runs on its own threads).
enum Rt {
    Gort(gort::Runtime),
    Tokio(tokio::runtime::Runtime),
}

impl Rt {
    fn gort() -> Rt {
        Rt::Gort(
            gort::runtime::Builder::new()
                .worker_threads(WORKERS)
                .build()
                .unwrap(),
        )
    }

    fn tokio() -> Rt {
        Rt::Tokio(
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(WORKERS)
                .enable_all()
                .build()
                .unwrap(),
        )
    }

    /// Runs one iteration (spawned from the bench thread, as a detached task) and returns its
    /// totals; a stall panics.
    fn run<Fut>(&self, peer: &str, iteration: impl FnOnce() -> Fut) -> Totals
    where
        Fut: Future<Output = Totals> + Send + 'static,
    {
        let (done, done_rx) = std_mpsc::sync_channel(1);
        let run = iteration();
        let task = async move {
            let _ = done.send(run.await);
        };
        match self {
            Rt::Gort(rt) => drop(rt.spawn(task)),
            Rt::Tokio(rt) => drop(rt.spawn(task)),
        }
        done_rx
            .recv_timeout(STALL)
            .unwrap_or_else(|_| panic!("{peer}: stalled after {STALL:?}"))
    }
}

fn bench_peer(
    g: &mut BenchmarkGroup<'_, WallTime>,
    group: &str,
    peer: &'static str,
    iteration: impl Fn() -> Totals,
) {
    g.bench_function(peer, |b| b.iter(|| check(group, peer, iteration())));
}

fn groups(c: &mut Criterion) {
    use gort_side::Budget;
    for scenario in [Scenario::SelectRx, Scenario::SelectBoth] {
        for flavor in Flavor::ALL {
            let name = format!("{}_{}", scenario.name(), flavor.name());
            let mut g = c.benchmark_group(&name);
            g.sample_size(10)
                .warm_up_time(Duration::from_secs(1))
                .measurement_time(Duration::from_secs(2))
                .throughput(Throughput::Elements(MESSAGES));
            let rendezvous = flavor == Flavor::Bounded0;

            for (peer, budget) in [
                ("gort", Budget::Cooperative),
                ("gort_unconstrained", Budget::Unconstrained),
            ] {
                let rt = Rt::gort();
                let run = || rt.run(peer, move || gort_side::run(scenario, flavor, budget));
                bench_peer(&mut g, &name, peer, run);
                drop(rt);
            }

            if scenario == Scenario::SelectRx && !rendezvous {
                let rt = Rt::tokio();
                let run = || {
                    rt.run("tokio_mpsc", move || {
                        tokio_mpsc::run_with(scenario, flavor, |_| unreachable!("one consumer"))
                    })
                };
                bench_peer(&mut g, &name, "tokio_mpsc", run);
                drop(rt);
            }
            if !rendezvous {
                let rt = Rt::tokio();
                let run = || {
                    rt.run("async_channel", move || {
                        async_channel_side::run_with(scenario, flavor, |rx| rx.clone())
                    })
                };
                bench_peer(&mut g, &name, "async_channel", run);
                drop(rt);
            }
            let rt = Rt::tokio();
            let run = || {
                rt.run("flume", move || {
                    flume_side::run_with(scenario, flavor, |rx| rx.clone())
                })
            };
            bench_peer(&mut g, &name, "flume", run);
            drop(rt);

            let rt = Rt::tokio();
            let run = || {
                rt.run("kanal", move || {
                    kanal_side::run_with(scenario, flavor, |rx| rx.clone())
                })
            };
            bench_peer(&mut g, &name, "kanal", run);
            drop(rt);

            let run = || crossbeam_side::run(scenario, flavor);
            bench_peer(&mut g, &name, "crossbeam", run);
            g.finish();
        }
    }
}

fn report_mismatches() {
    let mismatches = MISMATCHES.lock().unwrap_or_else(|e| e.into_inner());
    if mismatches.is_empty() {
        return;
    }
    eprintln!("\nPEER CORRECTNESS FAILURES (not valid peers for these rows):");
    for (group, peer, n, first) in mismatches.iter() {
        let net = first.count as i64 - EXPECTED.count as i64;
        eprintln!(
            "  {group}/{peer}: {n} iteration(s) wrong; first: {} messages (net {net:+}), sum {}",
            first.count, first.sum
        );
    }
}

// criterion_group!/criterion_main! written out (their `pub fn` trips `missing_docs`).
fn main() {
    let mut c = Criterion::default().configure_from_args();
    groups(&mut c);
    c.final_summary();
    report_mismatches();
}
