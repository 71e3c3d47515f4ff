//! [`select!`](crate::select!): wait for the first of several futures, in the calling task.
//!
//! The expansion, for branches `p_i = f_i, if c_i => h_i`:
//!
//! 1. evaluate every precondition `c_i`; a false one sets branch `i`'s bit in the
//!    disabled mask (`u8` up to 8 branches, then `u16`, `u32`, `u64`);
//! 2. evaluate every `f_i` into one tuple (so temporaries such as `&mut ready(())` live
//!    as long as the select), then `IntoFuture` each into the tuple of futures, which
//!    stays where it is until dropped: it is reached only through one `&mut`, moved into
//!    the polling closure with the mask, and each future is pinned in place from it;
//! 3. poll, starting from a pseudo-random branch drawn on each wake (or the first with
//!    `biased;`), every enabled branch once; the first to be ready whose output matches
//!    `p_i` (checked by reference, through `clean_pattern!`, which strips `mut`/`ref` so
//!    that the check moves nothing) wins. A ready output that does not match disables its
//!    branch; when every branch is disabled the `else` arm runs (or it panics);
//! 4. leave the block holding the futures, **dropping the losers**, and only then match
//!    the winner's output against `p_i` by value and run `h_i`, outside any closure or
//!    loop of ours, so `return`, `break`, `continue` and `?` in a handler act on the
//!    caller's function.
//!
//! So across an `.await` a select keeps only its futures, one pointer and the mask: no
//! per-branch pointer, no stored start.
//!
//! `macro_rules!` cannot count, so the muncher numbers the branches by popping from a
//! list of `(index variant mask)` triples (64 of them: at most 64 branches, one muncher
//! step each, well inside the default recursion limit), and reaches branch `i`'s future
//! in the tuple with a pattern of `i` wildcards: `(_, _, fut, ..)`.

/// Waits on several futures at once and runs the handler of the first one to finish,
/// dropping the others — asyncio's `asyncio.wait(return_when=FIRST_COMPLETED)`, in the
/// calling task (nothing is spawned).
///
/// Each branch is `pattern = future => handler,` with an optional precondition
/// `pattern = future, if condition => handler,`. The macro must be used inside async
/// code; it evaluates to the value of the handler that ran.
///
/// * **Fairness.** Each time the select is woken it polls the branches starting from a
///   pseudo-random one, so no branch can starve the others. Write `biased;` first to poll
///   them in the order written instead (cheaper, and lets you prioritise).
/// * **Disabled branches.** A branch whose precondition is false is never polled (its
///   future is still created). A branch whose output does not match its pattern is
///   disabled and the select goes on waiting for the others. When every branch is
///   disabled, `else => expression` runs; without an `else` the macro panics.
/// * **Losers are dropped** before the handler runs: a handler may use what the futures
///   borrowed. A future dropped that way is cancelled, so use futures that are *cancel
///   safe* (losing nothing when dropped) when a select runs in a loop.
/// * **Futures** are anything `IntoFuture`, including `&mut fut` for an `Unpin` future
///   (such as a `pin!`ned one) to keep it across loop iterations; a temporary borrowed
///   there lives as long as the select. Every future is created, after the
///   preconditions are evaluated, before any is polled.
/// * **Patterns** are irrefutable or refutable, and may bind by `ref`, `ref mut` or `mut`.
///
/// Up to 64 branches. `select! { else => expression }` alone is the expression.
///
/// # Examples
///
/// The first of two futures wins; the other is dropped:
///
/// ```
/// use std::time::Duration;
///
/// eddy::run(async {
///     let winner = eddy::select! {
///         _ = eddy::time::sleep(Duration::from_secs(60)) => "timer",
///         v = async { 7 } => if v == 7 { "value" } else { "other" },
///     };
///     assert_eq!(winner, "value");
/// });
/// ```
///
/// `biased;`, preconditions, pattern disabling and `else`:
///
/// ```
/// eddy::run(async {
///     let allow_first = false;
///     let picked = eddy::select! {
///         biased;
///         x = async { 1 }, if allow_first => x,          // disabled by its precondition
///         Some(y) = async { None::<i32> } => y,          // None does not match: disabled
///         z = async { 3 } => z,
///     };
///     assert_eq!(picked, 3);
///
///     let fallback = eddy::select! {
///         Some(v) = async { None::<i32> } => v,
///         else => -1,
///     };
///     assert_eq!(fallback, -1);
/// });
/// ```
///
/// `ref mut` bindings and a borrowed temporary:
///
/// ```
/// eddy::run(async {
///     let len = eddy::select! {
///         Some(ref mut v) = async { Some(vec![1]) } => {
///             v.push(2);
///             v.len()
///         }
///         n = &mut std::future::ready(0) => n,
///     };
///     assert!(len == 2 || len == 0);
/// });
/// ```
///
/// In a loop, with `break` in a handler:
///
/// ```
/// use std::time::Duration;
///
/// eddy::run(async {
///     let mut ticks = 0;
///     let deadline = eddy::time::sleep(Duration::from_millis(20));
///     let mut deadline = std::pin::pin!(deadline);
///     loop {
///         eddy::select! {
///             _ = &mut deadline => break,
///             _ = eddy::task::yield_now() => ticks += 1,
///         }
///     }
///     assert!(ticks > 0);
/// });
/// ```
#[macro_export]
macro_rules! select {
    ($(biased;)? else => $else:expr $(,)?) => {
        $else
    };
    (biased; $($branches:tt)+) => {
        $crate::__select_munch!(@start(true); $($branches)+)
    };
    ($($branches:tt)+) => {
        $crate::__select_munch!(@start(false); $($branches)+)
    };
    ($(biased;)?) => {
        ::core::compile_error!("`select!` needs at least one branch: `pattern = future => handler,`")
    };
}

