//! The scheduler under pressure: wake storms, stealing, fairness, wakers outliving it.

mod support;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Context, Poll, Waker};

use support::{runtime, with_timeout, LIMIT};

/// A task waiting for a counter that another thread bumps, with the waker in a mutex:
/// the classic register-then-recheck pattern. A lost wakeup leaves it pending forever.
struct WaitFor {
    shared: Arc<Produced>,
    target: usize,
}

struct Produced {
    count: AtomicUsize,
    seen: AtomicUsize,
    waker: Mutex<Option<Waker>>,
}

impl Future for WaitFor {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let check = |s: &Produced| {
            let now = s.count.load(Ordering::SeqCst);
            s.seen.store(now, Ordering::SeqCst);
            now >= self.target
        };
        if check(&self.shared) {
            return Poll::Ready(());
        }
        *self.shared.waker.lock().unwrap() = Some(cx.waker().clone());
        if check(&self.shared) {
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

#[test]
fn twenty_thousand_wakes_from_a_foreign_thread_lose_none() {
    with_timeout(LIMIT, || {
        const WAKES: usize = 20_000;
        let rt = runtime(2);
        let shared = Arc::new(Produced {
            count: AtomicUsize::new(0),
            seen: AtomicUsize::new(0),
            waker: Mutex::new(None),
        });
        // One waiter per step: each must be woken by exactly the wake that follows its
        // registration, in a tight loop with the foreign thread.
        let task = rt.spawn({
            let shared = shared.clone();
            async move {
                for target in 1..=WAKES {
                    WaitFor {
                        shared: shared.clone(),
                        target,
                    }
                    .await;
                }
            }
        });
        let producer = std::thread::spawn(move || {
            for i in 1..=WAKES {
                shared.count.store(i, Ordering::SeqCst);
                if let Some(w) = shared.waker.lock().unwrap().take() {
                    w.wake();
                }
                // Let the task catch up before the next step, so every step races one
                // wake against one poll.
                while shared.seen.load(Ordering::SeqCst) < i {
                    std::hint::spin_loop();
                }
            }
        });
        rt.block_on(task).unwrap();
        producer.join().unwrap();
    });
}

#[test]
fn a_task_that_never_yields_does_not_stop_the_other_worker() {
    with_timeout(LIMIT, || {
        const CHILDREN: usize = 1_000;
        let rt = runtime(2);
        let done = Arc::new(AtomicUsize::new(0));
        let d = done.clone();
        // The hog spawns its children onto its own worker, then spins without yielding
        // until the queued ones ran: only stealing by the other worker can run them. The
        // first child sits in the hog worker's LIFO slot (a spawn takes the slot when it
        // is free), which is not stealable: it runs when the hog's poll ends.
        let hog = rt.spawn(async move {
            for _ in 0..CHILDREN {
                let d = d.clone();
                drop(eddy::spawn(async move {
                    d.fetch_add(1, Ordering::SeqCst);
                }));
            }
            while d.load(Ordering::SeqCst) < CHILDREN - 1 {
                std::hint::spin_loop();
            }
        });
        rt.block_on(hog).unwrap();
        // And the one in the LIFO slot runs as soon as the hog is done.
        while done.load(Ordering::SeqCst) < CHILDREN {
            std::thread::yield_now();
        }
    });
}

#[test]
fn tasks_spawned_together_start_in_spawn_order() {
    with_timeout(LIMIT, || {
        let rt = runtime(1);
        let order = Arc::new(Mutex::new(Vec::new()));
        let o = order.clone();
        rt.block_on(rt.spawn(async move {
            let children: Vec<_> = (0..5)
                .map(|i| {
                    let o = o.clone();
                    eddy::spawn(async move { o.lock().unwrap().push(i) })
                })
                .collect();
            for child in children {
                child.await.unwrap();
            }
        }))
        .unwrap();
        assert_eq!(
            *order.lock().unwrap(),
            [0, 1, 2, 3, 4],
            "asyncio's create_task order"
        );
    });
}

#[test]
fn ping_pong_pairs_cannot_starve_the_queue() {
    with_timeout(LIMIT, || {
        // One worker: a ping-pong pair keeps waking each other through the LIFO slot. A
        // third task queued behind them must still run while they play.
        let rt = runtime(1);
        let stop = Arc::new(AtomicBool::new(false));
        let rounds = Arc::new(AtomicUsize::new(0));
        let (a_tx, a_rx) = async_channel::bounded::<()>(1);
        let (b_tx, b_rx) = async_channel::bounded::<()>(1);
        let ping = {
            let stop = stop.clone();
            let rounds = rounds.clone();
            rt.spawn(async move {
                while !stop.load(Ordering::SeqCst) {
                    a_tx.send(()).await.unwrap();
                    b_rx.recv().await.unwrap();
                    rounds.fetch_add(1, Ordering::SeqCst);
                }
                drop(a_tx);
            })
        };
        let pong = rt.spawn(async move {
            while a_rx.recv().await.is_ok() {
                if b_tx.send(()).await.is_err() {
                    break;
                }
            }
        });
        let stop2 = stop.clone();
        let bystander = rt.spawn(async move {
            stop2.store(true, Ordering::SeqCst);
        });
        rt.block_on(async {
            bystander.await.unwrap();
            ping.await.unwrap();
            pong.await.unwrap();
        });
    });
}

#[test]
fn yield_now_lets_every_other_task_run_first() {
    with_timeout(LIMIT, || {
        let rt = runtime(1);
        let order = Arc::new(Mutex::new(Vec::new()));
        let (gate_tx, gate_rx) = mpsc::channel::<()>();
        let o = order.clone();
        // A blocker holds the single worker until all tasks are queued.
        rt.spawn(async move {
            gate_rx.recv().unwrap();
        });
        let tasks: Vec<_> = (0..3)
            .map(|i| {
                let o = o.clone();
                rt.spawn(async move {
                    o.lock().unwrap().push(format!("{i} start"));
                    eddy::task::yield_now().await;
                    o.lock().unwrap().push(format!("{i} end"));
                })
            })
            .collect();
        gate_tx.send(()).unwrap();
        rt.block_on(async {
            for t in tasks {
                t.await.unwrap();
            }
        });
        let order = order.lock().unwrap().clone();
        assert_eq!(
            order,
            ["0 start", "1 start", "2 start", "0 end", "1 end", "2 end"],
            "spawned tasks run in FIFO order, and a yield goes behind the others"
        );
    });
}

#[test]
#[allow(clippy::waker_clone_wake)] // clone-then-wake exercises the by-value path on purpose
fn wakers_outliving_the_runtime_are_harmless() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        let (tx, rx) = mpsc::channel();
        struct Stash(mpsc::Sender<Waker>, bool);
        impl Future for Stash {
            type Output = ();
            fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
                if !self.1 {
                    self.1 = true;
                    self.0.send(cx.waker().clone()).unwrap();
                }
                Poll::Pending
            }
        }
        let tasks: Vec<_> = (0..100)
            .map(|_| rt.spawn(Stash(tx.clone(), false)))
            .collect();
        let wakers: Vec<Waker> = (0..100).map(|_| rx.recv().unwrap()).collect();
        drop(rt);
        assert!(tasks.iter().all(|t| t.is_finished()));
        // Wake, clone and drop from several threads after the runtime is gone.
        let wakers = Arc::new(wakers);
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let w = wakers.clone();
                std::thread::spawn(move || {
                    for waker in w.iter() {
                        waker.wake_by_ref();
                        waker.clone().wake();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        drop(tasks);
    });
}

#[test]
fn wake_storm_from_many_threads_runs_every_task_to_completion() {
    with_timeout(LIMIT, || {
        const TASKS: usize = 200;
        const THREADS: usize = 4;
        let rt = runtime(2);
        let counters: Arc<Vec<Produced>> = Arc::new(
            (0..TASKS)
                .map(|_| Produced {
                    count: AtomicUsize::new(0),
                    seen: AtomicUsize::new(0),
                    waker: Mutex::new(None),
                })
                .collect(),
        );
        let tasks: Vec<_> = (0..TASKS)
            .map(|i| {
                let c = counters.clone();
                rt.spawn(async move {
                    struct Index(Arc<Vec<Produced>>, usize, usize);
                    impl Future for Index {
                        type Output = ();
                        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
                            let p = &self.0[self.1];
                            *p.waker.lock().unwrap() = Some(cx.waker().clone());
                            if p.count.load(Ordering::SeqCst) >= self.2 {
                                Poll::Ready(())
                            } else {
                                Poll::Pending
                            }
                        }
                    }
                    Index(c, i, THREADS * 50).await
                })
            })
            .collect();
        let storm: Vec<_> = (0..THREADS)
            .map(|_| {
                let c = counters.clone();
                std::thread::spawn(move || {
                    for _ in 0..50 {
                        for p in c.iter() {
                            p.count.fetch_add(1, Ordering::SeqCst);
                            if let Some(w) = p.waker.lock().unwrap().clone() {
                                w.wake();
                            }
                        }
                    }
                })
            })
            .collect();
        for t in storm {
            t.join().unwrap();
        }
        rt.block_on(async {
            for t in tasks {
                t.await.unwrap();
            }
        });
    });
}

