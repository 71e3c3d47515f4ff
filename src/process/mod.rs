//! Subprocesses — asyncio's `asyncio.create_subprocess_exec`, with tokio's API.
//!
//! [`Command`] says what to run (program, arguments, environment, working directory,
//! stdio); [`Command::spawn`] starts it and gives a [`Child`], whose piped stdio
//! ([`ChildStdin`], [`ChildStdout`], [`ChildStderr`]) are `futures-io` streams and whose
//! [`wait`](Child::wait) awaits the exit status without blocking a worker.
//!
//! | asyncio | eddy |
//! |---|---|
//! | `proc = await asyncio.create_subprocess_exec(prog, *args, stdout=PIPE)` | `let child = Command::new(prog).args(args).stdout(Stdio::piped()).spawn()?` (no `.await`: spawning does not wait) |
//! | `create_subprocess_shell("a \| b")` | `Command::new("sh").args(["-c", "a \| b"])`, or two commands joined by [`ChildStdout`] → `Stdio` |
//! | `await proc.communicate(input)` | write `input` to [`Child::stdin`], then [`Child::wait_with_output`] (reads stdout and stderr together) |
//! | `await proc.wait()` / `proc.returncode` | [`Child::wait`] / [`Child::try_wait`] |
//! | `proc.stdout.readline()` | `futures_lite::io::BufReader::new(child.stdout.take().unwrap()).read_line(..)` |
//! | `proc.kill()` / `proc.terminate()` | [`Child::start_kill`] (or [`Child::kill`], which also waits) / `libc::kill(pid, SIGTERM)` with [`Child::id`] |
//! | `proc.pid` | [`Child::id`] (`None` once the status is collected) |
//! | `subprocess.run(..., capture_output=True)` | [`Command::output`] |
//!
//! ```
//! use std::process::Stdio;
//! use eddy::process::Command;
//! use futures_lite::AsyncWriteExt;
//!
//! eddy::run(async {
//!     // proc = await create_subprocess_exec("sort", stdin=PIPE, stdout=PIPE)
//!     let mut child = Command::new("sort")
//!         .stdin(Stdio::piped())
//!         .stdout(Stdio::piped())
//!         .spawn()?;
//!     // out, _ = await proc.communicate(b"pear\napple\n")
//!     child.stdin.as_mut().unwrap().write_all(b"pear\napple\n").await?;
//!     let out = child.wait_with_output().await?;
//!     assert_eq!(out.stdout, b"apple\npear\n");
//!     assert!(out.status.success());
//!     std::io::Result::Ok(())
//! })?;
//! # std::io::Result::Ok(())
//! ```
//!
//! # How exits are learned
//!
//! No thread waits per child. On **Linux** each child gets a pidfd (`pidfd_open`),
//! registered with the runtime's reactor: it becomes readable when the process exits,
//! and `wait` then collects the status with `waitpid(pid, WNOHANG)`. Where the kernel
//! refuses pidfds (older than 5.3, or a seccomp filter: `ENOSYS`, `EPERM`), and on the
//! **other Unixes**, eddy handles SIGCHLD through [`eddy::signal`](crate::signal): each
//! waiting child receives every SIGCHLD and checks its own pid. Installing that handler
//! is for the life of the process, as with any `eddy::signal`. `EDDY_NO_PIDFD=1` in the
//! environment (read at the first spawn) makes Linux take this path too, for a system
//! whose pidfds misbehave (and for eddy's tests of it). Either way, only
//! `waitpid` on the child's own pid is used, so children spawned by other code (std's
//! `Command`, other runtimes) are never reaped behind its back.
//!
//! On **Windows** the runtime's poller cannot wait on process handles or anonymous
//! pipes, so a pending `wait` occupies one thread of the blocking pool
//! (`WaitForSingleObject`), and every pipe read or write is a call on the pool, as
//! [`eddy::io::stdin`](crate::io::stdin) does.
//!
//! # No zombies
//!
//! A [`Child`] dropped before its process exited does not leave a zombie. With
//! [`Command::kill_on_drop`] the process is killed first. If it has exited, it is reaped
//! at once; otherwise, when a runtime is current, a small task waits for its exit (pidfd
//! or SIGCHLD, as `wait` does) and reaps it. Without a runtime (or if the runtime shuts
//! down before the exit), the child goes on an orphan queue, reaped at the next
//! [`Command::spawn`] and whenever a waiting child sees a SIGCHLD — so a program that
//! drops children outside any runtime and never spawns again may keep them as zombies
//! until it exits (as with tokio's orphan queue).
//!
//! # Writing to a child that is gone
//!
//! A write to [`ChildStdin`] after the child closed its stdin or exited is an error of
//! kind [`BrokenPipe`](std::io::ErrorKind::BrokenPipe) — never a SIGPIPE that ends this
//! process, even when SIGPIPE's action is the default (a library in a C host, a test
//! that restored it). On Apple the pipe carries `F_SETNOSIGPIPE`; elsewhere, when
//! SIGPIPE's action is the default, each write runs with SIGPIPE blocked in its thread
//! and a SIGPIPE it raised is taken before the mask is restored. Nothing process-wide
//! changes: eddy never sets SIGPIPE's disposition. (Rust programs ignore SIGPIPE from
//! `main` on, so there a write costs one `sigaction` query more than the `write`.)
//!
//! # Errors
//!
//! A program that cannot be started is an error of the OS's kind whose message names the
//! program: a missing one is [`NotFound`](std::io::ErrorKind::NotFound) ("failed to spawn
//! \"no-such-program\": No such file or directory ...").
//!
//! | file | what |
//! |---|---|
//! | `command.rs` | [`Command`]: the builder, `spawn`, `output`, `status` |
//! | `child.rs` | [`Child`]: `wait`, `try_wait`, `kill`, `wait_with_output`, drop |
//! | `pipe.rs` | [`ChildStdin`], [`ChildStdout`], [`ChildStderr`] |
//! | `orphan.rs` | reaping dropped children |
//! | `unix/` | pidfd or SIGCHLD, non-blocking pipes, SIGPIPE-safe writes |
//! | `windows.rs` | waits and pipes on the blocking pool |