/// `select!`'s branch muncher; see `src/macros/select.rs`. Each branch takes exactly one
/// step, so that 64 branches stay well inside the default recursion limit.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_munch {
    // The start: every branch will take the next `(index variant mask)` of this list.
    (@start($b:tt); $($branches:tt)+) => {
        $crate::__select_munch!(@biased($b) @mask(u8) @done() @skip() @free(
            (0 _0 u8) (1 _1 u8) (2 _2 u8) (3 _3 u8) (4 _4 u8) (5 _5 u8) (6 _6 u8) (7 _7 u8)
            (8 _8 u16) (9 _9 u16) (10 _10 u16) (11 _11 u16) (12 _12 u16) (13 _13 u16) (14 _14 u16) (15 _15 u16)
            (16 _16 u32) (17 _17 u32) (18 _18 u32) (19 _19 u32) (20 _20 u32) (21 _21 u32) (22 _22 u32) (23 _23 u32)
            (24 _24 u32) (25 _25 u32) (26 _26 u32) (27 _27 u32) (28 _28 u32) (29 _29 u32) (30 _30 u32) (31 _31 u32)
            (32 _32 u64) (33 _33 u64) (34 _34 u64) (35 _35 u64) (36 _36 u64) (37 _37 u64) (38 _38 u64) (39 _39 u64)
            (40 _40 u64) (41 _41 u64) (42 _42 u64) (43 _43 u64) (44 _44 u64) (45 _45 u64) (46 _46 u64) (47 _47 u64)
            (48 _48 u64) (49 _49 u64) (50 _50 u64) (51 _51 u64) (52 _52 u64) (53 _53 u64) (54 _54 u64) (55 _55 u64)
            (56 _56 u64) (57 _57 u64) (58 _58 u64) (59 _59 u64) (60 _60 u64) (61 _61 u64) (62 _62 u64) (63 _63 u64)
        ); $($branches)+)
    };
    // The end, with or without `else`: expand.
    (@biased($b:tt) @mask($m:ty) @done($($done:tt)*) @skip($($s:tt)*) @free($($f:tt)*);) => {
        $crate::__select_expand!(@biased($b) @mask($m) @else() @done($($done)*))
    };
    (@biased($b:tt) @mask($m:ty) @done($($done:tt)*) @skip($($s:tt)*) @free($($f:tt)*);
        else => $else:expr $(,)?) => {
        $crate::__select_expand!(@biased($b) @mask($m) @else($else) @done($($done)*))
    };
    // Out of indices.
    (@biased($b:tt) @mask($m:ty) @done($($done:tt)*) @skip($($s:tt)*) @free(); $($rest:tt)+) => {
        ::core::compile_error!("`select!` takes at most 64 branches")
    };
    // A branch with a precondition; its handler a block (comma optional) or an expression.
    (@biased($b:tt) @mask($_m:ty) @done($($done:tt)*) @skip($($skip:tt)*) @free(($i:tt $v:ident $m:ty) $($free:tt)*);
        $p:pat = $fut:expr, if $c:expr => $h:block, $($rest:tt)*) => {
        $crate::__select_munch!(@biased($b) @mask($m) @done($($done)* [$i $v ($($skip)*) $p, $fut, $c, $h])
            @skip($($skip)* _) @free($($free)*); $($rest)*)
    };
    (@biased($b:tt) @mask($_m:ty) @done($($done:tt)*) @skip($($skip:tt)*) @free(($i:tt $v:ident $m:ty) $($free:tt)*);
        $p:pat = $fut:expr, if $c:expr => $h:block $($rest:tt)*) => {
        $crate::__select_munch!(@biased($b) @mask($m) @done($($done)* [$i $v ($($skip)*) $p, $fut, $c, $h])
            @skip($($skip)* _) @free($($free)*); $($rest)*)
    };
    (@biased($b:tt) @mask($_m:ty) @done($($done:tt)*) @skip($($skip:tt)*) @free(($i:tt $v:ident $m:ty) $($free:tt)*);
        $p:pat = $fut:expr, if $c:expr => $h:expr, $($rest:tt)*) => {
        $crate::__select_munch!(@biased($b) @mask($m) @done($($done)* [$i $v ($($skip)*) $p, $fut, $c, $h])
            @skip($($skip)* _) @free($($free)*); $($rest)*)
    };
    (@biased($b:tt) @mask($_m:ty) @done($($done:tt)*) @skip($($skip:tt)*) @free(($i:tt $v:ident $m:ty) $($free:tt)*);
        $p:pat = $fut:expr, if $c:expr => $h:expr) => {
        $crate::__select_munch!(@biased($b) @mask($m) @done($($done)* [$i $v ($($skip)*) $p, $fut, $c, $h])
            @skip($($skip)* _) @free($($free)*);)
    };
    // The same four without a precondition (`if true`), each still one step.
    (@biased($b:tt) @mask($_m:ty) @done($($done:tt)*) @skip($($skip:tt)*) @free(($i:tt $v:ident $m:ty) $($free:tt)*);
        $p:pat = $fut:expr => $h:block, $($rest:tt)*) => {
        $crate::__select_munch!(@biased($b) @mask($m) @done($($done)* [$i $v ($($skip)*) $p, $fut, true, $h])
            @skip($($skip)* _) @free($($free)*); $($rest)*)
    };
    (@biased($b:tt) @mask($_m:ty) @done($($done:tt)*) @skip($($skip:tt)*) @free(($i:tt $v:ident $m:ty) $($free:tt)*);
        $p:pat = $fut:expr => $h:block $($rest:tt)*) => {
        $crate::__select_munch!(@biased($b) @mask($m) @done($($done)* [$i $v ($($skip)*) $p, $fut, true, $h])
            @skip($($skip)* _) @free($($free)*); $($rest)*)
    };
    (@biased($b:tt) @mask($_m:ty) @done($($done:tt)*) @skip($($skip:tt)*) @free(($i:tt $v:ident $m:ty) $($free:tt)*);
        $p:pat = $fut:expr => $h:expr, $($rest:tt)*) => {
        $crate::__select_munch!(@biased($b) @mask($m) @done($($done)* [$i $v ($($skip)*) $p, $fut, true, $h])
            @skip($($skip)* _) @free($($free)*); $($rest)*)
    };
    (@biased($b:tt) @mask($_m:ty) @done($($done:tt)*) @skip($($skip:tt)*) @free(($i:tt $v:ident $m:ty) $($free:tt)*);
        $p:pat = $fut:expr => $h:expr) => {
        $crate::__select_munch!(@biased($b) @mask($m) @done($($done)* [$i $v ($($skip)*) $p, $fut, true, $h])
            @skip($($skip)* _) @free($($free)*);)
    };
}

