//! The random arm order behind Go's fair choice.
//!
//! Go's `selectgo` polls the cases in a random permutation, so among the arms that are ready
//! each is chosen with equal probability. [`shuffle`] does the same with a per-thread
//! generator: a Fisher–Yates shuffle driven by wyrand (one multiply per step), seeded once per
//! thread from std's `RandomState`. It needs no lock and no atomic, and it is not, and need not
//! be, cryptographic.

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
fn next_u32(state: &Cell<u64>) -> u32 {
    let s = state.get().wrapping_add(0xa076_1d64_78bd_642f);
    state.set(s);
    let t = u128::from(s) * u128::from(s ^ 0xe703_7ed1_a0b4_28db);
    ((t >> 64) as u64 ^ t as u64) as u32
}

/// A uniform index below `n` (`n <= u32::MAX`), by Lemire's multiply-shift.
fn below(state: &Cell<u64>, n: usize) -> usize {
    ((u64::from(next_u32(state)) * n as u64) >> 32) as usize
}

/// Puts `order` in a uniformly random permutation (Go's `pollorder`).
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
        for i in (1..order.len()).rev() {
            order.swap(i, below(state, i + 1));
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
    fn short_orders_are_left_alone() {
        let mut empty: [usize; 0] = [];
        shuffle(&mut empty);
        let mut one = [7];
        shuffle(&mut one);
        assert_eq!(one, [7]);
    }
}
