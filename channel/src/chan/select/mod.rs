//! The select protocol: how one `select!` waits on several channel operations (and futures) at
//! once and lets exactly one of them happen.
//!
//! A waiting select registers one waiter entry per channel case, all sharing one [`SelectState`]
//! whose claim word is `OPEN` until some case wins. A counterpart that would serve such an entry
//! must first move the word from `OPEN` to that case with a CAS (under the channel's lock); if
//! the CAS fails, the select already completed elsewhere and the entry is dead: it is unlinked
//! and skipped. So at most one case ever takes effect, on any number of channels.
//!
//! The select itself never claims a case while its entries are registered. Instead it *aborts*:
//! it moves the word from `OPEN` to `ABORTED` (unless a counterpart claimed a case first — then
//! that case won), removes every entry, and starts over with a fresh try pass. No counterpart
//! can hold the select in a half-claimed state, and no claim is ever undone. This is
//! crossbeam-channel's `Selected::Aborted` idea on Go's one-lock-per-channel core. A select
//! aborts in two situations:
//!
//! * at registration, a case turns out to be ready (a counterpart arrived between the try pass
//!   and the registration);
//! * it has *future arms* and is polled again. A future cannot be polled "tentatively": once it
//!   returns `Ready` its output exists and the arm has happened. So futures are polled only while
//!   no channel entry is live: the select aborts its registration, polls everything in the try
//!   pass, and registers again if nothing was ready. Selects without future arms never do this;
//!   for them a spurious poll only refreshes the waker. (The price: each poll of such a select
//!   puts its entries back at the end of the waiter queues.)
//!
//! A select never pairs with itself: a case skips the entries of its own select, so a select
//! that sends and receives on one unbuffered channel blocks, as in Go.
//!
//! Module map:
//!
//! * this file: [`SelectState`] (the claim word), the [`SelectCase`] trait, [`poll_select`]
//!   and [`poll_select_or_default`], the two drivers;
//! * `cases.rs`: the three kinds of arm, [`RecvCase`], [`SendCase`] and [`FutureCase`];
//! * `args.rs`: [`RecvArg`] and [`SendArg`], which let `recv(X)` / `send(X, v)` take a receiver
//!   or sender by reference, by place or as an `Option` (Go's nil channel);
//! * `fast.rs`: [`try_recv_now`], [`try_send_now`] and [`send_value`], with which `select!`
//!   tries its arms before building any case;
//! * `order.rs`: [`shuffle`] and [`PackedOrder`], the random arm order behind Go's fair choice;
//! * `scope.rs`: which select's future arm is being polled on this thread, so that a select's
//!   own send cases can leave the `Stream` listeners of its own future arms asleep.
//!
//! The `select!` macro of gort builds on these; the tests also drive them by hand.
//!
//! # Example
//!
//! What `select!` writes for you, by hand. The receive case is completed by a thread's send,
//! whether that send arrives before the select starts or while it waits; the send case, which
//! nobody receives, never takes effect.
//!
//! ```
//! use gort_channel::chan::select::{poll_select, shuffle, RecvCase, SelectDriver, SendCase};
//! use gort_channel::chan::{self, TryRecvError};
//! use std::future::poll_fn;
//!
//! let (nums_tx, nums) = chan::bounded::<i32>(0);
//! let (out, out_rx) = chan::bounded::<&str>(0); // nobody receives on `out`
//! let sender = std::thread::spawn(move || nums_tx.send_blocking(7));
//!
//! // Go: select { case v := <-nums: …; case out <- "hi": … }
//! let mut order = [0, 1];
//! shuffle(&mut order); // Go's random choice among ready cases
//! let mut driver = SelectDriver::new();
//! let mut recv = RecvCase::new(Some(&nums));
//! let mut send = SendCase::new(Some(&out), "hi");
//! let won = futures::executor::block_on(poll_fn(|cx| {
//!     poll_select(&mut driver, &mut [&mut recv, &mut send], &order, cx)
//! }));
//! assert_eq!(won, 0);
//! assert_eq!(recv.take(), Some(7));
//! assert_eq!(sender.join().unwrap(), Ok(()));
//! drop(send);
//! assert_eq!(out_rx.try_recv(), Err(TryRecvError::Empty)); // the losing send never happened
//! ```

