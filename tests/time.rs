//! eddy::time: sleeps never early, timeouts, intervals, reset, shutdown with armed timers.

mod support;

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use eddy::time::{
    interval, interval_at, sleep, sleep_until, timeout, timeout_at, Instant, MissedTickBehavior,
};
use support::{runtime, with_timeout, DropCounter, LIMIT};

const MS: Duration = Duration::from_millis(1);

#[test]
fn twenty_thousand_random_sleeps_all_end_and_none_early() {
    with_timeout(LIMIT, || {
        const SLEEPS: u64 = 20_000;
        let rt = runtime(2);
        let early = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..SLEEPS)
            .map(|i| {
                let early = early.clone();
                // A spread of 0..50 ms with a cheap hash for randomness.
                let micros = (i.wrapping_mul(2_654_435_761) >> 7) % 50_000;
                rt.spawn(async move {
                    let deadline = Instant::now() + Duration::from_micros(micros);
                    sleep_until(deadline).await;
                    if Instant::now() < deadline {
                        early.fetch_add(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        rt.block_on(async {
            for t in tasks {
                t.await.unwrap();
            }
        });
        assert_eq!(
            early.load(Ordering::SeqCst),
            0,
            "sleeps ended before their deadline"
        );
    });
}

#[test]
fn sleep_in_block_on_and_on_workers_ends_after_its_duration() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        let start = Instant::now();
        rt.block_on(sleep(20 * MS));
        assert!(start.elapsed() >= 20 * MS);
        let took = rt
            .block_on(rt.spawn(async {
                let start = Instant::now();
                sleep(20 * MS).await;
                start.elapsed()
            }))
            .unwrap();
        assert!(took >= 20 * MS, "{took:?}");
    });
}

#[test]
fn three_one_second_sleeps_gathered_take_one_second() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        let start = Instant::now();
        rt.block_on(async {
            let tasks: Vec<_> = (0..3)
                .map(|_| eddy::spawn(sleep(Duration::from_secs(1))))
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
        });
        let took = start.elapsed();
        assert!(
            took >= Duration::from_secs(1) && took < Duration::from_millis(2_500),
            "{took:?}"
        );
    });
}

#[test]
fn zero_and_past_deadlines_complete_at_once() {
    with_timeout(LIMIT, || {
        let rt = runtime(1);
        rt.block_on(async {
            sleep(Duration::ZERO).await;
            sleep_until(Instant::now() - Duration::from_secs(1)).await;
            assert!(sleep(Duration::ZERO).is_elapsed());
        });
    });
}

#[test]
fn far_future_deadlines_are_accepted_and_cancelled_cleanly() {
    with_timeout(LIMIT, || {
        let rt = runtime(1);
        rt.block_on(async {
            // Duration::MAX cannot be an Instant: it becomes "decades from now".
            assert!(timeout(Duration::MAX, async { 1 }).await.is_ok());
            let mut forever = pin!(sleep(Duration::MAX));
            let woken = std::future::poll_fn(|cx| Poll::Ready(forever.as_mut().poll(cx))).await;
            assert!(woken.is_pending());
            let day = sleep(Duration::from_secs(86_400 * 400));
            assert!(timeout(MS, day).await.is_err());
        });
    });
}

#[test]
fn timeout_returns_the_output_or_elapsed() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        rt.block_on(async {
            assert_eq!(timeout(Duration::from_secs(5), async { 3 }).await, Ok(3));
            let err = timeout(5 * MS, std::future::pending::<()>())
                .await
                .unwrap_err();
            assert_eq!(err.to_string(), "deadline has elapsed");
            let io: std::io::Error = err.into();
            assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
            let start = Instant::now();
            let deadline = start + 10 * MS;
            assert!(timeout_at(deadline, sleep(Duration::from_secs(5)))
                .await
                .is_err());
            assert!(Instant::now() >= deadline);
        });
    });
}

#[test]
fn a_timed_out_future_is_dropped() {
    with_timeout(LIMIT, || {
        let rt = runtime(1);
        let counter = DropCounter::default();
        let token = counter.token();
        rt.block_on(async move {
            let inner = async move {
                let _token = token;
                std::future::pending::<()>().await
            };
            assert!(timeout(2 * MS, inner).await.is_err());
        });
        assert_eq!(counter.dropped(), 1);
    });
}

