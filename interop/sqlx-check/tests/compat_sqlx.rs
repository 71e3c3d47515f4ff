//! sqlx on eddy, the two ways docs/compat.md names, on SQLite in memory (no server):
//! `runtime-async-std` under eddy with no tokio runtime (async-std's executor and
//! async-io's reactor beside eddy do sqlx's background work), and `runtime-tokio` with a
//! tokio runtime entered by async-compat's `Compat`. With both features on, sqlx takes
//! tokio whenever a tokio runtime is entered.

use std::future::Future;
use std::sync::mpsc;
use std::time::Duration;

use async_compat::Compat;
use sqlx::sqlite::{SqlitePool, SqlitePoolOptions};

/// A test that has not finished by then has hung.
const LIMIT: Duration = Duration::from_secs(60);

/// Runs `body` on an eddy runtime, failing the test if it takes longer than [`LIMIT`].
fn on_eddy<F>(body: impl FnOnce() -> F + Send + 'static)
where
    F: Future<Output = ()> + 'static,
{
    let (done, finished) = mpsc::channel();
    let runner = std::thread::spawn(move || {
        let rt = eddy::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        rt.block_on(body());
        let _ = done.send(());
    });
    match finished.recv_timeout(LIMIT) {
        // Finished, or panicked (joining shows its panic).
        Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => runner.join().unwrap(),
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("the test did not finish within {LIMIT:?}"),
    }
}

/// Eight eddy tasks share a pool of two connections: each query borrows a connection
/// and gives it back, which sqlx does with its runtime's spawn.
async fn queries_from_eddy_tasks(pool: SqlitePool) {
    let tasks: Vec<_> = (0..8_i64)
        .map(|i| {
            let pool = pool.clone();
            eddy::spawn(async move {
                let (sum,): (i64,) = sqlx::query_as("SELECT ? + 1")
                    .bind(i)
                    .fetch_one(&pool)
                    .await
                    .unwrap();
                assert_eq!(sum, i + 1);
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    pool.close().await;
}

#[test]
fn runtime_async_std_runs_under_eddy_with_no_tokio_runtime() {
    on_eddy(|| async {
        assert!(tokio::runtime::Handle::try_current().is_err());
        let pool = SqlitePoolOptions::new()
            .max_connections(2)
            .connect("sqlite::memory:")
            .await
            .unwrap();
        queries_from_eddy_tasks(pool).await;
    });
}

#[test]
fn runtime_tokio_runs_under_eddy_inside_compat() {
    on_eddy(|| {
        Compat::new(async {
            assert!(tokio::runtime::Handle::try_current().is_ok());
            let pool = SqlitePoolOptions::new()
                .max_connections(2)
                .connect("sqlite::memory:")
                .await
                .unwrap();
            // A tokio runtime is entered while Compat polls, so sqlx spawns, sleeps and
            // times out with tokio here.
            let (one,): (i64,) = sqlx::query_as("SELECT 1").fetch_one(&pool).await.unwrap();
            assert_eq!(one, 1);
            pool.close().await;
        })
    });
}
