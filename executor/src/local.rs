//! `block_on` and `spawn_local`: running futures on the calling thread.
//!
//! `block_on` turns the calling thread into a small single-threaded executor for the duration
//! of the call: it polls the given future, and the `spawn_local` tasks (futures that are not
//! `Send`) spawned while it runs, until the future completes. The thread sleeps when nothing is
//! ready. Wake-ups may come from any thread; they are queued and the thread unparked.
//!
//! When `block_on` returns (or unwinds), every `spawn_local` task still alive is dropped on this
//! thread — a `!Send` future is never touched by another thread.

use crate::loom::{lock, Mutex};
use crate::scheduler::owned::OwnedTasks;
use crate::scheduler::park::{self, Parker, Unparker};
use crate::task::{JoinHandle, Notified, RawTask, Schedule};
use gort_channel::coop;
use std::cell::Cell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// Local tasks polled between two checks of the main future: the main future is not starved
/// by a busy set of local tasks, and local tasks are not starved by a main future that keeps
/// waking itself (same figure as the global-queue interval).
const LOCAL_BATCH: usize = 61;

/// The state a `block_on` call shares with wakers on other threads.
struct LocalShared {
    queue: Mutex<LocalQueue>,
    main_woken: AtomicBool,
    unparker: Unparker,
    owned: OwnedTasks,
}

struct LocalQueue {
    tasks: VecDeque<Notified>,
    closed: bool,
}

impl Schedule for Arc<LocalShared> {
    fn schedule(&self, task: Notified) {
        let mut queue = lock(&self.queue);
        if queue.closed {
            drop(queue);
            drop(task);
            return;
        }
        queue.tasks.push_back(task);
        drop(queue);
        self.unparker.unpark();
    }

    fn release(&self, task: RawTask) -> usize {
        usize::from(self.owned.remove(task))
    }
}

impl Wake for LocalShared {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.main_woken.store(true, Ordering::Release);
        self.unparker.unpark();
    }
}

thread_local! {
    /// The `block_on` running on this thread, if any (for `spawn_local`).
    static CURRENT: Cell<*const LocalShared> = const { Cell::new(std::ptr::null()) };
}

/// Panics with a helpful message if this thread must not block.
#[track_caller]
pub(crate) fn check_can_block(what: &str) {
    if crate::scheduler::worker::is_worker_thread() {
        panic!(
            "gort: {what} called on a worker thread of a gort runtime. Blocking a worker stalls \
             every task queued on it and can deadlock the runtime. Inside async code, `.await` \
             the future instead; to run blocking code, use gort::spawn_blocking."
        );
    }
    if !CURRENT.with(|c| c.get()).is_null() {
        panic!(
            "gort: {what} called inside another block_on on the same thread. The outer block_on \
             could not run its tasks meanwhile; `.await` the future instead."
        );
    }
}

/// Runs a future to completion on the current thread.
///
/// Inside it, `gort::spawn` uses the runtime the thread is in (for `Runtime::block_on`), else
/// the global runtime, and [`spawn_local`] runs `!Send` tasks on this thread.
///
/// # Panics
/// On a worker thread of a gort runtime (it would block the worker: `.await` instead), or when
/// nested inside another `block_on` on the same thread.
///
/// ```
/// let v = gort_executor::block_on(async {
///     let h = gort_executor::spawn(async { 21 * 2 });
///     h.await.unwrap()
/// });
/// assert_eq!(v, 42);
/// ```
#[track_caller]
pub fn block_on<F: Future>(future: F) -> F::Output {
    check_can_block("gort::block_on");
    block_on_inner(future)
}

pub(crate) fn block_on_inner<F: Future>(future: F) -> F::Output {
    let (parker, unparker) = park::pair();
    let shared = Arc::new(LocalShared {
        queue: Mutex::new(LocalQueue {
            tasks: VecDeque::new(),
            closed: false,
        }),
        main_woken: AtomicBool::new(true),
        unparker,
        owned: OwnedTasks::new(1),
    });
    let _guard = Enter::new(&shared);
    run(&shared, &parker, future)
}

fn run<F: Future>(shared: &Arc<LocalShared>, parker: &Parker, future: F) -> F::Output {
    let waker = Waker::from(shared.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if shared.main_woken.swap(false, Ordering::AcqRel) {
            if let Poll::Ready(output) =
                coop::with_budget(coop::DEFAULT_BUDGET, || future.as_mut().poll(&mut cx))
            {
                return output;
            }
        }
        let mut ran = 0;
        while ran < LOCAL_BATCH {
            let Some(task) = lock(&shared.queue).tasks.pop_front() else {
                break;
            };
            coop::with_budget(coop::DEFAULT_BUDGET, || task.run());
            ran += 1;
        }
        if ran == 0 && !shared.main_woken.load(Ordering::Acquire) {
            parker.park(None);
        }
    }
}

/// Registers the `block_on` for `spawn_local`, and on exit drops every local task here.
struct Enter<'a> {
    shared: &'a Arc<LocalShared>,
}

impl<'a> Enter<'a> {
    fn new(shared: &'a Arc<LocalShared>) -> Self {
        CURRENT.with(|c| c.set(Arc::as_ptr(shared)));
        Enter { shared }
    }
}

impl Drop for Enter<'_> {
    fn drop(&mut self) {
        let tasks = self.shared.owned.close_and_drain();
        let queued = {
            let mut queue = lock(&self.shared.queue);
            queue.closed = true;
            std::mem::take(&mut queue.tasks)
        };
        drop(queued);
        for task in tasks {
            task.shutdown();
        }
        CURRENT.with(|c| c.set(std::ptr::null()));
    }
}

/// Spawns a future that is not `Send` onto the current thread, which must be inside
/// [`block_on`] (or `Runtime::block_on`, `#[gort::main]`, `#[gort::test]`).
///
/// The task runs on this thread, interleaved with the future given to `block_on`; it is dropped
/// when that `block_on` returns, if it has not completed by then.
///
/// # Panics
/// Outside `block_on`: a `!Send` task needs a thread that stays to run it.
///
/// ```
/// use std::rc::Rc;
/// gort_executor::block_on(async {
///     let shared = Rc::new(5);
///     let copy = shared.clone();
///     let h = gort_executor::task::spawn_local(async move { *copy + 1 });
///     assert_eq!(h.await.unwrap(), 6);
///     assert_eq!(Rc::strong_count(&shared), 1);
/// });
/// ```
#[track_caller]
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let current = CURRENT.with(|c| c.get());
    if current.is_null() {
        panic!(
            "gort::task::spawn_local called outside gort::block_on. A task that is not Send must \
             run on the thread that spawned it, and only a thread inside block_on (or \
             #[gort::main] / #[gort::test]) runs such tasks. Call it from code running inside \
             block_on, or make the future Send and use gort::spawn."
        );
    }
    // SAFETY: `CURRENT` is non-null only while the `block_on` that owns this `LocalShared` is on
    // this thread's stack (the `Enter` guard resets it before that Arc can be dropped), and it
    // came from `Arc::as_ptr`; we add one strong count for the Arc we rebuild.
    let shared: Arc<LocalShared> = unsafe {
        Arc::increment_strong_count(current);
        Arc::from_raw(current)
    };
    let (notified, join, owned) = crate::task::new_task(future, shared.clone(), true);
    let raw = owned.expect("local tasks are tracked");
    if let Err(raw) = shared.owned.insert(raw, 0) {
        raw.shutdown();
        drop(notified);
        return join;
    }
    shared.schedule(notified);
    join
}
