//! # gort-channel
//!
//! Go channels, the select protocol and (soon) Go's `sync` primitives for async Rust, usable
//! on any executor and from plain threads. This crate never depends on an executor: it speaks
//! only [`Waker`](std::task::Waker)s.
//!
//! * [`chan`]: `bounded(0)` (unbuffered, Go's rendezvous), `bounded(n)`, `unbounded()`; async,
//!   non-blocking and blocking operations; [`chan::select`], the protocol behind `select!`.
//! * [`coop`]: the cooperative budget that gort's resources spend and gort's executor refills.
//!
//! ```
//! use gort_channel::chan;
//!
//! let (tx, rx) = chan::bounded(0); // unbuffered: each send waits for its receiver
//! let producer = std::thread::spawn(move || {
//!     for word in ["ping", "pong"] {
//!         tx.send_blocking(word).unwrap();
//!     }
//! });
//! assert_eq!(rx.recv_blocking(), Some("ping"));
//! assert_eq!(rx.recv_blocking(), Some("pong"));
//! producer.join().unwrap();
//! assert_eq!(rx.recv_blocking(), None); // closed: the sender is gone
//! ```

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

#[cfg(not(loom))]
mod blocking;
pub mod chan;
pub mod coop;
mod lock;
mod loom;
pub mod sync;
pub(crate) mod waiters;
mod wake;

#[cfg(all(test, loom))]
mod loom_tests;
