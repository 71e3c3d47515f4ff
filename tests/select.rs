//! join! and select!: same-task concurrency, fairness, `biased;`, `else`, losers dropped.

mod support;

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use support::{panic_message, runtime, with_timeout, DropCounter, DropToken, LIMIT};

/// Ready with its value after `polls` pending polls, waking itself each time.
struct ReadyAfter<T> {
    polls: usize,
    value: Option<T>,
}

fn ready_after<T: Unpin>(polls: usize, value: T) -> ReadyAfter<T> {
    ReadyAfter {
        polls,
        value: Some(value),
    }
}

impl<T: Unpin> Future for ReadyAfter<T> {
    type Output = T;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        if self.polls == 0 {
            return Poll::Ready(self.value.take().expect("polled after completion"));
        }
        self.polls -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// A future that never finishes and counts its drop.
async fn pending_with(token: DropToken) -> u32 {
    let _token = token;
    std::future::pending().await
}

fn block_on<F: Future>(f: F) -> F::Output {
    runtime(1).block_on(f)
}

#[test]
fn join_returns_every_output_in_the_order_written() {
    with_timeout(LIMIT, || {
        let out = block_on(async {
            eddy::join!(ready_after(3, "slow"), async { 1 }, ready_after(1, 2.5),)
        });
        assert_eq!(out, ("slow", 1, 2.5));
        assert_eq!(block_on(async { eddy::join!() }), ());
        assert_eq!(block_on(async { eddy::join!(async { 7 }) }), (7,));
    });
}

#[test]
fn join_polls_its_futures_concurrently_in_one_task() {
    with_timeout(LIMIT, || {
        // A rendezvous channel: the send can only finish while the receive is polled.
        let (tx, rx) = async_channel::bounded::<u32>(1);
        let local = String::from("borrowed");
        let (sent, got, len) = runtime(1).block_on(async {
            eddy::join!(
                async {
                    for i in 0..10 {
                        tx.send(i).await.unwrap();
                    }
                    "sent"
                },
                async {
                    let mut sum = 0;
                    for _ in 0..10 {
                        sum += rx.recv().await.unwrap();
                    }
                    sum
                },
                async { local.len() },
            )
        });
        assert_eq!((sent, got, len), ("sent", 45, 8));
    });
}

#[test]
fn join_takes_many_futures() {
    with_timeout(LIMIT, || {
        let out = block_on(async {
            eddy::join!(
                async { 0 },
                ready_after(1, 1),
                async { 2 },
                async { 3 },
                async { 4 },
                async { 5 },
                async { 6 },
                async { 7 },
                async { 8 },
                async { 9 },
                async { 10 },
                async { 11 },
                async { 12 },
                async { 13 },
                async { 14 },
                async { 15 },
                async { 16 },
                async { 17 },
                async { 18 },
                ready_after(5, 19),
            )
        });
        assert_eq!(out.0 + out.1 + out.19, 20);
    });
}

#[test]
fn dropping_a_join_drops_every_future() {
    with_timeout(LIMIT, || {
        let counter = DropCounter::default();
        let rt = runtime(1);
        let (a, b) = (counter.token(), counter.token());
        let task = rt.spawn(async move {
            eddy::join!(pending_with(a), pending_with(b));
        });
        task.abort();
        assert!(rt.block_on(task).unwrap_err().is_cancelled());
        assert_eq!(counter.dropped(), 2);
    });
}

#[test]
fn select_runs_the_first_ready_branch_and_drops_the_losers_before_its_handler() {
    with_timeout(LIMIT, || {
        let counter = DropCounter::default();
        let out = block_on(async {
            eddy::select! {
                v = pending_with(counter.token()) => v,
                v = ready_after(2, 10) => {
                    // The loser is gone before the handler runs.
                    assert_eq!(counter.dropped(), 1);
                    v + 1
                }
            }
        });
        assert_eq!(out, 11);
        assert_eq!(counter.dropped(), 1);
    });
}

#[test]
fn select_without_biased_lets_every_ready_branch_win_sometimes() {
    with_timeout(LIMIT, || {
        let wins = block_on(async {
            let mut wins = [0u32; 3];
            for _ in 0..3_000 {
                let i = eddy::select! {
                    _ = async {} => 0,
                    _ = async {} => 1,
                    _ = async {} => 2,
                };
                wins[i] += 1;
            }
            wins
        });
        // Each should win about 1,000 times; 500 is far outside chance.
        assert!(wins.iter().all(|&w| w > 500), "wins: {wins:?}");
    });
}

#[test]
fn biased_select_polls_in_the_order_written() {
    with_timeout(LIMIT, || {
        let out = block_on(async {
            let mut order = Vec::new();
            for _ in 0..100 {
                order.push(eddy::select! {
                    biased;
                    _ = async {} => 0,
                    _ = async {} => 1,
                });
            }
            order
        });
        assert!(out.iter().all(|&i| i == 0));
    });
}

#[test]
fn a_false_precondition_disables_its_branch() {
    with_timeout(LIMIT, || {
        let counter = DropCounter::default();
        let out = block_on(async {
            let enabled = false;
            eddy::select! {
                biased;
                _ = async { counter.token() }, if enabled => "disabled one",
                v = ready_after(3, "enabled one") => v,
            }
        });
        assert_eq!(out, "enabled one");
        assert_eq!(
            counter.dropped(),
            0,
            "a disabled branch's future is never polled"
        );
    });
}

#[test]
fn a_pattern_mismatch_disables_the_branch_and_the_select_waits_on() {
    with_timeout(LIMIT, || {
        let out = block_on(async {
            eddy::select! {
                biased;
                Some(v) = async { None::<u32> } => v,
                Ok(v) = async { Err::<u32, ()>(()) } => v,
                v = ready_after(5, 3) => v * 10,
            }
        });
        assert_eq!(out, 30);
    });
}

#[test]
fn else_runs_when_every_branch_is_disabled() {
    with_timeout(LIMIT, || {
        let out = block_on(async {
            let never = false;
            eddy::select! {
                Some(v) = async { None::<u32> } => v,
                v = async { 1 }, if never => v,
                else => 99,
            }
        });
        assert_eq!(out, 99);
    });
}

#[test]
fn without_else_a_select_with_every_branch_disabled_panics() {
    with_timeout(LIMIT, || {
        let panic = std::panic::catch_unwind(|| {
            block_on(async {
                eddy::select! {
                    Some(v) = async { None::<u32> } => v,
                }
            })
        })
        .unwrap_err();
        assert!(panic_message(&*panic).contains("no `else` branch"));
    });
}

#[test]
fn handlers_can_break_continue_and_return_from_the_caller() {
    with_timeout(LIMIT, || {
        async fn first_even(values: &[u32]) -> Result<u32, String> {
            for &v in values {
                eddy::select! {
                    n = async { v } => {
                        if n == 0 {
                            return Err("zero".to_string());
                        }
                        if n % 2 == 1 {
                            continue;
                        }
                        break;
                    }
                }
            }
            let parsed: u32 = eddy::select! {
                s = async { "12" } => s.parse::<u32>().map_err(|e| e.to_string())?,
            };
            Ok(parsed)
        }
        assert_eq!(block_on(first_even(&[1, 3, 4])), Ok(12));
        assert_eq!(block_on(first_even(&[1, 0])), Err("zero".to_string()));
    });
}

#[test]
fn patterns_may_bind_mutably_and_use_or_patterns() {
    with_timeout(LIMIT, || {
        let out = block_on(async {
            let a = eddy::select! {
                (mut s, 1 | 2) = async { (String::from("x"), 2) } => { s.push('y'); s }
            };
            let b = eddy::select! {
                Some(ref v) = async { Some(vec![1, 2]) } => v.len(),
            };
            (a, b)
        });
        assert_eq!(out, ("xy".to_string(), 2));
    });
}

#[test]
fn select_in_a_loop_reuses_a_future_by_reference() {
    with_timeout(LIMIT, || {
        let rounds = block_on(async {
            let mut slow = std::pin::pin!(ready_after(50, ()));
            let mut rounds = 0;
            loop {
                eddy::select! {
                    biased;
                    _ = &mut slow => break,
                    _ = eddy::task::yield_now() => rounds += 1,
                }
            }
            rounds
        });
        assert!(rounds > 0);
    });
}

#[test]
fn select_takes_many_branches() {
    with_timeout(LIMIT, || {
        let out = block_on(async {
            eddy::select! {
                biased;
                v = ready_after(9, 0) => v, v = ready_after(9, 1) => v, v = ready_after(9, 2) => v,
                v = ready_after(9, 3) => v, v = ready_after(9, 4) => v, v = ready_after(9, 5) => v,
                v = ready_after(9, 6) => v, v = ready_after(9, 7) => v, v = ready_after(9, 8) => v,
                v = ready_after(9, 9) => v, v = ready_after(9, 10) => v, v = ready_after(9, 11) => v,
                v = ready_after(9, 12) => v, v = ready_after(9, 13) => v, v = ready_after(9, 14) => v,
                v = ready_after(9, 15) => v, v = ready_after(9, 16) => v, v = ready_after(3, 17) => v,
            }
        });
        assert_eq!(out, 17);
    });
}

#[test]
fn aborting_a_task_inside_select_drops_every_branch() {
    with_timeout(LIMIT, || {
        let counter = DropCounter::default();
        let rt = runtime(1);
        let (a, b) = (counter.token(), counter.token());
        let task = rt.spawn(async move {
            eddy::select! {
                _ = pending_with(a) => {}
                _ = pending_with(b) => {}
            }
        });
        task.abort();
        assert!(rt.block_on(task).unwrap_err().is_cancelled());
        assert_eq!(counter.dropped(), 2);
    });
}

/// Pending for `polls` polls (waking itself each time), then ready with `name`; every poll
/// writes `name` to `log`.
fn logged(name: u32, mut polls: usize, log: &RefCell<Vec<u32>>) -> impl Future<Output = u32> + '_ {
    std::future::poll_fn(move |cx| {
        log.borrow_mut().push(name);
        if polls == 0 {
            return Poll::Ready(name);
        }
        polls -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    })
}

