//! Who a task is — its [`Id`], an optional name, the source location of its spawn — and
//! the thread's current task ([`id`], [`try_id`]: asyncio's `current_task()`).
//!
//! The cost is paid where it is used. Every task stores where it came from in one word of
//! its header, an [`Origin`]: for an unnamed task on a runtime without debug mode, the
//! spawn location itself (a `&'static Location`: `#[track_caller]` makes it for free);
//! otherwise a `Meta` box holding the location, the name and (debug mode) the spawn time
//! and a poll count. The low bit of the word tells the two apart.

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::panic::Location;
use std::ptr::NonNull;
use std::sync::Arc as StdArc;
use std::time::{Duration, Instant};

use super::Id;
use crate::loom::stats::{self, AtomicU64};

/// Where and under what name a task is spawned. `#[track_caller]` spawn functions make
/// one with [`SpawnMeta::caller`]; a wrapper that spawns on its caller's behalf (eddy's
/// `task::Builder`) passes its own caller's location on.
///
/// # Examples
///
/// ```
/// use eddy_executor::task::SpawnMeta;
///
/// let rt = eddy_executor::Executor::builder().worker_threads(1).build().unwrap();
/// let meta = SpawnMeta::caller().with_name("db-writer");
/// let handle = rt.spawner().spawn_with(async {}, meta);
/// let line = line!() - 2;
/// let info = handle.info();
/// assert_eq!(info.name(), Some("db-writer"));
/// assert_eq!((info.spawned_at().file(), info.spawned_at().line()), (file!(), line));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct SpawnMeta<'a> {
    pub(crate) name: Option<&'a str>,
    pub(crate) location: &'static Location<'static>,
}

impl SpawnMeta<'static> {
    /// No name, spawned where the caller of the calling `#[track_caller]` function is.
    #[track_caller]
    pub fn caller() -> SpawnMeta<'static> {
        SpawnMeta {
            name: None,
            location: Location::caller(),
        }
    }
}

impl<'a> SpawnMeta<'a> {
    /// No name, spawned at `location`.
    pub fn at(location: &'static Location<'static>) -> SpawnMeta<'a> {
        SpawnMeta {
            name: None,
            location,
        }
    }

    /// The same, with a name (copied into the task when it is spawned).
    pub fn with_name<'b>(self, name: &'b str) -> SpawnMeta<'b> {
        SpawnMeta {
            name: Some(name),
            location: self.location,
        }
    }

    /// Like [`with_name`](Self::with_name), `None` keeping the task unnamed.
    pub fn with_optional_name<'b>(self, name: Option<&'b str>) -> SpawnMeta<'b> {
        SpawnMeta {
            name,
            location: self.location,
        }
    }
}

/// Where a task came from, in one word: its spawn location, or a [`Meta`] box (holding
/// the location too) for a named task or on a scheduler in debug mode.
///
/// # Invariants
///
/// * `word` is a `&'static Location<'static>` with the low bit clear, or a pointer from
///   `Box::<Meta>::into_raw` with the low bit set, owned by this value. Both types are
///   aligned to at least 2, so the bit is free.
pub(crate) struct Origin {
    word: NonNull<u8>,
    _meta: PhantomData<Box<Meta>>,
}

/// The low bit of an `Origin` that says "a `Meta` box".
const META_TAG: usize = 1;

// SAFETY: an Origin is a `&'static Location` (Send + Sync) or an owned `Box<Meta>`
// (Meta is Send + Sync: an `Arc<str>`, an `Instant`, atomics).
unsafe impl Send for Origin {}
// SAFETY: as for `Send`; `&Origin` only hands out `&Meta` and the location.
unsafe impl Sync for Origin {}

