//! Errors of channel operations. Each carries back the value it could not send, and implements
//! `Debug` without requiring `T: Debug`.

use std::fmt;

macro_rules! debug_without_value {
    ($ty:ident, $($variant:ident),+) => {
        impl<T> fmt::Debug for $ty<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    $($ty::$variant(_) => f.write_str(concat!(stringify!($ty), "::", stringify!($variant), "(..)")),)+
                }
            }
        }
    };
}

/// A send on a closed channel; the value is given back.
///
/// ```
/// let (tx, rx) = gort_channel::chan::bounded(1);
/// drop(rx); // the last receiver gone closes the channel
/// let err = tx.send_blocking(7).unwrap_err();
/// assert_eq!(err.to_string(), "sending on a closed channel");
/// assert_eq!(err.into_inner(), 7);
/// ```
#[derive(PartialEq, Eq, Clone, Copy)]
pub struct SendError<T>(pub T);

impl<T> SendError<T> {
    /// The value that was not sent.
    ///
    /// Where Go panics on a send to a closed channel, gort hands the value back:
    ///
    /// ```
    /// use gort_channel::chan;
    ///
    /// let (tx, _rx) = chan::bounded(1);
    /// tx.close(); // Go: close(ch)
    /// let err = futures::executor::block_on(tx.send(String::from("late"))).unwrap_err();
    /// let value: String = err.into_inner(); // not lost: use it elsewhere
    /// assert_eq!(value, "late");
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("sending on a closed channel")
    }
}

impl<T> std::error::Error for SendError<T> {}

/// A `try_send` that could not send now; the value is given back.
///
/// ```
/// use gort_channel::chan::{self, TrySendError};
/// let (tx, _rx) = chan::bounded(1);
/// tx.try_send(1).unwrap();
/// assert!(matches!(tx.try_send(2), Err(TrySendError::Full(2))));
/// ```
#[derive(PartialEq, Eq, Clone, Copy)]
pub enum TrySendError<T> {
    /// No receiver is waiting and the buffer is full (always, on an unbuffered channel with no
    /// receiver waiting).
    Full(T),
    /// The channel is closed.
    Closed(T),
}

impl<T> TrySendError<T> {
    /// The value that was not sent, whichever the reason.
    ///
    /// ```
    /// use gort_channel::chan;
    ///
    /// let (tx, rx) = chan::bounded(1);
    /// tx.try_send("first").unwrap();
    /// let kept = tx.try_send("second").unwrap_err().into_inner(); // full: keep it for later
    /// assert_eq!(rx.try_recv(), Ok("first"));
    /// tx.try_send(kept).unwrap(); // room again
    /// assert_eq!(rx.try_recv(), Ok("second"));
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(v) | TrySendError::Closed(v) => v,
        }
    }
}

debug_without_value!(TrySendError, Full, Closed);

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("sending on a full channel"),
            TrySendError::Closed(_) => f.write_str("sending on a closed channel"),
        }
    }
}

impl<T> std::error::Error for TrySendError<T> {}

/// A `send_timeout` that did not send; the value is given back.
///
/// ```
/// use gort_channel::chan::{self, SendTimeoutError};
/// use std::time::Duration;
/// let (tx, _rx) = chan::bounded(0);
/// let err = tx.send_timeout(1, Duration::from_millis(5)).unwrap_err();
/// assert!(matches!(err, SendTimeoutError::Timeout(1)));
/// ```
#[derive(PartialEq, Eq, Clone, Copy)]
pub enum SendTimeoutError<T> {
    /// No receiver took the value in time.
    Timeout(T),
    /// The channel is closed.
    Closed(T),
}

impl<T> SendTimeoutError<T> {
    /// The value that was not sent, whichever the reason.
    ///
    /// ```
    /// use gort_channel::chan;
    /// use std::time::Duration;
    ///
    /// let (tx, _rx) = chan::bounded(0); // unbuffered, and nobody receives
    /// let err = tx.send_timeout(vec![1, 2, 3], Duration::from_millis(1)).unwrap_err();
    /// assert_eq!(err.into_inner(), [1, 2, 3]);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            SendTimeoutError::Timeout(v) | SendTimeoutError::Closed(v) => v,
        }
    }
}

debug_without_value!(SendTimeoutError, Timeout, Closed);

impl<T> fmt::Display for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendTimeoutError::Timeout(_) => f.write_str("timed out sending on a channel"),
            SendTimeoutError::Closed(_) => f.write_str("sending on a closed channel"),
        }
    }
}

impl<T> std::error::Error for SendTimeoutError<T> {}

/// A `try_recv` that found nothing.
///
/// ```
/// use gort_channel::chan::{self, TryRecvError};
/// let (tx, rx) = chan::bounded::<i32>(1);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
/// ```
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum TryRecvError {
    /// Nothing to receive right now.
    Empty,
    /// Closed and drained.
    Closed,
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("receiving on an empty channel"),
            TryRecvError::Closed => f.write_str("receiving on a closed channel"),
        }
    }
}

impl std::error::Error for TryRecvError {}

/// A `recv_timeout` that received nothing.
///
/// ```
/// use gort_channel::chan::{self, RecvTimeoutError};
/// use std::time::Duration;
/// let (_tx, rx) = chan::bounded::<i32>(1);
/// assert_eq!(rx.recv_timeout(Duration::from_millis(5)), Err(RecvTimeoutError::Timeout));
/// ```
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum RecvTimeoutError {
    /// Nothing arrived in time.
    Timeout,
    /// Closed and drained.
    Closed,
}

impl fmt::Display for RecvTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvTimeoutError::Timeout => f.write_str("timed out receiving on a channel"),
            RecvTimeoutError::Closed => f.write_str("receiving on a closed channel"),
        }
    }
}

impl std::error::Error for RecvTimeoutError {}
