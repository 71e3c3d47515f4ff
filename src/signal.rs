//! Signals as futures — asyncio's `loop.add_signal_handler`, awaited.
//!
//! [`ctrl_c`] waits for the next SIGINT, the usual way to stop a server gracefully:
//!
//! ```no_run
//! # eddy::run(async {
//! eddy::signal::ctrl_c().await?;
//! println!("Ctrl-C: shutting down");
//! # std::io::Result::Ok(())
//! # }).unwrap();
//! ```
//!
//! and, on Unix, [`signal`] gives a [`Signal`] that yields once per delivery (SIGTERM,
//! SIGHUP, ...). `signal`, `Signal` and `SignalKind` are Unix only; Windows has
//! [`ctrl_c`] alone (see below).
//!
//! # How it works
//!
//! The first use of a signal installs a handler for it that notes the delivery and writes a
//! byte to a pipe ([`eddy_reactor::signal`]). One thread, `eddy-signal`, started just before
//! the first handler, blocks on that pipe and wakes every [`Signal`] of the delivered
//! signals. So signals work the same in any runtime, or none, and a signal never runs user
//! code in the handler's restricted context. If that thread cannot be started, [`signal`]
//! returns the OS's error and installs no handler; a later call tries again.
//!
//! Once a signal is handled it stays handled for the life of the process: its default
//! action (for SIGINT and SIGTERM, terminating the process) is gone, even after every
//! `Signal` is dropped — as in tokio. Deliveries that come while no `Signal` waits are
//! counted by the `Signal`s that exist; deliveries before a `Signal` is created are not
//! seen by it. Several deliveries before a `recv` may count as one (signals coalesce).
//!
//! On Windows, the first [`ctrl_c`] installs a console control handler
//! (`SetConsoleCtrlHandler`). The system runs it on a thread of its own for each event,
//! so it wakes the waiting futures directly. It handles `CTRL_C_EVENT` only, and from
//! then on a Ctrl-C no longer terminates the process, as on Unix; Ctrl-Break, closing
//! the console, logoff and shutdown keep their default actions.

#[cfg(unix)]
use std::fmt;
use std::future::{poll_fn, Future};
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
#[cfg(unix)]
use std::sync::LazyLock;
use std::task::{ready, Context, Poll};

#[cfg(unix)]
use parking_lot::Mutex;

use crate::sync::{Notified, Notify};

#[cfg(windows)]
mod windows;

/// Waits for the next Ctrl-C (SIGINT; `CTRL_C_EVENT` on Windows) delivered after its
/// first poll.
///
/// From the first poll on, Ctrl-C no longer terminates the process (see the
/// [module docs](self)).
///
/// # Errors
///
/// If the handler cannot be installed (the OS refuses `sigaction`, or no pipe can be
/// made; on Windows, `SetConsoleCtrlHandler` fails).
///
/// # Examples
///
/// A server loop that stops on Ctrl-C:
///
/// ```no_run
/// use std::pin::pin;
/// use std::time::Duration;
///
/// eddy::run(async {
///     let mut stop = pin!(eddy::signal::ctrl_c());
///     loop {
///         eddy::select! {
///             _ = &mut stop => break,
///             _ = eddy::time::sleep(Duration::from_secs(1)) => println!("tick"),
///         }
///     }
/// });
/// ```
pub async fn ctrl_c() -> io::Result<()> {
    #[cfg(unix)]
    signal(SignalKind::interrupt())?.recv().await;
    #[cfg(windows)]
    windows::ctrl_c()?.recv().await;
    Ok(())
}

/// A kind of Unix signal: the common ones by name, others by number. Unix only.
///
/// # Examples
///
/// ```
/// use eddy::signal::SignalKind;
///
/// assert_eq!(SignalKind::terminate().as_raw(), libc::SIGTERM);
/// assert_eq!(SignalKind::from_raw(libc::SIGWINCH), SignalKind::window_change());
/// ```
#[cfg(unix)]
#[cfg_attr(docsrs, doc(cfg(unix)))]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignalKind(i32);

#[cfg(unix)]
impl SignalKind {
    /// A signal by number.
    pub const fn from_raw(signum: i32) -> SignalKind {
        SignalKind(signum)
    }

    /// The signal's number.
    pub const fn as_raw(self) -> i32 {
        self.0
    }

    /// SIGINT: Ctrl-C in a terminal.
    pub const fn interrupt() -> SignalKind {
        SignalKind(libc::SIGINT)
    }

    /// SIGTERM: the polite request to stop (`kill`, systemd, Kubernetes).
    pub const fn terminate() -> SignalKind {
        SignalKind(libc::SIGTERM)
    }

    /// SIGHUP: the terminal went away; by convention, "reload your configuration".
    pub const fn hangup() -> SignalKind {
        SignalKind(libc::SIGHUP)
    }

