//! Timer lateness: how long after its deadline each wake-up runs.

use std::time::Duration;

use eddy::time::{interval, sleep_until, Instant};

/// Lateness samples, sorted.
pub struct Lateness(Vec<Duration>);

impl Lateness {
    /// The `q` quantile (0.0 to 1.0).
    pub fn quantile(&self, q: f64) -> Duration {
        let i = ((self.0.len() - 1) as f64 * q).round() as usize;
        self.0[i]
    }

    pub fn median(&self) -> Duration {
        self.quantile(0.5)
    }

    pub fn max(&self) -> Duration {
        *self.0.last().unwrap()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// "n, median, p99, max", for the test's output and the docs.
    pub fn summary(&self) -> String {
        format!(
            "{} wakes: median {:?}, p99 {:?}, max {:?}",
            self.len(),
            self.median(),
            self.quantile(0.99),
            self.max()
        )
    }
}

/// `sleepers` tasks each sleep `naps` times for 1 to 9 ms, and an interval of 5 ms ticks
/// `ticks` times; every wake-up's lateness is measured. A wake-up before its deadline
/// fails the test.
pub async fn lateness(sleepers: usize, naps: usize, ticks: usize) -> Lateness {
    let mut tasks: Vec<_> = (0..sleepers)
        .map(|i| {
            eddy::spawn(async move {
                let mut late = Vec::with_capacity(naps);
                for j in 0..naps {
                    let nap = Duration::from_millis(1 + ((i * 7 + j * 3) % 9) as u64);
                    let deadline = Instant::now() + nap;
                    sleep_until(deadline).await;
                    let now = Instant::now();
                    assert!(now >= deadline, "a sleep woke {:?} early", deadline - now);
                    late.push(now - deadline);
                }
                late
            })
        })
        .collect();
    tasks.push(eddy::spawn(async move {
        let mut every = interval(Duration::from_millis(5));
        let mut late = Vec::with_capacity(ticks);
        for _ in 0..ticks {
            let due = every.tick().await;
            let now = Instant::now();
            assert!(now >= due, "a tick came {:?} early", due - now);
            late.push(now - due);
        }
        late
    }));
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    all.sort();
    Lateness(all)
}
