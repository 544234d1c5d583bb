//! Go's `golang.org/x/sync/errgroup`: run a group of tasks, wait for them all, get the first
//! error.
//!
//! A [`Group`] spawns each task on the current runtime (as [`spawn`](crate::spawn) does) and
//! counts it in a [`WaitGroup`]; [`wait`](Group::wait) waits for the count to reach zero and
//! returns the first error any task returned. With [`with_context`](Group::with_context) the
//! group also owns a child context that it cancels on the first error, so the other tasks can
//! stop early, and again when `wait` returns, as Go's does.
//!
//! Decisions where Go's API does not carry over as is:
//!
//! * **Panics.** A task that panics is caught, cancels the context, and `wait` resumes the panic
//!   on the waiting task; a panic takes precedence over an error, so it is never lost. A task
//!   dropped before it finished (its runtime shut down) is reported the same way.
//! * **One result.** `wait` hands the first error out once; a second `wait` (or one on a clone)
//!   returns `Ok(())` unless new tasks fail. Go's `Wait` returns the same error every time.
//! * **The limit** may only change while no task of the group runs (Go allows it while no task
//!   holds a slot).
//! * **Limits.** [`set_limit`](Group::set_limit) bounds how many tasks *run* at once. Go's
//!   `g.Go` blocks its caller until a slot is free; [`spawn`](Group::spawn) cannot block an
//!   async caller, so the task is spawned at once and waits for its slot (a FIFO semaphore
//!   permit) before it starts the user's future. [`try_spawn`](Group::try_spawn) is Go's
//!   `TryGo`.
//! * **Sharing.** `Group` is `Clone` (one shared group), so a task can spawn more tasks into
//!   its own group, as a Go goroutine can call `g.Go`.
//!
//! # Example
//!
//! Parse inputs in parallel; the first bad one fails the group and cancels its context:
//!
//! ```
//! use gort_executor::context::Context;
//! use gort_executor::errgroup::Group;
//! use std::num::ParseIntError;
//!
//! gort_executor::block_on(async {
//!     // Go: g, ctx := errgroup.WithContext(context.Background())
//!     let (group, ctx) = Group::<ParseIntError>::with_context(&Context::background());
//!     for input in ["1", "2", "x", "4"] {
//!         group.spawn(async move { input.parse::<u32>().map(|_| ()) }); // Go: g.Go(...)
//!     }
//!     let err = group.wait().await.unwrap_err(); // Go: err := g.Wait()
//!     assert_eq!(err.to_string(), "invalid digit found in string");
//!     assert!(ctx.is_done(), "the first error cancelled the group's context");
//!     assert!(group.wait().await.is_ok(), "the error is handed out once");
//! });
//! ```

use crate::context::{CancelFn, Context};
use gort_channel::sync::{OwnedSemaphorePermit, Semaphore, WaitGroup};
use std::any::Any;
use std::fmt;
use std::future::{poll_fn, Future};
use std::panic::{self, AssertUnwindSafe};
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// A group of tasks that fail together (Go's `errgroup.Group`).
///
/// ```
/// use gort_executor::errgroup::Group;
///
/// gort_executor::block_on(async {
///     let group = Group::new();
///     for i in 0..10u32 {
///         group.spawn(async move {
///             if i == 7 { Err(format!("task {i} failed")) } else { Ok(()) }
///         });
///     }
///     assert_eq!(group.wait().await, Err("task 7 failed".to_string()));
/// });
/// ```
pub struct Group<E> {
    shared: Arc<Shared<E>>,
}

struct Shared<E> {
    /// Tasks spawned and not yet finished.
    running: WaitGroup,
    /// The same count, readable (for `set_limit`'s misuse check).
    active: AtomicUsize,
    /// The first failure; `wait` takes it.
    first: Mutex<Option<Failure<E>>>,
    /// Cancels the group's context (`with_context` only).
    cancel: Option<CancelFn>,
    /// The run-at-once limit, if one is set.
    limit: Mutex<Option<Arc<Semaphore>>>,
}

enum Failure<E> {
    Error(E),
    Panic(Box<dyn Any + Send>),
}

impl<E> Clone for Group<E> {
    fn clone(&self) -> Self {
        Group {
            shared: self.shared.clone(),
        }
    }
}

