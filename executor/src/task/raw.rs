//! The task allocation: header, scheduler, future-or-output stage and join waker, in one box.
//!
//! Everything that touches the allocation goes through the type-erased [`RawTask`] and its
//! [`Vtable`], so run queues and wakers handle tasks as one pointer of one type.
//!
//! Exclusive-access rules (each `unsafe` block below argues from these):
//! * `stage` is touched only by the holder of `RUNNING` (poll, cancel), and after `COMPLETE` only
//!   by the owner of the output: the `JoinHandle` if `JOIN_INTEREST` was set at completion, else
//!   the completing thread.
//! * `join_waker` is written only by the `JoinHandle` while `JOIN_WAKER` is clear; while it is set
//!   both sides may only read it; after completion the task releases it (see `complete`).
//! * `queue_next` belongs to whichever queue holds the task's `Notified` reference.
//! * `owner_id` is written once, before the task is first shared, and read-only afterwards.

use super::join::JoinError;
use super::state::{
    AfterPending, Snapshot, StartPoll, State, WakeAction, COMPLETE, JOIN_INTEREST, JOIN_WAKER,
};
use super::waker;
use crate::loom::UnsafeCell;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};

/// The scheduler a task belongs to: where its wake-ups go and who tracks it for shutdown.
pub(crate) trait Schedule: Send + Sync + 'static {
    /// A waker fired: run the task soon.
    fn schedule(&self, task: Notified);

    /// The task was woken during its own poll (e.g. `yield_now`): put it behind other work.
    fn reschedule(&self, task: Notified) {
        self.schedule(task);
    }

    /// The task completed: forget it. Returns how many references the scheduler dropped (1 if
    /// it tracked the task, 0 otherwise).
    fn release(&self, task: RawTask) -> usize;
}

/// Fields every task starts with; `repr(C)` so a `*Header` is a `*Cell<F, S>`.
#[repr(C)]
pub(crate) struct Header {
    pub(crate) state: State,
    /// Intrusive link for the global injection queue.
    pub(crate) queue_next: UnsafeCell<Option<NonNull<Header>>>,
    /// Key in the owned-task list (written once before the task is shared).
    pub(crate) owner_id: UnsafeCell<usize>,
    vtable: &'static Vtable,
}

/// A future's stage in the cell.
enum Stage<F: Future> {
    Running(F),
    Finished(Result<F::Output, JoinError>),
    Consumed,
}

#[repr(C)]
struct Cell<F: Future, S> {
    header: Header,
    scheduler: S,
    stage: UnsafeCell<Stage<F>>,
    join_waker: UnsafeCell<Option<Waker>>,
}

pub(crate) struct Vtable {
    poll: unsafe fn(NonNull<Header>),
    schedule: unsafe fn(NonNull<Header>),
    dealloc: unsafe fn(NonNull<Header>),
    shutdown: unsafe fn(NonNull<Header>),
    try_read_output: unsafe fn(NonNull<Header>, *mut (), &Waker),
    drop_join_handle: unsafe fn(NonNull<Header>),
}

/// An untyped pointer to a task; carries no reference by itself.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct RawTask(NonNull<Header>);

// SAFETY: a task's shared state is only reached through atomics or under the exclusive-access
// rules in the module docs; the future itself is only touched by the `RUNNING` holder, and
// futures that are not `Send` (spawn_local) are only ever scheduled onto their own thread.
unsafe impl Send for RawTask {}
// SAFETY: see `Send`; `&RawTask` exposes nothing beyond what a `RawTask` copy does.
unsafe impl Sync for RawTask {}

impl RawTask {
    /// Allocates a task holding `refs` references, in state NOTIFIED | JOIN_INTEREST.
    pub(crate) fn new<F, S>(future: F, scheduler: S, refs: usize) -> RawTask
    where
        F: Future + 'static,
        S: Schedule,
    {
        let cell = Box::new(Cell {
            header: Header {
                state: State::new(refs),
                queue_next: UnsafeCell::new(None),
                owner_id: UnsafeCell::new(usize::MAX),
                vtable: vtable::<F, S>(),
            },
            scheduler,
            stage: UnsafeCell::new(Stage::Running(future)),
            join_waker: UnsafeCell::new(None),
        });
        RawTask(NonNull::from(Box::leak(cell)).cast())
    }

    pub(crate) fn from_header(ptr: NonNull<Header>) -> RawTask {
        RawTask(ptr)
    }

    pub(crate) fn header_ptr(self) -> NonNull<Header> {
        self.0
    }

    pub(crate) fn header(&self) -> &Header {
        // SAFETY: whoever holds a `RawTask` to use it also holds (or borrows) a reference, so
        // the allocation is alive; the header is only accessed through shared references.
        unsafe { self.0.as_ref() }
    }

