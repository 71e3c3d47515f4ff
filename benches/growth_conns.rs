//! Cost growth, the connections axis: 100, 1k and 10k concurrent connections, each
//! echoing 64-byte requests over loopback TCP — eddy vs tokio vs smol (async-net on
//! async-io), 2 worker threads each, in one benchmark run.
//!
//! **Two processes.** The server under test runs in a child process of this binary (one
//! per runtime, N and round, so each starts with a fresh heap and RSS): a listener and an
//! accept loop spawning one echo task per connection (a 64-byte buffer in the task, no
//! box), `TCP_NODELAY` on. The clients are this process's plain threads — 2, each an
//! epoll loop over half the connections with one request in flight per connection, the
//! same load generator for every runtime. Both ends in one process would need 2 fds per
//! connection, and the hard `RLIMIT_NOFILE` here (20,000, not raisable without
//! `CAP_SYS_RESOURCE`) is too low for 10k; apart, each side needs N + a few.
//!
//! Per runtime and N:
//! * `round_trips_per_sec` (overall) and `round_trips_per_sec_per_conn`: counted by the
//!   clients over one second, after every connection has made one round trip and 0.2 s
//!   of warm-up. Client and server share the 2 cores.
//! * `server_cpu_ns_per_round_trip`: the server process's CPU time (user + system, all
//!   threads) over that second, divided by the round trips: what one request costs the
//!   server, whatever share of the cores it got.
//! * `bytes_per_conn`: the server's live heap bytes (a counting global allocator) with N
//!   idle connections (each echoed once, its task waiting in `read`) minus before the
//!   first, over N: the task, the socket's registration, the reactor's slot.
//! * `rss_bytes_per_conn`: the same for the server's RSS (`/proc/self/statm`), which also
//!   counts the allocator's slack.
//!
//! Rounds are interleaved (eddy, tokio, smol, eddy, ...); each figure is the median of
//! [`ROUNDS`] rounds ([`ROUNDS_10K`] at 10k). Rows `conns,<runtime>,<n>,<metric>,...` go
//! to `target/growth/conns.csv` (`$CARGO_TARGET_DIR/growth/` if set), for
//! `python3 scripts/chart.py growth`.
//!
//! Run with `cargo bench --bench growth_conns` (about two minutes); arguments after `--`
//! pick the Ns (`cargo bench --bench growth_conns -- 100 1000`). Linux only (epoll,
//! `/proc`).

// The runtimes' wrappers in `net_rt` are shared with `benches/net.rs`.
#![allow(missing_docs, clippy::manual_async_fn)]

#[cfg(target_os = "linux")]
#[allow(dead_code, unused_imports, unused_macros)]
mod common;
#[cfg(target_os = "linux")]
#[allow(dead_code)]
mod net_rt;

#[cfg(target_os = "linux")]
mod counting {
    //! The global allocator: the system's, counting live bytes.
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::sync::atomic::{AtomicIsize, Ordering::Relaxed};

    pub struct Counting;

    /// Bytes allocated and not yet freed.
    pub static LIVE: AtomicIsize = AtomicIsize::new(0);

    // SAFETY: every call is forwarded to `System` with the caller's arguments, so its
    // guarantees are `System`'s; the counter only observes sizes.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            // SAFETY: the caller's contract for `alloc`, passed on.
            let p = unsafe { System.alloc(layout) };
            if !p.is_null() {
                LIVE.fetch_add(layout.size() as isize, Relaxed);
            }
            p
        }
        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            // SAFETY: the caller's contract for `alloc_zeroed`, passed on.
            let p = unsafe { System.alloc_zeroed(layout) };
            if !p.is_null() {
                LIVE.fetch_add(layout.size() as isize, Relaxed);
            }
            p
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: the caller's contract for `dealloc`, passed on.
            unsafe { System.dealloc(ptr, layout) };
            LIVE.fetch_sub(layout.size() as isize, Relaxed);
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            // SAFETY: the caller's contract for `realloc`, passed on.
            let p = unsafe { System.realloc(ptr, layout, new_size) };
            if !p.is_null() {
                LIVE.fetch_add(new_size as isize - layout.size() as isize, Relaxed);
            }
            p
        }
    }
}

