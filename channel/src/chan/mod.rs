//! Go channels: `make(chan T)`, `make(chan T, n)`, and an unbounded flavor.
//!
//! ```
//! use gort_channel::chan;
//!
//! let (tx, rx) = chan::bounded(1);
//! std::thread::spawn(move || {
//!     for i in 0..3 {
//!         tx.send_blocking(i).unwrap();
//!     }
//! }); // tx dropped: the channel closes
//! let got: Vec<i32> = rx.iter().collect(); // Go: for v := range ch
//! assert_eq!(got, [0, 1, 2]);
//! ```
//!
//! | Go | gort |
//! |---|---|
//! | `ch := make(chan T)` | `let (tx, rx) = chan::bounded(0)` |
//! | `ch := make(chan T, n)` | `let (tx, rx) = chan::bounded(n)` |
//! | `ch <- v` | `tx.send(v).await?` (task) / `tx.send_blocking(v)?` (thread) |
//! | `v, ok := <-ch` | `rx.recv().await` → `Some(v)` / `None` |
//! | `for v := range ch` | `while let Some(v) = rx.recv().await` / `rx.iter()` |
//! | `close(ch)` | `tx.close()` (or drop every `Sender`) |
//! | `len(ch)`, `cap(ch)` | `rx.len()`, `rx.capacity()` |
//!
//! Both ends are `Clone + Send + Sync`: many senders, many receivers. Every message is received
//! exactly once or handed back inside an error — also when a `send` or `recv` future is dropped
//! half-way (see `core.rs` for the cancellation rules). Blocked operations are served in FIFO
//! order. The channels need no particular executor: they work on gort, tokio, smol,
//! `futures::executor` and from plain threads.

pub(crate) mod core;
mod error;
pub mod select;

