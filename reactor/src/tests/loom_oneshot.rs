//! Loom models of the readiness rule on a one-shot poller (`readiness::Readiness`'s
//! "One-shot pollers"): the kernel model reports a source only while it is armed, each
//! event disarms it for both directions, and arming is a level check. A waiter that
//! registers in a direction not armed arms it under the source lock; a delivery disarms
//! and re-arms for the directions whose waiters it did not wake. In every interleaving a
//! waiter is either ready at once or woken, whichever direction the event was for, and no
//! source is armed once deregistered.

use std::task::Poll;

use eddy_test_support::model;

use super::support::{settles, thread, Arc, Flag, ModelSource};

/// Where a model's source starts.
#[derive(Debug, Clone, Copy)]
enum Start {
    /// Just registered: armed for both directions by the poller's `add`.
    Registered,
    /// Just registered while writable (a connected socket): the registration's level
    /// check queued a writable event at once, which disarmed the read direction too,
    /// while the source's armed set still says both until that event is delivered.
    RegisteredWritable,
    /// Its first event (a byte) was delivered with nobody waiting, so it is armed for
    /// nothing and the next waiter must arm it. The byte was read around the reactor: the
    /// read ready bit is still set, so the next read makes its syscall.
    Disarmed,
}

impl Start {
    fn source(self) -> Arc<ModelSource> {
        let source = ModelSource::oneshot(matches!(self, Start::RegisteredWritable));
        if let Start::Disarmed = self {
            source.write();
            assert_eq!(source.round(), 0);
            assert_eq!(source.raw_read().unwrap(), 1);
            assert_eq!(source.oneshot_state(), ([false; 2], [false; 2]));
        }
        source
    }
}

