//! The channel core shared by all three flavors: Go's `hchan` (`runtime/chan.go`) in Rust.
//!
//! One lock (the spin [`Lock`] of `lock.rs`) guards the buffer and two FIFO waiter queues
//! (blocked receivers, blocked senders with their values). Under that lock:
//!
//! * a send hands its value **directly** to the first waiting receiver, else appends it to the
//!   buffer if there is room, else waits in the send queue holding its value;
//! * a receive takes from the buffer front (then moves the first waiting sender's value to the
//!   buffer back, keeping FIFO order, see *moved sends* below), else takes directly from the
//!   first waiting sender (rendezvous), else gets `None` if closed, else waits;
//! * close wakes every waiting sender with its value back, and every waiting receiver with
//!   "closed" — once no value handed to a receiver can still come back (`in_flight`).
//!
//! Flavors differ only in capacity: `Some(0)` rendezvous, `Some(n)` a bounded ring, `None`
//! unbounded (the ring grows). A waiter is served by the operation that completes it — the
//! value is moved into or out of its queue entry under the lock — so waiters are served in
//! strict FIFO order and nothing can barge past them.
//!
//! Cancellation (a future dropped while waiting), under the lock:
//! * a receiver that had been handed a value gives it back: to the next waiting receiver, or to
//!   the *front* of the buffer (it was the oldest), even on a rendezvous channel, and even after
//!   close — so it is received before the end-of-channel `None`;
//! * a sender whose value was already taken counts as sent (the rendezvous happened); otherwise
//!   its value is dropped with it, never sent.
//!
//! *Moved sends*: when a receive frees a slot of a full buffer, the first waiting sender's value
//! moves into it at once, as in Go, and the sender is woken to a completed send. Until it has
//! seen that, the move is provisional: API.md lets a dropped send deliver only a value that a
//! receiver took, so a sender dropped before it looked takes its value back out of the buffer
//! if no receiver has taken it yet ([`Inner::withdraw_sender`]), and the slot goes to the next
//! waiting sender. To find the value, the buffer's slots are numbered (`buf[i]` is slot
//! `front_seq + i`) and the sender's entry keeps its slot (`Waiter::moved_to`). Receives take
//! slots in order, so the value is still buffered exactly while its slot is at or beyond
//! `popped_to`, the highest front slot number so far (a give-back puts a value in front, below
//! it). The cost on the hot path is two counters; taking a value back out (rare) renumbers the
//! slots behind it.
//!
//! A `Stream` receiver waits as a *listener* (`notify_only`): never handed a value, only woken
//! to try again — by every send that passes it, and by every sender that starts waiting
//! ([`Inner::push_sender`]), so that a listener and a waiting sender never wait on each other.
//! One exception: a select's `send` case that cannot complete leaves the listeners of the
//! select's own future arms asleep (see [`OwnListeners`]); it would only wake itself.
//!
//! Select (see `select/mod.rs`): an entry may belong to a select, which owns one claim word. Whoever
//! serves such an entry must first claim the select for that entry's case with a CAS; entries of
//! selects already claimed are dead and are unlinked. A select never serves its own entries.
//!
//! The buffer may briefly hold more than `cap` values after a give-back; senders still wait
//! while it is full, so it drains back to `cap`.

use super::select::scope::{polling_selects, Polling};
use super::select::SelectState;
use crate::lock::{Lock, LockGuard};
use crate::loom::{Arc, AtomicUsize, Ordering};
use crate::waiters::Waiters;
use crate::wake::WakeList;
use std::collections::VecDeque;
use std::task::Waker;

/// How a waiter's operation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Still waiting.
    Waiting,
    /// Served: a receiver got its value, a sender's value was taken (or moved into the buffer:
    /// see *moved sends* in the module documentation).
    Done,
    /// The channel was closed while it waited (a sender keeps its value in the entry).
    Closed,
}