#[test]
fn chained_spawns_from_inside_tasks_all_complete() {
    with_timeout(LIMIT, || {
        fn chain(left: usize, done: mpsc::Sender<()>) {
            if left == 0 {
                done.send(()).unwrap();
                return;
            }
            drop(eddy::spawn(async move { chain(left - 1, done) }));
        }
        let rt = runtime(2);
        let (tx, rx) = mpsc::channel();
        rt.spawn(async move { chain(10_000, tx) });
        rx.recv().unwrap();
    });
}

#[test]
fn a_yield_lets_remote_spawns_run_before_the_yielder_again() {
    with_timeout(LIMIT, || {
        // One worker, two tasks yielding in a loop: asyncio's sleep(0) puts a task behind
        // everything ready, so a task spawned from outside runs within a round or two,
        // not after dozens of yields.
        let rt = runtime(1);
        let yields = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let busy: Vec<_> = (0..2)
            .map(|_| {
                let (yields, stop) = (yields.clone(), stop.clone());
                rt.spawn(async move {
                    while !stop.load(Ordering::SeqCst) {
                        yields.fetch_add(1, Ordering::SeqCst);
                        eddy::task::yield_now().await;
                    }
                })
            })
            .collect();
        while yields.load(Ordering::SeqCst) < 100 {
            std::thread::yield_now();
        }
        let mut worst = 0;
        for _ in 0..50 {
            let y = yields.clone();
            let task = rt.spawn(async move { y.load(Ordering::SeqCst) });
            // Read after the push: a preemption of this thread can only shrink the count.
            let queued_at = yields.load(Ordering::SeqCst);
            let seen = rt.block_on(task).unwrap();
            worst = worst.max(seen.saturating_sub(queued_at));
        }
        stop.store(true, Ordering::SeqCst);
        rt.block_on(async {
            for b in busy {
                b.await.unwrap();
            }
        });
        assert!(worst <= 8, "a remote task waited behind {worst} yields");
    });
}