#[test]
fn reset_moves_the_deadline_both_ways_and_wakes_the_waiter() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        rt.block_on(async {
            // Later: an almost-due sleep pushed back by 30 ms ends after the new deadline.
            let start = Instant::now();
            let mut nap = pin!(sleep(MS));
            nap.as_mut().reset(start + 30 * MS);
            nap.as_mut().await;
            assert!(start.elapsed() >= 30 * MS);
            // Earlier, while a task is already waiting on it: the waiter is woken.
            let nap = Arc::new(parking_lot::Mutex::new(Box::pin(sleep(
                Duration::from_secs(3600),
            ))));
            let polled = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let waiter = {
                let (nap, polled) = (nap.clone(), polled.clone());
                eddy::spawn(std::future::poll_fn(move |cx| {
                    let poll = nap.lock().as_mut().poll(cx);
                    polled.store(true, Ordering::SeqCst);
                    poll
                }))
            };
            // Wait until the waiter has polled (registered its waker), then move the
            // deadline: only the reset can wake it now.
            while !polled.load(Ordering::SeqCst) {
                eddy::task::yield_now().await;
            }
            nap.lock().as_mut().reset(Instant::now() + 5 * MS);
            assert!(
                timeout(Duration::from_secs(10), waiter).await.is_ok(),
                "reset woke the waiter"
            );
        });
    });
}

#[test]
fn interval_ticks_on_schedule_and_first_tick_is_immediate() {
    with_timeout(LIMIT, || {
        let rt = runtime(1);
        rt.block_on(async {
            let start = Instant::now();
            let mut every = interval(5 * MS);
            let first = every.tick().await;
            assert!(first - start < 5 * MS);
            let mut last = first;
            for _ in 0..5 {
                let tick = every.tick().await;
                assert_eq!(
                    tick - last,
                    5 * MS,
                    "ticks are due exactly one period apart"
                );
                assert!(Instant::now() >= tick);
                last = tick;
            }
            assert_eq!(every.period(), 5 * MS);
        });
    });
}

#[test]
fn missed_ticks_burst_delay_or_skip() {
    with_timeout(LIMIT, || {
        let rt = runtime(1);
        rt.block_on(async {
            for behavior in [
                MissedTickBehavior::Burst,
                MissedTickBehavior::Delay,
                MissedTickBehavior::Skip,
            ] {
                let start = Instant::now();
                let mut every = interval_at(start, 10 * MS);
                every.set_missed_tick_behavior(behavior);
                assert_eq!(every.missed_tick_behavior(), behavior);
                every.tick().await; // due at start
                std::thread::sleep(35 * MS); // miss three ticks (block the loop on purpose)
                let late = every.tick().await; // due at start + 10 ms, taken at ~35 ms
                assert_eq!(late, start + 10 * MS);
                let next = every.tick().await;
                match behavior {
                    // Catch up: the next is the original +20 ms, due at once.
                    MissedTickBehavior::Burst => assert_eq!(next, start + 20 * MS),
                    // From now: one period after the late tick was taken (~45 ms).
                    MissedTickBehavior::Delay => {
                        assert!(next >= start + 45 * MS, "{:?}", next - start)
                    }
                    // Keep the phase: the next multiple of 10 ms after the late tick was
                    // taken (40 ms on time; later if this thread was descheduled).
                    MissedTickBehavior::Skip => {
                        let since = next - start;
                        assert!(since >= 40 * MS, "{since:?}");
                        assert_eq!(since.as_nanos() % (10 * MS).as_nanos(), 0, "{since:?}");
                    }
                }
            }
        });
    });
}

#[test]
#[should_panic(expected = "period must be non-zero")]
fn a_zero_period_is_refused() {
    let _ = interval(Duration::ZERO);
}

#[test]
fn shutdown_with_ten_thousand_armed_sleeps_returns_promptly() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        let counter = DropCounter::default();
        let started = Arc::new(AtomicUsize::new(0));
        for _ in 0..10_000 {
            let token = counter.token();
            let started = started.clone();
            rt.spawn(async move {
                let _token = token;
                started.fetch_add(1, Ordering::SeqCst);
                sleep(Duration::from_secs(3600)).await;
            });
        }
        while started.load(Ordering::SeqCst) < 10_000 {
            std::thread::yield_now();
        }
        let start = Instant::now();
        drop(rt);
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "shutdown took {:?}",
            start.elapsed()
        );
        assert_eq!(counter.dropped(), 10_000);
    });
}

