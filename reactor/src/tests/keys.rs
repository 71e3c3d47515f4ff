//! Poller keys are source addresses, and an address is not reused while an event may still
//! carry it: a stale event (one a round collected before its source was deregistered) wakes
//! nobody, even when a new source took the old one's fd number.

use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Weak};
use std::task::{Context, Wake, Waker};
use std::time::Duration;

use crate::poller::Event;
use crate::{Backend, Direction, Reactor, Source};

struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, SeqCst);
    }
}

/// Every backend this OS has; under miri, which runs epoll and socketpairs but not the
/// raw system calls `polling` makes through rustix, epoll only (`.ci/miri`).
fn backends() -> Vec<Backend> {
    [Backend::Epoll, Backend::Polling, Backend::PollingOneshot]
        .into_iter()
        .filter(|backend| backend.is_available())
        .filter(|backend| !cfg!(miri) || *backend == Backend::Epoll)
        .collect()
}

/// Registers one end of a fresh pair; the peer keeps the pair open.
fn registered(reactor: &Reactor) -> (Arc<Source>, UnixStream, UnixStream) {
    let (a, peer) = UnixStream::pair().unwrap();
    crate::sys::set_nonblocking(a.as_fd()).unwrap();
    // SAFETY: every caller deregisters the source before dropping `a`.
    let source = unsafe { reactor.register(a.as_fd()) }.unwrap();
    (source, a, peer)
}

#[test]
fn a_stale_event_on_a_reused_fd_number_wakes_nobody() {
    for backend in backends() {
        let reactor = Reactor::with_backend(backend).unwrap();
        let (old, old_fd, old_peer) = registered(&reactor);
        let stale_key = old.key();
        reactor.deregister(&old).unwrap();
        drop((old, old_fd, old_peer));

        // The new source most likely gets the old fd number back (the lowest free one);
        // with keys from a slab it would also have got the old key.
        let (new, _new_fd, _new_peer) = registered(&reactor);
        assert_ne!(
            new.key(),
            stale_key,
            "{backend}: a key was reused too early"
        );
        let flag = Arc::new(Flag(AtomicBool::new(false)));
        let waker = Waker::from(flag.clone());
        let mut cx = Context::from_waker(&waker);
        assert!(new
            .poll_ready(&reactor, Direction::Read, &mut cx)
            .is_pending());

        let mut wakers = Vec::new();
        let stale = Event {
            key: stale_key,
            readable: true,
            writable: true,
            read_closed: true,
            failed: true,
        };
        // SAFETY: no round has begun since the old source was deregistered, so the reactor
        // still keeps it alive (`Reactor`'s type docs: keys).
        unsafe { reactor.dispatch(stale, &mut wakers) };
        assert!(wakers.is_empty(), "{backend}: the stale event woke someone");
        assert!(
            !flag.0.load(SeqCst),
            "{backend}: the new source's waiter was woken"
        );

        reactor.deregister(&new).unwrap();
    }
}

#[test]
fn a_deregistered_source_is_freed_at_the_next_round() {
    for backend in backends() {
        let reactor = Reactor::with_backend(backend).unwrap();
        let (source, fd, _peer) = registered(&reactor);
        let weak: Weak<Source> = Arc::downgrade(&source);
        reactor.deregister(&source).unwrap();
        drop((source, fd));
        assert!(
            weak.upgrade().is_some(),
            "{backend}: freed before a round began: an event may still name it"
        );
        reactor.poll(Some(Duration::ZERO)).unwrap();
        assert!(
            weak.upgrade().is_none(),
            "{backend}: still kept after the next round began"
        );
        assert_eq!(reactor.sources(), 0);
    }
}
