//! Wakers whose user code panics, for the models of a panic inside a primitive's
//! operation, and one that records its wakes. Built from raw vtables (the test tree's one
//! `unsafe`): `Waker::from` cannot make a clone panic, and a panic in the last drop of an
//! `Arc` leaks its allocation, which miri's leak check (`.ci/miri`) would report.

#![allow(unsafe_code)]

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{RawWaker, RawWakerVTable, Wake, Waker};

fn noop(_: *const ()) {}

/// A waker whose clone panics.
pub(crate) fn clone_panics() -> Waker {
    fn clone(_: *const ()) -> RawWaker {
        panic!("a waker's clone panics");
    }
    static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, noop, noop, noop);
    // SAFETY: no function of the vtable reads the (null) data pointer, each may be called
    // from any thread, and `clone` never returns.
    unsafe { Waker::from_raw(RawWaker::new(std::ptr::null(), &VTABLE)) }
}

/// A waker every clone of which panics when dropped (not when woken): `mem::forget` the
/// ones the test keeps. It owns nothing, so nothing leaks.
pub(crate) fn drop_panics() -> Waker {
    fn clone(_: *const ()) -> RawWaker {
        RawWaker::new(std::ptr::null(), &VTABLE)
    }
    fn drop(_: *const ()) {
        panic!("a waker's drop panics");
    }
    static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, noop, noop, drop);
    // SAFETY: no function of the vtable reads the (null) data pointer, each may be called
    // from any thread, and a clone is the same null waker.
    unsafe { Waker::from_raw(RawWaker::new(std::ptr::null(), &VTABLE)) }
}

/// Records a wake.
pub(crate) struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, SeqCst);
    }
}

impl Flag {
    pub(crate) fn woken(&self) -> bool {
        self.0.load(SeqCst)
    }
}

/// A waker that records its wakes in the flag returned with it.
pub(crate) fn flag() -> (Waker, Arc<Flag>) {
    let flag = Arc::new(Flag(AtomicBool::new(false)));
    (Waker::from(flag.clone()), flag)
}
