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

// Go keeps a `sync.Mutex` field next to the map; here the map sits inside the `Mutex`, so no
// code path can reach the counters without holding the lock.
struct Container {
    counters: Mutex<BTreeMap<&'static str, u32>>,
}

impl Container {
    // `lock().await` yields a guard that derefs to the map. Dropping the guard at the closing
    // brace releases the lock, which is the job Go gives to `defer c.mu.Unlock()`.
    async fn inc(&self, name: &str) {
        let mut counters = self.counters.lock().await;
        *counters.get_mut(name).expect("a known counter") += 1;
    }
}

#[gort::main]
async fn main() {
    // Go relies on a zero-valued `sync.Mutex`; a Rust `Mutex` is built around its contents,
    // so the map is handed to `Mutex::new`.
    let c = Arc::new(Container {
        counters: Mutex::new(BTreeMap::from([("a", 0), ("b", 0)])),
    });
    let wg = WaitGroup::new();

    // Builds one task's body: `n` locked increments of the counter called `name`, then a
    // `done` on the WaitGroup.
    let do_increment = |name: &'static str, n: u32| {
        let (c, wg) = (c.clone(), wg.clone());
        async move {
            for _ in 0..n {
                c.inc(name).await;
            }
            wg.done();
        }
    };

    // Three tasks contend for the one lock, and two of them bump the same key: without the
    // mutex, "a" would lose updates.
    wg.add(3);
    gort::go(do_increment("a", 10000));
    gort::go(do_increment("a", 10000));
    gort::go(do_increment("b", 10000));

    // After `wait`, all three tasks are past their last `inc`, so the lock below is free.
    wg.wait().await;
    let counters = c.counters.lock().await;
    println!("{:?}", *counters);
    assert_eq!(*counters, BTreeMap::from([("a", 20000), ("b", 10000)]));
}
