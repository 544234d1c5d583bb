//! `gort::chan` is runtime-agnostic: the same channels on tokio (multi-thread and
//! current-thread), on `futures::executor` (`block_on` with joined futures, and `LocalPool`),
//! on gort, and on plain std threads through the blocking API — and mixed, with the two ends
//! of one channel on different executors (a tokio task sending to a gort task, a std thread
//! receiving from a tokio task, every pair), plus cancellation by tokio's own timers and
//! `tokio::select!`.
//!
//! Every run checks FIFO order (one producer) or exactly-once delivery (many), for every
//! flavor. Ends are synchronised only through the channels themselves and join handles.

#[path = "common/flavor.rs"]
mod flavor;
use flavor::FLAVORS;

use futures::executor::LocalPool;
use futures::task::LocalSpawnExt;
use gort::chan::{self, Receiver, Sender};
use std::cell::RefCell;
use std::future::Future;
use std::ops::Range;
use std::rc::Rc;
use std::sync::mpsc;
use std::time::Duration;

fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap()
}

fn gort_rt() -> gort::Runtime {
    gort::runtime::Builder::new()
        .worker_threads(2)
        .build()
        .unwrap()
}

async fn produce(tx: Sender<u64>, ids: Range<u64>) -> Vec<u64> {
    for i in ids {
        tx.send(i).await.unwrap();
    }
    Vec::new()
}

async fn consume(rx: Receiver<u64>) -> Vec<u64> {
    let mut got = Vec::new();
    while let Some(v) = rx.recv().await {
        got.push(v);
    }
    got
}

fn produce_blocking(tx: Sender<u64>, ids: Range<u64>) -> Vec<u64> {
    for i in ids {
        tx.send_blocking(i).unwrap();
    }
    Vec::new()
}

fn consume_blocking(rx: Receiver<u64>) -> Vec<u64> {
    rx.iter().collect()
}

/// Checks that the union of what the consumers got is `0..n`, each exactly once, and that each
/// consumer saw every producer's values in increasing order (`span`: values per producer).
fn assert_exactly_once(what: &str, consumers: &[Vec<u64>], n: u64, span: u64) {
    assert_each_consumer_in_order(what, consumers, n, span);
    assert_exactly_once_in_any_order(what, consumers, n);
}

/// Without cancellation, a consumer never sees a producer's values out of order.
fn assert_each_consumer_in_order(what: &str, consumers: &[Vec<u64>], n: u64, span: u64) {
    for got in consumers {
        let mut last = vec![None; n.div_ceil(span) as usize];
        for &v in got {
            let p = (v / span) as usize;
            assert!(
                last[p] < Some(v),
                "{what}: producer {p}'s values out of order"
            );
            last[p] = Some(v);
        }
    }
}

/// The union of what the consumers got is `0..n`, each value exactly once.
fn assert_exactly_once_in_any_order(what: &str, consumers: &[Vec<u64>], n: u64) {
    let mut all: Vec<u64> = consumers.iter().flatten().copied().collect();
    all.sort_unstable();
    assert_eq!(all.len() as u64, n, "{what}: received count");
    assert!(
        all.iter().copied().eq(0..n),
        "{what}: every value exactly once"
    );
}

// ---------------------------------------------------------------------------------------------
// One executor at a time
// ---------------------------------------------------------------------------------------------

#[test]
fn tokio_multi_thread_mpmc_on_every_flavor() {
    const P: u64 = 4;
    const N: u64 = 2_000;
    let rt = tokio_rt();
    for flavor in FLAVORS {
        let consumers = rt.block_on(async {
            let (tx, rx) = flavor.make();
            let producers: Vec<_> = (0..P)
                .map(|p| tokio::spawn(produce(tx.clone(), p * N..(p + 1) * N)))
                .collect();
            let consumers: Vec<_> = (0..4).map(|_| tokio::spawn(consume(rx.clone()))).collect();
            drop((tx, rx));
            for p in producers {
                p.await.unwrap();
            }
            let mut got = Vec::new();
            for c in consumers {
                got.push(c.await.unwrap());
            }
            got
        });
        assert_exactly_once(&format!("tokio {flavor:?}"), &consumers, P * N, N);
    }
}

#[test]
fn tokio_current_thread_rendezvous_and_fifo() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    for flavor in FLAVORS {
        let got = rt.block_on(async {
            let (tx, rx) = flavor.make();
            let producer = tokio::spawn(produce(tx, 0..1000));
            let got = consume(rx).await;
            producer.await.unwrap();
            got
        });
        assert!(got.into_iter().eq(0..1000), "{flavor:?}");
    }
}