#[cfg(target_os = "linux")]
#[global_allocator]
static ALLOC: counting::Counting = counting::Counting;

#[cfg(target_os = "linux")]
mod server {
    //! The child process: the server under test. Commands on stdin, one per line, each
    //! answered on stdout: `MEM` -> `MEM <live heap bytes> <rss bytes>`, `CPU` ->
    //! `CPU <process cpu ns>`; end of input ends it.
    use std::io::{BufRead, Write};
    use std::sync::atomic::Ordering::Relaxed;
    use std::time::Duration;

    use crate::counting::LIVE;
    use crate::net_rt::{Conn, EddyEpoll, Rt, Smol, Spawner, Tokio};

    /// Echoes until end-of-stream (or an error), through a buffer inside the task.
    async fn echo<S: Conn>(mut stream: S) {
        let mut buf = [0u8; super::MESSAGE];
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
        super::raise_nofile(n);
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
        let socket =
            socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
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
        writeln!(out, "MEM {} {}", LIVE.load(Relaxed), rss()).unwrap();
        out.flush().unwrap();
        for line in std::io::stdin().lock().lines() {
            match line.unwrap().trim() {
                "MEM" => writeln!(out, "MEM {} {}", LIVE.load(Relaxed), rss()).unwrap(),
                "CPU" => {
                    let (user, system) = super::cpu_time();
                    writeln!(out, "CPU {} {}", user.as_nanos(), system.as_nanos()).unwrap()
                }
                other => panic!("unknown command {other:?}"),
            }
            out.flush().unwrap();
        }
        // Exits without a teardown: the parent has closed the connections.
        std::process::exit(0);
    }
}

