//! The task's `Waker`: its data pointer is the task header; no allocation per waker.

use std::ptr::NonNull;
use std::task::{RawWaker, RawWakerVTable, Waker};

use super::core::Header;
use super::RawTask;

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

/// A waker that borrows the caller's reference: it must not be dropped (wrap it in
/// `ManuallyDrop`) and must not outlive that reference. Cloning it counts a reference.
///
/// Takes the raw task pointer, not `&Header`: a waker may free the whole allocation, so
/// its pointer must carry the allocation's provenance, not a reference to the header's.
pub(super) fn borrowed(header: NonNull<Header>) -> Waker {
    let ptr = header.as_ptr() as *const ();
    // SAFETY: the vtable's functions uphold the RawWaker contract for task pointers:
    // clone counts a reference, wake/drop give one up.
    unsafe { Waker::from_raw(RawWaker::new(ptr, &VTABLE)) }
}

/// # Safety (all entries)
///
/// * `ptr` is a task header on which this waker holds a reference (or, for the borrowed
///   waker, whose reference the poller holds for the duration of the call).
unsafe fn raw(ptr: *const ()) -> RawTask {
    // SAFETY: wakers are only made from live headers (`borrowed`, `clone`).
    unsafe { RawTask::from_raw(NonNull::new_unchecked(ptr as *mut Header)) }
}

unsafe fn clone(ptr: *const ()) -> RawWaker {
    // SAFETY: entry contract.
    unsafe { raw(ptr) }.ref_inc();
    RawWaker::new(ptr, &VTABLE)
}

unsafe fn wake(ptr: *const ()) {
    // SAFETY: entry contract; this waker's reference is consumed.
    unsafe { raw(ptr) }.wake_by_val();
}

unsafe fn wake_by_ref(ptr: *const ()) {
    // SAFETY: entry contract.
    unsafe { raw(ptr) }.wake_by_ref();
}

unsafe fn drop_waker(ptr: *const ()) {
    // SAFETY: entry contract; this waker's reference is given up.
    unsafe { raw(ptr) }.drop_reference();
}
