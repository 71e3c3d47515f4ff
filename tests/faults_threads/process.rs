//! Child processes when `pidfd_open` or `waitpid` fails. Without a pidfd a child's exit is
//! learned from SIGCHLD; a `waitpid` error is returned as it is and loses nothing: the
//! child is still waited for, or — dropped unwaited — still reaped, never left a zombie.
//!
//! Which errors: `pidfd_open` fails with EMFILE when the process is out of descriptors.
//! `waitpid(pid, WNOHANG)` on Linux fails only with ECHILD (no such child: someone else
//! reaped it) or EINVAL (bad options); it never sleeps, so never sees EINTR. ECHILD is
//! the error eddy must pass on; EINTR stands for any other, transient, error (what a
//! blocking `waitpid` returns on a signal), which must not be taken for ECHILD.

use std::process::Stdio;
use std::time::{Duration, Instant};

use eddy::faults::{Call, Faults, When};
use eddy::process::Command;
use eddy_test_support::process::open_fds;
use futures_lite::{AsyncReadExt, AsyncWriteExt};

use crate::support::with_timeout;
use crate::LIMIT;

fn runtime() -> eddy::Runtime {
    eddy::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap()
}

/// The state letter of process `pid` (`Z` for a zombie); `None` once it is reaped.
fn state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) S ...": the comm may hold spaces and parentheses; the state follows the
    // last ')'.
    stat[stat.rfind(')')? + 1..].trim_start().chars().next()
}

/// Waits (checking every millisecond, for at most 10 s) until `done` holds.
fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "never happened: {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Whether this process's children get pidfds (Linux, unless `EDDY_NO_PIDFD=1`).
fn pidfds_expected() -> bool {
    cfg!(any(target_os = "linux", target_os = "android"))
        && std::env::var_os("EDDY_NO_PIDFD").is_none_or(|v| v != "1")
}

/// `pidfd_open` fails (EMFILE): the child's exit is learned from SIGCHLD instead — its
/// pipes work, `wait()` returns its exit status — and no fd is left behind.
#[test]
fn a_child_without_a_pidfd_is_waited_for_through_sigchld() {
    with_timeout(LIMIT, || {
        let faults = Faults::begin();
        let rt = runtime();
        faults.arm(Call::Pidfd, When::Always, libc::EMFILE);
        let run = || {
            rt.block_on(async {
                let mut child = Command::new("sh")
                    .args(["-c", "read line; echo got:$line; exit 3"])
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .spawn()
                    .unwrap();
                let mut stdin = child.stdin.take().unwrap();
                stdin.write_all(b"hi\n").await.unwrap();
                drop(stdin);
                let mut out = String::new();
                let mut stdout = child.stdout.take().unwrap();
                stdout.read_to_string(&mut out).await.unwrap();
                assert_eq!(out, "got:hi\n");
                assert_eq!(child.wait().await.unwrap().code(), Some(3));
            })
        };
        // The first child may install SIGCHLD's handler (its pipe stays, as every
        // handler's): count the fds from the second.
        run();
        let fds = open_fds();
        run();
        assert_eq!(open_fds(), fds, "fds left behind");
        if pidfds_expected() {
            assert_eq!(faults.injected(Call::Pidfd), 2);
        }
    });
}

/// Twelve children at once, half of them (seeded) without a pidfd: each `wait()` returns
/// its own child's status, whichever way its exit is learned.
#[test]
fn children_with_and_without_pidfds_are_all_waited_for() {
    with_timeout(LIMIT, || {
        let faults = Faults::begin();
        let rt = runtime();
        let fds = open_fds();
        let ratio = When::Fraction {
            ratio: 0.5,
            seed: 20,
        };
        faults.arm(Call::Pidfd, ratio, libc::EMFILE);
        let codes = rt.block_on(async {
            let waits: Vec<_> = (0..12)
                .map(|i| {
                    let mut child = Command::new("sh")
                        .args(["-c", &format!("exit {i}")])
                        .spawn()
                        .unwrap();
                    eddy::spawn(async move { child.wait().await.unwrap().code() })
                })
                .collect();
            let mut codes = Vec::new();
            for wait in waits {
                codes.push(wait.await.unwrap());
            }
            codes
        });
        assert_eq!(codes, (0..12).map(Some).collect::<Vec<_>>());
        if pidfds_expected() {
            let injected = faults.injected(Call::Pidfd);
            assert!(
                (1..12).contains(&injected),
                "{injected} of 12 without a pidfd"
            );
        }
        drop(rt);
        // SIGCHLD's handler pipe may be new (once per process); pidfds are all closed.
        assert!(open_fds() <= fds + 2, "{} fds, {fds} before", open_fds());
    });
}

/// `waitpid` fails: `wait()` and `try_wait()` return the error as it is, and the child is
/// not lost — it stays unreaped (a zombie once exited), and the next `wait()` once
/// `waitpid` works returns its real status and reaps it.
#[test]
fn a_waitpid_error_is_returned_as_is_and_the_child_is_not_lost() {
    with_timeout(LIMIT, || {
        let faults = Faults::begin();
        let rt = runtime();
        for errno in [libc::ECHILD, libc::EINTR] {
            rt.block_on(async {
                faults.arm(Call::Waitpid, When::Always, errno);
                let mut child = Command::new("sh").args(["-c", "exit 5"]).spawn().unwrap();
                let pid = child.id().unwrap();
                let err = child.wait().await.unwrap_err();
                assert_eq!(err.raw_os_error(), Some(errno), "{err}");
                eventually("the child exits", || state(pid) == Some('Z'));
                let err = child.try_wait().unwrap_err();
                assert_eq!(err.raw_os_error(), Some(errno), "{err}");
                assert_eq!(child.id(), Some(pid), "still running, as far as eddy knows");

                faults.disarm(Call::Waitpid);
                assert_eq!(child.wait().await.unwrap().code(), Some(5));
                assert_eq!(state(pid), None, "reaped");
                assert_eq!(child.try_wait().unwrap().unwrap().code(), Some(5));
            });
        }
    });
}

/// A child dropped before it exits is reaped by the runtime (the orphan reaper). While
/// `waitpid` fails with an error other than ECHILD the child is not reaped — and must
/// not be forgotten: once `waitpid` works it is reaped (here at the next spawn), not left
/// a zombie for the life of the process.
#[test]
fn a_dropped_child_is_reaped_once_waitpid_works_again() {
    with_timeout(LIMIT, || {
        let faults = Faults::begin();
        let rt = runtime();
        faults.arm(Call::Waitpid, When::Always, libc::EINTR);
        let pid = rt.block_on(async {
            let child = Command::new("sh")
                .args(["-c", "read line"])
                .stdin(Stdio::piped())
                .spawn()
                .unwrap();
            let pid = child.id().unwrap();
            // Its stdin closes with it: the child exits.
            drop(child);
            pid
        });
        eventually("the child exits", || state(pid) == Some('Z'));
        // The drop's `waitpid`, then the reaper task's: a child forgotten after the first
        // failure would never be tried again, and stay a zombie.
        eventually("the orphan reaper tries again", || {
            faults.calls(Call::Waitpid) >= 2
        });
        assert_eq!(state(pid), Some('Z'), "not reaped while waitpid fails");

        faults.disarm(Call::Waitpid);
        rt.block_on(async {
            let status = Command::new("sh").args(["-c", "exit 0"]).status().await;
            assert!(status.unwrap().success());
        });
        eventually("the dropped child is reaped", || state(pid).is_none());
    });
}
