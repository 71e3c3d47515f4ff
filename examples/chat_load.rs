//! A crowd of line clients for the chat example (examples/chat), the chat part of
//! `.ci/soak`: CLIENTS clients at once for SECONDS, each joining, talking and leaving
//! again and again, at random.
//!
//! ```sh
//! cargo run --release --example chat -- 127.0.0.1:7000 &
//! cargo run --release --example chat_load -- 127.0.0.1:7000 200 60
//! ```
//!
//! Each session is one of three kinds (the first letter of its nickname says which):
//!
//! * `w`, well behaved (70%): joins, reads everything, sends a numbered line every 0.3 to
//!   3 s for 2 to 20 s, then leaves with `/quit` (waiting for `* bye`) or by closing its
//!   write side (waiting for the server to close).
//! * `m`, mid-line (15%): joins, sends a few lines, then half a line (no `\n`) and closes.
//! * `s`, stuck (15%): joins, sends a few lines and never reads again; closes after 10 to
//!   90 s. The server may drop it as too slow or keep it; either is fine.
//!
//! What the clients cause on purpose (mid-line closes, stuck readers, the server
//! dropping a stuck reader) is counted apart from what they did not cause: a connect
//! that fails, a well-behaved client disconnected or dropped, a line lost between two
//! clients (each sender numbers its lines; a receiver that sees a sender's numbers skip
//! has lost one), a half line delivered, its own line echoed back, any reply the
//! protocol does not have. The summary goes to stdout as `key=value` pairs; each
//! unexpected error to stderr (the first 20 of each kind). Exits 1 if there was any.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use eddy::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use eddy::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use eddy::net::TcpStream;
use eddy::time::{sleep, timeout};

/// How long a client waits for the connection, for its welcome, or for the server to
/// close after it left, before counting an error.
const PATIENCE: Duration = Duration::from_secs(15);

/// What a mid-line client's unfinished line holds; no client may ever receive it.
const PARTIAL: &str = "PARTIAL";

/// The counts: outcomes by name, and the unexpected errors by kind.
#[derive(Default)]
struct Tally {
    counts: Mutex<BTreeMap<&'static str, u64>>,
    errors: Mutex<BTreeMap<&'static str, u64>>,
}

impl Tally {
    fn add(&self, what: &'static str, n: u64) {
        *self.counts.lock().unwrap().entry(what).or_default() += n;
    }

