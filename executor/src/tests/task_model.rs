//! The task state machine against a reference model, on the queue-only [`TestScheduler`].
//!
//! Random sequences of operations: spawn; run the next queued task, or the whole queue;
//! `wake`, `wake_by_ref`, clone and drop of the wakers the futures handed out; poll the
//! JoinHandle (with one of two join wakers, so the registered waker gets replaced), drop
//! it, abort through it; make, use and drop AbortHandles; shut the scheduler down. Each
//! future follows a script (`script.rs`): `Pending` a few times, then `Ready` or a panic.
//! During a poll it may hand out a clone of its waker, wake itself by reference or by
//! value (a yield), or abort itself through an AbortHandle it holds; a few panic in `Drop`.
//!
//! The model is the asyncio-level story, written without the state word: a FIFO run queue
//! of task numbers, and per task whether it is queued, cancelled, finished (and how), its
//! poll count and who holds it. After every operation the real tasks must agree with it:
//!
//! * the queue has the model's length: a task is queued once per wake that found it idle,
//!   never twice, and a self-wake during a poll requeues it at the back;
//! * each future has been polled exactly as often as the model's wakes allow (so never
//!   while not scheduled, and once per queue entry), and dropped exactly once when the
//!   model finishes or cancels it — never before, never twice;
//! * the output is dropped exactly once, whoever lets go of it; the JoinHandle yields
//!   `Ok(output)` once, or the `JoinError` the model predicts (cancelled, or the panic of
//!   `poll` or of `Drop`, checked by payload), and `is_finished` agrees before that;
//! * the latest registered join waker, and only it, is woken exactly once on completion,
//!   and the slot lets go of it once the JoinHandle is gone;
//! * each task allocation is freed (a token in the task's copy of the scheduler is
//!   dropped) exactly when the model's count of holders — JoinHandle, wakers,
//!   AbortHandles, the queue, the owned-task list until completion — reaches zero.
//!
//! At the end everything is let go of and the scheduler shut down: every task freed once,
//! the scheduler's last handle is the test's (nothing leaked).
//!
//! 2,048 cases of up to 200 operations by default (under a second); `PROPTEST_CASES`
//! overrides the number of cases (`.ci/deep fuzz` runs 20 times as many). Under miri the
//! default is 16 cases of up to 64 operations (`.ci/miri`, about 20 s).

mod invariants;
mod script;

use std::cell::Cell;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::Instant;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use self::invariants::check_panic;
use self::script::{
    scripted_panic, silence_scripted_panics, InPoll, Mailbox, Output, Probe, Script, Scripted,
};
use super::support::{poll_join, Counters, TestScheduler, WakeCounter};
use crate::task::{AbortHandle, JoinHandle};

/// How a task ended, in the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Output,
    Cancelled,
    PollPanic,
    DropPanic,
}

/// The JoinHandle, in the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Join {
    /// Alive, not yet `Ready`.
    Waiting,
    /// Alive, returned `Ready` (and must not be polled again).
    Read,
    Dropped,
}

/// One task as the model sees it.
struct ModelTask {
    script: Arc<Script>,
    queued: bool,
    cancelled: bool,
    outcome: Option<Outcome>,
    polls: usize,
    future_dropped: bool,
    output_drops: usize,
    join: Join,
    /// Which of the two join wakers the slot holds.
    join_waker: Option<usize>,
    join_wakes: [usize; 2],
    /// The future holds an AbortHandle (until it is dropped).
    abort_in_future: bool,
}

/// One task's real handles and probes.
struct RealTask {
    join: Option<JoinHandle<Output>>,
    probe: Arc<Probe>,
    freed: Counters,
    join_wakers: [(Arc<WakeCounter>, Waker); 2],
}

/// One operation, as raw numbers decoded against the state when it runs (as in the timer
/// model): `kind` picks the operation, `a` the task, waker or handle, `b` a variant.
#[derive(Clone, Copy, Debug)]
struct RawOp {
    kind: u8,
    a: u64,
    b: u8,
}

fn raw_op() -> impl Strategy<Value = RawOp> {
    (0u8..100, any::<u64>(), any::<u8>()).prop_map(|(kind, a, b)| RawOp { kind, a, b })
}

type Check = Result<(), TestCaseError>;

/// Counters for the report.
#[derive(Default, Clone, Copy)]
struct Stats {
    ops: u64,
    tasks: u64,
    polls: u64,
    wakes: u64,
    aborts: u64,
    outputs: u64,
    cancelled: u64,
    panicked: u64,
}

