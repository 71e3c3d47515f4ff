//! The room: the broadcast channel everyone listens on, and the nicknames in use.
//! It knows nothing of sockets; a session (`session.rs`) joins it for one client,
//! whichever protocol that client speaks.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use eddy::sync::broadcast;
use parking_lot::Mutex;

use super::command::valid_nick;
use super::MAX_NICK;

/// The room's tunables.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// Messages the broadcast ring holds: how far a client's task may fall behind
    /// before it is dropped.
    pub history: usize,
    /// Longest a write to one client may take before it is dropped as too slow.
    pub write_timeout: Duration,
    /// How long a WebSocket client may stay silent before it is pinged; one that
    /// answers nothing for as long again has vanished and is removed.
    pub ping_every: Duration,
    /// Longest an HTTP client may take to send the rest of its request head after the
    /// request line.
    pub head_timeout: Duration,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            history: 256,
            write_timeout: Duration::from_secs(5),
            ping_every: Duration::from_secs(30),
            head_timeout: Duration::from_secs(10),
        }
    }
}

/// A message for the room: one line without its `\n`, and who sent it (not echoed
/// back to them).
#[derive(Debug)]
pub(crate) struct Event {
    pub(crate) from: u64,
    pub(crate) line: String,
}

/// The chat room: the broadcast channel and the nicknames in use.
#[derive(Debug)]
pub struct Room {
    tx: broadcast::Sender<Arc<Event>>,
    /// Nicknames in use, by lower case, to the spelling their owner chose.
    nicks: Mutex<BTreeMap<String, String>>,
    next_id: AtomicU64,
    pub(crate) config: Config,
}

impl Room {
    /// An empty room.
    pub fn new(config: Config) -> Room {
        let (tx, _) = broadcast::channel(config.history.max(1));
        Room {
            tx,
            nicks: Mutex::new(BTreeMap::new()),
            next_id: AtomicU64::new(0),
            config,
        }
    }

    /// A fresh member id, and a receiver for everything said from now on.
    pub(crate) fn enter(&self) -> (u64, broadcast::Receiver<Arc<Event>>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        (id, self.tx.subscribe())
    }

    /// Sends `line` (without its `\n`) to everyone but `from`.
    pub(crate) fn announce(&self, from: u64, line: String) {
        // An error only means that nobody is listening.
        let _ = self.tx.send(Arc::new(Event { from, line }));
    }

    /// Takes `nick` if it is valid and free; otherwise says why not.
    pub(crate) fn claim(&self, nick: &str) -> Result<String, String> {
        if !valid_nick(nick) {
            return Err(format!(
                "* a nickname is 1 to {MAX_NICK} letters, digits, '-', '_' or '.'; try another"
            ));
        }
        let mut nicks = self.nicks.lock();
        let key = nick.to_lowercase();
        if nicks.contains_key(&key) {
            return Err(format!("* the nickname {nick} is taken; try another"));
        }
        nicks.insert(key, nick.to_string());
        Ok(nick.to_string())
    }

    /// Frees `nick` for someone else.
    pub(crate) fn release(&self, nick: &str) {
        self.nicks.lock().remove(&nick.to_lowercase());
    }

    /// The nicknames in the room other than `nick`, in order.
    pub(crate) fn others(&self, nick: &str) -> Vec<String> {
        let me = nick.to_lowercase();
        let nicks = self.nicks.lock();
        nicks
            .iter()
            .filter(|(key, _)| **key != me)
            .map(|(_, shown)| shown.clone())
            .collect()
    }
}
