//! A paused clock end to end, against tokio's `test-util` semantics: `start_paused`,
//! auto-advance (timers fire in deadline order, the clock exactly on each deadline),
//! `advance`, `resume`, blocking jobs holding auto-advance back, and misuse panicking
//! with the fix.

mod support;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use eddy::time::{advance, interval, pause, resume, sleep, timeout, Instant};
use support::{panic_message, with_timeout, LIMIT};

const SECOND: Duration = Duration::from_secs(1);
const HOUR: Duration = Duration::from_secs(3600);

fn paused() -> eddy::Runtime {
    eddy::Builder::new_current_thread()
        .start_paused(true)
        .build()
        .unwrap()
}

#[test]
fn an_hour_s_sleep_returns_at_once_with_the_clock_an_hour_on() {
    with_timeout(LIMIT, || {
        let real = std::time::Instant::now();
        let elapsed = paused().block_on(async {
            let start = Instant::now();
            sleep(HOUR).await;
            start.elapsed()
        });
        assert_eq!(elapsed, HOUR);
        assert!(real.elapsed() < Duration::from_secs(10), "no real hour");
    });
}

#[test]
fn a_paused_clock_stands_still_while_real_time_passes() {
    with_timeout(LIMIT, || {
        paused().block_on(async {
            let start = Instant::now();
            std::thread::sleep(Duration::from_millis(5));
            eddy::task::yield_now().await;
            assert_eq!(Instant::now(), start);
        });
    });
}

#[test]
fn a_pause_mid_run_still_lands_exactly_on_deadlines() {
    with_timeout(LIMIT, || {
        let rt = eddy::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            // The clock runs for a while, then is paused at some odd nanosecond.
            sleep(Duration::from_micros(1_234)).await;
            pause();
            let start = Instant::now();
            sleep(90 * SECOND).await;
            assert_eq!(start.elapsed(), 90 * SECOND);
            sleep(Duration::from_micros(7)).await;
            assert_eq!(start.elapsed(), 90 * SECOND + Duration::from_micros(7));
        });
    });
}

#[test]
fn timers_fire_in_deadline_order_each_at_its_deadline() {
    with_timeout(LIMIT, || {
        let log = paused().block_on(async {
            let start = Instant::now();
            let log = Arc::new(Mutex::new(Vec::new()));
            let sleepers: Vec<_> = [(3, 30), (1, 10), (4, 30), (2, 20)]
                .into_iter()
                .map(|(id, secs)| {
                    let log = log.clone();
                    eddy::spawn(async move {
                        sleep(Duration::from_secs(secs)).await;
                        log.lock().unwrap().push((id, start.elapsed()));
                    })
                })
                .collect();
            for sleeper in sleepers {
                sleeper.await.unwrap();
            }
            let log = log.lock().unwrap().clone();
            log
        });
        let at = |secs| Duration::from_secs(secs);
        assert_eq!(&log[..2], [(1, at(10)), (2, at(20))]);
        // The two due together, in either order.
        let mut last: Vec<_> = log[2..].to_vec();
        last.sort();
        assert_eq!(last, [(3, at(30)), (4, at(30))]);
    });
}

#[test]
fn a_timeout_fires_exactly_at_its_deadline_and_a_ready_future_still_wins() {
    with_timeout(LIMIT, || {
        paused().block_on(async {
            let start = Instant::now();
            assert_eq!(timeout(HOUR, async { 7 }).await, Ok(7));
            assert!(timeout(30 * SECOND, std::future::pending::<()>())
                .await
                .is_err());
            assert_eq!(start.elapsed(), 30 * SECOND);
            // The earlier deadline wins, whatever else waits.
            let slow = sleep(HOUR);
            assert!(timeout(SECOND, slow).await.is_err());
            assert_eq!(start.elapsed(), 31 * SECOND);
        });
    });
}

#[test]
fn an_interval_ticks_on_the_exact_period() {
    with_timeout(LIMIT, || {
        paused().block_on(async {
            let start = Instant::now();
            let mut every = interval(10 * SECOND);
            for n in 0..5 {
                assert_eq!(every.tick().await, start + n * 10 * SECOND);
                assert_eq!(Instant::now(), start + n * 10 * SECOND);
            }
        });
    });
}

#[test]
fn advance_fires_what_is_due_before_it_returns_and_nothing_later() {
    with_timeout(LIMIT, || {
        paused().block_on(async {
            let start = Instant::now();
            let mut due = pin!(sleep(5 * SECOND));
            let mut later = pin!(sleep(10 * SECOND));
            // Registered with the timers (polled once, pending).
            assert!(eddy::time::timeout(Duration::ZERO, due.as_mut())
                .await
                .is_err());
            assert!(eddy::time::timeout(Duration::ZERO, later.as_mut())
                .await
                .is_err());
            advance(6 * SECOND).await;
            assert_eq!(start.elapsed(), 6 * SECOND);
            assert!(due.is_elapsed(), "fired by advance");
            assert!(!later.is_elapsed());
            due.await;
            assert_eq!(
                start.elapsed(),
                6 * SECOND,
                "no auto-advance for a fired timer"
            );
        });
    });
}

