//! The random arm order behind Go's fair choice.
//!
//! Go's `selectgo` polls the cases in a random permutation, so among the arms that are ready
//! each is chosen with equal probability. [`shuffle`] does the same with a per-thread
//! generator: a Fisher–Yates shuffle driven by wyrand, seeded once per thread from std's
//! `RandomState`, each random word spread over several swaps. It needs no lock and no atomic,
//! and it is not, and need not be, cryptographic.

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
        let mut bits = next_u64(state);
        let mut used: u64 = 1;
        for i in (1..order.len()).rev() {
            let range = i as u64 + 1;
            match used.checked_mul(range) {
                Some(product) if product <= u64::from(u32::MAX) => used = product,
                _ => {
                    bits = next_u64(state);
                    used = range;
                }
            }
            let wide = u128::from(bits) * u128::from(range);
            bits = wide as u64;
            order.swap(i, (wide >> 64) as usize);
        }
    });
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
        assert_eq!(seen.len(), 24, "some order never came up: {seen:?}");
        for (order, &count) in &seen {
            assert!(
                (2_160..2_640).contains(&count),
                "order {order:?} came up {count} times in 57,600 shuffles"
            );
        }
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

    #[test]
    fn short_orders_are_left_alone() {
        let mut empty: [usize; 0] = [];
        shuffle(&mut empty);
        let mut one = [7];
        shuffle(&mut one);
        assert_eq!(one, [7]);
    }
}
