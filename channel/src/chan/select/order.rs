//! The random arm order behind Go's fair choice.
//!
//! Go's `selectgo` polls the cases in a random permutation, so among the arms that are ready
//! each is chosen with equal probability. [`shuffle`] does the same with a per-thread
//! generator: a Fisher–Yates shuffle driven by wyrand, seeded once per thread from std's
//! `RandomState`, each random word spread over several swaps. It needs no lock and no atomic,
//! and it is not, and need not be, cryptographic.
//!
//! [`PackedOrder`] is the order `select!` uses up to 16 arms: the indices of the enabled arms
//! packed into one word. Up to 5 of them, one draw picks a whole permutation from a table of
//! every permutation; beyond, the Fisher–Yates shuffle runs on the packed indices. Every order
//! satisfies [`ArmOrder`], what `poll_select` takes.

use std::cell::Cell;
use std::hash::{BuildHasher, Hasher};

thread_local! {
    static RNG: Cell<u64> = Cell::new(seed());
}

fn seed() -> u64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(0x5eed);
    hasher.finish()
}

/// wyrand: a 64-bit generator that passes BigCrush, one state word.
fn next_u64(state: &Cell<u64>) -> u64 {
    let s = state.get().wrapping_add(0xa076_1d64_78bd_642f);
    state.set(s);
    let t = u128::from(s) * u128::from(s ^ 0xe703_7ed1_a0b4_28db);
    (t >> 64) as u64 ^ t as u64
}

/// Draws indices below `range` from one random word (see [`shuffle`]): the index is the high
/// word of `bits × range`, the low word what is left for the next draw. A new word is drawn
/// once the product of the ranges drawn from this one, `used`, would pass 2^32, so each index
/// is biased by less than 2^-32.
struct Draws<'a> {
    state: &'a Cell<u64>,
    bits: u64,
    used: u64,
}

impl<'a> Draws<'a> {
    #[inline]
    fn new(state: &'a Cell<u64>) -> Self {
        Draws {
            state,
            bits: next_u64(state),
            used: 1,
        }
    }

    #[inline]
    fn below(&mut self, range: u64) -> u64 {
        match self.used.checked_mul(range) {
            Some(product) if product <= u64::from(u32::MAX) => self.used = product,
            _ => {
                self.bits = next_u64(self.state);
                self.used = range;
            }
        }
        let wide = u128::from(self.bits) * u128::from(range);
        self.bits = wide as u64;
        (wide >> 64) as u64
    }
}

/// Puts `order` in a uniformly random permutation (Go's `pollorder`).
///
/// One random word serves several swaps: the index below `k` is the high word of `bits × k`,
/// and the low word is what is left of `bits` for the next index (Lemire's multiply-shift,
/// batched). Each index then carries a bias of at most `used / 2^64`, where `used`, the product
/// of the ranges drawn from the word so far, is kept below 2^32 by drawing a new word: a
/// 4-arm select takes one draw instead of three.
///
/// ```
/// let mut order = [0, 1, 2, 3];
/// gort_channel::chan::select::shuffle(&mut order);
/// order.sort();
/// assert_eq!(order, [0, 1, 2, 3]); // the same arms, in some order
/// ```
pub fn shuffle(order: &mut [usize]) {
    if order.len() < 2 {
        return;
    }
    RNG.with(|state| {
        let mut draws = Draws::new(state);
        for i in (1..order.len()).rev() {
            order.swap(i, draws.below(i as u64 + 1) as usize);
        }
    });
}

