//! Cancelled timers leave nothing behind: 200k timeouts that are cancelled (their future
//! wins after one yield), run twice more, grow the process by less than 32 MiB.
//! Its own test binary, so no other test allocates while it measures.

mod support;

use std::time::Duration;

use support::{runtime, with_timeout};

/// Resident set size in bytes, from /proc/self/statm (Linux).
#[cfg(target_os = "linux")]
fn rss_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    let pages: usize = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

/// The peak resident set size in bytes (`getrusage`'s `ru_maxrss`: bytes on macOS,
/// KiB elsewhere), where there is no /proc. It serves the same check: the runs after the
/// warm-up peak higher only if they leave memory behind.
#[cfg(all(unix, not(target_os = "linux")))]
fn rss_bytes() -> usize {
    // SAFETY: `rusage` is integers and `timeval`s: all zeroes is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes one `rusage` into the valid, exclusively borrowed `usage`.
    assert_eq!(unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) }, 0);
    let peak = usize::try_from(usage.ru_maxrss).expect("a non-negative ru_maxrss");
    if cfg!(target_vendor = "apple") {
        peak
    } else {
        peak * 1024
    }
}

/// No way to measure the resident set here yet.
#[cfg(not(unix))]
fn rss_bytes() -> usize {
    panic!("rss_bytes cannot measure memory on this OS yet: add a way in tests/time_memory.rs")
}

fn cancelled_timeouts(rt: &eddy::Runtime, count: usize) {
    rt.block_on(async move {
        let tasks: Vec<_> = (0..count)
            .map(|_| {
                eddy::spawn(async {
                    let ready_after_one_yield = eddy::task::yield_now();
                    eddy::time::timeout(Duration::from_secs(60), ready_after_one_yield)
                        .await
                        .expect("the future wins")
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
}

#[test]
fn two_hundred_thousand_cancelled_timeouts_leak_nothing() {
    with_timeout(Duration::from_secs(120), || {
        const COUNT: usize = 200_000;
        let rt = runtime(2);
        cancelled_timeouts(&rt, COUNT); // warm-up: wheels, slabs and allocator reach size
        let before = rss_bytes();
        cancelled_timeouts(&rt, COUNT);
        cancelled_timeouts(&rt, COUNT);
        let after = rss_bytes();
        let growth = after.saturating_sub(before);
        println!("RSS {} MiB -> {} MiB", before >> 20, after >> 20);
        assert!(growth < 32 << 20, "grew by {} MiB", growth >> 20);
    });
}
