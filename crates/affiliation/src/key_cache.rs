//! Recently seen API keys, so a busy caller's key is not looked up in the database
//! on every request.
//!
//! Entries live at most [`KEY_CACHE_TTL`]: a key revoked or rotated on any node (or
//! by the CLI) stops working everywhere within that time, with no cross-node
//! messaging. Only successful lookups are kept, and only the key's hash, never the key.

use crate::model::Account;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a looked-up key is trusted without asking the store again.
pub const KEY_CACHE_TTL: Duration = Duration::from_millis(500);
/// Most keys remembered at once.
pub const KEY_CACHE_CAPACITY: usize = 10_000;

struct Entry {
    account: Account,
    secret_hash: Vec<u8>,
    fetched: Instant,
}

pub struct KeyCache {
    entries: Mutex<HashMap<Vec<u8>, Entry>>,
    ttl: Duration,
    capacity: usize,
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
            capacity: capacity.max(1),
        }
    }

    /// The account and secret hash stored for `key_hash`, if looked up recently.
    pub fn get(&self, key_hash: &[u8]) -> Option<(Account, Vec<u8>)> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key_hash)
            .filter(|entry| entry.fetched.elapsed() < self.ttl)
            .map(|entry| (entry.account.clone(), entry.secret_hash.clone()))
    }

    pub fn put(&self, key_hash: Vec<u8>, account: Account, secret_hash: Vec<u8>) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= self.capacity {
            let ttl = self.ttl;
            entries.retain(|_, entry| entry.fetched.elapsed() < ttl);
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(
            key_hash,
            Entry {
                account,
                secret_hash,
                fetched: Instant::now(),
            },
        );
    }

    /// Forgets everything: this node changed keys itself and need not wait for expiry.
    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: i64) -> Account {
        Account {
            id,
            username: format!("u{id}"),
            is_admin: false,
        }
    }

    #[test]
    fn entries_expire_and_capacity_is_bounded() {
        let cache = KeyCache::new(Duration::from_millis(0), 2);
        cache.put(vec![1], account(1), vec![9]);
        assert!(cache.get(&[1]).is_none(), "a zero TTL trusts nothing");

        let cache = KeyCache::new(Duration::from_secs(60), 2);
        cache.put(vec![1], account(1), vec![9]);
        cache.put(vec![2], account(2), vec![9]);
        assert_eq!(cache.get(&[1]).map(|(a, _)| a.id), Some(1));
        cache.put(vec![3], account(3), vec![9]);
        assert!(cache.entries.lock().unwrap().len() <= 2);
        assert_eq!(cache.get(&[3]).map(|(a, _)| a.id), Some(3));
        cache.clear();
        assert!(cache.get(&[3]).is_none());
    }
}
