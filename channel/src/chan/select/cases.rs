//! The three kinds of select arm: [`RecvCase`] (`recv(rx)`), [`SendCase`] (`send(tx, v)`) and
//! [`FutureCase`] (any future).
//!
//! A channel case is in one of three states: idle (`key: None`, holding its value if it is a
//! send), registered (`key: Some`, a send's value moved into the waiter entry), or completed
//! (`outcome: Some`). Dropping a case unregisters it, which is how a dropped select follows the
//! cancellation rule: a receive case that was claimed and handed a value gives the value back
//! to the channel; a send case whose value a receiver took counts as sent.

use super::scope::PollingScope;
use super::{SelectCase, SelectState};
use crate::chan::core::{Chan, Outcome, OwnListeners, TryRecv, TrySend, Waiter};
use crate::chan::error::SendError;
use crate::chan::{Receiver, Sender};
use crate::loom::Arc;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// A receive arm: `recv(rx)`. `None` is Go's nil channel: never ready.
///
/// ```
/// use gort_channel::chan::{self, select::{poll_select, RecvCase, SelectDriver}};
/// use std::future::poll_fn;
///
/// let (tx1, rx1) = chan::bounded::<&str>(1);
/// let (_tx2, rx2) = chan::bounded::<&str>(1);
/// tx1.try_send("one").unwrap();
/// let mut driver = SelectDriver::new();
/// let (mut one, mut nil, mut two) = (
///     RecvCase::new(Some(&rx1)),
///     RecvCase::<&str>::new(None), // Go's nil channel: never ready
///     RecvCase::new(Some(&rx2)),
/// );
/// let won = futures::executor::block_on(poll_fn(|cx| {
///     poll_select(&mut driver, &mut [&mut one, &mut nil, &mut two], &[0, 1, 2], cx)
/// }));
/// assert_eq!((won, one.take()), (0, Some("one")));
/// ```
pub struct RecvCase<'a, T> {
    chan: Option<&'a Chan<T>>,
    key: Option<usize>,
    outcome: Option<Option<T>>,
}

impl<'a, T> RecvCase<'a, T> {
    /// A receive case on `rx`, or a nil case.
    ///
    /// A nil case is never ready, even where a receive case on the same channel would be:
    ///
    /// ```
    /// use gort_channel::chan::{self, select::{poll_select_or_default, RecvCase}};
    /// use std::task::{Context, Poll, Waker};
    ///
    /// let (tx, rx) = chan::bounded(1);
    /// tx.try_send(1).unwrap();
    /// let mut cx = Context::from_waker(Waker::noop());
    /// let mut nil = RecvCase::<i32>::new(None);
    /// let mut live = RecvCase::new(Some(&rx));
    /// // Go: select { case v := <-nilChan: …; default: … } runs default
    /// assert_eq!(poll_select_or_default(&mut [&mut nil], &[0], &mut cx), Poll::Ready(None));
    /// assert_eq!(poll_select_or_default(&mut [&mut live], &[0], &mut cx), Poll::Ready(Some(0)));
    /// ```
    pub fn new(rx: Option<&'a Receiver<T>>) -> Self {
        RecvCase {
            chan: rx.map(|rx| &*rx.chan),
            key: None,
            outcome: None,
        }
    }

    /// The received value (`None`: closed and drained), once this case completed.
    ///
    /// # Panics
    /// If the case did not complete.
    ///
    /// ```
    /// use gort_channel::chan::{self, select::{poll_select_or_default, RecvCase}};
    /// use std::task::{Context, Poll, Waker};
    ///
    /// let (tx, rx) = chan::bounded::<i32>(1);
    /// drop(tx); // closed: a receive is ready at once, with nothing
    /// let mut case = RecvCase::new(Some(&rx));
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert_eq!(poll_select_or_default(&mut [&mut case], &[0], &mut cx), Poll::Ready(Some(0)));
    /// assert_eq!(case.take(), None); // Go: v, ok := <-ch gives ok == false
    /// ```
    pub fn take(&mut self) -> Option<T> {
        self.outcome
            .take()
            .expect("RecvCase::take on a case that did not complete")
    }
}

/// One receive on `chan` if it can complete now: `Some(Some(v))` a value, `Some(None)` closed
/// and drained, `None` not ready. Never pairs with a select's own entries: the caller's select
/// has none registered while it tries.
#[inline]
pub(super) fn try_recv_on<T>(chan: &Chan<T>) -> Option<Option<T>> {
    match chan.lock().try_recv(chan.cap, None) {
        TryRecv::Received(v) => Some(Some(v)),
        TryRecv::Closed => Some(None),
        TryRecv::Empty => None,
    }
}

