//! A snapshot of a runtime's counters.

/// Counters of a runtime at one moment, from [`Handle::metrics`](super::Handle::metrics).
///
/// Plain numbers, read without stopping the runtime: each is exact on its own, but they are not
/// read at one instant together.
///
/// ```
/// let rt = gort_executor::runtime::Builder::new().worker_threads(2).build().unwrap();
/// rt.block_on(async { gort_executor::spawn(async {}).await.unwrap() });
/// let m = rt.handle().metrics();
/// assert_eq!(m.workers, 2);
/// assert!(m.tasks_spawned >= 1);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Metrics {
    /// Worker threads.
    pub workers: usize,
    /// Tasks spawned and not yet completed (blocking jobs excluded).
    pub tasks_alive: usize,
    /// Tasks spawned since the runtime started.
    pub tasks_spawned: u64,
    /// Successful steals from another worker's queue.
    pub steals: u64,
    /// Times a worker went to sleep for lack of work.
    pub parks: u64,
    /// Tasks waiting in the global queue.
    pub global_queue_depth: usize,
    /// Threads in the blocking pool (busy or idle).
    pub blocking_threads: usize,
    /// Workers asleep right now.
    pub parked_workers: usize,
    /// Timers pending in the runtime's timer driver (sleeps, timeouts, channel timers).
    pub timers: usize,
}
