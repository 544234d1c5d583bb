//! Go's `context`: cancellation and deadlines that flow from a parent to every descendant.
//!
//! A [`Context`] is a cheap handle (`Clone + Send + Sync`) to a node of a tree. The root is
//! [`Context::background`], which is never done. [`with_cancel`](Context::with_cancel),
//! [`with_timeout`](Context::with_timeout) and [`with_deadline`](Context::with_deadline) add a
//! child and hand back a [`CancelFn`] for it.
//!
//! How it works, and its invariants:
//!
//! * **Done is a closed channel, as in Go.** Each node owns a `chan::bounded(0)` that nobody
//!   sends on; cancelling closes it, which wakes every [`done`](Context::done) future at once
//!   through the channels' own waiter queues.
//! * **Cancellation flows down, never up.** A node records its error once (the first cause
//!   wins), takes its list of children under its lock, and then cancels them one by one — with an
//!   explicit work list, so a chain a million contexts deep cannot overflow the stack. A child
//!   created under a parent that is already done is cancelled at birth.
//! * **Deadlines are lazy.** A child's deadline is the earlier of its own and its parent's, so
//!   a deadline never needs a timer to propagate: every observer (`err`, `is_done`, `done`)
//!   compares it with the clock, and the first one to see it passed cancels the node with
//!   [`ContextError::DeadlineExceeded`]. `done()` sleeps until the deadline on gort's timer.
//! * **No leaks.** A parent holds its children weakly. A child leaves its parent's list when it
//!   is cancelled or when its last handle is dropped, whichever comes first, so a million
//!   short-lived children of a long-lived parent leave nothing behind — even those whose
//!   `CancelFn` was never called.
//! * **Lock order.** No code holds two shared nodes' locks at once: a node's own lock guards its
//!   error and its children, and unlinking from the parent happens after it is released. (A
//!   child being created is locked under its parent's lock, but nobody else can reach it yet.)
//!
//! Dropping a [`CancelFn`] does not cancel (Go's `CancelFunc` is a plain function): call
//! [`cancel`](CancelFn::cancel) when the work the context guards is over, as Go's
//! `defer cancel()` does.
//!
//! # Example
//!
//! A request with a generous timeout, cancelled early: the cancellation reaches every task that
//! watches the context or a child of it.
//!
//! ```
//! use gort_executor::context::{Context, ContextError};
//! use std::time::Duration;
//!
//! gort_executor::block_on(async {
//!     // Go: ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
//!     let (ctx, cancel) = Context::background().with_timeout(Duration::from_secs(3600));
//!     let workers: Vec<_> = (0..3)
//!         .map(|_| {
//!             let (child, _child_cancel) = ctx.with_cancel(); // a sub-request
//!             gort_executor::spawn(async move {
//!                 child.done().await; // Go: <-ctx.Done()
//!                 child.err()
//!             })
//!         })
//!         .collect();
//!     cancel.cancel(); // long before the deadline
//!     for w in workers {
//!         assert_eq!(w.await.unwrap(), Some(ContextError::Canceled));
//!     }
//! });
//! ```

use crate::time::{sleep_until, Sleep};
use gort_channel::chan::{self, RecvFuture};
use slab::Slab;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::task::{Context as TaskContext, Poll};
use std::time::{Duration, Instant};

/// Why a context is done: Go's `context.Canceled` and `context.DeadlineExceeded`.
///
/// ```
/// use gort_executor::context::{Context, ContextError};
///
/// let (ctx, cancel) = Context::background().with_cancel();
/// assert_eq!(ctx.err(), None);
/// cancel.cancel();
/// assert_eq!(ctx.err(), Some(ContextError::Canceled));
/// assert_eq!(ContextError::Canceled.to_string(), "context canceled");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContextError {
    /// The context (or an ancestor) was cancelled by its [`CancelFn`].
    Canceled,
    /// The context's deadline (or an ancestor's) passed.
    DeadlineExceeded,
}

impl fmt::Display for ContextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Go's messages, so ported logs read the same.
        f.write_str(match self {
            ContextError::Canceled => "context canceled",
            ContextError::DeadlineExceeded => "context deadline exceeded",
        })
    }
}

impl std::error::Error for ContextError {}

