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
    // An atomic integer type to represent our (always-positive) counter.
    let ops = Arc::new(AtomicU64::new(0));

    // A WaitGroup helps us wait for all goroutines to finish their work.
    let wg = WaitGroup::new();

    // Start 50 goroutines that each increment the counter exactly 1000 times.
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

    // Wait until all the goroutines are done.
    wg.wait().await;

    // No goroutine is writing to `ops` now, but loading it atomically is still the right
    // habit: it is safe even while others update it.
    println!("ops: {}", ops.load(Relaxed));
    assert_eq!(ops.load(Relaxed), 50_000);
}
