//! Debug mode and task identity: every report is captured by a `tracing` subscriber
//! installed for this test binary, and each test asserts that its report names the task
//! by id, name and spawn location (file:line). Tests wait for reports through a condvar
//! with a deadline that fails the test; they never sleep hoping something happened (a
//! slow poll blocks with `std::thread::sleep` inside the task: that is the thing under
//! test).

mod support;

use std::collections::HashMap;
use std::fmt;
use std::future::pending;
use std::sync::mpsc;
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use eddy::runtime::UnhandledPanic;
use eddy::task::{self, TaskState};
use support::{with_timeout, LIMIT};
use tracing::field::{Field, Visit};
use tracing::{span, Event, Level, Metadata, Subscriber};

/// How long a test waits for a report before it fails.
const REPORT_WAIT: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------------------
// A subscriber that keeps every event.
// ---------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct Captured {
    level: Level,
    target: String,
    fields: HashMap<String, String>,
}

impl Captured {
    fn field(&self, name: &str) -> &str {
        self.fields.get(name).map(String::as_str).unwrap_or("")
    }

    fn message(&self) -> &str {
        self.field("message")
    }
}

#[derive(Default)]
struct Events {
    list: Mutex<Vec<Captured>>,
    added: Condvar,
}

struct Capture(&'static Events);

struct Fields<'a>(&'a mut HashMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().into(), format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), value.into());
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, _: &span::Attributes<'_>) -> span::Id {
        span::Id::from_u64(1)
    }

    fn record(&self, _: &span::Id, _: &span::Record<'_>) {}

    fn record_follows_from(&self, _: &span::Id, _: &span::Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = HashMap::new();
        event.record(&mut Fields(&mut fields));
        let captured = Captured {
            level: *event.metadata().level(),
            target: event.metadata().target().into(),
            fields,
        };
        self.0.list.lock().unwrap().push(captured);
        self.0.added.notify_all();
    }

    fn enter(&self, _: &span::Id) {}

    fn exit(&self, _: &span::Id) {}
}

/// The events of this test binary (the subscriber is installed on first use).
fn events() -> &'static Events {
    static EVENTS: OnceLock<&'static Events> = OnceLock::new();
    EVENTS.get_or_init(|| {
        let events: &'static Events = Box::leak(Box::default());
        tracing::subscriber::set_global_default(Capture(events)).unwrap();
        events
    })
}

/// The reports about the task (or job) named `name`.
fn reports_about(name: &str) -> Vec<Captured> {
    events()
        .list
        .lock()
        .unwrap()
        .iter()
        .filter(|e| e.field("task_name") == name)
        .cloned()
        .collect()
}

/// Waits for a report of `kind` about the task named `name`; fails the test after
/// [`REPORT_WAIT`].
fn wait_for(kind: &str, name: &str) -> Captured {
    let events = events();
    let deadline = Instant::now() + REPORT_WAIT;
    let mut list = events.list.lock().unwrap();
    loop {
        if let Some(e) = list
            .iter()
            .find(|e| e.field("kind") == kind && e.field("task_name") == name)
        {
            return e.clone();
        }
        let now = Instant::now();
        assert!(
            now < deadline,
            "no `{kind}` report about task '{name}' within {REPORT_WAIT:?}; got: {:#?}",
            *list
        );
        list = events.added.wait_timeout(list, deadline - now).unwrap().0;
    }
}

/// Asserts that `report` names the task: id, name, and spawn location `file:line`.
fn assert_names_task(report: &Captured, id: task::Id, name: &str, line: u32) {
    let location = format!("{}:{line}:", file!());
    let message = report.message();
    assert_eq!(report.target, "eddy::debug");
    assert_eq!(report.field("task_id"), id.to_string(), "{report:?}");
    assert_eq!(report.field("task_name"), name, "{report:?}");
    assert!(
        report.field("spawned_at").starts_with(&location),
        "{report:?}"
    );
    assert!(
        message.contains(&format!("task {id} '{name}'")),
        "{message}"
    );
    assert!(message.contains(&location), "{message}");
}

fn debug_runtime(workers: usize, threshold: Duration) -> eddy::Runtime {
    events();
    eddy::Runtime::builder()
        .worker_threads(workers)
        .debug(true)
        .slow_poll_threshold(threshold)
        .build()
        .unwrap()
}

