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

// The function we run in every goroutine.
async fn worker(id: u32) {
    println!("Worker {id} starting");

    // Sleep to simulate an expensive task.
    sleep(Duration::from_secs(1)).await;
    println!("Worker {id} done");
}

#[gort::main]
async fn main() {
    let start = Instant::now();

    // This WaitGroup waits for all the goroutines launched here to finish.
    let wg = WaitGroup::new();

    // Launch several goroutines and increment the WaitGroup counter for each (before it
    // starts, so that `wait` cannot see zero too early). Each tells the WaitGroup when it is
    // done.
    for i in 1..=5 {
        wg.add(1);
        let wg = wg.clone();
        gort::go(async move {
            worker(i).await;
            wg.done();
        });
    }

    // Block until the WaitGroup counter goes back to 0: all the workers said they're done.
    wg.wait().await;

    // A WaitGroup has no way to pass errors back from the workers; for that, see
    // `gort::errgroup` (Go's golang.org/x/sync/errgroup).

    // The workers slept side by side: about 1 s in all, not 5.
    let took = start.elapsed();
    assert!(took < Duration::from_secs(5), "took {took:?}");
}
