//! Wake stress: wakers that outlive their runtime, wake storms from plain threads while
//! the tasks run, and timers at the timing wheel's level boundaries.
//!
//! A counting global allocator measures what the runtime leaves behind, so the tests in
//! this binary take [`SERIAL`]: no other test allocates while one measures.

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use eddy::time::{sleep, sleep_until, Instant};
use futures_lite::future::poll_once;
use support::{runtime, stress_size, with_timeout, DropCounter, DropToken, LIMIT};

/// Held by every test in this binary, so that only one allocates at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// The system allocator, counting the bytes currently allocated.
struct Counting;

static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so
// `System`'s guarantees are ours; the counting touches only an atomic.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's contract for `alloc` is `System.alloc`'s.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: `ptr` was allocated by `System` (every allocation goes through us)
        // with `layout`, as the caller guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE_BYTES.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        // SAFETY: as for `dealloc`, and `new_size` is valid as the caller guarantees.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live_bytes() -> isize {
    LIVE_BYTES.load(Ordering::SeqCst)
}

/// Pending for ever; on its first poll it hands a clone of its waker to the test.
struct StashWaker {
    wakers: mpsc::Sender<Waker>,
    stashed: bool,
    _token: DropToken,
}

impl Future for StashWaker {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if !self.stashed {
            self.stashed = true;
            self.wakers.send(cx.waker().clone()).unwrap();
        }
        Poll::Pending
    }
}

/// Runs `n` tasks until each has stashed its waker, then drops the runtime while four
/// plain threads wake the stashed wakers in a loop (by reference); once it is gone they
/// wake each once more (by reference, by value, through clones) and let go of them.
/// Then awaits the join handles, which outlived the runtime too.
fn wake_after_the_runtime_is_gone(n: usize) {
    let counter = DropCounter::default();
    let rt = runtime(2);
    let (wakers_tx, wakers_rx) = mpsc::channel();
    let joins: Vec<_> = (0..n)
        .map(|_| {
            rt.spawn(StashWaker {
                wakers: wakers_tx.clone(),
                stashed: false,
                _token: counter.token(),
            })
        })
        .collect();
    drop(wakers_tx);
    let wakers: Vec<Waker> = (0..n).map(|_| wakers_rx.recv().unwrap()).collect();
    let dropped = AtomicBool::new(false);
    std::thread::scope(|scope| {
        for (t, chunk) in wakers.chunks(n.div_ceil(4)).enumerate() {
            let (chunk, dropped) = (chunk.to_vec(), &dropped);
            scope.spawn(move || {
                // SeqCst: pairs with the store after `drop(rt)`; at least one full pass
                // runs after the runtime is gone.
                while !dropped.load(Ordering::SeqCst) {
                    chunk.iter().for_each(Waker::wake_by_ref);
                }
                for (i, waker) in chunk.into_iter().enumerate() {
                    match (t + i) % 3 {
                        0 => waker.wake_by_ref(),
                        1 => {
                            // The last reference is a clone made after the drop.
                            let clone = waker.clone();
                            drop(waker);
                            clone.wake();
                        }
                        _ => waker.wake(),
                    }
                }
            });
        }
        drop(rt);
        dropped.store(true, Ordering::SeqCst);
        assert_eq!(
            counter.dropped(),
            n,
            "every future is dropped with the runtime"
        );
    });
    drop(wakers);
    for join in joins {
        let err = eddy::eddy_executor::block_on(join).unwrap_err();
        assert!(err.is_cancelled(), "{err}");
    }
    assert_eq!(counter.dropped(), n, "a wake after the drop polls nothing");
}

#[test]
fn wakers_woken_during_and_after_the_runtimes_drop_do_nothing_and_leak_nothing() {
    let _serial = serial();
    with_timeout(LIMIT, || {
        let n = stress_size(5_000, 100_000);
        // Warm-up: lazily made statics (thread-local destructor lists, parking_lot's
        // table) reach their size, so what follows measures only the runtime.
        wake_after_the_runtime_is_gone(n);
        let before = live_bytes();
        wake_after_the_runtime_is_gone(n);
        let grown = live_bytes() - before;
        println!("live bytes grew by {grown} over {n} tasks");
        // A leaked task is at least its header and future (well over 64 bytes): losing
        // even one in eight would grow the heap by more than this.
        let bound = (n * 8) as isize;
        assert!(grown < bound, "{grown} bytes left behind by {n} tasks");
    });
}

/// Pending until polled `polls` times. Sets `polling` during each poll and counts a
/// poll that finds it already set: a task polled on two threads at once.
struct Guarded {
    polling: AtomicBool,
    waker: Mutex<Option<Waker>>,
    polls: AtomicUsize,
    target: usize,
    overlaps: Arc<AtomicUsize>,
}

/// A shared `Guarded`: the task polls it, the storm threads read its waker.
struct GuardedTask(Arc<Guarded>);

impl Future for GuardedTask {
    type Output = usize;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        let g = &*self.0;
        // SeqCst: a second poller racing with this one must see the flag set.
        if g.polling.swap(true, Ordering::SeqCst) {
            g.overlaps.fetch_add(1, Ordering::SeqCst);
        }
        *g.waker.lock().unwrap() = Some(cx.waker().clone());
        // Widen the window in which a concurrent poll would overlap this one.
        std::thread::yield_now();
        let polls = g.polls.fetch_add(1, Ordering::SeqCst) + 1;
        g.polling.store(false, Ordering::SeqCst);
        if polls >= g.target {
            Poll::Ready(polls)
        } else {
            Poll::Pending
        }
    }
}