#[test]
fn a_timer_on_a_busy_worker_still_fires() {
    with_timeout(LIMIT, || {
        // Worker A registers a sleep, then its other task hogs A; worker B is idle and
        // must fire A's timer (timers are not stranded on a busy worker).
        let rt = runtime(2);
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let s = stop.clone();
        let (registered_tx, registered_rx) = std::sync::mpsc::channel();
        let sleeper = rt.spawn(async move {
            let mut nap = pin!(sleep(20 * MS));
            // Register, then hand the worker to the hog, which is spawned into our slot.
            assert!(futures_poll_once(nap.as_mut()).await.is_pending());
            let s2 = s.clone();
            drop(eddy::spawn(async move {
                while !s2.load(Ordering::SeqCst) {
                    std::hint::spin_loop();
                }
            }));
            registered_tx.send(()).unwrap();
            nap.await;
            s.store(true, Ordering::SeqCst);
        });
        registered_rx.recv().unwrap();
        rt.block_on(sleeper).unwrap();
        stop.store(true, Ordering::SeqCst);
    });
}

/// Polls a future once, returning its poll result.
async fn futures_poll_once<F: Future + Unpin>(mut f: F) -> Poll<F::Output> {
    std::future::poll_fn(|cx: &mut Context<'_>| Poll::Ready(Pin::new(&mut f).poll(cx))).await
}

#[test]
fn sleep_outside_a_runtime_panics_naming_the_fix() {
    let panic = std::panic::catch_unwind(|| {
        let mut nap = pin!(sleep(MS));
        let waker = std::task::Waker::noop();
        let _ = nap.as_mut().poll(&mut Context::from_waker(waker));
    })
    .unwrap_err();
    let msg = support::panic_message(&*panic);
    assert!(msg.contains("outside a runtime"), "{msg}");
}

#[test]
fn a_timeout_fires_even_when_the_inner_future_spends_the_whole_budget() {
    with_timeout(LIMIT, || {
        let rt = runtime(1);
        rt.block_on(rt.spawn(async {
            // Each `sleep(ZERO)` spends a unit of cooperative budget and is ready: the
            // inner future always exhausts the budget, and the deadline must still win.
            let busy = async {
                loop {
                    sleep(Duration::ZERO).await;
                }
            };
            assert!(timeout(10 * MS, busy).await.is_err());
        }))
        .unwrap();
    });
}

#[test]
fn reset_on_a_worker_of_another_runtime_uses_the_shared_wheel() {
    with_timeout(LIMIT, || {
        let small = runtime(1);
        let big = runtime(4);
        let mut nap = Box::pin(sleep(Duration::from_secs(3600)));
        // Registered with `small`.
        assert!(small.block_on(futures_poll_once(nap.as_mut())).is_pending());
        big.block_on(async move {
            let tasks: Vec<_> = (0..8)
                .map(|_| {
                    eddy::spawn(async {
                        let mut nap = Box::pin(sleep(Duration::from_secs(3600)));
                        let _ = futures_poll_once(nap.as_mut()).await;
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
            let reset = eddy::spawn(async move {
                nap.as_mut().reset(Instant::now() + MS);
                nap.await;
            });
            reset.await.unwrap();
        });
        drop(small);
    });
}

#[test]
fn a_sleep_that_outlives_its_runtime_panics_instead_of_hanging() {
    with_timeout(LIMIT, || {
        let rt = runtime(1);
        let mut nap = Box::pin(sleep(Duration::from_secs(3600)));
        assert!(rt.block_on(futures_poll_once(nap.as_mut())).is_pending());
        drop(rt);
        let other = runtime(1);
        let err = other.block_on(other.spawn(nap)).unwrap_err();
        let msg = support::panic_message(&*err.into_panic());
        assert!(msg.contains("outlived its runtime"), "{msg}");
    });
}

#[test]
fn an_interval_of_duration_max_never_overflows() {
    with_timeout(LIMIT, || {
        let rt = runtime(1);
        rt.block_on(async {
            for behavior in [
                MissedTickBehavior::Burst,
                MissedTickBehavior::Delay,
                MissedTickBehavior::Skip,
            ] {
                // The first tick is due in the past: taken late.
                let mut never = interval_at(Instant::now() - Duration::from_secs(1), Duration::MAX);
                never.set_missed_tick_behavior(behavior);
                never.tick().await;
                never.reset();
                assert!(timeout(MS, never.tick()).await.is_err());
            }
        });
    });
}
