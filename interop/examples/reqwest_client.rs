//! reqwest called from inside eddy, measured: what it costs to run a crate that needs
//! tokio's runtime (docs/compat.md) beside eddy's own hyper client.
//!
//! ```text
//! cargo run --release -p eddy-interop --example reqwest_client
//! cargo run --release -p eddy-interop --example reqwest_client -- --secs 5 --tasks 64
//! cargo run --release -p eddy-interop --example reqwest_client -- http://127.0.0.1:8080/
//! cargo run --release -p eddy-interop --example reqwest_client -- --bare
//! ```
//!
//! Without a URL it starts examples/http_server (its `serve`, the same routes) in a child
//! process — this binary run again with `--serve` — so that the CPU time measured here
//! (`getrusage`) is the client's alone. Then, for each way of running a client, it keeps
//! `--tasks` tasks (64) sending `GET` requests back to back for `--secs` seconds (3),
//! each over keep-alive connections, and prints the requests per second, the ratio to
//! eddy's own client and the client's CPU time per request:
//!
//! * **eddy + hyper**: hyper's client connection on an eddy `TcpStream`, one per task;
//! * **reqwest, async-compat**: each task's loop wrapped in `async_compat::Compat`, which
//!   enters a tokio runtime of its own (one thread) while it polls;
//! * **reqwest, tokio beside**: a tokio runtime (`--tokio-threads`, 1) whose handle every
//!   eddy thread enters in `Builder::on_thread_start` — the pattern docs/compat.md shows;
//! * **reqwest on tokio**: the reference, reqwest on tokio's own multi-threaded runtime.
//!
//! `--bare` instead calls reqwest on eddy with no tokio runtime at all, and prints the
//! panic that explains why the two ways above exist.

#[path = "../../examples/http_server/main.rs"]
mod http_server;

use std::cell::RefCell;
use std::error::Error;
use std::future::Future;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use async_compat::Compat;
use bytes::Bytes;
use eddy::net::{TcpListener, TcpStream};
use http_body_util::{BodyExt, Empty};
use hyper::header::HOST;
use hyper::{Request, StatusCode, Uri};

type BoxError = Box<dyn Error + Send + Sync>;

/// What one run is asked to do.
#[derive(Debug, Clone)]
struct Options {
    url: Option<String>,
    secs: f64,
    tasks: usize,
    tokio_threads: usize,
    /// Which clients to run, in this order (`--clients`).
    clients: Vec<Kind>,
}

fn main() -> Result<(), BoxError> {
    let mut args = std::env::args().skip(1);
    let mut options = Options {
        url: None,
        secs: 3.0,
        tasks: 64,
        tokio_threads: 1,
        clients: Kind::ALL.to_vec(),
    };
    let mut bare = false;
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--serve" => return serve_until_stdin_closes(),
            "--bare" => bare = true,
            "--secs" => options.secs = value("--secs")?.parse()?,
            "--tasks" => options.tasks = value("--tasks")?.parse()?,
            "--tokio-threads" => options.tokio_threads = value("--tokio-threads")?.parse()?,
            "--clients" => options.clients = Kind::parse_list(&value("--clients")?)?,
            url if url.starts_with("http://") => options.url = Some(url.to_owned()),
            other => {
                return Err(format!(
                    "unknown argument {other:?}: try [http://HOST:PORT/] [--secs S] \
                     [--tasks N] [--tokio-threads N] [--clients hyper,compat,beside,tokio] \
                     [--bare]"
                )
                .into())
            }
        }
    }
    if options.tasks == 0
        || options.tokio_threads == 0
        || options.secs.is_nan()
        || options.secs <= 0.0
    {
        return Err("--tasks, --tokio-threads and --secs must be positive".into());
    }

    // A server of our own in a child process, unless a URL was given.
    let mut server = None;
    let url = match options.url.clone() {
        Some(url) => url,
        None => {
            let (child, url) = start_server()?;
            server = Some(child);
            url
        }
    };
    let result = if bare {
        bare_reqwest(&url)
    } else {
        measure_all(&url, &options)
    };
    if let Some(mut child) = server {
        drop(child.stdin.take()); // the server drains and exits when its stdin closes
        child.wait()?;
    }
    result
}

