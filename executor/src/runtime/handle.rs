//! `Handle`: a clonable reference to a runtime.

use super::{context, Metrics};
use crate::scheduler::Shared;
use crate::task::JoinHandle;
use std::fmt;
use std::future::Future;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

/// A reference to a runtime, to spawn onto it from anywhere. `Clone + Send + Sync`.
///
/// A handle does not keep the runtime's threads alive: once the [`Runtime`](super::Runtime) is
/// dropped, tasks spawned through a handle are cancelled at once (their `JoinHandle` yields a
/// cancellation error).
///
/// ```
/// let rt = gort_executor::Runtime::new().unwrap();
/// let handle = rt.handle().clone();
/// let join = std::thread::spawn(move || handle.spawn(async { 5 })).join().unwrap();
/// assert_eq!(rt.block_on(join).unwrap(), 5);
/// ```
#[derive(Clone)]
pub struct Handle {
    pub(crate) shared: Arc<Shared>,
}

impl Handle {
    /// The handle of the runtime this code runs in: a worker or blocking thread of a runtime,
    /// or inside `Runtime::block_on` / `#[gort::main]`.
    ///
    /// # Panics
    /// Outside any runtime, with a message saying how to get one. Use
    /// [`try_current`](Handle::try_current) to check instead.
    ///
    /// ```
    /// let rt = gort_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let handle = gort_executor::runtime::Handle::current();
    ///     handle.spawn(async {}).await.unwrap();
    /// });
    /// ```
    #[track_caller]
    pub fn current() -> Handle {
        Handle::try_current().unwrap_or_else(|| {
            panic!(
                "gort::runtime::Handle::current() called outside a gort runtime. Call it from a \
                 task, from inside Runtime::block_on or #[gort::main], or keep a Handle from \
                 Runtime::handle() and pass it where it is needed. (gort::spawn itself works \
                 anywhere: outside a runtime it uses the global one.)"
            )
        })
    }

    /// The current runtime's handle, or `None` outside any runtime.
    ///
    /// ```
    /// assert!(gort_executor::runtime::Handle::try_current().is_none());
    /// ```
    pub fn try_current() -> Option<Handle> {
        context::with_current(|h| h.cloned())
    }

    /// Spawns a task on this runtime.
    ///
    /// ```
    /// let rt = gort_executor::Runtime::new().unwrap();
    /// let h = rt.handle().spawn(async { 1 });
    /// assert_eq!(rt.block_on(h).unwrap(), 1);
    /// ```
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.shared.spawn(future)
    }

    /// Runs `f` on this runtime's blocking pool.
    ///
    /// ```
    /// let rt = gort_executor::Runtime::new().unwrap();
    /// let h = rt.handle().spawn_blocking(|| "slow");
    /// assert_eq!(rt.block_on(h).unwrap(), "slow");
    /// ```
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.shared.blocking.spawn(f, self.clone())
    }

    /// A snapshot of the runtime's counters.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new().worker_threads(3).build().unwrap();
    /// assert_eq!(rt.handle().metrics().workers, 3);
    /// ```
    pub fn metrics(&self) -> Metrics {
        let shared = &self.shared;
        Metrics {
            workers: shared.remotes.len(),
            tasks_alive: shared.owned.len(),
            tasks_spawned: shared.spawned(),
            steals: shared.remotes.iter().map(|r| r.steals.load(Relaxed)).sum(),
            parks: shared.remotes.iter().map(|r| r.parks.load(Relaxed)).sum(),
            global_queue_depth: shared.inject.len(),
            blocking_threads: shared.blocking.threads(),
            parked_workers: shared.idle.num_parked(),
            timers: shared.timers.len(),
        }
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("workers", &self.shared.remotes.len())
            .finish_non_exhaustive()
    }
}
