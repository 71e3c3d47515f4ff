//! eddy::process: spawning, pipes, exit statuses, killing, reaping, on every runtime
//! flavour and I/O backend.
//!
//! Several tests restore SIGPIPE's default action (the process dies of it), which Rust's
//! runtime sets to "ignore" before `main`: eddy promises that a write to a child that is
//! gone is an error even then. That setting is process-wide, so it holds for every test
//! in this binary from the first such test on — which is the point: none may die of it.
#![cfg(unix)]

mod support;

use std::future::Future;
use std::io::{self, ErrorKind};
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::time::Duration;

use eddy::process::Command;
use eddy::runtime::IoBackend;
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use support::{with_timeout, LIMIT};

/// Makes SIGPIPE kill the process again, as in a C program that embeds eddy.
fn sigpipe_kills() {
    // SAFETY: `signal` with SIG_DFL installs no handler, so no handler can run in an
    // unexpected state; eddy's pipes must not rely on SIGPIPE being ignored.
    let previous = unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    assert_ne!(previous, libc::SIG_ERR, "{}", io::Error::last_os_error());
}

/// The runtimes every test body runs on: both flavours, on each I/O backend.
fn runtimes() -> Vec<(&'static str, eddy::Runtime)> {
    let mut rts = Vec::new();
    for (name, backend) in [("epoll", IoBackend::Epoll), ("polling", IoBackend::Polling)] {
        if cfg!(not(target_os = "linux")) && backend == IoBackend::Epoll {
            continue;
        }
        let multi = eddy::Builder::new()
            .worker_threads(2)
            .io_backend(backend)
            .build()
            .unwrap();
        rts.push((name, multi));
        let current = eddy::Builder::new_current_thread()
            .io_backend(backend)
            .build()
            .unwrap();
        rts.push((name, current));
    }
    rts
}

/// Runs `body` on every runtime of [`runtimes`], under the test time limit.
fn on_every_runtime<F, Fut>(body: F)
where
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = io::Result<()>>,
{
    with_timeout(LIMIT, move || {
        for (backend, rt) in runtimes() {
            let flavour = if rt.handle().num_workers() > 1 {
                "multi-thread"
            } else {
                "current-thread"
            };
            if let Err(err) = rt.block_on(body()) {
                panic!("on the {flavour} runtime with {backend}: {err}");
            }
        }
    });
}

/// True while `pid` is a child of this process that has not been reaped: `waitid` with
/// `WNOWAIT` looks without reaping.
fn is_unreaped_child(pid: u32) -> bool {
    // SAFETY: an all-zero `siginfo_t` is a valid value for `waitid` to overwrite.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    // SAFETY: `info` is valid for writing; WNOHANG | WNOWAIT neither blocks nor reaps.
    let rc = unsafe {
        libc::waitid(
            libc::P_PID,
            pid as libc::id_t,
            &mut info,
            libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
        )
    };
    if rc == 0 {
        return true;
    }
    let err = io::Error::last_os_error();
    assert_eq!(err.raw_os_error(), Some(libc::ECHILD), "{err}");
    false
}

/// Waits (yielding to the runtime, under the test's time limit) until `pid` is reaped.
async fn until_reaped(pid: u32) {
    while is_unreaped_child(pid) {
        eddy::time::sleep(Duration::from_millis(1)).await;
    }
}

#[test]
fn output_captures_stdout_stderr_and_the_exit_code() {
    on_every_runtime(|| async {
        let out = Command::new("sh")
            .args(["-c", "echo out; echo err >&2; exit 3"])
            .output()
            .await?;
        assert_eq!(out.status.code(), Some(3));
        assert_eq!(out.stdout, b"out\n");
        assert_eq!(out.stderr, b"err\n");
        Ok(())
    });
}

#[test]
fn status_reports_success_and_failure() {
    on_every_runtime(|| async {
        assert!(Command::new("true").status().await?.success());
        assert_eq!(Command::new("false").status().await?.code(), Some(1));
        Ok(())
    });
}

#[test]
fn args_env_and_current_dir_reach_the_child() {
    on_every_runtime(|| async {
        let dir = std::env::temp_dir().canonicalize()?;
        let out = Command::new("sh")
            .args([
                "-c",
                "printf '%s|%s|%s|%s' \"$1\" \"$A\" \"${HOME-unset}\" \"$(pwd)\"",
                "sh",
            ])
            .arg("first arg")
            .env("A", "from env")
            .envs([("B", "unused")])
            .env_remove("HOME")
            .current_dir(&dir)
            .output()
            .await?;
        let expected = format!("first arg|from env|unset|{}", dir.display());
        assert_eq!(String::from_utf8_lossy(&out.stdout), expected);

        let out = Command::new("/usr/bin/env")
            .env_clear()
            .env("ONLY", "1")
            .output()
            .await?;
        assert_eq!(out.stdout, b"ONLY=1\n");
        Ok(())
    });
}

