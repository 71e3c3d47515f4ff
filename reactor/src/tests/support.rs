//! The models' sync shim and test doubles: a waker that counts, a model of one epoll
//! registration, and the reactor's two halves driven over them.
//!
//! The reactor's own code takes no atomics or locks that loom could check besides the
//! source mutex around the pure `readiness` state, and everything else it does is a
//! syscall; so the models put that same state and the same two `*_locked` entry points
//! behind loom's mutex, with a model of epoll (level-triggered, oneshot) in place of the
//! kernel.

use std::sync::Arc as StdArc;
use std::task::{Poll, Wake, Waker};

use crate::readiness::{self, Interest, SourceState};
use crate::Direction;

#[cfg(not(eddy_loom))]
pub(crate) use std::{
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc, Mutex,
    },
    thread,
};

#[cfg(eddy_loom)]
pub(crate) use loom::{
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc, Mutex,
    },
    thread,
};

/// Runs `f` as a loom model under `--cfg eddy_loom`, once otherwise.
///
/// Under loom the preemption bound comes from `LOOM_MAX_PREEMPTIONS` (`.ci/loom` sets 2);
/// without it, 2 as well, so that a plain `cargo test` under the cfg stays quick.
pub(crate) fn model(f: impl Fn() + Sync + Send + 'static) {
    #[cfg(eddy_loom)]
    {
        let mut builder = loom::model::Builder::new();
        if builder.preemption_bound.is_none() {
            builder.preemption_bound = Some(2);
        }
        builder.check(f);
    }
    #[cfg(not(eddy_loom))]
    f();
}

/// A waker that records that it was woken (a loom atomic, so loom sees the hand-off).
#[derive(Debug)]
pub(crate) struct Flag(AtomicBool);

impl Flag {
    pub(crate) fn new() -> (StdArc<Flag>, Waker) {
        let flag = StdArc::new(Flag(AtomicBool::new(false)));
        let waker = Waker::from(flag.clone());
        (flag, waker)
    }

    /// Whether it was woken since the last call; clears the flag.
    pub(crate) fn take(&self) -> bool {
        // SeqCst: the tests compare it with state read under other locks; no protocol here.
        self.0.swap(false, Ordering::SeqCst)
    }
}

impl Wake for Flag {
    fn wake(self: StdArc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// What the kernel knows about the fd: whether it is readable, and the interest armed in
/// epoll for it (level-triggered and oneshot, as polling 3 registers it).
#[derive(Debug, Default)]
pub(crate) struct Kernel {
    /// Bytes waiting to be read.
    pub(crate) data: bool,
    pub(crate) armed: Interest,
}

/// One source registered with a model reactor: the kernel side and the source's state,
/// each behind its own (loom) mutex, and the reactor's tick.
pub(crate) struct ModelSource {
    pub(crate) kernel: Mutex<Kernel>,
    pub(crate) state: Mutex<SourceState>,
    pub(crate) tick: AtomicUsize,
}

impl ModelSource {
    pub(crate) fn new() -> Arc<ModelSource> {
        Arc::new(ModelSource {
            kernel: Mutex::new(Kernel::default()),
            state: Mutex::new(SourceState::default()),
            tick: AtomicUsize::new(0),
        })
    }

    /// The peer writes: the fd becomes readable.
    pub(crate) fn write(&self) {
        self.kernel.lock().unwrap().data = true;
    }

    /// `epoll_ctl(MOD)`: what `Reactor::arm` does.
    fn arm(&self, interest: Interest) -> std::io::Result<()> {
        self.kernel.lock().unwrap().armed = interest;
        Ok(())
    }

    /// `Source::poll_ready` for reading: the same lock, tick read and entry point.
    pub(crate) fn poll_readable(&self, waker: &Waker) -> Poll<std::io::Result<()>> {
        let mut state = self.state.lock().unwrap();
        let tick = self.tick.load(Ordering::SeqCst);
        readiness::poll_ready_locked(&mut state, Direction::Read, tick, waker, |interest| {
            self.arm(interest)
        })
    }

    /// `Async::poll_io` with a read: consume the data if there is some, else wait.
    pub(crate) fn poll_read(&self, waker: &Waker) -> Poll<()> {
        loop {
            {
                let mut kernel = self.kernel.lock().unwrap();
                if kernel.data {
                    kernel.data = false;
                    return Poll::Ready(());
                }
            } // WouldBlock
            match self.poll_readable(waker) {
                Poll::Ready(Ok(())) => continue,
                Poll::Ready(Err(error)) => panic!("the model's source failed: {error}"),
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    /// One `Reactor::poll` round: bump the tick, "wait" (epoll reports an armed, readable
    /// fd and disarms it), deliver under the source lock, wake after releasing it.
    /// Returns how many wakers it woke.
    pub(crate) fn round(&self) -> usize {
        let tick = self.tick.fetch_add(1, Ordering::SeqCst).wrapping_add(1);
        let fired = {
            let mut kernel = self.kernel.lock().unwrap();
            let fired = kernel.armed.read && kernel.data;
            if fired {
                kernel.armed = Interest::default();
            }
            fired
        };
        let mut wakers = Vec::new();
        if fired {
            let mut state = self.state.lock().unwrap();
            readiness::deliver_locked(&mut state, tick, true, false, &mut wakers, |interest| {
                self.arm(interest)
            });
        }
        let woken = wakers.len();
        for waker in wakers {
            waker.wake();
        }
        woken
    }

    /// `Reactor::deregister`'s state half: mark, then wake outside the lock.
    pub(crate) fn deregister(&self) {
        let mut wakers = Vec::new();
        readiness::deregister_locked(&mut self.state.lock().unwrap(), &mut wakers);
        for waker in wakers {
            waker.wake();
        }
    }
}