/// One send of `value` on `chan` if it can complete now: `Ok(Ok(()))`, or `Ok(Err(_))` with the
/// value in the error if the channel is closed; `Err(value)` back if it cannot (no room and no
/// receiver). `own`: the listeners to leave asleep when it cannot (see `OwnListeners`).
#[inline]
pub(super) fn try_send_on<T>(
    chan: &Chan<T>,
    value: T,
    own: Option<OwnListeners>,
) -> Result<Result<(), SendError<T>>, T> {
    match chan.lock().try_send(value, chan.cap, own) {
        TrySend::Sent => Ok(Ok(())),
        TrySend::Closed(v) => Ok(Err(SendError(v))),
        TrySend::Full(v) => Err(v),
    }
}

impl<T> SelectCase for RecvCase<'_, T> {
    fn try_now(&mut self, _cx: &mut Context<'_>) -> bool {
        let Some(chan) = self.chan else { return false };
        match try_recv_on(chan) {
            Some(outcome) => {
                self.outcome = Some(outcome);
                true
            }
            None => false,
        }
    }

    fn register(&mut self, select: &Arc<SelectState>, index: usize, waker: &Waker) -> bool {
        let Some(chan) = self.chan else { return true };
        let mut inner = chan.lock();
        if inner.recv_ready(Some(select)) {
            return false;
        }
        self.key = Some(inner.recvq.push_back(Waiter::new(
            waker,
            Some((select.clone(), index)),
            None,
            false,
        )));
        true
    }

    fn update_waker(&mut self, waker: &Waker) {
        if let (Some(chan), Some(key)) = (self.chan, self.key) {
            // The guard is a temporary: the old waker is dropped after unlocking.
            let old = chan.lock().refresh_waker(false, key, waker);
            drop(old);
        }
    }

    fn complete(&mut self) {
        let (Some(chan), Some(key)) = (self.chan, self.key.take()) else {
            unreachable!("a case that won is registered")
        };
        let mut inner = chan.lock();
        let entry = inner.recvq.remove(key);
        self.outcome = Some(match entry.outcome {
            Outcome::Done => {
                inner.collected();
                entry.value
            }
            Outcome::Closed => None,
            Outcome::Waiting => unreachable!("a claimed case was served"),
        });
    }

    #[inline]
    fn unregister(&mut self) {
        // Every case is dropped after every select, and by then most are not registered (never
        // were, or already withdrawn): keep that check inline, the withdrawal out of line.
        if let (Some(chan), Some(key)) = (self.chan, self.key.take()) {
            withdraw_recv(chan, key);
        }
    }
}

/// Removes a receive case's entry; a value it was handed (it won, but its select was dropped
/// before taking it) goes back to the channel.
#[inline(never)]
fn withdraw_recv<T>(chan: &Chan<T>, key: usize) {
    let mut inner = chan.lock();
    let mut entry = inner.recvq.remove(key);
    if let (Outcome::Done, Some(value)) = (entry.outcome, entry.value.take()) {
        inner.give_back(value);
    }
    drop(inner);
    // A case that did not win still holds the select's waker: dropped after unlocking.
    drop(entry);
}

impl<T> Drop for RecvCase<'_, T> {
    #[inline]
    fn drop(&mut self) {
        self.unregister();
    }
}

/// A send arm: `send(tx, value)`. `None` is Go's nil channel: never ready (the value is
/// dropped with the case).
///
/// ```
/// use gort_channel::chan::{self, select::{poll_select, SendCase, SelectDriver}};
/// use std::future::poll_fn;
///
/// let (tx_full, _rx_full) = chan::bounded(0); // nobody receives: never ready
/// let (tx, rx) = chan::bounded(1);
/// let mut driver = SelectDriver::new();
/// let mut blocked = SendCase::new(Some(&tx_full), "lost");
/// let mut room = SendCase::new(Some(&tx), "sent");
/// let won = futures::executor::block_on(poll_fn(|cx| {
///     poll_select(&mut driver, &mut [&mut blocked, &mut room], &[0, 1], cx)
/// }));
/// assert_eq!((won, room.take()), (1, Ok(())));
/// assert_eq!(rx.try_recv(), Ok("sent"));
/// ```
pub struct SendCase<'a, T> {
    chan: Option<&'a Chan<T>>,
    value: Option<T>,
    key: Option<usize>,
    outcome: Option<Result<(), SendError<T>>>,
    /// The id of its select, if that select has future arms (see `scope.rs`); 0 otherwise.
    select_id: u64,
}