use self::core::{Chan, Outcome, TryRecv, TrySend, Waiter};
use crate::loom::Arc;
pub use error::{RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
#[cfg(not(loom))]
use std::time::{Duration, Instant};

/// A channel with room for `cap` messages; `bounded(0)` is Go's unbuffered channel, where a
/// send completes only once a receiver has the value.
///
/// ```
/// let (tx, rx) = gort_channel::chan::bounded(2);
/// tx.try_send(1).unwrap();
/// tx.try_send(2).unwrap();
/// assert!(tx.try_send(3).is_err()); // full
/// assert_eq!(rx.try_recv(), Ok(1));
/// ```
pub fn bounded<T>(cap: usize) -> (Sender<T>, Receiver<T>) {
    new(Some(cap))
}

/// A channel without a capacity limit: sends never wait.
///
/// ```
/// let (tx, rx) = gort_channel::chan::unbounded();
/// for i in 0..1000 {
///     tx.try_send(i).unwrap();
/// }
/// assert_eq!(rx.len(), 1000);
/// assert_eq!(rx.capacity(), None);
/// ```
pub fn unbounded<T>() -> (Sender<T>, Receiver<T>) {
    new(None)
}

fn new<T>(cap: Option<usize>) -> (Sender<T>, Receiver<T>) {
    let chan = Arc::new(Chan::new(cap));
    (
        Sender { chan: chan.clone() },
        Receiver {
            chan,
            stream_key: None,
        },
    )
}

/// The sending end of a channel. Cloning adds a sender; when the last one is dropped, the
/// channel closes.
///
/// Several producers, one consumer; the channel closes by itself once every producer is done:
///
/// ```
/// use gort_channel::chan;
///
/// let (tx, rx) = chan::unbounded();
/// for id in 0..3 {
///     let tx = tx.clone(); // one sender per producer
///     std::thread::spawn(move || tx.send_blocking(id).unwrap());
/// }
/// drop(tx); // only the producers' clones are left
/// let mut got: Vec<i32> = rx.iter().collect(); // ends when the last clone is dropped
/// got.sort();
/// assert_eq!(got, [0, 1, 2]);
/// ```
pub struct Sender<T> {
    chan: Arc<Chan<T>>,
}

/// The receiving end of a channel. Cloning adds a receiver (each message goes to one of them);
/// when the last one is dropped, the channel closes.
///
/// A work queue: two consumers share one channel, and every message is received exactly once:
///
/// ```
/// use gort_channel::chan;
///
/// let (tx, rx) = chan::bounded(8);
/// for job in 0..8 {
///     tx.try_send(job).unwrap();
/// }
/// drop(tx);
/// let rx2 = rx.clone();
/// let other = std::thread::spawn(move || rx2.iter().collect::<Vec<i32>>());
/// let mut all: Vec<i32> = rx.iter().collect();
/// all.extend(other.join().unwrap());
/// all.sort();
/// assert_eq!(all, [0, 1, 2, 3, 4, 5, 6, 7]);
/// ```
pub struct Receiver<T> {
    chan: Arc<Chan<T>>,
    /// The waiter of this receiver's `Stream` implementation, if it is waiting.
    stream_key: Option<usize>,
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.chan.add_sender();
        Sender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.chan.add_receiver();
        Receiver {
            chan: self.chan.clone(),
            stream_key: None,
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        cancel_recv(&self.chan, &mut self.stream_key);
        self.chan.drop_receiver();
    }
}

/// What both ends can tell about the channel.
macro_rules! channel_info {
    ($end:ident) => {
        impl<T> $end<T> {
            /// Closes the channel (Go's `close`). Receivers drain what is buffered, then get
            /// `None`; pending and later sends fail and give their value back. Returns true if
            /// this call closed it, false if it was closed already.
            ///
            /// ```
            /// let (tx, rx) = gort_channel::chan::bounded::<i32>(1);
            /// assert!(tx.close());
            /// assert!(!rx.close());
            /// ```
            pub fn close(&self) -> bool {
                self.chan.close()
            }

            /// Whether the channel is closed.
            ///
            /// ```
            /// let (tx, rx) = gort_channel::chan::bounded::<i32>(0);
            /// drop(rx);
            /// assert!(tx.is_closed());
            /// ```
            pub fn is_closed(&self) -> bool {
                self.chan.lock().closed
            }

            /// Messages in the buffer (Go's `len(ch)`). As in Go, this counts the value of a
            /// waiting send that moved into a slot a receive freed; if that send is dropped
            /// before it ran again, its value leaves again (see [`SendFuture`]).
            ///
            /// ```
            /// let (tx, rx) = gort_channel::chan::bounded(4);
            /// tx.try_send('a').unwrap();
            /// assert_eq!(rx.len(), 1);
            /// ```
            pub fn len(&self) -> usize {
                self.chan.lock().buf.len()
            }

            /// Whether the buffer is empty.
            ///
            /// ```
            /// let (_tx, rx) = gort_channel::chan::unbounded::<u8>();
            /// assert!(rx.is_empty());
            /// ```
            pub fn is_empty(&self) -> bool {
                self.len() == 0
            }

            /// Whether the buffer is full (always true for an unbuffered channel, as in Go
            /// `len(ch) == cap(ch)`; never for an unbounded one).
            ///
            /// ```
            /// let (tx, _rx) = gort_channel::chan::bounded(1);
            /// tx.try_send(()).unwrap();
            /// assert!(tx.is_full());
            /// ```
            pub fn is_full(&self) -> bool {
                self.chan.cap.is_some_and(|cap| self.len() >= cap)
            }

            /// The capacity (Go's `cap(ch)`); `None` for an unbounded channel.
            ///
            /// ```
            /// let (tx, _rx) = gort_channel::chan::bounded::<u8>(3);
            /// assert_eq!(tx.capacity(), Some(3));
            /// ```
            pub fn capacity(&self) -> Option<usize> {
                self.chan.cap
            }

            /// Whether `self` and `other` are handles of the same channel (Go's `ch1 == ch2`).
            /// The `==` operator and `Hash` say the same, so a handle can be a map key, as a
            /// Go channel can.
            ///
            /// ```
            /// let (tx, _rx) = gort_channel::chan::bounded::<u8>(1);
            /// let (other, _other_rx) = gort_channel::chan::bounded::<u8>(1);
            /// assert!(tx.same_channel(&tx.clone()));
            /// assert!(!tx.same_channel(&other));
            /// assert!(tx == tx.clone());
            /// ```
            pub fn same_channel(&self, other: &$end<T>) -> bool {
                Arc::ptr_eq(&self.chan, &other.chan)
            }
        }

        impl<T> PartialEq for $end<T> {
            fn eq(&self, other: &Self) -> bool {
                self.same_channel(other)
            }
        }

        impl<T> Eq for $end<T> {}

        impl<T> std::hash::Hash for $end<T> {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                Arc::as_ptr(&self.chan).hash(state);
            }
        }

        impl<T> fmt::Debug for $end<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($end))
                    .field("len", &self.len())
                    .field("capacity", &self.capacity())
                    .field("closed", &self.is_closed())
                    .finish()
            }
        }
    };
}

channel_info!(Sender);
channel_info!(Receiver);