    pub(crate) fn state(&self) -> &State {
        &self.header().state
    }

    /// Hands the task to its scheduler. The caller gives up one reference.
    pub(crate) fn schedule(self) {
        // SAFETY: the vtable matches the allocation; the caller's reference keeps it alive.
        unsafe { (self.header().vtable.schedule)(self.0) }
    }

    /// Frees the task. Only once the reference count reached zero.
    pub(crate) fn dealloc(self) {
        // SAFETY: the count is zero, so no one else can reach the task.
        unsafe { (self.header().vtable.dealloc)(self.0) }
    }

    /// Drops one reference and frees the task if it was the last.
    pub(crate) fn drop_reference(self) {
        if self.state().ref_dec(1) {
            self.dealloc();
        }
    }

    /// Cancels the task on runtime shutdown, dropping its future here if nobody is polling it.
    /// The caller gives up one reference.
    pub(crate) fn shutdown(self) {
        // SAFETY: the vtable matches the allocation; the caller's reference keeps it alive.
        unsafe { (self.header().vtable.shutdown)(self.0) }
    }

    /// `JoinHandle::poll`: writes `Poll::Ready(output)` into `dst` if the task is complete,
    /// else registers `waker`.
    ///
    /// # Safety
    /// `dst` must point to a `Poll<Result<F::Output, JoinError>>` for this task's future type,
    /// and the caller must be the task's `JoinHandle`.
    pub(crate) unsafe fn try_read_output(self, dst: *mut (), waker: &Waker) {
        // SAFETY: forwarded from the caller's contract.
        unsafe { (self.header().vtable.try_read_output)(self.0, dst, waker) }
    }

    /// `JoinHandle::drop`: gives up the join interest and the handle's reference.
    ///
    /// # Safety
    /// The caller must be the task's `JoinHandle`, calling this once.
    pub(crate) unsafe fn drop_join_handle(self) {
        // SAFETY: forwarded from the caller's contract.
        unsafe { (self.header().vtable.drop_join_handle)(self.0) }
    }

    /// Aborts the task (`JoinHandle::abort`).
    pub(crate) fn cancel(self) {
        if self.state().cancel() == WakeAction::Submit {
            // `cancel` created a reference for the scheduler.
            self.schedule();
        }
    }
}

/// A task that was woken, owning one reference: in a run queue, or about to be run.
#[derive(Debug)]
pub(crate) struct Notified(RawTask);

impl Notified {
    /// # Safety
    /// `raw` must carry a reference owned by the caller that is handed over, and the task must
    /// be in the NOTIFIED state on behalf of this reference.
    pub(crate) unsafe fn from_raw(raw: RawTask) -> Notified {
        Notified(raw)
    }

    /// Gives up ownership without dropping the reference (the queue stores the pointer).
    pub(crate) fn into_raw(self) -> RawTask {
        ManuallyDrop::new(self).0
    }

    #[cfg(test)]
    pub(crate) fn raw(&self) -> RawTask {
        self.0
    }

    /// Polls the task once (or drops its future if it was cancelled).
    pub(crate) fn run(self) {
        let raw = self.into_raw();
        // SAFETY: a `Notified` is the right to move the task to RUNNING; its reference becomes
        // the poller's reference.
        unsafe { (raw.header().vtable.poll)(raw.0) }
    }

    /// Runtime shutdown of a queued task.
    pub(crate) fn shutdown(self) {
        self.into_raw().shutdown()
    }
}

impl Drop for Notified {
    fn drop(&mut self) {
        self.0.drop_reference();
    }
}

fn vtable<F: Future + 'static, S: Schedule>() -> &'static Vtable {
    &Vtable {
        poll: poll::<F, S>,
        schedule: schedule::<F, S>,
        dealloc: dealloc::<F, S>,
        shutdown: shutdown::<F, S>,
        try_read_output: try_read_output::<F, S>,
        drop_join_handle: drop_join_handle::<F, S>,
    }
}

/// # Safety
/// `ptr` points to a live `Cell<F, S>`.
unsafe fn cell<'a, F: Future, S>(ptr: NonNull<Header>) -> &'a Cell<F, S> {
    // SAFETY: `Cell` is `repr(C)` with the header first, and the caller guarantees the type.
    unsafe { ptr.cast::<Cell<F, S>>().as_ref() }
}

