//! `eddy::io::stdin` under a storm. Its reads run on the blocking pool, in a `read(2)`
//! that sleeps until the pipe has bytes, so a signal there fails it with `EINTR`. The
//! test runs itself again as a child whose stdin is a pipe the parent fills slowly; the
//! child storms, reads everything through `eddy::io::stdin` and prints what it got.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use futures_lite::AsyncReadExt;

use crate::storm::{self, Storm};
use crate::support::with_timeout;
use crate::workloads::pattern;

/// Set in the child's environment.
const CHILD: &str = "EDDY_EINTR_STDIN_CHILD";

/// What the parent sends.
const BYTES: usize = 512 * 1024;

/// `seed` of the pattern sent.
const SEED: usize = 5;

#[test]
fn stdin_reads_under_a_signal_storm_lose_nothing() {
    if std::env::var_os(CHILD).is_some() {
        return child();
    }
    with_timeout(Duration::from_secs(120), || {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "stdin::stdin_reads_under_a_signal_storm_lose_nothing",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        // 2 KiB every 4 ms, for about a second (pacing, not synchronisation), so the
        // child's read waits for bytes, and is interrupted, again and again.
        for chunk in pattern(SEED, BYTES).chunks(2048) {
            if stdin.write_all(chunk).is_err() {
                break; // the child is gone: its output below says why
            }
            std::thread::sleep(Duration::from_millis(4));
        }
        drop(stdin);
        let mut out = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        let status = child.wait().unwrap();
        assert!(status.success(), "the child failed:\n{out}\n{err}");
        assert!(
            out.contains(&format!("stdin: {BYTES} bytes, intact")),
            "the child did not read everything:\n{out}\n{err}"
        );
    });
}

/// The child: stdin to its end through eddy under a storm, then a line for the parent.
fn child() {
    let one = storm::exclusive();
    let rt = eddy::Builder::new_current_thread().build().unwrap();
    let storm = Storm::start(&one, crate::RATE);
    let got = rt.block_on(async {
        let mut got = Vec::new();
        eddy::io::stdin()
            .read_to_end(&mut got)
            .await
            .unwrap_or_else(|err| panic!("stdin: {err} (kind {:?})", err.kind()));
        got
    });
    let report = storm.stop();
    eprintln!("{}", report.table());
    report.assert_reached(2);
    assert!(
        got == pattern(SEED, BYTES),
        "stdin: {} bytes, corrupt",
        got.len()
    );
    println!("stdin: {} bytes, intact", got.len());
}
