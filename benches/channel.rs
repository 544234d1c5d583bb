//! Channel benchmarks: gort's channels on gort's runtime (and, as a control, on tokio's) against
//! the async Rust channels users would pick instead, each on a multi-thread runtime with 2
//! workers.
//!
//! What it measures: the scenarios of crossbeam-channel's benchmarks, as used for the baselines in
//! `/work/shared/anchors/RESULTS.md` ("2. Channels"), with `u64` messages:
//!
//! | scenario | one iteration                                                                     |
//! |----------|-----------------------------------------------------------------------------------|
//! | `seq`    | one task sends all [`MESSAGES`], closes, then receives them all until closed       |
//! | `spsc`   | one producer task sends [`MESSAGES`]; one consumer task receives until closed      |
//! | `mpsc`   | [`THREADS`] producer tasks send [`MESSAGES`]` / `[`THREADS`] each; one consumer    |
//! | `mpmc`   | [`THREADS`] producer tasks as above; [`THREADS`] consumer tasks receive until closed |
//!
//! and the flavors `bounded0` (unbuffered: rendezvous), `bounded1`, `boundedN` (capacity
//! [`CAP_N`]; `seq` uses capacity [`MESSAGES`], as it sends everything before receiving, so `seq`
//! has no `bounded0`/`bounded1`) and `unbounded`. Each group is named `{scenario}_{flavor}`, e.g.
//! `mpmc_bounded0`, and holds up to six functions:
//!
//! - `gort`: `gort::chan` on gort's runtime;
//! - `gort_on_tokio`: `gort::chan` on the peers' tokio runtime, which separates what the channel
//!   costs from what the executor does (there gort's cooperative budget is unlimited, as outside
//!   any gort runtime, so its channel never yields for it);
//! - `tokio_mpsc`: `tokio::sync::mpsc` (no `bounded0`: capacity must be > 0; single consumer, so
//!   no `mpmc`);
//! - `async_channel`: async-channel 2 (no `bounded0`: capacity must be > 0);
//! - `flume`: flume's `send_async` / `recv_async`;
//! - `kanal`: kanal's `bounded_async` / `unbounded_async`.
//!
//! The peers and `gort_on_tokio` run on one tokio multi-thread runtime, `gort` on one gort
//! runtime, each with exactly 2 worker threads, built once per function outside the timed loop.
//! Every producer and every consumer is its own spawned task. Producers close the channel by dropping their senders;
//! consumers run until the channel is closed and drained. The channel is created inside each
//! iteration (as crossbeam's benchmarks do).
//!
//! Constants: RESULTS.md's `THREADS = 4` and `boundedN = 1,000`, but **`MESSAGES = 100,000`**
//! per iteration instead of 1,000,000 (same per-message semantics), so that a full run stays
//! within a few minutes on 2 cores. Throughput is reported per message, so "ns per message" can
//! be read off it and compared with RESULTS.md's cells as ratios (absolute times drift on those
//! shared machines: compare gort with the peers from the same run).
//!
//! Checks: every iteration checks the number of messages received and their sum (every value is
//! distinct, `0..MESSAGES`). For both gort columns a wrong answer is an `assert!` failure, so a
//! fast wrong channel panics instead of reporting a time. For the peers a wrong count or sum is
//! reported on stderr when it happens and again in a summary at the end of the run (the peer's time
//! for that group is then not a valid figure); the run goes on so that the other figures are kept.
//! An iteration that does not finish within a minute panics (stall) for every channel.
//!
//! Run it with
//!
//! ```text
//! cargo bench --bench channel                  # everything, a few minutes on 2 cores
//! cargo bench --bench channel -- mpmc          # the groups whose name contains "mpmc"
//! cargo bench --bench channel -- spsc_bounded0 # one group
//! cargo bench --bench channel -- --quick       # a faster, rougher pass
//! ```

use std::fmt::Debug;
use std::future::Future;
use std::sync::{mpsc as std_mpsc, Mutex};
use std::time::Duration;