#[test]
fn biased_join_polls_its_futures_in_the_order_written_on_every_wake() {
    with_timeout(LIMIT, || {
        let log = RefCell::new(Vec::new());
        let out = block_on(async {
            eddy::join!(biased; logged(0, 2, &log), logged(1, 2, &log), logged(2, 2, &log))
        });
        assert_eq!(out, (0, 1, 2));
        assert_eq!(log.take(), [0, 1, 2, 0, 1, 2, 0, 1, 2]);

        // Without `biased;` the first future polled moves along on each wake.
        let out = block_on(async {
            eddy::join!(logged(0, 2, &log), logged(1, 2, &log), logged(2, 2, &log))
        });
        assert_eq!(out, (0, 1, 2));
        assert_eq!(log.take(), [0, 1, 2, 1, 2, 0, 2, 0, 1]);

        assert_eq!(block_on(async { eddy::join!(biased;) }), ());
    });
}

#[test]
fn join_and_select_take_mutable_references_to_temporaries() {
    with_timeout(LIMIT, || {
        let out = block_on(async {
            let joined = eddy::join!(&mut std::future::ready(1), &mut std::future::ready(2));
            let selected = eddy::select! {
                v = &mut std::future::ready(3) => v,
                v = &mut std::future::ready(4) => v,
            };
            (joined, selected)
        });
        assert_eq!(out.0, (1, 2));
        assert!(out.1 == 3 || out.1 == 4);
    });
}

