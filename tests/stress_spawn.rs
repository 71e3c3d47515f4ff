//! Spawn stress: many tasks, spawned from plain threads and from inside tasks, each run
//! exactly once. Small by default; `EDDY_STRESS=full` runs a million tasks.

mod support;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use eddy::eddy_executor::block_on;
use support::{runtime, stress_size, with_timeout, LIMIT};

/// One run counter per task, indexed by the task's number (not its runtime `Id`, which
/// is opaque): after the test every entry must be exactly 1.
fn run_counts(n: usize) -> Arc<Vec<AtomicU32>> {
    Arc::new((0..n).map(|_| AtomicU32::new(0)).collect())
}

#[track_caller]
fn assert_each_ran_once(counts: &[AtomicU32]) {
    let wrong: Vec<(usize, u32)> = counts
        .iter()
        .map(|c| c.load(Ordering::Relaxed))
        .enumerate()
        .filter(|&(_, runs)| runs != 1)
        .take(10)
        .collect();
    assert!(
        wrong.is_empty(),
        "(task, runs) not run exactly once: {wrong:?}"
    );
}

#[test]
fn tasks_spawned_from_four_plain_threads_each_run_exactly_once() {
    with_timeout(LIMIT, || {
        const THREADS: usize = 4;
        let n = stress_size(20_000, 1_000_000);
        let counts = run_counts(n);
        let rt = runtime(4);
        std::thread::scope(|scope| {
            for t in 0..THREADS {
                let (handle, counts) = (rt.handle().clone(), counts.clone());
                scope.spawn(move || {
                    // Spawn the whole share first (so spawning races with the workers
                    // running earlier tasks), then join each one on this plain thread.
                    let tasks: Vec<_> = (t..n)
                        .step_by(THREADS)
                        .map(|i| {
                            let counts = counts.clone();
                            let task = handle.spawn(async move {
                                counts[i].fetch_add(1, Ordering::Relaxed);
                                i
                            });
                            (i, task)
                        })
                        .collect();
                    for (i, task) in tasks {
                        assert_eq!(block_on(task).unwrap(), i, "task {i}'s output");
                    }
                });
            }
        });
        // Every JoinHandle returned, so every count is final (the join synchronises).
        assert_each_ran_once(&counts);
    });
}

/// Spawns the tasks for `lo..hi` from inside the current task: a binary tree of
/// spawning tasks down to runs of 64, whose leaves are spawned one task each. Returns the
/// sum of the leaves' outputs.
fn spawn_tree(counts: Arc<Vec<AtomicU32>>, lo: usize, hi: usize) -> eddy::task::JoinHandle<usize> {
    eddy::spawn(async move {
        if hi - lo <= 64 {
            let leaves: Vec<_> = (lo..hi)
                .map(|i| {
                    let counts = counts.clone();
                    eddy::spawn(async move {
                        counts[i].fetch_add(1, Ordering::Relaxed);
                        eddy::task::yield_now().await;
                        i
                    })
                })
                .collect();
            let mut sum = 0;
            for leaf in leaves {
                sum += leaf.await.unwrap();
            }
            return sum;
        }
        let mid = lo + (hi - lo) / 2;
        let left = spawn_tree(counts.clone(), lo, mid);
        let right = spawn_tree(counts, mid, hi);
        left.await.unwrap() + right.await.unwrap()
    })
}

#[test]
fn tasks_spawned_from_inside_tasks_each_run_exactly_once() {
    with_timeout(LIMIT, || {
        let n = stress_size(20_000, 1_000_000);
        let counts = run_counts(n);
        let rt = runtime(4);
        // spawn_tree spawns: call it inside the runtime.
        let tree = counts.clone();
        let sum = rt.block_on(async move { spawn_tree(tree, 0, n).await.unwrap() });
        assert_eq!(sum, n * (n - 1) / 2, "every leaf's output arrived");
        assert_each_ran_once(&counts);
    });
}

#[test]
fn plain_threads_and_tasks_spawning_at_once_run_each_task_exactly_once() {
    with_timeout(LIMIT, || {
        const THREADS: usize = 4;
        // Half the tasks come from plain threads, half from a tree inside the runtime,
        // both at the same time: the injector and the local queues fill together.
        let n = stress_size(20_000, 1_000_000);
        let half = n / 2;
        let counts = run_counts(n);
        let rt = runtime(4);
        let tree_counts = counts.clone();
        let tree = rt.spawn(async move { spawn_tree(tree_counts, half, n).await.unwrap() });
        std::thread::scope(|scope| {
            for t in 0..THREADS {
                let (handle, counts) = (rt.handle().clone(), counts.clone());
                scope.spawn(move || {
                    let tasks: Vec<_> = (t..half)
                        .step_by(THREADS)
                        .map(|i| {
                            let counts = counts.clone();
                            handle.spawn(async move {
                                counts[i].fetch_add(1, Ordering::Relaxed);
                            })
                        })
                        .collect();
                    for task in tasks {
                        block_on(task).unwrap();
                    }
                });
            }
        });
        let sum = rt.block_on(tree).unwrap();
        assert_eq!(sum, (half..n).sum::<usize>());
        assert_each_ran_once(&counts);
    });
}
