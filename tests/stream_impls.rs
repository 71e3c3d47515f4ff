//! `futures_core::Stream` on `time::Interval`, `fs::ReadDir` and `signal::Signal`:
//! `while let Some(x) = stream.next().await` with futures-lite's `StreamExt`, giving what
//! the types' own methods give.

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use eddy::time::{interval_at, Instant, MissedTickBehavior};
use futures_lite::StreamExt;
use support::{runtime, with_timeout, LIMIT};

fn paused() -> eddy::Runtime {
    eddy::Builder::new_current_thread()
        .start_paused(true)
        .build()
        .unwrap()
}

#[test]
fn an_interval_stream_yields_what_tick_returns() {
    with_timeout(LIMIT, || {
        paused().block_on(async {
            let start = Instant::now();
            let period = Duration::from_millis(10);
            for behavior in [
                MissedTickBehavior::Burst,
                MissedTickBehavior::Delay,
                MissedTickBehavior::Skip,
            ] {
                let mut by_tick = interval_at(start, period);
                let mut by_stream = interval_at(start, period);
                by_tick.set_missed_tick_behavior(behavior);
                by_stream.set_missed_tick_behavior(behavior);
                let mut ticks = Vec::new();
                let mut items = Vec::new();
                for round in 0..6u32 {
                    // Miss a few ticks in the middle, so the missed-tick behaviour counts.
                    if round == 3 {
                        eddy::time::advance(period * 3 + Duration::from_millis(4)).await;
                    }
                    ticks.push(by_tick.tick().await);
                    items.push(by_stream.next().await.expect("an interval never ends"));
                }
                assert_eq!(items, ticks, "{behavior:?}");
                assert_eq!(items[0], start);
            }
        });
    });
}

#[test]
fn an_interval_works_with_stream_combinators() {
    with_timeout(LIMIT, || {
        paused().block_on(async {
            let start = Instant::now();
            let period = Duration::from_secs(1);
            let due: Vec<Instant> = interval_at(start, period).take(4).collect().await;
            let expected: Vec<Instant> = (0..4).map(|i| start + period * i).collect();
            assert_eq!(due, expected);
        });
    });
}

#[test]
fn a_read_dir_stream_lists_every_entry_once_across_batches() {
    let dir = std::env::temp_dir().join(format!("eddy-stream-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // More than one batch (32 per thread hop).
    let expected: BTreeSet<String> = (0..75).map(|i| format!("file-{i:02}")).collect();
    for name in &expected {
        std::fs::write(dir.join(name), name).unwrap();
    }
    let listed = dir.clone();
    let names = with_timeout(LIMIT, move || {
        runtime(2).block_on(async move {
            let mut entries = eddy::fs::read_dir(&listed).await.unwrap();
            let mut names = BTreeSet::new();
            while let Some(entry) = entries.next().await {
                let name = entry.unwrap().file_name().into_string().unwrap();
                assert!(names.insert(name), "an entry was listed twice");
            }
            // The end is sticky.
            assert!(entries.next().await.is_none());
            names
        })
    });
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(names, expected);
}

#[cfg(unix)]
#[test]
fn a_signal_stream_yields_once_per_delivery() {
    use eddy::signal::{signal, SignalKind};

    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let mut usr1 = signal(SignalKind::user_defined1()).unwrap();
            for _ in 0..3 {
                // SAFETY: raise(3) runs the handler eddy installed for SIGUSR1 above.
                assert_eq!(unsafe { libc::raise(libc::SIGUSR1) }, 0);
                let item = eddy::time::timeout(Duration::from_secs(20), usr1.next())
                    .await
                    .expect("the signal never arrived");
                assert_eq!(item, Some(()));
            }
        });
    });
}
