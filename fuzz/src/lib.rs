//! What the fuzz targets share: how a target reads its input (a small header, then the
//! bytes a client sends), the read sizes that simulate a socket returning any amount,
//! and an allocator that records the peak, for the bounded-allocation properties.
//!
//! # Input layout
//!
//! ```text
//! byte 0     read sizes: the largest read (low 3 bits) and the generator's seed
//! byte 1     a knob of the target's own (the chat target's line cap, say)
//! byte 2     whether and where to stretch: if bit 7 is set, the low 6 bits are an
//!            index into the stream (modulo its length)
//! bytes 3-4  how much to stretch: the byte at that index (unless it is a `\n`) is
//!            repeated this many times more (little endian; byte 4 counts only if byte
//!            2's bit 6 is set), so that a few bytes reach the caps (64 KiB lines)
//! bytes 5..  the stream, as the client sends it
//! ```
//!
//! A seed file is therefore five header bytes (`\0\0\0\0\0` for "reads of one byte,
//! no stretch") followed by what a client would send.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Most reads a stream is delivered in, about (see [`Input::reads`]).
pub const MAX_READS: usize = 1024;

/// A target's input, decoded.
#[derive(Debug)]
pub struct Input {
    /// Byte 0: the read sizes (see [`Input::reads`]).
    pub reads: u8,
    /// Byte 1: the target's own knob.
    pub knob: u8,
    /// The bytes the client sends, stretched.
    pub stream: Vec<u8>,
}

impl Input {
    /// Decodes `data`; `None` if it is shorter than the header.
    pub fn new(data: &[u8]) -> Option<Input> {
        let (header, stream) = data.split_first_chunk::<5>()?;
        let mut stream = stream.to_vec();
        // Long streams are slow to run: most inputs stretch by little or nothing.
        let high = if header[2] & 0x40 != 0 { header[4] } else { 0 };
        let stretch = usize::from(u16::from_le_bytes([header[3], high]));
        let at = usize::from(header[2] & 0x3f) % stream.len().max(1);
        // Nor is a `\n` stretched: thousands of empty lines or commands cost much and
        // teach nothing that ten do not.
        if header[2] & 0x80 != 0 && stretch > 0 && stream.get(at).is_some_and(|&b| b != b'\n') {
            // Filled and moved in bulk: byte loops here would be traced for coverage.
            let mut stretched = Vec::with_capacity(stream.len() + stretch);
            stretched.extend_from_slice(&stream[..at]);
            stretched.resize(at + stretch, stream[at]);
            stretched.extend_from_slice(&stream[at..]);
            stream = stretched;
        }
        Some(Input {
            reads: header[0],
            knob: header[1],
            stream,
        })
    }

    /// The sizes of the reads that deliver the stream (none zero, summing to its
    /// length): each from 1 to the largest read (1, 2, 3, 5, 8, 64, 1024 or 16384
    /// bytes, by byte 0's low bits), drawn by a generator seeded by byte 0's high bits.
    /// A long (stretched) stream takes at most about [`MAX_READS`] reads: each read is
    /// then at least `len / MAX_READS` bytes, so that an execution stays fast.
    pub fn reads(&self) -> Vec<usize> {
        const LARGEST: [u32; 8] = [1, 2, 3, 5, 8, 64, 1024, 16384];
        let shortest = self.stream.len() / MAX_READS;
        let largest = LARGEST[usize::from(self.reads & 7)];
        let mut state = 0x9e37_79b9 ^ u32::from(self.reads >> 3).wrapping_mul(0x85eb_ca6b);
        let mut left = self.stream.len();
        let mut sizes = Vec::new();
        while left > 0 {
            // xorshift32: deterministic, so a crash reproduces from its input alone.
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let size = shortest + (1 + state % largest) as usize;
            sizes.push(size.min(left));
            left -= size.min(left);
        }
        sizes
    }
}

/// The global allocator of the fuzz targets: the system's, counting the bytes live and
/// their peak.
#[derive(Debug)]
pub struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let live = LIVE.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

// SAFETY: every method forwards to `System` with the caller's arguments, so `System`'s
// guarantees hold; the counters are only statistics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc` is `System::alloc`'s.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc_zeroed` is `System::alloc_zeroed`'s.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract for `dealloc` is `System::dealloc`'s.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract for `realloc` is `System::realloc`'s.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            // Old and new both live for a moment: count the new block first.
            grew(new_size);
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Measures the most heap that `f` had live at once beyond what was live when it
/// started, in bytes.
pub fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let value = f();
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(base);
    (value, peak)
}
