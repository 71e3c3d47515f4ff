//! Task-local values: [`task_local!`](crate::task_local!) declares a [`LocalKey`], and
//! [`LocalKey::scope`] sets its value for one future — asyncio's `contextvars`, tokio's
//! `task_local!`.
//!
//! Each key is a thread-local cell (`RefCell<Option<T>>`). The value lives in the
//! [`TaskLocalFuture`] between polls; each poll swaps it into the cell of the thread that
//! polls, and swaps it back out when the poll returns, so the value follows the task from
//! worker to worker and is never seen by another task polled on the same thread. The swap
//! back is done by a guard's `Drop`, so a poll that panics restores the previous value
//! too. A nested scope of the same key swaps the outer value out for its own polls and
//! back in after them.
//!
//! [`LocalKey::with`] lends the value through a shared `RefCell` borrow, so `with` may
//! nest; entering a scope swaps through a mutable borrow, so a scope of a key entered
//! while `with` lends that key's value fails, and panics, as tokio's does.
//!
//! This file holds the macro, [`LocalKey`] and [`AccessError`]; `future.rs` holds
//! [`TaskLocalFuture`], the scope of one future.

use std::cell::RefCell;
use std::error::Error;
use std::future::Future;
use std::{fmt, mem, thread};

mod future;

pub use self::future::TaskLocalFuture;

