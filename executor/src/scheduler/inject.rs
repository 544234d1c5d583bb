//! The global injection queue: tasks spawned or woken from outside the runtime's workers, and
//! the overflow of full local queues.
//!
//! An intrusive FIFO list through each task header's `queue_next`, under a mutex. A separate
//! atomic length lets workers check for work without taking the lock (the hot path of a busy
//! runtime is an empty global queue). Once closed (runtime shutdown), pushes drop the task's
//! reference instead of queuing it.

use crate::loom::{lock, AtomicUsize, Mutex};
use crate::task::raw::Header;
use crate::task::{Notified, RawTask};
use std::ptr::NonNull;
use std::sync::atomic::Ordering::{Acquire, Release};

pub(crate) struct Inject {
    list: Mutex<List>,
    len: AtomicUsize,
}

struct List {
    head: Option<NonNull<Header>>,
    tail: Option<NonNull<Header>>,
    closed: bool,
}

// SAFETY: the raw pointers are `Notified` references owned by the list; they are only touched
// under the mutex.
unsafe impl Send for List {}

fn set_next(task: NonNull<Header>, next: Option<NonNull<Header>>) {
    let raw = RawTask::from_header(task);
    // SAFETY: the list owns this task's Notified reference, so `queue_next` is ours; we hold
    // the lock.
    raw.header().queue_next.with_mut(|p| unsafe { *p = next });
}

fn next_of(task: NonNull<Header>) -> Option<NonNull<Header>> {
    let raw = RawTask::from_header(task);
    // SAFETY: as in `set_next`.
    raw.header().queue_next.with(|p| unsafe { *p })
}

impl Inject {
    pub(crate) fn new() -> Inject {
        Inject {
            list: Mutex::new(List {
                head: None,
                tail: None,
                closed: false,
            }),
            len: AtomicUsize::new(0),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len.load(Acquire)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn push(&self, task: Notified) {
        self.push_batch(std::iter::once(task));
    }

    /// Links the tasks into a chain outside the lock, then appends it with one lock.
    pub(crate) fn push_batch(&self, tasks: impl Iterator<Item = Notified>) {
        let mut first: Option<NonNull<Header>> = None;
        let mut last: Option<NonNull<Header>> = None;
        let mut count = 0;
        for task in tasks {
            let ptr = task.into_raw().header_ptr();
            set_next(ptr, None);
            match last {
                Some(prev) => set_next(prev, Some(ptr)),
                None => first = Some(ptr),
            }
            last = Some(ptr);
            count += 1;
        }
        let (Some(first), Some(last)) = (first, last) else {
            return;
        };
        let mut list = lock(&self.list);
        if list.closed {
            drop(list);
            drop_chain(Some(first));
            return;
        }
        match list.tail {
            Some(tail) => set_next(tail, Some(first)),
            None => list.head = Some(first),
        }
        list.tail = Some(last);
        // Under the lock, so `len` never undercounts what a popper can see.
        self.len.fetch_add(count, Release);
    }

    pub(crate) fn pop(&self) -> Option<Notified> {
        if self.is_empty() {
            return None;
        }
        let mut list = lock(&self.list);
        let head = list.head?;
        list.head = next_of(head);
        if list.head.is_none() {
            list.tail = None;
        }
        self.len.fetch_sub(1, Release);
        drop(list);
        set_next(head, None);
        // SAFETY: the list owned this Notified reference; we took it off the list.
        Some(unsafe { Notified::from_raw(RawTask::from_header(head)) })
    }

    /// Takes up to `max` tasks from the front in one lock: the first to run now, the rest
    /// handed to `rest` in FIFO order (a worker's fair share, as Go's `globrunqget` takes).
    pub(crate) fn pop_batch(&self, max: usize, mut rest: impl FnMut(Notified)) -> Option<Notified> {
        if self.is_empty() || max == 0 {
            return None;
        }
        let mut list = lock(&self.list);
        let first = list.head?;
        let mut last = first;
        let mut taken = 1;
        while taken < max {
            match next_of(last) {
                Some(next) => {
                    last = next;
                    taken += 1;
                }
                None => break,
            }
        }
        list.head = next_of(last);
        if list.head.is_none() {
            list.tail = None;
        }
        self.len.fetch_sub(taken, Release);
        drop(list);
        set_next(last, None);
        // The chain first..=last is ours now, with each task's Notified reference.
        let mut cursor = next_of(first);
        set_next(first, None);
        while let Some(ptr) = cursor {
            cursor = next_of(ptr);
            set_next(ptr, None);
            // SAFETY: unlinked from the list above; the reference is ours.
            rest(unsafe { Notified::from_raw(RawTask::from_header(ptr)) });
        }
        // SAFETY: as above.
        Some(unsafe { Notified::from_raw(RawTask::from_header(first)) })
    }

    /// Refuses further pushes and returns everything queued (runtime shutdown).
    pub(crate) fn close(&self) -> Vec<Notified> {
        let mut list = lock(&self.list);
        list.closed = true;
        let mut tasks = Vec::new();
        let mut cursor = list.head.take();
        list.tail = None;
        self.len.store(0, Release);
        drop(list);
        while let Some(ptr) = cursor {
            cursor = next_of(ptr);
            // SAFETY: we took the whole chain, and with it each Notified reference.
            tasks.push(unsafe { Notified::from_raw(RawTask::from_header(ptr)) });
        }
        tasks
    }
}

/// Drops every reference of a chain that was never queued.
fn drop_chain(mut cursor: Option<NonNull<Header>>) {
    while let Some(ptr) = cursor {
        cursor = next_of(ptr);
        // SAFETY: the chain owned these references.
        drop(unsafe { Notified::from_raw(RawTask::from_header(ptr)) });
    }
}

impl Drop for Inject {
    fn drop(&mut self) {
        drop(self.close());
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::task::test_util::detached_task as task;

    #[test]
    fn fifo_and_batches() {
        let inject = Inject::new();
        let tasks: Vec<_> = (0..5).map(|_| task()).collect();
        let ptrs: Vec<_> = tasks.iter().map(|t| t.raw()).collect();
        inject.push_batch(tasks.into_iter());
        assert_eq!(inject.len(), 5);
        let mut rest = Vec::new();
        let first = inject.pop_batch(3, |t| rest.push(t.raw())).unwrap();
        assert_eq!(first.raw(), ptrs[0]);
        assert_eq!(rest, &ptrs[1..3]);
        assert_eq!(inject.len(), 2);
        assert_eq!(inject.pop().unwrap().raw(), ptrs[3]);
        assert_eq!(inject.pop().unwrap().raw(), ptrs[4]);
        assert!(inject.pop().is_none());
    }

    #[test]
    fn a_closed_queue_hands_back_its_tasks_and_refuses_more() {
        let inject = Inject::new();
        inject.push(task());
        assert_eq!(inject.close().len(), 1);
        inject.push(task()); // dropped, not queued
        assert!(inject.is_empty());
        assert!(inject.pop().is_none());
    }
}