unsafe fn poll<F: Future + 'static, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the caller holds a reference to this task, created with these types.
    let cell = unsafe { cell::<F, S>(ptr) };
    match cell.header.state.start_poll() {
        StartPoll::Poll => {}
        StartPoll::Cancel => return cancel_and_complete(cell, ptr),
        StartPoll::Claimed => return RawTask(ptr).drop_reference(),
    }
    // The waker borrows the poller's reference: it must not drop it, hence `ManuallyDrop`.
    // SAFETY: the poller's reference outlives the poll; `raw_waker` does not take a reference.
    let waker = ManuallyDrop::new(unsafe { Waker::from_raw(waker::raw_waker(ptr)) });
    let mut cx = Context::from_waker(&waker);
    let result = catch_unwind(AssertUnwindSafe(|| {
        cell.stage.with_mut(|stage| {
            // SAFETY: we hold RUNNING, so we have exclusive access to the stage.
            match unsafe { &mut *stage } {
                Stage::Running(future) => {
                    // SAFETY: a future in the cell is never moved: the cell is boxed, and the
                    // future is dropped in place before the stage is overwritten.
                    unsafe { Pin::new_unchecked(future) }.poll(&mut cx)
                }
                _ => unreachable!("a task in the RUNNING state holds its future"),
            }
        })
    }));
    match result {
        Ok(Poll::Pending) => match cell.header.state.finish_pending() {
            AfterPending::Idle => {}
            AfterPending::Reschedule => {
                // SAFETY: `finish_pending` turned the poller's reference into the Notified one.
                cell.scheduler
                    .reschedule(unsafe { Notified::from_raw(RawTask(ptr)) })
            }
            AfterPending::Cancel => cancel_and_complete(cell, ptr),
        },
        Ok(Poll::Ready(output)) => {
            let output = match drop_future(cell) {
                Ok(()) => Ok(output),
                Err(panic) => {
                    // The future's destructor panicked: report that; the output is dropped
                    // here, and a panic in *its* destructor must not escape either.
                    drop_quietly(output);
                    Err(JoinError::panic(panic))
                }
            };
            store_output_and_complete(cell, ptr, output);
        }
        Err(panic) => {
            // The future panicked; dropping it may panic again: report the first panic.
            if let Err(second) = drop_future(cell) {
                drop_quietly(second);
            }
            store_output_and_complete(cell, ptr, Err(JoinError::panic(panic)));
        }
    }
}

/// Drops a value whose destructor may panic, without letting the panic escape. A panic
/// payload that itself panics when dropped is leaked rather than dropped: there is no one left
/// to report it to.
fn drop_quietly<V>(value: V) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(value))) {
        std::mem::forget(payload);
    }
}

/// Drops the future in place (we hold RUNNING). A panic in its `Drop` is caught and returned.
fn drop_future<F: Future, S>(cell: &Cell<F, S>) -> std::thread::Result<()> {
    catch_unwind(AssertUnwindSafe(|| {
        cell.stage.with_mut(|stage| {
            // SAFETY: we hold RUNNING, so we have exclusive access to the stage.
            unsafe { *stage = Stage::Consumed }
        })
    }))
}

/// Drops the future of a cancelled task and completes it with `JoinError::Cancelled` (or the
/// panic of its destructor).
fn cancel_and_complete<F: Future, S: Schedule>(cell: &Cell<F, S>, ptr: NonNull<Header>) {
    let error = match drop_future(cell) {
        Ok(()) => JoinError::cancelled(),
        Err(panic) => JoinError::panic(panic),
    };
    store_output_and_complete(cell, ptr, Err(error));
}

/// Stores the output, moves to COMPLETE, hands over or drops the output, wakes the joiner and
/// releases the poller's reference (and the scheduler's).
fn store_output_and_complete<F: Future, S: Schedule>(
    cell: &Cell<F, S>,
    ptr: NonNull<Header>,
    output: Result<F::Output, JoinError>,
) {
    cell.stage.with_mut(|stage| {
        // SAFETY: we hold RUNNING; the stage is `Consumed`, so this drops nothing.
        unsafe { stage.write(Stage::Finished(output)) }
    });
    // Leave the scheduler's list first, so that whoever sees the task complete also sees it
    // gone from the runtime's live-task count. We still hold the poller's reference.
    let released = cell.scheduler.release(RawTask(ptr));
    let before = cell.header.state.complete();
    if !before.has(JOIN_INTEREST) {
        // Nobody will read the output: drop it here; a panicking `Drop` must not escape.
        let _ = catch_unwind(AssertUnwindSafe(|| {
            cell.stage.with_mut(|stage| {
                // SAFETY: without JOIN_INTEREST at completion, the completing thread owns the
                // output.
                unsafe { *stage = Stage::Consumed }
            })
        }));
    } else if before.has(JOIN_WAKER) {
        cell.join_waker.with(|slot| {
            // SAFETY: JOIN_WAKER is set, so the slot holds a waker that the JoinHandle will not
            // modify; we only read it.
            if let Some(waker) = unsafe { &*slot } {
                // A user waker that panics must not take the worker down.
                let _ = catch_unwind(AssertUnwindSafe(|| waker.wake_by_ref()));
            }
        });
        if !cell.header.state.release_join_waker().has(JOIN_INTEREST) {
            // The JoinHandle was dropped while we held the slot: the waker is ours to drop.
            cell.join_waker.with_mut(|slot| {
                // SAFETY: JOIN_WAKER is now clear and the JoinHandle is gone.
                let _ = catch_unwind(AssertUnwindSafe(|| unsafe { *slot = None }));
            });
        }
    }
    if cell.header.state.ref_dec(1 + released) {
        RawTask(ptr).dealloc();
    }
}

