//! The global allocator: the system's, counting the change of live bytes while [`ON`]
//! holds.
//!
//! The count is a shared `fetch_add` per allocation and free, which would tax whichever
//! runtime allocates more while CPU per round trip is measured; so it runs only during
//! the memory step (see `server`) and otherwise costs a Relaxed load of a flag nobody
//! writes then. Allocations and frees in the step are all counted, whenever the freed
//! blocks were allocated, so [`LIVE`] at its end is the step's change of live bytes.
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering::Relaxed};

pub struct Counting;

/// Bytes allocated less bytes freed while [`ON`] held.
pub static LIVE: AtomicIsize = AtomicIsize::new(0);

/// Whether allocations and frees are counted.
pub static ON: AtomicBool = AtomicBool::new(false);

/// Adds `bytes` to [`LIVE`] if counting is on.
fn count(bytes: isize) {
    if ON.load(Relaxed) {
        LIVE.fetch_add(bytes, Relaxed);
    }
}

// SAFETY: every call is forwarded to `System` with the caller's arguments, so its
// guarantees are `System`'s; the counter only observes sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc`, passed on.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            count(layout.size() as isize);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc_zeroed`, passed on.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            count(layout.size() as isize);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract for `dealloc`, passed on.
        unsafe { System.dealloc(ptr, layout) };
        count(-(layout.size() as isize));
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract for `realloc`, passed on.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            count(new_size as isize - layout.size() as isize);
        }
        p
    }
}
