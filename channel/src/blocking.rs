//! Running a channel or sync future to completion on a plain thread: the blocking API parks the thread
//! through the very same waiter queues as an async task, with a waker that unparks it.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::Instant;

struct ThreadWaker {
    thread: Thread,
    woken: AtomicBool,
}

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.thread.unpark();
    }
}

/// Polls `future` until it completes (`Some`) or `deadline` passes (`None`; the caller then
/// withdraws the operation). Runs without a cooperative budget: a thread has no scheduler to
/// yield to.
pub(crate) fn wait<F: Future + Unpin>(
    future: &mut F,
    deadline: Option<Instant>,
) -> Option<F::Output> {
    crate::coop::unconstrained(|| {
        let state = Arc::new(ThreadWaker {
            thread: thread::current(),
            woken: AtomicBool::new(false),
        });
        let waker = Waker::from(state.clone());
        let mut cx = Context::from_waker(&waker);
        loop {
            if let Poll::Ready(output) = Pin::new(&mut *future).poll(&mut cx) {
                return Some(output);
            }
            // Sleep until woken; `park` may also return spuriously, hence the flag.
            while !state.woken.swap(false, Ordering::Acquire) {
                match deadline {
                    None => thread::park(),
                    Some(deadline) => {
                        let now = Instant::now();
                        if now >= deadline {
                            return None;
                        }
                        thread::park_timeout(deadline - now);
                    }
                }
            }
        }
    })
}
