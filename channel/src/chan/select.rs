//! The select protocol: how one `select!` waits on several channel operations at once and lets
//! exactly one of them happen.
//!
//! A waiting select registers one waiter entry per case, all sharing one [`SelectState`] whose
//! claim word is `OPEN` until some case wins. A counterpart that would serve such an entry must
//! first move the word from `OPEN` to that case with a CAS (under the channel's lock); if the CAS
//! fails, the select already completed elsewhere and the entry is dead: it is unlinked and
//! skipped. So at most one case ever takes effect, on any number of channels.
//!
//! The select itself never claims a case while its entries are registered, with one exception:
//! if at registration a case turns out to be ready (a counterpart arrived between the try pass
//! and the registration), the select *aborts*: it moves the word to `ABORTED` (unless a
//! counterpart claimed a case first — then that case won), removes every entry, and starts over
//! with a fresh try pass. No counterpart can hold the select in a half-claimed state, and no
//! claim is ever undone. This is crossbeam-channel's `Selected::Aborted` idea on Go's
//! one-lock-per-channel core.
//!
//! A select never pairs with itself: a case skips the entries of its own select, so a select
//! that sends and receives on one unbuffered channel blocks, as in Go.
//!
//! [`poll_select`] drives a set of [`SelectCase`]s; the `select!` macro builds on it, and the
//! tests drive it by hand.

use super::core::{Chan, Outcome, TryRecv, TrySend, Waiter};
use super::error::SendError;
use crate::loom::{Arc, AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};

const OPEN: usize = 0;
const ABORTED: usize = usize::MAX;

/// The claim word shared by the waiter entries of one waiting select.
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
pub trait SelectCase {
    /// Tries to complete at once (nothing registered). True if it completed; the outcome is
    /// kept in the case.
    fn try_now(&mut self) -> bool;
    /// Registers as case `index` of `select`. Returns false, registering nothing, if the case
    /// could complete right now.
    fn register(&mut self, select: &Arc<SelectState>, index: usize, waker: &Waker) -> bool;
    /// Replaces the waker of a registered case.
    fn update_waker(&mut self, waker: &Waker);
    /// The select was claimed for this case: collects the outcome and removes the entry.
    fn complete(&mut self);
    /// Removes the registration of a case that did not win.
    fn unregister(&mut self);
}

/// The state a select keeps between polls.
#[derive(Debug, Default)]
pub struct SelectDriver {
    state: Option<Arc<SelectState>>,
    waker: Option<Waker>,
}

impl SelectDriver {
    /// A driver for a select that has not started.
    pub fn new() -> SelectDriver {
        SelectDriver::default()
    }
}

/// Polls a select over `cases`, trying them in the order given by `order` (indices into
/// `cases`; the `select!` macro shuffles it for Go's random choice, or keeps source order for
/// `biased;`). Returns the index of the case that completed; its outcome is in the case.
///
/// Disabled arms (a false guard, a nil channel) are simply left out of `order`, or never
/// ready. With an empty `order` the select never completes (Go's `select {}`).
pub fn poll_select(
    driver: &mut SelectDriver,
    cases: &mut [&mut dyn SelectCase],
    order: &[usize],
    cx: &mut Context<'_>,
) -> Poll<usize> {
    loop {
        if let Some(state) = &driver.state {
            if let Some(won) = state.selected() {
                finish(driver, cases, order, won);
                return Poll::Ready(won);
            }
            if !driver
                .waker
                .as_ref()
                .is_some_and(|w| w.will_wake(cx.waker()))
            {
                for &i in order {
                    cases[i].update_waker(cx.waker());
                }
                driver.waker = Some(cx.waker().clone());
            }
            return Poll::Pending;
        }
        if crate::coop::poll_proceed(cx).is_pending() {
            return Poll::Pending;
        }
        for &i in order {
            if cases[i].try_now() {
                return Poll::Ready(i);
            }
        }
        let state = Arc::new(SelectState::new());
        let mut ready_now = false;
        for &i in order {
            if !cases[i].register(&state, i, cx.waker()) {
                ready_now = true;
                break;
            }
        }
        driver.state = Some(state.clone());
        driver.waker = Some(cx.waker().clone());
        if ready_now {
            match state.abort() {
                Ok(()) => {
                    for &i in order {
                        cases[i].unregister();
                    }
                    driver.state = None;
                    continue;
                }
                Err(won) => {
                    finish(driver, cases, order, won);
                    return Poll::Ready(won);
                }
            }
        }
    }
}