#[test]
fn stdin_round_trips_through_cat() {
    on_every_runtime(|| async {
        let data: Vec<u8> = (0..4 << 20).map(|i| (i * 7 % 251) as u8).collect();
        let mut child = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let sent = data.clone();
        // More than a pipe holds: writing and reading must go on together.
        let writer = eddy::spawn(async move {
            stdin.write_all(&sent).await?;
            stdin.close().await
        });
        let mut back = Vec::new();
        stdout.read_to_end(&mut back).await?;
        writer.await??;
        assert!(back == data, "cat gave back different bytes");
        assert!(child.wait().await?.success());
        Ok(())
    });
}

#[test]
fn a_thousand_concurrent_children_are_all_waited_for() {
    // Each running child holds a pidfd (Linux) while it is waited for: raise the soft
    // fd limit to the hard one, as a server spawning this many would.
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is valid for writing and then reading an `rlimit`.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        limit.rlim_cur = limit.rlim_max;
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &limit), 0);
    }
    on_every_runtime(|| async {
        let children = (0..1000)
            .map(|_| Command::new("true").spawn())
            .collect::<io::Result<Vec<_>>>()?;
        let waits = children
            .into_iter()
            .map(|mut child| async move { child.wait().await });
        for status in eddy::gather(waits).await {
            assert!(status.unwrap()?.success());
        }
        Ok(())
    });
}

