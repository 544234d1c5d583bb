//! The hierarchical timing wheel: where pending timers wait for their tick. Sequential; the
//! driver (`driver.rs`) puts it behind a lock.
//!
//! The classic design of Varghese and Lauck ("Hashed and hierarchical timing wheels", 1987), in
//! the variant the Linux kernel and tokio use: [`LEVELS`] levels of 64 slots each; a slot of
//! level `L` spans `64^L` ticks, so the wheel covers `64^LEVELS` ticks ahead. Each level keeps a
//! 64-bit occupancy bitmap, so the next non-empty slot is found with one rotate and one
//! `trailing_zeros`, however far away it is. Entries live in a [`Slab`]; each slot is an
//! intrusive doubly-linked list threaded through the slab by index, so insert and remove are
//! O(1). A [`Key`] carries a unique id besides the slab index, so a key whose entry has fired
//! (and whose slab slot was reused) is recognised as gone instead of touching a stranger.
//!
//! Invariants:
//! * `elapsed` (the last tick processed) only grows, and every entry has `when > elapsed`
//!   (an entry due at or before `elapsed` is on the `expired` list instead).
//! * An entry is placed at the level of the highest 6-bit digit in which `when` differs from
//!   `elapsed`, in the slot given by `when`'s digit at that level. So within its level it is in
//!   a slot strictly after `elapsed`'s own slot, and all of a level-`L` slot's entries are due in
//!   the `64^L`-tick span that slot covers. The top level is the exception: a deadline beyond
//!   the wheel's range is placed `MAX_SPAN` ahead (and re-placed when that slot comes round),
//!   and such a slot may lie "behind" `elapsed`'s slot, meaning one rotation later.
//! * [`Wheel::advance`] visits non-empty slots in deadline order and re-places each entry of a
//!   visited slot relative to the slot's start, so entries reach the `expired` list one level-0
//!   tick at a time: in non-decreasing `when` order.

use slab::Slab;

/// Levels of the wheel. With the driver's 2^16 ns tick, 7 levels cover 2^58 ns (about 9 years);
/// later deadlines are re-placed each time the top level comes round.
pub(crate) const LEVELS: usize = 7;
const SLOTS: usize = 64;
const SLOT_BITS: u32 = 6;
/// The farthest ahead an entry is placed (later `when`s are clamped for placement only).
const MAX_SPAN: u64 = (1 << (SLOT_BITS * LEVELS as u32)) - 1;
const NIL: usize = usize::MAX;
/// `Entry::level` of an entry on the expired list.
const EXPIRED: u8 = u8::MAX;

/// Names one entry; stays valid (and harmless) after the entry is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Key {
    index: usize,
    id: u64,
}

struct Entry<T> {
    id: u64,
    when: u64,
    prev: usize,
    next: usize,
    level: u8,
    slot: u8,
    value: T,
}

#[derive(Clone, Copy)]
struct List {
    head: usize,
    tail: usize,
}

const EMPTY: List = List {
    head: NIL,
    tail: NIL,
};

struct Level {
    occupied: u64,
    slots: [List; SLOTS],
}

/// A hierarchical timing wheel holding values of type `T`, keyed by tick.
pub(crate) struct Wheel<T> {
    entries: Slab<Entry<T>>,
    levels: Box<[Level; LEVELS]>,
    /// Entries found due by `advance`, in `when` order, not yet taken by `pop_expired`.
    expired: List,
    elapsed: u64,
    next_id: u64,
}

impl<T> Wheel<T> {
    pub(crate) fn new() -> Wheel<T> {
        Wheel {
            entries: Slab::new(),
            levels: Box::new(std::array::from_fn(|_| Level {
                occupied: 0,
                slots: [EMPTY; SLOTS],
            })),
            expired: EMPTY,
            elapsed: 0,
            next_id: 0,
        }
    }

    /// Pending entries (in slots or expired but not yet popped).
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds an entry due at tick `when`. Gives `value` back if `when` is not after the last
    /// processed tick: it is due already.
    pub(crate) fn insert(&mut self, when: u64, value: T) -> Result<Key, T> {
        if when <= self.elapsed {
            return Err(value);
        }
        let id = self.next_id;
        self.next_id += 1;
        let index = self.entries.insert(Entry {
            id,
            when,
            prev: NIL,
            next: NIL,
            level: 0,
            slot: 0,
            value,
        });
        self.place(index);
        Ok(Key { index, id })
    }

