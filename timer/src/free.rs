//! The arena's vacant places: a bitmap tree that hands out the **lowest** vacant index.
//!
//! A stack of freed indices (the obvious choice) hands places out in the reverse order
//! they were freed, and timers are freed in whatever order they fire or are cancelled:
//! after a million timers fired in deadline order, the next million inserts got a random
//! permutation of the arena, so every later insert and cancel of a timer took a cache miss
//! on its own place (measured: most of the growth of a cancel's cost from 1k to 1M
//! pending timers). Lowest-first keeps the live places packed at the front of the arena
//! and hands out consecutive places to consecutive inserts, whatever the order of the
//! frees, so a burst of inserts, and later their cancels in the same order, walk memory
//! forwards (the prefetcher's case) and touch the list neighbours filed just before them.
//!
//! Level 0 has bit `i % 64` of word `i / 64` set while place `i` is vacant; each level
//! above has a bit per word of the level below, set while that word is non-zero; the top
//! level is one word. Taking the lowest index reads one word per level from the top
//! (`trailing_zeros` picks the child), so both operations cost O(levels): at most 6 for
//! `u32` indices, 4 for a million places. The bitmap is 1/64 of a bit-per-place overhead
//! above the first level: ~130 KB for a million places, which stays in cache.

/// The vacant places of an arena.
#[derive(Default)]
pub(crate) struct FreeSet {
    /// `levels[0]`: a bit per place; `levels[l + 1]`: a bit per word of `levels[l]`,
    /// set while that word is non-zero. The last level is one word (none while empty).
    levels: Vec<Vec<u64>>,
}

impl FreeSet {
    /// An empty set; allocates nothing.
    pub(crate) const fn new() -> FreeSet {
        FreeSet { levels: Vec::new() }
    }

    /// Adds `index` (not in the set).
    pub(crate) fn insert(&mut self, index: u32) {
        // Covered already (every release but those past the arena's high-water mark):
        // no walk of the levels to check their sizes.
        if self
            .levels
            .first()
            .is_none_or(|bottom| bottom.len() * 64 <= index as usize)
        {
            self.grow(index as usize);
        }
        let mut i = index as usize;
        for level in &mut self.levels {
            let word = &mut level[i / 64];
            let was = *word;
            debug_assert_eq!(was & 1 << (i % 64), 0, "index already free");
            *word = was | 1 << (i % 64);
            if was != 0 {
                return; // the levels above already know this word is non-zero
            }
            i /= 64;
        }
    }

    /// Removes and returns the lowest index in the set, if any.
    pub(crate) fn pop_lowest(&mut self) -> Option<u32> {
        let top = self.levels.last()?;
        if top[0] == 0 {
            return None;
        }
        let mut i = 0;
        for level in self.levels.iter().rev() {
            i = i * 64 + level[i].trailing_zeros() as usize;
        }
        let lowest = i;
        for level in &mut self.levels {
            let word = &mut level[i / 64];
            *word &= !(1 << (i % 64));
            if *word != 0 {
                break; // still non-zero: the levels above stay as they are
            }
            i /= 64;
        }
        // Indices are u32 (see `insert`), so the lowest one fits.
        Some(lowest as u32)
    }

    /// Makes every level cover `index`, keeping the top one word.
    fn grow(&mut self, index: usize) {
        let mut words = index / 64 + 1;
        let mut l = 0;
        loop {
            if l == self.levels.len() {
                // A new top above the old one-word top: bit 0 says whether it is non-zero.
                let below = self.levels.last().map_or(0, |top| top[0]);
                self.levels.push(vec![u64::from(below != 0)]);
            }
            let level = &mut self.levels[l];
            if level.len() < words {
                level.resize(words, 0);
            }
            let len = level.len();
            if len == 1 && l + 1 == self.levels.len() {
                return;
            }
            words = len.div_ceil(64);
            l += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::FreeSet;

    #[test]
    fn hands_out_the_lowest_index_whatever_the_order_of_inserts() {
        let mut rng = fastrand::Rng::with_seed(7);
        // Up to three levels (and a fourth natively); miri runs the small ones.
        let sizes: &[u32] = if cfg!(miri) {
            &[1, 63, 64, 65, 4_097]
        } else {
            &[1, 63, 64, 65, 4_095, 4_096, 4_097, 300_000]
        };
        for &n in sizes {
            let mut order: Vec<u32> = (0..n).collect();
            rng.shuffle(&mut order);
            let mut set = FreeSet::new();
            for &i in &order {
                set.insert(i);
            }
            for expected in 0..n {
                assert_eq!(set.pop_lowest(), Some(expected), "n = {n}");
            }
            assert_eq!(set.pop_lowest(), None);
            // Interleaved: the lowest of what is there now.
            if n >= 3 {
                set.insert(n - 1);
                set.insert(0);
                assert_eq!(set.pop_lowest(), Some(0));
                set.insert(n / 2);
                assert_eq!(set.pop_lowest(), Some(n / 2));
                assert_eq!(set.pop_lowest(), Some(n - 1));
                assert_eq!(set.pop_lowest(), None);
            }
        }
    }

    #[test]
    fn an_empty_set_has_nothing_to_hand_out() {
        let mut set = FreeSet::new();
        assert_eq!(set.pop_lowest(), None);
        set.insert(1_000_000);
        assert_eq!(set.pop_lowest(), Some(1_000_000));
        assert_eq!(set.pop_lowest(), None);
    }
}