impl<T> Sender<T> {
    /// Sends `value`, waiting while the channel is full (Go's `ch <- v`). On an unbuffered
    /// channel it completes once a receiver has the value. Fails, giving the value back, if the
    /// channel is or becomes closed.
    ///
    /// Dropping the future before it completes sends nothing — unless a receiver already took
    /// the value from the waiting send, which then counts as done (a rendezvous).
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let (tx, rx) = gort_channel::chan::bounded(1);
    /// tx.send("hello").await.unwrap();
    /// assert_eq!(rx.recv().await, Some("hello"));
    /// # });
    /// ```
    pub fn send(&self, value: T) -> SendFuture<'_, T> {
        SendFuture {
            chan: &self.chan,
            value: Some(value),
            key: None,
        }
    }

    /// Sends without waiting: fails with `Full` if no receiver waits and there is no room.
    ///
    /// ```
    /// use gort_channel::chan::{self, TrySendError};
    /// let (tx, rx) = chan::bounded(0);
    /// assert_eq!(tx.try_send(1), Err(TrySendError::Full(1))); // nobody is receiving
    /// drop(rx);
    /// assert_eq!(tx.try_send(1), Err(TrySendError::Closed(1)));
    /// ```
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        match self.chan.lock().try_send(value, self.chan.cap, None) {
            TrySend::Sent => Ok(()),
            TrySend::Full(v) => Err(TrySendError::Full(v)),
            TrySend::Closed(v) => Err(TrySendError::Closed(v)),
        }
    }

    /// Sends from a plain thread, blocking it while the channel is full. Do not call it from
    /// async code: it blocks the executor's thread.
    ///
    /// ```
    /// let (tx, rx) = gort_channel::chan::bounded(0);
    /// let t = std::thread::spawn(move || rx.recv_blocking());
    /// tx.send_blocking(5).unwrap();
    /// assert_eq!(t.join().unwrap(), Some(5));
    /// ```
    #[cfg(not(loom))]
    pub fn send_blocking(&self, value: T) -> Result<(), SendError<T>> {
        let mut send = self.send(value);
        crate::blocking::wait(&mut send, None).expect("no deadline")
    }

    /// Like [`send_blocking`](Sender::send_blocking), giving up after `timeout`.
    ///
    /// ```
    /// use std::time::Duration;
    /// let (tx, _rx) = gort_channel::chan::bounded(1);
    /// tx.send_timeout(1, Duration::from_millis(10)).unwrap();
    /// assert!(tx.send_timeout(2, Duration::from_millis(10)).is_err()); // full
    /// ```
    #[cfg(not(loom))]
    pub fn send_timeout(&self, value: T, timeout: Duration) -> Result<(), SendTimeoutError<T>> {
        let mut send = self.send(value);
        match crate::blocking::wait(&mut send, deadline(timeout)) {
            Some(Ok(())) => Ok(()),
            Some(Err(SendError(v))) => Err(SendTimeoutError::Closed(v)),
            None => match send.withdraw() {
                // Closed just as the time ran out: say so, as a waiting send would have.
                (Outcome::Closed, Some(v)) => Err(SendTimeoutError::Closed(v)),
                (_, Some(v)) => Err(SendTimeoutError::Timeout(v)),
                (_, None) => Ok(()), // a receiver took it just as we gave up
            },
        }
    }
}

/// The instant `timeout` from now; `None` (no deadline) if that is too far to represent, so
/// that a timeout such as `Duration::MAX` means "wait as long as it takes".
#[cfg(not(loom))]
fn deadline(timeout: Duration) -> Option<Instant> {
    Instant::now().checked_add(timeout)
}

