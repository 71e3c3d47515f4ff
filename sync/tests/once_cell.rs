//! OnceCell with tokio's semantics: one initializer runs while the others wait for its
//! value; a cancelled, failing or panicking initializer lets the next one run.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use eddy::sync::{Notify, OnceCell, SetError};

async fn bounded<F: std::future::Future>(f: F) -> F::Output {
    eddy::time::timeout(Duration::from_secs(30), f)
        .await
        .expect("the test hung: a lost wake-up")
}

#[eddy::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_initializers_run_one_and_all_see_its_value() {
    bounded(async {
        let cell = Arc::new(OnceCell::new());
        let runs = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..32)
            .map(|i| {
                let (cell, runs) = (cell.clone(), runs.clone());
                eddy::spawn(async move {
                    *cell
                        .get_or_init(|| async move {
                            runs.fetch_add(1, Ordering::SeqCst);
                            eddy::task::yield_now().await;
                            i
                        })
                        .await
                })
            })
            .collect();
        let mut seen = Vec::new();
        for t in tasks {
            seen.push(t.await.unwrap());
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert!(seen.iter().all(|&v| v == seen[0]));
        assert_eq!(cell.get(), Some(&seen[0]));
    })
    .await
}

#[eddy::test]
async fn a_cancelled_initializer_lets_the_next_one_run() {
    bounded(async {
        let cell = Arc::new(OnceCell::new());
        let started = Arc::new(Notify::new());
        let first = {
            let (cell, started) = (cell.clone(), started.clone());
            eddy::spawn(async move {
                cell.get_or_init(|| async move {
                    started.notify_one();
                    std::future::pending::<u32>().await
                })
                .await;
            })
        };
        started.notified().await;
        let second = {
            let cell = cell.clone();
            eddy::spawn(async move { *cell.get_or_init(|| async { 2 }).await })
        };
        eddy::task::yield_now().await;
        assert!(cell.set(9).unwrap_err().is_initializing_err());
        first.abort();
        assert_eq!(second.await.unwrap(), 2);
        assert_eq!(cell.get(), Some(&2));
    })
    .await
}

#[eddy::test]
async fn a_failed_or_panicking_initializer_leaves_the_cell_empty() {
    let cell = Arc::new(OnceCell::<u8>::new());
    assert_eq!(
        cell.get_or_try_init(|| async { Err("nope") }).await,
        Err("nope")
    );
    assert!(!cell.initialized());
    let panicking = {
        let cell = cell.clone();
        eddy::spawn(async move {
            cell.get_or_init(|| async { panic!("initializer failed") })
                .await;
        })
    };
    assert!(panicking.await.unwrap_err().is_panic());
    assert_eq!(
        cell.get_or_try_init(|| async { Ok::<_, ()>(5) }).await,
        Ok(&5)
    );
}

#[test]
fn set_take_and_the_conversions_follow_tokio() {
    let mut cell = OnceCell::new();
    assert_eq!(cell.set(1), Ok(()));
    assert_eq!(cell.set(2), Err(SetError::AlreadyInitializedError(2)));
    assert_eq!(cell.clone(), OnceCell::from(1));
    assert_eq!(cell.take(), Some(1));
    assert!(!cell.initialized());
    assert_eq!(cell.set(3), Ok(()), "a taken cell is settable again");
    assert_eq!(cell.into_inner(), Some(3));
    assert_eq!(OnceCell::<u8>::new_with(None).get(), None);
    assert_eq!(OnceCell::<u8>::default().into_inner(), None);
    assert_eq!(
        SetError::InitializingError(1).to_string(),
        "the OnceCell is being initialized by another task"
    );
}

static GLOBAL: OnceCell<u64> = OnceCell::const_new();

#[eddy::test]
async fn a_static_cell_is_initialized_once() {
    let a = *GLOBAL.get_or_init(|| async { 7 }).await;
    let b = *GLOBAL.get_or_init(|| async { 8 }).await;
    assert_eq!((a, b), (7, 7));
}
