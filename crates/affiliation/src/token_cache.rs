//! The tokens links are made with, kept per user (their own tokens) and per group (its
//! overrides, with the group's owner), so a link costs no store read while they stay
//! unchanged: the link operation reads both on every request, and they change rarely.
//!
//! Entries are forgotten exactly as the ready-to-send answers are: a user's on
//! [`Change::UserTokens`], a group's on [`Change::Group`], everything on a catalog
//! change or whenever the store cannot tell what changed. While the change feed is not
//! live (another node's writes may go unseen) nothing is kept or answered. A read is
//! kept only if its key was not forgotten between the moment it started and the moment
//! it is kept (its epoch did not move), so a read that raced with a write never stores
//! what the write replaced, while writes to other keys do not stop it being kept. At
//! most [`TOKEN_CACHE_CAPACITY`] entries (each its records' compact [`LinkToken`]
//! copies), the coldest going first.

use crate::changes::Change;
use crate::link::LinkToken;
use quick_cache::sync::Cache;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// Most users and groups remembered at once (together): about 100 bytes per token
/// record plus 100 per entry, so ≈ 6 MiB for 10,000 groups of 5 overrides.
pub const TOKEN_CACHE_CAPACITY: usize = 50_000;

/// Keys share this many change counters (a key's change moves its own counter and
/// those of the keys hashed beside it): a read is then kept unless *its* key (or a
/// neighbour, rarely) changed meanwhile, however busy the other keys are.
const EPOCH_STRIPE_BITS: u32 = 10;

/// Token records as read from the store (what links read of them), shared by every
/// link made with them.
pub type Tokens = Arc<[LinkToken]>;

/// Whose records: a user's own, or a group's overrides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    User(i64),
    Group(u32),
}

#[derive(Clone)]
struct Entry {
    /// The user whose records these are (a group's owner): another user's request for
    /// the group is not answered from here.
    owner: i64,
    tokens: Tokens,
}

/// When a read started: handed back to [`TokenCache::keep`] with what it read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Epoch {
    all: u64,
    key: u64,
}

/// Reads take only the cache's own shard locks (`quick_cache`: no list to reorder on
/// a hit, so a read writes nothing shared but a counter); keeping and forgetting
/// also take `writes`, so an epoch check and the insert it allows are not split by
/// a forget.
pub struct TokenCache {
    /// `None` when the cache is off (a capacity of 0).
    entries: Option<Cache<Key, Entry>>,
    writes: Mutex<()>,
    /// Moved when everything is forgotten.
    epoch: AtomicU64,
    /// Moved when a key hashed to the stripe is forgotten.
    key_epochs: Box<[AtomicU64]>,
    live: AtomicBool,
}

impl TokenCache {
    /// A cache of at most `capacity` users and groups (0: off, every link reads the
    /// store); not live until told so.
    pub fn new(capacity: usize) -> TokenCache {
        TokenCache {
            entries: (capacity > 0).then(|| Cache::new(capacity)),
            writes: Mutex::new(()),
            epoch: AtomicU64::new(0),
            key_epochs: (0..1 << EPOCH_STRIPE_BITS)
                .map(|_| AtomicU64::new(0))
                .collect(),
            live: AtomicBool::new(false),
        }
    }

    /// While not live (changes may go unseen) nothing is kept or answered.
    pub fn set_live(&self, live: bool) {
        self.live.store(live, Ordering::SeqCst);
        self.forget(Change::Everything);
    }

    fn writing(&self) -> MutexGuard<'_, ()> {
        self.writes.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn is_live(&self) -> bool {
        self.live.load(Ordering::SeqCst)
    }