/// Runs every client in turn and prints the table.
fn measure_all(url: &str, options: &Options) -> Result<(), BoxError> {
    let uri: Uri = url.parse()?;
    let secs = Duration::from_secs_f64(options.secs);
    println!(
        "{} tasks, {:.1} s per client, GET {url}; tokio beside eddy: {} thread(s)",
        options.tasks, options.secs, options.tokio_threads
    );
    let mut rows = Vec::new();
    for &kind in &options.clients {
        let measured = measure(kind, &uri, options.tasks, secs, options.tokio_threads)?;
        rows.push((kind, measured));
    }
    // Ratios are to eddy's own client if it ran, else to the first client.
    let base = rows
        .iter()
        .find(|(kind, _)| matches!(kind, Kind::EddyHyper))
        .unwrap_or(&rows[0])
        .1
        .per_second();
    println!(
        "{:<24} {:>10} {:>9} {:>13}",
        "client", "req/s", "vs eddy", "CPU us/req"
    );
    for (kind, m) in &rows {
        let name = kind.name();
        let cpu = m.cpu.map_or("n/a".to_owned(), |cpu| {
            format!("{:.1}", cpu.as_secs_f64() * 1e6 / m.requests as f64)
        });
        println!(
            "{name:<24} {:>10.0} {:>9.2} {cpu:>13}",
            m.per_second(),
            m.per_second() / base
        );
    }
    Ok(())
}

/// The ways of running a client that `measure` knows.
#[derive(Debug, Clone, Copy)]
enum Kind {
    EddyHyper,
    Compat,
    TokioBeside,
    Tokio,
}

impl Kind {
    const ALL: [Kind; 4] = [
        Kind::EddyHyper,
        Kind::Compat,
        Kind::TokioBeside,
        Kind::Tokio,
    ];

    fn name(self) -> &'static str {
        match self {
            Kind::EddyHyper => "eddy + hyper",
            Kind::Compat => "reqwest, async-compat",
            Kind::TokioBeside => "reqwest, tokio beside",
            Kind::Tokio => "reqwest on tokio",
        }
    }

    /// `--clients hyper,compat,beside,tokio`: a subset, in the order given.
    fn parse_list(list: &str) -> Result<Vec<Kind>, BoxError> {
        list.split(',')
            .map(|name| match name.trim() {
                "hyper" => Ok(Kind::EddyHyper),
                "compat" => Ok(Kind::Compat),
                "beside" => Ok(Kind::TokioBeside),
                "tokio" => Ok(Kind::Tokio),
                other => Err(format!(
                    "unknown client {other:?}: the clients are hyper, compat, beside, tokio"
                )
                .into()),
            })
            .collect()
    }
}

/// One client's result: requests completed, wall time, this process's CPU time.
#[derive(Debug)]
struct Measured {
    requests: u64,
    elapsed: Duration,
    cpu: Option<Duration>,
}

impl Measured {
    fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
}

