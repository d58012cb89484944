//! Ready-to-send answers: the bytes of an operation's answer in each format it was
//! asked in, kept until the service says what they were built from changed.
//!
//! The host knows nothing of what an answer depends on. An operation declared with a
//! key function names each cacheable request by an opaque [`AnswerKey`]: a *family*
//! (what the service invalidates, e.g. "this group") and a *variant* within it (e.g.
//! operation and caller). The service calls [`AnswerCache::forget`] with the family when
//! the data changes, [`AnswerCache::clear`] when it cannot tell what changed, and
//! [`AnswerCache::set_live`] when it cannot hear changes at all.
//!
//! An answer is kept only if nothing was forgotten between the moment its request
//! started reading and the moment it is kept (the cache's epoch did not move), so a
//! read that raced with a change never stores what the change replaced. Memory is
//! bounded by a byte budget; the oldest families go first.

use crate::Format;
use bytes::Bytes;
use http::HeaderValue;
use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

/// Which request an answer answers: invalidated by `family`, told apart by `variant`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AnswerKey {
    pub family: u64,
    pub variant: u64,
}

/// The format and media type an answer is written in.
pub(crate) type Slot = (Format, &'static str);

/// An answer's bytes and its entity tag.
#[derive(Clone)]
pub(crate) struct Ready {
    pub body: Bytes,
    pub etag: HeaderValue,
}

/// What an entry costs beyond its bytes (map slots, the entry, its place in line).
const ENTRY_OVERHEAD: usize = 160;

struct Stored {
    variant: u64,
    slot: Slot,
    ready: Ready,
}

impl Stored {
    fn cost(&self) -> usize {
        self.ready.body.len() + ENTRY_OVERHEAD
    }
}

struct Family {
    /// Its place in `State::order` (an older place there is stale).
    placed: u64,
    answers: Vec<Stored>,
}

#[derive(Default)]
struct State {
    families: HashMap<u64, Family>,
    /// Families oldest first, as (family, place); evicted from the front.
    order: VecDeque<(u64, u64)>,
    next_place: u64,
    bytes: usize,
}

impl State {
    fn remove(&mut self, family: u64) {
        if let Some(removed) = self.families.remove(&family) {
            self.bytes -= removed.answers.iter().map(Stored::cost).sum::<usize>();
        }
    }

    fn evict_to(&mut self, budget: usize) {
        while self.bytes > budget {
            let Some((family, place)) = self.order.pop_front() else {
                break;
            };
            if self
                .families
                .get(&family)
                .is_some_and(|f| f.placed == place)
            {
                self.remove(family);
            }
        }
        // Places left by forgotten families: dropped once they outnumber the living.
        if self.order.len() > 2 * self.families.len() + 1024 {
            let families = &self.families;
            self.order
                .retain(|(family, place)| families.get(family).is_some_and(|f| f.placed == *place));
        }
    }
}

pub struct AnswerCache {
    state: Mutex<State>,
    epoch: AtomicU64,
    live: AtomicBool,
    budget: usize,
}

impl AnswerCache {
    /// A cache holding at most about `budget_bytes` of answers.
    pub fn new(budget_bytes: usize) -> AnswerCache {
        AnswerCache {
            state: Mutex::new(State::default()),
            epoch: AtomicU64::new(0),
            live: AtomicBool::new(true),
            budget: budget_bytes,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Forgets the answers of one family: what they were built from changed.
    pub fn forget(&self, family: u64) {
        let mut state = self.state();
        self.epoch.fetch_add(1, Ordering::SeqCst);
        state.remove(family);
    }

    /// Forgets every answer.
    pub fn clear(&self) {
        let mut state = self.state();
        self.epoch.fetch_add(1, Ordering::SeqCst);
        state.families.clear();
        state.order.clear();
        state.bytes = 0;
    }

    /// While not live (the service may miss changes) nothing is kept or answered.
    pub fn set_live(&self, live: bool) {
        self.live.store(live, Ordering::SeqCst);
        self.clear();
    }

    /// Bytes held, for tests and reports.
    pub fn bytes(&self) -> usize {
        self.state().bytes
    }

    pub(crate) fn get(&self, key: AnswerKey, slot: Slot) -> Option<Ready> {
        if !self.live.load(Ordering::SeqCst) {
            return None;
        }
        let state = self.state();
        let family = state.families.get(&key.family)?;
        family
            .answers
            .iter()
            .find(|s| s.variant == key.variant && s.slot == slot)
            .map(|s| s.ready.clone())
    }

    /// Taken before the request reads anything, handed back to [`AnswerCache::keep`].
    pub(crate) fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::SeqCst)
    }

    /// Keeps an answer built by a request that started at `epoch`, unless something
    /// was forgotten since.
    pub(crate) fn keep(&self, key: AnswerKey, slot: Slot, ready: Ready, epoch: u64) {
        let stored = Stored {
            variant: key.variant,
            slot,
            ready,
        };
        if stored.cost() > self.budget || !self.live.load(Ordering::SeqCst) {
            return;
        }
        let mut state = self.state();
        if self.epoch.load(Ordering::SeqCst) != epoch {
            return;
        }
        let cost = stored.cost();
        let place = state.next_place;
        let family = match state.families.get_mut(&key.family) {
            Some(family) => family,
            None => {
                state.next_place += 1;
                state.order.push_back((key.family, place));
                state.families.entry(key.family).or_insert(Family {
                    placed: place,
                    answers: Vec::new(),
                })
            }
        };
        let same = |s: &Stored| s.variant == key.variant && s.slot == slot;
        let replaced: usize = family
            .answers
            .iter()
            .filter(|s| same(s))
            .map(Stored::cost)
            .sum();
        family.answers.retain(|s| !same(s));
        family.answers.push(stored);
        state.bytes = state.bytes + cost - replaced;
        state.evict_to(self.budget);
    }
}

/// A strong entity tag for an answer's bytes in its media type: the same bytes give
/// the same tag on every node running this build.
pub(crate) fn entity_tag(body: &[u8], content_type: &str) -> HeaderValue {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    content_type.hash(&mut hasher);
    body.hash(&mut hasher);
    HeaderValue::from_str(&format!("\"{:016x}\"", hasher.finish()))
        .unwrap_or_else(|_| HeaderValue::from_static("\"0\""))
}

/// Whether an `If-None-Match` header names `etag` (weak comparison, RFC 9110 13.1.2).
pub(crate) fn none_match(if_none_match: &str, etag: &HeaderValue) -> bool {
    let etag = etag.to_str().unwrap_or("");
    if_none_match.split(',').map(str::trim).any(|candidate| {
        candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate) == etag
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: Slot = (Format::Json, "application/json; charset=utf-8");
    const XML: Slot = (Format::Xml, "application/xml");

    fn key(family: u64, variant: u64) -> AnswerKey {
        AnswerKey { family, variant }
    }

    fn ready(text: &str) -> Ready {
        Ready {
            body: Bytes::copy_from_slice(text.as_bytes()),
            etag: entity_tag(text.as_bytes(), "x"),
        }
    }

    fn body(cache: &AnswerCache, key: AnswerKey, slot: Slot) -> Option<String> {
        cache
            .get(key, slot)
            .map(|r| String::from_utf8(r.body.to_vec()).unwrap())
    }

    #[test]
    fn answers_are_kept_per_variant_and_format_and_forgotten_by_family() {
        let cache = AnswerCache::new(1 << 20);
        cache.keep(key(1, 1), JSON, ready("a"), cache.epoch());
        cache.keep(key(1, 1), XML, ready("<a/>"), cache.epoch());
        cache.keep(key(1, 2), JSON, ready("b"), cache.epoch());
        cache.keep(key(2, 1), JSON, ready("c"), cache.epoch());
        assert_eq!(body(&cache, key(1, 1), JSON).as_deref(), Some("a"));
        assert_eq!(body(&cache, key(1, 1), XML).as_deref(), Some("<a/>"));
        assert_eq!(body(&cache, key(1, 2), JSON).as_deref(), Some("b"));
        cache.forget(1);
        assert_eq!(body(&cache, key(1, 1), JSON), None);
        assert_eq!(body(&cache, key(1, 2), JSON), None);
        assert_eq!(body(&cache, key(2, 1), JSON).as_deref(), Some("c"));
        cache.clear();
        assert_eq!(body(&cache, key(2, 1), JSON), None);
        assert_eq!(cache.bytes(), 0);
    }

    #[test]
    fn an_answer_read_before_a_change_is_not_kept() {
        let cache = AnswerCache::new(1 << 20);
        let started = cache.epoch();
        cache.forget(9);
        cache.keep(key(1, 1), JSON, ready("stale"), started);
        assert_eq!(body(&cache, key(1, 1), JSON), None);
    }

    #[test]
    fn nothing_is_kept_or_answered_while_not_live() {
        let cache = AnswerCache::new(1 << 20);
        cache.keep(key(1, 1), JSON, ready("a"), cache.epoch());
        cache.set_live(false);
        assert_eq!(body(&cache, key(1, 1), JSON), None);
        cache.keep(key(1, 1), JSON, ready("a"), cache.epoch());
        assert_eq!(cache.bytes(), 0);
        cache.set_live(true);
        cache.keep(key(1, 1), JSON, ready("a"), cache.epoch());
        assert_eq!(body(&cache, key(1, 1), JSON).as_deref(), Some("a"));
    }

    #[test]
    fn the_budget_bounds_what_is_held_oldest_first() {
        let answer = "x".repeat(100);
        let cost = 100 + ENTRY_OVERHEAD;
        let cache = AnswerCache::new(cost * 10);
        for family in 0..100 {
            cache.keep(key(family, 0), JSON, ready(&answer), cache.epoch());
            assert!(cache.bytes() <= cost * 10);
        }
        assert_eq!(body(&cache, key(0, 0), JSON), None);
        assert!(body(&cache, key(99, 0), JSON).is_some());
        // Replacing an answer does not count it twice.
        cache.keep(key(99, 0), JSON, ready(&answer), cache.epoch());
        assert_eq!(cache.bytes(), cost * 10);
    }

    #[test]
    fn if_none_match_compares_weakly_and_accepts_lists_and_star() {
        let etag = entity_tag(b"abc", "application/json");
        let tag = etag.to_str().unwrap().to_string();
        assert!(none_match(&tag, &etag));
        assert!(none_match(&format!("\"zz\", W/{tag}"), &etag));
        assert!(none_match("*", &etag));
        assert!(!none_match("\"zz\"", &etag));
        assert_ne!(entity_tag(b"abc", "application/xml"), etag);
    }
}