/// A node of the context tree (every context but the background one).
struct Node {
    /// Kept alive by its children, so that a child can always unlink itself.
    parent: Option<Arc<Node>>,
    /// The earlier of this node's own deadline and its parent's.
    deadline: Option<Instant>,
    /// Closed when the node is cancelled; nobody ever sends on it.
    done_tx: chan::Sender<()>,
    done_rx: chan::Receiver<()>,
    state: Mutex<State>,
}

struct State {
    err: Option<ContextError>,
    /// Live children, held weakly; emptied (for good) when this node is cancelled.
    children: Slab<Weak<Node>>,
    /// This node's key in its parent's `children`, while it is linked there.
    key_in_parent: Option<usize>,
}

impl Node {
    fn lock(&self) -> MutexGuard<'_, State> {
        // The lock guards plain data and no user code runs under it, so a poisoned lock (a
        // panic elsewhere while it was held, e.g. an allocation failure) leaves it consistent.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The error, if any, after comparing the deadline with the clock.
    fn err(&self) -> Option<ContextError> {
        if let Some(err) = self.lock().err {
            return Some(err);
        }
        match self.deadline {
            Some(deadline) if Instant::now() >= deadline => {
                cancel(self, ContextError::DeadlineExceeded);
                self.lock().err
            }
            _ => None,
        }
    }

    /// Removes this node from its parent's list of children (if it is still there).
    fn unlink(&self, key: Option<usize>) {
        if let (Some(parent), Some(key)) = (&self.parent, key) {
            let mut parent_state = parent.lock();
            // A parent that is done has already taken its whole list (and will never fill it
            // again), so the key is only ours to remove while the parent is live.
            if parent_state.err.is_none() {
                parent_state.children.remove(key);
            }
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let key = self.lock().key_in_parent.take();
        self.unlink(key);
        // Each node owns a reference to its parent, so freeing the leaf of a long chain would
        // free its ancestors recursively, one stack frame set per level. Free the ancestors that
        // die with us in a loop instead, each with its parent already taken out.
        let mut next = self.parent.take();
        while let Some(parent) = next {
            let Ok(mut parent) = Arc::try_unwrap(parent) else {
                break; // still in use elsewhere
            };
            let key = parent.lock().key_in_parent.take();
            parent.unlink(key);
            next = parent.parent.take();
            // `parent` drops here with nothing left to unlink and no parent: no recursion.
        }
    }
}

/// Cancels `node` and all its descendants with `err`, unless `node` is already done.
fn cancel(node: &Node, err: ContextError) {
    // Work list instead of recursion: a deep chain must not overflow the stack.
    let mut pending: Vec<Arc<Node>> = Vec::new();
    cancel_one(node, err, &mut pending);
    while let Some(child) = pending.pop() {
        cancel_one(&child, err, &mut pending);
    }
}

/// Cancels one node and queues its children onto `pending`.
fn cancel_one(node: &Node, err: ContextError, pending: &mut Vec<Arc<Node>>) {
    let (children, key) = {
        let mut state = node.lock();
        if state.err.is_some() {
            return;
        }
        // A context past its deadline reports that, whoever cancels it (Go's timer would have
        // fired first).
        let err = match node.deadline {
            Some(deadline) if Instant::now() >= deadline => ContextError::DeadlineExceeded,
            _ => err,
        };
        state.err = Some(err);
        (
            std::mem::take(&mut state.children),
            state.key_in_parent.take(),
        )
    };
    node.unlink(key);
    node.done_tx.close();
    pending.extend(
        children
            .into_iter()
            .filter_map(|(_, child)| child.upgrade()),
    );
}

/// A Go context: carries cancellation and a deadline to everything started on its behalf.
///
/// Cheap to clone (one `Arc`); every clone is the same context. See the
/// [module docs](self) for how cancellation travels.
///
/// ```
/// use gort_executor::context::{Context, ContextError};
/// use std::time::Duration;
///
/// let parent = Context::background();
/// let (ctx, cancel) = parent.with_timeout(Duration::from_secs(60));
/// let (child, _child_cancel) = ctx.with_cancel();
/// assert!(child.deadline().is_some(), "a child inherits its parent's deadline");
///
/// cancel.cancel();
/// assert!(child.is_done(), "cancelling a parent cancels its descendants");
/// assert_eq!(child.err(), Some(ContextError::Canceled));
/// assert!(!parent.is_done(), "never the reverse");
/// ```
#[derive(Clone, Default)]
pub struct Context {
    /// `None` for the background context.
    node: Option<Arc<Node>>,
}

/// Cancels the context it was returned with (Go's `CancelFunc`).
///
/// Calling [`cancel`](CancelFn::cancel) again, or after the context is done for another
/// reason, does nothing. Dropping a `CancelFn` does not cancel.
///
/// ```
/// use gort_executor::context::{Context, ContextError};
///
/// gort_executor::block_on(async {
///     // Go: ctx, cancel := context.WithCancel(context.Background())
///     let (ctx, cancel) = Context::background().with_cancel();
///     let worker = gort_executor::spawn({
///         let ctx = ctx.clone();
///         async move {
///             ctx.done().await; // Go: <-ctx.Done()
///             ctx.err()
///         }
///     });
///     cancel.cancel(); // Go: cancel()
///     assert_eq!(worker.await.unwrap(), Some(ContextError::Canceled));
///
///     let (other, other_cancel) = Context::background().with_cancel();
///     drop(other_cancel); // dropping is not cancelling
///     assert!(!other.is_done());
/// });
/// ```
#[derive(Clone)]
#[must_use = "a context is cancelled only by calling `cancel()`; call it when the work is over"]
pub struct CancelFn {
    node: Arc<Node>,
}

impl Context {
    /// The root context: never cancelled, no deadline (Go's `context.Background()`).
    ///
    /// ```
    /// let ctx = gort_executor::context::Context::background();
    /// assert!(!ctx.is_done());
    /// assert_eq!(ctx.deadline(), None);
    /// ```
    pub fn background() -> Context {
        Context { node: None }
    }