impl<'a, T> SendCase<'a, T> {
    /// A send case of `value` on `tx`, or a nil case.
    ///
    /// ```
    /// use gort_channel::chan::{self, select::{poll_select_or_default, SendCase}};
    /// use std::task::{Context, Poll, Waker};
    ///
    /// let (tx, rx) = chan::bounded(1);
    /// let mut cx = Context::from_waker(Waker::noop());
    /// let mut nil = SendCase::new(None, "never"); // Go's nil channel: never ready
    /// let mut live = SendCase::new(Some(&tx), "sent");
    /// let won = poll_select_or_default(&mut [&mut nil, &mut live], &[0, 1], &mut cx);
    /// assert_eq!(won, Poll::Ready(Some(1)));
    /// assert_eq!(rx.try_recv(), Ok("sent"));
    /// ```
    pub fn new(tx: Option<&'a Sender<T>>, value: T) -> Self {
        SendCase {
            chan: tx.map(|tx| &*tx.chan),
            value: Some(value),
            key: None,
            outcome: None,
            select_id: 0,
        }
    }

    /// The send's result, once this case completed: `Err` gives the value back if the channel
    /// was closed.
    ///
    /// # Panics
    /// If the case did not complete.
    ///
    /// ```
    /// use gort_channel::chan::{self, select::{poll_select_or_default, SendCase}};
    /// use std::task::{Context, Poll, Waker};
    ///
    /// let (tx, _rx) = chan::bounded(1);
    /// tx.close(); // a send on a closed channel completes at once, with an error
    /// let mut case = SendCase::new(Some(&tx), 42);
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert_eq!(poll_select_or_default(&mut [&mut case], &[0], &mut cx), Poll::Ready(Some(0)));
    /// assert_eq!(case.take().unwrap_err().into_inner(), 42);
    /// ```
    pub fn take(&mut self) -> Result<(), SendError<T>> {
        self.outcome
            .take()
            .expect("SendCase::take on a case that did not complete")
    }
}

impl<T> SelectCase for SendCase<'_, T> {
    fn try_now(&mut self, _cx: &mut Context<'_>) -> bool {
        let Some(chan) = self.chan else { return false };
        let value = self
            .value
            .take()
            .expect("an unfinished send case holds its value");
        // The Stream listeners of this select's own future arms, which a send that cannot
        // complete must not wake (see `OwnListeners`).
        let own = (self.select_id != 0).then_some(OwnListeners {
            select: self.select_id,
        });
        match try_send_on(chan, value, own) {
            Ok(outcome) => {
                self.outcome = Some(outcome);
                true
            }
            Err(value) => {
                self.value = Some(value);
                false
            }
        }
    }

    fn register(&mut self, select: &Arc<SelectState>, index: usize, waker: &Waker) -> bool {
        let Some(chan) = self.chan else { return true };
        let mut inner = chan.lock();
        if inner.send_ready(chan.cap, Some(select)) {
            return false;
        }
        // A `Stream` receiver may have started listening since the try pass: `push_sender`
        // wakes it to come and take the value.
        self.key = Some(inner.push_sender(Waiter::new(
            waker,
            Some((select.clone(), index)),
            self.value.take(),
            false,
        )));
        true
    }

    fn update_waker(&mut self, waker: &Waker) {
        if let (Some(chan), Some(key)) = (self.chan, self.key) {
            // The guard is a temporary: the old waker is dropped after unlocking.
            let old = chan.lock().refresh_waker(true, key, waker);
            drop(old);
        }
    }

    fn complete(&mut self) {
        let (Some(chan), Some(key)) = (self.chan, self.key.take()) else {
            unreachable!("a case that won is registered")
        };
        let entry = chan.lock().sendq.remove(key);
        self.outcome = Some(match entry.outcome {
            Outcome::Done => Ok(()),
            Outcome::Closed => Err(SendError(
                entry.value.expect("a closed send keeps its value"),
            )),
            Outcome::Waiting => unreachable!("a claimed case was served"),
        });
    }

    #[inline]
    fn unregister(&mut self) {
        // As for `RecvCase`: the common unregistered case stays inline.
        if let (Some(chan), Some(key)) = (self.chan, self.key.take()) {
            // A case that did not win still holds its value: keep it for a retry.
            if let Some(value) = withdraw_send(chan, key) {
                self.value = Some(value);
            }
        }
    }

    fn bind_select(&mut self, id: u64) {
        self.select_id = id;
    }
}

/// Removes a send case's entry; returns its value if the send did not happen. A case whose
/// select was claimed and whose value was moved into the buffer, but whose select is dropped
/// before it completed, has sent nothing unless a receiver took the value (see
/// `Inner::withdraw_sender`).
#[inline(never)]
fn withdraw_send<T>(chan: &Chan<T>, key: usize) -> Option<T> {
    // The guard is a temporary: the entry (its waker too) drops after unlocking.
    let entry = chan.lock().withdraw_sender(chan.cap, key);
    match entry.outcome {
        Outcome::Waiting => entry.value,
        Outcome::Done | Outcome::Closed => None,
    }
}

