//! The models' sync shim and test doubles: a waker that counts, a model of one poller
//! registration (epoll's, edge-triggered, or a one-shot poller's), and the reactor's two
//! halves driven over them.
//!
//! The reactor's protocol is `readiness::Readiness`, generic over its atomic word and its
//! lock; the models instantiate that same type with loom's atomic and mutex, and put a
//! model of the kernel (a socket's receive queue and send buffer, and the poller's ready
//! list, edge-triggered or one-shot) in place of the syscalls.

use std::io;
use std::sync::Arc as StdArc;
use std::task::{Poll, Wake, Waker};

use crate::readiness::{self, Arm, Readiness, Waiters};
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
///
/// With [`Kernel::oneshot`], the poller is one-shot instead ([`Oneshot`]), and the write
/// direction is modelled too ([`Kernel::room`]); the edge models leave both alone.
#[derive(Debug, Default)]
pub(crate) struct Kernel {
    /// Bytes waiting to be read.
    pub(crate) data: usize,
    /// An edge is on epoll's ready list.
    pub(crate) edge: bool,
    /// The peer shut its write side (a FIN arrived): once the queue is empty, reads
    /// return end-of-stream, and epoll reports `EPOLLRDHUP` from then on.
    pub(crate) fin: bool,
    /// The send buffer has room: the fd is writable (one-shot models only).
    pub(crate) room: bool,
    /// The one-shot poller's registration; `None` for epoll's edge-triggered one.
    pub(crate) oneshot: Option<Oneshot>,
}

/// A one-shot poller's registration of the fd (poll(2), IOCP, event ports,
/// `EPOLLONESHOT`): while it is armed for a direction that is ready, it queues one event
/// reporting the armed directions that are ready, and that event disarms it for both
/// directions. Checked whenever the fd's state or the arming changes, so data arriving
/// while armed fires at once, and so does arming while data is queued (a level check).
#[derive(Debug, Default)]
pub(crate) struct Oneshot {
    /// The directions it is armed for, `[read, write]`.
    pub(crate) armed: [bool; 2],
    /// The event waiting for a round to harvest it: the directions it reports.
    pub(crate) event: [bool; 2],
    /// Deleted from the poller (`Reactor::deregister`): nothing is reported any more.
    pub(crate) deleted: bool,
}

impl Kernel {
    /// Readable (data or end-of-stream), writable (room).
    fn level(&self) -> [bool; 2] {
        [self.data > 0 || self.fin, self.room]
    }

    /// One-shot: queues an event if armed for a direction that is ready, and disarms.
    /// Nothing for the edge-triggered poller, whose writers set `edge` themselves.
    fn check(&mut self) {
        let level = self.level();
        if let Some(oneshot) = &mut self.oneshot {
            let fired = [0, 1].map(|dir| oneshot.armed[dir] && level[dir]);
            if fired != [false; 2] {
                oneshot.event = [0, 1].map(|dir| oneshot.event[dir] || fired[dir]);
                oneshot.armed = [false; 2];
            }
        }
    }
}

/// One source registered with a model reactor: the kernel side behind its own (loom)
/// mutex, and the source's readiness, the real type over loom's atomic and mutex.
pub(crate) struct ModelSource {
    pub(crate) kernel: Mutex<Kernel>,
    pub(crate) readiness: Readiness<AtomicUsize, Mutex<Waiters>>,
    /// Registered with a one-shot poller (`kernel.oneshot` is `Some`); kept out of the
    /// kernel's lock so that the edge models take no extra lock to learn it.
    oneshot: bool,
}

impl ModelSource {
    /// A source registered with epoll, edge-triggered.
    pub(crate) fn new() -> Arc<ModelSource> {
        Arc::new(ModelSource {
            kernel: Mutex::new(Kernel::default()),
            readiness: Readiness::new(
                [AtomicUsize::new(0), AtomicUsize::new(0)],
                Mutex::new(Waiters::default()),
            ),
            oneshot: false,
        })
    }

