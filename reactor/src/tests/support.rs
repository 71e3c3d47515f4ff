//! The models' sync shim and test doubles: a waker that counts, a model of one epoll
//! registration (edge-triggered), and the reactor's two halves driven over them.
//!
//! The reactor's protocol is `readiness::Readiness`, generic over its atomic word and its
//! lock; the models instantiate that same type with loom's atomic and mutex, and put a
//! model of the kernel (a socket's receive queue and epoll's ready list, edge-triggered)
//! in place of the syscalls.

use std::sync::Arc as StdArc;
use std::task::{Poll, Wake, Waker};

use crate::readiness::{self, Readiness, Waiters};
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

#[cfg(eddy_loom)]
impl readiness::Word for AtomicUsize {
    fn load(&self) -> usize {
        self.load(Ordering::SeqCst)
    }

    fn compare_exchange(&self, current: usize, new: usize) -> Result<usize, usize> {
        self.compare_exchange(current, new, Ordering::SeqCst, Ordering::SeqCst)
    }
}

impl readiness::Lock for Mutex<Waiters> {
    fn with<R>(&self, f: impl FnOnce(&mut Waiters) -> R) -> R {
        f(&mut self.lock().unwrap())
    }
}

/// What the kernel knows about the fd: the bytes in its receive queue, and whether epoll's
/// ready list holds an edge for it. Edge-triggered: every arrival of data queues one edge
/// (at most one pending at a time, as epoll keeps an fd on its ready list once), and a
/// harvested edge is not reported again until the next arrival.
#[derive(Debug, Default)]
pub(crate) struct Kernel {
    /// Bytes waiting to be read.
    pub(crate) data: usize,
    /// An edge is on epoll's ready list.
    pub(crate) edge: bool,
    /// The peer shut its write side (a FIN arrived): once the queue is empty, reads
    /// return end-of-stream, and epoll reports `EPOLLRDHUP` from then on.
    pub(crate) fin: bool,
}

/// One source registered with a model reactor: the kernel side behind its own (loom)
/// mutex, and the source's readiness, the real type over loom's atomic and mutex.
pub(crate) struct ModelSource {
    pub(crate) kernel: Mutex<Kernel>,
    pub(crate) readiness: Readiness<AtomicUsize, Mutex<Waiters>>,
}

impl ModelSource {
    pub(crate) fn new() -> Arc<ModelSource> {
        Arc::new(ModelSource {
            kernel: Mutex::new(Kernel::default()),
            readiness: Readiness::new(
                [AtomicUsize::new(0), AtomicUsize::new(0)],
                Mutex::new(Waiters::default()),
            ),
        })
    }

    /// The peer writes a byte: it joins the queue, and epoll queues an edge.
    pub(crate) fn write(&self) {
        let mut kernel = self.kernel.lock().unwrap();
        kernel.data += 1;
        kernel.edge = true;
    }

    /// The peer shuts its write side: the FIN queues behind the data, with an edge.
    pub(crate) fn write_fin(&self) {
        let mut kernel = self.kernel.lock().unwrap();
        kernel.fin = true;
        kernel.edge = true;
    }

    /// A non-blocking read of everything queued (a short read: the buffer is larger);
    /// `Ok(0)` is end-of-stream, once the queue is empty after a FIN.
    fn read_syscall(&self) -> std::io::Result<usize> {
        let mut kernel = self.kernel.lock().unwrap();
        match std::mem::take(&mut kernel.data) {
            0 if kernel.fin => Ok(0),
            0 => Err(std::io::ErrorKind::WouldBlock.into()),
            n => Ok(n),
        }
    }

    /// `Registration::poll_stream_read`: a read that returned fewer bytes than asked (every
    /// non-empty read here) clears the readiness. `Ready(n)`, `n == 0` being end-of-stream.
    pub(crate) fn poll_stream_read(&self, waker: &Waker) -> Poll<usize> {
        match self.readiness.poll_io(
            Direction::Read,
            waker,
            || false,
            || self.read_syscall(),
            |&n| n > 0,
            None,
        ) {
            Poll::Ready(Ok(n)) => Poll::Ready(n),
            Poll::Ready(Err(error)) => panic!("the model's source failed: {error}"),
            Poll::Pending => Poll::Pending,
        }
    }

    /// `Source::poll_ready` for reading (`readable()`).
    pub(crate) fn poll_readable(&self, waker: &Waker) -> Poll<std::io::Result<()>> {
        self.readiness
            .poll_ready(Direction::Read, waker, || false, None)
    }

    /// `Registration::poll_io` with a read. With `drained`, a successful transfer clears the
    /// readiness, the path `Registration::poll_stream_write` takes after a short write (the model
    /// runs it on the read side, whose kernel it has; here a read always empties the queue,
    /// as a short write always fills the send buffer). Returns the bytes read.
    pub(crate) fn poll_read(&self, waker: &Waker, drained: bool) -> Poll<usize> {
        match self.readiness.poll_io(
            Direction::Read,
            waker,
            || false,
            || self.read_syscall(),
            |_| drained,
            None,
        ) {
            Poll::Ready(Ok(n)) => Poll::Ready(n),
            Poll::Ready(Err(error)) => panic!("the model's source failed: {error}"),
            Poll::Pending => Poll::Pending,
        }
    }

    /// `Registration::try_io` with a read.
    pub(crate) fn try_read(&self) -> std::io::Result<usize> {
        self.readiness
            .try_io(Direction::Read, || self.read_syscall())
    }

    /// A read straight on the fd, around the reactor (clears nothing).
    pub(crate) fn raw_read(&self) -> std::io::Result<usize> {
        self.read_syscall()
    }

    /// One `Reactor::poll` round: harvest the pending edge (reporting the fd readable, and
    /// read-closed if the FIN has arrived: epoll computes the flags when it reports),
    /// deliver it under the source lock, wake after releasing it. Returns how many wakers
    /// it woke.
    pub(crate) fn round(&self) -> usize {
        let (fired, fin) = {
            let mut kernel = self.kernel.lock().unwrap();
            (std::mem::take(&mut kernel.edge), kernel.fin)
        };
        let mut wakers = Vec::new();
        if fired {
            self.readiness.deliver(true, false, fin, &mut wakers, None);
        }
        let woken = wakers.len();
        for waker in wakers {
            waker.wake();
        }
        woken
    }

    /// `Reactor::deregister`'s readiness half: mark, then wake outside the lock.
    pub(crate) fn deregister(&self) {
        let mut wakers = Vec::new();
        self.readiness.deregister(&mut wakers);
        for waker in wakers {
            waker.wake();
        }
    }
}