#[cfg(target_os = "linux")]
mod load {
    //! The parent process: starts each server, connects, loads, collects, writes the CSV.
    use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
    use std::net::TcpStream;
    use std::os::fd::AsRawFd;
    use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::*};
    use std::sync::Arc;
    use std::thread;
    use std::time::{Duration, Instant};

    use super::{MESSAGE, ROUNDS, ROUNDS_10K};

    /// Client threads.
    const THREADS: usize = 2;
    /// Threads that make the connections.
    const CONNECTORS: usize = 4;
    const SIZES: [usize; 3] = [100, 1_000, 10_000];
    const WARM_UP: Duration = Duration::from_millis(200);
    const MEASURE: Duration = Duration::from_secs(1);
    const RUNTIMES: [&str; 3] = ["eddy", "tokio", "smol"];

    /// One measurement.
    #[derive(Clone, Copy, Debug)]
    struct Sample {
        rps: f64,
        user_ns_per_rt: f64,
        sys_ns_per_rt: f64,
        heap_per_conn: f64,
        rss_per_conn: f64,
    }

    struct Server {
        child: Child,
        stdin: ChildStdin,
        stdout: BufReader<ChildStdout>,
    }

    impl Server {
        fn start(runtime: &str, n: usize) -> (Server, u16) {
            let mut child = Command::new(std::env::current_exe().unwrap())
                .args(["--server", runtime, &n.to_string()])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let stdin = child.stdin.take().unwrap();
            let stdout = BufReader::new(child.stdout.take().unwrap());
            let mut server = Server {
                child,
                stdin,
                stdout,
            };
            let port = server.line("LISTENING")[0] as u16;
            (server, port)
        }

        /// The next reply, which must start with `tag`: its numbers.
        fn line(&mut self, tag: &str) -> Vec<f64> {
            let mut line = String::new();
            self.stdout.read_line(&mut line).unwrap();
            let mut words = line.split_whitespace();
            assert_eq!(
                words.next(),
                Some(tag),
                "the server child said {line:?} (exited: {:?})",
                self.child.try_wait()
            );
            words.map(|w| w.parse().unwrap()).collect()
        }

        fn ask(&mut self, command: &str) -> Vec<f64> {
            writeln!(self.stdin, "{command}").unwrap();
            self.stdin.flush().unwrap();
            self.line(command)
        }
    }

    /// One client thread's connections and its epoll instance.
    struct Clients {
        epoll: i32,
        streams: Vec<TcpStream>,
        /// Bytes of the current response read so far, per connection.
        got: Vec<usize>,
    }

    impl Clients {
        fn new(streams: Vec<TcpStream>) -> Clients {
            // SAFETY: plain system call; the result is checked.
            let epoll = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
            assert!(
                epoll >= 0,
                "epoll_create1: {}",
                std::io::Error::last_os_error()
            );
            for (i, stream) in streams.iter().enumerate() {
                let mut event = libc::epoll_event {
                    events: libc::EPOLLIN as u32,
                    u64: i as u64,
                };
                // SAFETY: `epoll` and the stream's fd are open; `event` outlives the call.
                let rc = unsafe {
                    libc::epoll_ctl(epoll, libc::EPOLL_CTL_ADD, stream.as_raw_fd(), &mut event)
                };
                assert_eq!(rc, 0, "epoll_ctl: {}", std::io::Error::last_os_error());
            }
            let got = vec![0; streams.len()];
            Clients {
                epoll,
                streams,
                got,
            }
        }

        fn send(&self, i: usize) {
            let n = (&self.streams[i]).write(&[0xa5; MESSAGE]).unwrap();
            // A fresh 64-byte write to a socket with one message in flight: always whole.
            assert_eq!(n, MESSAGE, "short write");
        }

        /// Sends one request on every connection, then answers each response with the
        /// next request while `go` holds (once each if `once`), counting round trips.
        fn run(&mut self, once: bool, go: &AtomicBool, count: &AtomicU64) {
            for i in 0..self.streams.len() {
                self.send(i);
            }
            let mut waiting = self.streams.len();
            let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; 1024];
            let mut buf = [0u8; MESSAGE];
            while waiting > 0 {
                // SAFETY: `events` has room for 1024 entries.
                let ready = unsafe { libc::epoll_wait(self.epoll, events.as_mut_ptr(), 1024, 100) };
                if ready < 0 {
                    let err = std::io::Error::last_os_error();
                    assert_eq!(err.kind(), ErrorKind::Interrupted, "epoll_wait: {err}");
                    continue;
                }
                let mut done = 0;
                for event in &events[..ready as usize] {
                    let i = event.u64 as usize;
                    let want = MESSAGE - self.got[i];
                    match (&self.streams[i]).read(&mut buf[..want]) {
                        Ok(0) => panic!("the server closed connection {i}"),
                        Ok(k) => self.got[i] += k,
                        Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
                        Err(e) => panic!("read: {e}"),
                    }
                    if self.got[i] < MESSAGE {
                        continue;
                    }
                    self.got[i] = 0;
                    done += 1;
                    if !once && go.load(Relaxed) {
                        self.send(i);
                    } else {
                        waiting -= 1;
                    }
                }
                count.fetch_add(done, Relaxed);
            }
        }
    }

    impl Drop for Clients {
        fn drop(&mut self) {
            // SAFETY: `epoll` is ours and closed once.
            unsafe { libc::close(self.epoll) };
        }
    }

    fn measure(runtime: &str, n: usize) -> Sample {
        let start = Instant::now();
        let trace = std::env::var_os("GROWTH_TRACE").is_some();
        let (mut server, port) = Server::start(runtime, n);
        if trace {
            eprintln!("{runtime} {n}: started {:?}", start.elapsed());
        }
        let before = server.line("MEM");
        // Connected from CONNECTORS threads at once: a handshake whose SYN finds the accept
        // queue full waits a second for its retransmission, and the connections made
        // meanwhile by the other threads need not wait behind it.
        let mut groups: Vec<Vec<TcpStream>> = (0..THREADS).map(|_| Vec::new()).collect();
        let connected: Vec<Vec<TcpStream>> = thread::scope(|scope| {
            let connectors: Vec<_> = (0..CONNECTORS)
                .map(|c| {
                    scope.spawn(move || {
                        let count = (c + 1) * n / CONNECTORS - c * n / CONNECTORS;
                        (0..count)
                            .map(|_| {
                                let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
                                stream.set_nodelay(true).unwrap();
                                stream.set_nonblocking(true).unwrap();
                                // Closed with RST at the end: no TIME_WAIT left behind.
                                socket2::SockRef::from(&stream)
                                    .set_linger(Some(Duration::ZERO))
                                    .unwrap();
                                stream
                            })
                            .collect()
                    })
                })
                .collect();
            connectors.into_iter().map(|t| t.join().unwrap()).collect()
        });
        for (i, stream) in connected.into_iter().flatten().enumerate() {
            groups[i % THREADS].push(stream);
        }
        let mut clients: Vec<Clients> = groups.into_iter().map(Clients::new).collect();
        if trace {
            eprintln!("{runtime} {n}: connected {:?}", start.elapsed());
        }

        // Every connection accepted and echoed once: N idle connections.
        let go = AtomicBool::new(true);
        let count = AtomicU64::new(0);
        for c in &mut clients {
            c.run(true, &go, &count);
        }
        assert_eq!(count.load(Relaxed), n as u64);
        let after = server.ask("MEM");
        if trace {
            eprintln!("{runtime} {n}: echoed once {:?}", start.elapsed());
        }
        let heap_per_conn = (after[0] - before[0]) / n as f64;
        let rss_per_conn = (after[1] - before[1]) / n as f64;

        // Load: warm up, then count for MEASURE.
        let go = Arc::new(AtomicBool::new(true));
        let count = Arc::new(AtomicU64::new(0));
        let threads: Vec<_> = clients
            .into_iter()
            .map(|mut c| {
                let (go, count) = (go.clone(), count.clone());
                thread::spawn(move || {
                    c.run(false, &go, &count);
                    c
                })
            })
            .collect();
        thread::sleep(WARM_UP);
        let (cpu0, rts0, t0) = (server.ask("CPU"), count.load(Relaxed), Instant::now());
        thread::sleep(MEASURE);
        let (cpu1, rts1, t1) = (server.ask("CPU"), count.load(Relaxed), Instant::now());
        go.store(false, Relaxed);
        let clients: Vec<Clients> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        let rts = (rts1 - rts0) as f64;
        drop(clients);
        drop(server.stdin);
        if trace {
            eprintln!("{runtime} {n}: measured {:?}", start.elapsed());
        }
        server.child.wait().unwrap();
        if trace {
            eprintln!("{runtime} {n}: exited {:?}", start.elapsed());
        }
        Sample {
            rps: rts / (t1 - t0).as_secs_f64(),
            user_ns_per_rt: (cpu1[0] - cpu0[0]) / rts,
            sys_ns_per_rt: (cpu1[1] - cpu0[1]) / rts,
            heap_per_conn,
            rss_per_conn,
        }
    }

    fn median(mut xs: Vec<f64>) -> f64 {
        xs.sort_by(f64::total_cmp);
        let m = xs.len() / 2;
        if xs.len() % 2 == 1 {
            xs[m]
        } else {
            (xs[m - 1] + xs[m]) / 2.0
        }
    }

    pub fn main() {
        let given: Vec<usize> = std::env::args()
            .skip(1)
            .filter_map(|a| a.parse().ok())
            .collect();
        let sizes = if given.is_empty() {
            SIZES.to_vec()
        } else {
            given
        };
        let largest = sizes.iter().copied().max().unwrap_or(0);
        super::raise_nofile(largest);

        let mut csv = String::from("axis,runtime,n,metric,value,unit\n");
        println!(
            "{:>6} {:>6} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
            "n", "rt", "rt/s", "/conn", "cpu ns", "user ns", "sys ns", "heap B", "rss B"
        );
        for &n in &sizes {
            let rounds = if n >= 10_000 { ROUNDS_10K } else { ROUNDS };
            let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); RUNTIMES.len()];
            for _ in 0..rounds {
                for (r, runtime) in RUNTIMES.iter().enumerate() {
                    samples[r].push(measure(runtime, n));
                }
            }
            for (runtime, s) in RUNTIMES.iter().zip(&samples) {
                let m = |f: fn(&Sample) -> f64| median(s.iter().map(f).collect());
                let rps = m(|s| s.rps);
                let rows = [
                    ("round_trips_per_sec", rps, "1/s"),
                    ("round_trips_per_sec_per_conn", rps / n as f64, "1/s"),
                    (
                        "server_cpu_ns_per_round_trip",
                        m(|s| s.user_ns_per_rt + s.sys_ns_per_rt),
                        "ns",
                    ),
                    (
                        "server_user_ns_per_round_trip",
                        m(|s| s.user_ns_per_rt),
                        "ns",
                    ),
                    ("server_sys_ns_per_round_trip", m(|s| s.sys_ns_per_rt), "ns"),
                    ("bytes_per_conn", m(|s| s.heap_per_conn), "B"),
                    ("rss_bytes_per_conn", m(|s| s.rss_per_conn), "B"),
                ];
                println!(
                    "{n:>6} {runtime:>6} {:>9.0} {:>9.1} {:>9.0} {:>9.0} {:>9.0} {:>9.0} {:>9.0}",
                    rows[0].1, rows[1].1, rows[2].1, rows[3].1, rows[4].1, rows[5].1, rows[6].1
                );
                for (metric, value, unit) in rows {
                    csv.push_str(&format!("conns,{runtime},{n},{metric},{value:.1},{unit}\n"));
                }
            }
        }
        let dir = std::path::PathBuf::from(
            std::env::var_os("CARGO_TARGET_DIR").unwrap_or_else(|| "target".into()),
        )
        .join("growth");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("conns.csv");
        std::fs::write(&path, csv).unwrap();
        println!("(medians; {ROUNDS} rounds, {ROUNDS_10K} at 10k; {THREADS} client threads)");
        println!("wrote {}", path.display());
    }
}