/// Waits until the task `id` has left the runtime's task list (it completed: every
/// report its completion makes has been made by then).
fn wait_until_gone(rt: &eddy::Runtime, id: task::Id) {
    let deadline = Instant::now() + REPORT_WAIT;
    while rt.handle().tasks().iter().any(|t| t.info.id() == id) {
        assert!(Instant::now() < deadline, "task {id} never completed");
        std::thread::yield_now();
    }
}

// ---------------------------------------------------------------------------------------
// Task identity.
// ---------------------------------------------------------------------------------------

#[test]
fn a_named_task_knows_its_name_id_and_spawn_location() {
    with_timeout(LIMIT, || {
        let rt = support::runtime(2);
        let (handle, line) = rt.block_on(async {
            let handle = task::Builder::new()
                .name("db-writer")
                .spawn(async { task::id() });
            (handle, line!() - 1)
        });
        let info = handle.info();
        assert_eq!(info.name(), Some("db-writer"));
        assert_eq!(info.spawned_at().file(), file!());
        assert_eq!(info.spawned_at().line(), line);
        let id = handle.id();
        assert_eq!(
            rt.block_on(handle).unwrap(),
            id,
            "task::id() inside the task"
        );
    });
}

#[test]
fn eddy_spawn_records_its_callers_location() {
    with_timeout(LIMIT, || {
        let rt = support::runtime(1);
        let handle = rt.spawn(async {});
        let line = line!() - 1;
        assert_eq!(handle.info().spawned_at().line(), line);
        assert_eq!(handle.info().name(), None);
        let nested = rt.block_on(async { eddy::spawn(async {}).info() });
        assert_eq!(nested.spawned_at().line(), line!() - 1);
        let job = rt.handle().run_in_executor(|| ());
        assert_eq!(job.info().spawned_at().line(), line!() - 1);
    });
}

#[test]
fn try_id_is_none_outside_a_task() {
    assert_eq!(task::try_id(), None);
    let rt = support::runtime(1);
    assert_eq!(
        rt.block_on(async { task::try_id() }),
        None,
        "block_on is not a task"
    );
}

#[test]
#[should_panic(expected = "task::try_id()")]
fn id_outside_a_task_panics_naming_try_id() {
    task::id();
}

// ---------------------------------------------------------------------------------------
// Debug mode's reports.
// ---------------------------------------------------------------------------------------

#[test]
fn a_slow_poll_is_reported_with_the_task_and_the_duration() {
    with_timeout(LIMIT, || {
        let rt = debug_runtime(2, Duration::from_millis(20));
        let slow = task::Builder::new().name("slow-poller").spawn_on(
            async { std::thread::sleep(Duration::from_millis(60)) },
            rt.handle(),
        );
        let line = line!() - 4;
        let id = slow.id();
        rt.block_on(slow).unwrap();
        let report = wait_for("slow_poll", "slow-poller");
        assert_eq!(report.level, Level::WARN);
        assert_names_task(&report, id, "slow-poller", line);
        let message = report.message();
        assert!(message.contains("in one poll"), "{message}");
        assert!(message.contains("ms"), "the duration: {message}");
    });
}

#[test]
fn the_watchdog_reports_a_stuck_worker_while_it_is_stuck() {
    with_timeout(LIMIT, || {
        let rt = debug_runtime(2, Duration::from_millis(30));
        let (started_tx, started) = mpsc::channel();
        let (release, released) = mpsc::channel::<()>();
        let stuck = task::Builder::new().name("stuck-poller").spawn_on(
            async move {
                started_tx.send(()).unwrap();
                released.recv().unwrap(); // blocks its worker until the test says so
            },
            rt.handle(),
        );
        let line = line!() - 7;
        started.recv().unwrap();
        let report = wait_for("stuck_poll", "stuck-poller");
        // Still stuck: the report came while the poll was running.
        assert!(!stuck.is_finished());
        assert_names_task(&report, stuck.id(), "stuck-poller", line);
        assert!(report.message().contains("is stuck"), "{report:?}");
        release.send(()).unwrap();
        rt.block_on(stuck).unwrap();
    });
}