pub(crate) struct Waiter<T> {
    pub(crate) waker: Waker,
    /// The select this entry is a case of, with the case's index.
    pub(crate) select: Option<(Arc<SelectState>, usize)>,
    /// A waiting sender's value; a served receiver's value.
    pub(crate) value: Option<T>,
    pub(crate) outcome: Outcome,
    /// A sender whose value a receive moved into the buffer: the slot it went to (see *moved
    /// sends* in the module documentation).
    moved_to: Option<u64>,
    /// A receiver that only wants to be told when to try again (a `Stream` poll): it is never
    /// handed a value, so abandoning it (a dropped `next()`) cannot swallow a message.
    pub(crate) notify_only: bool,
    /// A listener's tag: the selects whose future arms polled it last, if any (see
    /// `select/scope.rs` and [`OwnListeners`]).
    listener_of: Polling,
}

impl<T> Waiter<T> {
    /// A waiting entry for a plain future or blocked thread (`select: None`) or a select case.
    pub(crate) fn new(
        waker: &Waker,
        select: Option<(Arc<SelectState>, usize)>,
        value: Option<T>,
        notify_only: bool,
    ) -> Self {
        Waiter {
            waker: waker.clone(),
            select,
            value,
            outcome: Outcome::Waiting,
            moved_to: None,
            notify_only,
            listener_of: if notify_only {
                polling_selects()
            } else {
                Polling::NONE
            },
        }
    }

    /// A listener polled again: tagged with the select whose future arm polls it now, if any.
    pub(crate) fn retag_listener(&mut self) {
        self.listener_of = polling_selects();
    }
}

/// The listeners that a select's `send` case leaves asleep when its send cannot complete:
/// those whose tag includes that select (`select`), that is, registered or polled last inside
/// one of the select's own future arms, directly or through a select nested in it (see
/// `select/scope.rs`).
///
/// Without this, a select with a `send(tx, v)` arm and an `rx.next()` future arm on one channel
/// wakes itself on every poll: the send arm's try pass passes the future arm's listener and
/// wakes it, the select's own task polls again, and so on, where Go's select blocks.
///
/// Why leaving them asleep loses no wake-up. A send with room completes into the buffer, and
/// every listener must hear of that value (the select ends, but a listener belongs to its
/// receiver and outlives the `next()`), so such a send skips nobody. A send that finds a
/// receiver hands it the value: the listeners learn nothing. A send that fails offers nothing,
/// unless the select then waits with it; then two cases:
/// * the listener is polled only inside the select's future arms: it cannot take the select's
///   value, since those arms run only while none of the select's channel cases is registered;
/// * the listener is also polled by another task (a shared future): its waker is then not the
///   select's, and the registration ([`Inner::push_sender`]) wakes it, as it wakes every
///   listener but those with the sender's own waker.
///
/// Only listeners tagged with this select are skipped, not every listener of its task: a
/// listener of an enclosing select, or of a future joined with this select, may take this
/// select's value, and this try pass's wake is what tells it (`push_sender` would not: same
/// task).
#[derive(Clone, Copy)]
pub(crate) struct OwnListeners {
    pub(crate) select: u64,
}

impl OwnListeners {
    fn include<T>(&self, waiter: &Waiter<T>) -> bool {
        waiter.listener_of.includes(self.select)
    }
}

pub(crate) struct Inner<T> {
    pub(crate) buf: VecDeque<T>,
    pub(crate) closed: bool,
    pub(crate) recvq: Waiters<Waiter<T>>,
    pub(crate) sendq: Waiters<Waiter<T>>,
    /// Values handed to waiting receivers and not yet collected: each may still be given back,
    /// so a closed channel is not drained while this is above zero.
    in_flight: usize,
    /// The sequence number of the buffer's front slot: `buf[i]` is slot `front_seq + i`.
    front_seq: u64,
    /// The highest `front_seq` so far: slots below it have been received.
    popped_to: u64,
    /// Wakers of waiters served under the lock, woken by [`Guard`] once it is released (a task
    /// woken under the lock would run straight into it).
    wake: WakeList,
}