#[test]
fn a_task_woken_by_advance_runs_before_the_advancing_task_goes_on() {
    with_timeout(LIMIT, || {
        paused().block_on(async {
            let woke = Arc::new(AtomicBool::new(false));
            let flag = woke.clone();
            let sleeper = eddy::spawn(async move {
                sleep(5 * SECOND).await;
                flag.store(true, SeqCst);
            });
            let advancer = eddy::spawn(async move {
                // Let the sleeper register its timer first.
                eddy::task::yield_now().await;
                advance(5 * SECOND).await;
                woke.load(SeqCst)
            });
            assert!(advancer.await.unwrap(), "the sleeper ran during the yield");
            sleeper.await.unwrap();
        });
    });
}

#[test]
fn resume_lets_the_clock_run_on_from_where_it_stood() {
    with_timeout(LIMIT, || {
        paused().block_on(async {
            let start = Instant::now();
            advance(HOUR).await;
            resume();
            let resumed = Instant::now();
            assert!(resumed - start >= HOUR);
            // Real time now: a real 2 ms sleep, no jump.
            let real = std::time::Instant::now();
            sleep(Duration::from_millis(2)).await;
            assert!(real.elapsed() >= Duration::from_millis(2));
            assert!(resumed.elapsed() >= Duration::from_millis(2));
            assert!(start.elapsed() < HOUR + Duration::from_secs(30));
            // And it pauses again.
            pause();
            let stood = Instant::now();
            std::thread::sleep(Duration::from_millis(1));
            assert_eq!(Instant::now(), stood);
        });
    });
}

#[test]
fn a_blocking_job_in_flight_holds_auto_advance_back() {
    with_timeout(LIMIT, || {
        paused().block_on(async {
            let start = Instant::now();
            // The job takes real time; the paused clock must not jump to the timeout
            // meanwhile (tokio #4614).
            let job = eddy::task::spawn_blocking(|| {
                std::thread::sleep(Duration::from_millis(20));
                42
            });
            assert_eq!(timeout(100 * SECOND, job).await.unwrap().unwrap(), 42);
            assert_eq!(start.elapsed(), Duration::ZERO);
            // Nor between the job's end and its JoinHandle's wake: many short jobs,
            // each raced by an earlier timeout.
            for _ in 0..500 {
                let job = eddy::run_in_executor(|| ());
                assert!(timeout(SECOND, job).await.is_ok());
            }
            assert_eq!(start.elapsed(), Duration::ZERO);
        });
    });
}

#[test]
fn a_detached_blocking_job_lets_auto_advance_go_on_when_it_ends() {
    with_timeout(LIMIT, || {
        paused().block_on(async {
            let start = Instant::now();
            let (tx, rx) = std::sync::mpsc::channel::<()>();
            drop(eddy::task::spawn_blocking(move || rx.recv()));
            // Held back while the job waits; the sleep completes once it ends.
            let sleeper = eddy::spawn(async move {
                sleep(HOUR).await;
                start.elapsed()
            });
            eddy::task::yield_now().await;
            assert_eq!(start.elapsed(), Duration::ZERO);
            drop(tx);
            assert_eq!(sleeper.await.unwrap(), HOUR);
        });
    });
}

#[test]
fn a_blocking_job_reads_the_paused_clock() {
    with_timeout(LIMIT, || {
        paused().block_on(async {
            advance(HOUR).await;
            let now = Instant::now();
            let in_job = eddy::task::spawn_blocking(Instant::now).await.unwrap();
            assert_eq!(in_job, now);
        });
    });
}

#[eddy::test(start_paused = true)]
async fn the_test_macro_starts_paused() {
    let start = Instant::now();
    sleep(HOUR).await;
    assert_eq!(start.elapsed(), HOUR);
}

#[test]
fn misuse_panics_naming_the_fix() {
    with_timeout(LIMIT, || {
        let message = |f: &mut dyn FnMut()| {
            let payload = catch_unwind(AssertUnwindSafe(f)).unwrap_err();
            panic_message(&*payload)
        };
        let outside = message(&mut || pause());
        assert!(outside.contains("outside a runtime"), "{outside}");

        let multi = eddy::Runtime::new().unwrap();
        let refused = message(&mut || multi.block_on(async { pause() }));
        assert!(
            refused.contains("pausing time needs a current-thread runtime")
                && refused.contains("eddy::Builder::new_current_thread()"),
            "{refused}"
        );

        let running = eddy::Builder::new_current_thread().build().unwrap();
        let not_paused = message(&mut || running.block_on(async { resume() }));
        assert!(not_paused.contains("eddy::time::pause()"), "{not_paused}");
        let not_paused = message(&mut || running.block_on(advance(SECOND)));
        assert!(not_paused.contains("not paused"), "{not_paused}");

        let twice = message(&mut || paused().block_on(async { pause() }));
        assert!(twice.contains("already paused"), "{twice}");
    });
}
