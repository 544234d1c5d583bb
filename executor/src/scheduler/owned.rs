//! The list of every live task of a scheduler, so that shutdown can drop each future once,
//! including tasks that are idle (not in any queue, waiting on a waker someone else holds).
//!
//! A `slab` per shard under a mutex: a spawn inserts into one shard, completion removes from it.
//! Shards keep workers from contending on one lock. Each entry owns one task reference. The
//! task's `owner_id` records `(key << SHARD_BITS) | shard`.
//!
//! Closing (shutdown) takes every entry out and refuses further inserts; a task completing
//! after that finds no entry and releases nothing.

use crate::loom::{lock, AtomicUsize, Mutex};
use crate::task::RawTask;
use slab::Slab;
use std::sync::atomic::Ordering::Relaxed;

const SHARD_BITS: u32 = 6;
const MAX_SHARDS: usize = 1 << SHARD_BITS;

pub(crate) struct OwnedTasks {
    shards: Box<[Mutex<Shard>]>,
    next_shard: AtomicUsize,
}

struct Shard {
    tasks: Slab<RawTask>,
    closed: bool,
}

impl OwnedTasks {
    /// `shards` is rounded up to a power of two, at most 64.
    pub(crate) fn new(shards: usize) -> OwnedTasks {
        let n = shards.clamp(1, MAX_SHARDS).next_power_of_two();
        OwnedTasks {
            shards: (0..n)
                .map(|_| {
                    Mutex::new(Shard {
                        tasks: Slab::new(),
                        closed: false,
                    })
                })
                .collect(),
            next_shard: AtomicUsize::new(0),
        }
    }

    /// Picks a shard for a spawn. Workers pass their own hint so they rarely share a shard.
    pub(crate) fn shard_hint(&self) -> usize {
        self.next_shard.fetch_add(1, Relaxed)
    }

    /// Adds a task, taking the reference `task` carries. On a closed list returns `Err(task)`
    /// with its reference still owned by the caller.
    pub(crate) fn insert(&self, task: RawTask, hint: usize) -> Result<(), RawTask> {
        let shard_index = hint & (self.shards.len() - 1);
        let mut shard = lock(&self.shards[shard_index]);
        if shard.closed {
            return Err(task);
        }
        let key = shard.tasks.insert(task);
        // SAFETY: the task has not been shared yet (it is inserted before it is first
        // scheduled), so nobody else reads `owner_id` now; later readers synchronise with us
        // through this shard's lock or the queues that publish the task.
        task.header()
            .owner_id
            .with_mut(|id| unsafe { *id = (key << SHARD_BITS) | shard_index });
        Ok(())
    }

    /// Removes a completed task; true if its entry was there (the caller now owns that
    /// reference and must drop it).
    pub(crate) fn remove(&self, task: RawTask) -> bool {
        // SAFETY: written once in `insert`, before the task was shared.
        let id = task.header().owner_id.with(|id| unsafe { *id });
        if id == usize::MAX {
            return false;
        }
        let mut shard = lock(&self.shards[id & (MAX_SHARDS - 1) & (self.shards.len() - 1)]);
        match shard.tasks.get(id >> SHARD_BITS) {
            Some(&entry) if entry == task => {
                shard.tasks.remove(id >> SHARD_BITS);
                true
            }
            _ => false,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.shards.iter().map(|s| lock(s).tasks.len()).sum()
    }

    /// Refuses further inserts and returns every task, each with the list's reference.
    pub(crate) fn close_and_drain(&self) -> Vec<RawTask> {
        let mut all = Vec::new();
        for shard in self.shards.iter() {
            let mut shard = lock(shard);
            shard.closed = true;
            all.extend(shard.tasks.drain());
        }
        all
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::task::test_util::Sink;

    #[test]
    fn insert_remove_and_close() {
        let owned = OwnedTasks::new(4);
        let (n1, j1, raw1) = crate::task::new_task(async {}, Sink, true);
        let (n2, j2, raw2) = crate::task::new_task(async {}, Sink, true);
        let (raw1, raw2) = (raw1.unwrap(), raw2.unwrap());
        owned.insert(raw1, 0).unwrap();
        owned.insert(raw2, 1).unwrap();
        assert_eq!(owned.len(), 2);
        assert!(owned.remove(raw1));
        assert!(!owned.remove(raw1), "removing twice finds nothing");
        raw1.drop_reference();
        let drained = owned.close_and_drain();
        assert_eq!(drained, vec![raw2]);
        assert!(!owned.remove(raw2), "drained entries are gone");
        let (n3, j3, raw3) = crate::task::new_task(async {}, Sink, true);
        assert!(owned.insert(raw3.unwrap(), 0).is_err(), "closed");
        for raw in drained.into_iter().chain(raw3) {
            raw.shutdown();
        }
        drop((n1, j1, n2, j2, n3, j3));
    }
}
