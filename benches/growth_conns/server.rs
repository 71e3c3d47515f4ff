//! The child process: the server under test. Once listening it says `LISTENING <port>`,
//! turns the allocator's count on and says `MEM <live heap bytes> <rss bytes>` (the
//! memory step's start). Then commands on stdin, one per line, each answered on stdout:
//! `MEM` -> `MEM <live heap bytes> <rss bytes>`, which also ends the memory step (the
//! count is off from then on, so CPU is measured without it); `CPU` ->
//! `CPU <user ns> <system ns>`; end of input ends it.
use std::io::{BufRead, Write};
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use crate::counting::{LIVE, ON};
use crate::net_rt::{Conn, EddyEpoll, Rt, Smol, Spawner, Tokio};

/// Echoes until end-of-stream (or an error), through a buffer inside the task.
async fn echo<S: Conn>(mut stream: S) {
    let mut buf = [0u8; crate::MESSAGE];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if stream.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
        }
    }
}

pub fn main(runtime: &str, n: usize) {
    crate::raise_nofile(n);
    match runtime {
        "eddy" => serve::<EddyEpoll>(),
        "tokio" => serve::<Tokio>(),
        "smol" => serve::<Smol>(),
        other => panic!("unknown runtime {other:?}: eddy, tokio or smol"),
    }
}

/// RSS in bytes.
pub fn rss() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: usize = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    // SAFETY: `sysconf` reads a constant of the system.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize;
    pages * page
}

/// The listen backlog, the same for every runtime (their own `bind`s differ: eddy's
/// 1024, tokio's and async-net's 128, which makes tokio's and smol's accept queue
/// overflow while 10k clients connect, and their handshakes wait a second for a SYN
/// retransmission). A server that expects bursts of connections sets it.
const BACKLOG: i32 = 1024;

/// A listener on `127.0.0.1` with [`BACKLOG`], handed to the runtime (inside its
/// context).
pub trait Listen: Sized {
    fn listen() -> (Self, std::net::SocketAddr);
}

fn std_listener() -> std::net::TcpListener {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    let addr: std::net::SocketAddr = "127.0.0.1:0".parse().unwrap();
    socket.bind(&addr.into()).unwrap();
    socket.listen(BACKLOG).unwrap();
    socket.set_nonblocking(true).unwrap();
    socket.into()
}

impl Listen for eddy::net::TcpListener {
    fn listen() -> (Self, std::net::SocketAddr) {
        let std = std_listener();
        let addr = std.local_addr().unwrap();
        (eddy::net::TcpListener::from_std(std).unwrap(), addr)
    }
}

impl Listen for tokio::net::TcpListener {
    fn listen() -> (Self, std::net::SocketAddr) {
        let std = std_listener();
        let addr = std.local_addr().unwrap();
        (tokio::net::TcpListener::from_std(std).unwrap(), addr)
    }
}

impl Listen for async_net::TcpListener {
    fn listen() -> (Self, std::net::SocketAddr) {
        let std = std_listener();
        let addr = std.local_addr().unwrap();
        (async_net::TcpListener::try_from(std).unwrap(), addr)
    }
}

fn serve<R: Rt>()
where
    R::Listener: Listen,
{
    let rt = R::build();
    let spawner = rt.spawner();
    let (listener, addr) = rt.block_on(async { R::Listener::listen() });
    // The accept loop runs for the life of the process.
    let accept_spawner = spawner.clone();
    spawner.detach(async move {
        loop {
            let stream = R::accept(&listener).await;
            stream.set_nodelay();
            accept_spawner.detach(echo(stream));
        }
    });
    // Let the accept loop reach its first `accept`.
    std::thread::sleep(Duration::from_millis(50));
    let mut out = std::io::stdout().lock();
    writeln!(out, "LISTENING {}", addr.port()).unwrap();
    // Stdin's buffer (8 KiB) is allocated by the first `stdin()`: before the step.
    let stdin = std::io::stdin();
    // The memory step starts. Relaxed is enough: the clients connect only after reading
    // the line below, which this thread writes (a system call) after the store.
    ON.store(true, Relaxed);
    let (live, rss_before) = (LIVE.load(Relaxed), rss());
    writeln!(out, "MEM {live} {rss_before}").unwrap();
    out.flush().unwrap();
    for line in stdin.lock().lines() {
        match line.unwrap().trim() {
            "MEM" => {
                // The memory step ends: nothing is counted while CPU is measured.
                let live = LIVE.load(Relaxed);
                ON.store(false, Relaxed);
                writeln!(out, "MEM {live} {}", rss()).unwrap()
            }
            "CPU" => {
                let (user, system) = crate::cpu_time();
                writeln!(out, "CPU {} {}", user.as_nanos(), system.as_nanos()).unwrap()
            }
            other => panic!("unknown command {other:?}"),
        }
        out.flush().unwrap();
    }
    // Exits without a teardown: the parent has closed the connections.
    std::process::exit(0);
}
