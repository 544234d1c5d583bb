//! Go by Example: Atomic Counters — <https://gobyexample.com/atomic-counters>, ported to gort.
//!
//! Go's `atomic.Uint64` is Rust's [`std::sync::atomic::AtomicU64`]: `ops.Add(1)` is
//! `ops.fetch_add(1, Relaxed)` and `ops.Load()` is `ops.load(Relaxed)`. Rust makes the memory
//! ordering explicit; `Relaxed` is enough for a counter, because the `WaitGroup`'s `done` and
//! `wait` already order every increment before the final load. Go's goroutines share `ops` by
//! reference; gort tasks are `'static`, so they share it through an [`Arc`] (as they share the
//! `WaitGroup` through its clones). The 50 goroutines increment the counter 1000 times each,
//! so it must read exactly 50,000 — which the atomics guarantee, and the program asserts.

use gort::sync::WaitGroup;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

#[gort::main]
async fn main() {
    // Go's `atomic.Uint64`, put in an `Arc` so that every task can reach the same one. It is
    // unsigned because a count never drops below zero.
    let ops = Arc::new(AtomicU64::new(0));

    // Tracks the tasks still running, so that `main` knows when the total is final.
    let wg = WaitGroup::new();

    // 50 tasks of 1000 `fetch_add`s each: no lock, one atomic read-modify-write per step.
    for _ in 0..50 {
        wg.add(1);
        let (ops, wg) = (ops.clone(), wg.clone());
        gort::go(async move {
            for _ in 0..1000 {
                ops.fetch_add(1, Relaxed);
            }
            wg.done();
        });
    }

    // Hold off reading until every task has called `done`.
    wg.wait().await;

    // Through a shared reference an `AtomicU64` can only be read atomically, so this is a
    // `load` too; the `wait` above is what guarantees that all 50,000 increments came first.
    println!("ops: {}", ops.load(Relaxed));
    assert_eq!(ops.load(Relaxed), 50_000);
}