mod args;
mod cases;
mod fast;
mod order;
pub(crate) mod scope;

pub use args::{receiver_of, recv_case, send_case, sender_of, RecvArg, SendArg};
pub use cases::{FutureCase, RecvCase, SendCase};
pub use fast::{send_value, try_recv_now, try_send_now};
pub use order::{shuffle, ArmOrder, PackedOrder};

use crate::loom::{Arc, AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};

const OPEN: usize = 0;
const ABORTED: usize = usize::MAX;

/// The claim word shared by the waiter entries of one waiting select.
///
/// Only [`poll_select`] creates one, a fresh one for each registration, and hands it to
/// [`SelectCase::register`] of every case; a case that registers with a channel stores it in its
/// waiter entry, where a counterpart claims it. A case of your own only passes it on:
///
/// ```
/// use gort_channel::chan::select::{poll_select, SelectCase, SelectDriver, SelectState};
/// use std::sync::Arc;
/// use std::task::{Context, Waker};
///
/// /// A case that is never ready and remembers the state it was registered with.
/// #[derive(Default)]
/// struct Spy(Option<Arc<SelectState>>);
///
/// impl SelectCase for Spy {
///     fn try_now(&mut self, _: &mut Context<'_>) -> bool { false }
///     fn register(&mut self, state: &Arc<SelectState>, _: usize, _: &Waker) -> bool {
///         self.0 = Some(state.clone());
///         true
///     }
///     fn update_waker(&mut self, _: &Waker) {}
///     fn complete(&mut self) {}
///     fn unregister(&mut self) {}
/// }
///
/// let (mut a, mut b) = (Spy::default(), Spy::default());
/// let mut driver = SelectDriver::new();
/// let mut cx = Context::from_waker(Waker::noop());
/// assert!(poll_select(&mut driver, &mut [&mut a, &mut b], &[0, 1], &mut cx).is_pending());
/// // One waiting select, one claim word for all its cases.
/// assert!(Arc::ptr_eq(a.0.as_ref().unwrap(), b.0.as_ref().unwrap()));
/// ```
#[derive(Debug)]
pub struct SelectState {
    word: AtomicUsize,
}

impl SelectState {
    fn new() -> SelectState {
        SelectState {
            word: AtomicUsize::new(OPEN),
        }
    }