#[test]
fn tasks_still_pending_at_shutdown_are_listed() {
    with_timeout(LIMIT, || {
        let rt = debug_runtime(2, Duration::from_secs(1));
        let forever = task::Builder::new()
            .name("never-done")
            .spawn_on(pending::<()>(), rt.handle());
        let line = line!() - 1;
        let id = forever.id();
        drop(rt);
        let report = wait_for("pending_at_shutdown", "never-done");
        assert_eq!(report.level, Level::ERROR);
        assert_names_task(&report, id, "never-done", line);
        assert!(
            report.message().contains("was destroyed but it is pending"),
            "{report:?}"
        );
        assert!(eddy::run(forever).unwrap_err().is_cancelled());
    });
}

#[test]
fn blocking_jobs_outliving_the_shutdown_timeout_are_listed() {
    with_timeout(LIMIT, || {
        let rt = debug_runtime(1, Duration::from_secs(1));
        let (started_tx, started) = mpsc::channel();
        let (release, released) = mpsc::channel::<()>();
        let job = {
            let _in = rt.handle().enter();
            task::Builder::new()
                .name("stuck-job")
                .spawn_blocking(move || {
                    started_tx.send(()).unwrap();
                    let _ = released.recv();
                })
        };
        let line = line!() - 5;
        let id = job.id();
        started.recv().unwrap();
        rt.shutdown_timeout(Duration::from_millis(20));
        let report = wait_for("blocking_job_outlived_shutdown", "stuck-job");
        assert_eq!(report.field("task_id"), id.to_string());
        assert!(report
            .field("spawned_at")
            .starts_with(&format!("{}:{line}:", file!())));
        let message = report.message();
        assert!(
            message.contains(&format!("blocking job {id} 'stuck-job'")),
            "{message}"
        );
        assert!(message.contains("shutdown timeout"), "{message}");
        release.send(()).unwrap();
        eddy::run(job).unwrap();
    });
}

// ---------------------------------------------------------------------------------------
// Unretrieved panics.
// ---------------------------------------------------------------------------------------

#[test]
fn a_detached_task_that_panics_is_reported_once() {
    with_timeout(LIMIT, || {
        let rt = support::runtime(2); // no debug mode: on by default
        events();
        let (go, wait) = mpsc::channel::<()>();
        let doomed = async move {
            let _ = wait.recv();
            panic!("disk on fire");
        };
        let handle = task::Builder::new()
            .name("lost-panic")
            .spawn_on(doomed, rt.handle());
        let line = line!() - 1;
        let id = handle.id();
        drop(handle); // detached before it panics
        go.send(()).unwrap();
        wait_until_gone(&rt, id);
        let reports = reports_about("lost-panic");
        assert_eq!(reports.len(), 1, "reported once: {reports:#?}");
        let report = &reports[0];
        assert_eq!(report.field("kind"), "unretrieved_panic");
        assert_eq!(report.level, Level::ERROR);
        assert_names_task(report, id, "lost-panic", line);
        assert!(report.message().contains("disk on fire"), "{report:?}");
        assert!(report.message().contains("never retrieved"), "{report:?}");
    });
}

#[test]
fn dropping_the_handle_of_a_panicked_task_reports_the_panic() {
    with_timeout(LIMIT, || {
        let rt = support::runtime(2);
        events();
        let handle = task::Builder::new()
            .name("dropped-after-panic")
            .spawn_on(async { panic!("unread") }, rt.handle());
        let line = line!() - 1;
        let id = handle.id();
        while !handle.is_finished() {
            std::thread::yield_now();
        }
        assert!(reports_about("dropped-after-panic").is_empty(), "not yet");
        drop(handle);
        let reports = reports_about("dropped-after-panic");
        assert_eq!(reports.len(), 1, "{reports:#?}");
        assert_names_task(&reports[0], id, "dropped-after-panic", line);
    });
}

#[test]
fn a_panic_read_through_the_handle_is_not_reported() {
    with_timeout(LIMIT, || {
        let rt = support::runtime(2);
        events();
        let handle = task::Builder::new()
            .name("awaited-panic")
            .spawn_on(async { panic!("seen") }, rt.handle());
        assert!(rt.block_on(handle).unwrap_err().is_panic());
        assert!(reports_about("awaited-panic").is_empty());
    });
}

