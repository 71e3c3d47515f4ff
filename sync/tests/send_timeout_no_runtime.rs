//! `send_timeout` in a process that never built an eddy runtime: no timer exists, so a
//! send that has to wait panics and names the fix; one that finds room needs no timer.
//! (Its own test binary: any runtime built elsewhere would install eddy's timer.)

use std::time::Duration;

use eddy_sync::mpsc;
use futures_lite::future::block_on;

#[test]
fn send_timeout_without_an_eddy_runtime_panics_naming_the_fix() {
    let (tx, _rx) = mpsc::channel(1);
    block_on(tx.send_timeout(1, Duration::from_millis(1))).unwrap();
    let waited = std::panic::catch_unwind(|| {
        let _ = block_on(tx.send_timeout(2, Duration::from_millis(1)));
    });
    let message = waited.unwrap_err();
    let message = message
        .downcast_ref::<String>()
        .expect("a formatted panic message");
    assert!(
        message.contains("send_timeout needs eddy's timers") && message.contains("eddy::run"),
        "{message}"
    );
}
