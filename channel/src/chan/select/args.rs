//! What `recv(X)` and `send(X, v)` accept as `X`.
//!
//! The `select!` contract lets `X` be a receiver (sender) by reference, a place holding one
//! (borrowed, never moved) or an `Option` of either, where `None` is Go's nil channel. The
//! `select!` macro borrows `X` once (`&X`) and asks these traits, through [`receiver_of`]
//! ([`sender_of`]), for an `Option<&Receiver<T>>` (`Option<&Sender<T>>`), so one expansion
//! serves every form. A wrong `X` fails to compile with the message below, pointing at the arm.

use super::{RecvCase, SendCase};
use crate::chan::{Receiver, Sender};

/// The case for `recv(X)`: `select!` calls it with `&X`. One generic bound, so a wrong `X` is
/// one error, reported at `X`.
///
/// ```
/// let (_tx, rx) = gort_channel::chan::bounded::<u8>(1);
/// let nil_or_rx = Some(&rx);
/// let case = gort_channel::chan::select::recv_case(&nil_or_rx);
/// # drop(case);
/// ```
pub fn recv_case<T, X: RecvArg<Item = T> + ?Sized>(x: &X) -> RecvCase<'_, T> {
    RecvCase::new(x.receiver())
}

/// The case for `send(X, value)`: `select!` calls it with `&X`.
///
/// ```
/// let (tx, _rx) = gort_channel::chan::bounded::<u8>(1);
/// let case = gort_channel::chan::select::send_case(&tx, 7);
/// # drop(case);
/// ```
pub fn send_case<T, X: SendArg<Item = T> + ?Sized>(x: &X, value: T) -> SendCase<'_, T> {
    SendCase::new(x.sender(), value)
}

/// The channel of `recv(X)`: `select!` calls it with `&X`, first thing, so that a wrong `X` is
/// one error, reported at `X`. `None`: a nil channel.
///
/// ```
/// let (_tx, rx) = gort_channel::chan::bounded::<u8>(1);
/// assert!(gort_channel::chan::select::receiver_of(&rx).is_some());
/// assert!(gort_channel::chan::select::receiver_of(&None::<&gort_channel::chan::Receiver<u8>>).is_none());
/// ```
#[inline]
pub fn receiver_of<T, X: RecvArg<Item = T> + ?Sized>(x: &X) -> Option<&Receiver<T>> {
    x.receiver()
}

/// The channel of `send(X, value)`: `select!` calls it with `&X`, as [`receiver_of`].
///
/// ```
/// let (tx, _rx) = gort_channel::chan::bounded::<u8>(1);
/// assert!(gort_channel::chan::select::sender_of(&Some(tx)).is_some());
/// ```
#[inline]
pub fn sender_of<T, X: SendArg<Item = T> + ?Sized>(x: &X) -> Option<&Sender<T>> {
    x.sender()
}

/// A value that `recv(X)` in `select!` accepts: `Receiver<T>`, `&Receiver<T>`,
/// `&mut Receiver<T>`, `Option<Receiver<T>>` or `Option<&Receiver<T>>`.
///
/// ```
/// use gort_channel::chan::{self, select::RecvArg};
///
/// let (_tx, rx) = chan::bounded::<u8>(1);
/// assert!(RecvArg::receiver(&rx).is_some());
/// assert!(RecvArg::receiver(&Some(&rx)).is_some());
/// assert!(RecvArg::receiver(&None::<&chan::Receiver<u8>>).is_none()); // Go's nil channel
/// ```
#[diagnostic::on_unimplemented(
    message = "`recv(..)` in `select!` needs a channel receiver, not `{Self}`",
    label = "expected a `gort::chan::Receiver` here",
    note = "`recv(X)` takes `Receiver<T>`, `&Receiver<T>`, `Option<Receiver<T>>` or `Option<&Receiver<T>>` (`None` is Go's nil channel)",
    note = "to wait for a future instead, write the arm as `PAT = future`, without `recv`"
)]
pub trait RecvArg {
    /// The channel's message type.
    type Item;
    /// The receiver, or `None` for a nil channel.
    fn receiver(&self) -> Option<&Receiver<Self::Item>>;
}

impl<T> RecvArg for Receiver<T> {
    type Item = T;
    fn receiver(&self) -> Option<&Receiver<T>> {
        Some(self)
    }
}

impl<T> RecvArg for &Receiver<T> {
    type Item = T;
    fn receiver(&self) -> Option<&Receiver<T>> {
        Some(self)
    }
}

impl<T> RecvArg for &mut Receiver<T> {
    type Item = T;
    fn receiver(&self) -> Option<&Receiver<T>> {
        Some(self)
    }
}

impl<T> RecvArg for Option<Receiver<T>> {
    type Item = T;
    fn receiver(&self) -> Option<&Receiver<T>> {
        self.as_ref()
    }
}

impl<T> RecvArg for Option<&Receiver<T>> {
    type Item = T;
    fn receiver(&self) -> Option<&Receiver<T>> {
        *self
    }
}

/// A value that `send(X, v)` in `select!` accepts: `Sender<T>`, `&Sender<T>`,
/// `&mut Sender<T>`, `Option<Sender<T>>` or `Option<&Sender<T>>`.
///
/// ```
/// use gort_channel::chan::{self, select::SendArg};
///
/// let (tx, _rx) = chan::bounded::<u8>(1);
/// assert!(SendArg::sender(&tx).is_some());
/// assert!(SendArg::sender(&None::<chan::Sender<u8>>).is_none()); // Go's nil channel
/// ```
#[diagnostic::on_unimplemented(
    message = "`send(..)` in `select!` needs a channel sender, not `{Self}`",
    label = "expected a `gort::chan::Sender` here",
    note = "`send(X, value)` takes `Sender<T>`, `&Sender<T>`, `Option<Sender<T>>` or `Option<&Sender<T>>` (`None` is Go's nil channel)"
)]
pub trait SendArg {
    /// The channel's message type.
    type Item;
    /// The sender, or `None` for a nil channel.
    fn sender(&self) -> Option<&Sender<Self::Item>>;
}

impl<T> SendArg for Sender<T> {
    type Item = T;
    fn sender(&self) -> Option<&Sender<T>> {
        Some(self)
    }
}

impl<T> SendArg for &Sender<T> {
    type Item = T;
    fn sender(&self) -> Option<&Sender<T>> {
        Some(self)
    }
}

impl<T> SendArg for &mut Sender<T> {
    type Item = T;
    fn sender(&self) -> Option<&Sender<T>> {
        Some(self)
    }
}

impl<T> SendArg for Option<Sender<T>> {
    type Item = T;
    fn sender(&self) -> Option<&Sender<T>> {
        self.as_ref()
    }
}

impl<T> SendArg for Option<&Sender<T>> {
    type Item = T;
    fn sender(&self) -> Option<&Sender<T>> {
        *self
    }
}
