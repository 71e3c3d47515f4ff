//! Subprocess benchmarks: eddy::process against tokio::process and async-process (smol's),
//! 2 worker threads each (smol: an `async_executor::Executor` run by 2 threads, async-io's
//! reactor), in one process run.
//!
//! * `spawn_wait_1000_true` — one iteration spawns 1,000 `true` processes, 64 at a time
//!   (spawn 64, then wait for each of them), all from one task: the cost of a spawn,
//!   learning of the exit (eddy, tokio: a pidfd on the reactor on Linux; async-process:
//!   its SIGCHLD/pidfd reaper) and reaping.
//! * `pipe_64mib_cat` — one iteration spawns `cat` with piped stdin and stdout; one task
//!   writes 64 MiB into its stdin in 256 KiB `write_all`s and closes it, while another
//!   reads its stdout in 64 KiB reads until the end; then the child is waited for:
//!   throughput of the pipes and their wake-ups.
//!
//! Every runtime runs the same tasks with the same buffer sizes; each is built once per
//! benchmark outside the timed loop and dropped before the next. Every iteration checks
//! its work (exit statuses, the byte count), in release builds too.
//!
//! Run with `cargo bench --bench process`; `python3 benches/ratios.py` then prints the
//! table.

// criterion's macros generate undocumented items.
#![allow(missing_docs)]

// The workload macro and the multi-runtime set-up in there are not used here.
#[allow(dead_code, unused_macros, unused_imports)]
mod common;

use std::process::Stdio;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use common::{criterion, eddy_runtime, tokio_runtime, SmolPool, NUM_WORKERS};

/// Processes per `spawn_wait_1000_true` iteration.
const PROCESSES: usize = 1000;
/// Processes running at once in `spawn_wait_1000_true`.
const BATCH: usize = 64;
/// Bytes through `cat` per `pipe_64mib_cat` iteration.
const PIPE_TOTAL: usize = 64 << 20;
/// Size of each `write_all` into `cat`.
const PIPE_WRITE: usize = 256 << 10;
/// Size of each read from `cat`.
const PIPE_READ: usize = 64 << 10;

fn batches() -> impl Iterator<Item = usize> {
    (0..PROCESSES)
        .step_by(BATCH)
        .map(|start| BATCH.min(PROCESSES - start))
}

async fn eddy_spawn_wait() {
    for n in batches() {
        let mut children: Vec<_> = (0..n)
            .map(|_| eddy::process::Command::new("true").spawn().unwrap())
            .collect();
        for child in &mut children {
            assert!(child.wait().await.unwrap().success());
        }
    }
}

async fn tokio_spawn_wait() {
    for n in batches() {
        let mut children: Vec<_> = (0..n)
            .map(|_| tokio::process::Command::new("true").spawn().unwrap())
            .collect();
        for child in &mut children {
            assert!(child.wait().await.unwrap().success());
        }
    }
}

async fn smol_spawn_wait() {
    for n in batches() {
        let mut children: Vec<_> = (0..n)
            .map(|_| async_process::Command::new("true").spawn().unwrap())
            .collect();
        for child in &mut children {
            assert!(child.status().await.unwrap().success());
        }
    }
}

/// Reads `reader` to its end in [`PIPE_READ`] reads; returns the byte count.
async fn read_all_futures(mut reader: impl futures_lite::AsyncRead + Unpin) -> usize {
    use futures_lite::AsyncReadExt;
    let mut buf = vec![0; PIPE_READ];
    let mut total = 0;
    loop {
        match reader.read(&mut buf).await.unwrap() {
            0 => return total,
            n => total += n,
        }
    }
}

/// Writes [`PIPE_TOTAL`] bytes in [`PIPE_WRITE`] pieces, then closes.
async fn write_all_futures(mut writer: impl futures_lite::AsyncWrite + Unpin) {
    use futures_lite::AsyncWriteExt;
    let chunk = vec![7u8; PIPE_WRITE];
    for _ in 0..PIPE_TOTAL / PIPE_WRITE {
        writer.write_all(&chunk).await.unwrap();
    }
    writer.close().await.unwrap();
}

