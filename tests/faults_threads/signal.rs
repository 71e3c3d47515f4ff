//! The signal thread (`eddy-signal`) when it cannot be started. It is one thread for the
//! whole process, started by the first `eddy::signal` call — perhaps another test's (a
//! child's exit watched through SIGCHLD) — so the test runs in a fresh process: this test
//! binary, started again on the test below.

use std::process::Command;

use eddy::faults::{Call, Faults, When};
use eddy::signal::{signal, SignalKind};
use eddy_test_support::process::threads_named;

use crate::support::with_timeout;
use crate::LIMIT;

/// Set in the fresh process.
const CHILD_ENV: &str = "EDDY_FAULTS_THREADS_SIGNAL_CHILD";

/// The handler installed for `signum` right now.
fn handler(signum: i32) -> libc::sighandler_t {
    // SAFETY: an all-zero `sigaction` is a valid value for the kernel to fill in.
    let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
    // SAFETY: a null new action only reads the current one into `old`, a valid pointer.
    let got = unsafe { libc::sigaction(signum, std::ptr::null(), &mut old) };
    assert_eq!(got, 0, "{}", std::io::Error::last_os_error());
    old.sa_sigaction
}

/// `ctrl_c()` and `signal(..)` return EAGAIN while the signal thread cannot start, and
/// install no handler (SIGINT still ends the process: it is not caught with nobody to
/// deliver it); once threads can start, the next call starts it and signals arrive.
#[test]
fn a_signal_thread_that_cannot_start_is_an_error_and_leaves_no_handler() {
    with_timeout(LIMIT, || {
        // Arms nothing here; takes its turn, so that its pipes do not count as another
        // test's fds.
        let _faults = Faults::begin();
        let out = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "signal::in_a_fresh_process", "--ignored"])
            .args(["--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, "1")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "{}\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    });
}

/// The body of the test above, in its fresh process.
#[test]
#[ignore = "run in a fresh process by a_signal_thread_that_cannot_start_is_an_error_and_leaves_no_handler"]
fn in_a_fresh_process() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    let faults = Faults::begin();
    assert_eq!(threads_named("eddy-signal"), 0, "already started");
    let (int_before, usr1_before) = (handler(libc::SIGINT), handler(libc::SIGUSR1));
    let rt = eddy::Builder::new_current_thread().build().unwrap();
    faults.arm(Call::SpawnHelper, When::Always, libc::EAGAIN);
    rt.block_on(async {
        for _ in 0..2 {
            let err = eddy::signal::ctrl_c().await.unwrap_err();
            assert_eq!(err.raw_os_error(), Some(libc::EAGAIN), "{err}");
            let err = signal(SignalKind::user_defined1()).err().unwrap();
            assert_eq!(err.raw_os_error(), Some(libc::EAGAIN), "{err}");
        }
    });
    assert_eq!(faults.injected(Call::SpawnHelper), 4);
    assert_eq!(
        handler(libc::SIGINT),
        int_before,
        "SIGINT caught with no thread"
    );
    assert_eq!(
        handler(libc::SIGUSR1),
        usr1_before,
        "SIGUSR1 caught with no thread"
    );
    assert_eq!(threads_named("eddy-signal"), 0);

    faults.disarm(Call::SpawnHelper);
    rt.block_on(async {
        let mut usr1 = signal(SignalKind::user_defined1()).unwrap();
        let mut int = signal(SignalKind::interrupt()).unwrap();
        for (signum, rx) in [(libc::SIGUSR1, &mut usr1), (libc::SIGINT, &mut int)] {
            // SAFETY: sends a signal to this process, whose handler is now installed.
            assert_eq!(unsafe { libc::kill(libc::getpid(), signum) }, 0);
            assert_eq!(rx.recv().await, Some(()));
        }
    });
    assert_eq!(threads_named("eddy-signal"), 1);
}