/// The model and the real tasks side by side.
struct Harness {
    sched: TestScheduler,
    mailbox: Mailbox,
    shut_down: bool,
    queue: VecDeque<usize>,
    model: Vec<ModelTask>,
    real: Vec<RealTask>,
    /// Wakers held by the test, tagged with their task's number.
    wakers: Vec<(usize, Waker)>,
    aborts: Vec<(usize, AbortHandle)>,
    stats: Stats,
}

impl Harness {
    fn new() -> Harness {
        Harness {
            sched: TestScheduler::new(),
            mailbox: Mailbox::default(),
            shut_down: false,
            queue: VecDeque::new(),
            model: Vec::new(),
            real: Vec::new(),
            wakers: Vec::new(),
            aborts: Vec::new(),
            stats: Stats::default(),
        }
    }

    /// Runs one operation and checks every task against the model.
    fn apply(&mut self, op: RawOp) -> Check {
        self.stats.ops += 1;
        let waker = pick(op.a, self.wakers.len());
        let abort = pick(op.a, self.aborts.len());
        let joined = self.pick_join(op.a, false);
        let waiting = self.pick_join(op.a, true);
        match op.kind {
            0..=9 => self.spawn(op.a),
            10..=31 => self.run_one()?,
            32..=34 => self.run_all()?,
            35..=44 if waker.is_some() => {
                let (task, waker) = self.wakers.swap_remove(waker.unwrap());
                waker.wake();
                self.model_wake(task);
            }
            45..=54 if waker.is_some() => {
                let (task, waker) = &self.wakers[waker.unwrap()];
                waker.wake_by_ref();
                self.model_wake(*task);
            }
            55..=60 if waker.is_some() => {
                let (task, waker) = &self.wakers[waker.unwrap()];
                let clone = (*task, waker.clone());
                self.wakers.push(clone);
            }
            61..=66 if waker.is_some() => drop(self.wakers.swap_remove(waker.unwrap())),
            67..=78 if waiting.is_some() => {
                self.poll_join(waiting.unwrap(), (op.b & 1) as usize)?
            }
            79..=83 if joined.is_some() => self.drop_join(joined.unwrap()),
            84..=85 if joined.is_some() => {
                let task = joined.unwrap();
                self.real[task].join.as_ref().unwrap().abort();
                self.model_abort(task);
            }
            86..=88 if joined.is_some() => {
                let task = joined.unwrap();
                let handle = self.real[task].join.as_ref().unwrap().abort_handle();
                self.aborts.push((task, handle));
            }
            89..=90 if abort.is_some() => {
                let (task, handle) = &self.aborts[abort.unwrap()];
                handle.abort();
                self.model_abort(*task);
            }
            91..=93 if abort.is_some() => drop(self.aborts.swap_remove(abort.unwrap())),
            // Rare: everything after a shutdown is cancelled at once.
            94 if op.b < 16 => self.shutdown(),
            _ => {}
        }
        self.check()
    }

    /// A task whose JoinHandle is alive (and, if `waiting`, has not returned `Ready`:
    /// polling it again would be a misuse), for an operation on it.
    fn pick_join(&self, a: u64, waiting: bool) -> Option<usize> {
        let alive: Vec<usize> = (0..self.real.len())
            .filter(|&t| self.real[t].join.is_some())
            .filter(|&t| !waiting || self.model[t].join == Join::Waiting)
            .collect();
        pick(a, alive.len()).map(|i| alive[i])
    }

    fn spawn(&mut self, bits: u64) {
        let task = self.model.len();
        let script = Arc::new(Script::from_bits(bits));
        let probe = Arc::new(Probe::default());
        let abort = Arc::new(Mutex::new(None));
        let freed = Counters::new();
        let future = Scripted {
            task,
            script: script.clone(),
            probe: probe.clone(),
            mailbox: self.mailbox.clone(),
            abort: abort.clone(),
        };
        let join = self.sched.spawn_counting_free(future, freed.drop_token());
        if script.aborts_itself() {
            // Dropped at once with our `abort` if the future is already gone (a spawn
            // after shutdown).
            *abort.lock().unwrap() = Some(join.abort_handle());
        }
        drop(abort);
        let counter = || {
            let counter = WakeCounter::new();
            let waker = Waker::from(counter.clone());
            (counter, waker)
        };
        self.real.push(RealTask {
            join: Some(join),
            probe,
            freed,
            join_wakers: [counter(), counter()],
        });
        self.model.push(ModelTask {
            script: script.clone(),
            queued: false,
            cancelled: false,
            outcome: None,
            polls: 0,
            future_dropped: false,
            output_drops: 0,
            join: Join::Waiting,
            join_waker: None,
            join_wakes: [0; 2],
            abort_in_future: script.aborts_itself(),
        });
        self.stats.tasks += 1;
        if self.shut_down {
            // The owned-task list is closed: the task is cancelled on the spot.
            self.model[task].cancelled = true;
            self.model_drop_future(task, Outcome::Cancelled);
        } else {
            self.model[task].queued = true;
            self.queue.push_back(task);
        }
    }