    /// A child that is cancelled by the returned [`CancelFn`], or when this context is.
    ///
    /// ```
    /// use gort_executor::context::Context;
    ///
    /// let (ctx, cancel) = Context::background().with_cancel();
    /// cancel.cancel();
    /// assert!(ctx.is_done());
    /// ```
    pub fn with_cancel(&self) -> (Context, CancelFn) {
        self.child(None)
    }

    /// A child that is done `timeout` from now at the latest (Go's `WithTimeout`).
    ///
    /// ```
    /// use gort_executor::context::{Context, ContextError};
    /// use std::time::Duration;
    ///
    /// let (ctx, _cancel) = Context::background().with_timeout(Duration::ZERO);
    /// assert_eq!(ctx.err(), Some(ContextError::DeadlineExceeded));
    /// ```
    pub fn with_timeout(&self, timeout: Duration) -> (Context, CancelFn) {
        // A timeout too large to represent is no deadline at all.
        self.child(Instant::now().checked_add(timeout))
    }

    /// A child that is done at `deadline` at the latest (Go's `WithDeadline`). Its deadline is
    /// never later than this context's.
    ///
    /// ```
    /// use gort_executor::context::Context;
    /// use std::time::{Duration, Instant};
    ///
    /// let soon = Instant::now() + Duration::from_secs(1);
    /// let (parent, _c1) = Context::background().with_deadline(soon);
    /// let (child, _c2) = parent.with_deadline(soon + Duration::from_secs(60));
    /// assert_eq!(child.deadline(), Some(soon), "a child's deadline never outlives its parent's");
    /// ```
    pub fn with_deadline(&self, deadline: Instant) -> (Context, CancelFn) {
        self.child(Some(deadline))
    }

    fn child(&self, deadline: Option<Instant>) -> (Context, CancelFn) {
        let deadline = match (deadline, self.deadline()) {
            (Some(own), Some(inherited)) => Some(own.min(inherited)),
            (own, inherited) => own.or(inherited),
        };
        let (done_tx, done_rx) = chan::bounded(0);
        let node = Arc::new(Node {
            parent: self.node.clone(),
            deadline,
            done_tx,
            done_rx,
            state: Mutex::new(State {
                err: None,
                children: Slab::new(),
                key_in_parent: None,
            }),
        });
        if let Some(parent) = &self.node {
            let inherited = {
                let mut parent_state = parent.lock();
                match parent_state.err {
                    Some(err) => Some(err),
                    None => {
                        let key = parent_state.children.insert(Arc::downgrade(&node));
                        // The child is not shared yet: nobody else can take its lock.
                        node.lock().key_in_parent = Some(key);
                        None
                    }
                }
            };
            if let Some(err) = inherited {
                cancel(&node, err);
            }
        }
        let cancel = CancelFn { node: node.clone() };
        (Context { node: Some(node) }, cancel)
    }

