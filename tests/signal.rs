//! eddy::signal with real signals sent to this process (SIGUSR1/SIGUSR2, whose handlers the
//! tests install before anything is sent; Ctrl-C itself is tested on a child process in
//! tests/http.rs, as a SIGINT here would reach the test harness too).
//!
//! Unix only: it sends itself signals (`kill`) and uses `SignalKind`.
#![cfg(unix)]

mod support;

use std::process::Command;
use std::time::Duration;

use eddy::signal::{signal, SignalKind};
use support::{runtime, with_timeout, LIMIT};

/// Sends `kind` to this process with kill(1).
fn raise(kind: &str) {
    let sent = Command::new("kill")
        .args([kind, &std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

async fn recv_within(signal: &mut eddy::signal::Signal) {
    eddy::time::timeout(Duration::from_secs(20), signal.recv())
        .await
        .expect("the signal never arrived")
        .expect("a signal stream never ends");
}

#[test]
fn every_signal_stream_sees_each_delivery() {
    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let mut first = signal(SignalKind::user_defined1()).unwrap();
            let mut second = signal(SignalKind::user_defined1()).unwrap();
            for _ in 0..3 {
                raise("-USR1");
                recv_within(&mut first).await;
                recv_within(&mut second).await;
            }
        });
    });
}

#[test]
fn a_delivery_is_kept_for_a_stream_that_was_not_waiting() {
    with_timeout(LIMIT, || {
        runtime(1).block_on(async {
            let mut usr2 = signal(SignalKind::user_defined2()).unwrap();
            // A recv that is started and dropped (cancelled) loses nothing.
            let cancelled = eddy::time::timeout(Duration::from_millis(10), usr2.recv()).await;
            assert!(cancelled.is_err(), "nothing was sent yet");
            raise("-USR2");
            recv_within(&mut usr2).await;
            // Nothing more was sent: the next recv waits.
            let more = eddy::time::timeout(Duration::from_millis(20), usr2.recv()).await;
            assert!(more.is_err(), "one delivery was counted twice");
        });
    });
}

#[test]
fn signals_that_cannot_be_handled_are_refused_with_a_clear_error() {
    for signum in [libc::SIGKILL, libc::SIGSTOP, libc::SIGSEGV, 0, 64, -3] {
        let error = signal(SignalKind::from_raw(signum)).unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput, "{signum}");
        assert!(error.to_string().contains("cannot be handled"), "{error}");
    }
}

#[test]
fn a_signal_stream_works_without_a_runtime() {
    with_timeout(LIMIT, || {
        // The dispatcher is a thread of its own: any executor can wait on a Signal.
        let mut usr1 = signal(SignalKind::user_defined1()).unwrap();
        raise("-USR1");
        futures_lite::future::block_on(usr1.recv()).unwrap();
    });
}
