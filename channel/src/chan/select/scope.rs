//! Which select's future arm is being polled on this thread, so that a select's send cases can
//! tell the `Stream` listeners of its own future arms from everyone else's (see `OwnListeners`
//! in `core.rs` for the rule and why it holds).
//!
//! A select with future arms has an id. While one of its future arms is polled
//! (`FutureCase::try_now`), that id is this thread's *polling select*, and a `Stream` listener
//! registered or polled meanwhile is tagged with it ([`Polling`]); a listener polled anywhere
//! else gets no tag. Only the select's own send cases compare tags, with the id they were
//! given (`SelectCase::bind_select`): nothing else that runs during a poll, a plain send in a
//! future arm included, ever skips a listener.
//!
//! A select can run inside a future arm of another (an `async fn` with a select, used as an
//! arm). A listener of the inner select's future arm is then inside both, so the tag keeps the
//! innermost and the outermost polling select; a select nested in between (three levels deep)
//! does not recognise it, and may still wake itself through it.
//!
//! Invariants: an id is never 0 and never repeats in the process; the polling selects are
//! restored when a scope ends, also when the poll panics.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

// Under loom, model threads are not OS threads: loom's `thread_local!` gives each its own.
#[cfg(loom)]
loom::thread_local! {
    static POLLING: Cell<Polling> = Cell::new(Polling::NONE);
    static IDS: Cell<(u64, u64)> = Cell::new((0, 0));
}
#[cfg(not(loom))]
thread_local! {
    static POLLING: Cell<Polling> = const { Cell::new(Polling::NONE) };
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

/// The selects whose future arms are being polled on this thread: the innermost and the
/// outermost (the same select when there is one; 0 and 0 outside any). A listener's tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Polling {
    innermost: u64,
    outermost: u64,
}

impl Polling {
    /// Outside any select's future arm.
    pub(crate) const NONE: Polling = Polling {
        innermost: 0,
        outermost: 0,
    };

    /// Whether select `id` was polling (innermost or outermost) when the tag was taken.
    pub(crate) fn includes(self, id: u64) -> bool {
        id != 0 && (self.innermost == id || self.outermost == id)
    }
}

/// The selects polling on this thread now.
pub(crate) fn polling_selects() -> Polling {
    POLLING.with(Cell::get)
}

/// Makes `id` the innermost polling select until dropped, then restores the previous ones.
pub(crate) struct PollingScope {
    previous: Polling,
}

impl PollingScope {
    pub(crate) fn enter(id: u64) -> PollingScope {
        POLLING.with(|polling| {
            let previous = polling.get();
            let outermost = if previous.outermost == 0 {
                id
            } else {
                previous.outermost
            };
            polling.set(Polling {
                innermost: id,
                outermost,
            });
            PollingScope { previous }
        })
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
        assert_eq!(polling_selects(), Polling::NONE);
        let (outer, middle, inner) = (next_id(), next_id(), next_id());
        assert!(outer != 0 && middle != outer && inner != middle);
        {
            let _outer = PollingScope::enter(outer);
            assert!(polling_selects().includes(outer));
            {
                let _middle = PollingScope::enter(middle);
                {
                    let _inner = PollingScope::enter(inner);
                    let tag = polling_selects();
                    assert!(tag.includes(inner) && tag.includes(outer));
                    assert!(!tag.includes(middle), "only the ends are kept");
                }
                let tag = polling_selects();
                assert!(tag.includes(middle) && tag.includes(outer) && !tag.includes(inner));
            }
            assert!(polling_selects().includes(outer));
        }
        assert_eq!(polling_selects(), Polling::NONE);
        assert!(!Polling::NONE.includes(0), "0 is no select");
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
        assert_eq!(polling_selects(), Polling::NONE);
    }
}
