//! Exactly-once stress for every channel flavor (`bounded(0)`, `bounded(1)`, `bounded(16)`,
//! `unbounded`) on a 2-worker gort runtime and on plain threads.
//!
//! Every message carries an id and a ledger. Producers and consumers run with and without
//! random cancellation (a `send`/`recv` future raced against a future that is ready after a
//! random, small number of polls, and dropped when it loses), with and without a close in the
//! middle of the run. At the end, every id a producer created must be accounted for exactly
//! once: received by a consumer, handed back in a `SendError`/`SendTimeoutError`, or dropped
//! unsent by its own cancelled `send` future. Anything else — a duplicate, a value dropped
//! inside the channel, a value never seen — fails the test. Counts and sums are checked on
//! both sides too, and per-producer FIFO where the contract promises it.
//!
//! Randomness is a small xorshift seeded per task (no extra crates); runs are bounded in
//! count (20,000 messages per flavor and scenario) so the file takes a few seconds in debug
//! mode on 2 cores.

#[path = "common/flavor.rs"]
mod flavor;
use flavor::Flavor;

use futures::future::{select, Either};
use gort::chan::{self, Receiver, SendTimeoutError, Sender};
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

const PRODUCERS: usize = 4;
const CONSUMERS: usize = 4;
/// Messages per producer: 4 × 5,000 = 20,000 per flavor and scenario.
const PER_PRODUCER: usize = 5_000;

