//! Reaping children whose [`Child`](super::Child) was dropped before they exited, so
//! that none lingers as a zombie.
//!
//! [`adopt`] takes such a child. If it has exited, it is reaped at once. Otherwise, on a
//! runtime, a small task waits for its exit the same way [`Child::wait`](super::Child::wait)
//! does (its pidfd, or SIGCHLD) and reaps it; with no runtime at hand, or if that task is
//! dropped before the child exits (its runtime shut down), the child goes on the queue,
//! which [`reap_queued`] empties of exited children at every spawn and at every SIGCHLD a
//! waiting child sees. A queued child whose process never spawns again after it is thus
//! reaped only at exit — the bound of the queue — as with tokio's orphan queue.
//!
//! Only `ECHILD` from `waitpid` means "not ours to reap": any other error leaves the child
//! unreaped (a zombie, if it has exited), so the child stays adopted — the task hands it to
//! the queue, which tries again at the next spawn or SIGCHLD — rather than be forgotten.
//!
//! The queue is a plain mutex (it is touched at a spawn, a drop, a SIGCHLD: never on a
//! hot path), so there is no lock-free protocol to model.
//!
//! On Windows a process leaves no zombie: dropping the std child closes its handle, and
//! nothing else is needed.

#[cfg(unix)]
use std::future::Future;
#[cfg(unix)]
use std::pin::Pin;
#[cfg(unix)]
use std::task::{Context, Poll};

#[cfg(unix)]
use parking_lot::Mutex;

use super::sys::Running;

/// Children dropped unexited that no task is waiting for.
#[cfg(unix)]
static QUEUE: Mutex<Vec<std::process::Child>> = Mutex::new(Vec::new());

/// Takes over `running`, whose `Child` was dropped: reaps it now, or arranges for it to
/// be reaped when it exits.
#[cfg(unix)]
pub(crate) fn adopt(mut running: Running) {
    if settled(super::try_reap(&mut running.std)) {
        // Reaped now, or not ours to reap any more (`ECHILD`).
        return;
    }
    match crate::runtime::Handle::try_current() {
        Ok(handle) => drop(handle.spawn(Reaper(Some(running)))),
        Err(_) => QUEUE.lock().push(running.std),
    }
}

/// True when a `waitpid` result means the child needs no more reaping: it was reaped
/// (`Ok(Some(_))`), or it is not ours to reap (`ECHILD`: someone else reaped it). Any other
/// error leaves the child as it was — a zombie if it has exited — so it stays adopted.
#[cfg(unix)]
fn settled(reaped: std::io::Result<Option<std::process::ExitStatus>>) -> bool {
    match reaped {
        Ok(status) => status.is_some(),
        Err(err) => is_gone(&err),
    }
}

/// `ECHILD`: no such child of ours any more.
#[cfg(unix)]
fn is_gone(err: &std::io::Error) -> bool {
    err.raw_os_error() == Some(libc::ECHILD)
}

/// Takes over `running` (Windows: nothing to do; see the module docs).
#[cfg(windows)]
pub(crate) fn adopt(running: Running) {
    drop(running);
}

/// Reaps every queued child that has exited.
pub(crate) fn reap_queued() {
    #[cfg(unix)]
    {
        let mut queue = QUEUE.lock();
        if !queue.is_empty() {
            queue.retain_mut(|child| !settled(super::try_reap(child)));
        }
    }
}

/// The task that waits for one adopted child and reaps it; if dropped first, it queues
/// the child.
#[cfg(unix)]
struct Reaper(Option<Running>);

#[cfg(unix)]
impl Future for Reaper {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let Some(running) = &mut self.0 else {
            return Poll::Ready(());
        };
        loop {
            match super::try_reap(&mut running.std) {
                Ok(None) => {}
                // Any other error left the child unreaped, and perhaps exited (its watch
                // would then be ready at once, and this loop spin): the queue takes it
                // (on drop), and tries again at the next spawn or SIGCHLD.
                Err(err) if !is_gone(&err) => return Poll::Ready(()),
                _ => {
                    self.0 = None;
                    return Poll::Ready(());
                }
            }
            match running.poll_exit(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(())) => {}
                // The reactor is gone (its runtime shut down): the queue takes it.
                Poll::Ready(Err(_)) => return Poll::Ready(()),
            }
        }
    }
}

#[cfg(unix)]
impl Drop for Reaper {
    fn drop(&mut self) {
        if let Some(running) = self.0.take() {
            QUEUE.lock().push(running.std);
        }
    }
}
