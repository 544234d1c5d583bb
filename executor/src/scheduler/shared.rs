//! State shared by all workers of one runtime, and how tasks are routed to them.

use super::idle::Idle;
use super::inject::Inject;
use super::owned::OwnedTasks;
use super::park::Unparker;
use super::{queue, worker};
use crate::blocking::BlockingPool;
use crate::loom::{Arc, AtomicBool, AtomicPtr, AtomicU64, Mutex};
use crate::task::raw::Header;
use crate::task::{JoinHandle, Notified, RawTask, Schedule};
use crate::time::driver::Driver;
use std::future::Future;
use std::sync::atomic::Ordering::{Acquire, Relaxed, SeqCst};

/// Everything the workers of one runtime share. Tasks hold an `Arc<Shared>` as their scheduler.
pub(crate) struct Shared {
    pub(crate) remotes: Box<[Remote]>,
    pub(crate) inject: Inject,
    pub(crate) idle: Idle,
    pub(crate) owned: OwnedTasks,
    pub(crate) blocking: BlockingPool,
    /// The runtime's timers (shared with every registered timer, which may outlive `Shared`).
    pub(crate) timers: Arc<Driver>,
    shutdown: AtomicBool,
    remote_spawns: AtomicU64,
    /// Workers that have left their loop, to bound `shutdown_timeout`'s wait.
    exited: std::sync::Mutex<usize>,
    exited_changed: std::sync::Condvar,
}

/// What other threads may see of a worker.
pub(crate) struct Remote {
    pub(crate) steal: queue::Steal,
    /// The task the running task woke or spawned last: run next, for locality. Stealable only
    /// when its owner has been stuck in one poll for a while (see `worker.rs`).
    pub(crate) next: AtomicPtr<Header>,
    pub(crate) unparker: Unparker,
    /// Polls started by this worker; a stealer that sees it unchanged knows the owner is stuck.
    pub(crate) polls: AtomicU64,
    /// Tasks that yielded on this worker, in order: moved to its ring once it has nothing else
    /// to do, or at its next 61-tick turn (see `Worker::schedule_local`). Behind a lock only so that the watcher can take them
    /// from a worker stuck in one poll; otherwise only the owner touches it, uncontended.
    pub(crate) deferred: Mutex<Vec<Notified>>,
    pub(crate) spawns: AtomicU64,
    pub(crate) steals: AtomicU64,
    pub(crate) parks: AtomicU64,
}

impl Remote {
    pub(crate) fn new(steal: queue::Steal, unparker: Unparker) -> Remote {
        Remote {
            steal,
            next: AtomicPtr::new(std::ptr::null_mut()),
            unparker,
            polls: AtomicU64::new(0),
            deferred: Mutex::new(Vec::new()),
            spawns: AtomicU64::new(0),
            steals: AtomicU64::new(0),
            parks: AtomicU64::new(0),
        }
    }

    /// Bumps a counter only its owner writes (no read-modify-write needed).
    pub(crate) fn bump(counter: &AtomicU64) {
        counter.store(counter.load(Relaxed).wrapping_add(1), Relaxed);
    }
}

impl Shared {
    pub(crate) fn new(remotes: Box<[Remote]>, blocking: BlockingPool) -> Shared {
        let n = remotes.len();
        let unparkers = remotes.iter().map(|r| r.unparker.clone()).collect();
        Shared {
            timers: Arc::new(Driver::new(unparkers)),
            idle: Idle::new(n),
            owned: OwnedTasks::new(4 * n),
            remotes,
            inject: Inject::new(),
            blocking,
            shutdown: AtomicBool::new(false),
            remote_spawns: AtomicU64::new(0),
            exited: std::sync::Mutex::new(0),
            exited_changed: std::sync::Condvar::new(),
        }
    }

    pub(crate) fn is_shutdown(&self) -> bool {
        self.shutdown.load(Acquire)
    }