/// The channel lock; wakes the waiters served while it was held after unlocking.
pub(crate) struct Guard<'a, T> {
    guard: Option<LockGuard<'a, Inner<T>>>,
}

impl<T> std::ops::Deref for Guard<'_, T> {
    type Target = Inner<T>;
    fn deref(&self) -> &Inner<T> {
        self.guard.as_ref().expect("guard is held until drop")
    }
}

impl<T> std::ops::DerefMut for Guard<'_, T> {
    fn deref_mut(&mut self) -> &mut Inner<T> {
        self.guard.as_mut().expect("guard is held until drop")
    }
}

impl<T> Drop for Guard<'_, T> {
    fn drop(&mut self) {
        let mut guard = self.guard.take().expect("dropped once");
        if guard.wake.is_empty() {
            return; // the common case: nobody to wake, just unlock
        }
        let wake = guard.wake.take();
        drop(guard);
        // Every served waiter is woken even if a user's waker panics; the first panic is
        // raised again afterwards.
        wake.wake_all();
    }
}

pub(crate) struct Chan<T> {
    inner: Lock<Inner<T>>,
    /// `None`: unbounded.
    pub(crate) cap: Option<usize>,
    pub(crate) senders: AtomicUsize,
    pub(crate) receivers: AtomicUsize,
}

/// Result of a non-blocking attempt.
pub(crate) enum TrySend<T> {
    Sent,
    Full(T),
    Closed(T),
}

pub(crate) enum TryRecv<T> {
    Received(T),
    Empty,
    Closed,
}

/// Whether `queue` holds a waiter that `me` could be served by (without claiming it).
fn has_partner<T>(queue: &Waiters<Waiter<T>>, me: Option<&SelectState>) -> bool {
    let mut cursor = queue.front();
    while let Some(key) = cursor {
        let waiter = queue.get(key);
        match &waiter.select {
            None if waiter.notify_only => {}
            None => return true,
            Some((select, _)) => {
                let mine = me.is_some_and(|me| std::ptr::eq(me, &**select));
                if !mine && select.is_open() {
                    return true;
                }
            }
        }
        cursor = queue.next(key);
    }
    false
}

impl<T> Inner<T> {
    /// Finds the first waiter of one queue that may be served and claims it: unlinks it (and
    /// claims its select, if any). Entries of select `me` are skipped, dead select entries
    /// unlinked. Notify-only receivers on the way are woken (to try again) and unlinked, except
    /// those in `own`, which are left linked and asleep (see [`OwnListeners`]).
    #[inline]
    fn claim_first(
        &mut self,
        is_send: bool,
        me: Option<&SelectState>,
        own: Option<OwnListeners>,
    ) -> Option<usize> {
        // Most operations find the queue empty: keep that check inline, the walk out of line.
        self.queue(is_send).front()?;
        self.claim_first_slow(is_send, me, own)
    }

    fn claim_first_slow(
        &mut self,
        is_send: bool,
        me: Option<&SelectState>,
        own: Option<OwnListeners>,
    ) -> Option<usize> {
        let mut cursor = self.queue(is_send).front();
        while let Some(key) = cursor {
            let queue = self.queue(is_send);
            cursor = queue.next(key);
            let waiter = queue.get(key);
            match &waiter.select {
                None if waiter.notify_only => {
                    if own.is_some_and(|own| own.include(waiter)) {
                        continue;
                    }
                    queue.unlink(key);
                    self.finish(is_send, key, Outcome::Done);
                }
                None => {
                    queue.unlink(key);
                    return Some(key);
                }
                Some((select, case)) => {
                    if me.is_some_and(|me| std::ptr::eq(me, &**select)) {
                        continue;
                    }
                    let claimed = select.try_claim(*case);
                    queue.unlink(key);
                    if claimed {
                        return Some(key);
                    }
                }
            }
        }
        None
    }