async fn eddy_pipe() {
    let mut child = eddy::process::Command::new("cat")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let writer = eddy::spawn(write_all_futures(child.stdin.take().unwrap()));
    let reader = eddy::spawn(read_all_futures(child.stdout.take().unwrap()));
    writer.await.unwrap();
    assert_eq!(reader.await.unwrap(), PIPE_TOTAL);
    assert!(child.wait().await.unwrap().success());
}

async fn tokio_pipe() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut child = tokio::process::Command::new("cat")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let writer = tokio::spawn(async move {
        let chunk = vec![7u8; PIPE_WRITE];
        for _ in 0..PIPE_TOTAL / PIPE_WRITE {
            stdin.write_all(&chunk).await.unwrap();
        }
        stdin.shutdown().await.unwrap();
    });
    let reader = tokio::spawn(async move {
        let mut buf = vec![0; PIPE_READ];
        let mut total = 0;
        loop {
            match stdout.read(&mut buf).await.unwrap() {
                0 => return total,
                n => total += n,
            }
        }
    });
    writer.await.unwrap();
    assert_eq!(reader.await.unwrap(), PIPE_TOTAL);
    assert!(child.wait().await.unwrap().success());
}

async fn smol_pipe(ex: &'static async_executor::Executor<'static>) {
    let mut child = async_process::Command::new("cat")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let writer = ex.spawn(write_all_futures(child.stdin.take().unwrap()));
    let reader = ex.spawn(read_all_futures(child.stdout.take().unwrap()));
    writer.await;
    assert_eq!(reader.await, PIPE_TOTAL);
    assert!(child.status().await.unwrap().success());
}

fn spawn_wait_1000_true(c: &mut Criterion) {
    let mut g = c.benchmark_group("spawn_wait_1000_true");
    {
        let rt = eddy_runtime(eddy::runtime::IoBackend::Auto);
        g.bench_function("eddy", |b| {
            b.iter(|| rt.block_on(rt.spawn(eddy_spawn_wait())).unwrap())
        });
    }
    {
        let rt = tokio_runtime(true);
        g.bench_function("tokio", |b| {
            b.iter(|| rt.block_on(rt.spawn(tokio_spawn_wait())).unwrap())
        });
    }
    {
        let pool = SmolPool::new(NUM_WORKERS, async_io::block_on);
        g.bench_function("smol", |b| {
            b.iter(|| async_io::block_on(pool.ex.spawn(smol_spawn_wait())))
        });
    }
    g.finish();
}

fn pipe_64mib_cat(c: &mut Criterion) {
    let mut g = c.benchmark_group("pipe_64mib_cat");
    g.throughput(Throughput::Bytes(PIPE_TOTAL as u64));
    {
        let rt = eddy_runtime(eddy::runtime::IoBackend::Auto);
        g.bench_function("eddy", |b| {
            b.iter(|| rt.block_on(rt.spawn(eddy_pipe())).unwrap())
        });
    }
    {
        let rt = tokio_runtime(true);
        g.bench_function("tokio", |b| {
            b.iter(|| rt.block_on(rt.spawn(tokio_pipe())).unwrap())
        });
    }
    {
        let pool = SmolPool::new(NUM_WORKERS, async_io::block_on);
        let ex = pool.ex;
        g.bench_function("smol", |b| {
            b.iter(|| async_io::block_on(ex.spawn(smol_pipe(ex))))
        });
    }
    g.finish();
}

fn benches(c: &mut Criterion) {
    spawn_wait_1000_true(c);
    pipe_64mib_cat(c);
}

criterion_group! {
    name = process;
    config = criterion(10, 5);
    targets = benches
}
criterion_main!(process);