/// The arms a select tries, in the order it tries them: what [`poll_select`](super::poll_select)
/// takes. Implemented by slices and arrays of arm indices and by [`PackedOrder`], and sealed, so
/// that an order is plain data that gives the same arms on every call (the protocol walks it
/// several times per poll). Its indices must be distinct and in range of the cases, as for a
/// slice.
///
/// ```
/// use gort_channel::chan::select::{ArmOrder, PackedOrder};
///
/// fn tried<O: ArmOrder>(order: O) -> Vec<usize> {
///     (0..order.arm_count()).map(|k| order.arm(k)).collect()
/// }
/// assert_eq!(tried(&[2, 0, 1]), [2, 0, 1]);
/// assert_eq!(tried(PackedOrder::in_source_order([true, false, true])), [0, 2]);
/// ```
pub trait ArmOrder: Copy + sealed::Sealed {
    /// How many arms are tried.
    fn arm_count(self) -> usize;
    /// The arm tried `k`-th (`k < arm_count()`).
    fn arm(self, k: usize) -> usize;
}

mod sealed {
    /// Keeps [`ArmOrder`](super::ArmOrder) to the orders of this module.
    pub trait Sealed {}
    impl Sealed for &[usize] {}
    impl<const N: usize> Sealed for &[usize; N] {}
    impl Sealed for super::PackedOrder {}
}

impl ArmOrder for &[usize] {
    #[inline]
    fn arm_count(self) -> usize {
        self.len()
    }

    #[inline]
    fn arm(self, k: usize) -> usize {
        self[k]
    }
}

impl<const N: usize> ArmOrder for &[usize; N] {
    #[inline]
    fn arm_count(self) -> usize {
        N
    }

    #[inline]
    fn arm(self, k: usize) -> usize {
        self[k]
    }
}

/// `0, 1, 2, …, 15` packed as in [`PackedOrder`].
const IDENTITY: u64 = 0xfedc_ba98_7654_3210;

/// Orders of up to this many arms are drawn from [`PERMUTATIONS`].
const TABLED_MAX: u32 = 5;

/// `PERMUTATIONS[n]`: every permutation of `0..n`, packed as in [`PackedOrder`], for `n` up to
/// [`TABLED_MAX`] (152 entries in all, 608 bytes).
static PERMUTATIONS: [&[u32]; TABLED_MAX as usize + 1] = [
    &[],
    &[],
    &permutations::<2, 2>(),
    &permutations::<3, 6>(),
    &permutations::<4, 24>(),
    &permutations::<5, 120>(),
];

/// Every permutation of `0..N` (`F` = `N!` of them), each packed as in [`PackedOrder`]: entry `r`
/// is the permutation whose Lehmer code (factorial-base digits) is `r`.
const fn permutations<const N: usize, const F: usize>() -> [u32; F] {
    let mut table = [0u32; F];
    let mut r = 0;
    while r < F {
        let mut left = [0u32; N]; // the positions not placed yet, in increasing order
        let mut i = 0;
        while i < N {
            left[i] = i as u32;
            i += 1;
        }
        let (mut rest, mut radix, mut packed) = (r, F, 0u32);
        let mut k = 0;
        while k < N {
            radix /= N - k;
            let digit = rest / radix;
            rest %= radix;
            packed |= left[digit] << (4 * k);
            let mut j = digit;
            while j + 1 < N - k {
                left[j] = left[j + 1];
                j += 1;
            }
            k += 1;
        }
        table[r] = packed;
        r += 1;
    }
    table
}

/// The order of a select of up to [`PackedOrder::MAX_ARMS`] arms, packed into one word: arm
/// indices of 4 bits each, the first tried in the lowest bits.
///
/// This is what `select!` uses for up to 16 arms. Being one word, it lives in a register: the
/// shuffle and the try pass never store the order to memory and load it back (the loads of a
/// swap wait for stores whose addresses are random, and the channel lock's `lock cmpxchg` waits
/// for every store before it). With its table of permutations, a ready 4-arm `select!` took
/// 13.0 ns against 16.5 with an array of indices (BENCHMARKS.md, Select).
///
/// ```
/// use gort_channel::chan::select::{ArmOrder, PackedOrder};
///
/// // Arms 0, 2 and 3 enabled (arm 1's guard is false), in a random order.
/// let order = PackedOrder::shuffled([true, false, true, true]);
/// let mut arms: Vec<usize> = (0..order.arm_count()).map(|k| order.arm(k)).collect();
/// arms.sort();
/// assert_eq!(arms, [0, 2, 3]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PackedOrder {
    /// Arm `k` of the order in bits `4k..4k + 4`.
    arms: u64,
    len: u32,
}

