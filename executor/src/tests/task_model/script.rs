//! The futures of the task model: each follows a [`Script`] decoded from random bits, and
//! reports its polls, its drop and its output's drop to a [`Probe`].

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex, Once};
use std::task::{Context, Poll, Waker};

use crate::task::AbortHandle;

/// What a future does during one poll, besides returning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum InPoll {
    Nothing,
    /// `cx.waker().wake_by_ref()`: a yield.
    WakeByRef,
    /// `cx.waker().clone().wake()`: a yield through a counted waker.
    WakeByVal,
    /// Aborts its own task through the AbortHandle it holds.
    AbortSelf,
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Step {
    /// Hands a clone of `cx.waker()` to the test (its "I/O source").
    pub(super) post_waker: bool,
    pub(super) action: InPoll,
}

/// How a future behaves: one `Step` per poll; the last poll ends it.
#[derive(Debug)]
pub(super) struct Script {
    pub(super) steps: Vec<Step>,
    /// The last poll panics instead of returning `Ready`.
    pub(super) panics: bool,
    /// The future's destructor panics.
    pub(super) drop_panics: bool,
}

impl Script {
    /// Decodes a script from random bits: 1 to 7 polls (mostly 1 to 3), a waker handed
    /// out on 3 polls in 4; a poll wakes itself by reference 1 time in 8, by value 1 in 8,
    /// and aborts itself 1 in 16; 1 future in 8 panics, 1 in 16 panics in `Drop`.
    pub(super) fn from_bits(bits: u64) -> Script {
        let mut bits = Bits(bits);
        let pending = match bits.take(3) {
            0 | 1 => 0,
            2..=4 => 1,
            5 | 6 => 2,
            _ => 3 + bits.take(2) as usize,
        };
        // Zero bits (where proptest shrinks to) make the plainest script.
        let panics = bits.take(3) == 7;
        let drop_panics = bits.take(4) == 15;
        let steps = (0..=pending)
            .map(|_| Step {
                post_waker: bits.take(2) != 3,
                action: match bits.take(4) {
                    0..=10 => InPoll::Nothing,
                    11 | 12 => InPoll::WakeByRef,
                    13 | 14 => InPoll::WakeByVal,
                    _ => InPoll::AbortSelf,
                },
            })
            .collect();
        Script {
            steps,
            panics,
            drop_panics,
        }
    }

    pub(super) fn aborts_itself(&self) -> bool {
        self.steps.iter().any(|s| s.action == InPoll::AbortSelf)
    }
}

/// Reads a `u64` a few bits at a time.
struct Bits(u64);

impl Bits {
    fn take(&mut self, n: u32) -> u64 {
        let v = self.0 & ((1 << n) - 1);
        self.0 >>= n;
        v
    }
}

/// How the message of every scripted panic starts.
pub(super) const SCRIPTED: &str = "scripted panic";

/// The payload of a scripted panic in `place` (poll or drop): a `String`, so that one
/// escaping the task (a bug) is named in proptest's report.
pub(super) fn scripted_panic(place: &str, task: usize) -> String {
    format!("{SCRIPTED} in {place} of task {task}")
}

/// Keeps the scripted panics (thousands per run) off stderr; any other panic, a failing
/// assertion included, still goes to the previous hook.
pub(super) fn silence_scripted_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload().downcast_ref::<String>();
            if !payload.is_some_and(|msg| msg.starts_with(SCRIPTED)) {
                previous(info);
            }
        }));
    });
}

/// What one task's future and output report.
#[derive(Default)]
pub(super) struct Probe {
    pub(super) polls: AtomicUsize,
    pub(super) future_drops: AtomicUsize,
    pub(super) output_drops: AtomicUsize,
}

/// Wakers the futures hand out during a poll, tagged with their task's number.
pub(super) type Mailbox = Arc<Mutex<Vec<(usize, Waker)>>>;

/// The future under test: it follows its script.
pub(super) struct Scripted {
    pub(super) task: usize,
    pub(super) script: Arc<Script>,
    pub(super) probe: Arc<Probe>,
    pub(super) mailbox: Mailbox,
    /// Filled by the test right after the spawn when the script aborts itself.
    pub(super) abort: Arc<Mutex<Option<AbortHandle>>>,
}

/// The output: counts its drop.
pub(super) struct Output {
    pub(super) task: usize,
    pub(super) probe: Arc<Probe>,
}

impl Drop for Output {
    fn drop(&mut self) {
        self.probe.output_drops.fetch_add(1, SeqCst);
    }
}

impl Future for Scripted {
    type Output = Output;

    #[allow(clippy::waker_clone_wake)] // waking a counted clone is one of the paths under test
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Output> {
        let n = self.probe.polls.fetch_add(1, SeqCst);
        let Some(step) = self.script.steps.get(n) else {
            // Polled more often than the model allows: the poll count reports it.
            return Poll::Pending;
        };
        if step.post_waker {
            self.mailbox
                .lock()
                .unwrap()
                .push((self.task, cx.waker().clone()));
        }
        match step.action {
            InPoll::Nothing => {}
            InPoll::WakeByRef => cx.waker().wake_by_ref(),
            InPoll::WakeByVal => cx.waker().clone().wake(),
            InPoll::AbortSelf => self
                .abort
                .lock()
                .unwrap()
                .as_ref()
                .expect("the test gives a self-aborting future its AbortHandle")
                .abort(),
        }
        if n + 1 < self.script.steps.len() {
            Poll::Pending
        } else if self.script.panics {
            std::panic::panic_any(scripted_panic("poll", self.task))
        } else {
            Poll::Ready(Output {
                task: self.task,
                probe: self.probe.clone(),
            })
        }
    }
}

impl Drop for Scripted {
    fn drop(&mut self) {
        self.probe.future_drops.fetch_add(1, SeqCst);
        // Not while unwinding (a failing check): that would abort the whole test binary.
        if self.script.drop_panics && !std::thread::panicking() {
            // The fields (the AbortHandle among them) are still dropped while unwinding.
            std::panic::panic_any(scripted_panic("drop", self.task));
        }
    }
}
