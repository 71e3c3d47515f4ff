//! eddy-reactor: readiness I/O for the eddy runtime, on epoll (Linux) or `polling` (every OS).
//!
//! It knows nothing of tasks, executors or time: it turns "this fd is readable/writable"
//! into [`Waker::wake`](std::task::Waker::wake) calls, and a runtime decides which thread
//! drives it and when.
//!
//! # Architecture
//!
//! A [`Reactor`] owns one OS **poller** of a [`Backend`]: epoll, driven directly (Linux
//! and Android: the fast path, `poller/epoll.rs` says why), or the `polling` crate (kqueue,
//! IOCP, event ports, poll(2); edge-triggered where the OS has edges, one-shot elsewhere),
//! and the registered [`Source`]s. A source's poller key is its **address**, so an event
//! finds its source without a lookup or a lock ([`Reactor`] says why that is sound). Each
//! source keeps, per [`Direction`], an atomic word (a tick of delivered edges and a ready
//! bit) and, behind its own mutex, a short list of waiting tasks' wakers: tokio's
//! `ScheduledIo` model.
//!
//! - **Registration** ([`Reactor::register`], or [`Registration::new`] for any
//!   [`AsSource`] type: `AsFd` on Unix, `AsSocket` on Windows) adds the fd **once,
//!   edge-triggered, for both directions** (on epoll also the peer's half-close:
//!   `EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET`). Nothing is re-armed: no `epoll_ctl` on
//!   the wait path. On a one-shot backend a waiter arms the direction it waits for, under
//!   the source lock, and the same rule holds (`readiness::Readiness`).
//! - **The poll round** ([`Reactor::poll`]) waits in the poller and, for each event (an
//!   edge), under the source lock bumps the tick and sets the ready bit of each reported
//!   direction and takes that direction's wakers; it wakes them only after releasing every
//!   lock (a waker may run arbitrary code, even re-enter the reactor).
//! - **The readiness rule** decides whether a task waits: [`Registration::poll_io`] reads
//!   the direction's word before its syscall (no lock); a `WouldBlock` clears the ready bit
//!   only if the tick is unchanged (compare-and-swap), then, under the source lock, the
//!   task retries if the tick moved and registers its waker otherwise. Since a delivery
//!   bumps the tick and takes the wakers under that same lock, an edge arriving between
//!   "the syscall said `WouldBlock`" and "the task registered" is never lost. It is
//!   written down at `readiness::Readiness`, in the one piece of code that both
//!   [`Source`] and the loom models (`src/tests/loom_readiness.rs`) run. While the bit is
//!   clear, `poll_io` skips the syscall and waits at once.
//! - **Short reads** ([`Registration::poll_stream_read`], for stream sockets and pipes): a
//!   read that returns fewer bytes than asked drained the socket, so it clears the ready bit
//!   like a `WouldBlock` and the next read waits without a syscall — tokio's rule, sound on
//!   epoll because a FIN is an edge of its own (`EPOLLRDHUP`) that sets a sticky
//!   read-closed flag, so an end-of-stream queued behind the bytes is never hidden, and in
//!   one-shot mode because arming sees the FIN. Off on `polling`'s edge mode, which reports
//!   no half-close ([`Reactor::short_reads_drain`]).
//! - **Bare readiness** ([`Source::poll_ready`], [`Registration::readable`]) is ready while
//!   the bit is set, so it can be spuriously ready; a `WouldBlock` through
//!   [`Registration::try_io`] or `poll_io` clears it.
//! - **One poller at a time**: the round holds a lock for its whole duration; a second
//!   thread calling [`poll`](Reactor::poll) gets `Ok(0)` at once ([`try_poll`](Reactor::try_poll)
//!   tells it apart with `None`). [`notify`](Reactor::notify) wakes a blocked round from
//!   any thread.
//! - **Deregister before close**: the poller must forget an fd before it is closed (its fd
//!   number could be reused). [`Reactor::deregister`] deletes it, removes it and wakes its
//!   waiters, whose waits then fail; [`Registration`]'s `Drop` deregisters first and
//!   closes after. Its memory is freed at the start of a later round, never while an
//!   event of a round in progress may still carry its key.
//!
//! Errors and hang-ups (`EPOLLERR`, `EPOLLHUP`, and what `polling` folds in) wake both directions, so a task always
//! learns of EOF or a reset from its own syscall.
//!
//! # Examples
//!
//! A socket pair, a thread that drives the reactor, and a future on each end:
//!
//! ```
//! use std::io::{Read, Write};
//! use std::os::unix::net::UnixStream;
//! use std::sync::atomic::{AtomicBool, Ordering};
//! use std::sync::Arc;
//! use eddy_reactor::{Registration, Reactor};
//!
//! let reactor = Arc::new(Reactor::new()?);
//! let (a, b) = UnixStream::pair()?;
//! let a = Registration::new(a, reactor.clone())?; // non-blocking and registered
//! let b = Registration::new(b, reactor.clone())?;
//!
//! // The driver: poll rounds until told to stop.
//! let stop = Arc::new(AtomicBool::new(false));
//! let driver = std::thread::spawn({
//!     let (reactor, stop) = (reactor.clone(), stop.clone());
//!     move || {
//!         while !stop.load(Ordering::Acquire) {
//!             reactor.poll(None)?;
//!         }
//!         std::io::Result::Ok(())
//!     }
//! });
//!
//! // The reader waits (Pending) until the writer's bytes arrive.
//! let reader = std::thread::spawn(move || {
//!     futures_lite::future::block_on(async {
//!         let mut buf = [0; 4];
//!         let n = a.read_with(|mut s| s.read(&mut buf)).await?;
//!         std::io::Result::Ok(buf[..n].to_vec())
//!     })
//! });
//! futures_lite::future::block_on(b.write_with(|mut s| s.write(b"ping")))?;
//! assert_eq!(reader.join().unwrap()?, b"ping");
//!
//! stop.store(true, Ordering::Release);
//! reactor.notify()?;
//! driver.join().unwrap()?;
//! drop(b); // deregisters, then closes
//! assert_eq!(reactor.sources(), 0);
//! # std::io::Result::Ok(())
//! ```

#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod poller;
mod reactor;
mod readiness;
mod registration;
#[cfg(unix)]
pub mod signal;
mod source;
mod sys;

#[cfg(test)]
mod tests;

pub use poller::Backend;
pub use reactor::Reactor;
pub use registration::Registration;
pub use source::{Direction, Source};
pub use sys::{AsSource, BorrowedSource, RawSource};