impl PackedOrder {
    /// The most arms a packed order holds.
    pub const MAX_ARMS: usize = 16;

    /// The arms whose `enabled` flag is true, in source order (`biased;`).
    ///
    /// More than [`PackedOrder::MAX_ARMS`] arms fail to build (use a slice of indices and
    /// [`shuffle`]). The check is a constant evaluated when the code is generated, so `cargo
    /// check` does not report it; `cargo build` does:
    ///
    /// ```compile_fail
    /// let order = gort_channel::chan::select::PackedOrder::in_source_order([true; 17]);
    /// ```
    ///
    /// ```
    /// use gort_channel::chan::select::{ArmOrder, PackedOrder};
    ///
    /// let order = PackedOrder::in_source_order([false, true, true]);
    /// assert_eq!((order.arm_count(), order.arm(0), order.arm(1)), (2, 1, 2));
    /// ```
    #[inline]
    pub fn in_source_order<const N: usize>(enabled: [bool; N]) -> PackedOrder {
        const {
            assert!(
                N <= PackedOrder::MAX_ARMS,
                "PackedOrder holds at most 16 arms: use a slice of arm indices and `shuffle`"
            )
        };
        let mut order = PackedOrder { arms: 0, len: 0 };
        for (arm, on) in enabled.into_iter().enumerate() {
            if on {
                order.arms |= (arm as u64) << (4 * order.len);
                order.len += 1;
            }
        }
        order
    }

    /// The arms whose `enabled` flag is true, in a uniformly random order (Go's `pollorder`).
    /// Up to 5 of them, one random draw picks one of the permutations of a table; beyond, the
    /// Fisher–Yates shuffle of [`shuffle`] runs on the packed indices. Either way each index
    /// is biased by less than 2^-32.
    ///
    /// More than [`PackedOrder::MAX_ARMS`] arms fail to build, as for
    /// [`PackedOrder::in_source_order`].
    ///
    /// ```
    /// use gort_channel::chan::select::{ArmOrder, PackedOrder};
    ///
    /// let order = PackedOrder::shuffled([true; 4]);
    /// let mut arms: Vec<usize> = (0..order.arm_count()).map(|k| order.arm(k)).collect();
    /// arms.sort();
    /// assert_eq!(arms, [0, 1, 2, 3]);
    /// ```
    #[inline]
    pub fn shuffled<const N: usize>(enabled: [bool; N]) -> PackedOrder {
        let mut order = Self::in_source_order(enabled);
        if order.len >= 2 && order.len <= TABLED_MAX {
            // One draw picks a whole permutation of the positions from a table: a much
            // shorter chain of dependent instructions than one swap after another.
            let perms = PERMUTATIONS[order.len as usize];
            let pick = RNG.with(|state| Draws::new(state).below(perms.len() as u64));
            let positions = u64::from(perms[pick as usize]);
            order.arms = if order.arms == IDENTITY & ((1 << (4 * order.len)) - 1) {
                positions // every arm enabled: the positions are the arms
            } else {
                let mut arms = 0;
                for k in 0..order.len {
                    let position = (positions >> (4 * k)) & 0xf;
                    arms |= ((order.arms >> (4 * position)) & 0xf) << (4 * k);
                }
                arms
            };
        } else if order.len >= 2 {
            RNG.with(|state| {
                let mut draws = Draws::new(state);
                for i in (1..order.len).rev() {
                    let j = draws.below(u64::from(i) + 1) as u32;
                    // Swap the indices at positions i and j, in the register.
                    let (at_i, at_j) = (4 * i, 4 * j);
                    let diff = ((order.arms >> at_i) ^ (order.arms >> at_j)) & 0xf;
                    order.arms ^= (diff << at_i) | (diff << at_j);
                }
            });
        }
        order
    }
}

