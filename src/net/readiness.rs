//! tokio's readiness API on eddy's sockets — `ready`, `try_io`, `async_io` and the
//! `poll_*_ready` pair — written once, in [`readiness_methods!`], over the socket's
//! registered `io` ([`Async`](crate::io::Async) underneath): the behaviour is
//! `Async::poll_ready`'s and the reactor's readiness rule.

/// Adds the readiness methods to a socket type whose `io` field derefs to
/// [`Async`](crate::io::Async). `$setup` is doc-test code that makes two connected sockets
/// `a` and `b` of the type; `$send` / `$recv` name its `try_*` send and receive methods;
/// `$poll_read` / `$poll_write` are tokio's names of the poll methods for the type
/// (`poll_read_ready` on streams, `poll_recv_ready` on datagram sockets).
macro_rules! readiness_methods {
    (
        $setup:literal,
        $send:literal,
        $recv:literal,
        $poll_read:ident,
        $poll_write:ident $(,)?
    ) => {
        /// Waits until the socket is ready for any of `interest` and says for which
        /// (tokio's `ready`). Readiness is a hint that may be spurious: follow it with a
        /// `try_*` operation, or [`try_io`](Self::try_io), and wait again on `WouldBlock`.
        ///
        /// # Errors
        ///
        /// An error of kind `Other` once the runtime has shut down.
        ///
        /// # Examples
        ///
        /// ```
        /// use eddy::io::Interest;
        ///
        /// eddy::run(async {
        #[doc = $setup]
        #[doc = concat!("    b.", $send, "(b\"hi\").unwrap();")]
        ///     let ready = a.ready(Interest::READABLE | Interest::WRITABLE).await.unwrap();
        ///     assert!(ready.is_readable() || ready.is_writable());
        ///     let ready = a.ready(Interest::READABLE).await.unwrap();
        ///     assert!(ready.is_readable());
        /// });
        /// ```
        pub async fn ready(&self, interest: $crate::io::Interest) -> std::io::Result<$crate::io::Ready> {
            self.io.ready(interest).await
        }

        /// Runs `f`, an operation on the socket that does not wait (on its raw fd, say),
        /// once (tokio's `try_io`). If `f` says `WouldBlock`, the readiness of `interest`
        /// is cleared (unless an edge came meanwhile), so the next
        /// [`ready`](Self::ready) waits for a new edge instead of reporting stale
        /// readiness. Unlike tokio's, `f` runs even when the socket is not known to be
        /// ready: eddy never answers `WouldBlock` without asking the OS.
        ///
        /// # Errors
        ///
        /// `f`'s.
        ///
        /// # Examples
        ///
        /// ```
        /// use eddy::io::Interest;
        ///
        /// eddy::run(async {
        #[doc = $setup]
        ///     let mut buf = [0u8; 8];
        #[doc = concat!("    let none = a.try_io(Interest::READABLE, || a.", $recv, "(&mut buf));")]
        ///     assert_eq!(none.unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
        #[doc = concat!("    b.", $send, "(b\"hi\").unwrap();")]
        ///     a.ready(Interest::READABLE).await.unwrap(); // waits for the new edge
        #[doc = concat!("    let n = a.try_io(Interest::READABLE, || a.", $recv, "(&mut buf)).unwrap();")]
        ///     assert_eq!(&buf[..n], b"hi");
        /// });
        /// ```
        pub fn try_io<R>(
            &self,
            interest: $crate::io::Interest,
            f: impl FnOnce() -> std::io::Result<R>,
        ) -> std::io::Result<R> {
            self.io.try_io_interest(interest, f)
        }

        /// Runs `f` until it does not say `WouldBlock`, waiting for `interest` in between
        /// (tokio's `async_io`): with one direction `f` is tried first, with both the
        /// task waits for either and then tries. An `Interrupted` from `f` (`EINTR`: a
        /// signal handler ran, nothing was done) is retried at once, not returned.
        ///
        /// # Errors
        ///
        /// `f`'s, or an error of kind `Other` once the runtime has shut down.
        ///
        /// # Examples
        ///
        /// ```
        /// use eddy::io::Interest;
        ///
        /// eddy::run(async {
        #[doc = $setup]
        #[doc = concat!("    b.", $send, "(b\"hi\").unwrap();")]
        ///     let mut buf = [0u8; 8];
        #[doc = concat!("    let n = a.async_io(Interest::READABLE, || a.", $recv, "(&mut buf)).await.unwrap();")]
        ///     assert_eq!(&buf[..n], b"hi");
        /// });
        /// ```
        pub async fn async_io<R>(
            &self,
            interest: $crate::io::Interest,
            f: impl FnMut() -> std::io::Result<R>,
        ) -> std::io::Result<R> {
            self.io.async_io(interest, f).await
        }

        /// Polls for read readiness: `Ready` while the socket is readable (possibly
        /// spuriously), else the task is registered for the next edge. For hand-written
        /// futures. Unlike tokio's, which keeps only the last task's waker, every task
        /// waiting through it is woken.
        ///
        /// # Errors
        ///
        /// An error of kind `Other` once the runtime has shut down.
        ///
        /// # Examples
        ///
        /// ```
        /// eddy::run(async {
        #[doc = $setup]
        #[doc = concat!("    b.", $send, "(b\"hi\").unwrap();")]
        #[doc = concat!("    std::future::poll_fn(|cx| a.", stringify!($poll_read), "(cx)).await.unwrap();")]
        ///     let mut buf = [0u8; 8];
        #[doc = concat!("    assert_eq!(a.", $recv, "(&mut buf).unwrap(), 2);")]
        /// });
        /// ```
        pub fn $poll_read(
            &self,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            self.io.poll_readable(cx)
        }

        /// Polls for write readiness, as the read counterpart does.
        ///
        /// # Errors
        ///
        /// An error of kind `Other` once the runtime has shut down.
        ///
        /// # Examples
        ///
        /// ```
        /// eddy::run(async {
        #[doc = $setup]
        #[doc = concat!("    std::future::poll_fn(|cx| a.", stringify!($poll_write), "(cx)).await.unwrap();")]
        #[doc = concat!("    assert_eq!(a.", $send, "(b\"hi\").unwrap(), 2);")]
        /// });
        /// ```
        pub fn $poll_write(
            &self,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            self.io.poll_writable(cx)
        }
    };
}

pub(crate) use readiness_methods;
