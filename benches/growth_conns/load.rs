//! The parent process: starts each server, connects, loads, collects, writes the CSV.
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::*};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crate::clients::Clients;
use crate::{ROUNDS, ROUNDS_10K};

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
    crate::raise_nofile(largest);

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
