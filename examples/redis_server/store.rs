//! The key space: `SHARDS` maps, each behind its own `parking_lot::Mutex`, so commands on
//! different keys rarely contend. Locks are held for one map operation and never across
//! an `.await` (nothing here is async).
//!
//! # Expiry
//!
//! A key with a TTL has a deadline; it is removed two ways, as in Redis:
//!
//! * **lazily**: every command that touches a key first checks its deadline, so an
//!   expired key is never visible, whatever the sweeper is doing;
//! * **actively**: [`Store::sweep`], called by a task on a timer, removes expired keys
//!   nobody touches again, so they do not hold memory for ever.
//!
//! Each shard keeps its deadlines in a `BTreeMap<(deadline, seq), key>`, the key's
//! entry remembering its `(deadline, seq)`. A sweep pops from the front of each map only
//! what is due, so its cost is proportional to the keys that expired, not to all keys
//! (Redis samples keys at random; this is exact and as cheap per key). Setting,
//! changing or clearing a TTL is one O(log n) insert or remove in the shard that already
//! holds the lock. The alternative, a runtime timer per key, costs a task or timer
//! allocation per `SET .. EX` plus a cancel per overwrite, and a million keys with a
//! TTL would be a million pending timers in the runtime's wheels; here they are one
//! ordered map entry each, and the runtime sees one timer for the sweeper.
//!
//! Values are `Arc<[u8]>`: `GET` clones the `Arc` under the lock and copies the bytes
//! into the reply after releasing it, so a large value never makes the shard wait.

use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::{Mutex, MutexGuard};

/// Number of shards: a power of two comfortably above the number of cores that
/// contend for them.
const SHARDS: usize = 64;

/// Most keys one shard removes per [`Store::sweep`] call, so that the sweeper never
/// holds a shard's lock for long; what is left waits for the next call.
const SWEEP_BUDGET: usize = 256;

/// A stored value.
pub type Value = Arc<[u8]>;

/// The key space.
#[derive(Debug)]
pub struct Store {
    shards: Box<[Mutex<Shard>]>,
    /// Picks the shard; randomly seeded so that clients cannot aim keys at one shard.
    hasher: RandomState,
}

/// What `SET` does when the key exists (or not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// Always set.
    Always,
    /// `NX`: only if the key does not exist.
    IfAbsent,
    /// `XX`: only if the key exists.
    IfPresent,
}

/// A key's time to live, as `TTL`/`PTTL` report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ttl {
    /// No such key (`-2`).
    Missing,
    /// The key has no deadline (`-1`).
    Persistent,
    /// The key expires after this long.
    Remaining(Duration),
}

/// Why `INCR` failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncrError {
    /// The value is not a decimal 64-bit integer.
    NotAnInteger,
    /// The result would not fit in 64 bits.
    Overflow,
}

#[derive(Debug, Default)]
struct Shard {
    map: HashMap<Box<[u8]>, Entry>,
    /// Every key that has a deadline, by `(deadline, seq)`; exactly the entries whose
    /// `expiry` is `Some`, with the same pair.
    expiries: BTreeMap<(Instant, u64), Box<[u8]>>,
    /// Makes the `expiries` keys unique when two keys share a deadline.
    seq: u64,
}

#[derive(Debug)]
struct Entry {
    value: Value,
    expiry: Option<(Instant, u64)>,
}

impl Entry {
    fn is_expired(&self, now: Instant) -> bool {
        self.expiry.is_some_and(|(deadline, _)| deadline <= now)
    }
}

impl Default for Store {
    fn default() -> Self {
        Store::new()
    }
}

impl Store {
    /// An empty store.
    pub fn new() -> Store {
        Store {
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            hasher: RandomState::new(),
        }
    }