#[test]
fn select_binds_ref_mut_patterns_to_the_winners_output() {
    with_timeout(LIMIT, || {
        let out = block_on(async {
            eddy::select! {
                Some(ref mut v) = async { Some(vec![1]) } => {
                    v.push(2);
                    v.clone()
                }
            }
        });
        assert_eq!(out, [1, 2]);
    });
}

#[test]
fn a_branch_disabled_by_if_false_needs_no_type_annotation() {
    with_timeout(LIMIT, || {
        let out = block_on(async {
            // Nothing says what `pending()` would return: the branch never runs.
            let a = eddy::select! {
                _ = std::future::pending(), if false => "never",
                else => "else",
            };
            let b = eddy::select! {
                _ = async {}, if false => 1,
                _ = std::future::pending(), if false => 2,
                else => 3,
            };
            (a, b)
        });
        assert_eq!(out, ("else", 3));
    });
}

#[test]
fn select_takes_64_branches_without_raising_the_recursion_limit() {
    with_timeout(LIMIT, || {
        let out = block_on(async {
            eddy::select! {
                v = ready_after(9, 0) => v, v = ready_after(9, 1) => v, v = ready_after(9, 2) => v,
                v = ready_after(9, 3) => v, v = ready_after(9, 4) => v, v = ready_after(9, 5) => v,
                v = ready_after(9, 6) => v, v = ready_after(9, 7) => v, v = ready_after(9, 8) => v,
                v = ready_after(9, 9) => v, v = ready_after(9, 10) => v, v = ready_after(9, 11) => v,
                v = ready_after(9, 12) => v, v = ready_after(9, 13) => v, v = ready_after(9, 14) => v,
                v = ready_after(9, 15) => v, v = ready_after(9, 16) => v, v = ready_after(9, 17) => v,
                v = ready_after(9, 18) => v, v = ready_after(9, 19) => v, v = ready_after(9, 20) => v,
                v = ready_after(9, 21) => v, v = ready_after(9, 22) => v, v = ready_after(9, 23) => v,
                v = ready_after(9, 24) => v, v = ready_after(9, 25) => v, v = ready_after(9, 26) => v,
                v = ready_after(9, 27) => v, v = ready_after(9, 28) => v, v = ready_after(9, 29) => v,
                v = ready_after(9, 30) => v, v = ready_after(9, 31) => v, v = ready_after(9, 32) => v,
                v = ready_after(9, 33) => v, v = ready_after(9, 34) => v, v = ready_after(9, 35) => v,
                v = ready_after(9, 36) => v, v = ready_after(9, 37) => v, v = ready_after(9, 38) => v,
                v = ready_after(9, 39) => v, v = ready_after(9, 40) => v, v = ready_after(9, 41) => v,
                v = ready_after(9, 42) => v, v = ready_after(9, 43) => v, v = ready_after(9, 44) => v,
                v = ready_after(9, 45) => v, v = ready_after(9, 46) => v, v = ready_after(9, 47) => v,
                v = ready_after(9, 48) => v, v = ready_after(9, 49) => v, v = ready_after(9, 50) => v,
                v = ready_after(9, 51) => v, v = ready_after(9, 52) => v, v = ready_after(9, 53) => v,
                v = ready_after(9, 54) => v, v = ready_after(9, 55) => v, v = ready_after(9, 56) => v,
                v = ready_after(9, 57) => v, v = ready_after(9, 58) => v, v = ready_after(9, 59) => v,
                v = ready_after(9, 60) => v, v = ready_after(9, 61) => v, v = ready_after(9, 62) => v,
                Some(v) = async { Some(63) }, if true => v,
            }
        });
        assert_eq!(out, 63);
    });
}