#[test]
fn futures_block_on_with_joined_futures() {
    for flavor in FLAVORS {
        let (tx, rx) = flavor.make();
        let (tx2, rx2) = (tx.clone(), rx.clone());
        let (_, _, a, b) = futures::executor::block_on(async move {
            futures::join!(
                produce(tx, 0..500),
                produce(tx2, 500..1000),
                consume(rx),
                consume(rx2)
            )
        });
        assert_exactly_once(&format!("block_on {flavor:?}"), &[a, b], 1000, 500);
    }
}

#[test]
fn futures_local_pool_with_spawned_local_tasks() {
    for flavor in FLAVORS {
        let mut pool = LocalPool::new();
        let spawner = pool.spawner();
        let (tx, rx) = flavor.make();
        let results = Rc::new(RefCell::new(Vec::new()));
        for p in 0..3 {
            spawner
                .spawn_local({
                    let tx = tx.clone();
                    async move {
                        produce(tx, p * 300..(p + 1) * 300).await;
                    }
                })
                .unwrap();
        }
        for _ in 0..3 {
            let (rx, results) = (rx.clone(), results.clone());
            spawner
                .spawn_local(async move {
                    let got = consume(rx).await;
                    results.borrow_mut().push(got);
                })
                .unwrap();
        }
        drop((tx, rx));
        pool.run();
        let results = results.borrow();
        assert_eq!(results.len(), 3, "{flavor:?}: every consumer saw the end");
        assert_exactly_once(&format!("LocalPool {flavor:?}"), &results, 900, 300);
    }
}

#[test]
fn gort_runtime_mpmc_on_every_flavor() {
    const P: u64 = 4;
    const N: u64 = 2_000;
    let rt = gort_rt();
    for flavor in FLAVORS {
        let consumers = rt.block_on(async {
            let (tx, rx) = flavor.make();
            let producers: Vec<_> = (0..P)
                .map(|p| gort::spawn(produce(tx.clone(), p * N..(p + 1) * N)))
                .collect();
            let consumers: Vec<_> = (0..4).map(|_| gort::spawn(consume(rx.clone()))).collect();
            drop((tx, rx));
            for p in producers {
                p.await.unwrap();
            }
            let mut got = Vec::new();
            for c in consumers {
                got.push(c.await.unwrap());
            }
            got
        });
        assert_exactly_once(&format!("gort {flavor:?}"), &consumers, P * N, N);
    }
}

#[test]
fn plain_threads_mpmc_on_every_flavor() {
    const P: u64 = 4;
    const N: u64 = 2_000;
    for flavor in FLAVORS {
        let (tx, rx) = flavor.make();
        let producers: Vec<_> = (0..P)
            .map(|p| {
                let tx = tx.clone();
                std::thread::spawn(move || produce_blocking(tx, p * N..(p + 1) * N))
            })
            .collect();
        let consumers: Vec<_> = (0..4)
            .map(|_| {
                let rx = rx.clone();
                std::thread::spawn(move || consume_blocking(rx))
            })
            .collect();
        drop((tx, rx));
        for p in producers {
            p.join().unwrap();
        }
        let got: Vec<_> = consumers.into_iter().map(|c| c.join().unwrap()).collect();
        assert_exactly_once(&format!("threads {flavor:?}"), &got, P * N, N);
    }
}

// ---------------------------------------------------------------------------------------------
// Mixed: the two ends of one channel on different executors
// ---------------------------------------------------------------------------------------------

/// Where a producer or consumer runs.
#[derive(Clone, Copy, Debug)]
enum Exec {
    /// A task on a tokio multi-thread runtime.
    Tokio,
    /// A task on a gort runtime.
    Gort,
    /// `futures::executor::block_on` on its own thread.
    Futures,
    /// The blocking API on a std thread.
    Thread,
}

const EXECS: [Exec; 4] = [Exec::Tokio, Exec::Gort, Exec::Futures, Exec::Thread];

/// The executors, alive for one test.
struct Executors {
    tokio: tokio::runtime::Runtime,
    gort: gort::Runtime,
}

impl Executors {
    fn new() -> Executors {
        Executors {
            tokio: tokio_rt(),
            gort: gort_rt(),
        }
    }

    /// Runs `fut` (or, on a plain thread, `blocking`) on `exec`; its result arrives on `done`.
    fn launch<F>(
        &self,
        exec: Exec,
        fut: F,
        blocking: impl FnOnce() -> Vec<u64> + Send + 'static,
        done: mpsc::Sender<Vec<u64>>,
    ) where
        F: Future<Output = Vec<u64>> + Send + 'static,
    {
        match exec {
            Exec::Tokio => {
                self.tokio
                    .spawn(async move { done.send(fut.await).unwrap() });
            }
            Exec::Gort => {
                self.gort
                    .spawn(async move { done.send(fut.await).unwrap() });
            }
            Exec::Futures => {
                std::thread::spawn(move || done.send(futures::executor::block_on(fut)).unwrap());
            }
            Exec::Thread => {
                std::thread::spawn(move || done.send(blocking()).unwrap());
            }
        }
    }