fn measure(
    kind: Kind,
    uri: &Uri,
    tasks: usize,
    secs: Duration,
    tokio_threads: usize,
) -> Result<Measured, BoxError> {
    let url = uri.to_string();
    // Each client gets a runtime of its own, built before the clock starts.
    let eddy_rt = match kind {
        Kind::TokioBeside => Some(eddy_with_tokio_beside(tokio_threads)?),
        Kind::EddyHyper | Kind::Compat => Some(eddy::Builder::new_multi_thread().build()?),
        Kind::Tokio => None,
    };
    let tokio_rt = match kind {
        Kind::Tokio => Some(
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?,
        ),
        _ => None,
    };
    let client = reqwest::Client::new();
    let cpu_before = cpu_time();
    let start = Instant::now();
    let deadline = start + secs;
    let counts: Vec<Result<u64, BoxError>> = match (kind, eddy_rt, tokio_rt) {
        (Kind::EddyHyper, Some(rt), _) => {
            rt.block_on(join_eddy(tasks, || hyper_on_eddy(uri.clone(), deadline)))
        }
        (Kind::Compat, Some(rt), _) => rt.block_on(join_eddy(tasks, || {
            Compat::new(reqwest_loop(client.clone(), url.clone(), deadline))
        })),
        (Kind::TokioBeside, Some(rt), _) => {
            // The thread calling `block_on` is not one the runtime started: enter here too.
            let _entered = tokio_handle(tokio_threads).enter();
            rt.block_on(join_eddy(tasks, || {
                reqwest_loop(client.clone(), url.clone(), deadline)
            }))
        }
        (Kind::Tokio, _, Some(rt)) => rt.block_on(async {
            let handles: Vec<_> = (0..tasks)
                .map(|_| tokio::spawn(reqwest_loop(client.clone(), url.clone(), deadline)))
                .collect();
            let mut counts = Vec::new();
            for handle in handles {
                counts.push(handle.await.map_err(BoxError::from).and_then(|r| r));
            }
            counts
        }),
        _ => unreachable!("each kind builds its runtime above"),
    };
    let elapsed = start.elapsed();
    let cpu = cpu_before.zip(cpu_time()).map(|(a, b)| b.saturating_sub(a));
    let mut requests = 0;
    for count in counts {
        requests += count?;
    }
    Ok(Measured {
        requests,
        elapsed,
        cpu,
    })
}

/// Spawns `tasks` eddy tasks made by `make` and collects their counts.
async fn join_eddy<F>(tasks: usize, mut make: impl FnMut() -> F) -> Vec<Result<u64, BoxError>>
where
    F: Future<Output = Result<u64, BoxError>> + Send + 'static,
{
    let handles: Vec<_> = (0..tasks).map(|_| eddy::spawn(make())).collect();
    let mut counts = Vec::new();
    for handle in handles {
        counts.push(handle.await.map_err(BoxError::from).and_then(|r| r));
    }
    counts
}

/// eddy's own client: one keep-alive hyper connection on an eddy `TcpStream`, requests
/// back to back until `deadline`.
async fn hyper_on_eddy(uri: Uri, deadline: Instant) -> Result<u64, BoxError> {
    let host = uri.host().ok_or("the URL has no host")?;
    let port = uri.port_u16().unwrap_or(80);
    let authority = uri.authority().ok_or("the URL has no host")?.to_string();
    let stream = TcpStream::connect((host, port))
        .await
        .map_err(|err| format!("cannot connect to {host}:{port}: {err}"))?;
    stream.set_nodelay(true)?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(stream).await?;
    let connection = eddy::spawn(connection);
    let mut done = 0;
    while Instant::now() < deadline {
        sender.ready().await?;
        let request = Request::get(uri.path())
            .header(HOST, &authority)
            .body(Empty::<Bytes>::new())?;
        let response = sender.send_request(request).await?;
        if response.status() != StatusCode::OK {
            return Err(format!("GET {uri}: {}", response.status()).into());
        }
        response.into_body().collect().await?;
        done += 1;
    }
    drop(sender);
    connection.await??;
    Ok(done)
}

/// reqwest's client, requests back to back until `deadline`; its pool keeps a keep-alive
/// connection per task in flight. Runs wherever a tokio runtime is entered.
async fn reqwest_loop(
    client: reqwest::Client,
    url: String,
    deadline: Instant,
) -> Result<u64, BoxError> {
    let mut done = 0;
    while Instant::now() < deadline {
        let response = client.get(&url).send().await?.error_for_status()?;
        response.bytes().await?;
        done += 1;
    }
    Ok(done)
}

