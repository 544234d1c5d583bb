//! # gort — Go's concurrency model in async Rust
//!
//! Goroutines are tasks on a work-stealing executor ([`spawn`], [`go`]); channels, `select!`,
//! timers ([`time`]), Go's [`sync`] package, [`context`] and [`errgroup`] follow. This crate re-exports the pieces from
//! `gort-executor`, `gort-channel` and `gort-macros`.
//!
//! ```
//! #[gort::main]
//! async fn main() {
//!     let handle = gort::spawn(async { 6 * 7 });
//!     assert_eq!(handle.await.unwrap(), 42);
//! }
//! ```

pub use gort_executor::{block_on, go, spawn, spawn_blocking, yield_now, JoinError, JoinHandle};
pub use gort_executor::{runtime, task, Runtime};

pub use gort_executor::{context, errgroup, time};

pub use gort_channel::{chan, coop, sync};

pub use gort_macros::{main, select, test};

/// The code blocks of README.md, compiled and run as doctests so the README cannot rot.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
