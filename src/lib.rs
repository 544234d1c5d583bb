//! # gort — Go's concurrency model in async Rust
//!
//! Goroutines are tasks on a work-stealing executor; Go's channels, `select`, timers, `sync`
//! package, `context` and `errgroup` come with them, with Go's semantics. This crate is the
//! facade: it re-exports `gort-executor` (tasks, runtime, [`time`], [`context`], [`errgroup`]),
//! `gort-channel` ([`chan`], [`sync`], [`coop`]) and `gort-macros` ([`select!`], [`main`],
//! [`test`]).
//!
//! This page is a guide, in the order a Go programmer meets the pieces. The README has a
//! Go → gort cheat sheet, and `examples/` ports Go by Example's concurrency chapters and the
//! Go classics line by line.
//!
//! ## Goroutines: `go` and `spawn`
//!
//! `#[gort::main]` runs `async fn main` on a gort runtime (one worker thread per core, or
//! `GORT_WORKERS`, Go's `GOMAXPROCS`). [`go`] starts a task and forgets it, like Go's `go f()`;
//! [`spawn`] returns a [`JoinHandle`] whose `.await` gives the task's result, or a [`JoinError`]
//! if it panicked or was aborted.
//!
//! ```
//! #[gort::main]
//! async fn main() {
//!     gort::go(async { println!("fire and forget") });
//!
//!     let handle = gort::spawn(async { 6 * 7 });
//!     assert_eq!(handle.await.unwrap(), 42);
//!
//!     let failed = gort::spawn(async { panic!("boom") }).await;
//!     assert!(failed.unwrap_err().is_panic()); // a panic stays inside its task
//! }
//! ```
//!
//! A task runs until it awaits: a loop that never awaits holds its worker (gort, like tokio,
//! does not preempt). Blocking calls — file I/O, a long computation, a C library — go to
//! [`spawn_blocking`], which runs them on a separate pool of threads.
//!
//! ```
//! #[gort::main]
//! async fn main() {
//!     let len = gort::spawn_blocking(|| std::fs::read_to_string("Cargo.toml").map(|s| s.len()));
//!     assert!(len.await.unwrap().unwrap() > 0);
//! }
//! ```
//!
//! ## Channels
//!
//! [`chan::bounded(0)`](chan::bounded) is Go's unbuffered channel (a send waits for its
//! receiver), `bounded(n)` a buffered one, [`chan::unbounded()`](chan::unbounded) one without a
//! limit. Both ends are `Clone` (many producers, many consumers). A receive returns `None` once
//! the channel is closed and drained — Go's `v, ok := <-ch` — and a send to a closed channel
//! returns its value inside the error, where Go would panic.
//!
//! ```
//! use gort::chan;
//!
//! #[gort::main]
//! async fn main() {
//!     let (tx, rx) = chan::bounded(0);
//!     gort::go(async move {
//!         for word in ["ping", "pong"] {
//!             tx.send(word).await.unwrap();
//!         }
//!         // tx is dropped here: the last sender gone closes the channel, like close(ch)
//!     });
//!     let mut got = Vec::new();
//!     while let Some(word) = rx.recv().await {
//!         got.push(word); // for word := range ch
//!     }
//!     assert_eq!(got, ["ping", "pong"]);
//! }
//! ```
//!
//! The same channels have blocking methods (`send_blocking`, `recv_blocking`) for plain
//! threads, and work on any executor.
//!
//! ## `select!`
//!
//! [`select!`] waits on several channel operations and futures; exactly one arm happens, ready
//! arms are chosen at random, `default` runs when none is ready, and a `None` channel is Go's nil
//! channel.
//!
//! ```
//! use gort::{chan, select, time};
//!
//! #[gort::main]
//! async fn main() {
//!     let (tx, rx) = chan::bounded::<&str>(1);
//!     let reply = select! {
//!         msg = recv(rx) => format!("received {msg:?}"),
//!         _ = time::sleep(time::Duration::from_millis(10)) => "timeout".to_string(),
//!     };
//!     assert_eq!(reply, "timeout");
//!
//!     let sent = select! {
//!         res = send(tx, "hi") => res.is_ok(),
//!         default => false, // a full buffer would take this arm
//!     };
//!     assert!(sent);
//! }
//! ```
//!
//! ## Timers
//!
//! [`time`] has `sleep` and `timeout`, and Go's channel timers: [`time::after`],
//! [`time::tick`], [`time::Timer`] and [`time::Ticker`] deliver an `Instant` on a channel, so
//! they fit `select!` as `recv(...)` arms.
//!
//! ```
//! use gort::time::{self, Duration};
//!
//! #[gort::main]
//! async fn main() {
//!     time::sleep(Duration::from_millis(1)).await;
//!     let slow = time::timeout(Duration::from_millis(5), time::sleep(Duration::from_secs(60)));
//!     assert!(slow.await.is_err()); // Elapsed
//!     let fired = time::after(Duration::from_millis(1)).recv().await;
//!     assert!(fired.is_some());
//! }
//! ```
//!
//! ## `sync`
//!
//! Go's [`sync`] package, for tasks and threads: `WaitGroup`, a fair `Mutex` and `RwLock` (the
//! lock owns the data it guards), a weighted `Semaphore`, `OnceCell`, `Notify` and `Barrier`.
//!
//! ```
//! use gort::sync::{Mutex, WaitGroup};
//! use std::sync::Arc;
//!
//! #[gort::main]
//! async fn main() {
//!     let counter = Arc::new(Mutex::new(0));
//!     let wg = WaitGroup::new();
//!     for _ in 0..10 {
//!         wg.add(1);
//!         let (counter, wg) = (counter.clone(), wg.clone());
//!         gort::go(async move {
//!             *counter.lock().await += 1;
//!             wg.done();
//!         });
//!     }
//!     wg.wait().await;
//!     assert_eq!(*counter.lock().await, 10);
//! }
//! ```
//!
//! ## `context` and `errgroup`
//!
//! A [`context::Context`] carries cancellation and a deadline down a tree of tasks; its
//! `done()` is a future, so it is a `select!` arm. An [`errgroup::Group`] runs tasks and returns
//! the first error, cancelling its context so the others stop.
//!
//! ```
//! use gort::context::Context;
//! use gort::errgroup::Group;
//!
//! #[gort::main]
//! async fn main() {
//!     let (group, ctx) = Group::with_context(&Context::background());
//!     group.spawn(async { Err("the first error") });
//!     group.spawn(async move {
//!         ctx.done().await; // cancelled when the other task fails
//!         Ok(())
//!     });
//!     assert_eq!(group.wait().await, Err("the first error"));
//! }
//! ```
//!
//! ## Runtimes
//!
//! Most programs need only the runtime that `#[gort::main]` starts, or the global one that
//! [`spawn`] and [`go`] start on first use outside any runtime.
//! [`Runtime`] and [`runtime::Builder`] make others; [`block_on`] runs a future on the current
//! thread, and [`task::spawn_local`] runs `!Send` futures there.
//!
//! ```
//! let rt = gort::runtime::Builder::new().worker_threads(2).build().unwrap();
//! let n = rt.block_on(async { gort::spawn(async { 1 + 1 }).await.unwrap() });
//! assert_eq!(n, 2);
//! ```
//!
//! ## Where next
//!
//! - `examples/` in the repository: `cargo run --release --example tour`, then Go by Example's
//!   chapters (`goroutines`, `channels`, `select`, `worker_pools`, …) and the Go classics
//!   (`prime_sieve`, `pipelines`, `chat_server`, …).
//! - ARCHITECTURE.md: how tasks, run queues, timers, channels and `select!` work inside.
//! - BENCHMARKS.md: how gort compares with tokio, Go and the fastest Rust channels.

#![warn(missing_docs)]

pub use gort_executor::{block_on, go, spawn, spawn_blocking, yield_now, JoinError, JoinHandle};
pub use gort_executor::{runtime, task, Runtime};

pub use gort_executor::{context, errgroup, time};

pub use gort_channel::{chan, coop, sync};

pub use gort_macros::{main, select, test};

/// The code blocks of README.md, compiled and run as doctests so the README cannot rot.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