    /// Records a served waiter's outcome; its waker fires when the lock is released. A served
    /// entry keeps only a no-op waker, so its owner may drop it under the lock.
    fn finish(&mut self, is_send: bool, key: usize, outcome: Outcome) {
        let waiter = self.queue(is_send).get_mut(key);
        waiter.outcome = outcome;
        let waker = std::mem::replace(&mut waiter.waker, Waker::noop().clone());
        self.wake.push_waker(waker);
    }

    /// Hands `value` to the waiting receiver `key` (already claimed).
    fn hand_to_receiver(&mut self, key: usize, value: T) {
        self.recvq.get_mut(key).value = Some(value);
        self.in_flight += 1;
        self.finish(false, key, Outcome::Done);
    }

    /// Send without waiting. `own`: the listeners a select's send case leaves asleep if the
    /// value does not go into the buffer (see [`OwnListeners`]); `None` for every other send.
    pub(crate) fn try_send(
        &mut self,
        value: T,
        cap: Option<usize>,
        own: Option<OwnListeners>,
    ) -> TrySend<T> {
        if self.closed {
            return TrySend::Closed(value);
        }
        let room = cap.is_none_or(|cap| self.buf.len() < cap);
        if let Some(key) = self.claim_first(false, None, if room { None } else { own }) {
            self.hand_to_receiver(key, value);
            return TrySend::Sent;
        }
        if room {
            self.buf.push_back(value);
            return TrySend::Sent;
        }
        TrySend::Full(value)
    }

    /// Queues a sender that must wait (`waiter` holds its value); returns its key. Every
    /// listener (a `Stream` receiver, which [`has_partner`] does not count) is woken to try
    /// again and finds it: a select's send case registers under a different lock acquisition
    /// than its try pass, so a listener may have started waiting in between.
    ///
    /// A listener of the sender's own task is left waiting: that task (a select with both a
    /// `send` arm and an `rx.next()` future arm on this channel) would only wake itself, poll,
    /// withdraw and register again, spinning where Go's select blocks.
    pub(crate) fn push_sender(&mut self, waiter: Waiter<T>) -> usize {
        let key = self.sendq.push_back(waiter);
        let mut cursor = self.recvq.front();
        while let Some(listener) = cursor {
            cursor = self.recvq.next(listener);
            let entry = self.recvq.get(listener);
            let own_task = entry.waker.will_wake(&self.sendq.get(key).waker);
            if entry.notify_only && entry.select.is_none() && !own_task {
                self.recvq.unlink(listener);
                self.finish(false, listener, Outcome::Done);
            }
        }
        key
    }

    /// Takes the value of the first waiting sender (claimed), completing its send. `moved_to`:
    /// the buffer slot the value goes to, when it moves into the buffer rather than straight
    /// to a receiver (see *moved sends* in the module documentation).
    #[inline]
    fn take_from_sender(&mut self, me: Option<&SelectState>, moved_to: Option<u64>) -> Option<T> {
        let key = self.claim_first(true, me, None)?;
        let sender = self.sendq.get_mut(key);
        sender.moved_to = moved_to;
        let value = sender.value.take();
        self.finish(true, key, Outcome::Done);
        Some(value.expect("a waiting sender holds its value"))
    }

    /// A slot is free: the first waiting sender's value moves in behind the buffer (FIFO),
    /// but only if it fits — after a give-back the buffer can be over `cap`, and a send
    /// completes only once its value has a place.
    #[inline]
    fn move_sender_in(&mut self, cap: Option<usize>, me: Option<&SelectState>) {
        let room = cap.is_none_or(|cap| self.buf.len() < cap);
        if room && self.sendq.front().is_some() {
            self.move_sender_in_slow(me);
        }
    }

