//! CancellationToken with tokio-util's semantics: a cancel reaches every descendant and
//! wakes every waiter; children never cancel their parent.

use std::time::Duration;

use eddy::sync::CancellationToken;

async fn bounded<F: std::future::Future>(f: F) -> F::Output {
    eddy::time::timeout(Duration::from_secs(30), f)
        .await
        .expect("the test hung: a lost wake-up")
}

#[eddy::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_the_root_wakes_every_descendant() {
    bounded(async {
        let root = CancellationToken::new();
        let mut waiters = Vec::new();
        let mut level = vec![root.clone()];
        for _ in 0..3 {
            let next: Vec<_> = level
                .iter()
                .flat_map(|t| [t.child_token(), t.child_token()])
                .collect();
            for t in &next {
                waiters.push(eddy::spawn(t.clone().cancelled_owned()));
            }
            level = next;
        }
        eddy::task::yield_now().await;
        assert!(level.iter().all(|t| !t.is_cancelled()));
        root.cancel();
        for w in waiters {
            w.await.unwrap();
        }
        assert!(level.iter().all(CancellationToken::is_cancelled));
    })
    .await
}

#[eddy::test]
async fn a_child_never_cancels_its_parent_and_is_born_cancelled_under_a_cancelled_one() {
    let parent = CancellationToken::new();
    let child = parent.child_token();
    child.cancel();
    assert!(child.is_cancelled() && !parent.is_cancelled());
    parent.cancel();
    let late = parent.child_token();
    assert!(late.is_cancelled());
    late.cancelled().await;
}

#[eddy::test]
async fn run_until_cancelled_stops_the_future_and_prefers_cancellation() {
    bounded(async {
        let token = CancellationToken::new();
        assert_eq!(token.run_until_cancelled(async { 3 }).await, Some(3));
        let canceller = token.clone();
        let stopped = eddy::spawn(async move {
            token
                .run_until_cancelled(std::future::pending::<()>())
                .await
        });
        eddy::task::yield_now().await;
        canceller.cancel();
        assert_eq!(stopped.await.unwrap(), None);
        let polled = std::cell::Cell::new(false);
        let out = canceller
            .run_until_cancelled(async { polled.set(true) })
            .await;
        assert_eq!(out, None);
        assert!(!polled.get(), "a cancelled token never polls the future");
    })
    .await
}

#[eddy::test]
async fn drop_guards_cancel_unless_disarmed() {
    let token = CancellationToken::new();
    let guard = token.clone().drop_guard();
    assert_eq!(guard.token(), &token);
    let back = guard.disarm();
    assert!(!back.is_cancelled());
    let task = {
        let guard = token.clone().drop_guard();
        eddy::spawn(async move {
            let _guard = guard;
            panic!("the task fails; its guard cancels the scope");
        })
    };
    assert!(task.await.is_err());
    assert!(token.is_cancelled());
}
