//! [`Child`]: a running process — its pipes, its exit status, killing it, and what
//! happens when it is dropped.

use std::fmt;
use std::future::{poll_fn, Future};
use std::io;
use std::pin::{pin, Pin};
use std::process::{ExitStatus, Output};
use std::task::{ready, Context, Poll};

use futures_io::AsyncRead;

use super::orphan;
use super::pipe::{ChildStderr, ChildStdin, ChildStdout};
use super::sys;

/// A spawned process, from [`Command::spawn`](super::Command::spawn) — asyncio's
/// `asyncio.subprocess.Process`.
///
/// Its piped stdio are the public fields [`stdin`](Child::stdin),
/// [`stdout`](Child::stdout) and [`stderr`](Child::stderr) (`Some` for each stream set to
/// `Stdio::piped()`); take them out with `Option::take` to use them on their own.
///
/// Dropping a `Child` does not wait for the process, and does not kill it unless
/// [`kill_on_drop`](super::Command::kill_on_drop) was set; a process still running is
/// reaped in the background, so it never lingers as a zombie (see the
/// [module docs](super)).
///
/// # Examples
///
/// ```
/// use std::process::Stdio;
/// use futures_lite::{AsyncReadExt, AsyncWriteExt};
///
/// eddy::run(async {
///     let mut child = eddy::process::Command::new("tr")
///         .arg("a-z")
///         .arg("A-Z")
///         .stdin(Stdio::piped())
///         .stdout(Stdio::piped())
///         .spawn()?;
///     let mut stdin = child.stdin.take().unwrap();
///     stdin.write_all(b"shout").await?;
///     drop(stdin); // end of input: `tr` finishes
///     let mut upper = String::new();
///     child.stdout.take().unwrap().read_to_string(&mut upper).await?;
///     assert_eq!(upper, "SHOUT");
///     assert!(child.wait().await?.success());
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct Child {
    /// The write end of the child's stdin, if it was `Stdio::piped()`.
    pub stdin: Option<ChildStdin>,
    /// The read end of the child's stdout, if it was `Stdio::piped()`.
    pub stdout: Option<ChildStdout>,
    /// The read end of the child's stderr, if it was `Stdio::piped()`.
    pub stderr: Option<ChildStderr>,
    state: State,
    kill_on_drop: bool,
}

enum State {
    /// Not yet reaped: the std child and the watch on its exit.
    Running(sys::Running),
    /// Reaped; the status is kept for further `wait`s and `try_wait`s.
    Exited(ExitStatus),
}

impl Child {
    /// Spawns `std` and wraps the result; see [`Command::spawn`](super::Command::spawn).
    #[track_caller]
    pub(crate) fn spawn(std: &mut std::process::Command, kill_on_drop: bool) -> io::Result<Child> {
        // Before anything is spawned: a panic here (no runtime) must not leave a child.
        let reactor = crate::io::current_reactor();
        orphan::reap_queued();
        let spawned = sys::spawn(std, &reactor)?;
        Ok(Child {
            stdin: spawned.stdin.map(ChildStdin::from_pipe),
            stdout: spawned.stdout.map(ChildStdout::from_pipe),
            stderr: spawned.stderr.map(ChildStderr::from_pipe),
            state: State::Running(spawned.running),
            kill_on_drop,
        })
    }