    /// An error the client did not cause.
    fn unexpected(&self, kind: &'static str, detail: String) {
        let mut errors = self.errors.lock().unwrap();
        let seen = errors.entry(kind).or_default();
        *seen += 1;
        if *seen <= 20 {
            eprintln!("chat_load: unexpected: {kind}: {detail}");
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: chat_load ADDR [CLIENTS=200] [SECONDS=60] [SEED]";
    let addr: SocketAddr = match args.first().map(|a| a.parse()) {
        Some(Ok(addr)) => addr,
        _ => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    };
    let number = |i: usize, default: u64| match args.get(i) {
        None => default,
        Some(text) => text.parse().unwrap_or_else(|_| {
            eprintln!("{usage}: {text:?} is not a number");
            std::process::exit(2);
        }),
    };
    let (clients, seconds) = (number(1, 200), number(2, 60));
    let seed = number(3, fastrand::u64(..));
    let tally = Arc::new(Tally::default());
    let deadline = Instant::now() + Duration::from_secs(seconds);
    eddy::run({
        let tally = tally.clone();
        async move {
            let slots: Vec<_> = (0..clients)
                .map(|slot| eddy::spawn(client(addr, slot, seed, deadline, tally.clone())))
                .collect();
            for slot in slots {
                slot.await.expect("a client task panicked");
            }
        }
    });
    let counts = tally.counts.lock().unwrap();
    let errors = tally.errors.lock().unwrap();
    let unexpected: u64 = errors.values().sum();
    let mut summary = format!("chat_load: clients={clients} seconds={seconds} seed={seed}");
    for (what, n) in counts.iter() {
        summary += &format!(" {what}={n}");
    }
    println!("{summary} unexpected={unexpected}");
    for (kind, n) in errors.iter() {
        eprintln!("chat_load: {n} unexpected error(s): {kind}");
    }
    if unexpected > 0 {
        std::process::exit(1);
    }
}

/// One client slot: sessions one after another until the deadline.
async fn client(addr: SocketAddr, slot: u64, seed: u64, deadline: Instant, tally: Arc<Tally>) {
    let mut rng = fastrand::Rng::with_seed(seed.wrapping_add(slot));
    sleep(Duration::from_millis(rng.u64(0..2000))).await;
    let mut session = 0;
    while Instant::now() < deadline {
        session += 1;
        let kind = match rng.u32(0..100) {
            0..70 => 'w',
            70..85 => 'm',
            _ => 's',
        };
        let nick = format!("{kind}{slot}x{session}");
        tally.add("sessions", 1);
        match join(addr, &nick, &tally).await {
            Some((reader, writer)) => {
                tally.add("joins", 1);
                match kind {
                    'w' => well(reader, writer, nick, &mut rng, deadline, &tally).await,
                    'm' => mid_line(writer, &mut rng, &tally).await,
                    _ => stuck(reader, writer, &mut rng, deadline, &tally).await,
                }
            }
            // Counted; wait a little before the next try.
            None => sleep(Duration::from_millis(500)).await,
        }
        sleep(Duration::from_millis(rng.u64(0..1000))).await;
    }
}

type Reader = BufReader<OwnedReadHalf>;

/// Connects, asks for `nick` and waits for the welcome.
async fn join(addr: SocketAddr, nick: &str, tally: &Tally) -> Option<(Reader, OwnedWriteHalf)> {
    let stream = match timeout(PATIENCE, TcpStream::connect(addr)).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(e)) => return fail(tally, "connect failed", e.to_string()),
        Err(_) => return fail(tally, "connect timed out", nick.into()),
    };
    let _ = stream.set_nodelay(true);
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    if let Err(e) = writer.write_all(format!("{nick}\n").as_bytes()).await {
        return fail(tally, "write failed", format!("{nick}: {e}"));
    }
    let welcome = format!("* welcome, {nick}!");
    let mut line = String::new();
    loop {
        line.clear();
        match timeout(PATIENCE, reader.read_line(&mut line)).await {
            Err(_) => return fail(tally, "no welcome", nick.into()),
            Ok(Err(e)) => return fail(tally, "read failed", format!("{nick}: {e}")),
            Ok(Ok(0)) => return fail(tally, "closed before the welcome", nick.into()),
            Ok(Ok(_)) if line.starts_with(&welcome) => return Some((reader, writer)),
            // Asked for the nickname (if the server was too busy to see it in time): it
            // is on its way.
            Ok(Ok(_)) if line.starts_with("* welcome to eddy chat;") => continue,
            Ok(Ok(_)) => {
                let detail = format!("{nick} got {:?}", line.trim_end());
                return fail(tally, "reply before the welcome", detail);
            }
        }
    }
}

/// Counts an unexpected error; `None`.
fn fail<T>(tally: &Tally, kind: &'static str, detail: String) -> Option<T> {
    tally.unexpected(kind, detail);
    None
}

/// A well-behaved session after its welcome.
async fn well(
    reader: Reader,
    mut writer: OwnedWriteHalf,
    nick: String,
    rng: &mut fastrand::Rng,
    deadline: Instant,
    tally: &Arc<Tally>,
) {
    let leaving = Arc::new(AtomicBool::new(false));
    let listen = eddy::spawn(listen(reader, nick.clone(), leaving.clone(), tally.clone()));
    let until = deadline.min(Instant::now() + Duration::from_millis(rng.u64(2000..20_000)));
    let mut seq = 0;
    let mut broken = false;
    while Instant::now() < until && !listen.is_finished() {
        sleep(Duration::from_millis(rng.u64(300..3000))).await;
        seq += 1;
        let line = format!("{seq} hello from {nick}\n");
        if let Err(e) = writer.write_all(line.as_bytes()).await {
            // `listen` says why, if the server closed.
            tally.unexpected("write failed", format!("{nick}: {e}"));
            broken = true;
            break;
        }
        tally.add("sent", 1);
    }
    leaving.store(true, Ordering::SeqCst);
    if !broken && !listen.is_finished() {
        let left = match rng.bool() {
            true => writer.write_all(b"/quit\n").await.map(|()| "quits"),
            false => writer.close().await.map(|()| "closes"),
        };
        match left {
            Ok(how) => tally.add(how, 1),
            Err(e) => tally.unexpected("write failed", format!("{nick}: {e}")),
        }
    }
    if timeout(PATIENCE, listen).await.is_err() {
        tally.unexpected("no close after leaving", nick);
    }
}

