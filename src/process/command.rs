//! [`Command`]: what to run and how, std's builder with an async `spawn`, `output` and
//! `status`.

use std::ffi::OsStr;
use std::fmt;
use std::io;
use std::path::Path;
use std::process::{ExitStatus, Output, Stdio};

use super::child::Child;

/// A process to run, built like [`std::process::Command`] — asyncio's
/// `create_subprocess_exec(program, *args, stdin=..., stdout=..., env=..., cwd=...)`.
///
/// Each setter returns `&mut Command`, so calls chain; [`spawn`](Command::spawn) starts
/// the process (and may be called again for another one with the same settings),
/// [`output`](Command::output) runs it to completion collecting its output, and
/// [`status`](Command::status) runs it to completion with the parent's stdio.
///
/// # Examples
///
/// ```
/// use eddy::process::Command;
///
/// eddy::run(async {
///     let out = Command::new("echo").args(["hello", "eddy"]).output().await?;
///     assert!(out.status.success());
///     assert_eq!(out.stdout, b"hello eddy\n");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub struct Command {
    std: std::process::Command,
    kill_on_drop: bool,
}

impl Command {
    /// A command running `program` (a path, or a name looked up in `PATH`), with no
    /// arguments, the parent's environment and working directory, and — for `spawn` and
    /// `status` — the parent's stdin, stdout and stderr.
    ///
    /// # Examples
    ///
    /// ```
    /// let cmd = eddy::process::Command::new("ls");
    /// assert_eq!(cmd.as_std().get_program(), "ls");
    /// ```
    pub fn new(program: impl AsRef<OsStr>) -> Command {
        Command::from(std::process::Command::new(program))
    }

    /// Adds one argument.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut cmd = eddy::process::Command::new("ls");
    /// cmd.arg("-l").arg("/");
    /// assert_eq!(cmd.as_std().get_args().count(), 2);
    /// ```
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Command {
        self.std.arg(arg);
        self
    }

