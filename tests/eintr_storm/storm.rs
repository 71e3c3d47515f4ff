//! The storm: a no-op handler for [`SIGNAL`] installed without `SA_RESTART` (so a blocking
//! system call it interrupts fails with `EINTR` instead of being restarted), and a thread
//! that sends it at a fixed rate, round-robin to every other thread of the process with
//! `tgkill` (a `kill` of the process would mostly hit one thread, the first that does not
//! block it). The handler counts deliveries per thread in a lock-free table.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Mutex, MutexGuard, Once};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The signal of the storm. eddy registers no handler for it, and its default action is
/// to ignore it, so a stray one (sent before the handler exists) is harmless.
pub const SIGNAL: libc::c_int = libc::SIGURG;

/// Slots of the per-thread delivery table (more than the threads a test makes).
const SLOTS: usize = 1024;

/// Deliveries, all threads together.
static DELIVERED: AtomicU64 = AtomicU64::new(0);

/// The thread ids of the table; 0 marks a free slot.
static TIDS: [AtomicI32; SLOTS] = [const { AtomicI32::new(0) }; SLOTS];

/// Deliveries to the thread of the same slot of [`TIDS`].
static COUNTS: [AtomicU64; SLOTS] = [const { AtomicU64::new(0) }; SLOTS];

/// One test at a time: the harness runs tests on parallel threads, and one test's storm
/// (or load) would disturb another's measurements.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Held for a whole test body: no other test of this file runs meanwhile.
pub fn exclusive() -> MutexGuard<'static, ()> {
    ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The handler: atomics and `gettid` only (async-signal-safe; neither touches `errno`).
extern "C" fn on_signal(_: libc::c_int) {
    DELIVERED.fetch_add(1, SeqCst);
    let tid = gettid();
    let start = tid as usize % SLOTS;
    for i in 0..SLOTS {
        let slot = (start + i) % SLOTS;
        let owner = TIDS[slot].load(SeqCst);
        if owner == tid
            || (owner == 0 && TIDS[slot].compare_exchange(0, tid, SeqCst, SeqCst).is_ok())
        {
            COUNTS[slot].fetch_add(1, SeqCst);
            return;
        }
    }
}

/// The calling thread's id.
fn gettid() -> libc::pid_t {
    // SAFETY: `gettid` takes no arguments, cannot fail (so leaves `errno` alone) and
    // touches no memory.
    unsafe { libc::syscall(libc::SYS_gettid) as libc::pid_t }
}

/// What one delivery costs the thread it interrupts: the handler, entering it and
/// `sigreturn`, measured on this thread as the time of a `tgkill` to itself (the signal
/// is delivered before the call returns) less that of a `tgkill` of signal 0 (which only
/// checks the target).
pub fn signal_cost() -> Duration {
    install();
    // SAFETY: plain system calls with integer arguments.
    let (pid, me) = (unsafe { libc::getpid() }, gettid());
    // The fastest of five batches: the machine is shared, and a batch that lost the CPU
    // measures the scheduler, not the signal.
    let time = |signum: libc::c_int| {
        (0..5)
            .map(|_| {
                let start = Instant::now();
                for _ in 0..4_000 {
                    // SAFETY: as above; the target is this thread.
                    unsafe { libc::syscall(libc::SYS_tgkill, pid, me, signum) };
                }
                start.elapsed() / 4_000
            })
            .min()
            .unwrap()
    };
    let (empty, full) = (time(0), time(SIGNAL));
    full.saturating_sub(empty).max(Duration::from_nanos(1))
}

/// Installs the handler once, without `SA_RESTART`.
fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: an all-zero `sigaction` is valid (no flags, empty mask) and is filled in
        // below; `sigemptyset` gets a valid, exclusively borrowed mask.
        let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
        action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        // No SA_RESTART: interrupted blocking calls fail with EINTR. That is the point.
        action.sa_flags = 0;
        // SAFETY: as above.
        unsafe { libc::sigemptyset(&mut action.sa_mask) };
        // SAFETY: `action` is initialised; `on_signal` is async-signal-safe.
        let rc = unsafe { libc::sigaction(SIGNAL, &action, std::ptr::null_mut()) };
        assert_eq!(rc, 0, "sigaction: {}", std::io::Error::last_os_error());
    });
}

/// The threads of this process but the caller: (tid, name).
fn threads(me: libc::pid_t) -> Vec<(libc::pid_t, String)> {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    dir.filter_map(|entry| {
        let tid: libc::pid_t = entry.ok()?.file_name().to_str()?.parse().ok()?;
        (tid != me).then(|| {
            let comm = std::fs::read_to_string(format!("/proc/self/task/{tid}/comm"));
            (tid, comm.unwrap_or_default().trim().to_string())
        })
    })
    .collect()
}

/// What a storm did.
#[derive(Debug)]
pub struct Report {
    /// Signals `tgkill` accepted.
    pub sent: u64,
    /// Signals the handler ran for (any thread).
    pub delivered: u64,
    /// How long it ran.
    pub elapsed: Duration,
    /// Deliveries per thread, by thread name ("?" for a thread gone before it was named).
    pub per_thread: BTreeMap<String, Vec<u64>>,
}

