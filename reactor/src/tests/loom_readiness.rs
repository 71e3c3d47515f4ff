//! Loom models of the readiness rule (`readiness::Readiness`, edge-triggered): a waiter's
//! "load the tick, syscall says WouldBlock, clear if the tick is unchanged, then under the
//! lock check the tick and register" races the poll round's "under the lock bump the tick,
//! take the wakers, then wake". The kernel model reports an edge once per arrival of data.
//! In every interleaving a waiter is either ready at once or woken, and once woken it
//! becomes ready (no lost wakeup, no livelock).

use std::task::{Poll, Waker};

use eddy_test_support::model;

use super::support::{settles, thread, Flag, ModelSource};

/// `read_with` (and, with `drained`, the short-transfer path of `poll_stream_write`):
/// a reader's read says WouldBlock and it registers, while the peer writes and the reactor
/// runs a round. A reader still pending afterwards is woken by the next round at the
/// latest, and its next read gets the byte.
#[test]
fn loom_read_racing_a_write_and_a_round_is_never_lost() {
    for drained in [false, true] {
        model(move || {
            let source = ModelSource::new();
            let (flag, waker) = Flag::new();
            let reader = thread::spawn({
                let (source, waker) = (source.clone(), waker.clone());
                move || source.poll_read(&waker, drained).is_ready()
            });
            // The peer's write and the poll round that reports it run on one thread, so a
            // single preemption of the reader (between its `WouldBlock` and its
            // registration) lets the whole delivery slip in: the case the rule exists for.
            let poller = thread::spawn({
                let source = source.clone();
                move || {
                    source.write();
                    source.round()
                }
            });
            let done = reader.join().unwrap();
            poller.join().unwrap();
            if !done {
                settles(&source, &flag, 1, || {
                    source.poll_read(&waker, drained).is_ready()
                });
            }
        });
    }
}

/// The short-transfer path (`poll_stream_write`'s): a transfer that emptied the queue
/// cleared the readiness (or not, if an edge came meanwhile), and the next transfer, racing
/// a new byte and its round, is never stranded behind a cleared ready bit.
#[test]
fn loom_a_short_read_clearing_readiness_never_hides_the_next_byte() {
    model(|| {
        let source = ModelSource::new();
        let (flag, waker) = Flag::new();
        source.write();
        source.round();
        let reader = thread::spawn({
            let (source, waker) = (source.clone(), waker.clone());
            move || {
                assert!(matches!(source.poll_read(&waker, true), Poll::Ready(1 | 2)));
                source.poll_read(&waker, true).is_ready()
            }
        });
        let poller = thread::spawn({
            let source = source.clone();
            move || source.round()
        });
        source.write();
        let done = reader.join().unwrap();
        poller.join().unwrap();
        if !done {
            // Pending: either the second byte came with the first read (and nothing is
            // left, so waiting is right) or it is still queued and an edge will wake.
            if source.kernel.lock().unwrap().data == 0 {
                return;
            }
            settles(&source, &flag, 1, || {
                source.poll_read(&waker, true).is_ready()
            });
        }
    });
}

/// `poll_stream_read` (a short read clears readiness, tokio's rule): the peer sends a byte
/// then its FIN, each with an edge, racing the reader and a poll round. The read that
/// returns the byte is short and clears the ready bit; if the FIN's edge was already spent
/// then, only the sticky read-closed flag keeps the end-of-stream from being hidden for
/// ever. In every interleaving the reader reaches end-of-stream (`Ok(0)`) once the rounds
/// have run. (Without the flag, this model hangs the reader: checked by removing it.)
#[test]
fn loom_a_short_read_never_hides_a_fin_queued_behind_the_bytes() {
    model(|| {
        let source = ModelSource::new();
        let (flag, waker) = Flag::new();
        let peer = thread::spawn({
            let source = source.clone();
            move || {
                source.write();
                source.write_fin();
                source.round()
            }
        });
        // The reader reads until end-of-stream or `Pending`, as a read loop does.
        let read_to_eof = |source: &ModelSource, waker: &Waker| loop {
            match source.poll_stream_read(waker) {
                Poll::Ready(0) => return true,
                Poll::Ready(_) => {}
                Poll::Pending => return false,
            }
        };
        let reader = thread::spawn({
            let (source, waker) = (source.clone(), waker.clone());
            move || read_to_eof(&source, &waker)
        });
        let done = reader.join().unwrap();
        peer.join().unwrap();
        if !done {
            settles(&source, &flag, 1, || read_to_eof(&source, &waker));
        }
    });
}