mod child;
mod command;
mod orphan;
mod pipe;
#[cfg(unix)]
mod unix;
#[cfg(windows)]
mod windows;

#[cfg(unix)]
use self::unix as sys;
#[cfg(windows)]
use self::windows as sys;

use std::fmt;
use std::io;

pub use self::child::Child;
pub use self::command::Command;
pub use self::pipe::{ChildStderr, ChildStdin, ChildStdout};

/// `waitpid(pid, WNOHANG)` on `child` (std's `try_wait`): the one place eddy reaps a child,
/// so the fault-injection layer sees every `waitpid`.
fn try_reap(child: &mut std::process::Child) -> io::Result<Option<std::process::ExitStatus>> {
    eddy_faults::inject(eddy_faults::Call::Waitpid)?;
    child.try_wait()
}

/// The error of a failed spawn: the OS's error, its kind kept, with the program named
/// (std's error says only "No such file or directory").
fn spawn_error(cmd: &std::process::Command, err: io::Error) -> io::Error {
    io::Error::new(
        err.kind(),
        SpawnError {
            program: cmd.get_program().to_string_lossy().into_owned(),
            in_dir: cmd.get_current_dir().map(|dir| dir.display().to_string()),
            source: err,
        },
    )
}

/// See [`spawn_error`].
#[derive(Debug)]
struct SpawnError {
    program: String,
    in_dir: Option<String>,
    source: io::Error,
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "failed to spawn {:?}: {}", self.program, self.source)?;
        if self.source.kind() == io::ErrorKind::NotFound {
            match &self.in_dir {
                Some(dir) => write!(
                    f,
                    " (the program is not on PATH, or the directory {dir:?} does not exist)"
                ),
                None => write!(f, " (is it installed and on PATH?)"),
            }?;
        }
        Ok(())
    }
}

impl std::error::Error for SpawnError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}