fn finish(
    driver: &mut SelectDriver,
    cases: &mut [&mut dyn SelectCase],
    order: &[usize],
    won: usize,
) {
    cases[won].complete();
    for &i in order {
        if i != won {
            cases[i].unregister();
        }
    }
    driver.state = None;
    driver.waker = None;
}

/// A receive arm: `recv(rx)`. `None` is Go's nil channel: never ready.
pub struct RecvCase<'a, T> {
    chan: Option<&'a Chan<T>>,
    key: Option<usize>,
    outcome: Option<Option<T>>,
}

impl<'a, T> RecvCase<'a, T> {
    /// A receive case on `rx`, or a nil case.
    pub fn new(rx: Option<&'a super::Receiver<T>>) -> Self {
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
    pub fn take(&mut self) -> Option<T> {
        self.outcome
            .take()
            .expect("RecvCase::take on a case that did not complete")
    }
}

impl<T> SelectCase for RecvCase<'_, T> {
    fn try_now(&mut self) -> bool {
        let Some(chan) = self.chan else { return false };
        match chan.lock().try_recv(chan.cap, None) {
            TryRecv::Received(v) => self.outcome = Some(Some(v)),
            TryRecv::Closed => self.outcome = Some(None),
            TryRecv::Empty => return false,
        }
        true
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
            chan.lock().refresh_waker(false, key, waker);
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

    fn unregister(&mut self) {
        if let (Some(chan), Some(key)) = (self.chan, self.key.take()) {
            let mut inner = chan.lock();
            let mut entry = inner.recvq.remove(key);
            if let (Outcome::Done, Some(value)) = (entry.outcome, entry.value.take()) {
                // Only a winning case is served; a select dropped after winning gives it back.
                inner.give_back(value);
            }
        }
    }
}

impl<T> Drop for RecvCase<'_, T> {
    fn drop(&mut self) {
        self.unregister();
    }
}

/// A send arm: `send(tx, value)`. `None` is Go's nil channel: never ready (the value is
/// dropped with the case).
pub struct SendCase<'a, T> {
    chan: Option<&'a Chan<T>>,
    value: Option<T>,
    key: Option<usize>,
    outcome: Option<Result<(), SendError<T>>>,
}

impl<'a, T> SendCase<'a, T> {
    /// A send case of `value` on `tx`, or a nil case.
    pub fn new(tx: Option<&'a super::Sender<T>>, value: T) -> Self {
        SendCase {
            chan: tx.map(|tx| &*tx.chan),
            value: Some(value),
            key: None,
            outcome: None,
        }
    }

    /// The send's result, once this case completed.
    ///
    /// # Panics
    /// If the case did not complete.
    pub fn take(&mut self) -> Result<(), SendError<T>> {
        self.outcome
            .take()
            .expect("SendCase::take on a case that did not complete")
    }
}

impl<T> SelectCase for SendCase<'_, T> {
    fn try_now(&mut self) -> bool {
        let Some(chan) = self.chan else { return false };
        let value = self
            .value
            .take()
            .expect("an unfinished send case holds its value");
        match chan.lock().try_send(value, chan.cap, None) {
            TrySend::Sent => self.outcome = Some(Ok(())),
            TrySend::Closed(v) => self.outcome = Some(Err(SendError(v))),
            TrySend::Full(v) => {
                self.value = Some(v);
                return false;
            }
        }
        true
    }

    fn register(&mut self, select: &Arc<SelectState>, index: usize, waker: &Waker) -> bool {
        let Some(chan) = self.chan else { return true };
        let mut inner = chan.lock();
        if inner.send_ready(chan.cap, Some(select)) {
            return false;
        }
        self.key = Some(inner.sendq.push_back(Waiter::new(
            waker,
            Some((select.clone(), index)),
            self.value.take(),
            false,
        )));
        true
    }

    fn update_waker(&mut self, waker: &Waker) {
        if let (Some(chan), Some(key)) = (self.chan, self.key) {
            chan.lock().refresh_waker(true, key, waker);
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

    fn unregister(&mut self) {
        if let (Some(chan), Some(key)) = (self.chan, self.key.take()) {
            let entry = chan.lock().sendq.remove(key);
            // A case that did not win still holds its value: keep it for a retry.
            if entry.outcome == Outcome::Waiting {
                self.value = entry.value;
            }
        }
    }
}

impl<T> Drop for SendCase<'_, T> {
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
