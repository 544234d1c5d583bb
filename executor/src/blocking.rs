//! The blocking pool: threads for work that would block a worker (file I/O, CPU-heavy loops,
//! blocking C calls). `spawn_blocking` runs each job on one of them.
//!
//! A job is an ordinary task whose future runs the closure on its first (and only) poll, so it
//! shares the task cell, `JoinHandle`, panic capture and cancellation of every other task.
//!
//! Threads start on demand up to `max_threads`; an idle thread waits `keep_alive` for a job, then
//! exits. Jobs beyond `max_threads` queue in FIFO order. On shutdown, queued jobs that never
//! started are cancelled (their handles yield `JoinError::is_cancelled`), and the pool waits for
//! running jobs — forever on drop, up to a limit with `Runtime::shutdown_timeout`.

use crate::runtime::{context, Handle};
use crate::task::{JoinHandle, Notified, RawTask, Schedule};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::thread;
use std::time::{Duration, Instant};

pub(crate) struct BlockingPool {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    /// Signalled when a job is queued or shutdown starts.
    work: Condvar,
    /// Signalled when a thread exits.
    exited: Condvar,
    max_threads: usize,
    keep_alive: Duration,
    thread_name: String,
}

struct State {
    queue: VecDeque<Notified>,
    threads: usize,
    /// Threads waiting for a job and not yet claimed by a push.
    idle: usize,
    /// Wake-ups handed to idle threads by pushes and not yet consumed.
    wakeups: usize,
    shutdown: bool,
}

fn lock(inner: &Inner) -> MutexGuard<'_, State> {
    inner.state.lock().unwrap_or_else(|e| e.into_inner())
}

thread_local! {
    /// The pool whose thread this is (only compared, never dereferenced).
    static CURRENT_POOL: std::cell::Cell<*const Inner> =
        const { std::cell::Cell::new(std::ptr::null()) };
}

/// The scheduler of blocking jobs: the pool's queue.
struct BlockingSchedule(Arc<Inner>);

impl Schedule for BlockingSchedule {
    fn schedule(&self, task: Notified) {
        // Not reached in practice: a job is queued by `spawn`, never idle, and its closure
        // holds no waker, so no wake-up or abort submits it again. Queue it all the same.
        self.0.push(task, None);
    }

    fn release(&self, _task: RawTask) -> usize {
        0
    }
}

/// The future of a blocking job: runs the closure on its first poll, without a coop budget.
struct BlockingTask<F>(Option<F>);

impl<F> Unpin for BlockingTask<F> {}

impl<F: FnOnce() -> R, R> Future for BlockingTask<F> {
    type Output = R;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<R> {
        let f = self.0.take().expect("a blocking job is polled once");
        Poll::Ready(gort_channel::coop::unconstrained(f))
    }
}

impl BlockingPool {
    pub(crate) fn new(
        max_threads: usize,
        keep_alive: Duration,
        thread_name: String,
    ) -> BlockingPool {
        BlockingPool {
            inner: Arc::new(Inner {
                state: Mutex::new(State {
                    queue: VecDeque::new(),
                    threads: 0,
                    idle: 0,
                    wakeups: 0,
                    shutdown: false,
                }),
                work: Condvar::new(),
                exited: Condvar::new(),
                max_threads,
                keep_alive,
                thread_name,
            }),
        }
    }

    pub(crate) fn spawn<F, R>(&self, f: F, handle: Handle) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let schedule = BlockingSchedule(self.inner.clone());
        let (notified, join, _) = crate::task::new_task(BlockingTask(Some(f)), schedule, false);
        self.inner.push(notified, Some(handle));
        join
    }

    pub(crate) fn threads(&self) -> usize {
        lock(&self.inner).threads
    }

    /// Cancels queued jobs and waits for running ones (until `deadline`, if given). Called from
    /// one of the pool's own threads (a job dropping its runtime), it does not wait for itself.
    pub(crate) fn shutdown(&self, deadline: Option<Instant>) {
        let on_own_thread = CURRENT_POOL.with(|p| std::ptr::eq(p.get(), Arc::as_ptr(&self.inner)));
        let mut state = lock(&self.inner);
        state.shutdown = true;
        let queued: Vec<Notified> = state.queue.drain(..).collect();
        self.inner.work.notify_all();
        drop(state);
        for job in queued {
            job.shutdown();
        }
        let mut state = lock(&self.inner);
        while state.threads > usize::from(on_own_thread) {
            state = match deadline {
                None => self
                    .inner
                    .exited
                    .wait(state)
                    .unwrap_or_else(|e| e.into_inner()),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return;
                    }
                    self.inner
                        .exited
                        .wait_timeout(state, deadline - now)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
        }
    }
}

impl Inner {
    /// Queues a job; starts a thread when none is idle and the limit allows. `handle` is the
    /// runtime context for a new thread (None when re-queued from a waker: a thread exists).
    fn push(self: &Arc<Self>, job: Notified, handle: Option<Handle>) {
        let mut state = lock(self);
        if state.shutdown {
            drop(state);
            job.shutdown();
            return;
        }
        state.queue.push_back(job);
        if state.idle > 0 {
            // Claim the idle thread for this job so a burst does not wake the same one twice.
            state.idle -= 1;
            state.wakeups += 1;
            self.work.notify_one();
            return;
        }
        if state.threads >= self.max_threads {
            return;
        }
        let Some(handle) = handle.or_else(Handle::try_current) else {
            return;
        };
        state.threads += 1;
        drop(state);
        let inner = self.clone();
        let spawned = thread::Builder::new()
            .name(self.thread_name.clone())
            .spawn(move || {
                let _enter = context::enter(handle);
                inner.run();
            });
        if let Err(e) = spawned {
            let mut state = lock(self);
            state.threads -= 1;
            self.exited.notify_all();
            if state.threads == 0 {
                // Nobody can run the queued jobs: cancel them rather than leave them hanging.
                let orphaned: Vec<Notified> = state.queue.drain(..).collect();
                drop(state);
                for job in orphaned {
                    job.shutdown();
                }
                panic!("gort: cannot start a blocking thread for spawn_blocking: {e}");
            }
        }
    }

    /// A blocking thread's loop.
    fn run(self: Arc<Self>) {
        CURRENT_POOL.with(|p| p.set(Arc::as_ptr(&self)));
        let mut state = lock(&self);
        'jobs: loop {
            if let Some(job) = state.queue.pop_front() {
                drop(state);
                job.run();
                state = lock(&self);
                continue;
            }
            if state.shutdown {
                break;
            }
            state.idle += 1;
            loop {
                let (next, wait) = self
                    .work
                    .wait_timeout(state, self.keep_alive)
                    .unwrap_or_else(|e| e.into_inner());
                state = next;
                if state.wakeups > 0 {
                    // A push claimed us (and took us off `idle`).
                    state.wakeups -= 1;
                    continue 'jobs;
                }
                if state.shutdown || wait.timed_out() {
                    state.idle -= 1;
                    break 'jobs;
                }
                // Spurious wake-up: keep waiting.
            }
        }
        state.threads -= 1;
        drop(state);
        self.exited.notify_all();
    }
}