#[test]
fn a_child_closing_its_stdin_early_makes_writes_fail_with_broken_pipe() {
    sigpipe_kills();
    on_every_runtime(|| async {
        // `head -c 1` reads one byte, prints it and exits while we still write.
        let mut child = Command::new("head")
            .args(["-c", "1"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let mut stdin = child.stdin.take().unwrap();
        let chunk = vec![b'x'; 64 << 10];
        let err = loop {
            if let Err(err) = stdin.write_all(&chunk).await {
                break err;
            }
        };
        assert_eq!(err.kind(), ErrorKind::BrokenPipe, "{err}");
        let out = child.wait_with_output().await?;
        assert_eq!(out.stdout, b"x");
        assert!(out.status.success());
        Ok(())
    });
}

#[test]
fn writing_to_a_dead_childs_stdin_is_broken_pipe_not_sigpipe() {
    sigpipe_kills();
    on_every_runtime(|| async {
        let mut child = Command::new("true").stdin(Stdio::piped()).spawn()?;
        let mut stdin = child.stdin.take().unwrap();
        assert!(child.wait().await?.success());
        // Until the read end is closed everywhere, writes may succeed: a child that other
        // tests are spawning meanwhile holds a copy of every fd, close-on-exec ones too,
        // from its fork until its exec. So write until the error (a read end that stayed
        // open would fill the pipe and hang: the timeout fails the test).
        let err = loop {
            if let Err(err) = stdin.write_all(b"anyone there?").await {
                break err;
            }
        };
        assert_eq!(err.kind(), ErrorKind::BrokenPipe, "{err}");
        // Still alive, and the signal was not left pending to strike later.
        let err = stdin.write_all(b"still?").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BrokenPipe, "{err}");
        Ok(())
    });
}

#[test]
fn a_missing_program_is_not_found_and_named() {
    on_every_runtime(|| async {
        let err = Command::new("eddy-no-such-program").spawn().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert!(err.to_string().contains("eddy-no-such-program"), "{err}");
        let err = Command::new("eddy-no-such-program")
            .output()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        Ok(())
    });
}

#[test]
fn kill_then_wait_gives_a_signal_exit_status() {
    on_every_runtime(|| async {
        let mut child = Command::new("sleep").arg("60").spawn()?;
        assert!(child.id().is_some());
        child.kill().await?;
        let status = child.wait().await?;
        assert_eq!(status.signal(), Some(libc::SIGKILL));
        assert_eq!(child.id(), None);
        assert_eq!(
            child.start_kill().unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
        Ok(())
    });
}

#[test]
fn kill_on_drop_kills_and_the_child_is_reaped() {
    on_every_runtime(|| async {
        let mut child = Command::new("sleep")
            .arg("60")
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()?;
        let pid = child.id().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        drop(child);
        // `sleep 60` holds its stdout open for a minute unless it was killed.
        let mut rest = Vec::new();
        stdout.read_to_end(&mut rest).await?;
        until_reaped(pid).await;
        Ok(())
    });
}

#[test]
fn a_dropped_child_that_exits_later_is_reaped() {
    on_every_runtime(|| async {
        // `cat` runs until its stdin closes, which happens when the `Child` (holding the
        // `ChildStdin`) is dropped: it exits after the drop.
        let child = Command::new("cat").stdin(Stdio::piped()).spawn()?;
        let pid = child.id().unwrap();
        drop(child);
        until_reaped(pid).await;
        Ok(())
    });
}

#[test]
fn a_child_dropped_outside_any_runtime_is_reaped_at_a_later_spawn() {
    with_timeout(LIMIT, || {
        let rt = eddy::Builder::new_current_thread().build().unwrap();
        let (child, pid) = rt
            .block_on(async {
                let child = Command::new("cat").stdin(Stdio::piped()).spawn()?;
                let pid = child.id().unwrap();
                io::Result::Ok((child, pid))
            })
            .unwrap();
        drop(child); // no runtime here: the orphan queue
        rt.block_on(async {
            while is_unreaped_child(pid) {
                Command::new("true").status().await.unwrap();
            }
        });
    });
}

#[test]
fn try_wait_is_none_while_running_and_the_status_after() {
    on_every_runtime(|| async {
        let mut child = Command::new("cat").stdin(Stdio::piped()).spawn()?;
        assert!(child.try_wait()?.is_none());
        child.stdin.take();
        let status = child.wait().await?;
        assert!(status.success());
        assert_eq!(child.try_wait()?, Some(status));
        assert_eq!(child.wait().await?, status);
        Ok(())
    });
}

#[test]
fn a_childs_stdout_becomes_anothers_stdin() {
    on_every_runtime(|| async {
        let mut first = Command::new("echo")
            .arg("hello")
            .stdout(Stdio::piped())
            .spawn()?;
        let piped: Stdio = first.stdout.take().unwrap().try_into()?;
        let out = Command::new("tr")
            .args(["a-z", "A-Z"])
            .stdin(piped)
            .output()
            .await?;
        assert_eq!(out.stdout, b"HELLO\n");
        assert!(first.wait().await?.success());
        Ok(())
    });
}

#[test]
fn wait_with_output_reads_both_pipes_at_once() {
    on_every_runtime(|| async {
        // 1 MiB to each: more than a pipe holds, so reading one pipe to its end before
        // the other would deadlock.
        let out = Command::new("sh")
            .args([
                "-c",
                "head -c 1048576 /dev/zero >&2 & head -c 1048576 /dev/zero; wait",
            ])
            .output()
            .await?;
        assert!(out.status.success());
        assert_eq!((out.stdout.len(), out.stderr.len()), (1 << 20, 1 << 20));
        Ok(())
    });
}

/// The SIGCHLD path (kernels without pidfds, the other Unixes) under the whole suite:
/// this binary runs again with `EDDY_NO_PIDFD=1`, one test at a time.
#[test]
#[cfg(any(target_os = "linux", target_os = "android"))]
fn the_whole_suite_passes_on_the_sigchld_path() {
    if std::env::var_os("EDDY_NO_PIDFD").is_some() {
        return; // this is the run below
    }
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .env("EDDY_NO_PIDFD", "1")
        .args([
            "--test-threads",
            "1",
            "--skip",
            "the_whole_suite_passes_on_the_sigchld_path",
        ])
        .output()
        .unwrap();
    let report = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "the suite failed on the SIGCHLD path:\n{report}"
    );
    assert!(
        report.contains("sigchld_mode_installs_the_sigchld_handler ... ok"),
        "{report}"
    );
}

/// In the run with `EDDY_NO_PIDFD=1`: a wait really went through SIGCHLD (its handler is
/// installed); otherwise, with pidfds, no SIGCHLD handler is needed.
#[test]
fn sigchld_mode_installs_the_sigchld_handler() {
    let forced = std::env::var_os("EDDY_NO_PIDFD").is_some_and(|v| v == "1");
    with_timeout(LIMIT, move || {
        let rt = eddy::Builder::new_current_thread().build().unwrap();
        let status = rt.block_on(Command::new("true").status()).unwrap();
        assert!(status.success());
        // SAFETY: `sigaction` is plain data for which all zeroes is a valid value.
        let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
        // SAFETY: a query only (no new action); `action` is a valid out-pointer.
        let rc = unsafe { libc::sigaction(libc::SIGCHLD, std::ptr::null(), &mut action) };
        assert_eq!(rc, 0);
        if forced || cfg!(not(any(target_os = "linux", target_os = "android"))) {
            assert_ne!(
                action.sa_sigaction,
                libc::SIG_DFL,
                "no SIGCHLD handler was installed"
            );
        }
    });
}