    fn run_one(&mut self) -> Check {
        let expected = self.queue.pop_front();
        let ran = self.sched.run_one();
        prop_assert_eq!(
            ran,
            expected.is_some(),
            "run_one, the model expecting task {:?}",
            expected
        );
        let Some(task) = expected else {
            return Ok(());
        };
        let posted = self.model_run(task);
        let mail = std::mem::take(&mut *self.mailbox.lock().unwrap());
        prop_assert_eq!(
            mail.iter().map(|(t, _)| *t).collect::<Vec<_>>(),
            if posted { vec![task] } else { vec![] },
            "wakers handed out while running task {}",
            task
        );
        self.wakers.extend(mail);
        Ok(())
    }

    fn run_all(&mut self) -> Check {
        // Every script ends, so this ends; the bound only turns a bug into a failure.
        for _ in 0..100_000 {
            if self.queue.is_empty() && self.sched.queued() == 0 {
                return Ok(());
            }
            self.run_one()?;
            self.check()?;
        }
        Err(TestCaseError::fail("the queue never drained"))
    }

    /// The model of one run of a dequeued task; true if it hands out a waker.
    fn model_run(&mut self, task: usize) -> bool {
        let m = &mut self.model[task];
        m.queued = false;
        if m.outcome.is_some() {
            // A stale entry (its task finished meanwhile) only drops its reference.
            return false;
        }
        if m.cancelled {
            self.model_drop_future(task, Outcome::Cancelled);
            return false;
        }
        let step = m.script.steps[m.polls];
        m.polls += 1;
        self.stats.polls += 1;
        let last = m.polls == m.script.steps.len();
        let mut woken = false;
        match step.action {
            InPoll::Nothing => {}
            InPoll::WakeByRef | InPoll::WakeByVal => woken = true,
            InPoll::AbortSelf => {
                self.stats.aborts += 1;
                m.cancelled = true;
            }
        }
        if last {
            // Ready or a panic: the future is dropped and the task completes, even if it
            // aborted or woke itself during this poll.
            let outcome = if m.script.panics {
                Outcome::PollPanic
            } else {
                Outcome::Output
            };
            self.model_drop_future(task, outcome);
        } else if m.cancelled {
            self.model_drop_future(task, Outcome::Cancelled);
        } else if woken {
            m.queued = true;
            self.queue.push_back(task);
        }
        step.post_waker
    }

    /// The future is dropped, ending the task with `outcome` (unless `Drop` panics).
    fn model_drop_future(&mut self, task: usize, outcome: Outcome) {
        let m = &mut self.model[task];
        m.future_dropped = true;
        m.abort_in_future = false;
        let outcome = if m.script.drop_panics {
            if outcome == Outcome::Output {
                // Ready, then the destructor panicked: the output is dropped at once.
                m.output_drops += 1;
            }
            Outcome::DropPanic
        } else {
            outcome
        };
        m.outcome = Some(outcome);
        match outcome {
            Outcome::Output => self.stats.outputs += 1,
            Outcome::Cancelled => self.stats.cancelled += 1,
            Outcome::PollPanic | Outcome::DropPanic => self.stats.panicked += 1,
        }
        match m.join {
            Join::Waiting => {
                if let Some(w) = m.join_waker {
                    m.join_wakes[w] += 1;
                }
            }
            // Nobody will read the output: the completing thread drops it.
            Join::Dropped if outcome == Outcome::Output => m.output_drops += 1,
            Join::Dropped => {}
            Join::Read => unreachable!("read before it finished"),
        }
    }

    /// A wake from outside a poll: queues the task if it is idle.
    fn model_wake(&mut self, task: usize) {
        self.stats.wakes += 1;
        let m = &mut self.model[task];
        if m.outcome.is_none() && !m.queued {
            m.queued = true;
            self.queue.push_back(task);
        }
    }