/// `readable()`: ready while the ready bit is set, else it registers; it must become ready
/// within one round of a write, whichever way the round and its registration interleave.
#[test]
fn loom_readable_racing_a_write_and_a_round_becomes_ready() {
    model(|| {
        let source = ModelSource::new();
        let (flag, waker) = Flag::new();
        let waiter = thread::spawn({
            let source = source.clone();
            let waker = waker.clone();
            move || source.poll_readable(&waker).is_ready()
        });
        let poller = thread::spawn({
            let source = source.clone();
            move || source.round()
        });
        source.write();
        let done = waiter.join().unwrap();
        poller.join().unwrap();
        if !done {
            settles(&source, &flag, 1, || {
                matches!(source.poll_readable(&waker), Poll::Ready(Ok(())))
            });
        }
    });
}

/// `readable()` is spuriously ready after a read made around the reactor; `try_read`'s
/// WouldBlock clears it, racing a new byte and its round: the next `readable()` either is
/// ready (the new edge) or waits and is woken.
#[test]
fn loom_try_read_would_block_clears_readiness_without_losing_an_edge() {
    model(|| {
        let source = ModelSource::new();
        let (flag, waker) = Flag::new();
        source.write();
        source.round();
        assert_eq!(source.raw_read().unwrap(), 1);
        let waiter = thread::spawn({
            let (source, waker) = (source.clone(), waker.clone());
            move || {
                assert!(
                    matches!(source.poll_readable(&waker), Poll::Ready(Ok(()))),
                    "spuriously ready: nothing cleared the bit"
                );
                match source.try_read() {
                    Ok(_) => true,
                    Err(_) => source.poll_readable(&waker).is_ready(),
                }
            }
        });
        let poller = thread::spawn({
            let source = source.clone();
            move || source.round()
        });
        source.write();
        let done = waiter.join().unwrap();
        poller.join().unwrap();
        if !done {
            settles(&source, &flag, 1, || {
                matches!(source.poll_readable(&waker), Poll::Ready(Ok(())))
            });
            assert_eq!(source.try_read().unwrap(), 1, "and the byte is there");
        }
    });
}

/// Two tasks wait on the same direction (split halves, an `Arc`'d socket) while the
/// readiness is delivered: both are woken, neither replaces the other.
#[test]
fn loom_two_waiters_on_one_direction_are_both_woken() {
    model(|| {
        let source = ModelSource::new();
        let (flag_a, waker_a) = Flag::new();
        let (flag_b, waker_b) = Flag::new();
        let a = thread::spawn({
            let (source, waker) = (source.clone(), waker_a.clone());
            move || source.poll_readable(&waker).is_ready()
        });
        let b = thread::spawn({
            let (source, waker) = (source.clone(), waker_b.clone());
            move || source.poll_readable(&waker).is_ready()
        });
        source.write();
        source.round();
        let (a_done, b_done) = (a.join().unwrap(), b.join().unwrap());
        let ready = |waker: &Waker| matches!(source.poll_readable(waker), Poll::Ready(Ok(())));
        if !a_done {
            settles(&source, &flag_a, 1, || ready(&waker_a));
        }
        if !b_done {
            settles(&source, &flag_b, 1, || ready(&waker_b));
        }
    });
}

