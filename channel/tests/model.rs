//! Property test: random sequences of channel operations, run against a sequential model of a
//! Go channel, once per flavor (`bounded(0)`, `bounded(1..4)`, `unbounded`).
//!
//! The operations are those a program can interleave on one thread: `try_send`, `try_recv`,
//! `close`, starting a `send(v)` / `recv()` future (polled once with a counting waker; up to
//! [`MAX_PENDING`] stay pending), polling a pending future again (sometimes with a new waker),
//! dropping a pending future (cancellation), and cloning / dropping `Sender`s and `Receiver`s.
//! A pending future owns a clone of its end (as a spawned `async move` would), so it counts as a
//! handle until it completes or is dropped.
//!
//! The model ([`Model`]) encodes API.md's rules; after every step the test checks that:
//!
//! * every observable result matches the model: `try_send` / `try_recv` results, the output of
//!   each future when it completes (and that it stays pending otherwise), `close`'s return
//!   value, `len()`, `is_closed()`. This covers FIFO order, direct hand-off to the first waiting
//!   receiver, waiters served in FIFO order, a rendezvous send completing only when a receiver
//!   takes its value, close (drain, then `None`; pending sends fail with their value), the last
//!   `Sender` or `Receiver` dropped closing the channel, and cancellation (a dropped receive
//!   that had been handed a value gives it to the next waiting receiver or to the *front* of the
//!   channel, also once closed; a dropped send delivers only if a receiver took its value: one
//!   moved into a freed slot of the buffer comes back out if it is still there, and the slot
//!   goes to the next waiting send);
//! * once a receive has observed the end of the channel (`None`, or `try_recv` saying `Closed`),
//!   no value is received any more (checked on what the test observes, not on the model);
//! * a future the model says was served has had its (latest) waker woken: no lost wake-up;
//! * every value the test did not get back was dropped exactly when the model says the channel
//!   drops it (a cancelled send's value, values buffered when the last handle goes): values
//!   carry a drop ledger, so a lost or leaked value shows up at the step that lost it.
//!
//! At the end every pending future is dropped, the channel is closed and drained, and each
//! value ever sent must have been received exactly once, or returned in an error, or dropped
//! with a cancelled send or with the channel.
//!
//! Two corners, once broken by the implementation, have a minimal test each at the end: a value
//! given back after `close` is received before the end-of-channel `None`, and a rendezvous send
//! after a give-back completes only once a receiver takes its value.

mod common;
use common::poll_once;
use gort_channel::chan::{self, Receiver, SendError, Sender, TryRecvError, TrySendError};
use proptest::prelude::*;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// At most this many `send`/`recv` futures are pending at once.
const MAX_PENDING: usize = 4;

// ---------------------------------------------------------------------------------------------
// The model.

/// How a model future completed: `Sent(Err(v))` is a send that failed and returns `v`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Done {
    Sent(Result<(), u32>),
    Received(Option<u32>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Send,
    Recv,
}

#[derive(Debug)]
struct ModelFuture {
    kind: Kind,
    /// Served (its outcome is decided) but not yet polled.
    done: Option<Done>,
    /// A send whose value a receive moved into a freed slot of the buffer.
    moved: Option<u32>,
}

/// A sequential Go channel: buffer, closed flag, FIFO queues of waiting futures, and handle
/// counts (a pending future counts as the handle it owns).
///
/// A value handed to a waiting receive is *in flight* until that future is polled (it collects
/// the value) or dropped (it gives the value back). A closed channel is *drained* once nothing
/// is buffered and nothing is in flight; only then do receives end with `None`.
#[derive(Debug)]
struct Model {
    cap: Option<usize>,
    buf: VecDeque<u32>,
    closed: bool,
    recvq: VecDeque<usize>,
    sendq: VecDeque<(usize, u32)>,
    futures: BTreeMap<usize, ModelFuture>,
    senders: usize,
    receivers: usize,
    freed: bool,
    /// Values dropped with a cancelled send (never taken, or failed and never polled).
    cancelled: Vec<u32>,
    /// Values still buffered when the last handle went.
    dropped_with_channel: Vec<u32>,
}