    fn move_sender_in_slow(&mut self, me: Option<&SelectState>) {
        let slot = self.front_seq + self.buf.len() as u64;
        if let Some(value) = self.take_from_sender(me, Some(slot)) {
            self.buf.push_back(value);
        }
    }

    /// Removes the entry of a sender whose send is withdrawn (a dropped future, a timed-out or
    /// losing select case) and returns it; its `outcome` says whether the value was sent
    /// (`Done`) or is still in `value`. A value moved into the buffer that no receiver has
    /// taken yet comes back out (the entry is then `Waiting` again with its value, or `Closed`
    /// if the channel has closed since), and the slot goes to the next waiting sender.
    pub(crate) fn withdraw_sender(&mut self, cap: Option<usize>, key: usize) -> Waiter<T> {
        let mut sender = self.sendq.remove(key);
        let Some(slot) = sender.moved_to.filter(|&slot| slot >= self.popped_to) else {
            return sender; // never moved, or moved and received since: as it is
        };
        let index = (slot - self.front_seq) as usize;
        sender.value = Some(
            self.buf
                .remove(index)
                .expect("a moved value not received is buffered"),
        );
        // Not sent after all; if the channel closed meanwhile, the send failed on that.
        sender.outcome = if self.closed {
            Outcome::Closed
        } else {
            Outcome::Waiting
        };
        if index < self.buf.len() {
            // The values behind it each moved one slot forward: so do the slots their senders
            // remember. (Slots below `popped_to` are stale: received, never looked at again.)
            // Usually the value was the last one, moved in most recently, and nothing moves.
            let popped_to = self.popped_to;
            for other in self.sendq.entries_mut() {
                if let Some(later) = &mut other.moved_to {
                    if *later > slot && *later >= popped_to {
                        *later -= 1;
                    }
                }
            }
        }
        self.move_sender_in(cap, None);
        self.end_waiting_receivers_if_drained();
        sender
    }

    /// Receive without waiting.
    pub(crate) fn try_recv(&mut self, cap: Option<usize>, me: Option<&SelectState>) -> TryRecv<T> {
        if let Some(oldest) = self.buf.pop_front() {
            self.front_seq += 1;
            self.popped_to = self.popped_to.max(self.front_seq);
            self.move_sender_in(cap, me);
            return TryRecv::Received(oldest);
        }
        if let Some(sent) = self.take_from_sender(me, None) {
            return TryRecv::Received(sent);
        }
        if self.is_drained() {
            TryRecv::Closed
        } else {
            TryRecv::Empty
        }
    }

    /// Closed, and no value can appear any more: nothing buffered, and no value handed to a
    /// receiver that could still give it back.
    fn is_drained(&self) -> bool {
        self.closed && self.buf.is_empty() && self.in_flight == 0
    }

    /// Whether a send by `me` could complete now (for select registration).
    pub(crate) fn send_ready(&self, cap: Option<usize>, me: Option<&SelectState>) -> bool {
        self.closed || has_partner(&self.recvq, me) || cap.is_none_or(|cap| self.buf.len() < cap)
    }

    /// Whether a receive by `me` could complete now.
    pub(crate) fn recv_ready(&self, me: Option<&SelectState>) -> bool {
        !self.buf.is_empty() || has_partner(&self.sendq, me) || self.is_drained()
    }

    /// A receiver collected the value it had been handed.
    pub(crate) fn collected(&mut self) {
        self.in_flight -= 1;
        self.end_waiting_receivers_if_drained();
    }

    /// A receiver that was handed `value` is gone without taking it: pass it on, in order —
    /// to the next waiting receiver, else to the front of the buffer. Also after close: the
    /// value is still received before the end-of-channel `None`.
    pub(crate) fn give_back(&mut self, value: T) {
        self.in_flight -= 1;
        match self.claim_first(false, None, None) {
            Some(key) => self.hand_to_receiver(key, value),
            None => {
                self.buf.push_front(value);
                self.front_seq -= 1;
            }
        }
    }