#[test]
fn unhandled_panic_ignore_reports_nothing() {
    with_timeout(LIMIT, || {
        events();
        let rt = eddy::Runtime::builder()
            .worker_threads(2)
            .unhandled_panic(UnhandledPanic::Ignore)
            .build()
            .unwrap();
        let handle = task::Builder::new()
            .name("ignored-panic")
            .spawn_on(async { panic!("ignored") }, rt.handle());
        let id = handle.id();
        drop(handle);
        wait_until_gone(&rt, id);
        assert!(reports_about("ignored-panic").is_empty());
    });
}

#[test]
fn unhandled_panic_shutdown_runtime_makes_block_on_panic() {
    with_timeout(LIMIT, || {
        events();
        let rt = eddy::Runtime::builder()
            .worker_threads(2)
            .unhandled_panic(UnhandledPanic::ShutdownRuntime)
            .build()
            .unwrap();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            rt.block_on(async {
                drop(
                    task::Builder::new()
                        .name("fatal-panic")
                        .spawn(async { panic!("fatal") }),
                );
                pending::<()>().await
            })
        }));
        let payload = outcome.expect_err("block_on must panic");
        let message = payload
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default();
        assert!(message.contains("ShutdownRuntime"), "{message}");
        assert!(message.contains("'fatal-panic'"), "{message}");
        let report = wait_for("unretrieved_panic", "fatal-panic");
        assert!(report.message().contains("shutting the runtime down"));
        // Spawns on the shut-down runtime never run; dropping it cancels them.
        drop(rt);
    });
}

// ---------------------------------------------------------------------------------------
// Introspection.
// ---------------------------------------------------------------------------------------

#[test]
fn tasks_lists_idle_running_and_scheduled_tasks() {
    with_timeout(LIMIT, || {
        let rt = debug_runtime(1, Duration::from_secs(10));
        let (polled_tx, polled) = mpsc::channel();
        let idle = task::Builder::new().name("idle-one").spawn_on(
            async move {
                polled_tx.send(()).unwrap();
                pending::<()>().await
            },
            rt.handle(),
        );
        polled.recv().unwrap();
        let (started_tx, started) = mpsc::channel();
        let (release, released) = mpsc::channel::<()>();
        let running = task::Builder::new().name("running-one").spawn_on(
            async move {
                started_tx.send(()).unwrap();
                released.recv().unwrap();
            },
            rt.handle(),
        );
        started.recv().unwrap();
        // The only worker is busy: this one waits in the queue.
        let queued = rt.handle().spawn(async {});
        let tasks = rt.handle().tasks();
        let find = |id| tasks.iter().find(|t| t.info.id() == id).unwrap();
        let idle_one = find(idle.id());
        assert_eq!(idle_one.state, TaskState::Idle);
        assert_eq!(idle_one.info.name(), Some("idle-one"));
        assert_eq!(idle_one.polls, Some(1), "debug mode counts polls");
        assert!(idle_one.age.is_some());
        assert_eq!(find(running.id()).state, TaskState::Running);
        assert_eq!(find(queued.id()).state, TaskState::Scheduled);
        assert_eq!(find(queued.id()).info.spawned_at().file(), file!());
        release.send(()).unwrap();
        rt.block_on(running).unwrap();
        rt.block_on(queued).unwrap();
        idle.abort();
    });
}

#[test]
fn metrics_count_polls_and_print_a_table() {
    with_timeout(LIMIT, || {
        let rt = support::runtime(2);
        rt.block_on(async {
            let tasks: Vec<_> = (0..100).map(|_| eddy::spawn(async {})).collect();
            for t in tasks {
                t.await.unwrap();
            }
        });
        let sleeper = rt.spawn(eddy::time::sleep(Duration::from_secs(3600)));
        let deadline = Instant::now() + REPORT_WAIT;
        let metrics = loop {
            let metrics = rt.handle().metrics();
            if metrics.timers_armed >= 1 {
                break metrics;
            }
            assert!(Instant::now() < deadline, "the sleep never registered");
            std::thread::yield_now();
        };
        assert_eq!(metrics.workers.len(), 2);
        assert!(metrics.total_polls() >= 100, "{metrics}");
        assert_eq!(metrics.io_sources, 0);
        let table = metrics.to_string();
        for column in ["worker", "polls", "steals", "parks", "lifo hits", "queued"] {
            assert!(table.contains(column), "{table}");
        }
        assert!(table.contains("timers armed:"), "{table}");
        assert!(table.contains("blocking pool:"), "{table}");
        sleeper.abort();
    });
}