impl Model {
    fn new(cap: Option<usize>) -> Model {
        Model {
            cap,
            buf: VecDeque::new(),
            closed: false,
            recvq: VecDeque::new(),
            sendq: VecDeque::new(),
            futures: BTreeMap::new(),
            senders: 1,
            receivers: 1,
            freed: false,
            cancelled: Vec::new(),
            dropped_with_channel: Vec::new(),
        }
    }

    fn has_room(&self) -> bool {
        self.cap.is_none_or(|cap| self.buf.len() < cap)
    }

    /// Values handed to waiting receives that have neither collected nor given them back.
    fn in_flight(&self) -> usize {
        self.futures
            .values()
            .filter(|f| matches!(f.done, Some(Done::Received(Some(_)))))
            .count()
    }

    /// Closed, and no value can appear any more.
    fn is_drained(&self) -> bool {
        self.closed && self.buf.is_empty() && self.in_flight() == 0
    }

    /// Once drained, every waiting receive ends with `None`.
    fn end_waiting_receivers_if_drained(&mut self) {
        if self.is_drained() {
            while let Some(r) = self.recvq.pop_front() {
                self.serve(r, Done::Received(None));
            }
        }
    }

    fn serve(&mut self, id: usize, done: Done) {
        self.futures
            .get_mut(&id)
            .expect("served future exists")
            .done = Some(done);
    }

    fn try_send(&mut self, v: u32) -> Result<(), TrySendError<u32>> {
        if self.closed {
            return Err(TrySendError::Closed(v));
        }
        // Direct hand-off to the first waiting receiver.
        if let Some(r) = self.recvq.pop_front() {
            self.serve(r, Done::Received(Some(v)));
            return Ok(());
        }
        if self.has_room() {
            self.buf.push_back(v);
            return Ok(());
        }
        Err(TrySendError::Full(v))
    }

    fn try_recv(&mut self) -> Result<u32, TryRecvError> {
        if let Some(oldest) = self.buf.pop_front() {
            // A slot is free: the first waiting sender's value moves in behind the buffer
            // (FIFO), completing its send — but only if it fits. After a give-back the buffer
            // can hold more than its capacity (one value on a rendezvous channel); a send
            // completes only once its value has a place or a receiver.
            self.move_sender_in();
            return Ok(oldest);
        }
        // Nothing buffered: take directly from the first waiting sender (rendezvous).
        if let Some((s, sv)) = self.sendq.pop_front() {
            self.serve(s, Done::Sent(Ok(())));
            return Ok(sv);
        }
        if self.is_drained() {
            Err(TryRecvError::Closed)
        } else {
            // Open, or closed with a value in flight that may still be given back.
            Err(TryRecvError::Empty)
        }
    }

    /// A slot is free: the first waiting send's value moves in, if it fits.
    fn move_sender_in(&mut self) {
        if self.has_room() {
            if let Some((s, sv)) = self.sendq.pop_front() {
                self.buf.push_back(sv);
                self.serve(s, Done::Sent(Ok(())));
                self.futures
                    .get_mut(&s)
                    .expect("served future exists")
                    .moved = Some(sv);
            }
        }
    }

    fn start_send(&mut self, id: usize, v: u32) -> Option<Done> {
        match self.try_send(v) {
            Ok(()) => Some(Done::Sent(Ok(()))),
            Err(TrySendError::Closed(v)) => Some(Done::Sent(Err(v))),
            Err(TrySendError::Full(v)) => {
                self.senders += 1;
                self.futures.insert(id, Self::waiting(Kind::Send));
                self.sendq.push_back((id, v));
                None
            }
        }
    }

    fn start_recv(&mut self, id: usize) -> Option<Done> {
        match self.try_recv() {
            Ok(v) => Some(Done::Received(Some(v))),
            Err(TryRecvError::Closed) => Some(Done::Received(None)),
            Err(TryRecvError::Empty) => {
                self.receivers += 1;
                self.futures.insert(id, Self::waiting(Kind::Recv));
                self.recvq.push_back(id);
                None
            }
        }
    }