#[path = "common/flavor.rs"]
mod flavor;
use criterion::measurement::WallTime;
use criterion::{Bencher, BenchmarkGroup, Criterion, Throughput};
use flavor::Flavor;

/// Worker threads of both runtimes (RESULTS.md: tokio runs with `worker_threads(2)`).
const WORKERS: usize = 2;
/// Messages per iteration (RESULTS.md: 1,000,000; scaled down here, see the module docs).
const MESSAGES: usize = 100_000;
/// Producer tasks in `mpsc`/`mpmc`, and consumer tasks in `mpmc`.
const THREADS: usize = 4;
/// Capacity of the `boundedN` flavor (except in `seq`, which uses [`MESSAGES`]).
const CAP_N: usize = 1_000;
/// An iteration that has not finished after this long is reported as a stall (a panic).
const STALL: Duration = Duration::from_secs(60);

/// What one iteration must have received: every value of `0..MESSAGES` exactly once.
const EXPECTED: Totals = Totals {
    count: MESSAGES as u64,
    sum: (MESSAGES as u64) * (MESSAGES as u64 - 1) / 2,
};

/// Count and sum of the values received by the consumers of one iteration.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Totals {
    count: u64,
    sum: u64,
}

impl std::ops::AddAssign for Totals {
    fn add_assign(&mut self, other: Totals) {
        self.count += other.count;
        self.sum = self.sum.wrapping_add(other.sum);
    }
}

/// The few runtime operations the scenarios use (one implementation per runtime).
trait Exec: Sized + 'static {
    /// A multi-thread runtime with [`WORKERS`] worker threads.
    fn build() -> Self;

    /// Spawns from outside the runtime (the bench thread) and detaches the task.
    fn spawn_detached<F>(&self, f: F)
    where
        F: Future<Output = ()> + Send + 'static;

    /// Spawns onto the current runtime from inside one of its tasks; the returned future yields
    /// the task's output (panicking if the task failed).
    fn spawn<F>(f: F) -> impl Future<Output = F::Output> + Send
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;
}

/// Awaits a join handle and unwraps its result.
async fn joined<T, E: Debug>(handle: impl Future<Output = Result<T, E>>) -> T {
    handle.await.expect("benchmark task failed")
}

/// gort's multi-thread runtime.
struct GortRt(gort::Runtime);

impl Exec for GortRt {
    fn build() -> Self {
        let rt = gort::runtime::Builder::new()
            .worker_threads(WORKERS)
            .build()
            .expect("failed to build the gort runtime");
        GortRt(rt)
    }

    fn spawn_detached<F>(&self, f: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        drop(self.0.spawn(f));
    }

    fn spawn<F>(f: F) -> impl Future<Output = F::Output> + Send
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        joined(gort::spawn(f))
    }
}

/// tokio's multi-thread runtime, which every peer channel runs on.
struct TokioRt(tokio::runtime::Runtime);

impl Exec for TokioRt {
    fn build() -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(WORKERS)
            .enable_all()
            .build()
            .expect("failed to build the tokio runtime");
        TokioRt(rt)
    }

    fn spawn_detached<F>(&self, f: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        drop(self.0.spawn(f));
    }

    fn spawn<F>(f: F) -> impl Future<Output = F::Output> + Send
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        joined(tokio::spawn(f))
    }
}

/// The channel operations the scenarios use, so that each scenario is written once.
trait Chan: 'static {
    /// The name of the benchmark function inside each group.
    const NAME: &'static str;
    /// Whether a wrong count or sum panics (both gort columns) or is only reported (peers).
    const STRICT: bool;
    /// The runtime this channel runs on.
    type Rt: Exec;
    type Tx: Clone + Send + 'static;
    type Rx: Send + 'static;

    /// `cap` = 0 is a rendezvous channel.
    fn bounded(cap: usize) -> (Self::Tx, Self::Rx);
    fn unbounded() -> (Self::Tx, Self::Rx);
    /// `false` if the channel was closed.
    fn send(tx: &Self::Tx, v: u64) -> impl Future<Output = bool> + Send + '_;
    /// `None` once the channel is closed and drained.
    fn recv(rx: &mut Self::Rx) -> impl Future<Output = Option<u64>> + Send + '_;

    fn channel(flavor: Flavor, cap_n: usize) -> (Self::Tx, Self::Rx) {
        match flavor.cap(cap_n) {
            Some(cap) => Self::bounded(cap),
            None => Self::unbounded(),
        }
    }
}