/// 100 pairs of tasks ping-pong over unbounded channels for as long as `stop` is unset,
/// so the worker's queue never empties. Returns the pairs' join handles.
fn spawn_ping_pong_pairs(
    rt: &eddy::Runtime,
    pairs: usize,
    stop: &Arc<AtomicBool>,
) -> Vec<eddy::task::JoinHandle<()>> {
    let mut handles = Vec::new();
    for _ in 0..pairs {
        let (ping_tx, mut ping_rx) = eddy::sync::mpsc::unbounded_channel::<()>();
        let (pong_tx, mut pong_rx) = eddy::sync::mpsc::unbounded_channel::<()>();
        let stop = stop.clone();
        handles.push(rt.spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                ping_tx.send(()).unwrap();
                pong_rx.recv().await.unwrap();
            }
        }));
        handles.push(rt.spawn(async move {
            while ping_rx.recv().await.is_some() {
                let _ = pong_tx.send(());
            }
        }));
    }
    handles
}

/// The yielding task of the two tests below: five `yield_now`s, then the pairs stop.
/// Returns the most polls of other tasks that any one yield waited behind.
fn yield_five_times_then_stop(rt: &eddy::Runtime, stop: Arc<AtomicBool>) -> u64 {
    let yielder = rt.spawn(async move {
        let handle = eddy::Handle::current();
        let mut worst = 0;
        for _ in 0..5 {
            let before = handle.metrics().total_polls();
            eddy::task::yield_now().await;
            worst = worst.max(handle.metrics().total_polls() - before);
        }
        stop.store(true, Ordering::Relaxed);
        worst
    });
    rt.block_on(yielder).unwrap()
}

#[test]
fn a_yield_runs_again_while_ping_pong_pairs_keep_the_queue_full() {
    for workers in [1, 4] {
        with_timeout(LIMIT, move || {
            let rt = runtime(workers);
            let stop = Arc::new(AtomicBool::new(false));
            let pairs = spawn_ping_pong_pairs(&rt, 100, &stop);
            yield_five_times_then_stop(&rt, stop);
            rt.block_on(async {
                for pair in pairs {
                    pair.await.unwrap();
                }
            });
        });
    }
}

