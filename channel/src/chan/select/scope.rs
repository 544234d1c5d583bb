//! Which select's future arm is being polled on this thread, so that a select's send cases can
//! tell the `Stream` listeners of its own future arms from everyone else's (see `OwnListeners`
//! in `core.rs` for the rule and why it holds).
//!
//! A select with future arms has an id. While one of its future arms is polled
//! (`FutureCase::try_now`), that id is this thread's *polling select*, and a `Stream` listener
//! registered or polled meanwhile is tagged with it; a listener polled anywhere else gets 0.
//! Only the select's own send cases compare tags, with the id they were given
//! (`SelectCase::bind_select`): nothing else that runs during a poll, a plain send in a future
//! arm included, ever skips a listener.
//!
//! Invariants: an id is never 0 and never repeats in the process; the polling select is
//! restored when its scope ends, also when the poll panics, so a select inside a future arm of
//! another tags the listeners of its own future arms with its own id and hands the outer one
//! back.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

// Under loom, model threads are not OS threads: loom's `thread_local!` gives each its own.
#[cfg(loom)]
loom::thread_local! {
    static POLLING: Cell<u64> = Cell::new(0);
    static IDS: Cell<(u64, u64)> = Cell::new((0, 0));
}
#[cfg(not(loom))]
thread_local! {
    static POLLING: Cell<u64> = const { Cell::new(0) };
    /// The next id this thread hands out, and the end of its block.
    static IDS: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
}

/// Ids a thread takes from the shared counter at once, so that selects on several workers do
/// not contend for one cache line.
const BLOCK: u64 = 1 << 20;

/// A fresh select id (never 0). Only selects with future arms take one, once.
pub(crate) fn next_id() -> u64 {
    IDS.with(|ids| {
        let (mut next, mut end) = ids.get();
        if next == end {
            // Block 0 is never handed out, so no id is 0. Uniqueness is all that is needed:
            // nothing is published through this counter.
            static BLOCKS: AtomicU64 = AtomicU64::new(1);
            next = BLOCKS.fetch_add(1, Ordering::Relaxed) * BLOCK;
            end = next + BLOCK;
        }
        ids.set((next + 1, end));
        next
    })
}

/// The id of the select whose future arm is being polled on this thread; 0 outside any.
pub(crate) fn polling_select() -> u64 {
    POLLING.with(Cell::get)
}

/// Makes `id` the polling select until dropped, then restores the previous one.
pub(crate) struct PollingScope {
    previous: u64,
}

impl PollingScope {
    pub(crate) fn enter(id: u64) -> PollingScope {
        PollingScope {
            previous: POLLING.with(|polling| polling.replace(id)),
        }
    }
}

impl Drop for PollingScope {
    fn drop(&mut self) {
        POLLING.with(|polling| polling.set(self.previous));
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn scopes_nest_and_restore() {
        assert_eq!(polling_select(), 0);
        let (outer_id, inner_id) = (next_id(), next_id());
        assert!(outer_id != 0 && inner_id != outer_id);
        {
            let _outer = PollingScope::enter(outer_id);
            {
                let _inner = PollingScope::enter(inner_id);
                assert_eq!(polling_select(), inner_id);
            }
            assert_eq!(polling_select(), outer_id);
        }
        assert_eq!(polling_select(), 0);
    }

    #[test]
    fn ids_are_unique_across_threads_and_blocks() {
        let mut ids: Vec<u64> = (0..2 * BLOCK + 3).map(|_| next_id()).collect();
        let other: Vec<u64> = std::thread::spawn(|| (0..1000).map(|_| next_id()).collect())
            .join()
            .unwrap();
        ids.extend(other);
        let count = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), count);
        assert!(!ids.contains(&0));
    }

    #[test]
    fn a_panicking_poll_restores_the_scope() {
        let id = next_id();
        let caught = std::panic::catch_unwind(|| {
            let _scope = PollingScope::enter(id);
            panic!("a future arm panicked");
        });
        assert!(caught.is_err());
        assert_eq!(polling_select(), 0);
    }
}