    /// Claims the select for `case`; false if it was already claimed (or aborted).
    pub(crate) fn try_claim(&self, case: usize) -> bool {
        self.word
            .compare_exchange(OPEN, case + 1, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    pub(crate) fn is_open(&self) -> bool {
        self.word.load(Ordering::Acquire) == OPEN
    }

    /// The case that won, if any.
    fn selected(&self) -> Option<usize> {
        match self.word.load(Ordering::Acquire) {
            OPEN | ABORTED => None,
            won => Some(won - 1),
        }
    }

    /// Aborts the wait; `Err(case)` if a counterpart claimed `case` first.
    fn abort(&self) -> Result<(), usize> {
        match self
            .word
            .compare_exchange(OPEN, ABORTED, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => Ok(()),
            Err(won) => Err(won - 1),
        }
    }
}

/// One arm of a select, as the protocol sees it.
///
/// Implemented by [`RecvCase`], [`SendCase`] and [`FutureCase`]; a driver ([`poll_select`])
/// calls these in the order the protocol needs and keeps the outcome in the case.
///
/// The calls of one select that waits and is then won by a counterpart, seen through a case
/// that logs them and forwards them to a [`RecvCase`]:
///
/// ```
/// use gort_channel::chan::select::{poll_select, RecvCase, SelectCase, SelectDriver, SelectState};
/// use gort_channel::chan;
/// use std::sync::Arc;
/// use std::task::{Context, Poll, Waker};
///
/// struct Logged<C> {
///     inner: C,
///     log: Vec<&'static str>,
/// }
///
/// impl<C: SelectCase> SelectCase for Logged<C> {
///     fn try_now(&mut self, cx: &mut Context<'_>) -> bool {
///         self.log.push("try_now");
///         self.inner.try_now(cx)
///     }
///     fn register(&mut self, select: &Arc<SelectState>, index: usize, waker: &Waker) -> bool {
///         self.log.push("register");
///         self.inner.register(select, index, waker)
///     }
///     fn update_waker(&mut self, waker: &Waker) {
///         self.log.push("update_waker");
///         self.inner.update_waker(waker)
///     }
///     fn complete(&mut self) {
///         self.log.push("complete");
///         self.inner.complete()
///     }
///     fn unregister(&mut self) {
///         self.log.push("unregister");
///         self.inner.unregister()
///     }
///     // A wrapper forwards these too.
///     fn is_future(&self) -> bool {
///         self.inner.is_future()
///     }
///     fn bind_select(&mut self, id: u64) {
///         self.inner.bind_select(id)
///     }
/// }
///
/// let (tx, rx) = chan::bounded(0);
/// let mut case = Logged { inner: RecvCase::new(Some(&rx)), log: Vec::new() };
/// let mut driver = SelectDriver::new();
/// let mut cx = Context::from_waker(Waker::noop());
/// // Nothing to receive: the case is tried, then registered, and the select waits.
/// assert!(poll_select(&mut driver, &mut [&mut case], &[0], &mut cx).is_pending());
/// // A sender finds the registered case, claims the select for it and hands it the value.
/// tx.try_send("hi").unwrap();
/// // The next poll sees the claim: the winner collects its outcome, every case unregisters.
/// assert_eq!(poll_select(&mut driver, &mut [&mut case], &[0], &mut cx), Poll::Ready(0));
/// assert_eq!(case.log, ["try_now", "register", "complete", "unregister"]);
/// assert_eq!(case.inner.take(), Some("hi"));
/// ```
pub trait SelectCase {
    /// Tries to complete at once, registering nothing with any channel. True if it completed;
    /// the outcome is kept in the case. A future arm is polled here (with `cx`).
    fn try_now(&mut self, cx: &mut Context<'_>) -> bool;
    /// Registers as case `index` of `select`. Returns false, registering nothing, if the case
    /// could complete right now. Future arms register nothing and return true.
    fn register(&mut self, select: &Arc<SelectState>, index: usize, waker: &Waker) -> bool;
    /// Replaces the waker of a registered case.
    fn update_waker(&mut self, waker: &Waker);
    /// The select was claimed for this case: collects the outcome and removes the entry.
    fn complete(&mut self);
    /// Removes the registration of a case that did not win (nothing if it is not registered).
    fn unregister(&mut self);
    /// True for a future arm, which can only be polled while no channel entry is live (see the
    /// module documentation).
    fn is_future(&self) -> bool {
        false
    }
    /// Tells the case the id of its select, a select with future arms; called before each
    /// poll. A send case then leaves asleep the `Stream` listeners that the select's own future
    /// arms registered, when its send cannot complete (they could only wake the select's own
    /// task, for nothing); a future arm tags the listeners registered while it is polled. A
    /// case of your own ignores it, as the default does; a case that wraps another forwards it.
    fn bind_select(&mut self, _id: u64) {}
}

/// The state a select keeps between polls: whether its cases are registered, and with which
/// claim word and waker. One driver per select, created before the first poll and polled with
/// the same cases every time.
///
/// ```
/// use gort_channel::chan::{self, select::{poll_select, RecvCase, SelectDriver}};
/// use std::task::{Context, Poll, Waker};
///
/// let (tx, rx) = chan::bounded::<u8>(0);
/// let mut driver = SelectDriver::new();
/// let mut case = RecvCase::new(Some(&rx));
/// let mut cx = Context::from_waker(Waker::noop());
/// // First poll: nothing is ready, so the driver registers the case and remembers it.
/// assert_eq!(poll_select(&mut driver, &mut [&mut case], &[0], &mut cx), Poll::Pending);
/// // An unbuffered send finds the waiting select: a rendezvous.
/// tx.try_send(9).unwrap();
/// // Next poll: the driver finds the case that won.
/// assert_eq!(poll_select(&mut driver, &mut [&mut case], &[0], &mut cx), Poll::Ready(0));
/// assert_eq!(case.take(), Some(9));
/// ```
#[derive(Debug, Default)]
pub struct SelectDriver {
    /// The claim word of the live registration, if the select is registered.
    state: Option<Arc<SelectState>>,
    /// The waker the live registration was made with.
    waker: Option<Waker>,
    /// Whether some enabled arm is a future (then every poll aborts and re-registers).
    has_future_arms: bool,
    /// This select's id, once it is known to have future arms; 0 before (see `scope.rs`).
    id: u64,
    /// Every arm was just tried and none was ready: the first poll registers at once.
    tried: bool,
}

impl SelectDriver {
    /// A driver for a select that has not started.
    ///
    /// ```
    /// use gort_channel::chan::{self, select::{poll_select, RecvCase, SelectDriver}};
    /// use std::future::poll_fn;
    ///
    /// let (tx, rx) = chan::bounded(1);
    /// tx.try_send(7).unwrap();
    /// let mut driver = SelectDriver::new();
    /// let mut case = RecvCase::new(Some(&rx));
    /// let won = futures::executor::block_on(poll_fn(|cx| {
    ///     poll_select(&mut driver, &mut [&mut case], &[0], cx)
    /// }));
    /// assert_eq!((won, case.take()), (0, Some(7)));
    /// ```
    pub fn new() -> SelectDriver {
        SelectDriver::default()
    }

    /// A driver for a select whose arms were all tried just now, none of them ready (as
    /// `select!` does with [`try_recv_now`] and [`try_send_now`]). Its first poll registers the
    /// cases without trying them again; a case that became ready since is found by the
    /// registration, as with any driver. (A select with future arms is tried on its first poll
    /// all the same: a future can only be tried with its `Context`.)
    ///
    /// ```
    /// use gort_channel::chan::{self, select::{poll_select, try_recv_now, RecvCase, SelectDriver}};
    /// use std::task::{Context, Poll, Waker};
    ///
    /// let (tx, rx) = chan::bounded::<u8>(0);
    /// assert_eq!(try_recv_now(Some(&rx)), None); // nothing yet
    /// let mut driver = SelectDriver::after_try_pass();
    /// let mut case = RecvCase::new(Some(&rx));
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert_eq!(poll_select(&mut driver, &mut [&mut case], &[0], &mut cx), Poll::Pending);
    /// tx.try_send(3).unwrap(); // finds the registered case
    /// assert_eq!(poll_select(&mut driver, &mut [&mut case], &[0], &mut cx), Poll::Ready(0));
    /// assert_eq!(case.take(), Some(3));
    /// ```
    pub fn after_try_pass() -> SelectDriver {
        SelectDriver {
            tried: true,
            ..SelectDriver::default()
        }
    }

    /// A driver for a select known to have future arms. Its send cases then do not wake the
    /// select's own task through the `Stream` listener of one of its own future arms (an
    /// `rx.next()` arm beside a `send` arm on the same channel), which would make a waiting
    /// select poll itself over and over. [`SelectDriver::new`] learns of future arms when the
    /// select first registers, so the listeners of its first poll are not yet known as its
    /// own, and it may wake its task once more. `select!` uses this one when it has future
    /// arms. (A stream polled through a combinator that gives it a waker of its own, such as
    /// `FuturesUnordered`, is still woken when the select registers: see `Receiver`'s
    /// `Stream` documentation.)
    ///
    /// ```
    /// use futures::StreamExt;
    /// use gort_channel::chan::{self, select::{poll_select, FutureCase, SelectDriver, SendCase}};
    /// use std::pin::pin;
    /// use std::sync::{atomic::{AtomicUsize, Ordering}, Arc};
    /// use std::task::{Context, Wake, Waker};
    ///
    /// struct CountWakes(AtomicUsize);
    /// impl Wake for CountWakes {
    ///     fn wake(self: Arc<Self>) {
    ///         self.0.fetch_add(1, Ordering::SeqCst);
    ///     }
    /// }
    /// let wakes = Arc::new(CountWakes(AtomicUsize::new(0)));
    /// let waker = Waker::from(wakes.clone());
    /// let mut cx = Context::from_waker(&waker);
    ///
    /// // Go: select { case ch <- 1: …; case v := <-ch: … } on an unbuffered channel, with the
    /// // receive written as a stream: nobody else uses `ch`, so it waits.
    /// let (tx, rx) = chan::bounded::<u32>(0);
    /// let mut stream = rx.clone();
    /// let mut next = pin!(stream.next());
    /// let mut driver = SelectDriver::with_future_arms();
    /// let mut send = SendCase::new(Some(&tx), 1);
    /// let mut listen = FutureCase::new(next.as_mut());
    /// for _ in 0..3 {
    ///     let poll = poll_select(&mut driver, &mut [&mut listen, &mut send], &[0, 1], &mut cx);
    ///     assert!(poll.is_pending());
    /// }
    /// assert_eq!(wakes.0.load(Ordering::SeqCst), 0); // it never woke itself
    /// ```
    pub fn with_future_arms() -> SelectDriver {
        SelectDriver {
            id: scope::next_id(),
            ..SelectDriver::default()
        }
    }
}

/// Polls a select over `cases`, trying them in the order given by `order` (distinct indices
/// into `cases`: a [`PackedOrder`], or a slice or array of indices; the `select!` macro draws a
/// random one for Go's random choice, [`PackedOrder::shuffled`] or [`shuffle`], or keeps
/// source order for `biased;`). Returns the index of the case that completed; its outcome is
/// in the case.
///
/// Disabled arms (a false guard) are left out of `order`; nil channels stay in and are never
/// ready. With an empty `order` the select never completes (Go's `select {}`).
///
/// Each try pass spends one unit of the cooperative budget ([`crate::coop`]); when it is
/// spent the select yields (`Pending`, having woken its task) without trying anything. A
/// driver made with [`SelectDriver::after_try_pass`] skips the first try pass (its caller
/// tried the arms and spent the unit), unless some case is a future arm.
///
/// # Examples
///
/// A select over a channel and a future, by hand (the `select!` macro writes this for you):
///
/// ```
/// use gort_channel::chan::{self, select::{poll_select, FutureCase, RecvCase, SelectDriver}};
/// use std::future::{poll_fn, ready};
/// use std::pin::pin;
///
/// let (_tx, rx) = chan::bounded::<u32>(0); // nobody sends: the future arm wins
/// let mut fut = pin!(ready("timeout"));
/// let mut driver = SelectDriver::new();
/// let mut recv = RecvCase::new(Some(&rx));
/// let mut timeout = FutureCase::new(fut.as_mut());
/// let won = futures::executor::block_on(poll_fn(|cx| {
///     poll_select(&mut driver, &mut [&mut recv, &mut timeout], &[0, 1], cx)
/// }));
/// assert_eq!((won, timeout.take()), (1, "timeout"));
/// ```
pub fn poll_select<O: ArmOrder>(
    driver: &mut SelectDriver,
    cases: &mut [&mut dyn SelectCase],
    order: O,
    cx: &mut Context<'_>,
) -> Poll<usize> {
    if driver.id != 0 {
        // On every poll: cheap, and right even for a driver used again with other cases.
        for i in arms(order) {
            cases[i].bind_select(driver.id);
        }
    }
    // A driver made with `after_try_pass` starts by registering: its caller tried every arm
    // just now. Not if some arm is a future, which must be polled before the select can wait.
    let mut tried = std::mem::take(&mut driver.tried)
        && driver.state.is_none()
        && !arms(order).any(|i| cases[i].is_future());
    loop {
        if !tried {
            if let Some(state) = &driver.state {
                if let Some(won) = state.selected() {
                    finish(driver, cases, order, won);
                    return Poll::Ready(won);
                }
                if driver.has_future_arms {
                    // Polling a future arm while channel entries are live could complete two
                    // arms: take the registration down first (or find that a channel case won).
                    if let Err(won) = state.abort() {
                        finish(driver, cases, order, won);
                        return Poll::Ready(won);
                    }
                    unregister_all(driver, cases, order);
                } else {
                    refresh_wakers(driver, cases, order, cx.waker());
                    // A counterpart may have claimed a case after the check above but before
                    // that case's waker was refreshed: it woke the old waker only. Each refresh
                    // took the case's channel lock, so such a claim is visible now; a later one
                    // wakes the new waker.
                    let state = driver.state.as_ref().expect("still registered");
                    if let Some(won) = state.selected() {
                        finish(driver, cases, order, won);
                        return Poll::Ready(won);
                    }
                    return Poll::Pending;
                }
            }
            match try_pass(cases, order, cx) {
                Poll::Ready(Some(won)) => return Poll::Ready(won),
                Poll::Ready(None) => {}
                Poll::Pending => return Poll::Pending,
            }
        }
        tried = false;
        let state = Arc::new(SelectState::new());
        let mut ready_now = false;
        let mut has_future_arms = false;
        for i in arms(order) {
            has_future_arms |= cases[i].is_future();
            if !cases[i].register(&state, i, cx.waker()) {
                ready_now = true;
                break;
            }
        }
        driver.state = Some(state);
        driver.waker = Some(cx.waker().clone());
        driver.has_future_arms = has_future_arms;
        if has_future_arms && driver.id == 0 {
            // Its cases learn the id at the next poll (see `SelectDriver::with_future_arms`).
            driver.id = scope::next_id();
        }
        if !ready_now {
            return Poll::Pending;
        }
        // A counterpart arrived after the try pass: abort and try again — unless a
        // counterpart already claimed one of the cases registered before, which then won.
        let aborted = driver.state.as_ref().expect("just registered").abort();
        if let Err(won) = aborted {
            finish(driver, cases, order, won);
            return Poll::Ready(won);
        }
        unregister_all(driver, cases, order);
    }
}

/// The arms of `order`, in order.
#[inline]
fn arms<O: ArmOrder>(order: O) -> impl Iterator<Item = usize> {
    (0..order.arm_count()).map(move |k| order.arm(k))
}

/// Polls a select that has a `default` arm: one try pass over `cases` in `order`, registering
/// nothing. `Ready(Some(i))`: case `i` completed; `Ready(None)`: no case was ready, so the
/// `default` arm runs. `Pending` only when the cooperative budget is spent (the task was woken
/// and will poll again).
///
/// ```
/// use gort_channel::chan::{self, select::{poll_select_or_default, RecvCase}};
/// use std::future::poll_fn;
///
/// let (tx, rx) = chan::bounded::<u32>(1);
/// let mut case = RecvCase::new(Some(&rx));
/// let got = futures::executor::block_on(poll_fn(|cx| {
///     poll_select_or_default(&mut [&mut case], &[0], cx)
/// }));
/// assert_eq!(got, None); // nothing to receive: default
/// tx.try_send(1).unwrap();
/// let got = futures::executor::block_on(poll_fn(|cx| {
///     poll_select_or_default(&mut [&mut case], &[0], cx)
/// }));
/// assert_eq!((got, case.take()), (Some(0), Some(1)));
/// ```
#[inline]
pub fn poll_select_or_default<O: ArmOrder>(
    cases: &mut [&mut dyn SelectCase],
    order: O,
    cx: &mut Context<'_>,
) -> Poll<Option<usize>> {
    try_pass(cases, order, cx)
}

/// Tries every case of `order` once, after spending one unit of the cooperative budget.
#[inline]
fn try_pass<O: ArmOrder>(
    cases: &mut [&mut dyn SelectCase],
    order: O,
    cx: &mut Context<'_>,
) -> Poll<Option<usize>> {
    if crate::coop::poll_proceed(cx).is_pending() {
        return Poll::Pending;
    }
    for i in arms(order) {
        if cases[i].try_now(cx) {
            return Poll::Ready(Some(i));
        }
    }
    Poll::Ready(None)
}

fn refresh_wakers<O: ArmOrder>(
    driver: &mut SelectDriver,
    cases: &mut [&mut dyn SelectCase],
    order: O,
    waker: &Waker,
) {
    if driver.waker.as_ref().is_some_and(|w| w.will_wake(waker)) {
        return;
    }
    for i in arms(order) {
        cases[i].update_waker(waker);
    }
    driver.waker = Some(waker.clone());
}

fn unregister_all<O: ArmOrder>(
    driver: &mut SelectDriver,
    cases: &mut [&mut dyn SelectCase],
    order: O,
) {
    for i in arms(order) {
        cases[i].unregister();
    }
    driver.state = None;
    driver.waker = None;
}

fn finish<O: ArmOrder>(
    driver: &mut SelectDriver,
    cases: &mut [&mut dyn SelectCase],
    order: O,
    won: usize,
) {
    cases[won].complete();
    unregister_all(driver, cases, order);
}