/// xorshift64 (Marsaglia): deterministic per seed, good enough to pick poll counts.
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> XorShift {
        // Spread small seeds over the state; the state must not be zero.
        XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// Uniform-ish in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Ready after `n` polls; wakes itself on each pending poll, so it is a timer-less "soon".
struct ReadyAfter(u64);

impl Future for ReadyAfter {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 == 0 {
            return Poll::Ready(());
        }
        self.0 -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// What happened to each message id.
struct Ledger {
    /// Taken out of the channel by a consumer.
    received: Vec<AtomicU8>,
    /// Handed back to its producer in an error.
    returned: Vec<AtomicU8>,
    /// Dropped by its producer's own cancelled `send` future: never sent.
    unsent: Vec<AtomicU8>,
    /// Dropped anywhere else without being received: lost.
    lost: Vec<AtomicU8>,
}

impl Ledger {
    fn new(ids: usize) -> Arc<Ledger> {
        let column = || (0..ids).map(|_| AtomicU8::new(0)).collect();
        Arc::new(Ledger {
            received: column(),
            returned: column(),
            unsent: column(),
            lost: column(),
        })
    }
}

thread_local! {
    /// The id whose `send` future this thread is dropping right now: a drop of that message
    /// here means "not sent".
    static CANCELLING: Cell<Option<usize>> = const { Cell::new(None) };
}

/// A message that reports its own fate to the ledger.
struct Msg {
    id: usize,
    ledger: Arc<Ledger>,
    /// Set once its fate is recorded (received or returned); its drop then says nothing.
    settled: bool,
}

impl Msg {
    fn new(id: usize, ledger: &Arc<Ledger>) -> Msg {
        Msg {
            id,
            ledger: ledger.clone(),
            settled: false,
        }
    }

    fn settle(mut self, column: fn(&Ledger) -> &Vec<AtomicU8>) -> usize {
        column(&self.ledger)[self.id].fetch_add(1, SeqCst);
        self.settled = true;
        self.id
    }
}

impl Drop for Msg {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        let column = if CANCELLING.with(Cell::get) == Some(self.id) {
            &self.ledger.unsent
        } else {
            &self.ledger.lost
        };
        column[self.id].fetch_add(1, SeqCst);
    }
}

/// Drops a losing `send` future, attributing a drop of message `id` to the cancellation.
fn cancel_send<F>(id: usize, send: F) {
    CANCELLING.with(|c| c.set(Some(id)));
    drop(send);
    CANCELLING.with(|c| c.set(None));
}

#[derive(Clone, Copy, Debug)]
struct Scenario {
    flavor: Flavor,
    producers: usize,
    consumers: usize,
    /// Race sends and receives against a random "soon" and drop the losers.
    cancel: bool,
    /// Consumer 0 closes the channel after receiving this many messages.
    close_after: Option<usize>,
    seed: u64,
}

#[derive(Default)]
struct ProducerReport {
    attempted: usize,
    ok: usize,
    ok_sum: usize,
}

#[derive(Default)]
struct ConsumerReport {
    count: usize,
    sum: usize,
}

/// Runs one scenario on a 2-worker gort runtime and checks the ledger.
fn run_on_gort(s: Scenario) {
    let total = s.producers * PER_PRODUCER;
    let ledger = Ledger::new(total);
    let rt = gort::runtime::Builder::new()
        .worker_threads(2)
        .build()
        .unwrap();
    let (producers, consumers) = rt.block_on(async {
        let (tx, rx) = s.flavor.make::<Msg>();
        let producers: Vec<_> = (0..s.producers)
            .map(|p| {
                let (tx, ledger) = (tx.clone(), ledger.clone());
                gort::spawn(produce(s, p, tx, ledger))
            })
            .collect();
        let consumers: Vec<_> = (0..s.consumers)
            .map(|c| gort::spawn(consume(s, c, rx.clone())))
            .collect();
        drop((tx, rx));
        let mut p_reports = Vec::new();
        for p in producers {
            p_reports.push(p.await.unwrap());
        }
        let mut c_reports = Vec::new();
        for c in consumers {
            c_reports.push(c.await.unwrap());
        }
        (p_reports, c_reports)
    });
    drop(rt);
    let totals = check(s, &ledger, &producers, &consumers);
    if !s.cancel && s.close_after.is_none() {
        assert_eq!(totals.sent, total, "{s:?}: everything was sent");
    }
    if s.close_after.is_none() {
        assert_eq!(
            totals.returned, 0,
            "{s:?}: no send fails while the senders are alive"
        );
    } else {
        // Each producer stops at its first failed send (the close can also come after they
        // are all done, with a large enough buffer).
        assert!(totals.returned <= s.producers, "{s:?}: {totals:?}");
    }
    if !s.cancel {
        assert_eq!(totals.unsent, 0, "{s:?}");
    }
}

async fn produce(s: Scenario, p: usize, tx: Sender<Msg>, ledger: Arc<Ledger>) -> ProducerReport {
    let mut rng = XorShift::new(s.seed ^ ((p as u64 + 1) * 0x1000));
    let mut report = ProducerReport::default();
    for i in 0..PER_PRODUCER {
        let id = p * PER_PRODUCER + i;
        report.attempted += 1;
        let msg = Msg::new(id, &ledger);
        let result = if s.cancel && rng.below(3) == 0 {
            let soon = ReadyAfter(rng.below(4));
            match select(tx.send(msg), soon).await {
                Either::Left((result, _)) => result,
                Either::Right(((), send)) => {
                    cancel_send(id, send);
                    if ledger.unsent[id].load(SeqCst) == 0 {
                        // Taken while it waited: the send happened.
                        report.ok += 1;
                        report.ok_sum += id;
                    }
                    continue;
                }
            }
        } else {
            tx.send(msg).await
        };
        match result {
            Ok(()) => {
                report.ok += 1;
                report.ok_sum += id;
            }
            Err(err) => {
                err.into_inner().settle(|l| &l.returned);
                break; // closed: every later send fails too
            }
        }
    }
    report
}

async fn consume(s: Scenario, c: usize, rx: Receiver<Msg>) -> ConsumerReport {
    let mut rng = XorShift::new(s.seed ^ ((c as u64 + 1) * 0x10_0000));
    let mut report = ConsumerReport::default();
    // Without cancellation, each consumer sees each producer's messages in order.
    let mut last_seen = vec![None::<usize>; s.producers];
    let check_order = !s.cancel || s.consumers == 1;
    loop {
        let got = if s.cancel && rng.below(3) == 0 {
            let soon = ReadyAfter(rng.below(4));
            match select(rx.recv(), soon).await {
                Either::Left((got, _)) => got,
                Either::Right(((), recv)) => {
                    drop(recv); // anything it was handed goes back, in order
                    continue;
                }
            }
        } else {
            rx.recv().await
        };
        let Some(msg) = got else { break };
        let id = msg.settle(|l| &l.received);
        let producer = id / PER_PRODUCER;
        if check_order {
            if let Some(last) = last_seen[producer] {
                assert!(
                    id > last,
                    "{s:?}: consumer {c} got {id} after {last} from producer {producer}"
                );
            }
            last_seen[producer] = Some(id);
        }
        report.count += 1;
        report.sum += id;
        if c == 0 && s.close_after == Some(report.count) {
            rx.close();
        }
    }
    report
}

/// Checks that every created id met exactly one fate and that both sides agree on count and
/// sum.
fn check(
    s: Scenario,
    ledger: &Ledger,
    producers: &[ProducerReport],
    consumers: &[ConsumerReport],
) -> Totals {
    let mut duplicates = Vec::new();
    let mut missing = Vec::new();
    let mut lost = Vec::new();
    let mut unsent = 0;
    let mut returned = 0;
    for (p, report) in producers.iter().enumerate() {
        let ids = p * PER_PRODUCER..p * PER_PRODUCER + PER_PRODUCER;
        for (k, id) in ids.enumerate() {
            let r = ledger.received[id].load(SeqCst);
            let b = ledger.returned[id].load(SeqCst);
            let u = ledger.unsent[id].load(SeqCst);
            let l = ledger.lost[id].load(SeqCst);
            unsent += usize::from(u);
            returned += usize::from(b);
            if l > 0 {
                lost.push(id);
            }
            let fates = r + b + u + l;
            if k < report.attempted {
                if fates > 1 {
                    duplicates.push((id, r, b, u, l));
                } else if fates == 0 {
                    missing.push(id);
                }
            } else {
                assert_eq!(fates, 0, "{s:?}: id {id} was never created");
            }
        }
    }
    assert!(
        lost.is_empty(),
        "{s:?}: dropped inside the channel: {lost:?}"
    );
    assert!(
        duplicates.is_empty(),
        "{s:?}: (id, received, returned, unsent, lost): {duplicates:?}"
    );
    assert!(
        missing.is_empty(),
        "{s:?}: never accounted for: {missing:?}"
    );

    let sent: usize = producers.iter().map(|r| r.ok).sum();
    let sent_sum: usize = producers.iter().map(|r| r.ok_sum).sum();
    let got: usize = consumers.iter().map(|r| r.count).sum();
    let got_sum: usize = consumers.iter().map(|r| r.sum).sum();
    assert_eq!(
        (got, got_sum),
        (sent, sent_sum),
        "{s:?}: received vs sent (count, sum)"
    );
    let attempted: usize = producers.iter().map(|r| r.attempted).sum();
    assert_eq!(sent + unsent + returned, attempted, "{s:?}");
    Totals {
        sent,
        unsent,
        returned,
    }
}

/// How the attempted sends ended, over all producers.
#[derive(Debug)]
struct Totals {
    sent: usize,
    unsent: usize,
    returned: usize,
}

fn scenario(flavor: Flavor, seed: u64) -> Scenario {
    Scenario {
        flavor,
        producers: PRODUCERS,
        consumers: CONSUMERS,
        cancel: false,
        close_after: None,
        seed,
    }
}

macro_rules! per_flavor {
    ($($name:ident: $flavor:expr, $seed:expr;)+) => {
        $(
            mod $name {
                use super::*;

                #[test]
                fn mpmc_exactly_once() {
                    run_on_gort(scenario($flavor, $seed));
                }

                #[test]
                fn mpmc_exactly_once_with_random_cancellation() {
                    run_on_gort(Scenario { cancel: true, ..scenario($flavor, $seed) });
                }

                #[test]
                fn mpmc_exactly_once_with_cancellation_and_close_midway() {
                    run_on_gort(Scenario {
                        cancel: true,
                        close_after: Some(PRODUCERS * PER_PRODUCER / 8),
                        ..scenario($flavor, $seed)
                    });
                }

                #[test]
                fn single_consumer_keeps_per_producer_fifo_under_cancellation() {
                    run_on_gort(Scenario {
                        cancel: true,
                        consumers: 1,
                        ..scenario($flavor, $seed)
                    });
                }

                #[test]
                fn threads_with_random_timeouts_exactly_once() {
                    run_on_threads($flavor, $seed);
                }
            }
        )+
    };
}

per_flavor! {
    bounded0: Flavor::Zero, 0xB0;
    bounded1: Flavor::One, 0xB1;
    bounded16: Flavor::Sixteen, 0xB16;
    unbounded: Flavor::Unbounded, 0x0B;
}

/// The blocking API under stress: producers use `send_timeout` and consumers `recv_timeout`
/// with random timeouts of 0–50 µs, so operations time out (are withdrawn) all the time.
fn run_on_threads(flavor: Flavor, seed: u64) {
    const THREADS: usize = 2;
    // `check` lays ids out by PER_PRODUCER.
    const PER_THREAD: usize = PER_PRODUCER;
    let total = THREADS * PER_THREAD;
    let ledger = Ledger::new(total);
    let (tx, rx) = flavor.make::<Msg>();
    let timeouts = Arc::new(AtomicUsize::new(0));
    let producers: Vec<_> = (0..THREADS)
        .map(|p| {
            let (tx, ledger, timeouts) = (tx.clone(), ledger.clone(), timeouts.clone());
            std::thread::spawn(move || {
                let mut rng = XorShift::new(seed ^ ((p as u64 + 1) * 0x1000));
                let mut report = ProducerReport::default();
                for id in p * PER_THREAD..(p + 1) * PER_THREAD {
                    report.attempted += 1;
                    let timeout = Duration::from_micros(rng.below(50));
                    match tx.send_timeout(Msg::new(id, &ledger), timeout) {
                        Ok(()) => {
                            report.ok += 1;
                            report.ok_sum += id;
                        }
                        Err(SendTimeoutError::Timeout(msg)) => {
                            timeouts.fetch_add(1, SeqCst);
                            msg.settle(|l| &l.returned);
                        }
                        Err(SendTimeoutError::Closed(_)) => unreachable!("closed early"),
                    }
                }
                report
            })
        })
        .collect();
    let consumers: Vec<_> = (0..THREADS)
        .map(|c| {
            let rx = rx.clone();
            std::thread::spawn(move || {
                let mut rng = XorShift::new(seed ^ ((c as u64 + 1) * 0x10_0000));
                let mut report = ConsumerReport::default();
                loop {
                    let timeout = Duration::from_micros(rng.below(50));
                    match rx.recv_timeout(timeout) {
                        Ok(msg) => {
                            report.count += 1;
                            report.sum += msg.settle(|l| &l.received);
                        }
                        Err(chan::RecvTimeoutError::Timeout) => {}
                        Err(chan::RecvTimeoutError::Closed) => break,
                    }
                }
                report
            })
        })
        .collect();
    drop((tx, rx));
    let producers: Vec<_> = producers.into_iter().map(|t| t.join().unwrap()).collect();
    let consumers: Vec<_> = consumers.into_iter().map(|t| t.join().unwrap()).collect();
    let s = Scenario {
        flavor,
        producers: THREADS,
        consumers: THREADS,
        cancel: true,
        close_after: None,
        seed,
    };
    let totals = check(s, &ledger, &producers, &consumers);
    assert_eq!(
        totals.unsent, 0,
        "{s:?}: a timed-out send returns its value"
    );
    assert_eq!(totals.returned, timeouts.load(SeqCst), "{s:?}");
    assert!(totals.sent > 0, "{s:?}");
}
