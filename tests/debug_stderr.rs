//! Without a `tracing` subscriber, debug mode's reports reach stderr — as Python's
//! logging prints warnings when nothing is configured. This test binary installs no
//! subscriber; the test re-runs itself as a child process and reads the child's stderr.

use std::process::Command;
use std::time::{Duration, Instant};

const CHILD: &str = "EDDY_DEBUG_STDERR_CHILD";

#[test]
fn reports_reach_stderr_without_a_subscriber() {
    if std::env::var_os(CHILD).is_some() {
        return child();
    }
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "reports_reach_stderr_without_a_subscriber",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "child failed: {stderr}");
    let line = stderr
        .lines()
        .find(|l| l.starts_with("ERROR eddy::debug: task") && l.contains("'orphan'"))
        .unwrap_or_else(|| panic!("no report on stderr:\n{stderr}"));
    assert!(line.contains(&format!("spawned at {}:", file!())), "{line}");
    assert!(line.contains("never retrieved"), "{line}");
    let pending = stderr
        .lines()
        .find(|l| l.contains("'left-behind'"))
        .unwrap_or_else(|| panic!("no pending-at-shutdown report on stderr:\n{stderr}"));
    assert!(
        pending.contains("was destroyed but it is pending"),
        "{pending}"
    );
}

/// The child: a panic nobody retrieves, then a task pending at shutdown.
fn child() {
    let rt = eddy::Runtime::builder()
        .worker_threads(1)
        .debug(true)
        .build()
        .unwrap();
    let orphan = eddy::task::Builder::new()
        .name("orphan")
        .spawn_on(async { panic!("nobody listens") }, rt.handle());
    let id = orphan.id();
    drop(orphan);
    let deadline = Instant::now() + Duration::from_secs(20);
    while rt.handle().tasks().iter().any(|t| t.info.id() == id) {
        assert!(Instant::now() < deadline, "the orphan never finished");
        std::thread::yield_now();
    }
    let _left = eddy::task::Builder::new()
        .name("left-behind")
        .spawn_on(std::future::pending::<()>(), rt.handle());
    drop(rt);
}