/// The tokio runtime that reqwest runs on beside eddy: built once, never dropped (its
/// threads end with the process).
static TOKIO: OnceLock<tokio::runtime::Runtime> = OnceLock::new();

thread_local! {
    /// This thread's entry into [`TOKIO`], held from `on_thread_start` to `on_thread_stop`.
    static ENTERED: RefCell<Option<tokio::runtime::EnterGuard<'static>>> =
        const { RefCell::new(None) };
}

fn tokio_handle(threads: usize) -> &'static tokio::runtime::Handle {
    TOKIO
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(threads)
                .thread_name("tokio-beside-eddy")
                .enable_all()
                .build()
                .expect("cannot start the tokio runtime")
        })
        .handle()
}

/// An eddy runtime whose threads (workers and blocking threads) all have the tokio
/// runtime entered, so tokio-only crates find it from any eddy task.
fn eddy_with_tokio_beside(threads: usize) -> std::io::Result<eddy::Runtime> {
    let handle = tokio_handle(threads);
    eddy::Builder::new_multi_thread()
        .on_thread_start(move || ENTERED.with(|e| *e.borrow_mut() = Some(handle.enter())))
        .on_thread_stop(|| {
            // Left in the thread-local, the guard would be dropped after tokio's own
            // thread-locals may be gone: take it out while the thread is still running.
            let guard = ENTERED.with(|e| e.borrow_mut().take());
            drop(guard);
        })
        .build()
}

/// `--bare`: reqwest on eddy with no tokio runtime entered.
fn bare_reqwest(url: &str) -> Result<(), BoxError> {
    let url = url.to_owned();
    let outcome = eddy::run(async move {
        eddy::spawn(async move {
            let response = reqwest::get(&url).await?;
            Ok::<_, reqwest::Error>(response.status())
        })
        .await
    });
    match outcome {
        Ok(result) => println!("reqwest on eddy alone returned {result:?}"),
        Err(err) if err.is_panic() => {
            let panic = err.into_panic();
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            println!("reqwest on eddy alone panicked: {message}");
        }
        Err(err) => return Err(err.into()),
    }
    Ok(())
}

/// Starts this binary with `--serve` and reads the address it listens on.
fn start_server() -> Result<(Child, String), BoxError> {
    let mut child = Command::new(std::env::current_exe()?)
        .arg("--serve")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("the server has no stdout")?;
    let mut stdout = BufReader::new(stdout);
    let mut line = String::new();
    stdout.read_line(&mut line)?;
    // The server prints more as it shuts down: keep reading, so it never writes to a
    // closed pipe.
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .ok_or_else(|| format!("the server said {line:?}, not its address"))?;
    Ok((child, format!("http://{addr}/")))
}

/// `--serve`: examples/http_server's `serve` on 127.0.0.1 (any free port), until the
/// parent closes our stdin.
fn serve_until_stdin_closes() -> Result<(), BoxError> {
    eddy::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        println!("listening on {}", listener.local_addr()?);
        let stdin_closed = async {
            let mut sink = Vec::new();
            eddy::io::AsyncReadExt::read_to_end(&mut eddy::io::stdin(), &mut sink).await?;
            Ok(())
        };
        http_server::serve(listener, stdin_closed).await?;
        Ok(())
    })
}

/// This process's CPU time (user + system), all threads.
#[cfg(unix)]
fn cpu_time() -> Option<Duration> {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: `usage` is a valid, writable `rusage`; RUSAGE_SELF is a valid `who`.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) };
    if rc != 0 {
        return None;
    }
    // SAFETY: getrusage returned 0, so it filled `usage` in (and it was zeroed before).
    let usage = unsafe { usage.assume_init() };
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    Some(time(usage.ru_utime) + time(usage.ru_stime))
}

#[cfg(not(unix))]
fn cpu_time() -> Option<Duration> {
    None
}
