//! Unix: spawning, the exit watch and the pipes.
//!
//! | file | what |
//! |---|---|
//! | `exit.rs` | [`exit::Watch`]: a child's exit, learned from its pidfd (Linux) or from SIGCHLD |
//! | `pipe.rs` | [`Pipe`]: a non-blocking pipe end on the reactor |
//! | `sigpipe.rs` | writes that turn SIGPIPE into `EPIPE` where the process would die of it |

mod exit;
mod pipe;
mod sigpipe;

use std::io;
use std::sync::Arc;
use std::task::{Context, Poll};

use eddy_reactor::Reactor;

pub(crate) use self::exit::Watch;
pub(crate) use self::pipe::Pipe;
use super::spawn_error;

/// A child not yet reaped: the std child (for `try_wait` and `kill`) and the watch on
/// its exit.
pub(crate) struct Running {
    pub(crate) std: std::process::Child,
    watch: Watch,
}

impl Running {
    /// `Ready` when the child may have exited (then `try_wait` tells); registers the
    /// waker otherwise.
    pub(crate) fn poll_exit(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.watch.poll(cx)
    }
}

/// What [`spawn`] made.
pub(crate) struct Spawned {
    pub(crate) running: Running,
    pub(crate) stdin: Option<Pipe>,
    pub(crate) stdout: Option<Pipe>,
    pub(crate) stderr: Option<Pipe>,
}

/// Spawns `cmd`, registers its pipes with `reactor` and starts watching its exit.
pub(crate) fn spawn(
    cmd: &mut std::process::Command,
    reactor: &Arc<Reactor>,
) -> io::Result<Spawned> {
    // Whatever the exit watch needs before the child exists (SIGCHLD's handler).
    let plan = exit::prepare()?;
    let mut std = cmd.spawn().map_err(|err| spawn_error(cmd, err))?;
    let stdin = std.stdin.take();
    let stdout = std.stdout.take();
    let stderr = std.stderr.take();
    let watch = match exit::Watch::new(&std, plan, reactor) {
        Ok(watch) => watch,
        Err(err) => {
            // Nothing can wait for it: end it rather than leave it unwatched.
            let _ = std.kill();
            let _ = std.wait();
            return Err(err);
        }
    };
    let mut running = Running { std, watch };
    let pipes = (|| {
        Ok::<_, io::Error>((
            stdin
                .map(|p| Pipe::new_writer(p.into(), reactor))
                .transpose()?,
            stdout
                .map(|p| Pipe::new_reader(p.into(), reactor))
                .transpose()?,
            stderr
                .map(|p| Pipe::new_reader(p.into(), reactor))
                .transpose()?,
        ))
    })();
    match pipes {
        Ok((stdin, stdout, stderr)) => Ok(Spawned {
            running,
            stdin,
            stdout,
            stderr,
        }),
        Err(err) => {
            let _ = running.std.kill();
            super::orphan::adopt(running);
            Err(err)
        }
    }
}