impl<T> Drop for SendCase<'_, T> {
    #[inline]
    fn drop(&mut self) {
        self.unregister();
    }
}

impl<T> std::fmt::Debug for RecvCase<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecvCase")
            .field("nil", &self.chan.is_none())
            .field("registered", &self.key.is_some())
            .field("completed", &self.outcome.is_some())
            .finish()
    }
}

impl<T> std::fmt::Debug for SendCase<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SendCase")
            .field("nil", &self.chan.is_none())
            .field("registered", &self.key.is_some())
            .field("completed", &self.outcome.is_some())
            .finish()
    }
}

/// A future arm: `out = some_future`. Polled in every try pass; it wins when it is `Ready`.
///
/// It borrows the future pinned (the `select!` macro pins it on the stack of the enclosing
/// `async` code), so no `Unpin` or `FusedFuture` is asked of it: it is never polled again after
/// it completed, because its select then completed too.
///
/// ```
/// use gort_channel::chan::select::{poll_select, FutureCase, SelectDriver};
/// use std::future::{poll_fn, ready};
/// use std::pin::pin;
///
/// let mut fut = pin!(async { 40 + 2 });
/// let mut driver = SelectDriver::new();
/// let mut case = FutureCase::new(fut.as_mut());
/// let won = futures::executor::block_on(poll_fn(|cx| {
///     poll_select(&mut driver, &mut [&mut case], &[0], cx)
/// }));
/// assert_eq!((won, case.take()), (0, 42));
/// ```
pub struct FutureCase<'a, F: Future> {
    future: Pin<&'a mut F>,
    output: Option<F::Output>,
    /// The id of its select (see `scope.rs`): the select polling while the future is polled.
    select_id: u64,
}

impl<'a, F: Future> FutureCase<'a, F> {
    /// A case that polls `future`, pinned where the caller keeps it.
    ///
    /// ```
    /// use gort_channel::chan::select::{poll_select_or_default, FutureCase};
    /// use std::pin::pin;
    /// use std::task::{Context, Poll, Waker};
    ///
    /// let mut never = pin!(std::future::pending::<()>());
    /// let mut case = FutureCase::new(never.as_mut());
    /// let mut cx = Context::from_waker(Waker::noop());
    /// // A pending future is not ready: with a default arm, the default runs.
    /// assert_eq!(poll_select_or_default(&mut [&mut case], &[0], &mut cx), Poll::Ready(None));
    /// ```
    pub fn new(future: Pin<&'a mut F>) -> Self {
        FutureCase {
            future,
            output: None,
            select_id: 0,
        }
    }

    /// The future's output, once this case completed.
    ///
    /// # Panics
    /// If the case did not complete.
    ///
    /// ```
    /// use gort_channel::chan::select::{poll_select_or_default, FutureCase};
    /// use std::pin::pin;
    /// use std::task::{Context, Poll, Waker};
    ///
    /// let mut parse = pin!(async { "42".parse::<u32>() });
    /// let mut case = FutureCase::new(parse.as_mut());
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert_eq!(poll_select_or_default(&mut [&mut case], &[0], &mut cx), Poll::Ready(Some(0)));
    /// assert_eq!(case.take(), Ok(42));
    /// ```
    pub fn take(&mut self) -> F::Output {
        self.output
            .take()
            .expect("FutureCase::take on a case that did not complete")
    }
}

impl<F: Future> SelectCase for FutureCase<'_, F> {
    fn try_now(&mut self, cx: &mut Context<'_>) -> bool {
        // A `Stream` listener registered or polled in here is tagged as this select's.
        let _scope = (self.select_id != 0).then(|| PollingScope::enter(self.select_id));
        match self.future.as_mut().poll(cx) {
            Poll::Ready(output) => {
                self.output = Some(output);
                true
            }
            Poll::Pending => false,
        }
    }

    fn register(&mut self, _select: &Arc<SelectState>, _index: usize, _waker: &Waker) -> bool {
        true // the future holds the waker of its last poll
    }

    fn update_waker(&mut self, _waker: &Waker) {}

    fn complete(&mut self) {
        unreachable!("a future arm wins in a try pass, never through a claim")
    }

    fn unregister(&mut self) {}

    fn is_future(&self) -> bool {
        true
    }

    fn bind_select(&mut self, id: u64) {
        self.select_id = id;
    }
}

impl<F: Future> std::fmt::Debug for FutureCase<'_, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FutureCase")
            .field("completed", &self.output.is_some())
            .finish()
    }
}