unsafe fn schedule<F: Future + 'static, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the caller hands over a Notified reference to this live task.
    let cell = unsafe { cell::<F, S>(ptr) };
    // SAFETY: as above: the reference and NOTIFIED state belong to the new `Notified`.
    cell.scheduler
        .schedule(unsafe { Notified::from_raw(RawTask(ptr)) });
}

unsafe fn dealloc<F: Future, S>(ptr: NonNull<Header>) {
    // SAFETY: the reference count reached zero: nobody else can reach the allocation, which
    // was created by `Box::new` in `RawTask::new` with these types.
    drop(unsafe { Box::from_raw(ptr.cast::<Cell<F, S>>().as_ptr()) });
}

unsafe fn shutdown<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the caller holds a reference to this live task, created with these types.
    let cell = unsafe { cell::<F, S>(ptr) };
    if cell.header.state.claim_for_shutdown() {
        // We hold RUNNING now; the caller's reference plays the poller's reference.
        cancel_and_complete(cell, ptr);
    } else {
        RawTask(ptr).drop_reference();
    }
}

unsafe fn try_read_output<F: Future, S>(ptr: NonNull<Header>, dst: *mut (), waker: &Waker) {
    // SAFETY: the JoinHandle holds a reference; the types match by construction.
    let cell = unsafe { cell::<F, S>(ptr) };
    if !can_read_output(&cell.header.state, &cell.join_waker, waker) {
        return;
    }
    let output = cell.stage.with_mut(|stage| {
        // SAFETY: COMPLETE with JOIN_INTEREST: the JoinHandle (our caller) owns the output.
        match std::mem::replace(unsafe { &mut *stage }, Stage::Consumed) {
            Stage::Finished(output) => output,
            _ => panic!("JoinHandle polled after it already returned the task's output"),
        }
    });
    // SAFETY: the caller guarantees `dst` has this type.
    unsafe { *dst.cast::<Poll<Result<F::Output, JoinError>>>() = Poll::Ready(output) };
}

/// The JoinHandle's side of the join-waker protocol. True when the output can be read.
fn can_read_output(state: &State, slot: &UnsafeCell<Option<Waker>>, waker: &Waker) -> bool {
    let snapshot = state.load();
    if snapshot.has(COMPLETE) {
        return true;
    }
    if snapshot.has(JOIN_WAKER) {
        let same = slot.with(|slot| {
            // SAFETY: JOIN_WAKER is set: both sides may read the slot.
            unsafe { &*slot }
                .as_ref()
                .is_some_and(|w| w.will_wake(waker))
        });
        if same {
            return false;
        }
        // Take the slot back to replace the waker.
        if state.unset_join_waker().is_err() {
            return true;
        }
    }
    slot.with_mut(|slot| {
        // SAFETY: JOIN_WAKER is clear, so only the JoinHandle touches the slot.
        unsafe { *slot = Some(waker.clone()) }
    });
    state
        .set_join_waker()
        .map_err(|s: Snapshot| debug_assert!(s.has(COMPLETE)))
        .is_err()
}

unsafe fn drop_join_handle<F: Future, S>(ptr: NonNull<Header>) {
    // SAFETY: the JoinHandle holds a reference; the types match by construction.
    let cell = unsafe { cell::<F, S>(ptr) };
    /// Gives up the handle's reference even if dropping the output panics.
    struct ReleaseRef(NonNull<Header>);
    impl Drop for ReleaseRef {
        fn drop(&mut self) {
            RawTask(self.0).drop_reference();
        }
    }
    let _release = ReleaseRef(ptr);
    let before = cell.header.state.drop_join_interest();
    let owns_waker = !before.has(COMPLETE) || !before.has(JOIN_WAKER);
    if owns_waker {
        cell.join_waker.with_mut(|slot| {
            // SAFETY: JOIN_WAKER is clear (we cleared it, or the task released it after
            // completing), so the slot is ours.
            unsafe { *slot = None }
        });
    }
    if before.has(COMPLETE) {
        cell.stage.with_mut(|stage| {
            // SAFETY: the task completed while JOIN_INTEREST was set: the output is ours.
            unsafe { *stage = Stage::Consumed }
        });
    }
}
