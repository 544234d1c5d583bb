//! `select!`'s first try of its arms, made before any case exists.
//!
//! Most selects find an arm ready at once. A select without future arms therefore first tries
//! its channel arms, in the order it drew, with [`try_recv_now`] and [`try_send_now`], which
//! work on the receivers and senders themselves. Only if no arm is ready does it build the
//! cases, the [`SelectDriver`](super::SelectDriver) and its future, and wait; the driver then
//! starts with registration ([`SelectDriver::after_try_pass`](super::SelectDriver::after_try_pass)).
//!
//! Why not build the cases first: on x86 a channel lock is a `lock cmpxchg`, which waits until
//! every store before it has reached the cache. Building four cases, the driver, the future and
//! the table of `dyn` cases is some forty stores, and made a ready 4-arm select cost 18 ns
//! instead of 14 (one thread, channels filled beforehand).
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

/// Sends the value in `value` on `tx` if that can happen now (a receiver waits, or there is
/// room), taking it out of `value`: `Some(Ok(()))`. On a closed channel it completes with the
/// value back in the error. `None`, leaving the value where it is: not ready, or a nil channel.
///
/// # Panics
/// If `value` is empty on a non-nil channel: the send already completed.
///
/// ```
/// use gort_channel::chan::{self, select::try_send_now};
///
/// let (tx, rx) = chan::bounded(1);
/// let mut value = Some("first");
/// assert_eq!(try_send_now(Some(&tx), &mut value), Some(Ok(())));
/// assert_eq!(value, None); // sent
/// let mut value = Some("second");
/// assert_eq!(try_send_now(Some(&tx), &mut value), None); // full: not ready
/// assert_eq!(value, Some("second")); // still here, for the wait
/// assert_eq!(rx.try_recv(), Ok("first"));
/// ```
#[inline]
pub fn try_send_now<T>(
    tx: Option<&Sender<T>>,
    value: &mut Option<T>,
) -> Option<Result<(), SendError<T>>> {
    let tx = tx?;
    let sent = value
        .take()
        .expect("try_send_now: the value was already sent");
    match try_send_on(&tx.chan, sent, None) {
        Ok(outcome) => Some(outcome),
        Err(back) => {
            *value = Some(back);
            None
        }
    }
}
