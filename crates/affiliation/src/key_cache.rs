//! Recently seen API keys, so a busy caller's key is not looked up in the database
//! on every request.
//!
//! A key revoked or rotated anywhere is forgotten as soon as the store's change feed
//! says so (this node at once; other nodes on the notification; other processes on
//! one SQLite file within the writer's poll). While the feed is down, entries live at
//! most [`KEY_CACHE_TTL`], the bound that holds with no messaging at all. Only
//! successful lookups are kept, and only the key's hash, never the key.

use crate::model::Account;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a looked-up key is trusted without asking the store again while the
/// change feed is down.
pub const KEY_CACHE_TTL: Duration = Duration::from_millis(500);
/// The same while the feed is live: a safety net only, revocations arrive as changes.
pub const KEY_CACHE_LIVE_TTL: Duration = Duration::from_secs(60);
/// Most keys remembered at once.
pub const KEY_CACHE_CAPACITY: usize = 10_000;

/// What the store said about a key: shared, so a hit copies nothing.
#[derive(Debug, PartialEq, Eq)]
pub struct KnownKey {
    pub account: Arc<Account>,
    pub secret_hash: Vec<u8>,
}

struct Entry {
    known: Arc<KnownKey>,
    fetched: Instant,
}

pub struct KeyCache {
    entries: Mutex<HashMap<Vec<u8>, Entry>>,
    ttl: Duration,
    live_ttl: Duration,
    capacity: usize,
    /// Moves on every [`KeyCache::clear`]: a lookup that began before it is not kept.
    generation: AtomicU64,
    live: AtomicBool,
}

impl Default for KeyCache {
    fn default() -> Self {
        KeyCache::new(KEY_CACHE_TTL, KEY_CACHE_CAPACITY)
    }
}

impl KeyCache {
    pub fn new(ttl: Duration, capacity: usize) -> KeyCache {
        KeyCache {
            entries: Mutex::new(HashMap::new()),
            ttl,
            live_ttl: ttl.max(KEY_CACHE_LIVE_TTL),
            capacity: capacity.max(1),
            generation: AtomicU64::new(0),
            live: AtomicBool::new(false),
        }
    }

    /// Whether the store's change feed reaches this cache (entries then live longer).
    pub fn set_live(&self, live: bool) {
        self.live.store(live, Ordering::SeqCst);
    }

    fn current_ttl(&self) -> Duration {
        match self.live.load(Ordering::SeqCst) {
            true => self.live_ttl,
            false => self.ttl,
        }
    }

    /// Taken before a lookup in the store, handed back to [`KeyCache::put`].
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// The account and secret hash stored for `key_hash`, if looked up recently.
    pub fn get(&self, key_hash: &[u8]) -> Option<Arc<KnownKey>> {
        let ttl = self.current_ttl();
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key_hash)
            .filter(|entry| entry.fetched.elapsed() < ttl)
            .map(|entry| entry.known.clone())
    }

    /// Keeps a lookup, unless keys changed since `generation` was taken (the lookup
    /// may have read what is no longer so).
    pub fn put(&self, key_hash: Vec<u8>, known: Arc<KnownKey>, generation: u64) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if self.generation() != generation {
            return;
        }
        if entries.len() >= self.capacity {
            let ttl = self.current_ttl();
            entries.retain(|_, entry| entry.fetched.elapsed() < ttl);
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(
            key_hash,
            Entry {
                known,
                fetched: Instant::now(),
            },
        );
    }

    /// Forgets everything: keys changed somewhere.
    pub fn clear(&self) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::SeqCst);
        entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: i64) -> Arc<KnownKey> {
        Arc::new(KnownKey {
            account: Arc::new(Account {
                id,
                username: format!("u{id}"),
                is_admin: false,
            }),
            secret_hash: vec![9],
        })
    }

    #[test]
    fn entries_expire_and_capacity_is_bounded() {
        let cache = KeyCache::new(Duration::from_millis(0), 2);
        cache.put(vec![1], account(1), cache.generation());
        assert!(cache.get(&[1]).is_none(), "a zero TTL trusts nothing");

        let cache = KeyCache::new(Duration::from_secs(60), 2);
        cache.put(vec![1], account(1), 0);
        cache.put(vec![2], account(2), 0);
        assert_eq!(cache.get(&[1]).map(|k| k.account.id), Some(1));
        cache.put(vec![3], account(3), 0);
        assert!(cache.entries.lock().unwrap().len() <= 2);
        assert_eq!(cache.get(&[3]).map(|k| k.account.id), Some(3));
        cache.clear();
        assert!(cache.get(&[3]).is_none());
    }

    #[test]
    fn a_lookup_that_began_before_a_change_is_not_kept() {
        let cache = KeyCache::new(Duration::from_secs(60), 10);
        let before = cache.generation();
        cache.clear();
        cache.put(vec![1], account(1), before);
        assert!(cache.get(&[1]).is_none());
        cache.put(vec![1], account(1), cache.generation());
        assert!(cache.get(&[1]).is_some());
    }
}
