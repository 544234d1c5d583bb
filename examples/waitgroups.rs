//! Go by Example: WaitGroups — <https://gobyexample.com/waitgroups>, ported to gort.
//!
//! Go's `sync.WaitGroup` is [`gort::sync::WaitGroup`], with the same `add`, `done` and `wait`
//! (`wait` is a future here). Go shares one `var wg` by pointer with the closures; a gort
//! `WaitGroup` is a handle whose clones share one counter, so each goroutine moves in a clone.
//! Go's `defer wg.Done()` runs `Done` however the closure exits; this port calls `wg.done()`
//! after the worker returns (a panicking task would skip it, where Go's panic would end the
//! whole program anyway). The five workers run concurrently, so their lines come in any order:
//! all five start at once and finish a second later.

use gort::sync::WaitGroup;
use gort::time::{sleep, Duration, Instant};

// The unit of work each task runs, a stand-in for something slow.
async fn worker(id: u32) {
    println!("Worker {id} starting");

    // The sleep plays the part of real work. It suspends only this task, not a thread, which
    // is why the five workers can overlap.
    sleep(Duration::from_secs(1)).await;
    println!("Worker {id} done");
}

#[gort::main]
async fn main() {
    let start = Instant::now();

    // One counter for the whole batch; `main` waits on it below.
    let wg = WaitGroup::new();

    // `add(1)` happens here, before the spawn, not inside the task: otherwise `wait` might
    // run first, find the count at zero and return early. Each task moves in its own clone of
    // the handle and calls `done` once `worker` returns.
    for i in 1..=5 {
        wg.add(1);
        let wg = wg.clone();
        gort::go(async move {
            worker(i).await;
            wg.done();
        });
    }

    // Suspend `main` until every `add` has been matched by a `done`.
    wg.wait().await;

    // A WaitGroup only counts. Workers that can fail want `gort::errgroup` instead (Go's
    // golang.org/x/sync/errgroup), which hands the first error back to the waiter.

    // The workers slept side by side: about 1 s in all, not 5.
    let took = start.elapsed();
    assert!(took < Duration::from_secs(5), "took {took:?}");
}
