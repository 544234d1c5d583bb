//! The per-worker run queue: a fixed-capacity ring the owner pushes to and pops from, and from
//! which other workers steal half at a time.
//!
//! The algorithm is Go's `runq` (`runqput`/`runqget`/`runqgrab` in `runtime/proc.go`): `head`
//! is advanced by CAS (by the owner popping and by stealers), `tail` is written only by the owner.
//! A stealer copies the tasks it wants *before* it claims them with one CAS on `head`; if the CAS
//! fails, the copy is discarded. In Go that copy may read a slot the owner is overwriting; here
//! every slot is an `AtomicPtr`, so such a read is a stale value rather than a data race, and
//! the failed CAS proves it is never used.
//!
//! Why a slot can only be overwritten after `head` moved past it: the owner writes slot
//! `tail % CAP` only when `tail - head < CAP`, i.e. when `head > tail - CAP`, so the previous
//! occupant of that slot was already taken — `head` changed since any stealer read it.
//! (Like Go, this relies on `head` not wrapping around 2^32 during one steal.)
//!
//! When the ring is full, the owner moves half of it plus the new task to the global queue in one
//! batch (one lock), which keeps the cost of a push O(1) amortised and lets idle workers find the
//! overflow.
//!
//! The owner's end is [`Local`], the shared end [`Steal`]; only the owning worker holds the
//! `Local`, which is what makes `tail` single-writer.

use super::inject::Inject;
use crate::loom::{Arc, AtomicPtr, AtomicU32};
use crate::task::raw::Header;
use crate::task::{Notified, RawTask};
use std::ptr::{self, NonNull};
use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};

/// Tasks a worker holds locally. 256 is Go's and tokio's figure: enough to absorb a burst of
/// spawns without touching the global queue, small enough to steal from cheaply.
#[cfg(not(loom))]
pub(crate) const CAPACITY: usize = 256;
/// Tiny under loom so that overflow and wrap-around are explored.
#[cfg(loom)]
pub(crate) const CAPACITY: usize = 4;

const MASK: usize = CAPACITY - 1;

struct Inner {
    /// Next slot to take; advanced by CAS by the owner (pop) and stealers.
    head: AtomicU32,
    /// Next slot to fill; written only by the owner.
    tail: AtomicU32,
    slots: Box<[AtomicPtr<Header>]>,
}

/// The owner's end of a run queue.
pub(crate) struct Local(Arc<Inner>);

/// The end other workers steal from.
#[derive(Clone)]
pub(crate) struct Steal(Arc<Inner>);

pub(crate) fn local() -> (Local, Steal) {
    let inner = Arc::new(Inner {
        head: AtomicU32::new(0),
        tail: AtomicU32::new(0),
        slots: (0..CAPACITY)
            .map(|_| AtomicPtr::new(ptr::null_mut()))
            .collect(),
    });
    (Local(inner.clone()), Steal(inner))
}

impl Inner {
    fn slot(&self, index: u32) -> &AtomicPtr<Header> {
        &self.slots[index as usize & MASK]
    }

    fn len(&self) -> usize {
        let head = self.head.load(Acquire);
        let tail = self.tail.load(Acquire);
        tail.wrapping_sub(head) as usize
    }
}

/// Rebuilds the `Notified` a slot's pointer stands for.
///
/// # Safety
/// The pointer must have been claimed from the queue (by a successful CAS on `head`), so the
/// caller now owns the `Notified` reference the queue held.
unsafe fn claimed(ptr: *mut Header) -> Notified {
    debug_assert!(!ptr.is_null());
    // SAFETY: forwarded from the caller; only non-null task headers are ever stored.
    unsafe { Notified::from_raw(RawTask::from_header(NonNull::new_unchecked(ptr))) }
}

impl Local {
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Room left for tasks (used to size a steal into this queue).
    pub(crate) fn remaining(&self) -> usize {
        CAPACITY - self.len()
    }

    /// Pushes to the back; when full, moves half of the queue and `task` to `overflow`.
    pub(crate) fn push_back_or_overflow(&self, task: Notified, overflow: &Inject) {
        let mut task = task;
        loop {
            let head = self.0.head.load(Acquire);
            // Only we write `tail`.
            let tail = self.0.tail.load(Relaxed);
            if (tail.wrapping_sub(head) as usize) < CAPACITY {
                self.0
                    .slot(tail)
                    .store(task.into_raw().header_ptr().as_ptr(), Relaxed);
                // Publishes the slot to stealers, which load `tail` with Acquire.
                self.0.tail.store(tail.wrapping_add(1), Release);
                return;
            }
            match self.push_overflow(task, head, overflow) {
                Ok(()) => return,
                // A stealer made room meanwhile: retry the plain push.
                Err(back) => task = back,
            }
        }
    }

