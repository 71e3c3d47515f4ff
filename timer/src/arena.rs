//! The entry arena: every timer lives in one place of a `Vec`, linked into its slot's
//! doubly linked list by `u32` indices. A freed place is vacant and reused, the lowest
//! vacant one first (`free.rs`), so the arena never holds more places than the peak
//! number of live timers, and there are no tombstones: a cancelled timer's place is
//! reusable the moment `cancel` returns.
//!
//! # Layout, for the cache
//!
//! With a million timers the places outgrow the last-level cache and a random cancel
//! costs cache misses: one for the place (stamp check, links, value share its 40 bytes
//! for a pointer-sized value) and one per neighbour. Two choices keep it at that:
//!
//! - the vacant places are kept in a bitmap tree apart from the places (`free.rs`), not a
//!   list threaded through them: popping a threaded list must load the popped place to
//!   find the next one, a chain of dependent misses when places were freed in random
//!   order; and the lowest vacant place is reused first, so consecutive inserts get
//!   consecutive places whatever order the frees came in;
//! - `insert` hands the deadline to the filing code instead of reading back what it just
//!   stored (a partial store-to-load forward that stalls).
//!
//! Splitting the links into an array of their own (hot/cold) was measured and lost: a
//! cancel then touches two arrays for its own place.
//!
//! # Invariants
//!
//! - A place is **vacant** if and only if `stamp == 0` and `value.is_none()`; a vacant
//!   place is in `free` and in no slot list.
//! - A **live** place has a non-zero `stamp` that no other insertion ever had (the wheel
//!   hands out stamps from a counter), a `Some` value, and is linked in exactly the list
//!   its `home` names.
//! - `len` counts the live places.

use crate::free::FreeSet;

/// The "no place" index: list ends and empty slots.
pub(crate) const NIL: u32 = u32::MAX;

/// Where a live place is linked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Home {
    /// In the list of `slot` at `level`.
    Slot {
        /// The level, `0..LEVELS`.
        level: u8,
        /// The slot, `0..SLOTS`.
        slot: u8,
    },
    /// In the wheel's ordered set of entries inserted with a deadline before `elapsed`.
    Overdue,
}

/// One timer, or a vacant place for one.
pub(crate) struct Place<T> {
    /// The stamp of the key that names this place; 0 while vacant.
    pub(crate) stamp: u64,
    /// The exact deadline, as inserted.
    pub(crate) deadline: u64,
    /// The payload; `None` while vacant.
    pub(crate) value: Option<T>,
    /// The previous place in the slot list, or `NIL` at the head.
    pub(crate) prev: u32,
    /// The next place in the slot list, or `NIL`.
    pub(crate) next: u32,
    /// Which list the place is in while live.
    pub(crate) home: Home,
}

/// A `Vec` of places plus the set of the vacant ones.
pub(crate) struct Arena<T> {
    places: Vec<Place<T>>,
    /// The vacant places; the lowest is reused first.
    free: FreeSet,
    /// Number of live places.
    len: usize,
}

impl<T> Arena<T> {
    /// An empty arena; allocates nothing.
    pub(crate) const fn new() -> Arena<T> {
        Arena {
            places: Vec::new(),
            free: FreeSet::new(),
            len: 0,
        }
    }

    /// Number of live places.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Number of places (live and vacant) allocated: the peak live count so far.
    #[cfg(test)]
    pub(crate) fn places(&self) -> usize {
        self.places.len()
    }

    /// How many places fit before the vector reallocates.
    pub(crate) fn capacity(&self) -> usize {
        self.places.capacity()
    }

    /// Takes a vacant place (or appends one) for a new live entry and returns its index.
    /// The place is not linked anywhere yet; the caller sets `home` and links it.
    ///
    /// # Panics
    ///
    /// If `u32::MAX` places are live (the index space, `NIL` excluded, is exhausted).
    pub(crate) fn alloc(&mut self, stamp: u64, deadline: u64, value: T) -> u32 {
        debug_assert_ne!(stamp, 0, "stamp 0 marks vacant places");
        let place = Place {
            stamp,
            deadline,
            value: Some(value),
            prev: NIL,
            next: NIL,
            home: Home::Overdue,
        };
        self.len += 1;
        if let Some(index) = self.free.pop_lowest() {
            // Not `places[index] = place`: that reads the vacant place's old value to drop
            // it, and a vacant place may be cold (freed long ago), so an insert would wait
            // for a cache miss.
            // The old value is always `None` (`release` took it): forgetting it leaks
            // nothing, and the read, now dead, is not emitted.
            let vacant = std::mem::replace(&mut self.places[index as usize], place);
            debug_assert!(vacant.value.is_none(), "a vacant place holds no value");
            std::mem::forget(vacant);
            index
        } else {
            let index = u32::try_from(self.places.len())
                .ok()
                .filter(|&index| index != NIL)
                .expect("a Wheel holds at most u32::MAX - 1 timers at once");
            self.places.push(place);
            index
        }
    }

    /// Returns a live, already unlinked place's value and makes the place vacant.
    pub(crate) fn release(&mut self, index: u32) -> T {
        let place = &mut self.places[index as usize];
        debug_assert_ne!(place.stamp, 0, "released a vacant place");
        place.stamp = 0;
        let value = place.value.take().expect("a live place holds a value");
        self.free.insert(index);
        self.len -= 1;
        value
    }

    /// `index` if the place there is live with `stamp`; `None` if that insertion was
    /// released (whatever lives there now has another stamp) or never existed.
    pub(crate) fn lookup(&self, index: u32, stamp: u64) -> Option<u32> {
        match self.places.get(index as usize) {
            Some(place) if place.stamp == stamp && stamp != 0 => Some(index),
            _ => None,
        }
    }

    /// The place at `index`.
    pub(crate) fn get(&self, index: u32) -> &Place<T> {
        &self.places[index as usize]
    }

    /// The value of the place at `index` (`None` if vacant).
    pub(crate) fn value_mut(&mut self, index: u32) -> Option<&mut T> {
        self.places[index as usize].value.as_mut()
    }

    /// Records which list the place at `index` is about to be linked in.
    pub(crate) fn set_home(&mut self, index: u32, home: Home) {
        self.places[index as usize].home = home;
    }

    /// Links the unlinked place `index` at the front of the list starting at `head`.
    pub(crate) fn push_front(&mut self, head: &mut u32, index: u32) {
        let old = *head;
        let place = &mut self.places[index as usize];
        place.prev = NIL;
        place.next = old;
        if old != NIL {
            self.places[old as usize].prev = index;
        }
        *head = index;
    }

    /// Unlinks place `index` from the list starting at `head`.
    pub(crate) fn unlink(&mut self, head: &mut u32, index: u32) {
        let place = &self.places[index as usize];
        let (prev, next) = (place.prev, place.next);
        if prev == NIL {
            debug_assert_eq!(*head, index, "a place without prev heads its list");
            *head = next;
        } else {
            self.places[prev as usize].next = next;
        }
        if next != NIL {
            self.places[next as usize].prev = prev;
        }
        let place = &mut self.places[index as usize];
        place.prev = NIL;
        place.next = NIL;
    }
}