/// `read_with` (and, with `drained`, a short transfer): the classic lost-wakeup window. A
/// reader's read says WouldBlock and it registers (arming the source if it is not armed)
/// while the peer writes and the reactor runs a round. Either the byte arrived before the
/// arming (whose level check reports it) or after (an armed source reports it), or the
/// source was disarmed by an event still to be delivered (whose delivery re-arms it for
/// the reader): a reader still pending is woken by the next round at the latest, and its
/// next read gets the byte.
#[test]
fn loom_oneshot_read_racing_a_write_and_a_round_is_never_lost() {
    for start in [
        Start::Registered,
        Start::RegisteredWritable,
        Start::Disarmed,
    ] {
        for drained in [false, true] {
            model(move || {
                let source = start.source();
                let (flag, waker) = Flag::new();
                let reader = thread::spawn({
                    let (source, waker) = (source.clone(), waker.clone());
                    move || source.poll_read(&waker, drained).is_ready()
                });
                // The write and the round on one thread: one preemption of the reader
                // between its WouldBlock and its arming lets the whole delivery slip in.
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
}

/// `readable()` on a disarmed source whose ready bit a `try_read` WouldBlock cleared: it
/// registers and arms, racing a write and a round, and becomes ready within one round.
#[test]
fn loom_oneshot_readable_racing_a_write_and_a_round_becomes_ready() {
    model(|| {
        let source = Start::Disarmed.source();
        assert!(
            source.try_read().is_err(),
            "WouldBlock: clears the ready bit"
        );
        let (flag, waker) = Flag::new();
        let waiter = thread::spawn({
            let (source, waker) = (source.clone(), waker.clone());
            move || source.poll_readable(&waker).is_ready()
        });
        let poller = thread::spawn({
            let source = source.clone();
            move || {
                source.write();
                source.round()
            }
        });
        let done = waiter.join().unwrap();
        poller.join().unwrap();
        if !done {
            settles(&source, &flag, 1, || {
                matches!(source.poll_readable(&waker), Poll::Ready(Ok(())))
            });
        }
    });
}

/// `poll_stream_read` on a one-shot poller, where the drained rule is on although no
/// half-close is ever reported (`Reactor::short_reads_drain`): the peer sends a byte then
/// its FIN, racing the reader and a round. The short read that returns the byte clears
/// the ready bit, and the FIN may have come while the source was disarmed; only the
/// waiter's arming (a level check) or the re-arm of a pending event's delivery reports it.
/// In every interleaving the reader reaches end-of-stream (`Ok(0)`): no hang. From a fresh
/// registration, and after a short read that already cleared the bit and left the source
/// disarmed (the next read waits without a syscall, so it must arm).
#[test]
fn loom_oneshot_a_short_read_never_hides_a_fin_queued_behind_the_bytes() {
    for after_a_short_read in [false, true] {
        model(move || {
            let source = ModelSource::oneshot(false);
            let (flag, waker) = Flag::new();
            if after_a_short_read {
                source.write();
                source.round();
                assert_eq!(source.poll_stream_read(&waker), Poll::Ready(1));
                assert_eq!(source.oneshot_state(), ([false; 2], [false; 2]));
            }
            let peer = thread::spawn({
                let source = source.clone();
                move || {
                    source.write();
                    source.write_fin();
                    source.round()
                }
            });
            // Reads until end-of-stream or `Pending`, as a read loop does.
            let read_to_eof = |source: &ModelSource, waker: &std::task::Waker| loop {
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
                // Two rounds: the woken reader's read may return the byte alone (short, so
                // it clears the bit again) and wait once more, arming; the level check
                // reports the FIN, and the second round delivers it.
                settles(&source, &flag, 2, || read_to_eof(&source, &waker));
            }
        });
    }
}

/// A reader and a writer wait on one source (the send buffer is full) while the peer's
/// byte arrives and a round runs. The byte's event reports only the read direction but
/// disarms the source for both, possibly before the writer registered (which then saw the
/// source still armed and did not arm it). The delivery that wakes the reader must arm the
/// source again for the writer: the room that frees up later must still wake it.
#[test]
fn loom_oneshot_an_event_for_one_direction_rearms_the_other() {
    for start in [Start::Registered, Start::Disarmed] {
        model(move || {
            let source = start.source();
            let (flag_r, waker_r) = Flag::new();
            let (flag_w, waker_w) = Flag::new();
            let reader = thread::spawn({
                let (source, waker) = (source.clone(), waker_r.clone());
                move || source.poll_read(&waker, false).is_ready()
            });
            let writer = thread::spawn({
                let (source, waker) = (source.clone(), waker_w.clone());
                move || source.poll_write(&waker).is_ready()
            });
            source.write();
            source.round();
            let read = reader.join().unwrap();
            assert!(!writer.join().unwrap(), "no room: the write waits");
            if !read {
                settles(&source, &flag_r, 1, || {
                    source.poll_read(&waker_r, false).is_ready()
                });
            }
            source.free_room();
            settles(&source, &flag_w, 1, || {
                source.poll_write(&waker_w).is_ready()
            });
        });
    }
}

/// A reader and a writer register on a disarmed source at once, each arming its own
/// direction under the lock together with what is armed already: whichever arms second
/// must keep the first's direction, so each is woken by its own readiness later.
#[test]
fn loom_oneshot_a_reader_and_a_writer_arming_at_once_both_stay_armed() {
    model(|| {
        let source = Start::Disarmed.source();
        let (flag_r, waker_r) = Flag::new();
        let (flag_w, waker_w) = Flag::new();
        let reader = thread::spawn({
            let (source, waker) = (source.clone(), waker_r.clone());
            move || source.poll_read(&waker, false).is_ready()
        });
        let writer = thread::spawn({
            let (source, waker) = (source.clone(), waker_w.clone());
            move || source.poll_write(&waker).is_ready()
        });
        assert!(!reader.join().unwrap(), "nothing to read: the read waits");
        assert!(!writer.join().unwrap(), "no room: the write waits");
        source.free_room();
        settles(&source, &flag_w, 1, || {
            source.poll_write(&waker_w).is_ready()
        });
        source.write();
        settles(&source, &flag_r, 1, || {
            source.poll_read(&waker_r, false).is_ready()
        });
    });
}

/// Deregistration races a waiter that arms the source and a round that delivers its
/// event (and would re-arm it). No arming may reach the poller once the source is marked
/// deregistered (its fd may be closed right after: the model asserts this in `arm`), and
/// the waiter is ready at once, or woken and sees the error on its next poll.
#[test]
fn loom_oneshot_deregister_racing_a_waiters_arming_never_arms_a_dead_source() {
    model(|| {
        let source = Start::Disarmed.source();
        assert!(
            source.try_read().is_err(),
            "WouldBlock: clears the ready bit"
        );
        let (flag, waker) = Flag::new();
        let waiter = thread::spawn({
            let (source, waker) = (source.clone(), waker.clone());
            move || source.poll_readable(&waker)
        });
        let poller = thread::spawn({
            let source = source.clone();
            move || {
                source.write();
                source.round()
            }
        });
        source.deregister();
        let polled = waiter.join().unwrap();
        poller.join().unwrap();
        match polled {
            // The byte's event was delivered before the waiter looked, or the waiter saw
            // the deregistration.
            Poll::Ready(_) => {}
            Poll::Pending => {
                assert!(
                    flag.take(),
                    "a waiter on a deregistered source was not woken"
                );
                assert!(matches!(source.poll_readable(&waker), Poll::Ready(Err(_))));
            }
        }
        assert_eq!(
            source.oneshot_state(),
            ([false; 2], [false; 2]),
            "deleted from the poller: armed for nothing, nothing reported"
        );
    });
}

/// `Registration::wait_for_first_read_edge` on a one-shot poller, as a client's connect
/// uses it: the source was registered (while writable, or not), the registration's event
/// may have been delivered with nobody waiting (disarming the source for both
/// directions), then the read direction is marked not ready and the first read registers
/// without a syscall, racing the peer's byte and a round. Its registration arms the read
/// direction (or the delivery of the event still pending re-arms it), so the reader is
/// woken within two rounds and reads the byte.
#[test]
fn loom_oneshot_waiting_for_the_first_read_edge_never_strands_a_byte() {
    for start in [Start::Registered, Start::RegisteredWritable] {
        for delivered in [false, true] {
            model(move || {
                let source = start.source();
                if delivered {
                    source.round();
                }
                let (flag, waker) = Flag::new();
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
                        source.write();
                        source.round()
                    }
                });
                let done = reader.join().unwrap();
                poller.join().unwrap();
                if !done {
                    settles(&source, &flag, 2, || {
                        source.poll_read(&waker, false).is_ready()
                    });
                }
                assert_eq!(source.kernel.lock().unwrap().data, 0, "the byte was read");
            });
        }
    }
}