#[test]
fn a_yield_waits_a_bounded_number_of_polls_on_a_saturated_worker() {
    with_timeout(LIMIT, || {
        // One worker, so the count is the schedule's, not a race's. The bound: the next
        // maintenance tick (every 61 ticks) moves the yielded task behind the tasks queued
        // then (at most the 200 of the pairs), and a tick polls at most 1 + 3 LIFO tasks.
        let rt = runtime(1);
        let stop = Arc::new(AtomicBool::new(false));
        let pairs = spawn_ping_pong_pairs(&rt, 100, &stop);
        let worst = yield_five_times_then_stop(&rt, stop);
        rt.block_on(async {
            for pair in pairs {
                pair.await.unwrap();
            }
        });
        let bound = 4 * (61 + 200 + 1);
        assert!(
            worst <= bound,
            "a yield waited behind {worst} polls; the bound is {bound}"
        );
    });
}

#[test]
fn a_due_timer_runs_while_the_only_other_task_keeps_yielding() {
    with_timeout(LIMIT, || {
        // One worker; a task that burns 200 µs per poll and then yields, and a 1 ms sleep.
        // When the worker's queue holds only yielded tasks it does what a park would
        // (fire due timers, poll I/O) before running them again, so the sleeper runs
        // within a few of the burner's polls after its deadline (wheel rounding included:
        // about 10). Without that the timer waited for the maintenance tick, 61 polls in.
        // Polls are counted, not time: a loaded machine makes a burn take longer in wall
        // time, which only lowers the count.
        let rt = runtime(1);
        let polls = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let burner = {
            let (polls, stop) = (polls.clone(), stop.clone());
            rt.spawn(async move {
                while !stop.load(Ordering::SeqCst) {
                    let start = std::time::Instant::now();
                    while start.elapsed() < std::time::Duration::from_micros(200) {
                        std::hint::spin_loop();
                    }
                    polls.fetch_add(1, Ordering::SeqCst);
                    eddy::task::yield_now().await;
                }
            })
        };
        let sleeper = {
            let (polls, stop) = (polls.clone(), stop.clone());
            rt.spawn(async move {
                eddy::time::sleep(std::time::Duration::from_millis(1)).await;
                stop.store(true, Ordering::SeqCst);
                polls.load(Ordering::SeqCst)
            })
        };
        let burned = rt.block_on(sleeper).unwrap();
        rt.block_on(burner).unwrap();
        assert!(
            burned <= 30,
            "the 1 ms timer ran after {burned} polls of 200 µs of a yielding task"
        );
    });
}

/// Two tasks waking each other in turn stay on one worker, and the other worker sleeps
/// through it. A capped run of the LIFO slot puts the slot's task at the back of the
/// queue; into an empty queue, the same worker runs it next, so no other worker is woken
/// for it. (One was, and parked again, at every capped run: a futex call and two context
/// switches every fourth poll, and the pair bouncing between workers.)
#[test]
fn a_ping_pong_pair_wakes_no_other_worker() {
    const ROUNDS: u32 = 10_000;
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        let parks = |rt: &eddy::Runtime| -> u64 {
            rt.handle().metrics().workers.iter().map(|w| w.parks).sum()
        };
        // Both workers are asleep once this returns and nothing else runs.
        rt.block_on(rt.spawn(async {})).unwrap();
        let before = parks(&rt);
        let pair = rt.spawn(async {
            let (ping_tx, mut ping_rx) = eddy::sync::mpsc::channel::<u32>(1);
            let (pong_tx, mut pong_rx) = eddy::sync::mpsc::channel::<u32>(1);
            let ponger = eddy::spawn(async move {
                while let Some(n) = ping_rx.recv().await {
                    pong_tx.send(n + 1).await.unwrap();
                }
            });
            let mut n = 0;
            for _ in 0..ROUNDS {
                ping_tx.send(n).await.unwrap();
                n = pong_rx.recv().await.unwrap();
            }
            drop(ping_tx);
            ponger.await.unwrap();
            n
        });
        assert_eq!(rt.block_on(pair).unwrap(), ROUNDS);
        let parked = parks(&rt) - before;
        // A few parks are the start (the ponger may be stolen once) and the end; one per
        // capped run would be thousands.
        assert!(
            parked < u64::from(ROUNDS / 100),
            "{parked} parks for {ROUNDS} round trips of one pair"
        );
    });
}