/// `gort::chan` as the channel `$name`, on the runtime `$rt`.
macro_rules! gort_chan {
    ($(#[$doc:meta])* $name:ident, $label:literal, $rt:ty) => {
        $(#[$doc])*
        struct $name;

        impl Chan for $name {
            const NAME: &'static str = $label;
            const STRICT: bool = true;
            type Rt = $rt;
            type Tx = gort::chan::Sender<u64>;
            type Rx = gort::chan::Receiver<u64>;

            fn bounded(cap: usize) -> (Self::Tx, Self::Rx) {
                gort::chan::bounded(cap)
            }
            fn unbounded() -> (Self::Tx, Self::Rx) {
                gort::chan::unbounded()
            }
            async fn send(tx: &Self::Tx, v: u64) -> bool {
                tx.send(v).await.is_ok()
            }
            async fn recv(rx: &mut Self::Rx) -> Option<u64> {
                rx.recv().await
            }
        }
    };
}

gort_chan!(
    /// `gort::chan` on gort's runtime.
    Gort,
    "gort",
    GortRt
);
gort_chan!(
    /// `gort::chan` on tokio's runtime: the channel alone, without gort's executor.
    GortOnTokio,
    "gort_on_tokio",
    TokioRt
);

/// `tokio::sync::mpsc`: bounded (capacity > 0) or unbounded, single consumer.
struct TokioMpsc;

#[derive(Clone)]
enum TokioTx {
    Bounded(tokio::sync::mpsc::Sender<u64>),
    Unbounded(tokio::sync::mpsc::UnboundedSender<u64>),
}

enum TokioRx {
    Bounded(tokio::sync::mpsc::Receiver<u64>),
    Unbounded(tokio::sync::mpsc::UnboundedReceiver<u64>),
}

impl Chan for TokioMpsc {
    const NAME: &'static str = "tokio_mpsc";
    const STRICT: bool = false;
    type Rt = TokioRt;
    type Tx = TokioTx;
    type Rx = TokioRx;

    fn bounded(cap: usize) -> (Self::Tx, Self::Rx) {
        let (tx, rx) = tokio::sync::mpsc::channel(cap);
        (TokioTx::Bounded(tx), TokioRx::Bounded(rx))
    }
    fn unbounded() -> (Self::Tx, Self::Rx) {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        (TokioTx::Unbounded(tx), TokioRx::Unbounded(rx))
    }
    async fn send(tx: &Self::Tx, v: u64) -> bool {
        match tx {
            TokioTx::Bounded(tx) => tx.send(v).await.is_ok(),
            TokioTx::Unbounded(tx) => tx.send(v).is_ok(),
        }
    }
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        match rx {
            TokioRx::Bounded(rx) => rx.recv().await,
            TokioRx::Unbounded(rx) => rx.recv().await,
        }
    }
}

/// async-channel 2 (capacity > 0 for bounded).
struct AsyncChannel;

impl Chan for AsyncChannel {
    const NAME: &'static str = "async_channel";
    const STRICT: bool = false;
    type Rt = TokioRt;
    type Tx = async_channel::Sender<u64>;
    type Rx = async_channel::Receiver<u64>;

    fn bounded(cap: usize) -> (Self::Tx, Self::Rx) {
        async_channel::bounded(cap)
    }
    fn unbounded() -> (Self::Tx, Self::Rx) {
        async_channel::unbounded()
    }
    async fn send(tx: &Self::Tx, v: u64) -> bool {
        tx.send(v).await.is_ok()
    }
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().await.ok()
    }
}

