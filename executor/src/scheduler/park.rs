//! Putting an idle worker thread to sleep, until woken or until a deadline.
//!
//! A one-token parker (std's design): `unpark` stores a token that the next `park` consumes, so
//! an unpark that races ahead of the park is never lost. Built on a mutex and condvar rather
//! than `std::thread::park` so that user code calling `thread::unpark` on a worker cannot steal
//! the scheduler's token, and so that loom can model it.

use crate::loom::{lock, Arc, AtomicUsize, Condvar, Mutex};
use std::sync::atomic::Ordering::SeqCst;
use std::time::Instant;

const EMPTY: usize = 0;
const PARKED: usize = 1;
const NOTIFIED: usize = 2;

struct Inner {
    state: AtomicUsize,
    lock: Mutex<()>,
    condvar: Condvar,
}

/// Held by the thread that sleeps.
pub(crate) struct Parker(Arc<Inner>);

/// Held by whoever wakes it.
#[derive(Clone)]
pub(crate) struct Unparker(Arc<Inner>);

pub(crate) fn pair() -> (Parker, Unparker) {
    let inner = Arc::new(Inner {
        state: AtomicUsize::new(EMPTY),
        lock: Mutex::new(()),
        condvar: Condvar::new(),
    });
    (Parker(inner.clone()), Unparker(inner))
}

impl Parker {
    /// Sleeps until unparked, or until `deadline` passes. Returns at once if a token is there.
    pub(crate) fn park(&self, deadline: Option<Instant>) {
        let inner = &*self.0;
        if inner
            .state
            .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
            .is_ok()
        {
            return;
        }
        let mut guard = lock(&inner.lock);
        match inner.state.compare_exchange(EMPTY, PARKED, SeqCst, SeqCst) {
            Ok(_) => {}
            Err(NOTIFIED) => {
                // The token arrived while we took the lock.
                inner.state.store(EMPTY, SeqCst);
                return;
            }
            Err(other) => unreachable!("parker in state {other} while its owner parks"),
        }
        loop {
            guard = match deadline {
                None => inner.condvar.wait(guard).unwrap_or_else(|e| e.into_inner()),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        // Timed out: withdraw (consuming a token that raced in, if any).
                        inner.state.store(EMPTY, SeqCst);
                        return;
                    }
                    wait_timeout(&inner.condvar, guard, deadline - now)
                }
            };
            if inner
                .state
                .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
                .is_ok()
            {
                return;
            }
            // Spurious wake-up: sleep again.
        }
    }
}

#[cfg(not(loom))]
fn wait_timeout<'a>(
    condvar: &Condvar,
    guard: crate::loom::MutexGuard<'a, ()>,
    timeout: std::time::Duration,
) -> crate::loom::MutexGuard<'a, ()> {
    match condvar.wait_timeout(guard, timeout) {
        Ok((guard, _)) => guard,
        Err(e) => e.into_inner().0,
    }
}

/// loom has no time: a timed wait is modelled as a wait that may end spuriously.
#[cfg(loom)]
fn wait_timeout<'a>(
    _condvar: &Condvar,
    guard: crate::loom::MutexGuard<'a, ()>,
    _timeout: std::time::Duration,
) -> crate::loom::MutexGuard<'a, ()> {
    guard
}

impl Unparker {
    /// Wakes the parked thread, or makes its next `park` return at once.
    pub(crate) fn unpark(&self) {
        let inner = &*self.0;
        match inner.state.swap(NOTIFIED, SeqCst) {
            EMPTY | NOTIFIED => {}
            PARKED => {
                // Taking the lock orders us after the parker's check-then-wait, so the
                // notification cannot fall between them.
                drop(lock(&inner.lock));
                inner.condvar.notify_one();
            }
            other => unreachable!("parker in unknown state {other}"),
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn an_unpark_before_the_park_is_not_lost() {
        let (parker, unparker) = pair();
        unparker.unpark();
        parker.park(None); // returns at once
    }

    #[test]
    fn park_returns_at_its_deadline() {
        let (parker, _unparker) = pair();
        let start = Instant::now();
        parker.park(Some(start + Duration::from_millis(20)));
        assert!(start.elapsed() >= Duration::from_millis(20));
    }

    #[test]
    fn unpark_from_another_thread_wakes_the_parker() {
        let (parker, unparker) = pair();
        let t = std::thread::spawn(move || unparker.unpark());
        parker.park(None);
        t.join().unwrap();
    }
}