    /// Removes the entry, wherever it is; `None` if it is gone (fired or removed before).
    pub(crate) fn remove(&mut self, key: Key) -> Option<T> {
        self.find(key)?;
        self.unlink(key.index);
        Some(self.entries.remove(key.index).value)
    }

    /// The value of a pending entry.
    pub(crate) fn get_mut(&mut self, key: Key) -> Option<&mut T> {
        self.find(key)?;
        Some(&mut self.entries[key.index].value)
    }

    /// Moves a pending entry to tick `when`. `Err(None)`: the entry is gone; `Err(Some(v))`:
    /// `when` is due already, and the entry was removed and handed back.
    pub(crate) fn reschedule(&mut self, key: Key, when: u64) -> Result<(), Option<T>> {
        if self.find(key).is_none() {
            return Err(None);
        }
        if when <= self.elapsed {
            return Err(self.remove(key));
        }
        self.unlink(key.index);
        self.entries[key.index].when = when;
        self.place(key.index);
        Ok(())
    }

    fn find(&self, key: Key) -> Option<()> {
        self.entries
            .get(key.index)
            .filter(|e| e.id == key.id)
            .map(|_| ())
    }

    /// The tick at which [`advance`](Self::advance) next has something to do: a slot to fire
    /// or to cascade; `elapsed` if expired entries wait; `None` if the wheel is empty.
    pub(crate) fn next_expiration(&self) -> Option<u64> {
        if self.expired.head != NIL {
            return Some(self.elapsed);
        }
        self.next_slot().map(|(_, _, deadline)| deadline)
    }

    /// The earliest non-empty slot: `(level, slot, the tick it starts at)`.
    fn next_slot(&self) -> Option<(usize, usize, u64)> {
        let mut best: Option<(usize, usize, u64)> = None;
        for (level, l) in self.levels.iter().enumerate() {
            if l.occupied == 0 {
                continue;
            }
            let bits = SLOT_BITS * level as u32;
            let current = ((self.elapsed >> bits) as usize) % SLOTS;
            // Search from the slot after `elapsed`'s own; the current slot itself comes last.
            let from = (current + 1) % SLOTS;
            let slot =
                (from + l.occupied.rotate_right(from as u32).trailing_zeros() as usize) % SLOTS;
            let level_range = 1u64 << (bits + SLOT_BITS);
            let mut deadline = (self.elapsed & !(level_range - 1)) + ((slot as u64) << bits);
            if slot <= current {
                // Only the top level wraps (see the module invariants): next rotation.
                debug_assert_eq!(level, LEVELS - 1, "a lower level holds a past slot");
                deadline += level_range;
            }
            if best.is_none_or(|(_, _, d)| deadline < d) {
                best = Some((level, slot, deadline));
            }
        }
        best
    }

    /// Processes every slot that starts at or before tick `now`: due entries move to the
    /// expired list (in `when` order), the others to lower levels. Then `elapsed = now`.
    pub(crate) fn advance(&mut self, now: u64) {
        while let Some((level, slot, deadline)) = self.next_slot() {
            if deadline > now {
                break;
            }
            self.elapsed = self.elapsed.max(deadline);
            let l = &mut self.levels[level];
            let list = std::mem::replace(&mut l.slots[slot], EMPTY);
            l.occupied &= !(1 << slot);
            let mut index = list.head;
            while index != NIL {
                let entry = &mut self.entries[index];
                let next = entry.next;
                entry.prev = NIL;
                entry.next = NIL;
                if entry.when <= self.elapsed {
                    entry.level = EXPIRED;
                    let tail = self.expired.tail;
                    self.push_back_expired(index, tail);
                } else {
                    self.place(index);
                }
                index = next;
            }
        }
        self.elapsed = self.elapsed.max(now);
    }

    fn push_back_expired(&mut self, index: usize, tail: usize) {
        self.entries[index].prev = tail;
        if tail == NIL {
            self.expired.head = index;
        } else {
            self.entries[tail].next = index;
        }
        self.expired.tail = index;
    }

