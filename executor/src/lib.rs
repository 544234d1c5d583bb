//! # gort-executor
//!
//! The work-stealing executor behind `gort`: tasks, per-worker run queues, the global runtime,
//! the blocking pool, `block_on` and `spawn_local`; and on top of it Go's [`time`],
//! [`context`] and [`errgroup`]. Most users reach it through the `gort` facade; everything
//! here is re-exported there.
//!
//! A runtime of your own, with tasks that join:
//!
//! ```
//! let rt = gort_executor::Runtime::new().unwrap();
//! let sum = rt.block_on(async {
//!     let handles: Vec<_> = (0..10u64).map(|i| gort_executor::spawn(async move { i * i })).collect();
//!     let mut sum = 0;
//!     for h in handles {
//!         sum += h.await.unwrap();
//!     }
//!     sum
//! });
//! assert_eq!(sum, 285);
//! ```
//!
//! Timers and a context, on the global runtime (which `spawn`, `go` and the timers use when no
//! runtime is current):
//!
//! ```
//! use gort_executor::context::{Context, ContextError};
//! use gort_executor::time::{self, Duration};
//!
//! gort_executor::block_on(async {
//!     let (ctx, _cancel) = Context::background().with_timeout(Duration::from_millis(5));
//!     let worker = gort_executor::spawn(async move {
//!         ctx.done().await; // the deadline passes
//!         ctx.err()
//!     });
//!     assert_eq!(worker.await.unwrap(), Some(ContextError::DeadlineExceeded));
//!     time::sleep(Duration::from_millis(1)).await;
//! });
//! ```
//!
//! How it works, module by module: `task` (one allocation per task, one atomic state word),
//! `scheduler` (run queues, stealing, parking), `runtime` (builder, handle, metrics, global
//! runtime), `blocking` (the blocking pool), `local` (`block_on`, `spawn_local`), `time` (the
//! timing wheel, kept by whichever worker parks). ARCHITECTURE.md in the repository explains
//! each with diagrams.

#![warn(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]
// Under loom only the lock-free pieces and their models are built; the runtime that uses the
// rest of their API is not.
#![cfg_attr(loom, allow(dead_code, unused_imports))]

mod loom;

#[cfg(not(loom))]
mod blocking;
#[cfg(not(loom))]
mod local;
#[cfg(not(loom))]
pub mod runtime;
pub(crate) mod scheduler;
pub mod task;

#[cfg(not(loom))]
pub use local::block_on;
#[cfg(not(loom))]
pub use runtime::Runtime;
pub use task::{JoinError, JoinHandle};

#[cfg(not(loom))]
pub mod context;
#[cfg(not(loom))]
pub mod errgroup;
#[cfg(not(loom))]
mod spawn;
pub mod time;
#[cfg(not(loom))]
pub use spawn::{go, spawn, spawn_blocking, yield_now, YieldNow};