    /// An abort from outside a poll: marks the task and queues it if it is idle, so that
    /// the scheduler drops its future.
    fn model_abort(&mut self, task: usize) {
        self.stats.aborts += 1;
        let m = &mut self.model[task];
        if m.outcome.is_some() || m.cancelled {
            return;
        }
        m.cancelled = true;
        if !m.queued {
            m.queued = true;
            self.queue.push_back(task);
        }
    }

    fn poll_join(&mut self, task: usize, which: usize) -> Check {
        let real = &mut self.real[task];
        let waker = real.join_wakers[which].1.clone();
        let polled = poll_join(real.join.as_mut().unwrap(), &waker);
        let m = &mut self.model[task];
        prop_assert_eq!(
            m.join,
            Join::Waiting,
            "the test polls a Waiting handle only"
        );
        let Some(outcome) = m.outcome else {
            prop_assert!(
                polled.is_pending(),
                "task {} unfinished, handle Ready",
                task
            );
            m.join_waker = Some(which);
            return Ok(());
        };
        let Poll::Ready(result) = polled else {
            return Err(TestCaseError::fail(format!(
                "task {task} finished ({outcome:?}), its handle Pending"
            )));
        };
        m.join = Join::Read;
        match (outcome, result) {
            (Outcome::Output, Ok(output)) => {
                prop_assert_eq!(output.task, task, "another task's output");
                drop(output);
                m.output_drops += 1;
            }
            (Outcome::Cancelled, Err(err)) => {
                prop_assert!(err.is_cancelled(), "task {}: {:?}", task, err)
            }
            (Outcome::PollPanic, Err(err)) => check_panic(err, scripted_panic("poll", task))?,
            (Outcome::DropPanic, Err(err)) => check_panic(err, scripted_panic("drop", task))?,
            (outcome, Ok(_)) => {
                return Err(TestCaseError::fail(format!(
                    "task {task}: expected {outcome:?}, got an output"
                )))
            }
            (outcome, Err(err)) => {
                return Err(TestCaseError::fail(format!(
                    "task {task}: expected {outcome:?}, got {err:?}"
                )))
            }
        }
        Ok(())
    }

    fn drop_join(&mut self, task: usize) {
        drop(self.real[task].join.take());
        let m = &mut self.model[task];
        if m.join == Join::Waiting && m.outcome == Some(Outcome::Output) {
            // The unread output goes with the handle.
            m.output_drops += 1;
        }
        m.join = Join::Dropped;
        m.join_waker = None;
    }

    fn shutdown(&mut self) {
        self.sched.shutdown();
        self.shut_down = true;
        for task in 0..self.model.len() {
            if self.model[task].outcome.is_none() {
                self.model[task].cancelled = true;
                self.model_drop_future(task, Outcome::Cancelled);
            }
            self.model[task].queued = false;
        }
        self.queue.clear();
    }
}

/// Index `a` into a collection of `len`, if any.
fn pick(a: u64, len: usize) -> Option<usize> {
    (len > 0).then(|| (a % len as u64) as usize)
}

/// Runs `cases` random sequences of up to `ops` operations and prints what it did.
fn run_model(cases: u32, ops: usize) {
    silence_scripted_panics();
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let started = Instant::now();
    let total = Cell::new(Stats::default());
    let strategy = (vec(raw_op(), 1..=ops), any::<u8>());
    TestRunner::new(config)
        .run(&strategy, |(ops, order)| {
            let mut harness = Harness::new();
            for &op in &ops {
                harness.apply(op)?;
            }
            harness.finish(order)?;
            let (mut t, s) = (total.get(), harness.stats);
            t.ops += s.ops;
            t.tasks += s.tasks;
            t.polls += s.polls;
            t.wakes += s.wakes;
            t.aborts += s.aborts;
            t.outputs += s.outputs;
            t.cancelled += s.cancelled;
            t.panicked += s.panicked;
            total.set(t);
            Ok(())
        })
        .unwrap();
    let t = total.get();
    eprintln!(
        "task model: {cases} cases, {} operations ({} tasks, {} polls, {} wakes, {} aborts; \
         {} outputs, {} cancelled, {} panicked) in {:.1?}",
        t.ops,
        t.tasks,
        t.polls,
        t.wakes,
        t.aborts,
        t.outputs,
        t.cancelled,
        t.panicked,
        started.elapsed()
    );
}

#[test]
fn tasks_behave_like_the_reference_model() {
    if cfg!(miri) {
        run_model(16, 64);
    } else {
        run_model(2048, 200);
    }
}
