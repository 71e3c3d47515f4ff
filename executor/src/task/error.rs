use std::any::Any;
use std::fmt;
use std::io;
use std::sync::Arc;

use super::Id;

/// Why a task did not produce its output: it was cancelled, or it panicked.
///
/// asyncio raises `CancelledError` or the task's exception from `await task`; eddy returns
/// this error from awaiting a [`JoinHandle`](super::JoinHandle).
///
/// # Examples
///
/// ```
/// let rt = eddy_executor::Executor::builder().worker_threads(1).build().unwrap();
/// let handle = rt.spawner().spawn(async { panic!("boom") });
/// let err = eddy_executor::block_on(handle).unwrap_err();
/// assert!(err.is_panic());
/// assert_eq!(*err.into_panic().downcast::<&str>().unwrap(), "boom");
/// ```
pub struct JoinError(Box<Inner>);

/// Boxed, so that a `Result<(), JoinError>` is one word: every task's cell holds its
/// future or its result in one place (`Stage`), sized by the larger of the two, and an
/// error is rare (a panic, a cancellation), so it pays the allocation.
struct Inner {
    repr: Repr,
    id: Id,
}

enum Repr {
    /// With the OS's error when the task was refused: a blocking job the pool could not
    /// start a thread for (one error, shared by every job refused with it).
    Cancelled(Option<Arc<io::Error>>),
    Panic(SyncPayload),
}

/// A panic payload that may be shared between threads because nothing can borrow it
/// through a shared reference: it is only ever moved out (`into_panic`).
struct SyncPayload(Box<dyn Any + Send + 'static>);

// SAFETY: `Sync` lets `&SyncPayload` cross threads. Through `&self` we only call
// `type_id` (a vtable function that reads no data) and then read the contents when they are
// a `&'static str` or a `String`, both `Sync` themselves; any other payload is only reached
// by moving the box out (`try_into_panic`), which needs ownership.
unsafe impl Sync for SyncPayload {}

impl JoinError {
    pub(crate) fn cancelled(id: Id, cause: Option<Arc<io::Error>>) -> JoinError {
        JoinError(Box::new(Inner {
            repr: Repr::Cancelled(cause),
            id,
        }))
    }

    pub(crate) fn panic(id: Id, payload: Box<dyn Any + Send + 'static>) -> JoinError {
        JoinError(Box::new(Inner {
            repr: Repr::Panic(SyncPayload(payload)),
            id,
        }))
    }

    /// True when the task was aborted (or the runtime shut down) before it finished, or
    /// never ran: a blocking job refused because the pool could not start a thread (the
    /// OS's error is then the error's [`source`](std::error::Error::source), and in its
    /// message).
    pub fn is_cancelled(&self) -> bool {
        matches!(self.0.repr, Repr::Cancelled(_))
    }

    /// True when the task's future panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self.0.repr, Repr::Panic(_))
    }

    /// The panic payload; resume it with `std::panic::resume_unwind` to propagate.
    ///
    /// # Panics
    ///
    /// Panics if the error is a cancellation; check [`is_panic`](Self::is_panic) or use
    /// [`try_into_panic`](Self::try_into_panic).
    #[track_caller]
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        self.try_into_panic().expect(
            "`JoinError::into_panic` called on a cancelled task's error; check `is_panic()` first",
        )
    }

    /// The panic payload, or the error back if the task was cancelled.
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        if !self.is_panic() {
            return Err(self);
        }
        match self.0.repr {
            Repr::Panic(SyncPayload(payload)) => Ok(payload),
            Repr::Cancelled(_) => unreachable!("checked by `is_panic` above"),
        }
    }

    /// The id of the task that failed.
    pub fn id(&self) -> Id {
        self.0.id
    }

    /// The panic message, when the task panicked with a string (as `panic!` does).
    pub(crate) fn panic_message(&self) -> Option<&str> {
        match &self.0.repr {
            Repr::Panic(SyncPayload(payload)) => panic_message(&**payload),
            Repr::Cancelled(_) => None,
        }
    }
}

/// The panic message, when the payload is a string (as `panic!` makes it).
fn panic_message(payload: &(dyn Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&'static str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0.repr {
            Repr::Cancelled(None) => write!(f, "task {} was cancelled", self.0.id),
            Repr::Cancelled(Some(cause)) => write!(
                f,
                "task {} was cancelled: the blocking pool could not start a thread: {cause}",
                self.0.id
            ),
            Repr::Panic(SyncPayload(payload)) => match panic_message(&**payload) {
                Some(msg) => write!(f, "task {} panicked with message {:?}", self.0.id, msg),
                None => write!(f, "task {} panicked", self.0.id),
            },
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0.repr {
            Repr::Cancelled(None) => write!(f, "JoinError::Cancelled({:?})", self.0.id),
            Repr::Cancelled(Some(cause)) => {
                write!(f, "JoinError::Cancelled({:?}, {cause:?})", self.0.id)
            }
            Repr::Panic(SyncPayload(payload)) => match panic_message(&**payload) {
                Some(msg) => write!(f, "JoinError::Panic({:?}, {:?}, ...)", self.0.id, msg),
                None => write!(f, "JoinError::Panic({:?}, ...)", self.0.id),
            },
        }
    }
}

impl std::error::Error for JoinError {
    /// The OS's error when the task never ran because the runtime could not start a
    /// thread for it.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.0.repr {
            Repr::Cancelled(Some(cause)) => Some(&**cause),
            _ => None,
        }
    }
}

/// The message of the error; its kind is the OS error's when the task never ran because
/// the runtime could not start a thread for it, else `Other`. `EAGAIN`, the usual reason,
/// is `Other` too, not `WouldBlock`: in async I/O `WouldBlock` means "wait for readiness",
/// and an I/O loop given it would wait for an event that never comes.
impl From<JoinError> for io::Error {
    fn from(err: JoinError) -> io::Error {
        let kind = match &err.0.repr {
            Repr::Cancelled(Some(cause)) if cause.kind() != io::ErrorKind::WouldBlock => {
                cause.kind()
            }
            _ => io::ErrorKind::Other,
        };
        io::Error::new(kind, err.to_string())
    }
}
