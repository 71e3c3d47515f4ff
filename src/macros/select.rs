//! [`select!`](crate::select!): wait for the first of several futures, in the calling task.
//!
//! The expansion, for branches `p_i = f_i, if c_i => h_i`:
//!
//! 1. evaluate every precondition `c_i`; a false one disables its branch;
//! 2. evaluate every `f_i` (`IntoFuture`) and pin it on the stack, in a tuple;
//! 3. poll, starting from a pseudo-random branch (or the first with `biased;`), every
//!    enabled branch once per wake; the first to be ready whose output matches `p_i`
//!    (checked by reference, through `clean_pattern!`, which strips `mut`/`ref` so
//!    that the check moves nothing) wins. A ready output that does not match disables its
//!    branch; when every branch is disabled the `else` arm runs (or it panics);
//! 4. leave the block holding the futures, **dropping the losers**, and only then match
//!    the winner's output against `p_i` by value and run `h_i`, outside any closure or
//!    loop of ours, so `return`, `break`, `continue` and `?` in a handler act on the
//!    caller's function.
//!
//! `macro_rules!` cannot count, so the muncher numbers the branches by popping from a
//! list of `(index variant)` pairs (64 of them: at most 64 branches), and reaches branch
//! `i`'s future in the tuple with a pattern of `i` wildcards: `(_, _, fut, ..)`.

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
///
/// Up to 64 branches.
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
    (biased; $($branches:tt)+) => {
        $crate::__select_munch!(@biased(true) @done() @skip() @free((0 _0) (1 _1) (2 _2) (3 _3) (4 _4) (5 _5) (6 _6) (7 _7) (8 _8) (9 _9) (10 _10) (11 _11) (12 _12) (13 _13) (14 _14) (15 _15) (16 _16) (17 _17) (18 _18) (19 _19) (20 _20) (21 _21) (22 _22) (23 _23) (24 _24) (25 _25) (26 _26) (27 _27) (28 _28) (29 _29) (30 _30) (31 _31) (32 _32) (33 _33) (34 _34) (35 _35) (36 _36) (37 _37) (38 _38) (39 _39) (40 _40) (41 _41) (42 _42) (43 _43) (44 _44) (45 _45) (46 _46) (47 _47) (48 _48) (49 _49) (50 _50) (51 _51) (52 _52) (53 _53) (54 _54) (55 _55) (56 _56) (57 _57) (58 _58) (59 _59) (60 _60) (61 _61) (62 _62) (63 _63)); $($branches)+)
    };
    ($($branches:tt)+) => {
        $crate::__select_munch!(@biased(false) @done() @skip() @free((0 _0) (1 _1) (2 _2) (3 _3) (4 _4) (5 _5) (6 _6) (7 _7) (8 _8) (9 _9) (10 _10) (11 _11) (12 _12) (13 _13) (14 _14) (15 _15) (16 _16) (17 _17) (18 _18) (19 _19) (20 _20) (21 _21) (22 _22) (23 _23) (24 _24) (25 _25) (26 _26) (27 _27) (28 _28) (29 _29) (30 _30) (31 _31) (32 _32) (33 _33) (34 _34) (35 _35) (36 _36) (37 _37) (38 _38) (39 _39) (40 _40) (41 _41) (42 _42) (43 _43) (44 _44) (45 _45) (46 _46) (47 _47) (48 _48) (49 _49) (50 _50) (51 _51) (52 _52) (53 _53) (54 _54) (55 _55) (56 _56) (57 _57) (58 _58) (59 _59) (60 _60) (61 _61) (62 _62) (63 _63)); $($branches)+)
    };
    () => {
        ::core::compile_error!("`select!` needs at least one branch: `pattern = future => handler,`")
    };
}

