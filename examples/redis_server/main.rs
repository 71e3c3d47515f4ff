//! An in-memory key-value server speaking RESP2, the Redis protocol, on eddy.
//!
//! ```sh
//! cargo run --release --example redis_server -- 127.0.0.1:6379
//! redis-cli -p 6379 SET greeting hello EX 60
//! redis-benchmark -q -n 200000 -t set,get,incr -P 16
//! ```
//!
//! Commands: PING, ECHO, SET (EX/PX, NX/XX), GET, DEL, INCR, EXPIRE, PEXPIRE, TTL, PTTL,
//! EXISTS, DBSIZE, QUIT, and empty answers to CONFIG GET and COMMAND so that
//! redis-benchmark and redis-cli start without warnings. Pipelined commands are answered
//! with one write per batch; `GET / HTTP/1.1` gets a plain-text hello.
//!
//! Ctrl-C (SIGINT) stops the server: it exits with status 0. With `STATS_EVERY=10` in its
//! environment it prints the runtime's live tasks, I/O sources and timers to stderr every
//! 10 s (`examples/support/stats.rs`; `.ci/soak` reads them).
//!
//! Everything but the sockets, the tasks and the sweeper's timer is in `resp.rs`,
//! shared with the tokio twin (`cargo run --release -p eddy-twins --bin
//! redis_server_tokio`), so the two runtimes run the same server code.

#[path = "resp.rs"]
pub mod resp;
#[path = "../support/stats.rs"]
mod stats;

use std::io;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use eddy::net::{TcpListener, TcpStream};
use futures_lite::{AsyncReadExt, AsyncWriteExt};

use self::resp::{Progress, Session, Store};

/// Where the server listens without an argument: Redis's port.
const DEFAULT_ADDR: &str = "127.0.0.1:6379";

/// How often the sweeper removes expired keys that nobody reads (Redis's `hz` 10).
const SWEEP_EVERY: Duration = Duration::from_millis(100);

/// How long, and for how many bytes, a closing connection drains its input.
const LINGER: Duration = Duration::from_secs(1);
const LINGER_BYTES: usize = 1 << 20;

fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| DEFAULT_ADDR.to_string());
    if let Err(message) = run(&addr) {
        eprintln!("redis_server: {message}");
        std::process::exit(1);
    }
}

/// Listens on `addr` and serves until Ctrl-C (SIGINT), then returns: leaving the runtime
/// cancels every connection task and closes its socket. With `STATS_EVERY` set, prints the
/// runtime's gauges to stderr meanwhile (`support/stats.rs`).
pub fn run(addr: &str) -> Result<(), String> {
    eddy::run(async move {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        let local = listener.local_addr().map_err(|e| e.to_string())?;
        println!(
            "eddy RESP server listening on {local} (try: redis-cli -h {} -p {} ping)",
            local.ip(),
            local.port()
        );
        stats::spawn_from_env();
        // `biased`, Ctrl-C first: its first poll installs the handler, before `serve`
        // accepts anyone, so a client that has been answered can count on it.
        eddy::select! {
            biased;
            signal = eddy::signal::ctrl_c() => {
                signal.map_err(|e| format!("cannot wait for Ctrl-C: {e}"))?;
            }
            _ = serve(listener, Arc::new(Store::new())) => {}
        }
        println!("bye");
        Ok(())
    })
}

/// Accepts connections for ever, a task each, and runs the expiry sweeper beside them.
pub async fn serve(listener: TcpListener, store: Arc<Store>) {
    eddy::spawn(sweep(Arc::downgrade(&store)));
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let store = store.clone();
                // A failed connection (reset by the peer, say) concerns only that client.
                eddy::spawn(async move { connection(stream, &store).await.ok() });
            }
            Err(e) => {
                // Out of file descriptors, say: wait rather than spin on the error.
                eprintln!("redis_server: accept failed: {e}; retrying in 100 ms");
                eddy::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// One client: read, answer every complete command with one write, repeat.
async fn connection(mut stream: TcpStream, store: &Store) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut session = Session::new("eddy");
    loop {
        let n = stream.read(session.read_buf()).await?;
        if n == 0 {
            return Ok(());
        }
        session.filled(n);
        loop {
            let progress = session.process(store);
            if !session.output().is_empty() {
                stream.write_all(session.output()).await?;
                session.written();
            }
            match progress {
                Progress::NeedInput => break,
                Progress::Flush => continue,
                Progress::Close => return close(stream).await,
            }
        }
    }
}

/// Ends a connection after its last reply: sends FIN, then reads and drops what the
/// client still sends (at most [`LINGER_BYTES`] bytes for [`LINGER`]). Closing a socket
/// with unread input makes the kernel send a reset, which can destroy the reply before
/// the client reads it.
async fn close(mut stream: TcpStream) -> io::Result<()> {
    stream.close().await?;
    let drain = async {
        let mut sink = [0u8; 4096];
        let mut total = 0;
        while total < LINGER_BYTES {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => break,
                Ok(n) => total += n,
            }
        }
    };
    let _ = eddy::time::timeout(LINGER, drain).await;
    Ok(())
}

/// Removes expired keys that nobody touches, every [`SWEEP_EVERY`], until the store is
/// dropped. A sweep takes a bounded number of keys per shard; when more are due it
/// yields to other tasks and goes on.
async fn sweep(store: Weak<Store>) {
    let mut ticks = eddy::time::interval(SWEEP_EVERY);
    loop {
        ticks.tick().await;
        let Some(store) = store.upgrade() else {
            return;
        };
        while store.sweep(Instant::now()).1 {
            eddy::task::yield_now().await;
        }
    }
}