    /// Once closed and drained, every waiting receiver gets its `None`.
    fn end_waiting_receivers_if_drained(&mut self) {
        if self.is_drained() {
            self.end_waiters(false);
        }
    }

    /// Ends every waiter of one queue with `Closed` (claiming selects; dead ones are dropped).
    fn end_waiters(&mut self, is_send: bool) {
        let mut cursor = self.queue(is_send).front();
        while let Some(key) = cursor {
            let queue = self.queue(is_send);
            cursor = queue.next(key);
            let served = match &queue.get(key).select {
                None => true,
                Some((select, case)) => select.try_claim(*case),
            };
            queue.unlink(key);
            if served {
                self.finish(is_send, key, Outcome::Closed);
            }
        }
    }

    /// Closes the channel; false if it was already closed. Waiting senders fail at once;
    /// waiting receivers get `None` once no handed-out value can come back.
    pub(crate) fn close(&mut self) -> bool {
        if self.closed {
            return false;
        }
        self.closed = true;
        self.end_waiters(true);
        self.end_waiting_receivers_if_drained();
        true
    }

    /// Gives a still-waiting entry the waker of its latest poll (a task can move between
    /// wakers); a served entry keeps nothing to wake. Returns the replaced waker, which the
    /// caller drops after unlocking: dropping a waker runs user code.
    #[must_use = "drop the replaced waker after unlocking"]
    pub(crate) fn refresh_waker(
        &mut self,
        is_send: bool,
        key: usize,
        waker: &Waker,
    ) -> Option<Waker> {
        let entry = self.queue(is_send).get_mut(key);
        if entry.outcome == Outcome::Waiting && !entry.waker.will_wake(waker) {
            Some(std::mem::replace(&mut entry.waker, waker.clone()))
        } else {
            None
        }
    }

    pub(crate) fn queue(&mut self, is_send: bool) -> &mut Waiters<Waiter<T>> {
        if is_send {
            &mut self.sendq
        } else {
            &mut self.recvq
        }
    }
}

/// The number of a new channel's first buffer slot.
const FIRST_SLOT: u64 = 1 << 63;

impl<T> Chan<T> {
    pub(crate) fn new(cap: Option<usize>) -> Chan<T> {
        Chan {
            inner: Lock::new(Inner {
                buf: VecDeque::with_capacity(cap.unwrap_or(0).min(1 << 16)),
                closed: false,
                recvq: Waiters::new(),
                sendq: Waiters::new(),
                in_flight: 0,
                // Mid-range, so that a give-back in front of slot 0 cannot underflow: the front
                // only moves back by as many values as are buffered.
                front_seq: FIRST_SLOT,
                popped_to: FIRST_SLOT,
                wake: WakeList::new(),
            }),
            cap,
            senders: AtomicUsize::new(1),
            receivers: AtomicUsize::new(1),
        }
    }

    /// Locks the channel. Wakers fire and values drop only after unlocking: whoever replaces a
    /// waker or removes a still-waiting entry drops it after the guard. (The one piece of user
    /// code run under the lock is `Waker::clone` of the polling task's waker.) So user code
    /// never runs into the non-reentrant lock, and the core is consistent whenever it is
    /// released.
    pub(crate) fn lock(&self) -> Guard<'_, T> {
        Guard {
            guard: Some(self.inner.lock()),
        }
    }

    pub(crate) fn close(&self) -> bool {
        self.lock().close()
    }

    pub(crate) fn add_sender(&self) {
        self.senders.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn add_receiver(&self) {
        self.receivers.fetch_add(1, Ordering::Relaxed);
    }

    /// Drops a sender; the last one closes the channel.
    pub(crate) fn drop_sender(&self) {
        if self.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.close();
        }
    }

    /// Drops a receiver; the last one closes the channel.
    pub(crate) fn drop_receiver(&self) {
        if self.receivers.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.close();
        }
    }
}
