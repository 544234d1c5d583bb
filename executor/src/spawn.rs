//! The free functions users call: `spawn`, `go`, `spawn_blocking`, `yield_now`.

use crate::runtime::{self, context};
use crate::task::JoinHandle;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Spawns a task: a future that runs concurrently on the runtime's workers.
///
/// Inside a runtime (a task, `Runtime::block_on`, `#[gort::main]`) it uses that runtime;
/// anywhere else it uses the global runtime, started on first use (one worker per core, or
/// `GORT_WORKERS`).
///
/// ```
/// # gort_executor::block_on(async {
/// let handle = gort_executor::spawn(async { "hello from a task" });
/// assert_eq!(handle.await.unwrap(), "hello from a task");
/// # });
/// ```
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    context::with_current(|handle| match handle {
        Some(handle) => handle.spawn(future),
        None => runtime::global().spawn(future),
    })
}

/// Go's `go f(x)`: spawns a task and forgets its handle (it runs to completion on its own).
///
/// ```
/// use std::sync::mpsc;
/// let (tx, rx) = mpsc::channel();
/// gort_executor::go(async move { tx.send("done").unwrap() });
/// assert_eq!(rx.recv().unwrap(), "done");
/// ```
pub fn go<F>(future: F)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    drop(spawn(future));
}

/// Runs a blocking closure on the blocking pool, so that it does not hold up a worker.
///
/// ```
/// # gort_executor::block_on(async {
/// let digest = gort_executor::spawn_blocking(|| (1..=10u64).product::<u64>()).await.unwrap();
/// assert_eq!(digest, 3_628_800);
/// # });
/// ```
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    context::with_current(|handle| match handle {
        Some(handle) => handle.spawn_blocking(f),
        None => runtime::global().spawn_blocking(f),
    })
}

/// Yields to the scheduler: the task goes to the back of its worker's queue and other tasks
/// run first (Go's `runtime.Gosched()`).
///
/// ```
/// # gort_executor::block_on(async {
/// for _ in 0..3 {
///     gort_executor::yield_now().await;
/// }
/// # });
/// ```
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future returned by [`yield_now`].
///
/// A task that polls a condition in a loop yields on each turn, so the task that makes the
/// condition true gets to run, even on a single worker (Go: `for !done.Load() {
/// runtime.Gosched() }`):
///
/// ```
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use std::sync::Arc;
///
/// let rt = gort_executor::runtime::Builder::new().worker_threads(1).build().unwrap();
/// let done = Arc::new(AtomicBool::new(false));
/// let waiter = rt.spawn({
///     let done = done.clone();
///     async move {
///         while !done.load(Ordering::Acquire) {
///             gort_executor::yield_now().await; // without it, the setter might never run
///         }
///     }
/// });
/// rt.spawn(async move { done.store(true, Ordering::Release) });
/// rt.block_on(waiter).unwrap();
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        // Woken while running: the scheduler puts the task at the back of the queue.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
