//! The waiter queue: every blocked operation of every channel and of every sync primitive
//! waits in one of these.
//!
//! A FIFO list threaded through a `slab`, so that an entry is added, served from the front and
//! unlinked from the middle (a cancelled future) in O(1), and a waiting future finds its entry by
//! key without searching. An entry has two lives:
//!
//! * *linked*: it is in the FIFO order and may be served;
//! * *unlinked*: it was served (or skipped as a dead select case) and is out of the order, but
//!   stays in the slab until its owner (the future or blocked thread) reads the outcome and
//!   removes it.
//!
//! Only the owner removes an entry, so a key is never reused while its owner still holds it.
//! The queue itself is not synchronised: it lives inside its channel's lock.

use slab::Slab;

struct Node<E> {
    entry: E,
    prev: Option<usize>,
    next: Option<usize>,
    linked: bool,
}

pub(crate) struct Waiters<E> {
    nodes: Slab<Node<E>>,
    head: Option<usize>,
    tail: Option<usize>,
    linked: usize,
}

impl<E> Waiters<E> {
    pub(crate) const fn new() -> Self {
        Waiters {
            nodes: Slab::new(),
            head: None,
            tail: None,
            linked: 0,
        }
    }

    /// Adds a waiter at the back; returns its key.
    pub(crate) fn push_back(&mut self, entry: E) -> usize {
        let key = self.nodes.insert(Node {
            entry,
            prev: self.tail,
            next: None,
            linked: true,
        });
        match self.tail {
            Some(tail) => self.nodes[tail].next = Some(key),
            None => self.head = Some(key),
        }
        self.tail = Some(key);
        self.linked += 1;
        key
    }

    /// The first linked waiter.
    pub(crate) fn front(&self) -> Option<usize> {
        self.head
    }

    /// The linked waiter after `key` (which must be linked).
    pub(crate) fn next(&self, key: usize) -> Option<usize> {
        self.nodes[key].next
    }

    /// Takes `key` out of the FIFO order; it stays in the slab for its owner.
    pub(crate) fn unlink(&mut self, key: usize) {
        let node = &mut self.nodes[key];
        if !node.linked {
            return;
        }
        node.linked = false;
        let (prev, next) = (node.prev.take(), node.next.take());
        match prev {
            Some(p) => self.nodes[p].next = next,
            None => self.head = next,
        }
        match next {
            Some(n) => self.nodes[n].prev = prev,
            None => self.tail = prev,
        }
        self.linked -= 1;
    }

    /// Whether `key` is still waiting to be served.
    #[cfg(test)]
    pub(crate) fn is_linked(&self, key: usize) -> bool {
        self.nodes[key].linked
    }

    /// Removes the entry (the owner is done with it).
    pub(crate) fn remove(&mut self, key: usize) -> E {
        self.unlink(key);
        self.nodes.remove(key).entry
    }

    /// Every entry, linked or not, in no particular order.
    pub(crate) fn entries_mut(&mut self) -> impl Iterator<Item = &mut E> {
        self.nodes.iter_mut().map(|(_, node)| &mut node.entry)
    }

    pub(crate) fn get(&self, key: usize) -> &E {
        &self.nodes[key].entry
    }

    pub(crate) fn get_mut(&mut self, key: usize) -> &mut E {
        &mut self.nodes[key].entry
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(w: &Waiters<u32>) -> Vec<u32> {
        let mut out = Vec::new();
        let mut cursor = w.front();
        while let Some(k) = cursor {
            out.push(*w.get(k));
            cursor = w.next(k);
        }
        out
    }

    #[test]
    fn fifo_with_unlink_from_the_middle() {
        let mut w = Waiters::new();
        let a = w.push_back(1);
        let b = w.push_back(2);
        let c = w.push_back(3);
        w.unlink(b);
        assert_eq!(order(&w), [1, 3]);
        assert!(!w.is_linked(b));
        assert_eq!(*w.get(b), 2, "an unlinked entry stays for its owner");
        assert_eq!(w.remove(b), 2);
        w.unlink(a);
        w.unlink(a); // twice is harmless
        assert_eq!(order(&w), [3]);
        assert_eq!(w.remove(c), 3);
        assert_eq!(w.front(), None);
        assert_eq!(w.remove(a), 1);
    }
}