/// Size of a request (and its echo).
#[cfg(target_os = "linux")]
const MESSAGE: usize = 64;
/// Rounds per runtime and N.
#[cfg(target_os = "linux")]
const ROUNDS: usize = 5;
/// Rounds at 10k connections.
#[cfg(target_os = "linux")]
const ROUNDS_10K: usize = 3;

/// Raises the soft `RLIMIT_NOFILE` to what `n` connections (one end each) need, or exits
/// saying why it cannot.
#[cfg(target_os = "linux")]
fn raise_nofile(n: usize) {
    let need = (n + 256) as libc::rlim_t;
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `getrlimit` writes the `rlimit` we pass.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    assert_eq!(rc, 0, "getrlimit: {}", std::io::Error::last_os_error());
    if limit.rlim_cur >= need {
        return;
    }
    let wanted = libc::rlimit {
        rlim_cur: need,
        rlim_max: limit.rlim_max.max(need),
    };
    // SAFETY: `setrlimit` reads the `rlimit` we pass.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &wanted) } != 0 {
        eprintln!(
            "growth_conns: {n} connections need {need} file descriptors per process, but \
             RLIMIT_NOFILE is {} (hard limit {}) and raising it failed: {}. Raise the hard \
             limit (`ulimit -Hn {need}` as root, or limits.conf) or pass smaller Ns \
             (`cargo bench --bench growth_conns -- 100 1000`).",
            limit.rlim_cur,
            limit.rlim_max,
            std::io::Error::last_os_error()
        );
        std::process::exit(1);
    }
}

/// Process CPU time (user, system; all threads).
#[cfg(target_os = "linux")]
fn cpu_time() -> (std::time::Duration, std::time::Duration) {
    // SAFETY: `getrusage` writes a `rusage` into the zeroed one we pass (a plain C struct
    // for which all-zero is valid).
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        assert_eq!(libc::getrusage(libc::RUSAGE_SELF, &mut usage), 0);
        usage
    };
    let tv = |t: libc::timeval| {
        std::time::Duration::from_secs(t.tv_sec as u64)
            + std::time::Duration::from_micros(t.tv_usec as u64)
    };
    (tv(usage.ru_utime), tv(usage.ru_stime))
}

#[cfg(target_os = "linux")]
fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(pos) = args.iter().position(|a| a == "--server") {
        server::main(&args[pos + 1], args[pos + 2].parse().unwrap());
    } else {
        load::main();
    }
}

#[cfg(not(target_os = "linux"))]
fn main() {
    eprintln!("growth_conns uses epoll and /proc: Linux only");
}