    /// Spawns `future` on this runtime.
    pub(crate) fn spawn<F>(self: &Arc<Self>, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (notified, join, owned) = crate::task::new_task(future, self.clone(), true);
        let raw = owned.expect("runtime tasks are tracked");
        // One look-up of this thread's worker serves both the owned-list shard and the queue.
        worker::with_current(self, |worker| {
            let hint = worker.map_or_else(|| self.owned.shard_hint(), |w| w.shard_hint());
            if let Err(raw) = self.owned.insert(raw, hint) {
                // The runtime is shutting down: the task is cancelled before it ever runs.
                raw.shutdown();
                drop(notified);
                return;
            }
            match worker {
                Some(worker) => worker.spawn_local(notified),
                None => {
                    self.remote_spawns.fetch_add(1, Relaxed);
                    self.push_remote(notified);
                }
            }
        });
        join
    }

    /// Routes a task to the current worker (if this thread is one of ours) or the global queue.
    fn schedule_task(self: &Arc<Self>, task: Notified, is_yield: bool) {
        worker::with_current(self, |worker| match worker {
            Some(worker) => worker.schedule_local(task, is_yield),
            None => self.push_remote(task),
        });
    }

    /// Queues a task from outside the workers and wakes one to take it.
    fn push_remote(&self, task: Notified) {
        self.inject.push(task);
        self.notify_parked();
    }

    /// Wakes a parked worker if work is waiting and nobody is searching for it — preferably
    /// not the one sleeping until the next timer, which would have to hand that duty off.
    pub(crate) fn notify_parked(&self) {
        if let Some(index) = self.idle.worker_to_notify(self.timers.owner_hint()) {
            self.remotes[index].unparker.unpark();
        }
    }

    /// Work visible to a worker that is about to park (rule 4 of `idle.rs`).
    pub(crate) fn has_queued_work(&self) -> bool {
        !self.inject.is_empty() || self.remotes.iter().any(|r| !r.steal.is_empty())
    }

    /// Starts shutdown: workers stop at their next scheduling point.
    pub(crate) fn begin_shutdown(&self) {
        self.shutdown.store(true, SeqCst);
        for remote in self.remotes.iter() {
            remote.unparker.unpark();
        }
    }

    /// A worker thread left its loop.
    pub(crate) fn worker_exited(&self) {
        *self.exited.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        self.exited_changed.notify_all();
    }

    /// Waits until `count` workers have exited, or `deadline` passes; true if they all did.
    pub(crate) fn wait_for_exits(
        &self,
        count: usize,
        deadline: Option<std::time::Instant>,
    ) -> bool {
        let mut exited = self.exited.lock().unwrap_or_else(|e| e.into_inner());
        while *exited < count {
            exited = match deadline {
                None => self
                    .exited_changed
                    .wait(exited)
                    .unwrap_or_else(|e| e.into_inner()),
                Some(deadline) => {
                    let now = std::time::Instant::now();
                    if now >= deadline {
                        return false;
                    }
                    self.exited_changed
                        .wait_timeout(exited, deadline - now)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
        }
        true
    }

    /// After every worker has exited (or been given up on by `shutdown_timeout`): drops every task's future once, and every queued
    /// reference.
    pub(crate) fn shutdown_tasks(&self) {
        let tasks = self.owned.close_and_drain();
        drop(self.inject.close());
        for task in tasks {
            task.shutdown();
        }
        // After the tasks (whose sleeps cancel their own entries): evict what is left.
        self.timers.shutdown();
    }

    pub(crate) fn spawned(&self) -> u64 {
        self.remote_spawns.load(Relaxed)
            + self
                .remotes
                .iter()
                .map(|r| r.spawns.load(Relaxed))
                .sum::<u64>()
    }
}

impl Schedule for Arc<Shared> {
    fn schedule(&self, task: Notified) {
        self.schedule_task(task, false);
    }

    fn reschedule(&self, task: Notified) {
        self.schedule_task(task, true);
    }

    fn release(&self, task: RawTask) -> usize {
        usize::from(self.owned.remove(task))
    }
}