impl<E> Default for Group<E> {
    fn default() -> Self {
        Group::new()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Only plain data is stored under these locks and no user code runs under them.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl<E> Group<E> {
    /// An empty group with no context and no limit (Go's zero `errgroup.Group`).
    ///
    /// ```
    /// use gort_executor::errgroup::Group;
    ///
    /// let group: Group<std::io::Error> = Group::new();
    /// assert!(gort_executor::block_on(group.wait()).is_ok(), "an empty group succeeds");
    /// ```
    pub fn new() -> Group<E> {
        Group::with_cancel(None)
    }

    /// A group and a child of `parent` that is cancelled on the group's first error (or panic),
    /// or when [`wait`](Group::wait) returns, whichever is first (Go's `errgroup.WithContext`).
    ///
    /// ```
    /// use gort_executor::context::Context;
    /// use gort_executor::errgroup::Group;
    ///
    /// gort_executor::block_on(async {
    ///     let (group, ctx) = Group::with_context(&Context::background());
    ///     let watcher = ctx.clone();
    ///     group.spawn(async move {
    ///         watcher.done().await; // stops when a sibling fails
    ///         Ok(())
    ///     });
    ///     group.spawn(async { Err("boom") });
    ///     assert_eq!(group.wait().await, Err("boom"));
    ///     assert!(ctx.is_done());
    /// });
    /// ```
    pub fn with_context(parent: &Context) -> (Group<E>, Context) {
        let (ctx, cancel) = parent.with_cancel();
        (Group::with_cancel(Some(cancel)), ctx)
    }

    fn with_cancel(cancel: Option<CancelFn>) -> Group<E> {
        Group {
            shared: Arc::new(Shared {
                running: WaitGroup::new(),
                active: AtomicUsize::new(0),
                first: Mutex::new(None),
                cancel,
                limit: Mutex::new(None),
            }),
        }
    }

    /// Lets at most `n` of the group's tasks run at once (Go's `SetLimit`). Tasks spawned
    /// beyond it wait, in spawn order, for a running one to finish.
    ///
    /// # Panics
    ///
    /// If `n` is 0 (no task could ever run), or if tasks of this group are still running: as in
    /// Go, the limit must be set before the first `spawn` or after `wait`.
    ///
    /// ```
    /// use gort_executor::errgroup::Group;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    ///
    /// gort_executor::block_on(async {
    ///     let group = Group::<()>::new();
    ///     group.set_limit(2);
    ///     let (now, peak) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    ///     for _ in 0..8 {
    ///         let (now, peak) = (now.clone(), peak.clone());
    ///         group.spawn(async move {
    ///             peak.fetch_max(now.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
    ///             gort_executor::yield_now().await;
    ///             now.fetch_sub(1, Ordering::SeqCst);
    ///             Ok(())
    ///         });
    ///     }
    ///     group.wait().await.unwrap();
    ///     assert!(peak.load(Ordering::SeqCst) <= 2);
    /// });
    /// ```
    pub fn set_limit(&self, n: usize) {
        assert!(
            n > 0,
            "errgroup: set_limit(0) would never let a task run; pass at least 1"
        );
        let active = self.shared.active.load(Ordering::SeqCst);
        assert!(
            active == 0,
            "errgroup: set_limit called while {active} tasks of the group are still running; \
             set the limit before the first spawn, or after wait() returns"
        );
        *lock(&self.shared.limit) = Some(Arc::new(Semaphore::new(n)));
    }
}

impl<E: Send + 'static> Group<E> {
    /// Spawns `task` on the current runtime as a member of the group (Go's `g.Go`). Never
    /// blocks: with a limit set, the task waits for its slot before `task` starts.
    ///
    /// The first `Err` (or panic) of any task becomes the result of [`wait`](Group::wait) and
    /// cancels the group's context.
    ///
    /// ```
    /// use gort_executor::errgroup::Group;
    ///
    /// gort_executor::block_on(async {
    ///     let group = Group::<std::num::ParseIntError>::new();
    ///     group.spawn(async { "42".parse::<u32>().map(|_| ()) });
    ///     assert!(group.wait().await.is_ok());
    /// });
    /// ```
    pub fn spawn<F>(&self, task: F)
    where
        F: Future<Output = Result<(), E>> + Send + 'static,
    {
        let limit = lock(&self.shared.limit).clone();
        self.start(task, limit.map(Slot::Queued));
    }

    /// Spawns `task` only if the limit has a free slot right now; returns whether it did (Go's
    /// `TryGo`). Without a limit it always spawns.
    ///
    /// ```
    /// use gort_executor::errgroup::Group;
    ///
    /// gort_executor::block_on(async {
    ///     let group = Group::<()>::new();
    ///     group.set_limit(1);
    ///     let (tx, rx) = gort_channel::chan::bounded::<()>(0);
    ///     assert!(group.try_spawn(async move { let _ = rx.recv().await; Ok(()) }));
    ///     assert!(!group.try_spawn(async { Ok(()) }), "the only slot is taken");
    ///     drop(tx); // lets the first task finish
    ///     group.wait().await.unwrap();
    /// });
    /// ```
    pub fn try_spawn<F>(&self, task: F) -> bool
    where
        F: Future<Output = Result<(), E>> + Send + 'static,
    {
        let limit = lock(&self.shared.limit).clone();
        let slot = match limit {
            None => None,
            Some(semaphore) => match semaphore.try_acquire_owned() {
                Ok(permit) => Some(Slot::Held(permit)),
                Err(_) => return false,
            },
        };
        self.start(task, slot);
        true
    }

    fn start<F>(&self, task: F, slot: Option<Slot>)
    where
        F: Future<Output = Result<(), E>> + Send + 'static,
    {
        self.shared.active.fetch_add(1, Ordering::SeqCst);
        self.shared.running.add(1);
        // Made here, not in the task: a task dropped before its first poll (spawned onto a
        // runtime that is shutting down) must still leave the count.
        let member = Member {
            shared: self.shared.clone(),
            finished: false,
        };
        crate::go(async move {
            let permit = match slot {
                None => None,
                Some(Slot::Held(permit)) => Some(permit),
                Some(Slot::Queued(semaphore)) => Some(acquire(semaphore).await),
            };
            let failure = match catch_unwind(task).await {
                Ok(Ok(())) => None,
                Ok(Err(error)) => Some(Failure::Error(error)),
                Err(payload) => Some(Failure::Panic(payload)),
            };
            if let Some(failure) = failure {
                member.shared.fail(failure);
            }
            drop(permit); // the next task may start before this one is counted out
            member.finish();
        });
    }

    /// Waits for every task of the group, then returns the first error (Go's `g.Wait`). Also
    /// cancels the group's context.
    ///
    /// # Panics
    ///
    /// If a task of the group panicked, `wait` resumes that panic (the first one) once every
    /// task has finished.
    ///
    /// ```
    /// use gort_executor::errgroup::Group;
    ///
    /// gort_executor::block_on(async {
    ///     let group = Group::<&str>::new();
    ///     group.spawn(async { Err("first") });
    ///     assert_eq!(group.wait().await, Err("first"));
    ///     assert_eq!(group.wait().await, Ok(()), "the error is handed out once");
    /// });
    /// ```
    pub async fn wait(&self) -> Result<(), E> {
        self.shared.running.wait().await;
        if let Some(cancel) = &self.shared.cancel {
            cancel.cancel();
        }
        match lock(&self.shared.first).take() {
            None => Ok(()),
            Some(Failure::Error(error)) => Err(error),
            Some(Failure::Panic(payload)) => panic::resume_unwind(payload),
        }
    }
}

impl<E> Shared<E> {
    /// Records `failure` if it is the first, and cancels the context.
    fn fail(&self, failure: Failure<E>) {
        {
            let mut first = lock(&self.first);
            // The first failure wins, except that a panic displaces an error: a panic is a bug
            // and must not be lost behind an ordinary error. The loser is dropped after the
            // lock is released (its `Drop` is user code).
            let displaces = matches!(
                (&*first, &failure),
                (None, _) | (Some(Failure::Error(_)), Failure::Panic(_))
            );
            let _loser = if displaces {
                first.replace(failure)
            } else {
                Some(failure)
            };
            drop(first);
        }
        if let Some(cancel) = &self.cancel {
            cancel.cancel();
        }
    }
}

/// One task's place in the group's count, from `spawn` until the task ends. Leaving is done on
/// drop, so a task that never ends — its runtime shut down and dropped it — still lets
/// [`Group::wait`] return, and is reported as a panic rather than passing for a success.
struct Member<E> {
    shared: Arc<Shared<E>>,
    finished: bool,
}

impl<E> Member<E> {
    /// The task ran to its end (its failure, if any, is recorded): leave the count.
    fn finish(mut self) {
        self.finished = true;
    }
}

impl<E> Drop for Member<E> {
    fn drop(&mut self) {
        if !self.finished {
            self.shared.fail(Failure::Panic(Box::new(
                "errgroup: a task of the group was dropped before it finished \
                 (its runtime was shut down); its result is unknown",
            )));
        }
        self.shared.active.fetch_sub(1, Ordering::SeqCst);
        self.shared.running.done();
    }
}

/// A task's claim on the limit.
enum Slot {
    /// Wait for a permit inside the task.
    Queued(Arc<Semaphore>),
    /// Already holds one (`try_spawn`).
    Held(OwnedSemaphorePermit),
}

async fn acquire(semaphore: Arc<Semaphore>) -> OwnedSemaphorePermit {
    semaphore.acquire_owned().await
}

/// Runs `future`, turning a panic inside any of its polls into an `Err` with the payload.
async fn catch_unwind<F: Future>(future: F) -> Result<F::Output, Box<dyn Any + Send>> {
    let mut future = pin!(future);
    poll_fn(
        |cx| match panic::catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(poll) => poll.map(Ok),
            Err(payload) => std::task::Poll::Ready(Err(payload)),
        },
    )
    .await
}

impl<E> fmt::Debug for Group<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Group")
            .field("running", &self.shared.active.load(Ordering::Relaxed))
            .field("has_context", &self.shared.cancel.is_some())
            .finish_non_exhaustive()
    }
}