/// Declares task-local keys: `static NAME: T;`, each a [`LocalKey<T>`](crate::task::LocalKey)
/// — asyncio's `contextvars.ContextVar`, tokio's `task_local!`.
///
/// Any number of declarations; attributes (doc comments included) and visibility are kept.
/// A key has no value until a [`scope`](crate::task::LocalKey::scope) (for a future) or a
/// [`sync_scope`](crate::task::LocalKey::sync_scope) (for a closure) sets one.
///
/// # Examples
///
/// ```
/// eddy::task_local! {
///     /// The id of the request being served.
///     pub static REQUEST_ID: u64;
///     static USER: String;
/// }
///
/// eddy::run(REQUEST_ID.scope(7, async {
///     eddy::task::yield_now().await;
///     assert_eq!(REQUEST_ID.get(), 7);
///     assert!(USER.try_with(|user| user.len()).is_err()); // no scope of USER here
/// }));
/// ```
#[macro_export]
macro_rules! task_local {
    // One key: a thread-local cell, and the key that names it.
    (@key $(#[$attr:meta])* $vis:vis $name:ident, $t:ty) => {
        $(#[$attr])*
        $vis static $name: $crate::task::LocalKey<$t> = {
            $crate::task::__private::thread_local! {
                static CELL: $crate::task::__private::Cell<$t> =
                    const { $crate::task::__private::Cell::<$t>::new($crate::task::__private::None) };
            }
            $crate::task::__private::local_key(CELL, ::core::stringify!($name))
        };
    };
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty; $($rest:tt)*) => {
        $crate::task_local!(@key $(#[$attr])* $vis $name, $t);
        $crate::task_local!($($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty) => {
        $crate::task_local!(@key $(#[$attr])* $vis $name, $t);
    };
}

/// What the expansion of [`task_local!`](crate::task_local!) names: not public API, no
/// stability promise.
#[doc(hidden)]
pub mod __private {
    pub use std::option::Option::None;
    pub use std::thread_local;

    use super::LocalKey;

    /// The thread-local cell behind a key.
    pub type Cell<T> = std::cell::RefCell<Option<T>>;

    /// The key for the cell `inner`, named `name` in error messages.
    pub const fn local_key<T: 'static>(
        inner: std::thread::LocalKey<Cell<T>>,
        name: &'static str,
    ) -> LocalKey<T> {
        LocalKey { inner, name }
    }
}

/// A key for task-local values of type `T`, declared with
/// [`task_local!`](crate::task_local!) — asyncio's `ContextVar`.
///
/// [`scope`](LocalKey::scope) sets a value for the polls of one future (wherever they
/// run), [`sync_scope`](LocalKey::sync_scope) for one closure call;
/// [`with`](LocalKey::with), [`try_with`](LocalKey::try_with) and
/// [`get`](LocalKey::get) read the value of the innermost scope.
///
/// Unlike asyncio's `create_task`, which copies the current context into the new task, a
/// task spawned inside a scope does not see the value: pass it on with
/// `eddy::spawn(KEY.scope(KEY.get(), future))`, as with tokio.
///
/// # Examples
///
/// ```
/// eddy::task_local! {
///     static DEPTH: u32;
/// }
///
/// eddy::run(DEPTH.scope(1, async {
///     assert_eq!(DEPTH.get(), 1);
///     DEPTH.scope(2, async { assert_eq!(DEPTH.get(), 2) }).await; // shadows, then restores
///     assert_eq!(DEPTH.get(), 1);
///     // A spawned task starts without the value, unless it is passed on.
///     let inherited = eddy::spawn(DEPTH.scope(DEPTH.get(), async { DEPTH.get() }));
///     assert_eq!(inherited.await.unwrap(), 1);
///     assert!(eddy::spawn(async { DEPTH.try_with(|_| ()).is_err() }).await.unwrap());
/// }));
/// ```
pub struct LocalKey<T: 'static> {
    inner: thread::LocalKey<RefCell<Option<T>>>,
    name: &'static str,
}

impl<T: 'static> LocalKey<T> {
    /// Returns a future that runs `future` with this key set to `value`: the value is
    /// set during each poll of `future`, on whichever thread polls it, and while it is
    /// dropped, and the previous value (of an outer scope, or none) comes back after each.
    /// `value` is dropped with the returned future, unless taken out with
    /// [`TaskLocalFuture::take_value`].
    ///
    /// # Panics
    ///
    /// The returned future panics when polled inside [`with`](LocalKey::with) of the same
    /// key (the value is lent, so a scope cannot replace it; tokio panics the same way),
    /// or when polled again after it completed.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::task_local! {
    ///     static NAME: &'static str;
    /// }
    ///
    /// let greeting = eddy::run(NAME.scope("eddy", async {
    ///     eddy::task::yield_now().await; // the value survives the await
    ///     NAME.with(|name| format!("hello, {name}"))
    /// }));
    /// assert_eq!(greeting, "hello, eddy");
    /// ```
    pub fn scope<F: Future>(&'static self, value: T, future: F) -> TaskLocalFuture<T, F> {
        TaskLocalFuture::new(self, value, future)
    }

    /// Calls `f` with this key set to `value`, then restores the previous value (also when
    /// `f` panics), and drops `value`.
    ///
    /// # Panics
    ///
    /// Inside [`with`](LocalKey::with) of the same key (the value is lent, so a scope
    /// cannot replace it; tokio panics the same way), and when `f` panics.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::task_local! {
    ///     static LEVEL: u8;
    /// }
    ///
    /// let doubled = LEVEL.sync_scope(21, || LEVEL.get() * 2);
    /// assert_eq!(doubled, 42);
    /// assert!(LEVEL.try_with(|_| ()).is_err()); // restored: no value outside the scope
    /// ```
    #[track_caller]
    pub fn sync_scope<F, R>(&'static self, value: T, f: F) -> R
    where
        F: FnOnce() -> R,
    {
        let mut slot = Some(value);
        match self.scope_inner(&mut slot, f) {
            Ok(out) => out,
            Err(err) => err.panic(self.name),
        }
    }

    /// Swaps `slot` into this thread's cell, calls `f`, and swaps it back out, also when
    /// `f` panics; an error, before `f` is called, if the cell is lent to `with` or gone.
    fn scope_inner<F, R>(&'static self, slot: &mut Option<T>, f: F) -> Result<R, ScopeError>
    where
        F: FnOnce() -> R,
    {
        /// Swaps the values back when dropped, so a panic in `f` restores them as well.
        struct Restore<'a, T: 'static> {
            local: &'static LocalKey<T>,
            slot: &'a mut Option<T>,
        }

        impl<T: 'static> Drop for Restore<'_, T> {
            fn drop(&mut self) {
                // `borrow_mut` cannot fail: the cell was not borrowed when the scope was
                // entered, `with` releases its borrow before it returns or unwinds, and
                // user code never holds a borrow of its own. `try_with` fails only if
                // this thread's locals were destroyed during the scope; then the cell's
                // value went with them, and the slot's is dropped with the slot.
                let _ = self
                    .local
                    .inner
                    .try_with(|cell| mem::swap(self.slot, &mut *cell.borrow_mut()));
            }
        }

        self.inner
            .try_with(|cell| match cell.try_borrow_mut() {
                Ok(mut current) => {
                    mem::swap(slot, &mut *current);
                    Ok(())
                }
                Err(_) => Err(ScopeError::Lent),
            })
            .map_err(|_| ScopeError::Destroyed)??;
        let _restore = Restore { local: self, slot };
        Ok(f())
    }

    /// Calls `f` with a reference to the value of the innermost scope.
    ///
    /// Calls of `with` and `try_with` may nest, for the same key or others; a
    /// [`scope`](LocalKey::scope) or [`sync_scope`](LocalKey::sync_scope) of the same key
    /// inside `f` panics.
    ///
    /// # Panics
    ///
    /// Outside any scope of this key, with a message that names the key and `scope`; and
    /// when `f` panics. Use [`try_with`](LocalKey::try_with) to check instead.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::task_local! {
    ///     static TAGS: Vec<&'static str>;
    /// }
    ///
    /// TAGS.sync_scope(vec!["a", "b"], || {
    ///     assert_eq!(TAGS.with(|tags| tags.len()), 2);
    ///     // Reads nest: the value is lent, not moved.
    ///     TAGS.with(|outer| TAGS.with(|inner| assert_eq!(outer, inner)));
    /// });
    /// ```
    #[track_caller]
    pub fn with<F, R>(&'static self, f: F) -> R
    where
        F: FnOnce(&T) -> R,
    {
        match self.try_with(f) {
            Ok(out) => out,
            Err(err) => panic!("{err}"),
        }
    }

    /// Calls `f` with a reference to the value of the innermost scope, or returns an
    /// [`AccessError`] outside any scope of this key (and while this thread's locals are
    /// being destroyed).
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::task_local! {
    ///     static TRACE_ID: u128;
    /// }
    ///
    /// assert!(TRACE_ID.try_with(|id| *id).is_err());
    /// assert_eq!(TRACE_ID.sync_scope(9, || TRACE_ID.try_with(|id| *id)), Ok(9));
    /// ```
    pub fn try_with<F, R>(&'static self, f: F) -> Result<R, AccessError>
    where
        F: FnOnce(&T) -> R,
    {
        // `borrow` cannot fail: the cell is mutably borrowed only during a swap, which
        // runs no user code.
        let out = self
            .inner
            .try_with(|cell| cell.borrow().as_ref().map(f))
            .ok()
            .flatten();
        out.ok_or(AccessError { key: self.name })
    }
}

impl<T: Clone + 'static> LocalKey<T> {
    /// A clone of the value of the innermost scope.
    ///
    /// # Panics
    ///
    /// Outside any scope of this key, as [`with`](LocalKey::with).
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::task_local! {
    ///     static LOCALE: String;
    /// }
    ///
    /// let locale = LOCALE.sync_scope("fr".to_string(), || LOCALE.get());
    /// assert_eq!(locale, "fr");
    /// ```
    #[track_caller]
    pub fn get(&'static self) -> T {
        self.with(T::clone)
    }
}

impl<T: 'static> fmt::Debug for LocalKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalKey")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// The error of [`LocalKey::try_with`]: the key has no value here (no scope of it
/// encloses this code).
///
/// # Examples
///
/// ```
/// eddy::task_local! {
///     static SESSION: u32;
/// }
///
/// let err = SESSION.try_with(|s| *s).unwrap_err();
/// assert!(err.to_string().contains("SESSION.scope(value, future)"));
/// let _: &dyn std::error::Error = &err;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessError {
    key: &'static str,
}

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = self.key;
        write!(
            f,
            "task-local `{key}` has no value here: set one with `{key}.scope(value, future)` \
             (or `{key}.sync_scope(value, f)`) and read it inside"
        )
    }
}

impl Error for AccessError {}

/// Why a scope could not be entered.
#[derive(Debug)]
enum ScopeError {
    /// `with` of the same key is lending the value.
    Lent,
    /// This thread's locals are being destroyed.
    Destroyed,
}

impl ScopeError {
    #[track_caller]
    fn panic(self, key: &str) -> ! {
        match self {
            ScopeError::Lent => panic!(
                "cannot enter a scope of task-local `{key}` inside `{key}.with(..)`, which \
                 lends its value: read what you need (`{key}.get()`), then enter the scope \
                 outside the closure"
            ),
            ScopeError::Destroyed => panic!(
                "cannot enter a scope of task-local `{key}` while this thread's locals are \
                 being destroyed"
            ),
        }
    }
}
