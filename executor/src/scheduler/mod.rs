//! The multi-thread, work-stealing scheduler.
//!
//! * [`queue`]: each worker's fixed ring run queue (owner pushes/pops, others steal half).
//! * [`inject`]: the global queue for spawns from outside and local-queue overflow.
//! * [`idle`]: the searching/parked accounting that decides whom to wake.
//! * [`park`]: sleeping until woken or until a deadline.
//! * [`owned`]: every live task, so shutdown drops each future exactly once.
//! * [`worker`]: the loop each worker thread runs.
//!
//! Where a task goes when it is scheduled:
//!
//! ```text
//!  spawn / wake on a worker ──► that worker's `next` slot ──(displaced)──► its ring ──(full)──┐
//!  yield / woken mid-poll ───► its `deferred` list ──(idle, or every 61 ticks)──► its ring    │
//!  spawn / wake elsewhere ───► global inject queue ◄─────────── half the ring in one batch ◄──┘
//! ```

pub(crate) mod idle;
pub(crate) mod inject;
pub(crate) mod owned;
pub(crate) mod park;
pub(crate) mod queue;
#[cfg(not(loom))]
mod shared;
#[cfg(not(loom))]
pub(crate) mod worker;

#[cfg(not(loom))]
pub(crate) use shared::{Remote, Shared};

#[cfg(all(test, loom))]
mod loom_tests;
