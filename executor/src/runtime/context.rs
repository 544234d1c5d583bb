//! Which runtime the current thread is "inside": set on worker and blocking threads, and for the
//! duration of `Runtime::block_on`. `gort::spawn` and `Handle::current` read it.

use super::Handle;
use std::cell::RefCell;

thread_local! {
    static CURRENT: RefCell<Option<Handle>> = const { RefCell::new(None) };
}

/// Restores the previous runtime context when dropped.
pub(crate) struct EnterGuard {
    previous: Option<Handle>,
}

/// Makes `handle` the current runtime until the guard is dropped.
pub(crate) fn enter(handle: Handle) -> EnterGuard {
    let previous = CURRENT.with(|c| c.replace(Some(handle)));
    EnterGuard { previous }
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
    }
}

/// Calls `f` with the current runtime's handle, if any.
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&Handle>) -> R) -> R {
    CURRENT.with(|c| f(c.borrow().as_ref()))
}