    /// A future that completes once this context is done: cancelled, or past its deadline
    /// (Go's `<-ctx.Done()`). Usable as a `select!` arm. Never completes for
    /// [`background`](Context::background).
    ///
    /// ```
    /// use gort_executor::context::Context;
    /// use std::time::Duration;
    ///
    /// gort_executor::block_on(async {
    ///     let (ctx, _cancel) = Context::background().with_timeout(Duration::from_millis(5));
    ///     ctx.done().await;
    ///     assert!(ctx.is_done());
    /// });
    /// ```
    pub fn done(&self) -> Done<'_> {
        Done {
            node: self.node.as_deref(),
            closed: self.node.as_ref().map(|node| node.done_rx.recv()),
            sleep: self
                .node
                .as_ref()
                .and_then(|node| node.deadline.map(sleep_until)),
        }
    }

    /// Why this context is done, or `None` while it is not (Go's `ctx.Err()`).
    ///
    /// ```
    /// use gort_executor::context::{Context, ContextError};
    ///
    /// let (ctx, cancel) = Context::background().with_cancel();
    /// assert_eq!(ctx.err(), None);
    /// cancel.cancel();
    /// assert_eq!(ctx.err(), Some(ContextError::Canceled));
    /// ```
    pub fn err(&self) -> Option<ContextError> {
        self.node.as_ref().and_then(|node| node.err())
    }

    /// The time this context will be done at the latest, if it has a deadline.
    ///
    /// ```
    /// use gort_executor::context::Context;
    /// use std::time::Duration;
    ///
    /// assert_eq!(Context::background().deadline(), None);
    /// let (ctx, _cancel) = Context::background().with_timeout(Duration::from_secs(1));
    /// assert!(ctx.deadline().is_some());
    /// ```
    pub fn deadline(&self) -> Option<std::time::Instant> {
        self.node.as_ref().and_then(|node| node.deadline)
    }

    /// Whether this context is done (`err()` is `Some`).
    ///
    /// ```
    /// use gort_executor::context::Context;
    ///
    /// let (ctx, cancel) = Context::background().with_cancel();
    /// assert!(!ctx.is_done());
    /// cancel.cancel();
    /// assert!(ctx.is_done());
    /// ```
    pub fn is_done(&self) -> bool {
        self.err().is_some()
    }

    /// How many live children this context has (for tests of the no-leak rule).
    #[cfg(test)]
    fn children(&self) -> usize {
        self.node
            .as_ref()
            .map_or(0, |node| node.lock().children.len())
    }
}

impl CancelFn {
    /// Cancels the context and all its descendants; does nothing if it is already done.
    ///
    /// ```
    /// use gort_executor::context::Context;
    ///
    /// let (ctx, cancel) = Context::background().with_cancel();
    /// cancel.cancel();
    /// cancel.cancel(); // harmless
    /// assert!(ctx.is_done());
    /// ```
    pub fn cancel(&self) {
        cancel(&self.node, ContextError::Canceled);
    }
}

/// The future returned by [`Context::done`]: Go's `<-ctx.Done()`. It completes once the
/// context is cancelled or past its deadline.
///
/// ```
/// use gort_executor::context::Context;
///
/// let (ctx, cancel) = Context::background().with_cancel();
/// let done = ctx.done(); // the future borrows `ctx`
/// cancel.cancel();
/// gort_executor::block_on(done); // completes: the context is cancelled
/// assert!(ctx.is_done());
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Done<'a> {
    node: Option<&'a Node>,
    /// Completes (with `None`) when the node's done channel is closed.
    closed: Option<RecvFuture<'a, ()>>,
    /// Wakes at the deadline, if there is one.
    sleep: Option<Sleep>,
}

