//! The park hook that joins the executor to the timers (and, when it lands, the reactor):
//! an idle worker sleeps until it is unparked or the earliest timer is due, and fires due
//! timers when it wakes and, while busy, every 61 ticks.

use eddy_executor::park::{Park, Parker};

use crate::loom::Arc;
use crate::time::driver::{Registration, TimeDriver, TimerEntry};

/// The runtime's driver: one parker per worker, and the timers.
#[derive(Debug)]
pub(crate) struct Driver {
    parkers: Box<[Parker]>,
    pub(crate) time: TimeDriver,
}

impl Driver {
    pub(crate) fn new(workers: usize) -> Driver {
        Driver {
            parkers: (0..workers).map(|_| Parker::new()).collect(),
            time: TimeDriver::new(workers),
        }
    }

    /// Registers a timer and wakes a worker that would sleep past it.
    pub(crate) fn register_timer(
        &self,
        shard: usize,
        deadline: u64,
        entry: Arc<TimerEntry>,
    ) -> Registration {
        let (registration, sleeper) = self.time.register(shard, deadline, entry);
        if let Some(worker) = sleeper {
            self.parkers[worker].unpark();
        }
        registration
    }
}

impl Park for Driver {
    fn park(&self, worker: usize) {
        // Timers already due: fire them (their tasks land on this worker) and go run them.
        if self.time.fire_due() > 0 {
            return;
        }
        match self.time.begin_park(worker) {
            None => self.parkers[worker].park(),
            Some(timeout) if timeout.is_zero() => {}
            Some(timeout) => self.parkers[worker].park_timeout(timeout),
        }
        if let Some(other) = self.time.end_park(worker) {
            self.parkers[other].unpark();
        }
        self.time.fire_due();
    }

    fn unpark(&self, worker: usize) {
        self.parkers[worker].unpark();
    }

    fn maintain(&self, _worker: usize) {
        self.time.fire_due();
    }
}