/// `select!`'s branch muncher and expansion; see `src/macros/select.rs`.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_munch {
    // The end, with or without `else`: expand.
    (@biased($b:tt) @done($($done:tt)*) @skip($($s:tt)*) @free($($f:tt)*);) => {
        $crate::__select_expand!(@biased($b) @else() @done($($done)*))
    };
    (@biased($b:tt) @done($($done:tt)*) @skip($($s:tt)*) @free($($f:tt)*); else => $else:expr $(,)?) => {
        $crate::__select_expand!(@biased($b) @else($else) @done($($done)*))
    };
    // Out of indices.
    (@biased($b:tt) @done($($done:tt)*) @skip($($s:tt)*) @free(); $($rest:tt)+) => {
        ::core::compile_error!("`select!` takes at most 64 branches")
    };
    // A branch with a precondition; its handler a block (comma optional) or an expression.
    (@biased($b:tt) @done($($done:tt)*) @skip($($skip:tt)*) @free(($i:tt $v:ident) $($free:tt)*);
        $p:pat = $fut:expr, if $c:expr => $h:block, $($rest:tt)*) => {
        $crate::__select_munch!(@biased($b) @done($($done)* [$i $v ($($skip)*) $p, $fut, $c, $h])
            @skip($($skip)* _) @free($($free)*); $($rest)*)
    };
    (@biased($b:tt) @done($($done:tt)*) @skip($($skip:tt)*) @free(($i:tt $v:ident) $($free:tt)*);
        $p:pat = $fut:expr, if $c:expr => $h:block $($rest:tt)*) => {
        $crate::__select_munch!(@biased($b) @done($($done)* [$i $v ($($skip)*) $p, $fut, $c, $h])
            @skip($($skip)* _) @free($($free)*); $($rest)*)
    };
    (@biased($b:tt) @done($($done:tt)*) @skip($($skip:tt)*) @free(($i:tt $v:ident) $($free:tt)*);
        $p:pat = $fut:expr, if $c:expr => $h:expr, $($rest:tt)*) => {
        $crate::__select_munch!(@biased($b) @done($($done)* [$i $v ($($skip)*) $p, $fut, $c, $h])
            @skip($($skip)* _) @free($($free)*); $($rest)*)
    };
    (@biased($b:tt) @done($($done:tt)*) @skip($($skip:tt)*) @free(($i:tt $v:ident) $($free:tt)*);
        $p:pat = $fut:expr, if $c:expr => $h:expr) => {
        $crate::__select_munch!(@biased($b) @done($($done)* [$i $v ($($skip)*) $p, $fut, $c, $h])
            @skip($($skip)* _) @free($($free)*);)
    };
    // A branch without a precondition: `if true`.
    (@biased($b:tt) @done($($done:tt)*) @skip($($skip:tt)*) @free($($free:tt)*);
        $p:pat = $fut:expr => $($rest:tt)+) => {
        $crate::__select_munch!(@biased($b) @done($($done)*) @skip($($skip)*) @free($($free)*);
            $p = $fut, if true => $($rest)+)
    };
}

/// `select!`'s expansion proper; see `src/macros/select.rs`.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_expand {
    (@biased($biased:tt) @else($($else:tt)?) @done($([$i:tt $v:ident ($($skip:tt)*) $p:pat, $fut:expr, $c:expr, $h:expr])*)) => {{
        let mut __disabled: u64 = 0;
        $(
            if !$c {
                __disabled |= 1u64 << $i;
            }
        )*
        let __out: $crate::__private::Out<$($crate::__select_infer!($i)),*> = {
            let mut __futures = ($(
                $crate::__private::pin!($crate::__private::IntoFuture::into_future($fut)),
            )*);
            $crate::__private::poll_fn(|__cx| {
                const __ALL: u64 = 0 $(| (1u64 << $i))*;
                let __n: u32 = 0 $(+ { let _ = $i; 1 })*;
                let mut __next = if $biased { 0 } else { $crate::__private::random_below(__n) };
                for _ in 0..__n {
                    let __branch = __next;
                    __next = if __next + 1 == __n { 0 } else { __next + 1 };
                    $(
                        if __branch == $i {
                            if __disabled & (1u64 << $i) != 0 {
                                continue;
                            }
                            let ($($skip,)* __fut, ..) = &mut __futures;
                            if let $crate::__private::Poll::Ready(__value) =
                                $crate::__private::Future::poll(__fut.as_mut(), __cx)
                            {
                                #[allow(unused_variables, unreachable_patterns)]
                                match &__value {
                                    $crate::__private::clean_pattern!($p) => {}
                                    _ => {
                                        __disabled |= 1u64 << $i;
                                        continue;
                                    }
                                }
                                return $crate::__private::Poll::Ready($crate::__private::Out::$v(__value));
                            }
                            continue;
                        }
                    )*
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
