//! # gort-executor
//!
//! The work-stealing executor behind `gort`: tasks, per-worker run queues, the global runtime,
//! the blocking pool, `block_on` and `spawn_local`. Most users reach it through the `gort`
//! facade; everything here is re-exported there.
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
//! How it works, module by module: `task` (one allocation per task, one atomic state word),
//! `scheduler` (run queues, stealing, parking), `runtime` (builder, handle, metrics, global
//! runtime), `blocking` (the blocking pool), `local` (`block_on`, `spawn_local`).

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
