//! What `connect` resolves to when the listener goes away before accepting: the error, as
//! tokio's `connect` gives it, never a stream to a peer that is already gone.

mod support;

use std::future::Future;
use std::io::ErrorKind;
use std::pin::pin;
use std::task::Poll;

use eddy::net::{TcpListener, TcpStream, UnixListener, UnixStream};
use support::{runtime, socket_dir, with_timeout, LIMIT};

/// Polls `fut` exactly once and returns whether it was still pending.
async fn poll_once<F: Future + Unpin>(fut: &mut F) -> bool {
    std::future::poll_fn(|cx| Poll::Ready(std::pin::Pin::new(&mut *fut).poll(cx).is_pending()))
        .await
}

/// Keeps the runtime's only worker busy in a task until dropped, so that nothing polls the
/// reactor meanwhile: a connect's first poll then finds no report, on any I/O backend and
/// however fast the loopback connection completes.
struct HeldWorker {
    _release: std::sync::mpsc::Sender<()>,
}

fn hold_the_worker() -> HeldWorker {
    let (started_tx, started) = std::sync::mpsc::channel();
    let (release, released) = std::sync::mpsc::channel::<()>();
    eddy::spawn(async move {
        started_tx.send(()).unwrap();
        let _ = released.recv();
    });
    started.recv().unwrap();
    HeldWorker { _release: release }
}

fn assert_refused_or_reset(kind: ErrorKind) {
    assert!(
        matches!(
            kind,
            ErrorKind::ConnectionRefused | ErrorKind::ConnectionReset
        ),
        "expected ConnectionRefused or ConnectionReset, got {kind:?}"
    );
}

#[test]
fn unix_connect_fails_when_the_listener_is_dropped_before_accepting() {
    with_timeout(LIMIT, || {
        let dir = socket_dir("connect");
        let path = dir.join("gone.sock");
        runtime(1).block_on(async {
            let listener = UnixListener::bind(&path).unwrap();
            let worker = hold_the_worker();
            let mut connect = pin!(UnixStream::connect(&path));
            // The connection is queued on the listener; the future is waiting for the
            // reactor to confirm it.
            assert!(
                poll_once(&mut connect).await,
                "connect resolved before the reactor ran"
            );
            drop(listener);
            drop(worker);
            let err = connect
                .await
                .expect_err("connected to a listener that is gone");
            assert_refused_or_reset(err.kind());
        });
        std::fs::remove_dir_all(&dir).unwrap();
    });
}

#[test]
fn unix_connect_to_a_closed_listeners_path_is_refused() {
    with_timeout(LIMIT, || {
        let dir = socket_dir("refused");
        let path = dir.join("closed.sock");
        runtime(1).block_on(async {
            drop(UnixListener::bind(&path).unwrap());
            let err = UnixStream::connect(&path).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
        });
        std::fs::remove_dir_all(&dir).unwrap();
    });
}

#[test]
fn tcp_connect_fails_when_the_listener_is_dropped_before_accepting() {
    with_timeout(LIMIT, || {
        runtime(1).block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let worker = hold_the_worker();
            let mut connect = pin!(TcpStream::connect(addr));
            assert!(
                poll_once(&mut connect).await,
                "connect resolved before the reactor ran"
            );
            drop(listener);
            drop(worker);
            let err = connect
                .await
                .expect_err("connected to a listener that is gone");
            assert_refused_or_reset(err.kind());
        });
    });
}

#[test]
fn a_connect_that_the_listener_accepts_still_succeeds() {
    with_timeout(LIMIT, || {
        let dir = socket_dir("accepted");
        let path = dir.join("ok.sock");
        runtime(2).block_on(async {
            let listener = UnixListener::bind(&path).unwrap();
            let (client, server) = eddy::join!(UnixStream::connect(&path), listener.accept());
            let (client, (server, _)) = (client.unwrap(), server.unwrap());
            assert_eq!(
                client.peer_addr().unwrap().as_pathname(),
                Some(path.as_path())
            );
            drop(server);
        });
        std::fs::remove_dir_all(&dir).unwrap();
    });
}
