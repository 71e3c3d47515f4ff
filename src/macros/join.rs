//! [`join!`](crate::join!): wait for several futures at once, in the calling task.
//!
//! The future expressions are evaluated into one tuple (so temporaries such as `&mut
//! ready(())` live as long as the join), then each is wrapped in a `MaybeDone` (running,
//! or its output waiting for the others) in a second tuple, which stays where it is until
//! dropped: it is reached only through one `&mut`, moved into the polling closure, and
//! each future is pinned in place from it. Every wake polls each unfinished future once,
//! starting one further along each time (`Rotating`, one byte, so that under a
//! cooperative budget no future is always polled last) or, with `biased;`, from the first
//! (`InOrder`, no state at all); when all are done the outputs are moved out into a
//! tuple. As in `select!`, the muncher numbers the futures by popping from a list of
//! indices and reaches future `i` with a pattern of `i` wildcards.

/// Runs several futures concurrently in the calling task and waits for all of them,
/// returning their outputs as a tuple in the order written — asyncio's `gather` without
/// the tasks.
///
/// Nothing is spawned: the futures share the calling task (and its worker thread), so they
/// need not be `Send` or `'static` and may borrow local variables. To run futures in
/// parallel on several workers, spawn them, or use [`eddy::gather`](crate::gather).
/// Dropping the `join!` (cancelling the calling task) drops every future. Up to 64
/// futures; `join!()` is `()`.
///
/// Each time the join is woken it polls every unfinished future once, starting one
/// further along each time, so that none is always polled last. Write `biased;` first to
/// poll them in the order written on every wake instead.
///
/// # Examples
///
/// ```
/// eddy::run(async {
///     let mut log = Vec::new();
///     let name = String::from("eddy");
///     let (a, b, c) = eddy::join!(
///         async { name.len() },                   // borrows a local
///         async { eddy::task::yield_now().await; 2 },
///         async { log.push("ran"); "three" },
///     );
///     assert_eq!((a, b, c), (4, 2, "three"));
///     assert_eq!(log, ["ran"]);
/// });
/// ```
///
/// `biased;`: on every wake the futures are polled in the order written:
///
/// ```
/// use std::cell::RefCell;
///
/// eddy::run(async {
///     let log = RefCell::new(Vec::new());
///     eddy::join!(
///         biased;
///         async { eddy::task::yield_now().await; log.borrow_mut().push("a") },
///         async { eddy::task::yield_now().await; log.borrow_mut().push("b") },
///     );
///     assert_eq!(log.into_inner(), ["a", "b"]);
/// });
/// ```
#[macro_export]
macro_rules! join {
    ($(biased;)?) => {
        ()
    };
    (biased; $($future:expr),+ $(,)?) => {
        $crate::__join_munch!(@start($crate::__private::InOrder); $($future,)+)
    };
    ($($future:expr),+ $(,)?) => {
        $crate::__join_munch!(@start($crate::__private::Rotating::default()); $($future,)+)
    };
}

/// `join!`'s muncher and expansion; see `src/macros/join.rs`.
#[doc(hidden)]
#[macro_export]
macro_rules! __join_munch {
    (@start($order:expr); $($futures:tt)+) => {
        $crate::__join_munch!(@order($order) @done() @skip() @free(
            0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31
            32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60
            61 62 63
        ); $($futures)+)
    };
    (@order($order:expr) @done($($done:tt)*) @skip($($skip:tt)*) @free($i:tt $($free:tt)*);
        $future:expr, $($rest:tt)*) => {
        $crate::__join_munch!(@order($order) @done($($done)* [$i ($($skip)*) $future])
            @skip($($skip)* _) @free($($free)*); $($rest)*)
    };
    (@order($order:expr) @done($($done:tt)*) @skip($($skip:tt)*) @free(); $($rest:tt)+) => {
        ::core::compile_error!("`join!` takes at most 64 futures")
    };
    (@order($order:expr) @done($([$i:tt ($($skip:tt)*) $future:expr])*) @skip($($s:tt)*) @free($($f:tt)*);) => {{
        // A tuple first, so that temporaries in the future expressions (`&mut ready(())`)
        // live as long as the join.
        let __init = ($($future,)*);
        let mut __futures = ($(
            $crate::__private::MaybeDone::new($crate::__private::IntoFuture::into_future(__init.$i)),
        )*);
        // The futures are reached only through this reference, moved into the closure:
        // they are never moved again (see the SAFETY comments below).
        let __futures = &mut __futures;
        let mut __order = $order;
        $crate::__private::poll_fn(move |__cx| {
            const __N: u32 = 0 $(+ { let _ = $i; 1 })*;
            let __start = __order.next_start(__N);
            let mut __all_done = true;
            for __k in 0..__N {
                let __branch = if __start + __k < __N { __start + __k } else { __start + __k - __N };
                match __branch {
                    $(
                        $i => {
                            let ($($skip,)* __fut, ..) = &mut *__futures;
                            // SAFETY: the tuple of futures is a local of the enclosing async
                            // code, shadowed by the one reference to it, which only this
                            // closure holds; so no future is moved after it is first polled,
                            // until the tuple is dropped in place when the join completes or
                            // is cancelled.
                            let __fut = unsafe { $crate::__private::Pin::new_unchecked(__fut) };
                            if __fut.poll(__cx).is_pending() {
                                __all_done = false;
                            }
                        }
                    )*
                    _ => ::core::unreachable!("`join!`: a future index out of range"),
                }
            }
            if !__all_done {
                return $crate::__private::Poll::Pending;
            }
            $crate::__private::Poll::Ready(($(
                {
                    let ($($skip,)* __fut, ..) = &mut *__futures;
                    // SAFETY: as above; taking the output moves the output, not the future.
                    unsafe { $crate::__private::Pin::new_unchecked(__fut) }.take_output()
                },
            )*))
        })
        .await
    }};
}