/// `select!`'s expansion proper; see `src/macros/select.rs`.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_expand {
    (@biased($biased:tt) @mask($mask:ty) @else($($else:tt)?)
        @done($([$i:tt $v:ident ($($skip:tt)*) $p:pat, $fut:expr, $c:expr, $h:expr])*)) => {{
        // Bit `i` set: branch `i` is disabled (its precondition was false, or its output
        // did not match its pattern).
        let mut __disabled: $mask = 0;
        $(
            if !$c {
                __disabled |= (1 as $mask) << $i;
            }
        )*
        #[allow(unused_mut)]
        let mut __out: $crate::__private::Out<$($crate::__select_infer!($i)),*> = {
            // A tuple first, so that temporaries in the future expressions (`&mut
            // ready(())`) live as long as the select.
            let __init = ($($fut,)*);
            let mut __futures = ($(
                $crate::__private::IntoFuture::into_future(__init.$i),
            )*);
            // The futures are reached only through this reference, moved into the
            // closure: they are never moved again (see the SAFETY comment below).
            let __futures = &mut __futures;
            $crate::__private::poll_fn(move |__cx| {
                const __N: u32 = 0 $(+ { let _ = $i; 1 })*;
                const __ALL: $mask = 0 $(| ((1 as $mask) << $i))*;
                let __start = if $biased { 0 } else { $crate::__private::random_below(__N) };
                for __k in 0..__N {
                    let __branch = if __start + __k < __N { __start + __k } else { __start + __k - __N };
                    match __branch {
                        $(
                            $i => {
                                if __disabled & ((1 as $mask) << $i) != 0 {
                                    continue;
                                }
                                let ($($skip,)* __fut, ..) = &mut *__futures;
                                // SAFETY: the tuple of futures is a local of the enclosing
                                // async code, shadowed by the one reference to it, which
                                // only this closure holds; so no future is moved after it
                                // is first polled, until the tuple is dropped in place when
                                // the select completes or is cancelled.
                                let __fut = unsafe { $crate::__private::Pin::new_unchecked(__fut) };
                                // The `continue` arm lets an output type that nothing else
                                // constrains (a disabled `_ = pending()`) fall back to `()`.
                                let __value = match $crate::__private::Future::poll(__fut, __cx) {
                                    $crate::__private::Poll::Ready(__value) => __value,
                                    $crate::__private::Poll::Pending => continue,
                                };
                                #[allow(unused_variables, unreachable_patterns)]
                                match &__value {
                                    $crate::__private::clean_pattern!($p) => {}
                                    _ => {
                                        __disabled |= (1 as $mask) << $i;
                                        continue;
                                    }
                                }
                                return $crate::__private::Poll::Ready($crate::__private::Out::$v(__value));
                            }
                        )*
                        _ => ::core::unreachable!("`select!`: a branch index out of range"),
                    }
                }
                if __disabled & __ALL == __ALL {
                    $crate::__private::Poll::Ready($crate::__private::Out::Disabled)
                } else {
                    $crate::__private::Poll::Pending
                }
            })
            .await
        };
        match __out {
            $(
                $crate::__private::Out::$v($p) => $h,
            )*
            $crate::__private::Out::Disabled => $crate::__select_else!($($else)?),
            _ => ::core::unreachable!("`select!`: the winner's pattern was checked"),
        }
    }};
}

/// `_` for one branch's output type in the annotation of `select!`'s result.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_infer {
    ($i:tt) => {
        _
    };
}

/// The `else` arm of `select!`, or the panic when there is none.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_else {
    () => {
        ::core::panic!("all branches of `select!` are disabled and there is no `else` branch")
    };
    ($else:expr) => {
        $else
    };
}
