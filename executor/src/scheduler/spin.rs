//! When a worker that ran dry spins before it parks: only while spinning pays.
//!
//! A spin that sees work arrive saves a wake-up pair (the producer's futex wake or eventfd
//! write, the parker's context switches, the latency of both); a spin that sees nothing
//! burns up to `SPIN` (worker.rs) of a core for nothing. Which one happens depends on
//! the workload: message passing between tasks on two workers finds work within a few
//! microseconds most of the time; a server whose work all comes from the reactor (the
//! other worker polls it and runs what it wakes) almost never does, and there the spin
//! only takes CPU from the clients or other processes sharing the machine.
//!
//! So each worker keeps a running estimate of how often its spins find work (an
//! exponentially weighted hit rate, weight 1/8 for the newest spin) and spins only while
//! that rate is at least [`MIN_HIT_RATE`]. Below it, the worker parks straight away, and
//! spins only every [`PROBE_EVERY`]th time it runs dry, so a workload that changes back
//! is noticed within a few probes. This is the idea behind adaptive spinning in JVM
//! monitors and glibc's adaptive mutexes, applied to a worker's search for work: the
//! last spins' outcome predicts the next one's.
//!
//! The governor only decides whether to spin; the spin itself and the park after it are
//! unchanged, so it cannot lose a wake-up (a refused spin is the plain park path).

/// Fixed-point one (the hit rate is kept in 1/1024ths).
const ONE: u32 = 1024;

/// Below this hit rate (1/4) spinning costs more than it saves: a failed spin costs its
/// full length, a successful one saves about as much, so at 1/4 a spin wastes three times
/// what it saves in CPU — which is still worth it for the latency it takes off a
/// message-passing chain, and not lower.
const MIN_HIT_RATE: u32 = ONE / 4;

/// While the hit rate is below [`MIN_HIT_RATE`], every this many runs dry spin anyway, to
/// notice when spinning starts to pay again.
const PROBE_EVERY: u32 = 8;

/// One worker's record of its spins (owned by the worker, no sharing).
#[derive(Debug)]
pub(super) struct SpinGovernor {
    /// Estimated fraction of spins that find work, in 1/[`ONE`]ths.
    hit_rate: u32,
    /// Runs dry since the last probe, while not spinning.
    skipped: u32,
}

impl SpinGovernor {
    /// Starts optimistic (one half): a new worker spins until it learns otherwise.
    pub(super) fn new() -> SpinGovernor {
        SpinGovernor {
            hit_rate: ONE / 2,
            skipped: 0,
        }
    }

    /// The worker ran dry: should it spin? (Counts the runs dry it refuses.)
    pub(super) fn should_spin(&mut self) -> bool {
        if self.hit_rate >= MIN_HIT_RATE {
            return true;
        }
        self.skipped += 1;
        if self.skipped >= PROBE_EVERY {
            self.skipped = 0;
            return true;
        }
        false
    }

    /// Records a spin's outcome.
    pub(super) fn record(&mut self, found_work: bool) {
        // rate += (outcome - rate) / 8, in integers.
        if found_work {
            self.hit_rate += (ONE - self.hit_rate) / 8;
        } else {
            self.hit_rate -= self.hit_rate / 8;
        }
    }

    /// True while spins pay.
    #[cfg(test)]
    pub(super) fn is_spinning(&self) -> bool {
        self.hit_rate >= MIN_HIT_RATE
    }
}

#[cfg(test)]
mod tests {
    use super::{SpinGovernor, PROBE_EVERY};

    #[test]
    fn spins_that_find_nothing_stop_the_spinning_and_probes_continue() {
        let mut spin = SpinGovernor::new();
        let mut spins = 0;
        while spin.should_spin() {
            spin.record(false);
            spins += 1;
            assert!(spins < 100, "a worker whose spins never pay kept spinning");
        }
        // 1/2 decays below 1/4 after 6 failures (each keeps 7/8).
        assert_eq!(spins, 6);
        assert!(!spin.is_spinning());
        // From now on one run dry in PROBE_EVERY spins.
        let probes = (0..PROBE_EVERY * 10)
            .filter(|_| {
                let probe = spin.should_spin();
                if probe {
                    spin.record(false);
                }
                probe
            })
            .count();
        assert_eq!(probes, 10);
    }

    #[test]
    fn a_workload_that_turns_to_message_passing_resumes_spinning() {
        let mut spin = SpinGovernor::new();
        for _ in 0..50 {
            if spin.should_spin() {
                spin.record(false);
            }
        }
        assert!(!spin.is_spinning());
        // Now every spin finds work: the probes find it, and a couple of them bring the
        // rate back over the bar.
        let mut runs_dry = 0;
        while !spin.is_spinning() {
            runs_dry += 1;
            if spin.should_spin() {
                spin.record(true);
            }
            assert!(runs_dry <= 4 * PROBE_EVERY, "spinning never resumed");
        }
        assert!(spin.should_spin());
    }

    #[test]
    fn a_mixed_workload_keeps_spinning_above_the_bar() {
        // One spin in three finds work: above 1/4, so it keeps spinning (the estimate
        // moves around the true rate but stays over the bar once settled).
        let mut spin = SpinGovernor::new();
        let mut refused = 0;
        for i in 0..300 {
            if spin.should_spin() {
                spin.record(i % 3 == 0);
            } else {
                refused += 1;
            }
        }
        assert!(
            refused < 30,
            "refused {refused} of 300 spins at a 1/3 hit rate"
        );
    }
}
