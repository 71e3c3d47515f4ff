//! [`join!`](crate::join!): wait for several futures at once, in the calling task.
//!
//! Each future is wrapped in a `MaybeDone` (running, or its output waiting for the
//! others) and pinned on the stack in a tuple. Every wake polls each unfinished future
//! once, starting one further along each time (so under a cooperative budget no future is
//! always polled last); when all are done the outputs are moved out into a tuple. As in
//! `select!`, the muncher numbers the futures by popping from a list of indices and
//! reaches future `i` with a pattern of `i` wildcards.

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
#[macro_export]
macro_rules! join {
    () => {
        ()
    };
    ($($future:expr),+ $(,)?) => {
        $crate::__join_munch!(@done() @skip() @free(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63); $($future,)+)
    };
}

/// `join!`'s muncher and expansion; see `src/macros/join.rs`.
#[doc(hidden)]
#[macro_export]
macro_rules! __join_munch {
    (@done($($done:tt)*) @skip($($skip:tt)*) @free($i:tt $($free:tt)*); $future:expr, $($rest:tt)*) => {
        $crate::__join_munch!(@done($($done)* [$i ($($skip)*) $future]) @skip($($skip)* _) @free($($free)*); $($rest)*)
    };
    (@done($($done:tt)*) @skip($($skip:tt)*) @free(); $($rest:tt)+) => {
        ::core::compile_error!("`join!` takes at most 64 futures")
    };
    (@done($([$i:tt ($($skip:tt)*) $future:expr])*) @skip($($s:tt)*) @free($($f:tt)*);) => {{
        let mut __futures = ($(
            $crate::__private::pin!($crate::__private::MaybeDone::new(
                $crate::__private::IntoFuture::into_future($future),
            )),
        )*);
        let mut __first: u32 = 0;
        $crate::__private::poll_fn(|__cx| {
            let __n: u32 = 0 $(+ { let _ = $i; 1 })*;
            let mut __all_done = true;
            let mut __next = __first;
            __first = if __first + 1 == __n { 0 } else { __first + 1 };
            for _ in 0..__n {
                let __branch = __next;
                __next = if __next + 1 == __n { 0 } else { __next + 1 };
                $(
                    if __branch == $i {
                        let ($($skip,)* __fut, ..) = &mut __futures;
                        if __fut.as_mut().poll(__cx).is_pending() {
                            __all_done = false;
                        }
                    }
                )*
            }
            if !__all_done {
                return $crate::__private::Poll::Pending;
            }
            $crate::__private::Poll::Ready(($(
                {
                    let ($($skip,)* __fut, ..) = &mut __futures;
                    __fut.as_mut().take_output()
                },
            )*))
        })
        .await
    }};
}