    /// Takes the earliest expired entry (after [`advance`](Self::advance)).
    pub(crate) fn pop_expired(&mut self) -> Option<T> {
        let index = self.expired.head;
        if index == NIL {
            return None;
        }
        self.unlink(index);
        Some(self.entries.remove(index).value)
    }

    /// Removes every entry (shutdown), in no particular order.
    pub(crate) fn drain(&mut self) -> Vec<T> {
        for level in self.levels.iter_mut() {
            level.occupied = 0;
            level.slots = [EMPTY; SLOTS];
        }
        self.expired = EMPTY;
        self.entries.drain().map(|e| e.value).collect()
    }

    /// Links entry `index` into the slot its `when` belongs to, relative to `elapsed`.
    fn place(&mut self, index: usize) {
        let when = self.entries[index].when;
        debug_assert!(when > self.elapsed);
        let placed = when.min(self.elapsed + MAX_SPAN);
        let differing = (self.elapsed ^ placed) | (SLOTS as u64 - 1);
        let level = ((63 - differing.leading_zeros()) / SLOT_BITS).min(LEVELS as u32 - 1);
        let slot = ((placed >> (level * SLOT_BITS)) as usize) % SLOTS;
        let l = &mut self.levels[level as usize];
        let head = l.slots[slot].head;
        l.slots[slot].head = index;
        if head == NIL {
            l.slots[slot].tail = index;
            l.occupied |= 1 << slot;
        }
        let entry = &mut self.entries[index];
        entry.level = level as u8;
        entry.slot = slot as u8;
        entry.prev = NIL;
        entry.next = head;
        if head != NIL {
            self.entries[head].prev = index;
        }
    }

