//! Cooperative scheduling budget.
//!
//! A task that loops on operations which are always ready (a channel that always has a message,
//! a mutex nobody else holds) would never return `Pending`, so the executor could never run
//! anything else on that worker. Go avoids this with asynchronous preemption; a stackless
//! executor cannot preempt, so gort's own resources *spend* a small per-poll budget instead:
//! once it is gone, they return `Pending` after waking the task, which sends the task to the back
//! of its run queue.
//!
//! The budget lives in a thread-local so that this crate does not depend on the executor:
//! an executor calls [`with_budget`] around each poll of a task; resources call
//! [`poll_proceed`]. Outside any executor that sets a budget (tokio, `futures::executor`, a
//! plain thread), the budget is unconstrained and [`poll_proceed`] always proceeds.
//!
//! Invariant: the budget is restored to its previous value when [`with_budget`] returns, also
//! when the closure panics, so nested executors (a `block_on` inside a blocking thread) never
//! leak a budget into each other.
//!
//! # Example
//!
//! A resource of your own that is always ready cooperates by spending the budget first, as
//! gort's channels and locks do:
//!
//! ```
//! use gort_channel::coop;
//! use std::task::{ready, Context, Poll, Waker};
//!
//! /// Always ready, but yields once the task's budget is spent.
//! fn poll_tick(cx: &mut Context<'_>) -> Poll<()> {
//!     ready!(coop::poll_proceed(cx));
//!     Poll::Ready(())
//! }
//!
//! let mut cx = Context::from_waker(Waker::noop());
//! // What an executor does around one poll of a task: a budget of 3.
//! coop::with_budget(3, || {
//!     let done = (0..5).take_while(|_| poll_tick(&mut cx).is_ready()).count();
//!     assert_eq!(done, 3); // the fourth returns Pending: the task goes to the back of the queue
//! });
//! // No budgeting executor here (a plain thread): it never yields.
//! assert!((0..1000).all(|_| poll_tick(&mut cx).is_ready()));
//! ```

use std::cell::Cell;
use std::task::{Context, Poll};

/// Operations a task may complete per poll before gort's resources make it yield.
///
/// 128 is the figure tokio settled on after measurement: large enough that the cost of the extra
/// trip through the run queue is amortised, small enough to keep a worker's latency low.
///
/// A task whose channel always has a message completes `DEFAULT_BUDGET` receives in one poll,
/// then the channel makes it yield:
///
/// ```
/// use gort_channel::{chan, coop};
/// use std::future::Future;
/// use std::pin::pin;
/// use std::task::{Context, Waker};
///
/// let (tx, rx) = chan::unbounded();
/// for i in 0..1000 {
///     tx.try_send(i).unwrap();
/// }
/// let mut cx = Context::from_waker(Waker::noop());
/// let received = coop::with_budget(coop::DEFAULT_BUDGET, || {
///     // One poll of a task that loops on `rx.recv().await`.
///     (0..1000).take_while(|_| pin!(rx.recv()).poll(&mut cx).is_ready()).count()
/// });
/// assert_eq!(received, coop::DEFAULT_BUDGET as usize);
/// assert_eq!(rx.len(), 1000 - 128);
/// ```
pub const DEFAULT_BUDGET: u32 = 128;

thread_local! {
    /// `None`: unconstrained (no gort executor is polling on this thread).
    static BUDGET: Cell<Option<u32>> = const { Cell::new(None) };
}

/// Runs `f` with a fresh budget of `budget` units, restoring the previous budget afterwards.
///
/// Executors call this around each poll of a task.
///
/// ```
/// use gort_channel::coop;
///
/// coop::with_budget(2, || {
///     assert!(coop::has_budget_remaining());
/// });
/// ```
pub fn with_budget<R>(budget: u32, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<u32>);
    impl Drop for Restore {
        fn drop(&mut self) {
            BUDGET.with(|b| b.set(self.0));
        }
    }
    let _restore = Restore(BUDGET.with(|b| b.replace(Some(budget))));
    f()
}

/// Runs `f` with no budget constraint (used for blocking work), restoring the previous budget.
///
/// ```
/// use gort_channel::coop;
///
/// coop::with_budget(0, || {
///     coop::unconstrained(|| assert!(coop::has_budget_remaining()));
///     assert!(!coop::has_budget_remaining());
/// });
/// ```
pub fn unconstrained<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(Option<u32>);
    impl Drop for Restore {
        fn drop(&mut self) {
            BUDGET.with(|b| b.set(self.0));
        }
    }
    let _restore = Restore(BUDGET.with(|b| b.replace(None)));
    f()
}

/// Spends one unit of the current task's budget.
///
/// Returns `Ready` when the operation may go on. When the budget is spent it wakes the task
/// (so it is polled again soon) and returns `Pending`: the caller must return `Pending` too.
///
/// ```
/// use gort_channel::coop;
/// use std::task::{Context, Poll};
///
/// let mut cx = Context::from_waker(std::task::Waker::noop());
/// coop::with_budget(1, || {
///     assert!(coop::poll_proceed(&mut cx).is_ready());
///     assert!(coop::poll_proceed(&mut cx).is_pending()); // spent: yield
/// });
/// assert!(coop::poll_proceed(&mut cx).is_ready()); // no executor budget: always proceeds
/// ```
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<()> {
    BUDGET.with(|b| match b.get() {
        None => Poll::Ready(()),
        Some(0) => {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
        Some(n) => {
            b.set(Some(n - 1));
            Poll::Ready(())
        }
    })
}

/// Spends one unit of the current task's budget if one is left; false, spending nothing, when
/// the budget is spent.
///
/// For code that has no `Context` at hand, such as `select!`'s first try of its arms, which
/// runs before the select's future exists: on `false` it goes through [`poll_proceed`], which
/// yields.
///
/// ```
/// use gort_channel::coop;
///
/// coop::with_budget(1, || {
///     assert!(coop::try_spend());
///     assert!(!coop::try_spend()); // spent: the caller must yield through `poll_proceed`
/// });
/// assert!(coop::try_spend()); // no executor budget: always proceeds
/// ```
#[inline]
pub fn try_spend() -> bool {
    BUDGET.with(|b| match b.get() {
        None => true,
        Some(0) => false,
        Some(n) => {
            b.set(Some(n - 1));
            true
        }
    })
}

/// Whether the current task may still complete an operation without yielding.
///
/// ```
/// assert!(gort_channel::coop::has_budget_remaining());
/// ```
pub fn has_budget_remaining() -> bool {
    BUDGET.with(|b| b.get() != Some(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_is_restored_after_panic() {
        let result = std::panic::catch_unwind(|| with_budget(3, || panic!("boom")));
        assert!(result.is_err());
        assert!(BUDGET.with(|b| b.get()).is_none());
    }

    #[test]
    fn nested_budgets_restore_the_outer_one() {
        with_budget(5, || {
            with_budget(1, || assert_eq!(BUDGET.with(|b| b.get()), Some(1)));
            assert_eq!(BUDGET.with(|b| b.get()), Some(5));
        });
    }

    #[test]
    fn spent_budget_wakes_the_task() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;
        use std::task::Wake;
        struct Count(AtomicUsize);
        impl Wake for Count {
            fn wake(self: Arc<Self>) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = std::task::Waker::from(count.clone());
        let mut cx = Context::from_waker(&waker);
        with_budget(0, || assert!(poll_proceed(&mut cx).is_pending()));
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
    }
}