/// flume's async API.
struct Flume;

impl Chan for Flume {
    const NAME: &'static str = "flume";
    const STRICT: bool = false;
    type Rt = TokioRt;
    type Tx = flume::Sender<u64>;
    type Rx = flume::Receiver<u64>;

    fn bounded(cap: usize) -> (Self::Tx, Self::Rx) {
        flume::bounded(cap)
    }
    fn unbounded() -> (Self::Tx, Self::Rx) {
        flume::unbounded()
    }
    async fn send(tx: &Self::Tx, v: u64) -> bool {
        tx.send_async(v).await.is_ok()
    }
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv_async().await.ok()
    }
}

/// kanal's async channels.
struct Kanal;

impl Chan for Kanal {
    const NAME: &'static str = "kanal";
    const STRICT: bool = false;
    type Rt = TokioRt;
    type Tx = kanal::AsyncSender<u64>;
    type Rx = kanal::AsyncReceiver<u64>;

    fn bounded(cap: usize) -> (Self::Tx, Self::Rx) {
        kanal::bounded_async(cap)
    }
    fn unbounded() -> (Self::Tx, Self::Rx) {
        kanal::unbounded_async()
    }
    async fn send(tx: &Self::Tx, v: u64) -> bool {
        tx.send(v).await.is_ok()
    }
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().await.ok()
    }
}

/// Sends `first..first + n`, then drops the sender (closing the channel if it was the last).
async fn produce<C: Chan>(tx: C::Tx, first: usize, n: usize) {
    for v in first..first + n {
        if !C::send(&tx, v as u64).await {
            // Closed while sending: only possible if every receiver is gone, which the totals
            // check reports (fewer messages received than sent).
            break;
        }
    }
}

/// Receives until the channel is closed and drained.
async fn consume<C: Chan>(mut rx: C::Rx) -> Totals {
    let mut totals = Totals::default();
    while let Some(v) = C::recv(&mut rx).await {
        totals.count += 1;
        totals.sum = totals.sum.wrapping_add(v);
    }
    totals
}

/// `seq`: one task sends everything, closes, then receives everything.
async fn seq<C: Chan>(flavor: Flavor) -> Totals {
    let (tx, rx) = C::channel(flavor, MESSAGES);
    C::Rt::spawn(async move {
        produce::<C>(tx, 0, MESSAGES).await;
        consume::<C>(rx).await
    })
    .await
}

/// `spsc`: one producer task, one consumer task.
async fn spsc<C: Chan>(flavor: Flavor) -> Totals {
    let (tx, rx) = C::channel(flavor, CAP_N);
    let producer = C::Rt::spawn(produce::<C>(tx, 0, MESSAGES));
    let consumer = C::Rt::spawn(consume::<C>(rx));
    producer.await;
    consumer.await
}

/// Spawns the [`THREADS`] producers of `mpsc`/`mpmc`, each sending its own slice of the values.
fn producers<C: Chan>(tx: C::Tx) -> Vec<impl Future<Output = ()> + Send> {
    let per = MESSAGES / THREADS;
    (0..THREADS)
        .map(|i| C::Rt::spawn(produce::<C>(tx.clone(), i * per, per)))
        .collect()
    // `tx` dropped here: only the producers hold senders.
}

/// `mpsc`: [`THREADS`] producer tasks, one consumer task.
async fn mpsc<C: Chan>(flavor: Flavor) -> Totals {
    let (tx, rx) = C::channel(flavor, CAP_N);
    let producers = producers::<C>(tx);
    let consumer = C::Rt::spawn(consume::<C>(rx));
    for p in producers {
        p.await;
    }
    consumer.await
}