    /// Adds several arguments.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut cmd = eddy::process::Command::new("ls");
    /// cmd.args(["-l", "-a"]);
    /// assert_eq!(cmd.as_std().get_args().count(), 2);
    /// ```
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.std.args(args);
        self
    }

    /// Sets an environment variable for the child.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let out = eddy::process::Command::new("sh")
    ///         .args(["-c", "echo $GREETING"])
    ///         .env("GREETING", "hi")
    ///         .output()
    ///         .await?;
    ///     assert_eq!(out.stdout, b"hi\n");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn env(&mut self, key: impl AsRef<OsStr>, val: impl AsRef<OsStr>) -> &mut Command {
        self.std.env(key, val);
        self
    }

    /// Sets several environment variables for the child.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut cmd = eddy::process::Command::new("env");
    /// cmd.envs([("A", "1"), ("B", "2")]);
    /// assert_eq!(cmd.as_std().get_envs().count(), 2);
    /// ```
    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Command
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.std.envs(vars);
        self
    }

    /// Removes an environment variable from the child's environment.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut cmd = eddy::process::Command::new("env");
    /// cmd.env_remove("HOME");
    /// assert_eq!(cmd.as_std().get_envs().next(), Some(("HOME".as_ref(), None)));
    /// ```
    pub fn env_remove(&mut self, key: impl AsRef<OsStr>) -> &mut Command {
        self.std.env_remove(key);
        self
    }

    /// Starts the child with an empty environment (plus what [`env`](Command::env) adds).
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let out = eddy::process::Command::new("/usr/bin/env").env_clear().output().await?;
    ///     assert!(out.stdout.is_empty());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn env_clear(&mut self) -> &mut Command {
        self.std.env_clear();
        self
    }

    /// Sets the child's working directory.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let out = eddy::process::Command::new("pwd").current_dir("/").output().await?;
    ///     assert_eq!(out.stdout, b"/\n");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn current_dir(&mut self, dir: impl AsRef<Path>) -> &mut Command {
        self.std.current_dir(dir);
        self
    }

    /// The child's stdin: [`Stdio::piped()`] gives [`Child::stdin`] (a
    /// [`ChildStdin`](super::ChildStdin)), [`Stdio::null()`], [`Stdio::inherit()`] (the
    /// default for `spawn` and `status`), or any fd or handle converted to a `Stdio` —
    /// including another child's [`ChildStdout`](super::ChildStdout).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::process::Stdio;
    ///
    /// let mut cmd = eddy::process::Command::new("cat");
    /// cmd.stdin(Stdio::piped()).stdout(Stdio::null()).stderr(Stdio::inherit());
    /// ```
    pub fn stdin(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stdin(cfg);
        self
    }

    /// The child's stdout; as [`stdin`](Command::stdin). `Stdio::piped()` gives
    /// [`Child::stdout`].
    ///
    /// # Examples
    ///
    /// ```
    /// let mut cmd = eddy::process::Command::new("ls");
    /// cmd.stdout(std::process::Stdio::piped());
    /// ```
    pub fn stdout(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stdout(cfg);
        self
    }

    /// The child's stderr; as [`stdin`](Command::stdin). `Stdio::piped()` gives
    /// [`Child::stderr`].
    ///
    /// # Examples
    ///
    /// ```
    /// let mut cmd = eddy::process::Command::new("ls");
    /// cmd.stderr(std::process::Stdio::null());
    /// ```
    pub fn stderr(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stderr(cfg);
        self
    }

    /// Whether dropping the [`Child`] before it has exited kills it (SIGKILL; on
    /// Windows, `TerminateProcess`). Off by default, as in tokio: a dropped child keeps
    /// running and is reaped in the background (see the [module docs](super)).
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let child = eddy::process::Command::new("sleep").arg("60").kill_on_drop(true).spawn()?;
    ///     drop(child); // killed, then reaped in the background
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn kill_on_drop(&mut self, kill_on_drop: bool) -> &mut Command {
        self.kill_on_drop = kill_on_drop;
        self
    }

    /// The [`kill_on_drop`](Command::kill_on_drop) setting.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!eddy::process::Command::new("ls").get_kill_on_drop());
    /// ```
    pub fn get_kill_on_drop(&self) -> bool {
        self.kill_on_drop
    }

    /// The std command inside, for reading what is set.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut cmd = eddy::process::Command::new("ls");
    /// cmd.arg("-l");
    /// assert_eq!(cmd.as_std().get_args().collect::<Vec<_>>(), ["-l"]);
    /// ```
    pub fn as_std(&self) -> &std::process::Command {
        &self.std
    }

    /// The std command inside, for settings only std has (on Unix, `arg0`, `groups`, …).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut cmd = eddy::process::Command::new("ls");
    /// cmd.as_std_mut().arg("-a");
    /// assert_eq!(cmd.as_std().get_args().count(), 1);
    /// ```
    pub fn as_std_mut(&mut self) -> &mut std::process::Command {
        &mut self.std
    }

    /// Sets the child's user id (`setuid` before `exec`). Unix only.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut cmd = eddy::process::Command::new("id");
    /// cmd.uid(0);
    /// ```
    #[cfg(unix)]
    #[cfg_attr(docsrs, doc(cfg(unix)))]
    pub fn uid(&mut self, id: u32) -> &mut Command {
        std::os::unix::process::CommandExt::uid(&mut self.std, id);
        self
    }

    /// Sets the child's group id (`setgid` before `exec`). Unix only.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut cmd = eddy::process::Command::new("id");
    /// cmd.gid(0);
    /// ```
    #[cfg(unix)]
    #[cfg_attr(docsrs, doc(cfg(unix)))]
    pub fn gid(&mut self, id: u32) -> &mut Command {
        std::os::unix::process::CommandExt::gid(&mut self.std, id);
        self
    }

    /// Puts the child in process group `pgroup` (`0`: a new group whose id is the
    /// child's pid), so a signal to the group reaches it and its descendants. Unix only.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let status = eddy::process::Command::new("true").process_group(0).status().await?;
    ///     assert!(status.success());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[cfg(unix)]
    #[cfg_attr(docsrs, doc(cfg(unix)))]
    pub fn process_group(&mut self, pgroup: i32) -> &mut Command {
        std::os::unix::process::CommandExt::process_group(&mut self.std, pgroup);
        self
    }

    /// Runs `f` in the child after `fork` and before `exec`. Unix only.
    ///
    /// # Safety
    ///
    /// As [`std::os::unix::process::CommandExt::pre_exec`]: `f` runs in a copy of the
    /// process with one thread, so it may only call async-signal-safe functions (no
    /// allocating, no locks another thread may have held at the fork).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut cmd = eddy::process::Command::new("true");
    /// // SAFETY: the closure calls nothing.
    /// unsafe { cmd.pre_exec(|| Ok(())) };
    /// ```
    #[cfg(unix)]
    #[cfg_attr(docsrs, doc(cfg(unix)))]
    #[allow(unsafe_code)]
    pub unsafe fn pre_exec<F>(&mut self, f: F) -> &mut Command
    where
        F: FnMut() -> io::Result<()> + Send + Sync + 'static,
    {
        // SAFETY: the caller keeps `pre_exec`'s contract, which is std's, word for word.
        unsafe { std::os::unix::process::CommandExt::pre_exec(&mut self.std, f) };
        self
    }

    /// Starts the process. Its piped stdio are registered with the current runtime's
    /// reactor; its exit is watched without a thread (see the [module docs](super)).
    ///
    /// # Errors
    ///
    /// The OS's error, with the program's name in the message: a program that does not
    /// exist (or a `current_dir` that does not) is
    /// [`NotFound`](io::ErrorKind::NotFound), one that may not be run `PermissionDenied`.
    ///
    /// # Panics
    ///
    /// Outside a runtime, naming the fix (the pipes need its reactor).
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let mut child = eddy::process::Command::new("true").spawn()?;
    ///     assert!(child.id().is_some());
    ///     assert!(child.wait().await?.success());
    ///     let missing = eddy::process::Command::new("no-such-program").spawn().unwrap_err();
    ///     assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
    ///     assert!(missing.to_string().contains("no-such-program"));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn spawn(&mut self) -> io::Result<Child> {
        Child::spawn(&mut self.std, self.kill_on_drop)
    }

    /// Runs the process to completion with stdout and stderr captured (set to
    /// `Stdio::piped()`, overriding earlier settings, as tokio does) and returns its
    /// status and output — asyncio's `proc.communicate()` after
    /// `create_subprocess_exec(..., stdout=PIPE, stderr=PIPE)`. Stdin is as set (the
    /// parent's by default); use `stdin(Stdio::null())` for a child that must not read it.
    ///
    /// # Errors
    ///
    /// As [`spawn`](Command::spawn), and an error reading the pipes or waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let out = eddy::process::Command::new("sh")
    ///         .args(["-c", "echo out; echo err >&2; exit 3"])
    ///         .output()
    ///         .await?;
    ///     assert_eq!(out.status.code(), Some(3));
    ///     assert_eq!((&out.stdout[..], &out.stderr[..]), (&b"out\n"[..], &b"err\n"[..]));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn output(&mut self) -> io::Result<Output> {
        self.std.stdout(Stdio::piped());
        self.std.stderr(Stdio::piped());
        self.spawn()?.wait_with_output().await
    }

    /// Runs the process to completion with the stdio as set (the parent's by default)
    /// and returns its exit status.
    ///
    /// # Errors
    ///
    /// As [`spawn`](Command::spawn), and an error waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let status = eddy::process::Command::new("false").status().await?;
    ///     assert_eq!(status.code(), Some(1));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn status(&mut self) -> io::Result<ExitStatus> {
        let mut child = self.spawn()?;
        // Pipes set with `Stdio::piped()` are closed, as tokio does: nobody reads them.
        child.stdin.take();
        child.stdout.take();
        child.stderr.take();
        child.wait().await
    }
}

impl From<std::process::Command> for Command {
    /// # Examples
    ///
    /// ```
    /// let cmd = eddy::process::Command::from(std::process::Command::new("ls"));
    /// assert!(!cmd.get_kill_on_drop());
    /// ```
    fn from(std: std::process::Command) -> Command {
        Command {
            std,
            kill_on_drop: false,
        }
    }
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Command")
            .field("std", &self.std)
            .field("kill_on_drop", &self.kill_on_drop)
            .finish()
    }
}