    /// The process id, or `None` once the exit status has been collected (the OS may
    /// then give the number to another process).
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let mut child = eddy::process::Command::new("true").spawn()?;
    ///     assert!(child.id().is_some());
    ///     child.wait().await?;
    ///     assert_eq!(child.id(), None);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn id(&self) -> Option<u32> {
        match &self.state {
            State::Running(running) => Some(running.std.id()),
            State::Exited(_) => None,
        }
    }

    /// Waits for the process to exit and returns its status — asyncio's
    /// `await proc.wait()`. It closes [`stdin`](Child::stdin) first (as tokio does), so a
    /// child reading its input to the end is not left waiting for more.
    ///
    /// Cancel-safe: dropping the future loses nothing; a later `wait` or `try_wait`
    /// still gets the status. Once collected, the status is returned again by every call.
    ///
    /// # Errors
    ///
    /// The OS's error if the status cannot be collected (for instance when other code in
    /// the process reaped the child with `waitpid(-1, ..)`: `ECHILD`).
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let mut child = eddy::process::Command::new("sh").args(["-c", "exit 7"]).spawn()?;
    ///     assert_eq!(child.wait().await?.code(), Some(7));
    ///     assert_eq!(child.wait().await?.code(), Some(7));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        self.stdin.take();
        poll_fn(|cx| self.poll_wait(cx)).await
    }

    /// Polls for the exit: `Ready` with the status once the process has exited.
    fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<ExitStatus>> {
        loop {
            if let Some(status) = self.try_wait()? {
                return Poll::Ready(Ok(status));
            }
            let State::Running(running) = &mut self.state else {
                unreachable!("try_wait returned None, so the child runs");
            };
            ready!(running.poll_exit(cx))?;
        }
    }

    /// The exit status if the process has exited, `None` if it still runs; never waits.
    ///
    /// # Errors
    ///
    /// As [`wait`](Child::wait).
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let mut child = eddy::process::Command::new("sleep").arg("60").spawn()?;
    ///     assert!(child.try_wait()?.is_none());
    ///     child.kill().await?;
    ///     assert!(child.try_wait()?.is_some());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        match &mut self.state {
            State::Exited(status) => Ok(Some(*status)),
            State::Running(running) => match super::try_reap(&mut running.std)? {
                Some(status) => {
                    // Drops the exit watch (a pidfd is deregistered and closed).
                    self.state = State::Exited(status);
                    Ok(Some(status))
                }
                None => Ok(None),
            },
        }
    }

    /// Sends the kill signal (SIGKILL; on Windows, `TerminateProcess`) and returns at
    /// once — asyncio's `proc.kill()`. Follow it with [`wait`](Child::wait) to collect
    /// the status.
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](io::ErrorKind::InvalidInput) if the status has already been
    /// collected (the pid may belong to another process by now), as tokio; the OS's error
    /// if the signal cannot be sent.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let mut child = eddy::process::Command::new("sleep").arg("60").spawn()?;
    ///     child.start_kill()?;
    ///     assert!(!child.wait().await?.success());
    ///     assert!(child.start_kill().is_err());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn start_kill(&mut self) -> io::Result<()> {
        match &mut self.state {
            State::Running(running) => running.std.kill(),
            State::Exited(_) => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the process has already exited and been waited for: there is nothing to kill",
            )),
        }
    }

    /// Kills the process and waits for it to exit: [`start_kill`](Child::start_kill),
    /// then [`wait`](Child::wait).
    ///
    /// # Errors
    ///
    /// As `start_kill` and `wait`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::process::ExitStatusExt;
    ///
    /// eddy::run(async {
    ///     let mut child = eddy::process::Command::new("sleep").arg("60").spawn()?;
    ///     child.kill().await?;
    ///     assert_eq!(child.wait().await?.signal(), Some(libc::SIGKILL));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn kill(&mut self) -> io::Result<()> {
        self.start_kill()?;
        self.wait().await?;
        Ok(())
    }

    /// Waits for the process to exit while reading all of its stdout and stderr (the
    /// piped ones; the others give empty vectors), both at once so that neither pipe can
    /// fill up and stall the child — asyncio's `await proc.communicate()`. Stdin is
    /// closed first, as by [`wait`](Child::wait).
    ///
    /// # Errors
    ///
    /// The first error reading a pipe or waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::process::Stdio;
    ///
    /// eddy::run(async {
    ///     let child = eddy::process::Command::new("sh")
    ///         .args(["-c", "echo to-out; echo to-err >&2"])
    ///         .stdout(Stdio::piped())
    ///         .stderr(Stdio::piped())
    ///         .spawn()?;
    ///     let out = child.wait_with_output().await?;
    ///     assert_eq!(out.stdout, b"to-out\n");
    ///     assert_eq!(out.stderr, b"to-err\n");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn wait_with_output(mut self) -> io::Result<Output> {
        let stdout = self.stdout.take();
        let stderr = self.stderr.take();
        let mut wait = pin!(self.wait());
        let mut stdout = pin!(read_to_end(stdout));
        let mut stderr = pin!(read_to_end(stderr));
        let (mut status, mut out, mut err) = (None, None, None);
        poll_fn(|cx| {
            poll_once(&mut status, wait.as_mut(), cx);
            poll_once(&mut out, stdout.as_mut(), cx);
            poll_once(&mut err, stderr.as_mut(), cx);
            if status.is_some() && out.is_some() && err.is_some() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
        Ok(Output {
            status: status.expect("polled to completion")?,
            stdout: out.expect("polled to completion")?,
            stderr: err.expect("polled to completion")?,
        })
    }
}

/// Polls `fut` into `slot` unless it has completed already.
fn poll_once<F: Future>(slot: &mut Option<F::Output>, fut: Pin<&mut F>, cx: &mut Context<'_>) {
    if slot.is_none() {
        if let Poll::Ready(out) = fut.poll(cx) {
            *slot = Some(out);
        }
    }
}

/// Reads `pipe` (if any) to its end.
async fn read_to_end<R: AsyncRead + Unpin>(pipe: Option<R>) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let Some(mut pipe) = pipe else {
        return Ok(out);
    };
    let mut len = 0;
    loop {
        if out.len() - len < 4096 {
            out.resize((2 * out.len()).max(len + 32 * 1024), 0);
        }
        match poll_fn(|cx| Pin::new(&mut pipe).poll_read(cx, &mut out[len..])).await {
            Ok(0) => {
                out.truncate(len);
                return Ok(out);
            }
            Ok(n) => len += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        if let State::Running(mut running) =
            std::mem::replace(&mut self.state, State::Exited(Default::default()))
        {
            if self.kill_on_drop {
                // An error means it is gone already (std returns Ok then on most
                // systems); either way the reaping below collects it.
                let _ = running.std.kill();
            }
            orphan::adopt(running);
        }
    }
}

impl fmt::Debug for Child {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Child");
        match &self.state {
            State::Running(running) => d.field("pid", &running.std.id()),
            State::Exited(status) => d.field("status", status),
        };
        d.field("stdin", &self.stdin)
            .field("stdout", &self.stdout)
            .field("stderr", &self.stderr)
            .field("kill_on_drop", &self.kill_on_drop)
            .finish()
    }
}