    /// A source registered with a one-shot poller, which arms it for both directions at
    /// registration (`Poller::add`, and `Waiters::armed(true)`): a level check, so with
    /// `room` the registration's event (writable) is queued at once.
    pub(crate) fn oneshot(room: bool) -> Arc<ModelSource> {
        let mut kernel = Kernel {
            room,
            oneshot: Some(Oneshot {
                armed: [true; 2],
                ..Oneshot::default()
            }),
            ..Kernel::default()
        };
        kernel.check();
        Arc::new(ModelSource {
            kernel: Mutex::new(kernel),
            readiness: Readiness::new(
                [AtomicUsize::new(0), AtomicUsize::new(0)],
                Mutex::new(Waiters::armed(true)),
            ),
            oneshot: true,
        })
    }

    /// `Reactor::arm`, which the protocol calls under the source lock: replaces the
    /// directions the one-shot registration is armed for, with a level check. Its
    /// contract: the source is not deregistered (else its fd may be closed already).
    fn arm(&self, interest: [bool; 2]) -> io::Result<()> {
        assert!(
            !self.readiness.snapshot(Direction::Read).is_closed(),
            "armed a deregistered source, whose fd may be closed (or reused) already"
        );
        let mut kernel = self.kernel.lock().unwrap();
        let oneshot = kernel.oneshot.as_mut().expect("an edge source was armed");
        assert!(!oneshot.deleted, "armed a source deleted from the poller");
        oneshot.armed = interest;
        kernel.check();
        Ok(())
    }

