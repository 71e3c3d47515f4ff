//! Reproducible runs: on a current-thread runtime with a paused clock, a program's
//! interleaving is a pure function of `Builder::rng_seed`. 100 tasks use `select!` (whose
//! first branch is the runtime's random choice), channels, sleeps and `yield_now`; the
//! order of their 1,000 events is the trace.

mod support;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use support::with_timeout;

const TASKS: u32 = 100;
const ROUNDS: u32 = 10;

/// One event: which task, which round, which `select!` branch won.
type Event = (u32, u32, u8);

fn trace(seed: u64) -> (Vec<Event>, u64) {
    let rt = eddy::Builder::new_current_thread()
        .start_paused(true)
        .rng_seed(seed)
        .build()
        .unwrap();
    let used = rt.handle().rng_seed();
    let events = rt.block_on(async {
        let log = Rc::new(RefCell::new(Vec::new()));
        let (tx, mut rx) = eddy::sync::mpsc::unbounded_channel::<Event>();
        let collector = eddy::task::spawn_local({
            let log = log.clone();
            async move {
                while let Some(event) = rx.recv().await {
                    log.borrow_mut().push(event);
                }
            }
        });
        let tasks: Vec<_> = (0..TASKS)
            .map(|task| {
                let tx = tx.clone();
                eddy::task::spawn_local(async move {
                    for round in 0..ROUNDS {
                        // Both branches are ready: the runtime's seeded choice decides.
                        let branch = eddy::select! {
                            a = std::future::ready(0u8) => a,
                            b = std::future::ready(1u8) => b,
                        };
                        tx.send((task, round, branch)).unwrap();
                        match branch {
                            0 => eddy::task::yield_now().await,
                            _ => {
                                let ms = u64::from((task * 7 + round) % 5);
                                eddy::time::sleep(Duration::from_millis(ms)).await;
                            }
                        }
                    }
                })
            })
            .collect();
        drop(tx);
        for task in tasks {
            task.await.unwrap();
        }
        collector.await.unwrap();
        log.take()
    });
    (events, used)
}

#[test]
fn one_seed_gives_one_trace_and_another_seed_another() {
    with_timeout(Duration::from_secs(60), || {
        let (first, seed) = trace(1);
        assert_eq!(first.len(), (TASKS * ROUNDS) as usize);
        let (again, _) = trace(1);
        assert_eq!(
            first, again,
            "the same seed replayed a different interleaving"
        );
        if seed != 1 {
            // EDDY_SEED overrides every seed: both runs above used it, and a "different
            // seed" cannot be given. What was checked still holds.
            eprintln!("EDDY_SEED is set: skipping the different-seed half of this test");
            return;
        }
        let (other, _) = trace(2);
        assert_eq!(other.len(), first.len());
        assert_ne!(first, other, "two seeds gave the same interleaving");
    });
}

#[test]
fn eddy_seed_overrides_the_builder_and_a_bad_value_is_an_error() {
    // Checked in a child process, so this test's environment stays untouched.
    if let Ok(value) = std::env::var("EDDY_SEED_CHECK") {
        let result = eddy::Builder::new_current_thread().rng_seed(1).build();
        match value.as_str() {
            "valid" => assert_eq!(result.unwrap().handle().rng_seed(), 99),
            _ => {
                let err = result.unwrap_err();
                assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
                assert!(err.to_string().contains("EDDY_SEED"), "{err}");
            }
        }
        return;
    }
    with_timeout(Duration::from_secs(60), || {
        let exe = std::env::current_exe().unwrap();
        for (check, seed) in [("valid", "99"), ("invalid", "not-a-number")] {
            let status = std::process::Command::new(&exe)
                .args([
                    "--exact",
                    "eddy_seed_overrides_the_builder_and_a_bad_value_is_an_error",
                ])
                .env("EDDY_SEED_CHECK", check)
                .env("EDDY_SEED", seed)
                .status()
                .unwrap();
            assert!(status.success(), "the {check} EDDY_SEED check failed");
        }
    });
}