/// `mpmc`: [`THREADS`] producer tasks, [`THREADS`] consumer tasks.
async fn mpmc<C: Chan>(flavor: Flavor) -> Totals
where
    C::Rx: Clone,
{
    let (tx, rx) = C::channel(flavor, CAP_N);
    let producers = producers::<C>(tx);
    let consumers: Vec<_> = (0..THREADS)
        .map(|_| C::Rt::spawn(consume::<C>(rx.clone())))
        .collect();
    drop(rx);
    for p in producers {
        p.await;
    }
    let mut totals = Totals::default();
    for c in consumers {
        totals += c.await;
    }
    totals
}

/// Peer results that failed the count/sum check: (group, function, iterations, first bad totals).
static MISMATCHES: Mutex<Vec<(String, &'static str, u64, Totals)>> = Mutex::new(Vec::new());

/// Checks one iteration's totals: `assert!` for gort's channel, recorded and reported for the
/// peers.
fn check<C: Chan>(group: &str, got: Totals) {
    if got == EXPECTED {
        return;
    }
    assert!(
        !C::STRICT,
        "{group}/{}: received {} messages with sum {}, expected {} with sum {}",
        C::NAME,
        got.count,
        got.sum,
        EXPECTED.count,
        EXPECTED.sum
    );
    eprintln!(
        "MISMATCH {group}/{}: received {} messages with sum {}, expected {} with sum {}",
        C::NAME,
        got.count,
        got.sum,
        EXPECTED.count,
        EXPECTED.sum
    );
    let mut mismatches = MISMATCHES.lock().unwrap_or_else(|e| e.into_inner());
    match mismatches
        .iter_mut()
        .find(|(g, name, _, _)| g == group && *name == C::NAME)
    {
        Some((_, _, iterations, _)) => *iterations += 1,
        None => mismatches.push((group.to_owned(), C::NAME, 1, got)),
    }
}

/// Runs `scenario` once per criterion iteration in a task spawned onto `rt`, waits for its
/// totals (a stall panics) and checks them.
fn bench<C, F, Fut>(b: &mut Bencher<'_>, rt: &C::Rt, group: &str, flavor: Flavor, scenario: F)
where
    C: Chan,
    F: Fn(Flavor) -> Fut,
    Fut: Future<Output = Totals> + Send + 'static,
{
    let (done, done_rx) = std_mpsc::sync_channel::<Totals>(1);
    b.iter(|| {
        let done = done.clone();
        let run = scenario(flavor);
        rt.spawn_detached(async move {
            let totals = run.await;
            done.send(totals).expect("bench thread gone");
        });
        match done_rx.recv_timeout(STALL) {
            Ok(totals) => check::<C>(group, totals),
            Err(_) => panic!("{group}/{}: stalled after {STALL:?}", C::NAME),
        }
    });
}

/// One criterion group per scenario and flavor, with throughput per message.
fn group<'c>(c: &'c mut Criterion, name: &str) -> BenchmarkGroup<'c, WallTime> {
    let mut group = c.benchmark_group(name);
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Elements(MESSAGES as u64));
    group
}