    fn key_epoch(&self, key: Key) -> &AtomicU64 {
        let (kind, id) = match key {
            Key::User(id) => (1u64, id as u64),
            Key::Group(id) => (2, u64::from(id)),
        };
        // Fibonacci hashing: neighbouring ids land far apart.
        let mixed = (id ^ (kind << 62)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        &self.key_epochs[(mixed >> (64 - EPOCH_STRIPE_BITS)) as usize]
    }

    /// The records of `key` as read for `user`, if kept (a group only if it is theirs).
    pub fn get(&self, key: Key, user: i64) -> Option<Tokens> {
        if !self.is_live() {
            return None;
        }
        let entry = self.entries.as_ref()?.get(&key)?;
        (entry.owner == user).then_some(entry.tokens)
    }

    /// Taken before the store is read for `key`.
    pub fn epoch(&self, key: Key) -> Epoch {
        Epoch {
            all: self.epoch.load(Ordering::SeqCst),
            key: self.key_epoch(key).load(Ordering::SeqCst),
        }
    }

    /// Keeps what a read for `owner` that started at `epoch` found, unless `key` (or
    /// everything) was forgotten since.
    pub fn keep(&self, key: Key, owner: i64, tokens: Tokens, epoch: Epoch) {
        let Some(entries) = &self.entries else {
            return;
        };
        if !self.is_live() {
            return;
        }
        let _writing = self.writing();
        // Checked under the lock forgetting takes: nothing moves it in between.
        if self.epoch(key) == epoch {
            entries.insert(key, Entry { owner, tokens });
        }
    }

    /// Forgets what `change` makes stale (and stops or starts keeping when the feed
    /// is lost or restored).
    pub fn forget(&self, change: Change) {
        match change {
            Change::FeedLost => self.live.store(false, Ordering::SeqCst),
            Change::FeedRestored => self.live.store(true, Ordering::SeqCst),
            _ => {}
        }
        let Some(entries) = &self.entries else {
            return;
        };
        let _writing = self.writing();
        let key = match change {
            Change::UserTokens(user) => Key::User(user),
            Change::Group(group) => Key::Group(group),
            Change::Keys => return,
            Change::Catalog | Change::Everything | Change::FeedLost | Change::FeedRestored => {
                self.epoch.fetch_add(1, Ordering::SeqCst);
                entries.clear();
                return;
            }
        };
        self.key_epoch(key).fetch_add(1, Ordering::SeqCst);
        entries.remove(&key);
    }

    /// How many users and groups are kept.
    pub fn len(&self) -> usize {
        self.entries.as_ref().map_or(0, Cache::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live(capacity: usize) -> TokenCache {
        let cache = TokenCache::new(capacity);
        cache.set_live(true);
        cache
    }

    fn none() -> Tokens {
        Tokens::from([])
    }

    fn keep_now(cache: &TokenCache, key: Key, owner: i64) {
        cache.keep(key, owner, none(), cache.epoch(key));
    }

    #[test]
    fn a_group_is_answered_only_to_its_owner_until_it_changes() {
        let cache = live(8);
        keep_now(&cache, Key::Group(5), 1);
        keep_now(&cache, Key::User(1), 1);
        assert!(cache.get(Key::Group(5), 1).is_some());
        assert!(cache.get(Key::Group(5), 2).is_none());
        cache.forget(Change::UserTokens(1));
        assert!(cache.get(Key::User(1), 1).is_none());
        assert!(cache.get(Key::Group(5), 1).is_some());
        cache.forget(Change::Group(5));
        assert!(cache.get(Key::Group(5), 1).is_none());
    }

    #[test]
    fn a_read_that_overlapped_a_change_of_its_key_is_not_kept() {
        let cache = live(8);
        let epoch = cache.epoch(Key::Group(5));
        cache.forget(Change::Group(5));
        cache.keep(Key::Group(5), 1, none(), epoch);
        assert!(cache.get(Key::Group(5), 1).is_none());
    }

    #[test]
    fn a_read_that_overlapped_changes_of_other_keys_is_kept() {
        let cache = live(8);
        assert!(!std::ptr::eq(
            cache.key_epoch(Key::Group(5)),
            cache.key_epoch(Key::Group(9))
        ));
        let epoch = cache.epoch(Key::Group(5));
        cache.forget(Change::Group(9));
        cache.forget(Change::Keys);
        cache.keep(Key::Group(5), 1, none(), epoch);
        assert!(cache.get(Key::Group(5), 1).is_some());
    }

    #[test]
    fn a_read_that_overlapped_forgetting_everything_is_not_kept() {
        let cache = live(8);
        let epoch = cache.epoch(Key::Group(5));
        cache.forget(Change::Catalog);
        cache.keep(Key::Group(5), 1, none(), epoch);
        assert!(cache.get(Key::Group(5), 1).is_none());
    }

    #[test]
    fn the_catalog_and_unknown_changes_forget_everything() {
        for change in [Change::Catalog, Change::Everything] {
            let cache = live(8);
            keep_now(&cache, Key::User(1), 1);
            cache.forget(change);
            assert!(cache.get(Key::User(1), 1).is_none(), "{change:?}");
        }
    }

    #[test]
    fn nothing_is_kept_or_answered_while_the_feed_is_lost() {
        let cache = live(8);
        keep_now(&cache, Key::User(1), 1);
        cache.forget(Change::FeedLost);
        keep_now(&cache, Key::User(2), 2);
        assert!(cache.get(Key::User(1), 1).is_none());
        assert!(cache.get(Key::User(2), 2).is_none());
        cache.forget(Change::FeedRestored);
        keep_now(&cache, Key::User(2), 2);
        assert!(cache.get(Key::User(2), 2).is_some());
    }

    #[test]
    fn it_holds_at_most_its_capacity_and_keeps_what_is_read_often() {
        let cache = live(100);
        for user in 1..=1_000 {
            keep_now(&cache, Key::User(user), user);
            assert!(
                cache.get(Key::User(1), 1).is_some(),
                "user 1, read after {user}"
            );
        }
        assert!(cache.len() <= 100, "{} kept", cache.len());
        assert!(cache.len() >= 50, "{} kept", cache.len());
    }

    #[test]
    fn a_capacity_of_zero_keeps_nothing() {
        let cache = live(0);
        keep_now(&cache, Key::User(1), 1);
        assert!(cache.get(Key::User(1), 1).is_none());
    }
}
