//! The armed layer (feature `enabled`): the session lock, the faults and their counters.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

use crate::{Call, When};

/// How many kinds of call there are.
const KINDS: usize = Call::ALL.len();

/// True while a session runs: the only thing [`inject`] reads outside a session.
static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Held by the running session: sessions take turns.
static SESSION: Mutex<()> = Mutex::new(());

/// The faults and counters of the running session.
static STATE: Mutex<State> = Mutex::new(State::new());

/// One kind of call's fault and counters.
#[derive(Clone, Copy)]
struct Slot {
    /// The fault, with the raw OS error it returns.
    fault: Option<(When, i32)>,
    /// Calls of this kind since the fault was armed (or the session began).
    calls: u64,
    /// Calls of this kind that the fault failed.
    injected: u64,
    /// The generator of `When::Fraction`.
    rng: u64,
}

impl Slot {
    const IDLE: Slot = Slot {
        fault: None,
        calls: 0,
        injected: 0,
        rng: 0,
    };
}

struct State {
    slots: [Slot; KINDS],
}

impl State {
    const fn new() -> State {
        State {
            slots: [Slot::IDLE; KINDS],
        }
    }
}

fn state() -> MutexGuard<'static, State> {
    // A test that panicked while it held the lock left nothing half-done worth refusing.
    STATE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// splitmix64: the next value of the generator whose state is `state`.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Asks whether this call of kind `call` should fail: `Err` with the armed OS error if a
/// fault of the running [`Faults`] session says so, else `Ok(())`. eddy calls it right
/// before each system call of that kind. Without the `enabled` feature it is always
/// `Ok(())`.
///
/// # Examples
///
/// ```
/// use eddy_faults::{inject, Call, Faults, When};
///
/// let faults = Faults::begin();
/// faults.arm(Call::Socket, When::Always, 23); // ENFILE on Linux
/// assert_eq!(inject(Call::Socket).unwrap_err().raw_os_error(), Some(23));
/// drop(faults);
/// assert!(inject(Call::Socket).is_ok());
/// ```
pub fn inject(call: Call) -> io::Result<()> {
    // Relaxed: a session begins before the threads whose calls it fails are started, or
    // the test synchronises with them itself.
    if !ACTIVE.load(Ordering::Relaxed) {
        return Ok(());
    }
    let mut state = state();
    let slot = &mut state.slots[call as usize];
    slot.calls += 1;
    let Some((when, errno)) = slot.fault else {
        return Ok(());
    };
    let fail = match when {
        When::Nth(n) => slot.calls == n,
        When::From(n) => slot.calls >= n,
        When::Always => true,
        When::Fraction { ratio, .. } => {
            // 53 random bits as a float in [0, 1).
            let draw = (next(&mut slot.rng) >> 11) as f64 / (1u64 << 53) as f64;
            draw < ratio
        }
    };
    if fail {
        slot.injected += 1;
        return Err(io::Error::from_raw_os_error(errno));
    }
    Ok(())
}

/// A test's faults: arms them, counts the calls they see, and disarms them all when dropped.
///
/// Sessions take turns across the process ([`begin`](Faults::begin) waits for the running
/// one to end), since the calls a fault fails may be made on any thread. A fault armed for a
/// kind of call replaces the one armed before for it, and counts that kind's calls afresh.
///
/// # Examples
///
/// ```
/// use eddy_faults::{inject, Call, Faults, When};
///
/// let faults = Faults::begin();
/// faults.arm(Call::Register, When::Fraction { ratio: 0.5, seed: 7 }, 12); // ENOMEM
/// let failed = (0..1000).filter(|_| inject(Call::Register).is_err()).count();
/// assert!((400..600).contains(&failed), "{failed}");
/// assert_eq!(faults.injected(Call::Register), failed as u64);
/// ```
#[derive(Debug)]
pub struct Faults {
    _turn: MutexGuard<'static, ()>,
}

impl Faults {
    /// Begins a session, once the running one (another test's) has ended. Nothing is armed.
    pub fn begin() -> Faults {
        let turn = SESSION
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *state() = State::new();
        ACTIVE.store(true, Ordering::SeqCst);
        Faults { _turn: turn }
    }

