//! Go by Example: Stateful Goroutines — <https://gobyexample.com/stateful-goroutines>, ported
//! to gort.
//!
//! One goroutine owns the state, a map, and the others read and write it by sending requests
//! on channels: sharing memory by communicating, instead of a mutex. Go's request structs carry
//! a `resp chan`; here `ReadOp` and `WriteOp` carry the [`Sender`] half of a fresh unbuffered
//! channel (`gort::chan::bounded(0)`) and the requester keeps the receiver. The owner's
//! `select` over `reads` and `writes` is `gort::select!` with two `recv` arms. Go's
//! `atomic.AddUint64(&readOps, 1)` is an [`AtomicU64`] shared through an [`Arc`], and
//! `rand.Intn(n)` is a small `rand_intn` below (std has no random numbers, and the exact
//! keys do not matter). As in Go, 100 readers and 10 writers run for a second, each pausing a
//! millisecond between operations; how many operations they complete depends on the machine,
//! so the expected output wildcards both counts and the program asserts that both are above
//! zero.
//!
//! [`Sender`]: gort::chan::Sender

use gort::chan::Sender;
use gort::time::{sleep, Duration};
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

// Requests to the owning task. Each carries the sending half of a reply channel (Go's
// `resp chan`), so the owner answers exactly the task that asked.
struct ReadOp {
    key: u64,
    resp: Sender<u64>,
}

struct WriteOp {
    key: u64,
    val: u64,
    resp: Sender<bool>,
}

/// Go's `rand.Intn(n)`: a pseudo-random number in `0..n`. Each `RandomState` is freshly keyed,
/// so hashing nothing with it gives a new number every call.
fn rand_intn(n: u64) -> u64 {
    RandomState::new().build_hasher().finish() % n
}

#[gort::main]
async fn main() {
    // Tallies of completed operations, bumped by the client tasks and read once at the end.
    let read_ops = Arc::new(AtomicU64::new(0));
    let write_ops = Arc::new(AtomicU64::new(0));

    // The owner listens on these receivers; the client tasks get clones of the senders.
    let (reads_tx, reads) = gort::chan::bounded::<ReadOp>(0);
    let (writes_tx, writes) = gort::chan::bounded::<WriteOp>(0);

    // The owner. `state` is a local of this task and never leaves it, so it needs no lock: the
    // only way in is a message, and the `select!` loop handles one at a time.
    gort::go(async move {
        let mut state: HashMap<u64, u64> = HashMap::new();
        loop {
            gort::select! {
                read = recv(reads) => {
                    let read = read.unwrap();
                    // A missing key reads as 0, Go's zero value.
                    let _ = read.resp.send(state.get(&read.key).copied().unwrap_or(0)).await;
                }
                write = recv(writes) => {
                    let write = write.unwrap();
                    state.insert(write.key, write.val);
                    let _ = write.resp.send(true).await;
                }
            }
        }
    });

    // 100 reader tasks. Each round makes a fresh rendezvous channel, ships its sender inside a
    // `ReadOp`, and waits on the receiver for the owner's answer.
    for _ in 0..100 {
        let (reads, read_ops) = (reads_tx.clone(), read_ops.clone());
        gort::go(async move {
            loop {
                let (resp, resp_rx) = gort::chan::bounded(0);
                let read = ReadOp {
                    key: rand_intn(5),
                    resp,
                };
                reads.send(read).await.unwrap();
                resp_rx.recv().await.unwrap();
                read_ops.fetch_add(1, Relaxed);
                sleep(Duration::from_millis(1)).await;
            }
        });
    }

    // 10 writer tasks: the same request-and-reply round trip, with a `WriteOp`.
    for _ in 0..10 {
        let (writes, write_ops) = (writes_tx.clone(), write_ops.clone());
        gort::go(async move {
            loop {
                let (resp, resp_rx) = gort::chan::bounded(0);
                let write = WriteOp {
                    key: rand_intn(5),
                    val: rand_intn(100),
                    resp,
                };
                writes.send(write).await.unwrap();
                resp_rx.recv().await.unwrap();
                write_ops.fetch_add(1, Relaxed);
                sleep(Duration::from_millis(1)).await;
            }
        });
    }

    // The clients loop forever; `main` lets them run for one second before sampling.
    sleep(Duration::from_secs(1)).await;

    // Read the tallies while the clients are still busy. The numbers depend on the machine,
    // so only that both are positive is checked.
    let read_ops_final = read_ops.load(Relaxed);
    println!("readOps: {read_ops_final}");
    let write_ops_final = write_ops.load(Relaxed);
    println!("writeOps: {write_ops_final}");
    assert!(read_ops_final > 0 && write_ops_final > 0);
}
