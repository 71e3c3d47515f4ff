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
//! connection, more than a hard `RLIMIT_NOFILE` of 20,000 allows at 10k (and raising the
//! hard limit needs `CAP_SYS_RESOURCE`); apart, each side needs N + a few.
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
//!   first, over N: the task, the socket's registration, the reactor's slot. The
//!   allocator counts only in this step, so its shared counter costs nothing in the CPU
//!   figure.
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
//!
//! The modules: `server` (the child), `load` (the parent: rounds, medians, CSV), `clients`
//! (the load generator's epoll loop) and `counting` (the child's global allocator).

// The runtimes' wrappers in `net_rt` are shared with `benches/net.rs`.
#![allow(missing_docs, clippy::manual_async_fn)]

#[cfg(target_os = "linux")]
#[allow(dead_code, unused_imports, unused_macros)]
#[path = "../common/mod.rs"]
mod common;
#[cfg(target_os = "linux")]
#[allow(dead_code)]
#[path = "../net_rt/mod.rs"]
mod net_rt;

#[cfg(target_os = "linux")]
mod clients;
#[cfg(target_os = "linux")]
mod counting;
#[cfg(target_os = "linux")]
mod load;
#[cfg(target_os = "linux")]
mod server;

#[cfg(target_os = "linux")]
#[global_allocator]
static ALLOC: counting::Counting = counting::Counting;

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