impl<T> Receiver<T> {
    /// Receives a message, waiting while the channel is empty. `None` once the channel is
    /// closed and drained (Go's `v, ok := <-ch` with `ok == false`).
    ///
    /// Dropping the future before it completes never loses a message: anything it had been
    /// handed goes to another receiver or back to the front of the channel.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let (tx, rx) = gort_channel::chan::unbounded();
    /// tx.send(1).await.unwrap();
    /// drop(tx);
    /// assert_eq!(rx.recv().await, Some(1));
    /// assert_eq!(rx.recv().await, None);
    /// # });
    /// ```
    pub fn recv(&self) -> RecvFuture<'_, T> {
        RecvFuture {
            chan: &self.chan,
            key: None,
        }
    }

    /// Receives without waiting.
    ///
    /// ```
    /// use gort_channel::chan::{self, TryRecvError};
    /// let (tx, rx) = chan::bounded(1);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.try_send(9).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(9));
    /// ```
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        match self.chan.lock().try_recv(self.chan.cap, None) {
            TryRecv::Received(v) => Ok(v),
            TryRecv::Empty => Err(TryRecvError::Empty),
            TryRecv::Closed => Err(TryRecvError::Closed),
        }
    }

    /// Receives on a plain thread, blocking it while the channel is empty.
    ///
    /// ```
    /// let (tx, rx) = gort_channel::chan::bounded(1);
    /// std::thread::spawn(move || tx.send_blocking("hi").unwrap());
    /// assert_eq!(rx.recv_blocking(), Some("hi"));
    /// ```
    #[cfg(not(loom))]
    pub fn recv_blocking(&self) -> Option<T> {
        let mut recv = self.recv();
        crate::blocking::wait(&mut recv, None).expect("no deadline")
    }

    /// Like [`recv_blocking`](Receiver::recv_blocking), giving up after `timeout`. A zero
    /// timeout is a plain [`try_recv`](Receiver::try_recv).
    ///
    /// ```
    /// use gort_channel::chan::{self, RecvTimeoutError};
    /// use std::time::Duration;
    /// let (tx, rx) = chan::bounded::<i32>(1);
    /// assert_eq!(rx.recv_timeout(Duration::ZERO), Err(RecvTimeoutError::Timeout));
    /// drop(tx);
    /// assert_eq!(rx.recv_timeout(Duration::from_secs(1)), Err(RecvTimeoutError::Closed));
    /// ```
    #[cfg(not(loom))]
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        if timeout.is_zero() {
            return self.try_recv().map_err(|e| match e {
                TryRecvError::Empty => RecvTimeoutError::Timeout,
                TryRecvError::Closed => RecvTimeoutError::Closed,
            });
        }
        let mut recv = self.recv();
        match crate::blocking::wait(&mut recv, deadline(timeout)) {
            Some(Some(v)) => Ok(v),
            Some(None) => Err(RecvTimeoutError::Closed),
            None => Err(RecvTimeoutError::Timeout), // dropping `recv` gives back anything it got
        }
    }

    /// A blocking iterator over received messages, ending when the channel is closed and
    /// drained (Go's `for v := range ch`, on a thread).
    ///
    /// ```
    /// let (tx, rx) = gort_channel::chan::unbounded();
    /// tx.try_send(1).unwrap();
    /// tx.try_send(2).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.iter().sum::<i32>(), 3);
    /// ```
    #[cfg(not(loom))]
    pub fn iter(&self) -> Iter<'_, T> {
        Iter { rx: self }
    }
}

/// The future of [`Sender::send`].
///
/// Dropping it before it completes sends nothing, unless a receiver already took its value
/// while it waited; then the send counts as done. When a receive frees a slot of a full buffer,
/// the value of the first waiting send moves into it, as in Go; if that send is dropped before
/// it ran again and no receiver has taken the value yet, the value comes back out (nothing was
/// sent) and the slot goes to the next waiting send:
///
/// ```
/// use futures::FutureExt; // now_or_never: poll once
/// use gort_channel::chan::{self, TryRecvError};
///
/// let (tx, rx) = chan::bounded(1);
/// tx.try_send(1).unwrap();
/// assert_eq!(tx.send(2).now_or_never(), None); // full: it would wait; dropped, sends nothing
/// let mut send = Box::pin(tx.send(3));
/// assert_eq!(send.as_mut().now_or_never(), None); // waits for room
/// assert_eq!(rx.try_recv(), Ok(1)); // frees the slot: the waiting 3 moves in
/// assert_eq!(rx.len(), 1);
/// assert!(tx.try_send(4).is_err()); // full
/// drop(send); // dropped before it ran again: 3 comes back out, never sent
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// assert_eq!(tx.try_send(4), Ok(()));
/// ```
///
/// A receiver that takes the value straight from the waiting send completes it, even if the
/// send is dropped before it learns so:
///
/// ```
/// use futures::FutureExt;
/// use gort_channel::chan;
///
/// let (tx, rx) = chan::bounded(0);
/// let mut send = Box::pin(tx.send("hi"));
/// assert_eq!(send.as_mut().now_or_never(), None); // nobody receives yet: it waits
/// assert_eq!(rx.try_recv(), Ok("hi")); // the rendezvous
/// drop(send); // dropped after the fact: the send happened
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct SendFuture<'a, T> {
    chan: &'a Chan<T>,
    value: Option<T>,
    key: Option<usize>,
}

