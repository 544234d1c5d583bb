//! Go by Example: Mutexes — <https://gobyexample.com/mutexes>, ported to gort.
//!
//! Go's `Container` holds a `sync.Mutex` beside the map it guards, and `inc` locks it with
//! `c.mu.Lock(); defer c.mu.Unlock()`. In Rust the mutex owns the data it guards,
//! [`gort::sync::Mutex<T>`], so the map can only be reached through the lock, and
//! `c.counters.lock().await` returns a guard that unlocks when it goes out of scope — the
//! `defer` is implicit. gort's mutex is asynchronous: a task waiting for it yields its worker
//! instead of blocking the thread. Go shares `c` by pointer with the goroutines; gort tasks
//! share it through an [`Arc`]. Go's `fmt.Println` prints a map with its keys sorted
//! (`map[a:20000 b:10000]`); a [`BTreeMap`] keeps its keys sorted, so its `Debug` output is
//! as stable: `{"a": 20000, "b": 10000}`.

use gort::sync::{Mutex, WaitGroup};
use std::collections::BTreeMap;
use std::sync::Arc;

// Container holds a map of counters; since we want to update it concurrently from multiple
// goroutines, the map lives inside a Mutex to synchronize access.
struct Container {
    counters: Mutex<BTreeMap<&'static str, u32>>,
}

impl Container {
    // Lock the mutex before accessing `counters`; it is unlocked when the guard is dropped at
    // the end of the function (Go's `defer c.mu.Unlock()`).
    async fn inc(&self, name: &str) {
        let mut counters = self.counters.lock().await;
        *counters.get_mut(name).expect("a known counter") += 1;
    }
}

#[gort::main]
async fn main() {
    // The zero value of Go's mutex is usable as-is; Rust's mutex is built around its data.
    let c = Arc::new(Container {
        counters: Mutex::new(BTreeMap::from([("a", 0), ("b", 0)])),
    });
    let wg = WaitGroup::new();

    // This function increments a named counter in a loop.
    let do_increment = |name: &'static str, n: u32| {
        let (c, wg) = (c.clone(), wg.clone());
        async move {
            for _ in 0..n {
                c.inc(name).await;
            }
            wg.done();
        }
    };

    // Run several goroutines concurrently; they all access the same Container, and two of
    // them the same counter.
    wg.add(3);
    gort::go(do_increment("a", 10000));
    gort::go(do_increment("a", 10000));
    gort::go(do_increment("b", 10000));

    // Wait for the goroutines to finish.
    wg.wait().await;
    let counters = c.counters.lock().await;
    println!("{:?}", *counters);
    assert_eq!(*counters, BTreeMap::from([("a", 20000), ("b", 10000)]));
}
