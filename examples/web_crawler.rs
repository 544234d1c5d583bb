//! The Go tour's "Web Crawler" exercise (<https://go.dev/tour/concurrency/10>): crawl from
//! `https://golang.org/` to depth 4 through a fake fetcher, with a task per link and each URL
//! fetched at most once.
//!
//! The design is the usual solution of the exercise: a set of visited URLs behind a mutex (the
//! tour's `SafeCounter` idea from the lesson before), a goroutine per link, and a
//! `sync.WaitGroup` so that `main` knows when the whole crawl is over. Go → gort:
//! `go Crawl(u, depth-1, fetcher)` → `gort::go(crawl(u, depth - 1, fetcher.clone(), ...))`;
//! `sync.Mutex` → `gort::sync::Mutex` (its `lock()` is awaited, and the guard unlocks on drop,
//! which is Go's `defer mu.Unlock()`); `sync.WaitGroup` → `gort::sync::WaitGroup`; the `Fetcher`
//! interface → a trait object shared through an `Arc`.
//!
//! Rust differences: `crawl` starts copies of itself, and an `async fn` that spawns itself has
//! a future type that contains its own `Send`-ness, which rustc cannot work out; so `crawl`
//! returns a boxed future (`BoxFuture`) of a named type instead. The fake fetch answers at once;
//! a real one would be an `async` HTTP call, or a blocking one inside `gort::spawn_blocking`.
//!
//! The tasks print as they finish fetching, so all lines but the first come in any order. The
//! fake fetcher counts its calls, and `main` checks that each URL was fetched exactly once.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use gort::sync::{Mutex, WaitGroup};

type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

trait Fetcher: Send + Sync {
    /// The page at `url`: its body and the links on it, or an error message.
    fn fetch(&self, url: &str) -> Result<(String, Vec<String>), String>;
}

/// The URLs already claimed by some task: a URL is fetched only by the task that inserts it.
#[derive(Default)]
struct Visited {
    mu: Mutex<HashSet<String>>,
}

impl Visited {
    /// Marks `url` as visited; true if it was not yet (Go: lock, check the map, set, unlock).
    async fn visit(&self, url: &str) -> bool {
        self.mu.lock().await.insert(url.to_owned())
    }
}

/// Go's `Crawl`: fetches `url` unless `depth` is used up or the URL is already claimed, then
/// spawns a crawl one level shallower for every link found.
/// `wg` was incremented for this call by whoever started it; the crawl calls `wg.done()` when
/// it is over (Go: `defer wg.Done()`).
fn crawl(
    url: String,
    depth: u32,
    fetcher: Arc<dyn Fetcher>,
    visited: Arc<Visited>,
    wg: WaitGroup,
) -> BoxFuture {
    Box::pin(async move {
        if depth > 0 && visited.visit(&url).await {
            match fetcher.fetch(&url) {
                Err(err) => println!("{err}"),
                Ok((body, urls)) => {
                    println!("found: {url} {body:?}");
                    for u in urls {
                        wg.add(1); // before the `go`, as in Go
                        gort::go(crawl(
                            u,
                            depth - 1,
                            fetcher.clone(),
                            visited.clone(),
                            wg.clone(),
                        ));
                    }
                }
            }
        }
        wg.done();
    })
}

#[gort::main]
async fn main() {
    let fetcher = Arc::new(fake_fetcher());
    let visited = Arc::new(Visited::default());
    let wg = WaitGroup::new();
    wg.add(1);
    gort::go(crawl(
        "https://golang.org/".to_owned(),
        4,
        fetcher.clone(),
        visited,
        wg.clone(),
    ));
    wg.wait().await;

    // Each URL reachable within depth 4 was fetched, and none twice.
    let fetches = fetcher.fetches.lock().expect("no panic while counting");
    let mut urls: Vec<_> = fetches.keys().map(String::as_str).collect();
    urls.sort();
    assert_eq!(
        urls,
        [
            "https://golang.org/",
            "https://golang.org/cmd/",
            "https://golang.org/pkg/",
            "https://golang.org/pkg/fmt/",
            "https://golang.org/pkg/os/",
        ]
    );
    assert!(
        fetches.values().all(|&n| n == 1),
        "fetched twice: {fetches:?}"
    );
    println!("{} URLs fetched, each once", fetches.len());
}

/// Go's `fakeFetcher`: answers from a fixed URL → page table instead of the network, and
/// counts its calls so that `main` can check that no URL was fetched twice.
struct FakeFetcher {
    results: HashMap<&'static str, FakeResult>,
    /// Calls per URL. `fetch` is a plain `fn`, as in Go's interface, so this is a
    /// `std::sync::Mutex`: held for an instant, never across an `.await`.
    fetches: std::sync::Mutex<HashMap<String, usize>>,
}

struct FakeResult {
    body: &'static str,
    urls: Vec<&'static str>,
}

impl Fetcher for FakeFetcher {
    fn fetch(&self, url: &str) -> Result<(String, Vec<String>), String> {
        *self
            .fetches
            .lock()
            .expect("no panic while counting")
            .entry(url.to_owned())
            .or_default() += 1;
        match self.results.get(url) {
            Some(res) => Ok((
                res.body.to_owned(),
                res.urls.iter().map(|u| u.to_string()).collect(),
            )),
            None => Err(format!("not found: {url}")),
        }
    }
}

/// The tour's canned site (Go's `var fetcher = fakeFetcher{...}`).
fn fake_fetcher() -> FakeFetcher {
    let result = |body, urls| FakeResult { body, urls };
    FakeFetcher {
        results: HashMap::from([
            (
                "https://golang.org/",
                result(
                    "The Go Programming Language",
                    vec!["https://golang.org/pkg/", "https://golang.org/cmd/"],
                ),
            ),
            (
                "https://golang.org/pkg/",
                result(
                    "Packages",
                    vec![
                        "https://golang.org/",
                        "https://golang.org/cmd/",
                        "https://golang.org/pkg/fmt/",
                        "https://golang.org/pkg/os/",
                    ],
                ),
            ),
            (
                "https://golang.org/pkg/fmt/",
                result(
                    "Package fmt",
                    vec!["https://golang.org/", "https://golang.org/pkg/"],
                ),
            ),
            (
                "https://golang.org/pkg/os/",
                result(
                    "Package os",
                    vec!["https://golang.org/", "https://golang.org/pkg/"],
                ),
            ),
        ]),
        fetches: std::sync::Mutex::new(HashMap::new()),
    }
}