impl<T> Unpin for SendFuture<'_, T> {}

impl<T> SendFuture<'_, T> {
    /// Withdraws a send: `Some(value)` if it was not sent, `None` if a receiver took it.
    #[inline]
    pub(crate) fn cancel(&mut self) -> Option<T> {
        self.withdraw().1
    }

    /// Withdraws a send: how it ended (`Waiting`: not sent, `Done`: sent, `Closed`: failed
    /// on close) and the value, if it was not sent.
    fn withdraw(&mut self) -> (Outcome, Option<T>) {
        match self.key.take() {
            None => (Outcome::Waiting, self.value.take()),
            Some(key) => {
                // The guard is a temporary: the entry (its waker too) drops after unlocking.
                let entry = self.chan.lock().withdraw_sender(self.chan.cap, key);
                match entry.outcome {
                    Outcome::Done => (Outcome::Done, None),
                    outcome @ (Outcome::Waiting | Outcome::Closed) => (outcome, entry.value),
                }
            }
        }
    }
}

impl<T> Future for SendFuture<'_, T> {
    type Output = Result<(), SendError<T>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        match this.key {
            None => {
                if crate::coop::poll_proceed(cx).is_pending() {
                    return Poll::Pending;
                }
                let mut inner = this.chan.lock();
                let value = this
                    .value
                    .take()
                    .expect("SendFuture polled after completion");
                match inner.try_send(value, this.chan.cap, None) {
                    TrySend::Sent => Poll::Ready(Ok(())),
                    TrySend::Closed(v) => Poll::Ready(Err(SendError(v))),
                    TrySend::Full(v) => {
                        this.key =
                            Some(inner.push_sender(Waiter::new(cx.waker(), None, Some(v), false)));
                        Poll::Pending
                    }
                }
            }
            Some(key) => {
                let mut inner = this.chan.lock();
                match inner.sendq.get(key).outcome {
                    Outcome::Waiting => {
                        let old = inner.refresh_waker(true, key, cx.waker());
                        drop(inner);
                        drop(old); // after unlocking
                        Poll::Pending
                    }
                    Outcome::Done => {
                        inner.sendq.remove(key);
                        this.key = None;
                        Poll::Ready(Ok(()))
                    }
                    Outcome::Closed => {
                        let entry = inner.sendq.remove(key);
                        this.key = None;
                        Poll::Ready(Err(SendError(
                            entry.value.expect("a closed send keeps its value"),
                        )))
                    }
                }
            }
        }
    }
}

impl<T> Drop for SendFuture<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // Only a waiting send has anything to withdraw; a value that never reached the channel
        // (not polled yet, or its first poll refused by the budget) drops with the field.
        // Either way it drops outside the channel's lock.
        if self.key.is_some() {
            drop(self.cancel());
        }
    }
}

impl<T> fmt::Debug for SendFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendFuture")
            .field("waiting", &self.key.is_some())
            .finish()
    }
}

/// The future of [`Receiver::recv`].
///
/// Dropping it never loses a message, even one a sender already handed to it:
///
/// ```
/// use futures::FutureExt; // now_or_never: poll once
/// use gort_channel::chan;
///
/// let (tx, rx) = chan::bounded(1);
/// let mut recv = Box::pin(rx.recv());
/// assert_eq!(recv.as_mut().now_or_never(), None); // empty: the receive waits
/// tx.try_send(5).unwrap(); // handed to the waiting receive
/// drop(recv); // given up before it saw the value: the value goes back
/// assert_eq!(rx.try_recv(), Ok(5));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct RecvFuture<'a, T> {
    chan: &'a Chan<T>,
    key: Option<usize>,
}

impl<T> Future for RecvFuture<'_, T> {
    type Output = Option<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = &mut *self;
        poll_recv(this.chan, &mut this.key, false, cx)
    }
}

impl<T> Drop for RecvFuture<'_, T> {
    fn drop(&mut self) {
        cancel_recv(self.chan, &mut self.key);
    }
}

impl<T> fmt::Debug for RecvFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvFuture")
            .field("waiting", &self.key.is_some())
            .finish()
    }
}

