//! Tasks: a spawned future in one allocation, its waker and its join handle.
//!
//! The public part is [`JoinHandle`], [`JoinError`] and `spawn_local`.
//!
//! * `state`: the one atomic word of flags and reference count, and every transition.
//! * `raw`: the allocation and the type-erased operations on it (poll, cancel, complete).
//! * `waker`: the `Waker` vtable.
//! * `join`: [`JoinHandle`] and [`JoinError`].
//!
//! Who may do what with a task is decided by the state word alone; see `state.rs`.
//!
//! # Example
//!
//! A task's outcome through its [`JoinHandle`]: its value, or a [`JoinError`] if it was
//! aborted or panicked.
//!
//! ```
//! use gort_executor::task;
//!
//! gort_executor::block_on(async {
//!     let sum = gort_executor::spawn(async { (1..=4).sum::<u32>() });
//!     assert_eq!(sum.await.unwrap(), 10);
//!
//!     let stuck = gort_executor::spawn(std::future::pending::<()>());
//!     stuck.abort();
//!     assert!(stuck.await.unwrap_err().is_cancelled());
//!
//!     // Not `Send` (an `Rc`): runs on this thread, inside `block_on`.
//!     let local = task::spawn_local(async { std::rc::Rc::new("here") });
//!     assert_eq!(*local.await.unwrap(), "here");
//! });
//! ```

pub(crate) mod join;
pub(crate) mod raw;
pub(crate) mod state;
pub(crate) mod waker;

#[cfg(all(test, loom))]
mod loom_tests;

pub use join::{JoinError, JoinHandle};
pub(crate) use raw::{Notified, RawTask, Schedule};

/// Allocates a task for `future` on scheduler `scheduler`.
///
/// Returns the handles that share its initial references: the `Notified` to schedule, the
/// `JoinHandle`, and, when `tracked` (the scheduler keeps a list of its tasks for shutdown), the
/// raw pointer whose reference the scheduler's list owns.
pub(crate) fn new_task<F, S>(
    future: F,
    scheduler: S,
    tracked: bool,
) -> (Notified, JoinHandle<F::Output>, Option<RawTask>)
where
    F: std::future::Future + 'static,
    S: Schedule,
{
    let refs = if tracked { 3 } else { 2 };
    let raw = RawTask::new(future, scheduler, refs);
    // SAFETY: the task was created NOTIFIED with `refs` references: one for each handle.
    let notified = unsafe { Notified::from_raw(raw) };
    // SAFETY: as above; the output type is `F::Output`.
    let join = unsafe { JoinHandle::from_raw(raw) };
    (notified, join, tracked.then_some(raw))
}

#[cfg(not(loom))]
pub use crate::local::spawn_local;

/// Helpers for the unit tests of the queues: real tasks on a scheduler that drops them.
#[cfg(all(test, not(loom)))]
pub(crate) mod test_util {
    use super::{new_task, Notified, RawTask, Schedule};

    /// A scheduler that drops whatever it is given.
    pub(crate) struct Sink;

    impl Schedule for Sink {
        fn schedule(&self, _task: Notified) {}
        fn release(&self, _task: RawTask) -> usize {
            0
        }
    }

    /// A real task, detached (its `JoinHandle` dropped), ready to be queued.
    pub(crate) fn detached_task() -> Notified {
        let (notified, join, _) = new_task(async {}, Sink, false);
        drop(join);
        notified
    }
}