impl Report {
    /// Deliveries per second.
    pub fn rate(&self) -> f64 {
        self.delivered as f64 / self.elapsed.as_secs_f64()
    }

    /// Threads that received at least one signal.
    pub fn threads_hit(&self) -> usize {
        self.per_thread.values().map(Vec::len).sum()
    }

    /// One line per thread name: how many threads of that name, their deliveries.
    pub fn table(&self) -> String {
        let mut out = format!(
            "sent {} delivered {} in {:.2?} ({:.0}/s) to {} threads\n",
            self.sent,
            self.delivered,
            self.elapsed,
            self.rate(),
            self.threads_hit()
        );
        for (name, counts) in &self.per_thread {
            out += &format!("  {name:<20} {counts:?}\n");
        }
        out
    }

    /// Fails the test unless the storm reached several threads many times.
    pub fn assert_reached(&self, min_threads: usize) {
        assert!(
            self.delivered >= 1000,
            "the storm delivered too few signals:\n{}",
            self.table()
        );
        assert!(
            self.threads_hit() >= min_threads,
            "the storm reached fewer than {min_threads} threads:\n{}",
            self.table()
        );
    }
}

/// A running storm; [`Storm::stop`] ends it and reports.
pub struct Storm {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<(u64, BTreeMap<libc::pid_t, String>)>>,
    started: Instant,
}

impl Storm {
    /// Starts sending [`SIGNAL`] at `rate_hz`, round-robin over the process's threads.
    /// The caller holds [`exclusive`], so that no other storm runs.
    pub fn start(_exclusive: &MutexGuard<'static, ()>, rate_hz: u32) -> Storm {
        install();
        DELIVERED.store(0, SeqCst);
        for (tid, count) in TIDS.iter().zip(&COUNTS) {
            tid.store(0, SeqCst);
            count.store(0, SeqCst);
        }
        let stop = Arc::new(AtomicBool::new(false));
        let period = Duration::from_secs(1) / rate_hz;
        let thread = std::thread::Builder::new()
            .name("signal-storm".into())
            .spawn({
                let stop = stop.clone();
                move || storm(&stop, period)
            })
            .unwrap();
        Storm {
            stop,
            thread: Some(thread),
            started: Instant::now(),
        }
    }

    /// Stops the storm and reports what it did.
    pub fn stop(mut self) -> Report {
        self.stop.store(true, SeqCst);
        let (sent, names) = self.thread.take().unwrap().join().unwrap();
        let elapsed = self.started.elapsed();
        let mut per_thread: BTreeMap<String, Vec<u64>> = BTreeMap::new();
        for (tid, count) in TIDS.iter().zip(&COUNTS) {
            let (tid, count) = (tid.load(SeqCst), count.load(SeqCst));
            if tid != 0 && count > 0 {
                let name = names.get(&tid).cloned().unwrap_or_else(|| "?".into());
                per_thread.entry(name).or_default().push(count);
            }
        }
        Report {
            sent,
            delivered: DELIVERED.load(SeqCst),
            elapsed,
            per_thread,
        }
    }
}

impl Drop for Storm {
    fn drop(&mut self) {
        // A failing test body: stop the thread anyway.
        self.stop.store(true, SeqCst);
    }
}

/// The storm thread: one `tgkill` per period, to the next thread in turn; the thread list
/// is read again every 10 ms, as the runtime starts and ends blocking threads.
fn storm(stop: &AtomicBool, period: Duration) -> (u64, BTreeMap<libc::pid_t, String>) {
    // SAFETY: plain system calls with integer arguments. A 1 µs timer slack makes the short
    // sleeps between signals precise (the default 50 µs would halve the rate).
    let (pid, me) = unsafe {
        libc::prctl(libc::PR_SET_TIMERSLACK, 1_000 as libc::c_ulong, 0, 0, 0);
        (libc::getpid(), gettid())
    };
    let mut names = BTreeMap::new();
    let mut targets = Vec::new();
    let mut listed = Instant::now() - Duration::from_secs(1);
    let mut next = Instant::now();
    let (mut sent, mut turn) = (0u64, 0usize);
    while !stop.load(SeqCst) {
        if listed.elapsed() >= Duration::from_millis(10) {
            targets = threads(me);
            for (tid, name) in &targets {
                names.insert(*tid, name.clone());
            }
            listed = Instant::now();
        }
        if let Some(&(tid, _)) = targets.get(turn % targets.len().max(1)) {
            // SAFETY: `tgkill` takes integers; a thread that has exited is ESRCH, and the
            // tgid check keeps a reused tid in another process from being hit.
            let rc = unsafe { libc::syscall(libc::SYS_tgkill, pid, tid, SIGNAL) };
            sent += u64::from(rc == 0);
            turn += 1;
        }
        next += period;
        let now = Instant::now();
        if next > now {
            std::thread::sleep(next - now);
        } else if now - next > Duration::from_millis(100) {
            // Descheduled for long (a loaded machine): catch up on the last 100 ms at
            // most, back to back, so the average rate holds without one huge burst.
            next = now - Duration::from_millis(100);
        }
    }
    (sent, names)
}
