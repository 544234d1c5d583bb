//! The `Waker` of a task: a pointer to the task header plus one reference per waker.
//!
//! Waking allocates nothing: `wake` hands the waker's own reference to the scheduler (or drops
//! it), `wake_by_ref` creates one only when the task has to be queued.

use super::raw::{Header, RawTask};
use super::state::WakeAction;
use std::ptr::NonNull;
use std::task::{RawWaker, RawWakerVTable};

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

/// A raw waker for the task at `ptr`. It does not take a reference: the caller either
/// borrows one (the poller's, wrapped in `ManuallyDrop`) or has just created one for it.
pub(crate) fn raw_waker(ptr: NonNull<Header>) -> RawWaker {
    RawWaker::new(ptr.as_ptr() as *const (), &VTABLE)
}

fn task(data: *const ()) -> RawTask {
    // SAFETY: every waker of this vtable was created by `raw_waker` from a non-null header.
    RawTask::from_header(unsafe { NonNull::new_unchecked(data as *mut Header) })
}

unsafe fn clone(data: *const ()) -> RawWaker {
    let task = task(data);
    task.state().ref_inc();
    raw_waker(task.header_ptr())
}

unsafe fn wake(data: *const ()) {
    let task = task(data);
    match task.state().wake_by_val() {
        WakeAction::Submit => task.schedule(),
        WakeAction::Dealloc => task.dealloc(),
        WakeAction::None => {}
    }
}

unsafe fn wake_by_ref(data: *const ()) {
    let task = task(data);
    if task.state().wake_by_ref() == WakeAction::Submit {
        task.schedule();
    }
}

unsafe fn drop_waker(data: *const ()) {
    task(data).drop_reference();
}