impl Future for Done<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<()> {
        let this = &mut *self;
        let (Some(node), Some(closed)) = (this.node, this.closed.as_mut()) else {
            // The background context is never done.
            return Poll::Pending;
        };
        if Pin::new(closed).poll(cx).is_ready() {
            return Poll::Ready(());
        }
        if let Some(sleep) = this.sleep.as_mut() {
            if Pin::new(sleep).poll(cx).is_ready() {
                // Make it visible to everyone else (children, other `done` futures).
                cancel(node, ContextError::DeadlineExceeded);
                return Poll::Ready(());
            }
        }
        Poll::Pending
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.node {
            None => f.write_str("Context::background()"),
            Some(node) => f
                .debug_struct("Context")
                .field("deadline", &node.deadline)
                .field("err", &node.lock().err)
                .finish(),
        }
    }
}

impl fmt::Debug for CancelFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelFn").finish_non_exhaustive()
    }
}

impl fmt::Debug for Done<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Done").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn background_is_never_done() {
        let ctx = Context::background();
        assert_eq!(ctx.err(), None);
        let mut done = std::pin::pin!(ctx.done());
        let waker = std::task::Waker::noop();
        assert!(done
            .as_mut()
            .poll(&mut TaskContext::from_waker(waker))
            .is_pending());
    }

    #[test]
    fn cancelling_a_parent_cancels_every_descendant_never_the_reverse() {
        let root = Context::background();
        let (a, cancel_a) = root.with_cancel();
        let (b, cancel_b) = a.with_cancel();
        let (c, _cancel_c) = b.with_timeout(Duration::from_secs(3600));
        let (sibling, _cancel_sibling) = a.with_cancel();
        cancel_b.cancel();
        assert_eq!(c.err(), Some(ContextError::Canceled));
        assert!(b.is_done());
        assert!(!a.is_done(), "a child's cancel never reaches its parent");
        assert!(!sibling.is_done());
        cancel_a.cancel();
        assert!(sibling.is_done());
    }

    #[test]
    fn the_first_cause_wins() {
        let (ctx, cancel) = Context::background().with_timeout(Duration::ZERO);
        assert_eq!(ctx.err(), Some(ContextError::DeadlineExceeded));
        cancel.cancel();
        assert_eq!(ctx.err(), Some(ContextError::DeadlineExceeded));

        let (ctx, cancel) = Context::background().with_timeout(Duration::from_secs(3600));
        cancel.cancel();
        assert_eq!(ctx.err(), Some(ContextError::Canceled));
    }

    #[test]
    fn a_child_of_a_done_parent_is_born_done() {
        let (parent, cancel) = Context::background().with_cancel();
        cancel.cancel();
        let (child, _cancel_child) = parent.with_timeout(Duration::from_secs(1));
        assert_eq!(child.err(), Some(ContextError::Canceled));
        assert_eq!(parent.children(), 0);
    }

    #[test]
    fn a_deadline_is_inherited_and_never_extended() {
        let (parent, _c) = Context::background().with_timeout(Duration::ZERO);
        let (child, _c2) = parent.with_timeout(Duration::from_secs(3600));
        assert!(child.deadline() <= parent.deadline());
        assert_eq!(child.err(), Some(ContextError::DeadlineExceeded));
    }

    #[test]
    fn short_lived_children_leave_nothing_behind() {
        // The issue's figure: a million short-lived children of one long-lived parent.
        let (parent, _cancel) = Context::background().with_cancel();
        for i in 0..1_000_000 {
            let (child, cancel) = parent.with_cancel();
            if i % 2 == 0 {
                cancel.cancel(); // unlinked by cancel
            } // else unlinked when its last handle drops
            drop(child);
        }
        assert_eq!(parent.children(), 0);
    }

    #[test]
    fn a_deep_chain_cancels_without_overflowing_the_stack() {
        let (root, cancel) = Context::background().with_cancel();
        let mut chain = vec![root];
        let mut cancels = Vec::new();
        for _ in 0..200_000 {
            let (next, c) = chain.last().unwrap().with_cancel();
            chain.push(next);
            cancels.push(c);
        }
        cancel.cancel();
        assert!(chain.last().unwrap().is_done());
        // Dropping a deep chain must not recurse either: each node holds its parent, and the
        // vector drops them from the root down, so no drop runs more than one level deep.
        drop(cancels);
        drop(chain);
    }
}