    fn launch_producer(
        &self,
        exec: Exec,
        tx: &Sender<u64>,
        ids: Range<u64>,
        done: &mpsc::Sender<Vec<u64>>,
    ) {
        let (tx1, tx2) = (tx.clone(), tx.clone());
        let ids2 = ids.clone();
        self.launch(
            exec,
            produce(tx1, ids),
            move || produce_blocking(tx2, ids2),
            done.clone(),
        );
    }

    fn launch_consumer(&self, exec: Exec, rx: &Receiver<u64>, done: &mpsc::Sender<Vec<u64>>) {
        let (rx1, rx2) = (rx.clone(), rx.clone());
        self.launch(
            exec,
            consume(rx1),
            move || consume_blocking(rx2),
            done.clone(),
        );
    }
}

#[test]
fn every_pair_of_executors_keeps_fifo_on_every_flavor() {
    // Includes a tokio task sending to a gort task, and a std thread receiving from a tokio
    // task, among all 16 pairs.
    const N: u64 = 500;
    let execs = Executors::new();
    for flavor in FLAVORS {
        for sender in EXECS {
            for receiver in EXECS {
                let (tx, rx) = flavor.make();
                let (produced_tx, produced_rx) = mpsc::channel();
                let (consumed_tx, consumed_rx) = mpsc::channel();
                execs.launch_producer(sender, &tx, 0..N, &produced_tx);
                execs.launch_consumer(receiver, &rx, &consumed_tx);
                drop((tx, rx));
                produced_rx.recv().unwrap();
                let got = consumed_rx.recv().unwrap();
                assert!(
                    got.iter().copied().eq(0..N),
                    "{flavor:?}: {sender:?} -> {receiver:?}: {got:?}"
                );
            }
        }
    }
}

#[test]
fn tokio_task_sends_to_gort_task() {
    let execs = Executors::new();
    let (tx, rx) = chan::bounded::<u64>(0);
    let sender = execs.tokio.spawn(async move {
        for i in 0..1000 {
            tx.send(i).await.unwrap();
        }
    });
    let receiver = execs.gort.spawn(async move {
        let mut sum = 0;
        while let Some(v) = rx.recv().await {
            sum += v;
        }
        sum
    });
    execs.tokio.block_on(sender).unwrap();
    assert_eq!(execs.gort.block_on(receiver).unwrap(), 999 * 1000 / 2);
}

#[test]
fn std_thread_receives_from_tokio_task() {
    let rt = tokio_rt();
    let (tx, rx) = chan::bounded::<String>(1);
    let sender = rt.spawn(async move {
        for word in ["go", "tokio", "gort"] {
            tx.send(word.to_string()).await.unwrap();
        }
    });
    let receiver = std::thread::spawn(move || rx.iter().collect::<Vec<_>>());
    assert_eq!(receiver.join().unwrap(), ["go", "tokio", "gort"]);
    rt.block_on(sender).unwrap();
}

#[test]
fn ping_pong_between_tokio_and_gort_over_unbuffered_channels() {
    const ROUNDS: u64 = 1000;
    let execs = Executors::new();
    let (ping_tx, ping_rx) = chan::bounded::<u64>(0);
    let (pong_tx, pong_rx) = chan::bounded::<u64>(0);
    let ponger = execs.gort.spawn(async move {
        let mut rounds = 0;
        while let Some(v) = ping_rx.recv().await {
            pong_tx.send(v + 1).await.unwrap();
            rounds += 1;
        }
        rounds
    });
    let pinger = execs.tokio.spawn(async move {
        let mut v = 0;
        for _ in 0..ROUNDS {
            ping_tx.send(v).await.unwrap();
            v = pong_rx.recv().await.unwrap();
        }
        v
    });
    assert_eq!(execs.tokio.block_on(pinger).unwrap(), ROUNDS);
    assert_eq!(execs.gort.block_on(ponger).unwrap(), ROUNDS);
}