    /// SIGQUIT: Ctrl-\ in a terminal.
    pub const fn quit() -> SignalKind {
        SignalKind(libc::SIGQUIT)
    }

    /// SIGUSR1.
    pub const fn user_defined1() -> SignalKind {
        SignalKind(libc::SIGUSR1)
    }

    /// SIGUSR2.
    pub const fn user_defined2() -> SignalKind {
        SignalKind(libc::SIGUSR2)
    }

    /// SIGCHLD: a child process stopped or exited.
    pub const fn child() -> SignalKind {
        SignalKind(libc::SIGCHLD)
    }

    /// SIGWINCH: the terminal was resized.
    pub const fn window_change() -> SignalKind {
        SignalKind(libc::SIGWINCH)
    }

    /// SIGALRM.
    pub const fn alarm() -> SignalKind {
        SignalKind(libc::SIGALRM)
    }

    /// SIGPIPE: a write to a pipe or socket whose reader is gone (Rust programs ignore it
    /// by default, and get `BrokenPipe` errors instead).
    pub const fn pipe() -> SignalKind {
        SignalKind(libc::SIGPIPE)
    }
}

#[cfg(unix)]
impl fmt::Debug for SignalKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.0 {
            libc::SIGINT => "SIGINT",
            libc::SIGTERM => "SIGTERM",
            libc::SIGHUP => "SIGHUP",
            libc::SIGQUIT => "SIGQUIT",
            libc::SIGUSR1 => "SIGUSR1",
            libc::SIGUSR2 => "SIGUSR2",
            libc::SIGCHLD => "SIGCHLD",
            libc::SIGWINCH => "SIGWINCH",
            libc::SIGALRM => "SIGALRM",
            libc::SIGPIPE => "SIGPIPE",
            n => return write!(f, "SignalKind({n})"),
        };
        f.write_str(name)
    }
}

/// Starts receiving signals of `kind`: the returned [`Signal`] yields once for each
/// delivery from now on. Unix only.
///
/// # Errors
///
/// `InvalidInput` for a signal that may not be caught (`SIGKILL`, `SIGSTOP`) or is not
/// handled this way (`SIGSEGV`, `SIGBUS`, `SIGILL`, `SIGFPE`, numbers outside 1..=63);
/// the OS error if the handler or its pipe cannot be set up.
///
/// # Examples
///
/// ```
/// use eddy::signal::{signal, SignalKind};
///
/// eddy::run(async {
///     let mut hup = signal(SignalKind::user_defined1())?;
///     std::process::Command::new("kill")
///         .args(["-USR1", &std::process::id().to_string()])
///         .status()?;
///     hup.recv().await;
///     assert!(signal(SignalKind::from_raw(libc::SIGKILL)).is_err());
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[cfg(unix)]
#[cfg_attr(docsrs, doc(cfg(unix)))]
pub fn signal(kind: SignalKind) -> io::Result<Signal> {
    let slot = DISPATCHER.slot(kind.0)?;
    Ok(Signal {
        kind,
        rx: Receiver::new(slot),
    })
}

/// A stream of deliveries of one signal; see [`signal`]. Unix only.
///
/// Dropping it stops nothing: the signal stays handled (see the [module docs](self)).
#[cfg(unix)]
#[cfg_attr(docsrs, doc(cfg(unix)))]
pub struct Signal {
    kind: SignalKind,
    rx: Receiver,
}

#[cfg(unix)]
impl Signal {
    /// Waits for the next delivery. Always `Some(())` (the `Option` mirrors tokio's
    /// `Signal::recv`; eddy's signal source never ends).
    ///
    /// Cancel-safe: a delivery is not lost if the future is dropped.
    pub async fn recv(&mut self) -> Option<()> {
        self.rx.recv().await
    }

    /// Polls for the next delivery: `Ready(Some(()))` once per delivery since the last.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<()>> {
        self.rx.poll_recv(cx)
    }

    /// The kind of signal it receives.
    pub fn kind(&self) -> SignalKind {
        self.kind
    }
}

/// The deliveries as a [`Stream`](futures_core::Stream) of `()`, one item per
/// [`Signal::recv`]; the stream never ends. (tokio wraps this in tokio-stream's
/// `SignalStream`; eddy's `Signal` is the stream.)
///
/// # Examples
///
/// ```
/// use eddy::signal::{signal, SignalKind};
/// use futures_lite::StreamExt;
///
/// eddy::run(async {
///     let mut usr2 = signal(SignalKind::user_defined2()).unwrap();
///     // SAFETY: raise(3) only runs the handler eddy installed for SIGUSR2 just above.
///     unsafe { libc::raise(libc::SIGUSR2) };
///     assert_eq!(usr2.next().await, Some(()));
/// });
/// ```
#[cfg(unix)]
impl futures_core::Stream for Signal {
    type Item = ();

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<()>> {
        self.get_mut().poll_recv(cx)
    }
}

