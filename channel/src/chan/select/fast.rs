//! `select!`'s first try of its arms, made before any case exists.
//!
//! Most selects find an arm ready at once. A select without future arms therefore first tries
//! its channel arms, in the order it drew, with [`try_recv_now`] and [`try_send_now`], which
//! work on the receivers and senders themselves ([`send_value`] types a send arm's value
//! first). Only if no arm is ready does it build the cases, the
//! [`SelectDriver`](super::SelectDriver) and its future, and wait; the driver then starts with
//! registration ([`SelectDriver::after_try_pass`](super::SelectDriver::after_try_pass)). With
//! a `default` arm, no arm ready means `default` runs, and nothing is built.
//!
//! The first try spends the select's unit of cooperative budget with `coop::try_spend`. When
//! the budget is spent it does not run: the select builds its cases and waits as before it
//! existed (`SelectDriver::new`, or `poll_select_or_default` with `default`), and that first
//! poll yields.
//!
//! Why not build the cases first: on x86 a channel lock is a `lock cmpxchg`, which waits until
//! every store before it has reached the cache. Building four cases, the driver, the future and
//! the table of `dyn` cases is some forty stores, and made a ready 4-arm select cost 18.5
//! ns instead of 13.5 (one thread, channels filled beforehand).
//!
//! The try is the same as the try pass of [`poll_select`](super::poll_select): each arm once,
//! in order, the first that can complete completes, the others never take effect.

use super::cases::{try_recv_on, try_send_on};
use crate::chan::error::SendError;
use crate::chan::{Receiver, Sender};

/// Receives on `rx` if a value (or the end of the channel) is there now: `Some(Some(v))` a
/// value, `Some(None)` closed and drained, `None` not ready. A nil channel (`None`) is never
/// ready.
///
/// ```
/// use gort_channel::chan::{self, select::try_recv_now};
///
/// let (tx, rx) = chan::bounded(1);
/// assert_eq!(try_recv_now(Some(&rx)), None); // empty: not ready
/// tx.try_send(5).unwrap();
/// assert_eq!(try_recv_now(Some(&rx)), Some(Some(5)));
/// drop(tx);
/// assert_eq!(try_recv_now(Some(&rx)), Some(None)); // closed and drained
/// assert_eq!(try_recv_now::<i32>(None), None); // Go's nil channel
/// ```
#[inline]
pub fn try_recv_now<T>(rx: Option<&Receiver<T>>) -> Option<Option<T>> {
    try_recv_on(&rx?.chan)
}

/// Sends `value` on `tx` if that can happen now (a receiver waits, or there is room):
/// `Ok(Ok(()))`. On a closed channel it completes too, `Ok(Err(_))` with the value in the error.
/// `Err(value)`, the value back: not ready, or a nil channel.
///
/// The value moves in and out rather than through a `&mut` slot: `select!` keeps it in a
/// local, and a local that was ever borrowed stays in the select's future even after it moved
/// into the waiting case.
///
/// ```
/// use gort_channel::chan::{self, select::try_send_now};
///
/// let (tx, rx) = chan::bounded(1);
/// assert_eq!(try_send_now(Some(&tx), "first"), Ok(Ok(())));
/// assert_eq!(try_send_now(Some(&tx), "second"), Err("second")); // full: not ready
/// assert_eq!(rx.try_recv(), Ok("first"));
/// tx.close();
/// let closed = try_send_now(Some(&tx), "third").unwrap().unwrap_err();
/// assert_eq!(closed.into_inner(), "third"); // completed, with the value back
/// ```
#[inline]
pub fn try_send_now<T>(tx: Option<&Sender<T>>, value: T) -> Result<Result<(), SendError<T>>, T> {
    match tx {
        Some(tx) => try_send_on(&tx.chan, value, None),
        None => Err(value),
    }
}

/// `value`, typed as the item of `tx`: `select!` passes a send arm's value through it, so that
/// the value is checked (and coerced) against the channel's item type where it is written.
///
/// ```
/// use gort_channel::chan::{self, select::send_value};
///
/// let (tx, _rx) = chan::bounded::<Box<dyn Fn() -> u8 + Send>>(1);
/// let value = send_value(Some(&tx), Box::new(|| 7)); // a closure, coerced to the trait object
/// assert_eq!(value(), 7);
/// ```
#[inline]
pub fn send_value<T>(_tx: Option<&Sender<T>>, value: T) -> T {
    value
}
