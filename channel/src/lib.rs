//! # gort-channel
//!
//! Go channels, the select protocol and Go's `sync` primitives for async Rust, usable on any
//! executor and from plain threads. This crate never depends on an executor: it speaks only
//! [`Waker`](std::task::Waker)s. Most users reach it through the `gort` facade, which
//! re-exports every module here.
//!
//! * [`chan`]: `bounded(0)` (unbuffered, Go's rendezvous), `bounded(n)`, `unbounded()`; async,
//!   non-blocking and blocking operations; [`chan::select`], the protocol behind `select!`.
//! * [`sync`]: `WaitGroup`, `Mutex`, `RwLock`, `Semaphore`, `OnceCell`, `Notify`, `Barrier`,
//!   all on the crate's one waiter queue, all cancel-safe, all with blocking variants.
//! * [`coop`]: the cooperative budget that gort's resources spend and gort's executor refills.
//!
//! A channel between two plain threads:
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
//!
//! The same channel and a `WaitGroup` under another executor (here `futures`' `block_on`):
//!
//! ```
//! use gort_channel::{chan, sync::WaitGroup};
//!
//! futures::executor::block_on(async {
//!     let (tx, rx) = chan::unbounded();
//!     let wg = WaitGroup::new();
//!     for i in 0..4 {
//!         wg.add(1);
//!         let (tx, wg) = (tx.clone(), wg.clone());
//!         std::thread::spawn(move || {
//!             tx.send_blocking(i).unwrap();
//!             wg.done();
//!         });
//!     }
//!     wg.wait().await;
//!     drop(tx);
//!     let mut sum = 0;
//!     while let Some(i) = rx.recv().await {
//!         sum += i;
//!     }
//!     assert_eq!(sum, 6);
//! });
//! ```
//!
//! Inside: `chan/` holds the three flavors and the select protocol, `waiters.rs` the FIFO
//! waiter queue every primitive parks on (tasks and threads alike), `wake.rs` the list of
//! wakers collected under a lock and woken after it, `lock.rs` the short spin lock that guards
//! each core. ARCHITECTURE.md in the repository walks through them.

#![warn(missing_docs)]
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
