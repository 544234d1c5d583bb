//! The runtime: worker threads, the blocking pool, and the handle that spawns onto them.
//!
//! * [`Builder`] configures and starts a [`Runtime`].
//! * [`Handle`] is a cheap, clonable reference to a runtime, also reachable from inside it with
//!   [`Handle::current`].
//! * [`Metrics`] is a snapshot of counters.
//!
//! Besides runtimes you build, there is one *global* runtime, started on first use by
//! `gort::spawn` / `gort::go` / `gort::spawn_blocking` outside any runtime, with one worker per
//! core or `GORT_WORKERS` workers (Go's `GOMAXPROCS`). It lives until the process exits.
//!
//! # Example
//!
//! ```
//! use gort_executor::runtime::{Builder, Handle};
//!
//! let rt = Builder::new().worker_threads(2).thread_name("app-worker").build().unwrap();
//! let handle: Handle = rt.handle().clone(); // cheap; usable from any thread
//! let sum = rt.block_on(async {
//!     // Inside the runtime, `Handle::current()` (and `gort_executor::spawn`) find it.
//!     let task = Handle::current().spawn(async { 20 + 1 });
//!     task.await.unwrap() * 2
//! });
//! assert_eq!(sum, 42);
//! assert_eq!(handle.metrics().workers, 2);
//! ```

mod builder;
pub(crate) mod context;
mod handle;
mod metrics;

pub use builder::Builder;
pub use handle::Handle;
pub use metrics::Metrics;

use crate::task::JoinHandle;
use std::future::Future;
use std::sync::OnceLock;
use std::thread;
use std::time::Duration;

/// A gort runtime: a set of worker threads running tasks, plus a pool of threads for blocking
/// work.
///
/// Dropping it stops the workers (each finishes the poll it is in), then drops every task that is
/// still alive — each future's destructor runs exactly once — and waits for the blocking threads
/// to finish their current job. Use [`shutdown_timeout`](Runtime::shutdown_timeout) to bound
/// that wait.
///
/// ```
/// let rt = gort_executor::Runtime::new().unwrap();
/// let answer = rt.block_on(async {
///     gort_executor::spawn(async { 40 + 2 }).await.unwrap()
/// });
/// assert_eq!(answer, 42);
/// ```
#[derive(Debug)]
pub struct Runtime {
    handle: Handle,
    workers: Vec<thread::JoinHandle<()>>,
}

impl Runtime {
    /// A runtime with the default configuration: one worker per core, or `GORT_WORKERS`.
    ///
    /// ```
    /// let rt = gort_executor::Runtime::new().unwrap();
    /// assert!(rt.handle().metrics().workers >= 1);
    /// ```
    pub fn new() -> std::io::Result<Runtime> {
        Builder::new().build()
    }

    pub(crate) fn from_parts(handle: Handle, workers: Vec<thread::JoinHandle<()>>) -> Runtime {
        Runtime { handle, workers }
    }

    /// Runs `future` to completion on the current thread, inside this runtime: `gort::spawn`
    /// and [`Handle::current`] inside it use this runtime, and `spawn_local` tasks run on this
    /// thread.
    ///
    /// # Panics
    /// When called on a worker thread of a gort runtime (it would block that worker), or
    /// inside another `block_on` on the same thread.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new().worker_threads(2).build().unwrap();
    /// assert_eq!(rt.block_on(async { 7 }), 7);
    /// ```
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        crate::local::check_can_block("Runtime::block_on");
        let _enter = context::enter(self.handle.clone());
        crate::local::block_on_inner(future)
    }

    /// Spawns a task on this runtime.
    ///
    /// ```
    /// let rt = gort_executor::Runtime::new().unwrap();
    /// let handle = rt.spawn(async { "done" });
    /// assert_eq!(rt.block_on(handle).unwrap(), "done");
    /// ```
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// The runtime's handle, to spawn from other threads or read metrics.
    ///
    /// ```
    /// let rt = gort_executor::Runtime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// std::thread::spawn(move || handle.spawn(async {})).join().unwrap();
    /// ```
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Shuts the runtime down, waiting at most `timeout` for blocking threads that are still
    /// running a job (they are left to finish in the background).
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = gort_executor::Runtime::new().unwrap();
    /// rt.spawn_blocking(|| std::thread::sleep(Duration::from_secs(5)));
    /// rt.shutdown_timeout(Duration::from_millis(10)); // returns without waiting 5 s
    /// ```
    pub fn shutdown_timeout(mut self, timeout: Duration) {
        self.shutdown(Some(timeout));
    }

    /// Runs `f` on the blocking pool of this runtime.
    ///
    /// ```
    /// let rt = gort_executor::Runtime::new().unwrap();
    /// let h = rt.spawn_blocking(|| 2 + 2);
    /// assert_eq!(rt.block_on(h).unwrap(), 4);
    /// ```
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.handle.spawn_blocking(f)
    }

    fn shutdown(&mut self, timeout: Option<Duration>) {
        // A timeout too far to represent (`Duration::MAX`) waits as long as it takes.
        let deadline = timeout.and_then(|t| std::time::Instant::now().checked_add(t));
        let shared = &self.handle.shared;
        shared.begin_shutdown();
        // Dropping a runtime from one of its own tasks must not wait for that very thread.
        let me = thread::current().id();
        let on_own_worker = self.workers.iter().any(|w| w.thread().id() == me);
        let others = self.workers.len() - usize::from(on_own_worker);
        // Each worker finishes the poll it is in; a worker stuck in a poll is left behind when
        // the timeout passes (it exits on its own once that poll returns).
        shared.wait_for_exits(others, deadline);
        for worker in self.workers.drain(..) {
            if worker.thread().id() != me && worker.is_finished() {
                let _ = worker.join();
            }
        }
        shared.shutdown_tasks();
        shared.blocking.shutdown(deadline);
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        if !self.workers.is_empty() || !self.handle.shared.is_shutdown() {
            self.shutdown(None);
        }
    }
}

/// The global runtime, started on first use.
pub(crate) fn global() -> &'static Handle {
    static GLOBAL: OnceLock<Runtime> = OnceLock::new();
    GLOBAL
        .get_or_init(|| {
            // One worker per core, or `GORT_WORKERS` (the builder's default).
            let mut builder = Builder::new();
            builder.thread_name("gort-global-worker");
            builder
                .build()
                .unwrap_or_else(|e| panic!("gort: cannot start the global runtime: {e}"))
        })
        .handle()
}