/// One poll of a receive whose waiter (if registered) is `key`. A `notify_only` waiter (the
/// `Stream`) is only woken to try again, never handed a value.
fn poll_recv<T>(
    chan: &Chan<T>,
    key: &mut Option<usize>,
    notify_only: bool,
    cx: &mut Context<'_>,
) -> Poll<Option<T>> {
    if let Some(k) = *key {
        let mut inner = chan.lock();
        match inner.recvq.get(k).outcome {
            Outcome::Waiting => {
                if notify_only {
                    inner.recvq.get_mut(k).retag_listener();
                }
                let old = inner.refresh_waker(false, k, cx.waker());
                drop(inner);
                drop(old); // after unlocking
                return Poll::Pending;
            }
            Outcome::Done if !notify_only => {
                *key = None;
                let value = inner.recvq.remove(k).value;
                inner.collected();
                return Poll::Ready(value);
            }
            Outcome::Closed => {
                *key = None;
                inner.recvq.remove(k);
                return Poll::Ready(None);
            }
            Outcome::Done => {
                // Told to try again.
                *key = None;
                inner.recvq.remove(k);
            }
        }
    } else if crate::coop::poll_proceed(cx).is_pending() {
        return Poll::Pending;
    }
    let mut inner = chan.lock();
    match inner.try_recv(chan.cap, None) {
        TryRecv::Received(v) => Poll::Ready(Some(v)),
        TryRecv::Closed => Poll::Ready(None),
        TryRecv::Empty => {
            *key = Some(
                inner
                    .recvq
                    .push_back(Waiter::new(cx.waker(), None, None, notify_only)),
            );
            Poll::Pending
        }
    }
}

/// Withdraws a waiting receive; a value it had been handed goes back into the channel.
#[inline]
fn cancel_recv<T>(chan: &Chan<T>, key: &mut Option<usize>) {
    if let Some(k) = key.take() {
        cancel_waiting_recv(chan, k);
    }
}

/// Withdraws the waiting receive `k`, giving back a value it had been handed.
fn cancel_waiting_recv<T>(chan: &Chan<T>, k: usize) {
    let mut inner = chan.lock();
    let mut entry = inner.recvq.remove(k);
    if let Some(value) = entry.value.take() {
        inner.give_back(value);
    }
    drop(inner);
    // A still-waiting entry holds the task's waker: dropped after unlocking.
    drop(entry);
}

impl<T> futures_core::Stream for Receiver<T> {
    type Item = T;

    /// The async `for v := range ch`: yields until the channel is closed and drained.
    ///
    /// A stream waits as a *listener*: it is woken when a value arrives and then takes one, but
    /// is never handed a value while it waits, so a `next()` that is dropped half-way (a
    /// timeout or another select arm won) cannot swallow a message. Waiting `recv()` futures
    /// are served before it.
    ///
    /// In `select!`, receive with a `recv(rx)` arm rather than an `rx.next()` future arm: only
    /// channel arms take part in the select's claim, so only they are sure never to pair with a
    /// `send` arm of the same select on the same channel. A select with both arms on one channel
    /// waits without waking itself, but not always when the stream is polled through a
    /// combinator that gives it its own waker (`FuturesUnordered`, `select_all`) or inside a
    /// select nested two levels down: then every poll of the select may wake it again, until
    /// another task uses the channel.
    ///
    /// ```
    /// use futures::StreamExt;
    ///
    /// futures::executor::block_on(async {
    ///     let (tx, mut rx) = gort_channel::chan::bounded(2);
    ///     std::thread::spawn(move || {
    ///         for word in ["a", "b", "c"] {
    ///             tx.send_blocking(word).unwrap();
    ///         }
    ///     });
    ///     let mut got = String::new();
    ///     while let Some(word) = rx.next().await {
    ///         // Go: for word := range ch
    ///         got.push_str(word);
    ///     }
    ///     assert_eq!(got, "abc");
    /// });
    /// ```
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = &mut *self;
        poll_recv(&this.chan, &mut this.stream_key, true, cx)
    }
}

/// Blocking iterator of [`Receiver::iter`], also what `for v in &rx` uses.
///
/// ```
/// let (tx, rx) = gort_channel::chan::bounded(1);
/// std::thread::spawn(move || {
///     for i in 1..=3 {
///         tx.send_blocking(i).unwrap();
///     }
/// });
/// let mut sum = 0;
/// for v in &rx {
///     // Go: for v := range ch
///     sum += v;
/// }
/// assert_eq!(sum, 6);
/// ```
#[cfg(not(loom))]
#[derive(Debug)]
pub struct Iter<'a, T> {
    rx: &'a Receiver<T>,
}

#[cfg(not(loom))]
impl<T> Iterator for Iter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.rx.recv_blocking()
    }
}

#[cfg(not(loom))]
impl<'a, T> IntoIterator for &'a Receiver<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}