    /// Takes entry `index` out of its slot or the expired list (it stays in the slab).
    fn unlink(&mut self, index: usize) {
        let (prev, next, level, slot) = {
            let e = &self.entries[index];
            (e.prev, e.next, e.level, e.slot as usize)
        };
        let list = if level == EXPIRED {
            &mut self.expired
        } else {
            &mut self.levels[level as usize].slots[slot]
        };
        if prev == NIL {
            list.head = next;
        } else {
            self.entries[prev].next = next;
        }
        let list = if level == EXPIRED {
            &mut self.expired
        } else {
            &mut self.levels[level as usize].slots[slot]
        };
        if next == NIL {
            list.tail = prev;
        } else {
            self.entries[next].prev = prev;
        }
        if level != EXPIRED && list.head == NIL {
            self.levels[level as usize].occupied &= !(1 << slot);
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// Advances one tick at a time up to `to`, collecting what fires with its tick.
    fn run_to(wheel: &mut Wheel<u64>, from: u64, to: u64) -> Vec<(u64, u64)> {
        let mut fired = Vec::new();
        for now in from..=to {
            wheel.advance(now);
            while let Some(v) = wheel.pop_expired() {
                fired.push((now, v));
            }
        }
        fired
    }

    #[test]
    fn entries_fire_exactly_at_their_tick_at_every_level() {
        let mut wheel = Wheel::new();
        let whens = [1, 2, 63, 64, 65, 100, 4095, 4096, 4097, 70_000, 300_001];
        for &w in &whens {
            wheel.insert(w, w).unwrap();
        }
        let fired = run_to(&mut wheel, 1, 300_001);
        let expected: Vec<(u64, u64)> = whens.iter().map(|&w| (w, w)).collect();
        assert_eq!(fired, expected);
        assert!(wheel.is_empty());
    }

    #[test]
    fn a_jump_fires_everything_due_in_deadline_order() {
        let mut wheel = Wheel::new();
        // Pseudo-random deadlines spread over several levels.
        let mut x = 12345u64;
        let mut whens = Vec::new();
        for _ in 0..2000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let w = 1 + (x >> 33) % 1_000_000;
            whens.push(w);
            wheel.insert(w, w).unwrap();
        }
        wheel.advance(500_000);
        let mut fired = Vec::new();
        while let Some(v) = wheel.pop_expired() {
            fired.push(v);
        }
        let mut due: Vec<u64> = whens.iter().copied().filter(|&w| w <= 500_000).collect();
        due.sort_unstable();
        assert_eq!(fired, due, "due entries fire once each, in deadline order");
        assert_eq!(wheel.len(), whens.len() - due.len());
        // The rest fire later, none before its tick.
        let rest = run_to(&mut wheel, 500_001, 1_000_000);
        assert!(rest.iter().all(|&(now, w)| now == w));
        assert!(wheel.is_empty());
    }

    #[test]
    fn next_expiration_is_never_after_the_earliest_entry() {
        let mut wheel = Wheel::new();
        assert_eq!(wheel.next_expiration(), None);
        wheel.insert(5000, 0).unwrap();
        let first = wheel.next_expiration().unwrap();
        assert!(first <= 5000 && first > 0);
        wheel.insert(3, 1).unwrap();
        assert_eq!(wheel.next_expiration(), Some(3));
    }

    #[test]
    fn removed_entries_never_fire_and_stale_keys_are_harmless() {
        let mut wheel = Wheel::new();
        let a = wheel.insert(10, 1).unwrap();
        let b = wheel.insert(10, 2).unwrap();
        let c = wheel.insert(10_000, 3).unwrap();
        assert_eq!(wheel.remove(a), Some(1));
        assert_eq!(wheel.remove(a), None, "removing twice");
        assert_eq!(wheel.remove(c), Some(3));
        assert_eq!(run_to(&mut wheel, 1, 20_000), vec![(10, 2)]);
        // b's slab slot is reused by d: b's key must not reach d.
        let d = wheel.insert(20_010, 4).unwrap();
        assert_eq!(wheel.remove(b), None);
        assert_eq!(wheel.get_mut(d), Some(&mut 4));
        assert_eq!(wheel.len(), 1);
    }

    #[test]
    fn due_or_past_ticks_are_refused() {
        let mut wheel = Wheel::new();
        wheel.advance(100);
        assert_eq!(wheel.insert(100, 7), Err(7));
        assert_eq!(wheel.insert(50, 8), Err(8));
        let k = wheel.insert(101, 9).unwrap();
        assert_eq!(wheel.reschedule(k, 90), Err(Some(9)));
        assert!(wheel.is_empty());
    }

    #[test]
    fn reschedule_moves_an_entry_both_ways() {
        let mut wheel = Wheel::new();
        let k = wheel.insert(50, 1).unwrap();
        let j = wheel.insert(60, 2).unwrap();
        wheel.reschedule(k, 100_000).unwrap();
        wheel.reschedule(j, 5).unwrap();
        assert_eq!(run_to(&mut wheel, 1, 100_000), vec![(5, 2), (100_000, 1)]);
        assert_eq!(wheel.reschedule(k, 200_000), Err(None));
    }

    #[test]
    fn deadlines_beyond_the_range_fire_on_time() {
        let mut wheel = Wheel::new();
        let far = MAX_SPAN * 3 + 12_345;
        wheel.insert(far, 1).unwrap();
        wheel.insert(MAX_SPAN + 1, 2).unwrap();
        // Jump close, in big steps, as a driver waking at each next expiration would.
        let mut fired = Vec::new();
        while let Some(next) = wheel.next_expiration() {
            wheel.advance(next);
            while let Some(v) = wheel.pop_expired() {
                fired.push((wheel.elapsed, v));
            }
        }
        assert_eq!(fired, vec![(MAX_SPAN + 1, 2), (far, 1)]);
    }

    #[test]
    fn removing_expired_entries_before_they_are_popped() {
        let mut wheel = Wheel::new();
        let a = wheel.insert(3, 1).unwrap();
        wheel.insert(3, 2).unwrap();
        let c = wheel.insert(4, 3).unwrap();
        wheel.advance(10);
        assert_eq!(wheel.remove(a), Some(1));
        assert_eq!(wheel.remove(c), Some(3));
        assert_eq!(wheel.pop_expired(), Some(2));
        assert_eq!(wheel.pop_expired(), None);
        assert!(wheel.is_empty());
    }

    #[test]
    fn drain_empties_everything() {
        let mut wheel = Wheel::new();
        for w in 1..100u64 {
            wheel.insert(w * 97, w).unwrap();
        }
        wheel.advance(500);
        let mut all = wheel.drain();
        all.sort_unstable();
        assert_eq!(all, (1..100).collect::<Vec<_>>());
        assert!(wheel.is_empty());
        assert_eq!(wheel.next_expiration(), None);
        wheel.insert(10_000, 0).unwrap();
        assert_eq!(run_to(&mut wheel, 501, 10_000), vec![(10_000, 0)]);
    }
}
