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
    assert_eq!(eddy::runtime::Handle::current().num_workers(), 2);
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
        assert_eq!(a_main_with_an_early_return(), Ok("inside the runtime"));
    });
}
