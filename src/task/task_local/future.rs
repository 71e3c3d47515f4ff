//! [`TaskLocalFuture`]: a future polled, and dropped, with a task-local value set.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::{fmt, mem};

use pin_project_lite::pin_project;

use super::LocalKey;

pin_project! {
    /// A future that runs another with a task-local value set, returned by
    /// [`LocalKey::scope`].
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy::task::TaskLocalFuture;
    ///
    /// eddy::task_local! {
    ///     static ATTEMPT: u32;
    /// }
    ///
    /// let future: TaskLocalFuture<u32, _> = ATTEMPT.scope(3, async { ATTEMPT.get() });
    /// assert_eq!(eddy::run(future), 3);
    /// ```
    pub struct TaskLocalFuture<T, F>
    where
        T: 'static,
    {
        local: &'static LocalKey<T>,
        // The value between polls (during one, the key's previous value); `None` once
        // taken.
        slot: Option<T>,
        // `None` once the future completed.
        #[pin]
        future: Option<F>,
    }

    impl<T, F> PinnedDrop for TaskLocalFuture<T, F>
    where
        T: 'static,
    {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if mem::needs_drop::<F>() && this.future.is_some() {
                // Drop an unfinished future with the value set, as its polls saw it. If
                // the scope cannot be entered (this runs inside `with` of the same key,
                // or while the thread's locals are destroyed), the future is dropped
                // without it, with the fields, rather than panicking in `drop`.
                let mut future = this.future;
                let _ = this.local.scope_inner(this.slot, || future.set(None));
            }
        }
    }
}

impl<T: 'static, F> TaskLocalFuture<T, F> {
    /// `future` in a scope of `local` set to `value`.
    pub(super) fn new(local: &'static LocalKey<T>, value: T, future: F) -> Self {
        TaskLocalFuture {
            local,
            slot: Some(value),
            future: Some(future),
        }
    }

    /// Takes the value out of the scope: `Some` the first time, `None` after. If the
    /// future has not completed, its later polls (and its drop) run with no value for the
    /// key, not even an outer scope's, as in tokio.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::pin::pin;
    ///
    /// eddy::task_local! {
    ///     static BUFFER: Vec<u8>;
    /// }
    ///
    /// eddy::run(async {
    ///     let mut future = pin!(BUFFER.scope(Vec::new(), async {
    ///         BUFFER.with(|buf| buf.len())
    ///     }));
    ///     assert_eq!(future.as_mut().await, 0);
    ///     assert_eq!(future.as_mut().take_value(), Some(Vec::new())); // reuse the buffer
    ///     assert_eq!(future.take_value(), None);
    /// });
    /// ```
    pub fn take_value(self: Pin<&mut Self>) -> Option<T> {
        self.project().slot.take()
    }
}

impl<T: 'static, F: Future> Future for TaskLocalFuture<T, F> {
    type Output = F::Output;

    #[track_caller]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let mut future = this.future;
        let polled = this.local.scope_inner(this.slot, || {
            let poll = future.as_mut().as_pin_mut()?.poll(cx);
            if poll.is_ready() {
                // Drop the finished future inside the scope, as an unfinished one is.
                future.set(None);
            }
            Some(poll)
        });
        match polled {
            Ok(Some(poll)) => poll,
            Ok(None) => panic!(
                "a `TaskLocalFuture` (a scope of task-local `{}`) was polled after it completed",
                this.local.name
            ),
            Err(err) => err.panic(this.local.name),
        }
    }
}

impl<T: fmt::Debug + 'static, F> fmt::Debug for TaskLocalFuture<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskLocalFuture")
            .field("key", &self.local.name)
            .field("value", &self.slot)
            .finish_non_exhaustive()
    }
}