/// Reads the room for a well-behaved client until the server closes (or says `* bye`),
/// checking every line.
async fn listen(mut reader: Reader, nick: String, leaving: Arc<AtomicBool>, tally: Arc<Tally>) {
    let mut last_seq: HashMap<String, u64> = HashMap::new();
    let mut line = String::new();
    loop {
        line.clear();
        let left = || leaving.load(Ordering::SeqCst);
        match reader.read_line(&mut line).await {
            Ok(0) if left() => return,
            Ok(0) => return tally.unexpected("disconnected by the server", nick),
            Err(_) if left() => return,
            Err(e) => return tally.unexpected("read failed", format!("{nick}: {e}")),
            Ok(_) => {}
        }
        let Some(text) = line.strip_suffix('\n') else {
            return tally.unexpected("half a line from the server", format!("{nick}: {line:?}"));
        };
        if let Some(notice) = text.strip_prefix("* ") {
            if notice == "bye" && left() {
                return;
            }
            if !is_notice(notice) {
                let kind = match notice.starts_with("you fell too far behind") {
                    true => "well-behaved client dropped as too slow",
                    false => "unexpected notice",
                };
                return tally.unexpected(kind, format!("{nick} got {text:?}"));
            }
            tally.add("notices", 1);
            continue;
        }
        let Some((from, said)) = text.split_once(": ") else {
            tally.unexpected("unexpected line", format!("{nick} got {text:?}"));
            continue;
        };
        let seq = said.split(' ').next().and_then(|n| n.parse::<u64>().ok());
        if from == nick {
            tally.unexpected("own line echoed", format!("{nick} got {text:?}"));
        } else if said.contains(PARTIAL) {
            tally.unexpected("half line delivered", format!("{nick} got {text:?}"));
        } else if let Some(seq) = seq {
            let previous = last_seq.insert(from.to_string(), seq);
            if previous.is_some_and(|previous| seq != previous + 1) {
                let detail = format!("{nick} got {from}'s line {seq} after {previous:?}");
                tally.unexpected("line lost", detail);
            }
        } else {
            tally.unexpected("unexpected line", format!("{nick} got {text:?}"));
        }
        tally.add("received", 1);
    }
}

/// The room's notices about others (without the leading `* `).
fn is_notice(notice: &str) -> bool {
    let Some((_, what)) = notice.split_once(' ') else {
        return false;
    };
    matches!(
        what,
        "joined" | "left" | "left (disconnected)" | "was dropped: too slow"
    ) || what.starts_with("is now known as ")
}

/// A mid-line session after its welcome: a few lines, half a line, close.
async fn mid_line(mut writer: OwnedWriteHalf, rng: &mut fastrand::Rng, tally: &Tally) {
    let lines = rng.u64(0..4);
    for seq in 1..=lines {
        sleep(Duration::from_millis(rng.u64(100..1000))).await;
        let line = format!("{seq} before the half line\n");
        if writer.write_all(line.as_bytes()).await.is_err() {
            return;
        }
        tally.add("sent", 1);
    }
    let half = format!("{} {PARTIAL} line, never finished", lines + 1);
    if writer.write_all(half.as_bytes()).await.is_ok() {
        tally.add("mid_line_closes", 1);
    }
    sleep(Duration::from_millis(rng.u64(0..500))).await;
}

/// A stuck session after its welcome: a few lines, then never reads again; closes after
/// 10 to 90 s (or at the deadline), unread input and all.
async fn stuck(
    reader: Reader,
    mut writer: OwnedWriteHalf,
    rng: &mut fastrand::Rng,
    deadline: Instant,
    tally: &Tally,
) {
    let until = deadline.min(Instant::now() + Duration::from_secs(rng.u64(10..90)));
    for seq in 1..=rng.u64(0..4) {
        let line = format!("{seq} and now I stop reading\n");
        if writer.write_all(line.as_bytes()).await.is_err() {
            break;
        }
        tally.add("sent", 1);
    }
    tally.add("stuck_readers", 1);
    sleep(until.saturating_duration_since(Instant::now())).await;
    drop((reader, writer));
}