/// Adds `C`'s function to the group, on a runtime built for it alone and dropped afterwards.
fn on<C, F, Fut>(g: &mut BenchmarkGroup<'_, WallTime>, name: &str, flavor: Flavor, scenario: F)
where
    C: Chan,
    F: Fn(Flavor) -> Fut,
    Fut: Future<Output = Totals> + Send + 'static,
{
    let rt = C::Rt::build();
    g.bench_function(C::NAME, |b| {
        bench::<C, _, _>(b, &rt, name, flavor, &scenario)
    });
    drop(rt);
}

fn seq_groups(c: &mut Criterion) {
    // seq sends everything before receiving: only flavors with room for MESSAGES.
    for flavor in [Flavor::BoundedN, Flavor::Unbounded] {
        let name = format!("seq_{}", flavor.name());
        let mut g = group(c, &name);
        on::<Gort, _, _>(&mut g, &name, flavor, seq::<Gort>);
        on::<GortOnTokio, _, _>(&mut g, &name, flavor, seq::<GortOnTokio>);
        on::<TokioMpsc, _, _>(&mut g, &name, flavor, seq::<TokioMpsc>);
        on::<AsyncChannel, _, _>(&mut g, &name, flavor, seq::<AsyncChannel>);
        on::<Flume, _, _>(&mut g, &name, flavor, seq::<Flume>);
        on::<Kanal, _, _>(&mut g, &name, flavor, seq::<Kanal>);
        g.finish();
    }
}

fn spsc_groups(c: &mut Criterion) {
    for flavor in Flavor::ALL {
        let name = format!("spsc_{}", flavor.name());
        let mut g = group(c, &name);
        on::<Gort, _, _>(&mut g, &name, flavor, spsc::<Gort>);
        on::<GortOnTokio, _, _>(&mut g, &name, flavor, spsc::<GortOnTokio>);
        if flavor != Flavor::Bounded0 {
            on::<TokioMpsc, _, _>(&mut g, &name, flavor, spsc::<TokioMpsc>);
            on::<AsyncChannel, _, _>(&mut g, &name, flavor, spsc::<AsyncChannel>);
        }
        on::<Flume, _, _>(&mut g, &name, flavor, spsc::<Flume>);
        on::<Kanal, _, _>(&mut g, &name, flavor, spsc::<Kanal>);
        g.finish();
    }
}

fn mpsc_groups(c: &mut Criterion) {
    for flavor in Flavor::ALL {
        let name = format!("mpsc_{}", flavor.name());
        let mut g = group(c, &name);
        on::<Gort, _, _>(&mut g, &name, flavor, mpsc::<Gort>);
        on::<GortOnTokio, _, _>(&mut g, &name, flavor, mpsc::<GortOnTokio>);
        if flavor != Flavor::Bounded0 {
            on::<TokioMpsc, _, _>(&mut g, &name, flavor, mpsc::<TokioMpsc>);
            on::<AsyncChannel, _, _>(&mut g, &name, flavor, mpsc::<AsyncChannel>);
        }
        on::<Flume, _, _>(&mut g, &name, flavor, mpsc::<Flume>);
        on::<Kanal, _, _>(&mut g, &name, flavor, mpsc::<Kanal>);
        g.finish();
    }
}

fn mpmc_groups(c: &mut Criterion) {
    for flavor in Flavor::ALL {
        let name = format!("mpmc_{}", flavor.name());
        let mut g = group(c, &name);
        on::<Gort, _, _>(&mut g, &name, flavor, mpmc::<Gort>);
        on::<GortOnTokio, _, _>(&mut g, &name, flavor, mpmc::<GortOnTokio>);
        // tokio::sync::mpsc is single-consumer: no mpmc.
        if flavor != Flavor::Bounded0 {
            on::<AsyncChannel, _, _>(&mut g, &name, flavor, mpmc::<AsyncChannel>);
        }
        on::<Flume, _, _>(&mut g, &name, flavor, mpmc::<Flume>);
        on::<Kanal, _, _>(&mut g, &name, flavor, mpmc::<Kanal>);
        g.finish();
    }
}

/// Repeats every peer count/sum failure at the end, where it cannot scroll by unnoticed.
fn report_mismatches() {
    let mismatches = MISMATCHES.lock().unwrap_or_else(|e| e.into_inner());
    if mismatches.is_empty() {
        return;
    }
    eprintln!("\nPEER CORRECTNESS FAILURES (their times above are not valid figures):");
    for (group, name, iterations, first) in mismatches.iter() {
        eprintln!(
            "  {group}/{name}: {iterations} iteration(s) wrong; first: {} messages, sum {} \
             (expected {}, sum {})",
            first.count, first.sum, EXPECTED.count, EXPECTED.sum
        );
    }
}

// What `criterion_group!`/`criterion_main!` expand to, written out: the macro's `pub fn` would
// trip the workspace's `missing_docs` lint.
fn main() {
    let mut c = Criterion::default().configure_from_args();
    seq_groups(&mut c);
    spsc_groups(&mut c);
    mpsc_groups(&mut c);
    mpmc_groups(&mut c);
    c.final_summary();
    report_mismatches();
}