/// Two readers on one source race a write and a round: one gets the byte, and the other
/// (which may have seen the tick move and retried, or cleared the bit) waits; a second
/// byte then reaches it.
#[test]
fn loom_two_readers_share_the_bytes_and_neither_is_stranded() {
    model(|| {
        let source = ModelSource::new();
        let (flag_a, waker_a) = Flag::new();
        let (flag_b, waker_b) = Flag::new();
        let a = thread::spawn({
            let (source, waker) = (source.clone(), waker_a.clone());
            move || source.poll_read(&waker, false).is_ready()
        });
        let b = thread::spawn({
            let (source, waker) = (source.clone(), waker_b.clone());
            move || source.poll_read(&waker, false).is_ready()
        });
        source.write();
        source.round();
        let (a_done, b_done) = (a.join().unwrap(), b.join().unwrap());
        assert!(!(a_done && b_done), "one byte, two reads");
        // Whoever is still pending is served by the next byte (or had it all along).
        let pending = [(a_done, &flag_a, &waker_a), (b_done, &flag_b, &waker_b)];
        let mut waiting = pending.iter().filter(|(done, ..)| !done).count();
        if waiting == 2 {
            // The byte is still queued: its edge was harvested before either registered
            // or after; one round must wake both (at least one reads it).
            settles(&source, &flag_a, 1, || {
                source.poll_read(&waker_a, false).is_ready()
            });
            waiting = 1;
            if source.poll_read(&waker_b, false).is_ready() {
                return;
            }
        }
        assert_eq!(waiting, 1);
        let (_, flag, waker) = *pending
            .iter()
            .rev()
            .find(|(done, ..)| !done)
            .expect("one is pending");
        source.write();
        settles(&source, flag, 1, || {
            source.poll_read(waker, false).is_ready()
        });
    });
}

/// Deregistration races a waiter's registration: the waiter either gets the error at
/// once or is woken and gets it on its next poll; it never waits for ever.
#[test]
fn loom_deregister_racing_a_waiter_wakes_it_with_an_error() {
    model(|| {
        let source = ModelSource::new();
        let (flag, waker) = Flag::new();
        let waiter = thread::spawn({
            let (source, waker) = (source.clone(), waker.clone());
            move || source.poll_readable(&waker)
        });
        source.deregister();
        match waiter.join().unwrap() {
            Poll::Ready(result) => assert!(result.is_err()),
            Poll::Pending => {
                assert!(
                    flag.take(),
                    "a waiter on a deregistered source was not woken"
                );
                assert!(matches!(source.poll_readable(&waker), Poll::Ready(Err(_))));
            }
        }
    });
}

/// `Registration::wait_for_first_read_edge` (a client's socket just connected): the read
/// direction is marked not ready unless an edge was delivered, and the first read waits
/// without a syscall. The peer's first byte comes before the mark with its edge still
/// queued, or before it with its edge delivered, or races the reader with its round. In
/// every case the reader is ready at once or woken within a round, and reads the byte.
#[test]
fn loom_waiting_for_the_first_read_edge_never_strands_a_byte() {
    // `None`: the byte races the reader; `Some(delivered)`: it came first, its edge
    // delivered by a round or not yet.
    for early in [None, Some(false), Some(true)] {
        model(move || {
            let source = ModelSource::new();
            let (flag, waker) = Flag::new();
            if let Some(delivered) = early {
                source.write();
                if delivered {
                    source.round();
                }
            }
            let reader = thread::spawn({
                let (source, waker) = (source.clone(), waker.clone());
                move || {
                    source.wait_for_first_read_edge();
                    source.poll_read(&waker, false).is_ready()
                }
            });
            let poller = thread::spawn({
                let source = source.clone();
                move || {
                    if early.is_none() {
                        source.write();
                    }
                    source.round()
                }
            });
            let done = reader.join().unwrap();
            poller.join().unwrap();
            if !done {
                settles(&source, &flag, 1, || {
                    source.poll_read(&waker, false).is_ready()
                });
            }
            assert_eq!(source.kernel.lock().unwrap().data, 0, "the byte was read");
        });
    }
}
