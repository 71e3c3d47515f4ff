//! Where debug mode's reports go: one `tracing` event each (target `eddy::debug`), or,
//! when the reporting thread has no subscriber at all, a line on stderr — as Python's
//! logging prints warnings when nothing is configured. docs/debugging.md says why
//! `tracing`.
//!
//! Also the signal that makes `block_on` panic after `UnhandledPanic::ShutdownRuntime`
//! shut the runtime down.

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

use eddy_executor::debug::Report;
use pin_project_lite::pin_project;

/// The `tracing` target of every report.
pub(crate) const TARGET: &str = "eddy::debug";

/// Emits `report`: a `tracing` event (error level for a lost task or panic, warn
/// otherwise) with the task's id, name and spawn location as fields and the whole story
/// as the message; or stderr if no subscriber would see the event.
pub(crate) fn emit(report: &Report) {
    let no_subscriber = tracing::dispatcher::get_default(|dispatch| {
        dispatch.is::<tracing::subscriber::NoSubscriber>()
    });
    if no_subscriber {
        let level = if report.is_error() { "ERROR" } else { "WARN" };
        eprintln!("{level} {TARGET}: {report}");
        return;
    }
    let task = report.task();
    let id = task.id().as_u64();
    let name = task.name().unwrap_or("");
    let location = task.spawned_at();
    let kind = kind(report);
    let message = report.to_string();
    if report.is_error() {
        tracing::error!(
            target: TARGET,
            task_id = id,
            task_name = name,
            spawned_at = %location,
            kind = kind,
            message = %message
        );
    } else {
        tracing::warn!(
            target: TARGET,
            task_id = id,
            task_name = name,
            spawned_at = %location,
            kind = kind,
            message = %message
        );
    }
}

/// The report's kind, as the `kind` field says it.
fn kind(report: &Report) -> &'static str {
    match report {
        Report::SlowPoll { .. } => "slow_poll",
        Report::StuckPoll { .. } => "stuck_poll",
        Report::PendingAtShutdown { .. } => "pending_at_shutdown",
        Report::UnretrievedPanic { .. } => "unretrieved_panic",
        Report::BlockingJobOutlivedShutdown { .. } => "blocking_job_outlived_shutdown",
        _ => "other",
    }
}

/// Set when an unretrieved panic shut the runtime down (`UnhandledPanic::ShutdownRuntime`):
/// the report, and the wakers of the `block_on` calls to interrupt.
#[derive(Debug, Default)]
pub(crate) struct PanicShutdown {
    state: Mutex<(Option<String>, Vec<Waker>)>,
}

impl PanicShutdown {
    /// The runtime is shutting down because of `report`: wake every `block_on`.
    pub(crate) fn fire(&self, report: &Report) {
        let wakers = {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            state.0.get_or_insert_with(|| report.to_string());
            std::mem::take(&mut state.1)
        };
        for waker in wakers {
            waker.wake();
        }
    }

    /// The report if it fired; otherwise registers `waker`.
    fn check(&self, waker: &Waker) -> Option<String> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(report) = &state.0 {
            return Some(report.clone());
        }
        if !state.1.iter().any(|w| w.will_wake(waker)) {
            state.1.push(waker.clone());
        }
        None
    }
}

pin_project! {
    /// `block_on`'s future under `ShutdownRuntime`: panics once the runtime shut down.
    pub(crate) struct UntilPanicShutdown<'a, F> {
        #[pin]
        pub(crate) future: F,
        pub(crate) signal: &'a PanicShutdown,
    }
}

impl<F: Future> Future for UntilPanicShutdown<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        if let Some(report) = this.signal.check(cx.waker()) {
            panic!(
                "the runtime shut down because a task panicked and nobody retrieved the \
                 panic (the runtime was built with `unhandled_panic(UnhandledPanic::\
                 ShutdownRuntime)`): {report}"
            );
        }
        this.future.poll(cx)
    }
}
