//! #[eddy::main] and #[eddy::test]. (Their compile errors are `compile_fail` doc tests on
//! `eddy::main` and `eddy::test`.)

mod support;

use std::error::Error;

#[eddy::test]
async fn an_async_test_runs_on_a_runtime() {
    assert_eq!(eddy::spawn(async { 20 + 1 }).await.unwrap(), 21);
}

#[eddy::test(worker_threads = 2)]
async fn worker_threads_sets_the_number_of_workers() {
    assert!(!eddy::runtime::Handle::current().is_current_thread());
    assert_eq!(eddy::runtime::Handle::current().num_workers(), 2);
}

#[eddy::test]
async fn a_test_runs_on_a_current_thread_runtime_by_default() {
    let handle = eddy::runtime::Handle::current();
    assert!(handle.is_current_thread());
    let here = std::thread::current().id();
    let there = eddy::spawn(async { std::thread::current().id() })
        .await
        .unwrap();
    assert_eq!(here, there);
    // Local tasks work as they are.
    let rc = std::rc::Rc::new(3);
    assert_eq!(
        eddy::task::spawn_local(async move { *rc }).await.unwrap(),
        3
    );
}

#[eddy::test(flavor = "multi_thread", worker_threads = 3)]
async fn flavor_multi_thread_with_workers() {
    assert_eq!(eddy::runtime::Handle::current().num_workers(), 3);
}

#[eddy::test(flavor = "multi_thread")]
async fn flavor_multi_thread_alone_takes_one_worker_per_core() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(eddy::runtime::Handle::current().num_workers(), cores);
}

#[eddy::main(flavor = "current_thread")]
async fn a_current_thread_main() -> bool {
    eddy::runtime::Handle::current().is_current_thread()
}

#[eddy::test]
async fn a_test_may_return_a_result_and_use_question_mark() -> Result<(), Box<dyn Error>> {
    let n: u32 = "17".parse()?;
    let doubled = eddy::spawn(async move { n * 2 }).await?;
    assert_eq!(doubled, 34);
    Ok(())
}

#[eddy::test]
#[should_panic(expected = "inside an eddy test")]
async fn other_test_attributes_still_apply() {
    panic!("inside an eddy test");
}

#[eddy::test(worker_threads = 1)]
async fn each_test_gets_a_fresh_runtime() {
    // A task left pending here is cancelled when this test's runtime drops; no other
    // test shares the runtime.
    eddy::spawn(std::future::pending::<()>());
    assert_eq!(eddy::runtime::Handle::current().num_workers(), 1);
}

#[eddy::main(worker_threads = 1)]
async fn a_main() -> u32 {
    eddy::spawn(async { 5 }).await.unwrap()
}

#[eddy::main]
async fn a_main_with_an_early_return() -> Result<&'static str, String> {
    if eddy::runtime::Handle::try_current().is_ok() {
        return Ok("inside the runtime");
    }
    Err("no runtime".into())
}

#[test]
fn main_builds_a_runtime_and_blocks_on_the_body() {
    support::with_timeout(support::LIMIT, || {
        assert_eq!(a_main(), 5);
        assert!(a_current_thread_main());
        assert_eq!(a_main_with_an_early_return(), Ok("inside the runtime"));
    });
}

#[eddy::test]
#[ignore = "fails on purpose: run by a_failing_test_prints_the_seed_that_replays_it"]
async fn fails_on_purpose_for_the_seed_check() {
    panic!("failing on purpose");
}

#[test]
fn a_failing_test_prints_the_seed_that_replays_it() {
    support::with_timeout(support::LIMIT, || {
        let exe = std::env::current_exe().unwrap();
        let out = std::process::Command::new(exe)
            .args([
                "--ignored",
                "--exact",
                "fails_on_purpose_for_the_seed_check",
                "--nocapture",
                "--test-threads",
                "1",
            ])
            .env("EDDY_SEED", "4242")
            .output()
            .unwrap();
        assert!(!out.status.success(), "the test was meant to fail");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("this test ran with seed 4242; replay it with EDDY_SEED=4242"),
            "{stderr}"
        );
    });
}