    fn waiting(kind: Kind) -> ModelFuture {
        ModelFuture {
            kind,
            done: None,
            moved: None,
        }
    }

    /// Polls a pending future: its outcome if it was served (it then completes and lets go of
    /// its handle), `None` if it still waits.
    fn poll(&mut self, id: usize) -> Option<Done> {
        let done = self.futures[&id].done.clone()?;
        let future = self.futures.remove(&id).expect("polled future exists");
        if let Done::Received(Some(_)) = done {
            // The value is collected: the last one in flight may leave the channel drained.
            self.end_waiting_receivers_if_drained();
        }
        self.release(future.kind);
        Some(done)
    }

    /// Drops a pending future (cancellation), then the handle it owns.
    fn drop_future(&mut self, id: usize) {
        let future = self.futures.remove(&id).expect("dropped future exists");
        match future.done {
            None if future.kind == Kind::Send => {
                let at = self
                    .sendq
                    .iter()
                    .position(|&(s, _)| s == id)
                    .expect("queued");
                let (_, v) = self.sendq.remove(at).expect("queued");
                self.cancelled.push(v); // never taken: not sent
            }
            None => {
                let at = self.recvq.iter().position(|&r| r == id).expect("queued");
                self.recvq.remove(at);
            }
            // Moved into the buffer, and no receiver has taken it yet: it comes back out, not
            // sent, and the slot goes to the next waiting send.
            Some(Done::Sent(Ok(()))) if future.moved.is_some_and(|v| self.buf.contains(&v)) => {
                let v = future.moved.expect("checked");
                self.buf.retain(|&b| b != v);
                self.cancelled.push(v);
                self.move_sender_in();
                self.end_waiting_receivers_if_drained();
            }
            // A receiver took the value while the send waited: the send counts as done.
            Some(Done::Sent(Ok(()))) => {}
            // Failed on close but never polled: the value goes with the future.
            Some(Done::Sent(Err(v))) => self.cancelled.push(v),
            Some(Done::Received(Some(v))) => self.give_back(v),
            Some(Done::Received(None)) => {}
        }
        self.release(future.kind);
    }

    /// A receiver that was handed `v` is gone: the next waiting receiver gets it, else it goes
    /// back to the front of the buffer (also on a rendezvous channel, also once closed: it is
    /// received before the end-of-channel `None`).
    fn give_back(&mut self, v: u32) {
        match self.recvq.pop_front() {
            Some(r) => self.serve(r, Done::Received(Some(v))),
            None => self.buf.push_front(v),
        }
    }

    /// Waiting sends fail at once; waiting receives end with `None` once drained.
    fn close(&mut self) -> bool {
        if self.closed {
            return false;
        }
        self.closed = true;
        while let Some((s, v)) = self.sendq.pop_front() {
            self.serve(s, Done::Sent(Err(v)));
        }
        self.end_waiting_receivers_if_drained();
        true
    }

    fn add_handle(&mut self, kind: Kind) {
        match kind {
            Kind::Send => self.senders += 1,
            Kind::Recv => self.receivers += 1,
        }
    }