    /// Arms a fault: calls of kind `call` picked by `when` fail with the raw OS error
    /// `errno` (`libc::EMFILE`, …; on Windows a Win32 or WSA error code). Returns the session
    /// for chaining.
    ///
    /// # Panics
    ///
    /// If `when` is `Nth(0)` or `From(0)` (calls count from 1), or a `Fraction` outside 0.0
    /// to 1.0: a test that arms a fault that can never fire would pass for the wrong reason.
    pub fn arm(&self, call: Call, when: When, errno: i32) -> &Faults {
        match when {
            When::Nth(0) | When::From(0) => {
                panic!("eddy_faults: calls count from 1; When::Nth(0) and When::From(0) never fire")
            }
            When::Fraction { ratio, .. } if !(0.0..=1.0).contains(&ratio) => {
                panic!("eddy_faults: a Fraction's ratio is a probability, 0.0 to 1.0: {ratio}")
            }
            _ => {}
        }
        let mut state = state();
        let slot = &mut state.slots[call as usize];
        *slot = Slot {
            fault: Some((when, errno)),
            calls: 0,
            injected: 0,
            rng: match when {
                When::Fraction { seed, .. } => seed,
                _ => 0,
            },
        };
        self
    }

    /// Disarms the fault of kind `call` (its counters stay readable). Returns the session.
    pub fn disarm(&self, call: Call) -> &Faults {
        state().slots[call as usize].fault = None;
        self
    }

    /// How many calls of kind `call` were made since its fault was armed (since the session
    /// began, if none was).
    pub fn calls(&self, call: Call) -> u64 {
        state().slots[call as usize].calls
    }

    /// How many calls of kind `call` the fault failed.
    pub fn injected(&self, call: Call) -> u64 {
        state().slots[call as usize].injected
    }
}

impl Drop for Faults {
    fn drop(&mut self) {
        ACTIVE.store(false, Ordering::SeqCst);
        *state() = State::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nth_from_and_always_pick_the_calls_they_name() {
        let faults = Faults::begin();
        faults.arm(Call::Notify, When::Nth(3), 5);
        let results: Vec<bool> = (0..5).map(|_| inject(Call::Notify).is_err()).collect();
        assert_eq!(results, [false, false, true, false, false]);

        faults.arm(Call::Notify, When::From(2), 5);
        let results: Vec<bool> = (0..4).map(|_| inject(Call::Notify).is_err()).collect();
        assert_eq!(results, [false, true, true, true]);
        assert_eq!(faults.injected(Call::Notify), 3);

        faults.arm(Call::Notify, When::Always, 5);
        assert!(inject(Call::Notify).is_err());
        // Other kinds are untouched, and counted.
        assert!(inject(Call::Accept).is_ok());
        assert_eq!(faults.calls(Call::Accept), 1);
        faults.disarm(Call::Notify);
        assert!(inject(Call::Notify).is_ok());
    }

    #[test]
    fn a_fraction_is_reproducible_from_its_seed() {
        let faults = Faults::begin();
        let run = |seed| {
            faults.arm(Call::Socket, When::Fraction { ratio: 0.1, seed }, 24);
            (0..200)
                .map(|_| inject(Call::Socket).is_err())
                .collect::<Vec<_>>()
        };
        let (a, b, c) = (run(1), run(1), run(2));
        assert_eq!(a, b);
        assert_ne!(a, c);
        let failed = a.iter().filter(|&&f| f).count();
        assert!((5..40).contains(&failed), "{failed} of 200 at 10%");
    }

    #[test]
    fn a_session_ending_disarms_everything() {
        {
            let faults = Faults::begin();
            faults.arm(Call::Waitpid, When::Always, 4);
            assert!(inject(Call::Waitpid).is_err());
        }
        assert!(inject(Call::Waitpid).is_ok());
    }

    #[test]
    #[should_panic(expected = "count from 1")]
    fn nth_zero_is_refused() {
        Faults::begin().arm(Call::Accept, When::Nth(0), 24);
    }
}
