//! The accept loop with a graceful shutdown that eddy's example servers share (the HTTP,
//! HTTPS and gRPC servers include this file): a task per connection, finished ones reaped
//! as they end, and on shutdown the listener closed, every connection asked to finish
//! what it has in flight, and stragglers dropped after a grace period.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::pin;
use std::time::Duration;

use eddy::net::{TcpListener, TcpStream};
use eddy::sync::watch;
use eddy::task::JoinSet;

/// Accepts on `listener`, running `connection(stream, peer, stop)` as a task for each,
/// until `shutdown` completes (its error is returned). Then it stops accepting, turns
/// `stop` true — each connection's cue to finish its requests in flight and close — and
/// waits for them, at most `grace`; connections still busy then are dropped.
pub async fn serve_until<F>(
    listener: TcpListener,
    shutdown: impl Future<Output = io::Result<()>>,
    grace: Duration,
    mut connection: impl FnMut(TcpStream, SocketAddr, watch::Receiver<bool>) -> F,
) -> io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut shutdown = pin!(shutdown);
    loop {
        // `biased`, the shutdown first: its first poll installs the Ctrl-C handler, so
        // it is in place before the first connection is accepted and served, and a
        // pending stop is never passed over for another connection.
        eddy::select! {
            biased;
            signal = &mut shutdown => {
                signal?;
                break;
            }
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    connections.spawn(connection(stream, peer, stop_rx.clone()));
                }
                // Out of file descriptors (EMFILE) and the like: the listener still works,
                // so wait a moment for connections to close rather than spin.
                Err(err) => {
                    eprintln!("accept failed: {err}");
                    eddy::time::sleep(Duration::from_millis(10)).await;
                }
            },
            // Reap finished connections as they end, so the set holds only live ones.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    println!(
        "shutting down: letting {} connection(s) finish",
        connections.len()
    );
    let _ = stop_tx.send(true);
    let drained = eddy::time::timeout(grace, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        println!(
            "{} connection(s) still busy after {grace:?}: dropping them",
            connections.len()
        );
        connections.shutdown().await;
    }
    println!("bye");
    Ok(())
}