    /// A handle of `kind` is dropped: the last `Sender` or the last `Receiver` closes the
    /// channel; with no handle left at all, the channel and what it buffers are dropped.
    fn release(&mut self, kind: Kind) {
        let left = match kind {
            Kind::Send => &mut self.senders,
            Kind::Recv => &mut self.receivers,
        };
        *left -= 1;
        if *left == 0 {
            self.close();
        }
        if self.senders == 0 && self.receivers == 0 {
            assert!(self.futures.is_empty(), "pending futures own handles");
            self.freed = true;
            self.dropped_with_channel.extend(self.buf.drain(..));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The real channel, driven by hand.

/// A value that records its drop in a shared ledger: lost and leaked values show up there.
struct Val {
    id: u32,
    ledger: Rc<RefCell<Vec<u32>>>,
}

impl Drop for Val {
    fn drop(&mut self) {
        self.ledger.borrow_mut().push(self.id);
    }
}

/// A waker that counts its wake-ups.
#[derive(Default)]
struct Counter(AtomicUsize);

impl Wake for Counter {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

enum Out {
    Sent(Result<(), SendError<Val>>),
    Received(Option<Val>),
}

struct PendingFuture {
    id: usize,
    future: Pin<Box<dyn Future<Output = Out>>>,
    wakes: Arc<Counter>,
}

impl PendingFuture {
    fn poll(&mut self) -> Option<Out> {
        let waker = Waker::from(self.wakes.clone());
        match self.future.as_mut().poll(&mut Context::from_waker(&waker)) {
            Poll::Ready(out) => Some(out),
            Poll::Pending => None,
        }
    }
}

#[derive(Debug, Clone)]
enum Op {
    TrySend,
    TryRecv,
    Close { by_receiver: bool },
    StartSend,
    StartRecv,
    Poll { which: usize, new_waker: bool },
    DropFuture { which: usize },
    CloneSender,
    DropSender { which: usize },
    CloneReceiver,
    DropReceiver { which: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => Just(Op::TrySend),
        4 => Just(Op::TryRecv),
        1 => any::<bool>().prop_map(|by_receiver| Op::Close { by_receiver }),
        4 => Just(Op::StartSend),
        4 => Just(Op::StartRecv),
        3 => (0usize..8, any::<bool>())
            .prop_map(|(which, new_waker)| Op::Poll { which, new_waker }),
        3 => (0usize..8).prop_map(|which| Op::DropFuture { which }),
        1 => Just(Op::CloneSender),
        1 => (0usize..8).prop_map(|which| Op::DropSender { which }),
        1 => Just(Op::CloneReceiver),
        1 => (0usize..8).prop_map(|which| Op::DropReceiver { which }),
    ]
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(op(), 1..48)
}

struct Harness {
    model: Model,
    senders: Vec<Sender<Val>>,
    receivers: Vec<Receiver<Val>>,
    pending: Vec<PendingFuture>,
    next_value: u32,
    next_future: usize,
    ledger: Rc<RefCell<Vec<u32>>>,
    /// Values the test got back: received, or returned inside an error.
    received: Vec<u32>,
    returned: Vec<u32>,
    /// A receive has observed the end of the channel (`None`, or `try_recv` saying `Closed`).
    saw_end: bool,
    /// Values received after that: there must be none.
    received_after_end: Vec<u32>,
}

impl Harness {
    fn new(cap: Option<usize>) -> Harness {
        let (tx, rx) = match cap {
            Some(cap) => chan::bounded(cap),
            None => chan::unbounded(),
        };
        Harness {
            model: Model::new(cap),
            senders: vec![tx],
            receivers: vec![rx],
            pending: Vec::new(),
            next_value: 0,
            next_future: 0,
            ledger: Rc::default(),
            received: Vec::new(),
            returned: Vec::new(),
            saw_end: false,
            received_after_end: Vec::new(),
        }
    }

    fn value(&mut self) -> Val {
        self.next_value += 1;
        Val {
            id: self.next_value,
            ledger: self.ledger.clone(),
        }
    }

    /// Records what a receive got: a value (dropped here), or the end of the channel.
    fn got(&mut self, received: Option<Val>) -> Option<u32> {
        match received {
            Some(v) => {
                self.received.push(v.id);
                if self.saw_end {
                    self.received_after_end.push(v.id);
                }
                Some(v.id)
            }
            None => {
                self.saw_end = true;
                None
            }
        }
    }

    /// What `try_recv` returned, recorded as [`Harness::got`] does.
    fn got_try(&mut self, got: Result<Val, TryRecvError>) -> Result<u32, TryRecvError> {
        match got {
            Ok(v) => Ok(self.got(Some(v)).expect("a value")),
            Err(TryRecvError::Closed) => {
                self.got(None);
                Err(TryRecvError::Closed)
            }
            Err(e) => Err(e),
        }
    }

    /// Takes a future's output, recording (and dropping) the values the test got back.
    fn observe(&mut self, out: Out) -> Done {
        match out {
            Out::Sent(Ok(())) => Done::Sent(Ok(())),
            Out::Sent(Err(SendError(v))) => {
                self.returned.push(v.id);
                Done::Sent(Err(v.id))
            }
            Out::Received(v) => Done::Received(self.got(v)),
        }
    }

    fn start(&mut self, pending: PendingFuture, want: Option<Done>) -> Result<(), TestCaseError> {
        let mut pending = pending;
        let got = pending.poll().map(|out| self.observe(out));
        prop_assert_eq!(&got, &want, "first poll of future #{}", pending.id);
        if got.is_none() {
            self.pending.push(pending);
        }
        Ok(())
    }

    fn step(&mut self, op: &Op) -> Result<(), TestCaseError> {
        match *op {
            Op::TrySend => {
                let Some(tx) = self.senders.last() else {
                    return Ok(());
                };
                let tx = tx.clone();
                let v = self.value();
                let id = v.id;
                let got = match tx.try_send(v) {
                    Ok(()) => Ok(()),
                    Err(TrySendError::Full(v)) => {
                        self.returned.push(v.id);
                        Err(TrySendError::Full(v.id))
                    }
                    Err(TrySendError::Closed(v)) => {
                        self.returned.push(v.id);
                        Err(TrySendError::Closed(v.id))
                    }
                };
                // The temporary clone comes and goes; it is never the last sender.
                drop(tx);
                prop_assert_eq!(got, self.model.try_send(id), "try_send({})", id);
            }
            Op::TryRecv => {
                let Some(rx) = self.receivers.last() else {
                    return Ok(());
                };
                let got = rx.try_recv();
                let got = self.got_try(got);
                prop_assert_eq!(got, self.model.try_recv(), "try_recv");
            }
            Op::Close { by_receiver } => {
                let got = match (self.senders.last(), self.receivers.last()) {
                    (_, Some(rx)) if by_receiver => rx.close(),
                    (Some(tx), _) => tx.close(),
                    (None, Some(rx)) => rx.close(),
                    (None, None) => return Ok(()),
                };
                prop_assert_eq!(got, self.model.close(), "close");
            }
            Op::StartSend => {
                if self.pending.len() >= MAX_PENDING {
                    return Ok(());
                }
                let Some(tx) = self.senders.last() else {
                    return Ok(());
                };
                let tx = tx.clone();
                let v = self.value();
                let (id, value) = (self.next_future, v.id);
                self.next_future += 1;
                let future = Box::pin(async move { Out::Sent(tx.send(v).await) });
                let pending = PendingFuture {
                    id,
                    future,
                    wakes: Arc::default(),
                };
                let want = self.model.start_send(id, value);
                self.start(pending, want)?;
            }
            Op::StartRecv => {
                if self.pending.len() >= MAX_PENDING {
                    return Ok(());
                }
                let Some(rx) = self.receivers.last() else {
                    return Ok(());
                };
                let rx = rx.clone();
                let id = self.next_future;
                self.next_future += 1;
                let future = Box::pin(async move { Out::Received(rx.recv().await) });
                let pending = PendingFuture {
                    id,
                    future,
                    wakes: Arc::default(),
                };
                let want = self.model.start_recv(id);
                self.start(pending, want)?;
            }
            Op::Poll { which, new_waker } => {
                if self.pending.is_empty() {
                    return Ok(());
                }
                let at = which % self.pending.len();
                if new_waker {
                    self.pending[at].wakes = Arc::default();
                }
                let id = self.pending[at].id;
                let got = self.pending[at].poll().map(|out| self.observe(out));
                if got.is_some() {
                    self.pending.remove(at);
                }
                prop_assert_eq!(got, self.model.poll(id), "poll of future #{}", id);
            }
            Op::DropFuture { which } => {
                if self.pending.is_empty() {
                    return Ok(());
                }
                let pending = self.pending.remove(which % self.pending.len());
                let id = pending.id;
                drop(pending);
                self.model.drop_future(id);
            }
            Op::CloneSender => {
                if let Some(tx) = self.senders.last() {
                    self.senders.push(tx.clone());
                    self.model.add_handle(Kind::Send);
                }
            }
            Op::DropSender { which } => {
                if !self.senders.is_empty() {
                    drop(self.senders.remove(which % self.senders.len()));
                    self.model.release(Kind::Send);
                }
            }
            Op::CloneReceiver => {
                if let Some(rx) = self.receivers.last() {
                    self.receivers.push(rx.clone());
                    self.model.add_handle(Kind::Recv);
                }
            }
            Op::DropReceiver { which } => {
                if !self.receivers.is_empty() {
                    drop(self.receivers.remove(which % self.receivers.len()));
                    self.model.release(Kind::Recv);
                }
            }
        }
        self.check()
    }

    /// The invariants checked after every step.
    fn check(&self) -> Result<(), TestCaseError> {
        let state = self
            .senders
            .first()
            .map(|tx| (tx.len(), tx.is_closed()))
            .or_else(|| self.receivers.first().map(|rx| (rx.len(), rx.is_closed())));
        if let Some((len, closed)) = state {
            prop_assert_eq!(
                len,
                self.model.buf.len(),
                "len(), model buffer {:?}",
                self.model.buf
            );
            prop_assert_eq!(closed, self.model.closed, "is_closed()");
        }
        prop_assert!(
            self.received_after_end.is_empty(),
            "values {:?} were received after the end-of-channel None",
            self.received_after_end
        );
        for pending in &self.pending {
            let served = self.model.futures[&pending.id].done.is_some();
            prop_assert!(
                !served || pending.wakes.0.load(Ordering::SeqCst) > 0,
                "future #{} was served but its waker was not woken",
                pending.id
            );
        }
        // Values dropped so far: those the test got back, and those the channel should drop.
        let mut dropped = self.ledger.borrow().clone();
        dropped.sort_unstable();
        let mut expected: Vec<u32> = self
            .received
            .iter()
            .chain(&self.returned)
            .chain(&self.model.cancelled)
            .chain(&self.model.dropped_with_channel)
            .copied()
            .collect();
        expected.sort_unstable();
        prop_assert_eq!(dropped, expected, "dropped values (by id)");
        Ok(())
    }

    /// Drops every pending future, closes and drains the channel, drops every handle, and
    /// checks the fate of every value.
    fn finish(mut self) -> Result<(), TestCaseError> {
        while !self.pending.is_empty() {
            let pending = self.pending.remove(0);
            let id = pending.id;
            drop(pending);
            self.model.drop_future(id);
            self.check()?;
        }
        if let Some(rx) = self.receivers.first() {
            prop_assert_eq!(rx.close(), self.model.close(), "close at the end");
            loop {
                let got = self.receivers[0].try_recv();
                let got = self.got_try(got);
                let want = self.model.try_recv();
                prop_assert_eq!(got, want, "draining try_recv");
                if got.is_err() {
                    prop_assert_eq!(got, Err(TryRecvError::Closed), "closed and drained");
                    break;
                }
            }
        }
        while let Some(tx) = self.senders.pop() {
            drop(tx);
            self.model.release(Kind::Send);
        }
        while let Some(rx) = self.receivers.pop() {
            drop(rx);
            self.model.release(Kind::Recv);
        }
        prop_assert!(self.model.freed);
        self.check()?;

        // Every value: received exactly once, or returned in an error, or dropped with a
        // cancelled send or with the channel; and dropped exactly once (no leak).
        let all: Vec<u32> = (1..=self.next_value).collect();
        let mut fates: Vec<u32> = self
            .received
            .iter()
            .chain(&self.returned)
            .chain(&self.model.cancelled)
            .chain(&self.model.dropped_with_channel)
            .copied()
            .collect();
        fates.sort_unstable();
        prop_assert_eq!(&fates, &all, "each value has exactly one fate");
        let mut dropped = self.ledger.borrow().clone();
        dropped.sort_unstable();
        prop_assert_eq!(&dropped, &all, "each value is dropped exactly once");
        let distinct: BTreeSet<u32> = self.received.iter().copied().collect();
        prop_assert_eq!(
            distinct.len(),
            self.received.len(),
            "a value received twice"
        );
        Ok(())
    }
}

/// Runs `ops` on a channel of capacity `cap`.
fn run(cap: Option<usize>, ops: &[Op]) -> Result<(), TestCaseError> {
    let mut harness = Harness::new(cap);
    for op in ops {
        harness.step(op)?;
    }
    harness.finish()
}

proptest! {
    #[test]
    fn unbuffered_channel_matches_the_model(ops in ops()) {
        run(Some(0), &ops)?;
    }

    #[test]
    fn buffered_channel_matches_the_model(cap in 1usize..4, ops in ops()) {
        run(Some(cap), &ops)?;
    }

    #[test]
    fn unbounded_channel_matches_the_model(ops in ops()) {
        run(None, &ops)?;
    }
}

// ---------------------------------------------------------------------------------------------
// Minimal reproductions of two bugs the implementation once had (the model covers both).

/// API.md: a value given back by a dropped receive "is received before the end-of-channel
/// `None` even when the channel is being closed at that moment". Once, `close` ended a waiting
/// receiver with `None` while an earlier receiver still held a handed-off value; that value was
/// then given back to the buffer and received *after* the `None` (or never, by a consumer that
/// stops at `None`). Now close ends waiting receivers only once no value is in flight.
#[test]
fn none_is_not_received_before_a_given_back_value() {
    let (tx, rx) = chan::bounded(0);
    let rx2 = rx.clone();
    let mut first = rx.recv();
    let mut second = rx2.recv();
    assert!(poll_once(&mut first).is_pending());
    assert!(poll_once(&mut second).is_pending());
    tx.try_send(1).unwrap(); // handed to `first`
    tx.close();
    let early = poll_once(&mut second); // the task of `second` runs first...
    assert_eq!(
        rx.try_recv(),
        Err(TryRecvError::Empty),
        "closed, but 1 may still come back"
    );
    drop(first); // ...then `first` is cancelled, giving 1 back
    let second_got = match early {
        Poll::Ready(v) => v,
        Poll::Pending => match poll_once(&mut second) {
            Poll::Ready(v) => v,
            Poll::Pending => panic!("nothing left to wait for"),
        },
    };
    let later = rx.try_recv();
    assert_eq!(
        (second_got, later),
        (Some(1), Err(TryRecvError::Closed)),
        "the given-back value must be received before the end-of-channel None"
    );
}

/// The other way out of the same corner: the receive holding the value collects it, and only
/// then do the receivers still waiting on the closed channel get `None`.
#[test]
fn waiting_receivers_end_once_the_last_value_in_flight_is_collected() {
    let (tx, rx) = chan::bounded(0);
    let mut first = rx.recv();
    let mut second = rx.recv();
    assert!(poll_once(&mut first).is_pending());
    assert!(poll_once(&mut second).is_pending());
    tx.try_send(1).unwrap(); // handed to `first`
    tx.close();
    assert!(poll_once(&mut second).is_pending());
    assert_eq!(poll_once(&mut first), Poll::Ready(Some(1)));
    assert_eq!(poll_once(&mut second), Poll::Ready(None));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

/// API.md: a send on an unbuffered channel "completes once a receiver has the value". After a
/// give-back put a value into the (capacity 0) buffer, a receive that took it once also served
/// the waiting sender by moving the sender's value into the buffer: the send completed `Ok`
/// while no receiver had its value. Now the sender's value moves in only if it fits, so the
/// send waits for a receive that takes its value directly.
#[test]
fn rendezvous_send_waits_for_a_receiver_after_a_give_back() {
    let (tx, rx) = chan::bounded(0);
    let mut cancelled = rx.recv();
    assert!(poll_once(&mut cancelled).is_pending());
    tx.try_send(1).unwrap(); // handed to `cancelled`
    let mut send = tx.send(2);
    assert!(poll_once(&mut send).is_pending()); // nobody waits to receive
    drop(cancelled); // 1 goes back to the front of the channel
    assert_eq!(rx.len(), 1);
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(
        poll_once(&mut send).is_pending(),
        "the send completed, but no receiver has its value (len() = {})",
        rx.len()
    );
    assert_eq!(rx.len(), 0);
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(poll_once(&mut send), Poll::Ready(Ok(())));
}
