//! The tokio twin of `examples/redis_server`: the same `resp.rs` (parser, store,
//! commands, per-connection session) on tokio's multi-threaded runtime, with the same
//! structure — a task per connection, the session's buffers, one write per batch of
//! replies, a sweeper task on a 100 ms interval.
//!
//! ```sh
//! cargo run --release -p eddy-twins --bin redis_server_tokio -- 127.0.0.1:6380
//! ```

#[path = "../../../../examples/redis_server/resp.rs"]
mod resp;

use std::io;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

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
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("redis_server_tokio: cannot start the runtime: {e}");
            std::process::exit(1);
        }
    };
    let result = runtime.block_on(async move {
        let listener = TcpListener::bind(addr.as_str())
            .await
            .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        let local = listener.local_addr().map_err(|e| e.to_string())?;
        println!(
            "tokio RESP server listening on {local} (try: redis-cli -h {} -p {} ping)",
            local.ip(),
            local.port()
        );
        serve(listener, Arc::new(Store::new())).await;
        Ok::<(), String>(())
    });
    if let Err(message) = result {
        eprintln!("redis_server_tokio: {message}");
        std::process::exit(1);
    }
}

/// Accepts connections for ever, a task each, and runs the expiry sweeper beside them.
async fn serve(listener: TcpListener, store: Arc<Store>) {
    tokio::spawn(sweep(Arc::downgrade(&store)));
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let store = store.clone();
                tokio::spawn(async move { connection(stream, &store).await.ok() });
            }
            Err(e) => {
                eprintln!("redis_server_tokio: accept failed: {e}; retrying in 100 ms");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// One client: read, answer every complete command with one write, repeat.
async fn connection(mut stream: TcpStream, store: &Store) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut session = Session::new("tokio");
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
    stream.shutdown().await?;
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
    let _ = tokio::time::timeout(LINGER, drain).await;
    Ok(())
}

/// Removes expired keys that nobody touches, every [`SWEEP_EVERY`], until the store is
/// dropped; yields between bounded sweeps when more are due.
async fn sweep(store: Weak<Store>) {
    let mut ticks = tokio::time::interval(SWEEP_EVERY);
    loop {
        ticks.tick().await;
        let Some(store) = store.upgrade() else {
            return;
        };
        while store.sweep(Instant::now()).1 {
            tokio::task::yield_now().await;
        }
    }
}