#[test]
fn a_wake_storm_from_eight_threads_finishes_every_task_and_never_polls_one_twice_at_once() {
    let _serial = serial();
    with_timeout(LIMIT, || {
        const STORMERS: usize = 8;
        let tasks = stress_size(32, 1_024);
        let target = stress_size(20, 500);
        let overlaps = Arc::new(AtomicUsize::new(0));
        let guards: Vec<Arc<Guarded>> = (0..tasks)
            .map(|_| {
                Arc::new(Guarded {
                    polling: AtomicBool::new(false),
                    waker: Mutex::new(None),
                    polls: AtomicUsize::new(0),
                    target,
                    overlaps: overlaps.clone(),
                })
            })
            .collect();
        let rt = runtime(4);
        let done = AtomicBool::new(false);
        std::thread::scope(|scope| {
            for s in 0..STORMERS {
                let (guards, done) = (&guards, &done);
                scope.spawn(move || {
                    // Wake every task in turn until all have finished; the wakers are
                    // those of their latest polls (some of them stale by now).
                    let mut round = 0usize;
                    while !done.load(Ordering::SeqCst) {
                        for g in guards.iter() {
                            let waker = g.waker.lock().unwrap().clone();
                            if let Some(waker) = waker {
                                if (s + round) % 2 == 0 {
                                    waker.wake_by_ref();
                                } else {
                                    waker.wake();
                                }
                            }
                        }
                        round += 1;
                    }
                });
            }
            let joins: Vec<_> = guards
                .iter()
                .map(|g| rt.spawn(GuardedTask(g.clone())))
                .collect();
            for join in joins {
                assert_eq!(rt.block_on(join).unwrap(), target);
            }
            done.store(true, Ordering::SeqCst);
        });
        assert_eq!(
            overlaps.load(Ordering::SeqCst),
            0,
            "a task was polled on two threads at once"
        );
        drop(rt);
        // The stashed wakers outlive the runtime: dropping them now is fine.
        drop(guards);
    });
}

/// Deadlines a little before, at and after `2^bits` µs from now: where a timer moves
/// from one level of the wheel (64 slots of `64^level` µs) to the next.
fn around(bits: u32) -> [Duration; 3] {
    let at = Duration::from_micros(1 << bits);
    [
        at - Duration::from_micros(1),
        at,
        at + Duration::from_micros(1),
    ]
}

#[test]
fn timers_at_the_wheels_level_boundaries_fire_on_time_or_cancel_cleanly() {
    let _serial = serial();
    with_timeout(LIMIT, || {
        let copies = stress_size(4, 200);
        let rt = runtime(2);
        rt.block_on(async move {
            // Zero and past deadlines are ready at their first poll.
            assert!(poll_once(sleep(Duration::ZERO)).await.is_some());
            let an_hour_ago = Instant::now() - Duration::from_secs(3600);
            assert!(poll_once(sleep_until(an_hour_ago)).await.is_some());
            sleep(Duration::ZERO).await;
            sleep_until(an_hour_ago).await;

            // A sleep that cannot be represented never fires; registered, then dropped.
            let mut forever = pin!(sleep(Duration::MAX));
            assert!(poll_once(forever.as_mut()).await.is_none());
            assert!(!forever.is_elapsed());

            // Up to level 3 (2^18 µs = 262 ms): awaited, and never early.
            let mut waits = Vec::new();
            for bits in [0, 6, 12, 18] {
                for nap in around(bits) {
                    for _ in 0..copies {
                        waits.push(eddy::spawn(async move {
                            let deadline = Instant::now() + nap;
                            sleep_until(deadline).await;
                            Instant::now() >= deadline
                        }));
                    }
                }
            }

            // Levels 4 to 6 and past the wheel's 2^42 µs range: registered, cancelled.
            let mut far = Vec::new();
            for bits in [24, 30, 36, 42, 48] {
                for nap in around(bits) {
                    for _ in 0..copies {
                        far.push(eddy::spawn(async move { sleep(nap).await }));
                    }
                }
            }
            // Let the far sleeps be polled (and filed in the wheel) before cancelling.
            eddy::task::yield_now().await;
            for task in &far {
                task.abort();
            }
            for task in far {
                assert!(task.await.unwrap_err().is_cancelled());
            }
            for wait in waits {
                assert!(wait.await.unwrap(), "a sleep fired before its deadline");
            }
            // The wheel still works after all those cancellations.
            sleep(Duration::from_millis(1)).await;
        });
        drop(rt);
    });
}

#[test]
fn a_sleep_that_never_fires_is_dropped_with_the_runtime() {
    let _serial = serial();
    with_timeout(LIMIT, || {
        let counter = DropCounter::default();
        let rt = runtime(2);
        let (polled_tx, polled_rx) = mpsc::channel();
        let token = counter.token();
        let task = rt.spawn(async move {
            let _token = token;
            let mut forever = pin!(sleep(Duration::MAX));
            assert!(poll_once(forever.as_mut()).await.is_none());
            polled_tx.send(()).unwrap();
            forever.await;
        });
        polled_rx.recv().unwrap();
        drop(rt);
        assert_eq!(counter.dropped(), 1);
        assert!(eddy::eddy_executor::block_on(task)
            .unwrap_err()
            .is_cancelled());
    });
}