#[cfg(unix)]
impl fmt::Debug for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signal").field("kind", &self.kind).finish()
    }
}

/// One slot's deliveries as seen by one waiter: what [`Signal`] (and, on Windows,
/// [`ctrl_c`]) waits with.
struct Receiver {
    slot: &'static Slot,
    /// The slot's delivery count this receiver has accounted for.
    seen: u64,
    /// The wait for the slot's next notification, while it waits.
    notified: Option<Notified<'static>>,
}

impl Receiver {
    /// A receiver of `slot`'s deliveries from now on.
    fn new(slot: &'static Slot) -> Receiver {
        Receiver {
            slot,
            seen: slot.deliveries.load(Ordering::SeqCst),
            notified: None,
        }
    }

    /// Waits for the next delivery; cancel-safe.
    async fn recv(&mut self) -> Option<()> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// `Ready(Some(()))` once per delivery since the last.
    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<()>> {
        // A delivery already counted is ready without waiting: spend the budget first, so
        // a loop over a signal that keeps arriving still lets other tasks run.
        ready!(eddy_executor::coop::poll_proceed(cx));
        let slot = self.slot;
        loop {
            // The wait is made before the count is read (as `watch::Receiver::changed`
            // does): a delivery after the read bumps the count and then notifies, which
            // this wait sees.
            let notified = self.notified.get_or_insert_with(|| slot.notify.notified());
            let now = slot.deliveries.load(Ordering::SeqCst);
            if now != self.seen {
                self.seen = now;
                self.notified = None;
                return Poll::Ready(Some(()));
            }
            ready!(Pin::new(notified).poll(cx));
            self.notified = None;
        }
    }
}

/// One signal's deliveries: a count, and the `Notify` that the `Signal`s waiting for the
/// next one wait on: `watch`'s pattern (bump, then `notify_waiters`; wait, then read),
/// which the loom model `watch_send_vs_changed` checks.
struct Slot {
    deliveries: AtomicU64,
    notify: Notify,
}

impl Slot {
    fn new() -> Slot {
        Slot {
            deliveries: AtomicU64::new(0),
            notify: Notify::new(),
        }
    }

    /// A delivery: count it, then wake every waiter.
    fn deliver(&self) {
        self.deliveries.fetch_add(1, Ordering::SeqCst);
        self.notify.notify_waiters();
    }
}

/// The slots of signals 1 to 63, fed by the `eddy-signal` thread.
#[cfg(unix)]
struct Dispatcher {
    slots: [Slot; 64],
    /// Whether the thread was started, and whether a handler was installed since.
    started: Mutex<Started>,
    /// Notified when the first handler is installed: the thread waits for it.
    installed: parking_lot::Condvar,
}

#[cfg(unix)]
#[derive(Clone, Copy)]
struct Started {
    thread: bool,
    handler: bool,
}

#[cfg(unix)]
static DISPATCHER: LazyLock<Dispatcher> = LazyLock::new(|| Dispatcher {
    slots: std::array::from_fn(|_| Slot::new()),
    started: Mutex::new(Started {
        thread: false,
        handler: false,
    }),
    installed: parking_lot::Condvar::new(),
});

#[cfg(unix)]
impl Dispatcher {
    /// Signal `signum`'s slot, its handler installed and the thread running.
    ///
    /// The thread is started first: a thread that cannot start (`EAGAIN` under
    /// `RLIMIT_NPROC`) leaves no handler behind, so the signal keeps its default effect
    /// (SIGINT still ends the process) rather than be caught with nobody to deliver it.
    fn slot(&'static self, signum: i32) -> io::Result<&'static Slot> {
        let mut started = self.started.lock();
        if !started.thread {
            eddy_faults::inject(eddy_faults::Call::SpawnHelper)?;
            std::thread::Builder::new()
                .name("eddy-signal".into())
                .spawn(move || self.dispatch())?;
            started.thread = true;
        }
        eddy_reactor::signal::register(signum)?;
        if !started.handler {
            started.handler = true;
            self.installed.notify_all();
        }
        Ok(&self.slots[signum as usize])
    }

    /// The `eddy-signal` thread: waits for deliveries and wakes their `Signal`s, forever.
    fn dispatch(&self) {
        {
            // Until a handler exists there is no pipe to wait on.
            let mut started = self.started.lock();
            while !started.handler {
                self.installed.wait(&mut started);
            }
        }
        loop {
            match eddy_reactor::signal::wait() {
                Ok(set) => set
                    .iter()
                    .for_each(|signum| self.slots[signum as usize].deliver()),
                Err(err) => {
                    // The pipe cannot be read, so signals can no longer be delivered. Say
                    // so; there is nobody to return the error to.
                    eprintln!("eddy: the signal thread stopped: reading its pipe failed: {err}");
                    return;
                }
            }
        }
    }
}