    fn shard(&self, key: &[u8]) -> MutexGuard<'_, Shard> {
        let hash = self.hasher.hash_one(key);
        // The high bits: HashMap uses the low ones of its own (differently seeded) hash.
        self.shards[(hash >> 58) as usize % SHARDS].lock()
    }

    /// The value of `key`, if it exists.
    pub fn get(&self, key: &[u8], now: Instant) -> Option<Value> {
        let mut shard = self.shard(key);
        shard.live(key, now).map(|entry| entry.value.clone())
    }

    /// Sets `key` to `value` if `condition` allows, with the deadline `expires` (`None`:
    /// no TTL, clearing an old one). Returns whether it was set.
    pub fn set(
        &self,
        key: &[u8],
        value: &[u8],
        condition: Condition,
        expires: Option<Instant>,
        now: Instant,
    ) -> bool {
        let mut guard = self.shard(key);
        let exists = guard.live(key, now).is_some();
        let allowed = match condition {
            Condition::Always => true,
            Condition::IfAbsent => !exists,
            Condition::IfPresent => exists,
        };
        if !allowed {
            return false;
        }
        let value: Value = Arc::from(value);
        let Shard { map, expiries, seq } = &mut *guard;
        if let Some(entry) = map.get_mut(key) {
            let old = std::mem::replace(&mut entry.value, value);
            set_expiry(expiries, seq, key, entry, expires);
            drop(guard);
            drop(old); // freed outside the lock
        } else {
            let mut entry = Entry {
                value,
                expiry: None,
            };
            set_expiry(expiries, seq, key, &mut entry, expires);
            map.insert(key.into(), entry);
        }
        true
    }

    /// Removes `key`; whether it existed.
    pub fn del(&self, key: &[u8], now: Instant) -> bool {
        let mut shard = self.shard(key);
        shard.live(key, now).is_some() && shard.remove(key).is_some()
    }

    /// Whether `key` exists.
    pub fn exists(&self, key: &[u8], now: Instant) -> bool {
        self.shard(key).live(key, now).is_some()
    }

    /// Adds one to the integer in `key` (0 if it does not exist), keeping its TTL.
    ///
    /// # Errors
    ///
    /// [`IncrError`] if the value is not an integer or the sum overflows.
    pub fn incr(&self, key: &[u8], now: Instant) -> Result<i64, IncrError> {
        let mut guard = self.shard(key);
        match guard.live(key, now) {
            Some(entry) => {
                let current =
                    super::protocol::parse_i64(&entry.value).ok_or(IncrError::NotAnInteger)?;
                let next = current.checked_add(1).ok_or(IncrError::Overflow)?;
                entry.value = decimal(next);
                Ok(next)
            }
            None => {
                let entry = Entry {
                    value: decimal(1),
                    expiry: None,
                };
                guard.map.insert(key.into(), entry);
                Ok(1)
            }
        }
    }

    /// Sets the deadline of `key` (`None`: delete it now, as `EXPIRE` with a
    /// non-positive time does). Returns whether the key existed.
    pub fn expire(&self, key: &[u8], deadline: Option<Instant>, now: Instant) -> bool {
        let mut guard = self.shard(key);
        if guard.live(key, now).is_none() {
            return false;
        }
        let Some(deadline) = deadline else {
            guard.remove(key);
            return true;
        };
        let Shard { map, expiries, seq } = &mut *guard;
        if let Some(entry) = map.get_mut(key) {
            set_expiry(expiries, seq, key, entry, Some(deadline));
        }
        true
    }

    /// The time to live of `key`.
    pub fn ttl(&self, key: &[u8], now: Instant) -> Ttl {
        match self.shard(key).live(key, now) {
            None => Ttl::Missing,
            Some(Entry { expiry: None, .. }) => Ttl::Persistent,
            Some(Entry {
                expiry: Some((deadline, _)),
                ..
            }) => Ttl::Remaining(deadline.saturating_duration_since(now)),
        }
    }

    /// Number of keys held, counting expired keys not yet removed (as Redis's `DBSIZE`).
    pub fn len(&self) -> usize {
        self.shards.iter().map(|shard| shard.lock().map.len()).sum()
    }

    /// Whether no keys are held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes keys whose deadline is at or before `now`, at most a budget per shard.
    /// Returns how many were removed and whether expired keys remain (then call again,
    /// after letting other tasks run).
    pub fn sweep(&self, now: Instant) -> (usize, bool) {
        let mut removed = 0;
        let mut more = false;
        for shard in self.shards.iter() {
            let mut shard = shard.lock();
            let mut dropped = Vec::new();
            while dropped.len() < SWEEP_BUDGET {
                match shard.expiries.first_key_value() {
                    Some((&(deadline, _), _)) if deadline <= now => {}
                    _ => break,
                }
                if let Some((_, key)) = shard.expiries.pop_first() {
                    dropped.extend(shard.map.remove(&key));
                }
            }
            more |= shard
                .expiries
                .first_key_value()
                .is_some_and(|(&(deadline, _), _)| deadline <= now);
            drop(shard);
            removed += dropped.len(); // and the values are freed outside the lock
        }
        (removed, more)
    }
}

impl Shard {
    /// The entry of `key` if it exists and has not expired; an expired one is removed.
    fn live(&mut self, key: &[u8], now: Instant) -> Option<&mut Entry> {
        let expired = self.map.get(key)?.is_expired(now);
        if expired {
            self.remove(key);
            return None;
        }
        self.map.get_mut(key)
    }

    fn remove(&mut self, key: &[u8]) -> Option<Entry> {
        let entry = self.map.remove(key)?;
        if let Some(expiry) = entry.expiry {
            self.expiries.remove(&expiry);
        }
        Some(entry)
    }
}

/// `n` in decimal, as a value.
fn decimal(n: i64) -> Value {
    let mut digits = Vec::with_capacity(20);
    super::commands::push_decimal(&mut digits, n);
    Arc::from(digits)
}

/// Gives `entry` (stored under `key`) the deadline `deadline`, keeping `expiries` in step.
fn set_expiry(
    expiries: &mut BTreeMap<(Instant, u64), Box<[u8]>>,
    seq: &mut u64,
    key: &[u8],
    entry: &mut Entry,
    deadline: Option<Instant>,
) {
    let old_key = entry.expiry.take().and_then(|old| expiries.remove(&old));
    if let Some(deadline) = deadline {
        *seq += 1;
        expiries.insert((deadline, *seq), old_key.unwrap_or_else(|| key.into()));
        entry.expiry = Some((deadline, *seq));
    }
}