impl ArmOrder for PackedOrder {
    #[inline]
    fn arm_count(self) -> usize {
        self.len as usize
    }

    #[inline]
    fn arm(self, k: usize) -> usize {
        assert!(
            k < self.len as usize,
            "arm {k} of an order of {} arms",
            self.len
        );
        ((self.arms >> (4 * k)) & 0xf) as usize
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn every_position_is_equally_likely() {
        // Each of 3 arms should come first in about a third of 30,000 shuffles.
        let mut first = [0u32; 3];
        for _ in 0..30_000 {
            let mut order = [0, 1, 2];
            shuffle(&mut order);
            first[order[0]] += 1;
        }
        for (arm, &count) in first.iter().enumerate() {
            assert!(
                (9_000..11_000).contains(&count),
                "arm {arm} came first {count} times in 30,000 shuffles: {first:?}"
            );
        }
    }

    /// Asserts that `seen` (how often each order came up) holds `orders` orders, each seen a
    /// number of times within `counts`.
    fn assert_orders_equally_likely<K: std::fmt::Debug>(
        seen: &std::collections::HashMap<K, u32>,
        orders: usize,
        counts: std::ops::Range<u32>,
    ) {
        assert_eq!(seen.len(), orders, "some order never came up: {seen:?}");
        for (order, &count) in seen {
            assert!(
                counts.contains(&count),
                "order {order:?} came up {count} times, not in {counts:?}"
            );
        }
    }

    #[test]
    fn every_permutation_is_equally_likely() {
        // The swaps of one shuffle share a random word: check them jointly. Each of the 24
        // orders of 4 arms should come up in about 1/24 of 57,600 shuffles (sd ≈ 48).
        let mut seen = std::collections::HashMap::new();
        for _ in 0..57_600 {
            let mut order = [0, 1, 2, 3];
            shuffle(&mut order);
            *seen.entry(order).or_insert(0u32) += 1;
        }
        assert_orders_equally_likely(&seen, 24, 2_160..2_640);
    }

    #[test]
    fn wide_selects_draw_fresh_words() {
        // 64 arms need several random words. The last position is settled by the first swap
        // (the first word), the first position by the last swap (a later word): every arm must
        // reach both about equally often.
        let mut first = [0u32; 64];
        let mut last = [0u32; 64];
        for _ in 0..64_000 {
            let mut order: Vec<usize> = (0..64).collect();
            shuffle(&mut order);
            let mut sorted = order.clone();
            sorted.sort();
            assert!(
                sorted.iter().copied().eq(0..64),
                "not a permutation: {order:?}"
            );
            first[order[0]] += 1;
            last[order[63]] += 1;
        }
        for (place, counts) in [("first", first), ("last", last)] {
            for (arm, &count) in counts.iter().enumerate() {
                assert!(
                    (800..1_200).contains(&count),
                    "arm {arm} came {place} {count} times in 64,000 shuffles: {counts:?}"
                );
            }
        }
    }

    /// The arms of `order`, in order.
    fn arms(order: PackedOrder) -> Vec<usize> {
        (0..order.arm_count()).map(|k| order.arm(k)).collect()
    }

    /// Counts how often each order of the enabled arms comes up in `draws` shuffles.
    fn packed_orders<const N: usize>(
        enabled: [bool; N],
        draws: u32,
    ) -> std::collections::HashMap<Vec<usize>, u32> {
        let mut seen = std::collections::HashMap::new();
        for _ in 0..draws {
            *seen
                .entry(arms(PackedOrder::shuffled(enabled)))
                .or_insert(0) += 1;
        }
        seen
    }

    #[test]
    fn packed_orders_from_the_table_are_equally_likely() {
        // 4 arms: drawn from the table. Each of the 24 orders about 1/24 of 57,600 (sd ≈ 48).
        let seen = packed_orders([true; 4], 57_600);
        assert_orders_equally_likely(&seen, 24, 2_160..2_640);
    }

    #[test]
    fn packed_orders_of_enabled_arms_only() {
        // Arms 0, 2 and 3 of 5 enabled: the table's permutation of 3 positions, mapped to
        // those arms. Each of the 6 orders about 1/6 of 30,000 (sd ≈ 65).
        let seen = packed_orders([true, false, true, true, false], 30_000);
        for order in seen.keys() {
            let mut sorted = order.clone();
            sorted.sort();
            assert_eq!(sorted, [0, 2, 3], "a disabled arm was tried: {order:?}");
        }
        assert_orders_equally_likely(&seen, 6, 4_600..5_400);
    }

    #[test]
    fn packed_orders_beyond_the_table_are_shuffled_in_place() {
        // 16 arms, one disabled: Fisher–Yates on the packed indices, with two random words.
        // Every enabled arm comes first and last about equally often (1/15 of 45,000).
        let mut enabled = [true; 16];
        enabled[9] = false;
        let (mut first, mut last) = ([0u32; 16], [0u32; 16]);
        for _ in 0..45_000 {
            let order = arms(PackedOrder::shuffled(enabled));
            let mut sorted = order.clone();
            sorted.sort();
            let expected: Vec<usize> = (0..16).filter(|&arm| arm != 9).collect();
            assert_eq!(
                sorted, expected,
                "not a permutation of the enabled arms: {order:?}"
            );
            first[order[0]] += 1;
            last[order[14]] += 1;
        }
        for arm in (0..16).filter(|&arm| arm != 9) {
            for (place, count) in [("first", first[arm]), ("last", last[arm])] {
                assert!(
                    (2_700..3_300).contains(&count),
                    "arm {arm} came {place} {count} times in 45,000 shuffles"
                );
            }
        }
        assert_eq!((first[9], last[9]), (0, 0));
    }

    #[test]
    fn packed_source_order_and_edge_cases() {
        assert_eq!(
            arms(PackedOrder::in_source_order([true; 16])),
            (0..16).collect::<Vec<_>>()
        );
        assert_eq!(arms(PackedOrder::in_source_order([false, true])), [1]);
        assert_eq!(arms(PackedOrder::shuffled([false, true])), [1]);
        assert_eq!(arms(PackedOrder::shuffled([false; 3])), Vec::<usize>::new());
        assert_eq!(arms(PackedOrder::shuffled::<0>([])), Vec::<usize>::new());
    }

    #[test]
    #[should_panic(expected = "arm 2 of an order of 2 arms")]
    fn an_arm_past_the_end_is_refused() {
        let _ = PackedOrder::shuffled([true, true]).arm(2);
    }

    #[test]
    fn the_permutation_tables_hold_every_permutation_once() {
        for (n, table) in PERMUTATIONS.iter().enumerate().skip(2) {
            let mut seen: Vec<Vec<usize>> = table
                .iter()
                .map(|&packed| {
                    (0..n)
                        .map(|k| ((packed >> (4 * k)) & 0xf) as usize)
                        .collect()
                })
                .collect();
            for order in &seen {
                let mut sorted = order.clone();
                sorted.sort();
                assert!(
                    sorted.iter().copied().eq(0..n),
                    "not a permutation: {order:?}"
                );
            }
            seen.sort();
            seen.dedup();
            assert_eq!(seen.len(), (1..=n).product::<usize>(), "n = {n}");
        }
    }

    #[test]
    fn short_orders_are_left_alone() {
        let mut empty: [usize; 0] = [];
        shuffle(&mut empty);
        let mut one = [7];
        shuffle(&mut one);
        assert_eq!(one, [7]);
    }
}