const _: () = assert!(std::mem::align_of::<Location<'static>>() > META_TAG);
const _: () = assert!(std::mem::align_of::<Meta>() > META_TAG);

impl Origin {
    /// The origin of a new task: a `Meta` only when it holds something beyond the
    /// location (no allocation otherwise).
    pub(crate) fn new(
        location: &'static Location<'static>,
        name: Option<&str>,
        debug: bool,
    ) -> Origin {
        if name.is_none() && !debug {
            let word = NonNull::from(location).cast::<u8>();
            return Origin {
                word,
                _meta: PhantomData,
            };
        }
        let meta = Box::new(Meta {
            location,
            name: name.map(StdArc::from),
            stats: debug.then(|| Stats {
                spawned: Instant::now(),
                polls: AtomicU64::new(0),
            }),
        });
        let ptr = Box::into_raw(meta).cast::<u8>();
        let word = ptr.map_addr(|addr| addr | META_TAG);
        // SAFETY: from a Box, so not null; setting a low bit keeps it non-null.
        let word = unsafe { NonNull::new_unchecked(word) };
        Origin {
            word,
            _meta: PhantomData,
        }
    }

    /// The out-of-line part, if the task has one.
    pub(crate) fn meta(&self) -> Option<&Meta> {
        if self.word.as_ptr().addr() & META_TAG == 0 {
            return None;
        }
        let ptr = self
            .word
            .as_ptr()
            .map_addr(|addr| addr & !META_TAG)
            .cast::<Meta>();
        // SAFETY: tagged, so a live `Box<Meta>` this value owns (type invariant), borrowed
        // for as long as `self`.
        Some(unsafe { &*ptr })
    }

    /// The source location of the spawn call.
    pub(crate) fn location(&self) -> &'static Location<'static> {
        match self.meta() {
            Some(meta) => meta.location,
            // SAFETY: untagged, so a `&'static Location` (type invariant).
            None => unsafe { self.word.cast::<Location<'static>>().as_ref() },
        }
    }
}

impl Drop for Origin {
    fn drop(&mut self) {
        if self.word.as_ptr().addr() & META_TAG != 0 {
            let ptr = self
                .word
                .as_ptr()
                .map_addr(|addr| addr & !META_TAG)
                .cast::<Meta>();
            // SAFETY: tagged: a `Box<Meta>` this value owns (type invariant), dropped once.
            drop(unsafe { Box::from_raw(ptr) });
        }
    }
}

/// The out-of-line part of a task's identity: allocated only for a named task or on a
/// scheduler in debug mode (see [`Origin`]).
pub(crate) struct Meta {
    location: &'static Location<'static>,
    pub(crate) name: Option<StdArc<str>>,
    /// Debug mode only.
    pub(super) stats: Option<Stats>,
}

/// What debug mode records about a task.
pub(crate) struct Stats {
    spawned: Instant,
    /// Polls so far; written only by the thread holding `RUNNING` (a relaxed load and
    /// store, `stats::bump`), read approximately by snapshots.
    polls: AtomicU64,
}

impl Meta {
    pub(crate) fn record_poll(&self) {
        if let Some(stats) = &self.stats {
            stats::bump(&stats.polls);
        }
    }

    pub(crate) fn polls(&self) -> Option<u64> {
        self.stats.as_ref().map(|s| stats::read(&s.polls))
    }

    pub(super) fn age(&self) -> Option<Duration> {
        self.stats.as_ref().map(|s| s.spawned.elapsed())
    }
}

/// Who a task is: its id, its name if it has one, and where it was spawned. Reports and
/// snapshots carry one; its `Display` is how they name the task.
///
/// # Examples
///
/// ```
/// let rt = eddy_executor::Executor::builder().worker_threads(1).build().unwrap();
/// let handle = rt.spawner().spawn(async {});
/// let info = handle.info();
/// assert_eq!(info.id(), handle.id());
/// assert_eq!(info.name(), None);
/// assert_eq!(info.spawned_at().file(), file!());
/// assert!(info.to_string().starts_with(&format!("task {} spawned at ", handle.id())));
/// ```
#[derive(Clone)]
pub struct TaskInfo {
    pub(crate) id: Id,
    pub(crate) name: Option<StdArc<str>>,
    pub(crate) spawned_at: &'static Location<'static>,
}

impl TaskInfo {
    /// The task's id.
    pub fn id(&self) -> Id {
        self.id
    }

    /// The name given with `SpawnMeta::with_name` (eddy's `task::Builder::name`).
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The source location of the spawn call.
    pub fn spawned_at(&self) -> &'static Location<'static> {
        self.spawned_at
    }
}

impl fmt::Display for TaskInfo {
    /// `task 7 'db-writer' spawned at src/main.rs:12:5` (the name only if it has one).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {}", self.id)?;
        if let Some(name) = &self.name {
            write!(f, " '{name}'")?;
        }
        write!(f, " spawned at {}", self.spawned_at)
    }
}

impl fmt::Debug for TaskInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskInfo")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("spawned_at", &format_args!("{}", self.spawned_at))
            .finish()
    }
}