/// The size of an async block holding one `eddy::select!` and of the same with
/// `tokio::select!`: eddy's must be no larger.
macro_rules! assert_select_no_larger_than_tokios {
    ($($branches:tt)*) => {{
        let eddy = std::mem::size_of_val(&async { eddy::select! { $($branches)* } });
        let tokio = std::mem::size_of_val(&async { tokio::select! { $($branches)* } });
        assert!(eddy <= tokio, "eddy {eddy} > tokio {tokio}: {}", stringify!($($branches)*));
        eddy
    }};
}

/// As above, for `join!`.
macro_rules! assert_join_no_larger_than_tokios {
    ($($futures:tt)*) => {{
        let eddy = std::mem::size_of_val(&async { eddy::join!($($futures)*) });
        let tokio = std::mem::size_of_val(&async { tokio::join!($($futures)*) });
        assert!(eddy <= tokio, "eddy {eddy} > tokio {tokio}: {}", stringify!($($futures)*));
        eddy
    }};
}

#[test]
fn a_select_future_is_no_larger_than_tokios_and_a_branch_costs_only_its_future() {
    use std::future::ready;
    let one = assert_select_no_larger_than_tokios!(_ = ready(()) => {});
    assert_select_no_larger_than_tokios!(_ = ready(()) => {}, _ = ready(()) => {});
    assert_select_no_larger_than_tokios!(biased; _ = ready(()) => {}, _ = ready(()) => {});
    assert_select_no_larger_than_tokios!(_ = ready(()) => {}, _ = ready(()) => {}, _ = ready(()) => {});
    assert_select_no_larger_than_tokios!(a = ready(1u64) => a, b = ready(2u64) => b);
    // Eight one-byte futures add at most a word to one of them.
    let eight = assert_select_no_larger_than_tokios!(
        _ = ready(()) => {}, _ = ready(()) => {}, _ = ready(()) => {}, _ = ready(()) => {},
        _ = ready(()) => {}, _ = ready(()) => {}, _ = ready(()) => {}, _ = ready(()) => {},
    );
    assert!(
        eight <= one + std::mem::size_of::<usize>(),
        "{eight} vs {one}"
    );
}

#[test]
fn a_join_future_is_no_larger_than_tokios_and_a_future_costs_only_itself() {
    use std::future::ready;
    let one = assert_join_no_larger_than_tokios!(ready(()));
    assert_join_no_larger_than_tokios!(ready(()), ready(()));
    assert_join_no_larger_than_tokios!(biased; ready(()), ready(()));
    assert_join_no_larger_than_tokios!(ready(()), ready(()), ready(()));
    assert_join_no_larger_than_tokios!(ready(1u64), ready(2u64));
    let eight = assert_join_no_larger_than_tokios!(
        ready(()),
        ready(()),
        ready(()),
        ready(()),
        ready(()),
        ready(()),
        ready(()),
        ready(()),
    );
    assert!(
        eight <= one + std::mem::size_of::<usize>(),
        "{eight} vs {one}"
    );
}