#[test]
fn many_producers_and_consumers_spread_over_all_executors() {
    const N: u64 = 1000;
    let execs = Executors::new();
    for flavor in FLAVORS {
        let (tx, rx) = flavor.make();
        let (produced_tx, produced_rx) = mpsc::channel();
        let (consumed_tx, consumed_rx) = mpsc::channel();
        for (p, exec) in EXECS.iter().chain(&EXECS).enumerate() {
            let p = p as u64;
            execs.launch_producer(*exec, &tx, p * N..(p + 1) * N, &produced_tx);
            execs.launch_consumer(*exec, &rx, &consumed_tx);
        }
        drop((tx, rx, produced_tx, consumed_tx));
        assert_eq!(produced_rx.iter().count(), 2 * EXECS.len());
        let got: Vec<_> = consumed_rx.iter().collect();
        assert_eq!(got.len(), 2 * EXECS.len());
        let n = 2 * EXECS.len() as u64 * N;
        assert_exactly_once(&format!("all executors {flavor:?}"), &got, n, N);
    }
}

// ---------------------------------------------------------------------------------------------
// Cancellation by another runtime's machinery
// ---------------------------------------------------------------------------------------------

#[test]
fn tokio_timeouts_and_yields_cancel_receives_without_losing_messages() {
    // Consumers give up on a receive after a few microseconds (tokio's timer drops the `recv`
    // future) or as soon as a bare yield completes first (`tokio::select!` drops it); whatever
    // such a receive had been handed must reach someone.
    const P: u64 = 4;
    const N: u64 = 1000;
    let rt = tokio_rt();
    let mut cancelled = 0;
    for flavor in FLAVORS {
        let consumers = rt.block_on(async {
            let (tx, rx) = flavor.make();
            let producers: Vec<_> = (0..P)
                .map(|p| {
                    let tx: Sender<u64> = tx.clone();
                    tokio::spawn(async move {
                        // Yield now and then, so consumers often find the channel empty.
                        for i in p * N..(p + 1) * N {
                            tx.send(i).await.unwrap();
                            if i % 3 == 0 {
                                tokio::task::yield_now().await;
                            }
                        }
                    })
                })
                .collect();
            let consumers: Vec<_> = (0..3)
                .map(|c| {
                    let rx = rx.clone();
                    tokio::spawn(async move {
                        let mut got = Vec::new();
                        let mut timeouts = 0u32;
                        loop {
                            // Alternate between a timer and a bare yield as the rival.
                            let received = if (got.len() as u64 + c) % 2 == 0 {
                                let wait = Duration::from_micros(1 + got.len() as u64 % 20);
                                tokio::time::timeout(wait, rx.recv()).await.ok()
                            } else {
                                tokio::select! {
                                    v = rx.recv() => Some(v),
                                    () = tokio::task::yield_now() => None,
                                }
                            };
                            match received {
                                Some(Some(v)) => got.push(v),
                                Some(None) => break,
                                None => timeouts += 1,
                            }
                        }
                        (got, timeouts)
                    })
                })
                .collect();
            drop((tx, rx));
            for p in producers {
                p.await.unwrap();
            }
            let mut got = Vec::new();
            let mut timeouts = 0;
            for c in consumers {
                let (values, t) = c.await.unwrap();
                got.push(values);
                timeouts += t;
            }
            cancelled += timeouts;
            got
        });
        // A receive cancelled after it was handed a value passes it on, possibly to a
        // consumer that has already received later values: per-consumer order may differ.
        let what = format!("tokio timeouts {flavor:?}");
        assert_exactly_once_in_any_order(&what, &consumers, P * N);
    }
    assert!(cancelled > 0, "the test cancelled no receive at all");
}

#[test]
fn tokio_select_over_two_channels_loses_nothing() {
    // `tokio::select!` drops the losing branch's `recv` future every time.
    const N: u64 = 2000;
    let rt = tokio_rt();
    for flavor in FLAVORS {
        let got = rt.block_on(async {
            let (a_tx, a_rx) = flavor.make::<u64>();
            let (b_tx, b_rx) = flavor.make::<u64>();
            let pa = tokio::spawn(produce(a_tx, 0..N));
            let pb = tokio::spawn(produce(b_tx, N..2 * N));
            let (mut a_open, mut b_open) = (true, true);
            let mut from_a = Vec::new();
            let mut from_b = Vec::new();
            while a_open || b_open {
                tokio::select! {
                    v = a_rx.recv(), if a_open => match v {
                        Some(v) => from_a.push(v),
                        None => a_open = false,
                    },
                    v = b_rx.recv(), if b_open => match v {
                        Some(v) => from_b.push(v),
                        None => b_open = false,
                    },
                }
            }
            pa.await.unwrap();
            pb.await.unwrap();
            (from_a, from_b)
        });
        assert!(
            got.0.iter().copied().eq(0..N),
            "{flavor:?}: channel a in order"
        );
        assert!(
            got.1.iter().copied().eq(N..2 * N),
            "{flavor:?}: channel b in order"
        );
    }
}
