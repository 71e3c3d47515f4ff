//! join! and select!: same-task concurrency, fairness, `biased;`, `else`, losers dropped.

mod support;

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
