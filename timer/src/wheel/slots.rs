//! The wheel's slot machinery: filing an entry in the slot its deadline belongs to,
//! unlinking it, finding the next slot to process from the `occupied` bitmaps, firing a
//! slot in bounded batches, and cascading a coarser slot down a level.

use super::{Expiration, TimerKey, Wheel};
use crate::arena::{Home, NIL};
use crate::level::{digit, level_for, next_set_bit, slot_for, slot_start, LEVELS, SLOTS};

impl<T> Wheel<T> {
    /// Files the live, unlinked place `index`, whose deadline is `deadline` (passed in:
    /// reading back what `alloc` just stored can stall), relative to `elapsed`.
    pub(super) fn file(&mut self, index: u32, deadline: u64) {
        if deadline < self.elapsed {
            self.arena.set_home(index, Home::Overdue);
            self.overdue.insert((deadline, index));
            return;
        }
        let level = level_for(self.elapsed, deadline);
        let slot = slot_for(self.elapsed, deadline, level);
        self.arena.set_home(
            index,
            Home::Slot {
                level: level as u8,
                slot: slot as u8,
            },
        );
        let lvl = &mut self.levels[level];
        self.arena.push_front(&mut lvl.heads[slot], index);
        lvl.occupied |= 1 << slot;
    }

    /// Unlinks the live place `index` from wherever it is filed.
    pub(super) fn unlink(&mut self, index: u32) {
        match self.arena.get(index).home {
            Home::Overdue => {
                let deadline = self.arena.get(index).deadline;
                let removed = self.overdue.remove(&(deadline, index));
                debug_assert!(removed, "an overdue place is in the overdue set");
            }
            Home::Slot { level, slot } => {
                let (level, slot) = (level as usize, slot as usize);
                let lvl = &mut self.levels[level];
                self.arena.unlink(&mut lvl.heads[slot], index);
                if lvl.heads[slot] == NIL {
                    lvl.occupied &= !(1 << slot);
                }
            }
        }
    }

    /// Frees the live, unlinked place `index` and returns its key and value.
    pub(super) fn take(&mut self, index: u32) -> (TimerKey, T) {
        let stamp = self.arena.get(index).stamp;
        (TimerKey { index, stamp }, self.arena.release(index))
    }

    /// The earliest occupied slot. Every occupied slot of a lower level starts before
    /// every occupied slot of a higher one (a whole level fits in one slot of the level
    /// above, and higher-level entries are never in the current slot of their level), so
    /// the first non-empty level has it.
    pub(super) fn next_expiration(&self) -> Option<Expiration> {
        self.levels.iter().enumerate().find_map(|(level, lvl)| {
            let slot = lvl.next_occupied(digit(self.elapsed, level))?;
            Some(Expiration {
                level,
                slot,
                start: slot_start(self.elapsed, level, slot),
            })
        })
    }

    /// Reached the top level (every lower level is empty): moves the wheel's time
    /// straight to `now` and re-files, relative to it, every top-level slot that starts
    /// at or before `now`.
    ///
    /// Entries the jump overtook are due and go to the ordered overdue set, which fires
    /// first; the rest land lower, or, if clamped and still beyond the horizon, in the
    /// top level again, in a slot that starts after `now`. The slots left alone start
    /// after `now` and within one rotation of it, so they keep their place in the ring.
    ///
    /// Walking the top level slot by slot instead would let clamped entries leapfrog each
    /// other one rotation (2^42 ticks) per step: a poll far ahead would take millions of
    /// steps. This way a poll touches the top level at most once.
    pub(super) fn cascade_top(&mut self, now: u64) {
        let top = LEVELS - 1;
        let current = digit(self.elapsed, top);
        let mut lists = [NIL; SLOTS];
        let mut taken = 0;
        let lvl = &mut self.levels[top];
        let mut occupied = lvl.occupied;
        while let Some(slot) = next_set_bit(occupied, current) {
            // Ring order from the current digit is time order: stop at the first later.
            if slot_start(self.elapsed, top, slot) > now {
                break;
            }
            lists[taken] = std::mem::replace(&mut lvl.heads[slot], NIL);
            taken += 1;
            occupied &= !(1 << slot);
        }
        lvl.occupied = occupied;
        self.elapsed = now;
        for &head in &lists[..taken] {
            let mut index = head;
            while index != NIL {
                let next = self.arena.get(index).next;
                self.file(index, self.arena.get(index).deadline);
                index = next;
            }
        }
    }

    /// Pushes at most `budget` entries of level-0 slot `slot` (the tick `elapsed`, all
    /// due) onto `out`; returns how many.
    pub(super) fn fire(
        &mut self,
        slot: usize,
        budget: usize,
        out: &mut Vec<(TimerKey, T)>,
    ) -> usize {
        let mut fired = 0;
        let lvl = &mut self.levels[0];
        while fired < budget && lvl.heads[slot] != NIL {
            let index = lvl.heads[slot];
            debug_assert_eq!(self.arena.get(index).deadline, self.elapsed);
            self.arena.unlink(&mut lvl.heads[slot], index);
            let stamp = self.arena.get(index).stamp;
            out.push((TimerKey { index, stamp }, self.arena.release(index)));
            fired += 1;
        }
        if lvl.heads[slot] == NIL {
            lvl.occupied &= !(1 << slot);
        }
        fired
    }

    /// Empties slot `slot` of `level` (between 0 and the top), whose start is `elapsed`,
    /// re-filing each of its entries relative to `elapsed`. Each agrees with `elapsed` on
    /// every digit from `level` up, so it lands in a lower level.
    pub(super) fn cascade(&mut self, level: usize, slot: usize) {
        let lvl = &mut self.levels[level];
        let mut index = std::mem::replace(&mut lvl.heads[slot], NIL);
        lvl.occupied &= !(1 << slot);
        while index != NIL {
            let next = self.arena.get(index).next;
            self.file(index, self.arena.get(index).deadline);
            index = next;
        }
    }
}