    /// Moves the older half of a full queue plus `task` to the global queue.
    fn push_overflow(&self, task: Notified, head: u32, overflow: &Inject) -> Result<(), Notified> {
        const HALF: u32 = (CAPACITY / 2) as u32;
        // Claim the older half; if a stealer moved `head`, the queue has room after all.
        if self
            .0
            .head
            .compare_exchange(head, head.wrapping_add(HALF), AcqRel, Relaxed)
            .is_err()
        {
            return Err(task);
        }
        // Reading the slots after the claim is safe: only the owner (us) writes slots, and no
        // stealer can claim these any more.
        let tasks = (0..HALF)
            .map(|i| self.0.slot(head.wrapping_add(i)).load(Relaxed))
            // SAFETY: the CAS claimed these slots, and with them their Notified references.
            .map(|p| unsafe { claimed(p) })
            .chain(std::iter::once(task));
        overflow.push_batch(tasks);
        Ok(())
    }

    /// Pops from the front (FIFO: the oldest local task runs first).
    pub(crate) fn pop(&self) -> Option<Notified> {
        loop {
            let head = self.0.head.load(Acquire);
            let tail = self.0.tail.load(Relaxed);
            if head == tail {
                return None;
            }
            let ptr = self.0.slot(head).load(Relaxed);
            if self
                .0
                .head
                .compare_exchange(head, head.wrapping_add(1), AcqRel, Relaxed)
                .is_ok()
            {
                // SAFETY: the CAS claimed the slot read at `head`.
                return Some(unsafe { claimed(ptr) });
            }
        }
    }
}

impl Drop for Local {
    fn drop(&mut self) {
        // A worker drains its queue before it exits; anything left would leak references.
        if !std::thread::panicking() {
            debug_assert!(self.is_empty(), "run queue dropped with tasks in it");
        }
    }
}

impl Steal {
    pub(crate) fn is_empty(&self) -> bool {
        self.0.len() == 0
    }

    /// Steals half of this queue (rounded up) into `dst`, returning one of the stolen tasks to
    /// run at once. `dst` must be the caller's own queue.
    pub(crate) fn steal_into(&self, dst: &Local) -> Option<Notified> {
        let src = &*self.0;
        let dst_tail = dst.0.tail.load(Relaxed);
        let room = dst.remaining() as u32;
        loop {
            let head = src.head.load(Acquire);
            let tail = src.tail.load(Acquire);
            let available = tail.wrapping_sub(head);
            let mut n = available - available / 2;
            if n == 0 {
                return None;
            }
            if available as usize > CAPACITY {
                // `head` and `tail` were read at different times and disagree: read again.
                continue;
            }
            n = n.min(room);
            if n == 0 {
                return None;
            }
            for i in 0..n {
                let ptr = src.slot(head.wrapping_add(i)).load(Relaxed);
                dst.0.slot(dst_tail.wrapping_add(i)).store(ptr, Relaxed);
            }
            if src
                .head
                .compare_exchange(head, head.wrapping_add(n), AcqRel, Relaxed)
                .is_ok()
            {
                // Run the last stolen task now; publish the rest in our queue.
                let last = dst.0.slot(dst_tail.wrapping_add(n - 1)).load(Relaxed);
                if n > 1 {
                    dst.0.tail.store(dst_tail.wrapping_add(n - 1), Release);
                }
                // SAFETY: the CAS claimed the copied slots; `last` is one of them.
                return Some(unsafe { claimed(last) });
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::task::test_util::detached_task;

    #[test]
    fn fifo_pop() {
        let (local, _steal) = local();
        let inject = Inject::new();
        let tasks: Vec<_> = (0..10).map(|_| detached_task()).collect();
        let ptrs: Vec<_> = tasks.iter().map(|t| t.raw()).collect();
        for t in tasks {
            local.push_back_or_overflow(t, &inject);
        }
        for p in ptrs {
            assert_eq!(local.pop().unwrap().raw(), p);
        }
        assert!(local.pop().is_none());
    }

    #[test]
    fn overflow_moves_half_plus_one_to_inject() {
        let (local, _steal) = local();
        let inject = Inject::new();
        for _ in 0..CAPACITY + 1 {
            local.push_back_or_overflow(detached_task(), &inject);
        }
        assert_eq!(local.len(), CAPACITY / 2);
        assert_eq!(inject.len(), CAPACITY / 2 + 1);
        while local.pop().is_some() {}
        while inject.pop().is_some() {}
    }

    #[test]
    fn steal_takes_half_rounded_up() {
        let (a, a_steal) = local();
        let (b, _b_steal) = local();
        let inject = Inject::new();
        for _ in 0..7 {
            a.push_back_or_overflow(detached_task(), &inject);
        }
        let first = a_steal.steal_into(&b);
        assert!(first.is_some());
        assert_eq!(b.len(), 3, "4 stolen: one returned, three queued");
        assert_eq!(a.len(), 3);
        drop(first);
        while a.pop().is_some() {}
        while b.pop().is_some() {}
    }
}