    /// Runs `f` with the arming callback the reactor passes: `Some` on a one-shot poller
    /// (`Reactor::arming`).
    fn with_arm<R>(&self, f: impl FnOnce(Arm<'_>) -> R) -> R {
        let arm = |interest| self.arm(interest);
        f(self
            .oneshot
            .then_some(&arm as &dyn Fn([bool; 2]) -> io::Result<()>))
    }

    /// The one-shot registration's state: `(armed, event pending)`, for assertions.
    pub(crate) fn oneshot_state(&self) -> ([bool; 2], [bool; 2]) {
        let kernel = self.kernel.lock().unwrap();
        let oneshot = kernel.oneshot.as_ref().expect("a one-shot source");
        (oneshot.armed, oneshot.event)
    }

    /// The peer writes a byte: it joins the queue, and epoll queues an edge (a one-shot
    /// poller, an event if armed for reading).
    pub(crate) fn write(&self) {
        let mut kernel = self.kernel.lock().unwrap();
        kernel.data += 1;
        kernel.edge = true;
        kernel.check();
    }

    /// The peer shuts its write side: the FIN queues behind the data, with an edge (or
    /// an event, if armed for reading).
    pub(crate) fn write_fin(&self) {
        let mut kernel = self.kernel.lock().unwrap();
        kernel.fin = true;
        kernel.edge = true;
        kernel.check();
    }

    /// The peer reads what this side sent: the send buffer has room again (an event, if
    /// armed for writing). One-shot models only.
    pub(crate) fn free_room(&self) {
        let mut kernel = self.kernel.lock().unwrap();
        kernel.room = true;
        kernel.check();
    }

    /// A non-blocking write that fills the send buffer, if it has room.
    fn write_syscall(&self) -> io::Result<usize> {
        let mut kernel = self.kernel.lock().unwrap();
        if std::mem::take(&mut kernel.room) {
            Ok(1)
        } else {
            Err(io::ErrorKind::WouldBlock.into())
        }
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
        let result = self.with_arm(|arm| {
            self.readiness.poll_io(
                Direction::Read,
                waker,
                || false,
                || self.read_syscall(),
                |&n| n > 0,
                arm,
            )
        });
        match result {
            Poll::Ready(Ok(n)) => Poll::Ready(n),
            Poll::Ready(Err(error)) => panic!("the model's source failed: {error}"),
            Poll::Pending => Poll::Pending,
        }
    }

    /// `Source::poll_ready` for reading (`readable()`).
    pub(crate) fn poll_readable(&self, waker: &Waker) -> Poll<std::io::Result<()>> {
        self.with_arm(|arm| {
            self.readiness
                .poll_ready(Direction::Read, waker, || false, arm)
        })
    }

    /// `Registration::poll_io` with a read. With `drained`, a successful transfer clears the
    /// readiness, the path `Registration::poll_stream_write` takes after a short write (the model
    /// runs it on the read side, whose kernel it has; here a read always empties the queue,
    /// as a short write always fills the send buffer). Returns the bytes read.
    pub(crate) fn poll_read(&self, waker: &Waker, drained: bool) -> Poll<usize> {
        let result = self.with_arm(|arm| {
            self.readiness.poll_io(
                Direction::Read,
                waker,
                || false,
                || self.read_syscall(),
                |_| drained,
                arm,
            )
        });
        match result {
            Poll::Ready(Ok(n)) => Poll::Ready(n),
            Poll::Ready(Err(error)) => panic!("the model's source failed: {error}"),
            Poll::Pending => Poll::Pending,
        }
    }

    /// `Registration::poll_io` with a write (one-shot models only: the edge kernel has no
    /// send buffer). Returns the bytes written.
    pub(crate) fn poll_write(&self, waker: &Waker) -> Poll<usize> {
        let result = self.with_arm(|arm| {
            self.readiness.poll_io(
                Direction::Write,
                waker,
                || false,
                || self.write_syscall(),
                |_| false,
                arm,
            )
        });
        match result {
            Poll::Ready(Ok(n)) => Poll::Ready(n),
            Poll::Ready(Err(error)) => panic!("the model's source failed: {error}"),
            Poll::Pending => Poll::Pending,
        }
    }

    /// `Registration::wait_for_first_read_edge`.
    pub(crate) fn wait_for_first_read_edge(&self) {
        self.readiness.clear_until_first_edge(Direction::Read);
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
    ///
    /// One-shot: harvest the pending event (never read-closed: `polling` reports no
    /// half-close) and deliver it with the arming callback, which re-arms the source.
    pub(crate) fn round(&self) -> usize {
        let mut wakers = Vec::new();
        if self.oneshot {
            let event = {
                let mut kernel = self.kernel.lock().unwrap();
                let oneshot = kernel.oneshot.as_mut().expect("a one-shot source");
                std::mem::take(&mut oneshot.event)
            };
            if event != [false; 2] {
                self.with_arm(|arm| {
                    self.readiness
                        .deliver(event[0], event[1], false, &mut wakers, arm)
                });
            }
            let woken = wakers.len();
            for waker in wakers {
                waker.wake();
            }
            return woken;
        }
        let (fired, fin) = {
            let mut kernel = self.kernel.lock().unwrap();
            (std::mem::take(&mut kernel.edge), kernel.fin)
        };
        if fired {
            self.readiness.deliver(true, false, fin, &mut wakers, None);
        }
        let woken = wakers.len();
        for waker in wakers {
            waker.wake();
        }
        woken
    }

    /// `Reactor::deregister`: mark (under the source lock), delete from the poller (a
    /// one-shot one reports nothing more), then wake outside the lock.
    pub(crate) fn deregister(&self) {
        let mut wakers = Vec::new();
        self.readiness.deregister(&mut wakers);
        if self.oneshot {
            let mut kernel = self.kernel.lock().unwrap();
            let oneshot = kernel.oneshot.as_mut().expect("a one-shot source");
            *oneshot = Oneshot {
                deleted: true,
                ..Oneshot::default()
            };
        }
        for waker in wakers {
            waker.wake();
        }
    }
}

/// After the racing threads are done, drives the model reactor as a runtime would: a woken
/// waiter polls again with `poll`, and the reactor runs rounds in between. The waiter must
/// finish within `rounds` rounds.
pub(crate) fn settles(
    source: &ModelSource,
    flag: &Flag,
    rounds: usize,
    mut poll: impl FnMut() -> bool,
) {
    for _ in 0..rounds {
        if flag.take() && poll() {
            return;
        }
        source.round();
    }
    assert!(
        flag.take(),
        "a pending waiter was never woken: a lost wakeup"
    );
    assert!(poll(), "a woken waiter never became ready");
}