/// What a live task is doing when a snapshot is taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TaskState {
    /// Waiting for a wake-up: nobody runs it and no queue holds it.
    Idle,
    /// Woken, waiting in a run queue for a worker.
    Scheduled,
    /// Being polled by a worker right now.
    Running,
}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TaskState::Idle => "idle",
            TaskState::Scheduled => "scheduled",
            TaskState::Running => "running",
        })
    }
}

/// One live task as seen at one instant — an entry of asyncio's `all_tasks()`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TaskSnapshot {
    /// Id, name and spawn location.
    pub info: TaskInfo,
    /// Idle, scheduled or running.
    pub state: TaskState,
    /// How many times it has been polled; debug mode only (`None` without it: counting
    /// would cost every poll a write).
    pub polls: Option<u64>,
    /// Time since it was spawned; debug mode only (`None` without it: a clock read per
    /// spawn).
    pub age: Option<Duration>,
}

impl fmt::Display for TaskSnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}", self.info, self.state)?;
        if let Some(polls) = self.polls {
            write!(f, ", polls {polls}")?;
        }
        if let Some(age) = self.age {
            write!(f, ", age {age:.1?}")?;
        }
        f.write_str(")")
    }
}

crate::loom::const_thread_local! {
    /// The task this thread is polling, if any.
    static CURRENT: Cell<Option<Id>> = Cell::new(None);
}

/// The id of the task being polled on this thread — asyncio's `current_task()`.
///
/// # Panics
///
/// Outside a task (on a thread that is not polling one, e.g. inside `block_on` or on a
/// plain thread), naming the fix: [`try_id`] returns `None` there instead.
///
/// # Examples
///
/// ```
/// let rt = eddy_executor::Executor::builder().worker_threads(1).build().unwrap();
/// let handle = rt.spawner().spawn(async { eddy_executor::task::id() });
/// let id = handle.id();
/// assert_eq!(eddy_executor::block_on(handle).unwrap(), id);
/// ```
#[track_caller]
pub fn id() -> Id {
    match try_id() {
        Some(id) => id,
        None => panic!(
            "`task::id()` called outside a task: no task is being polled on this thread \
             (it is not a runtime worker running a task's poll — `block_on`'s own future \
             is not a task). Use `task::try_id()`, which returns `None` here"
        ),
    }
}

/// The id of the task being polled on this thread, or `None` outside a task.
///
/// # Examples
///
/// ```
/// assert_eq!(eddy_executor::task::try_id(), None);
/// ```
pub fn try_id() -> Option<Id> {
    CURRENT.try_with(Cell::get).ok().flatten()
}

/// Makes `id` the current task until the guard drops (restoring the previous one: a
/// blocking job polled on a thread inside another task's `block_on`, say).
pub(super) fn enter(id: Id) -> CurrentGuard {
    let previous = CURRENT.try_with(|c| c.replace(Some(id))).ok().flatten();
    CurrentGuard(previous)
}

pub(super) struct CurrentGuard(Option<Id>);

impl Drop for CurrentGuard {
    fn drop(&mut self) {
        let _ = CURRENT.try_with(|c| c.set(self.0));
    }
}
