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
//! read that raced with a change never stores what the change replaced.
//!
//! Memory: kept answers (body and entity tag) are copied into shared chunks of up to
//! [`CHUNK_BYTES`], filled one after another, so the cache allocates a few large
//! blocks instead of one small allocation per answer, which the allocator could not
//! give back once answers come and go. The budget counts what is allocated: whole
//! chunks (the free part of the one being filled, and the answers forgotten inside
//! the others, included) and the index's own tables. Over the budget, the oldest
//! chunk goes with every answer in it. A chunk's memory returns when the last
//! response sending one of its answers is done.

use crate::Format;
use bytes::{Bytes, BytesMut};
use http::HeaderValue;
use smallvec::SmallVec;
use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

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

/// The largest chunk: big enough that the allocator serves it apart from small
/// allocations (and gives it back whole), small enough that evicting one drops about
/// 1% of the default budget.
const CHUNK_BYTES: usize = 256 << 10;

/// Chunks in a budget at least, so that evicting one never drops most of the cache.
const MIN_CHUNKS: usize = 16;

/// One kept answer: its body followed by its entity tag, in one piece of a chunk.
struct Stored {
    variant: u64,
    slot: Slot,
    chunk: u64,
    piece: Bytes,
    body_len: usize,
    /// The piece's tag, checked as a header value once (not on every hit).
    etag: HeaderValue,
}

impl Stored {
    fn same(&self, variant: u64, slot: Slot) -> bool {
        self.variant == variant && self.slot == slot
    }

    fn ready(&self) -> Ready {
        Ready {
            body: self.piece.slice(..self.body_len),
            etag: self.etag.clone(),
        }
    }
}

/// A family's answers: most families hold one, inline in the index.
type Answers = SmallVec<[Stored; 1]>;

/// What a family's answers take beyond the index's slot.
fn spilled_bytes(answers: &Answers) -> usize {
    if answers.spilled() {
        answers.capacity() * std::mem::size_of::<Stored>()
    } else {
        0
    }
}

/// A chunk's place in line and who has answers in it (a family may be named more
/// than once, or no longer hold anything there).
struct Chunk {
    id: u64,
    capacity: usize,
    families: Vec<u64>,
}

#[derive(Default)]
struct State {
    families: HashMap<u64, Answers, foldhash::fast::RandomState>,
    /// Oldest first; the last one is being filled.
    chunks: VecDeque<Chunk>,
    /// The free part of the last chunk.
    filling: BytesMut,
    next_chunk: u64,
    /// The chunks' capacities, added up.
    chunk_bytes: usize,
    /// What the families holding more answers than fit inline take (`spilled_bytes`).
    spilled_bytes: usize,
}

impl State {
    /// What the cache holds allocated: chunks and the index's tables.
    fn bytes(&self) -> usize {
        let index = self.families.capacity() * std::mem::size_of::<(u64, Answers)>();
        let places: usize = self
            .chunks
            .iter()
            .map(|c| c.families.capacity() * std::mem::size_of::<u64>())
            .sum();
        self.chunk_bytes + self.spilled_bytes + index + places
    }

    /// Changes a family's answers, keeping the count of what they take; a family left
    /// with none is dropped.
    fn edit(&mut self, family: u64, change: impl FnOnce(&mut Answers)) {
        let Some(answers) = self.families.get_mut(&family) else {
            return;
        };
        let before = spilled_bytes(answers);
        change(answers);
        let after = if answers.is_empty() {
            self.families.remove(&family);
            0
        } else {
            spilled_bytes(answers)
        };
        self.spilled_bytes = self.spilled_bytes + after - before;
    }

    /// Copies `body` and `etag` into the chunk being filled (a new one when they do
    /// not fit), for `family`; returns the chunk's id and the piece.
    fn store(
        &mut self,
        family: u64,
        body: &[u8],
        etag: &[u8],
        chunk_size: usize,
    ) -> Option<(u64, Bytes)> {
        let len = body.len() + etag.len();
        if self.chunks.is_empty() || self.filling.capacity() - self.filling.len() < len {
            let capacity = chunk_size.max(len);
            self.filling = BytesMut::with_capacity(capacity);
            self.chunks.push_back(Chunk {
                id: self.next_chunk,
                capacity,
                families: Vec::new(),
            });
            self.next_chunk += 1;
            self.chunk_bytes += capacity;
        }
        self.filling.extend_from_slice(body);
        self.filling.extend_from_slice(etag);
        let piece = self.filling.split().freeze();
        let chunk = self.chunks.back_mut()?;
        chunk.families.push(family);
        Some((chunk.id, piece))
    }

    fn remove(&mut self, family: u64) {
        if let Some(answers) = self.families.remove(&family) {
            self.spilled_bytes -= spilled_bytes(&answers);
        }
    }

    /// Drops the oldest chunk and every answer in it.
    fn evict_oldest(&mut self) {
        let Some(chunk) = self.chunks.pop_front() else {
            return;
        };
        self.chunk_bytes -= chunk.capacity;
        if self.chunks.is_empty() {
            self.filling = BytesMut::new();
        }
        for family in chunk.families {
            self.edit(family, |answers| answers.retain(|s| s.chunk != chunk.id));
        }
        // The index does not shrink by itself, and counts against the budget.
        if self.families.len() * 4 < self.families.capacity() {
            self.families.shrink_to_fit();
        }
    }

    fn evict_to(&mut self, budget: usize) {
        while self.bytes() > budget && !self.chunks.is_empty() {
            self.evict_oldest();
        }
    }

    fn clear(&mut self) {
        *self = State {
            next_chunk: self.next_chunk,
            ..State::default()
        };
    }
}

pub struct AnswerCache {
    /// Read-locked by hits (two workers answer from it at once), write-locked by the rest.
    state: RwLock<State>,
    epoch: AtomicU64,
    live: AtomicBool,
    budget: usize,
    chunk_size: usize,
}

impl AnswerCache {
    /// A cache holding at most about `budget_bytes` of memory: answers, the chunks'
    /// free space and the index.
    pub fn new(budget_bytes: usize) -> AnswerCache {
        AnswerCache {
            state: RwLock::new(State::default()),
            epoch: AtomicU64::new(0),
            live: AtomicBool::new(true),
            budget: budget_bytes,
            chunk_size: (budget_bytes / MIN_CHUNKS).min(CHUNK_BYTES),
        }
    }

    fn state(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }

    fn reading(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
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
        state.clear();
    }

    /// While not live (the service may miss changes) nothing is kept or answered.
    pub fn set_live(&self, live: bool) {
        self.live.store(live, Ordering::SeqCst);
        self.clear();
    }

    /// Bytes held (allocated for answers and their index), for tests and reports.
    pub fn bytes(&self) -> usize {
        self.reading().bytes()
    }

    pub(crate) fn get(&self, key: AnswerKey, slot: Slot) -> Option<Ready> {
        if !self.live.load(Ordering::SeqCst) {
            return None;
        }
        let state = self.reading();
        state
            .families
            .get(&key.family)?
            .iter()
            .find(|s| s.same(key.variant, slot))
            .map(Stored::ready)
    }

    /// Taken before the request reads anything, handed back to [`AnswerCache::keep`].
    pub(crate) fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::SeqCst)
    }

    /// Keeps an answer built by a request that started at `epoch`, unless something
    /// was forgotten since.
    pub(crate) fn keep(&self, key: AnswerKey, slot: Slot, ready: Ready, epoch: u64) {
        let etag = ready.etag.as_bytes();
        if ready.body.len() + etag.len() > self.budget / 2 || !self.live.load(Ordering::SeqCst) {
            return;
        }
        let mut state = self.state();
        if self.epoch.load(Ordering::SeqCst) != epoch {
            return;
        }
        let Some((chunk, piece)) = state.store(key.family, &ready.body, etag, self.chunk_size)
        else {
            return;
        };
        let body_len = ready.body.len();
        let Ok(etag) = HeaderValue::from_maybe_shared(piece.slice(body_len..)) else {
            return;
        };
        let stored = Stored {
            variant: key.variant,
            slot,
            chunk,
            piece,
            body_len,
            etag,
        };
        state.families.entry(key.family).or_default();
        state.edit(key.family, |answers| {
            answers.retain(|s| !s.same(key.variant, slot));
            answers.push(stored);
        });
        state.evict_to(self.budget);
    }
}

/// A strong entity tag for an answer's bytes in its media type: XXH3 (a specified
/// hash, several GB/s), so the same bytes give the same tag on every node and build.
pub(crate) fn entity_tag(body: &[u8], content_type: &str) -> HeaderValue {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    hasher.update(content_type.as_bytes());
    hasher.update(&[0]);
    hasher.update(body);
    let digest = hasher.digest();
    let mut tag = [b'"'; 18];
    for (place, nibble) in tag[1..17].iter_mut().zip((0..16).rev()) {
        *place = HEX_DIGITS[(digest >> (nibble * 4)) as usize & 0xf];
    }
    HeaderValue::from_bytes(&tag).unwrap_or_else(|_| HeaderValue::from_static("\"0\""))
}

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

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

    /// A distinct answer per family, of a size that varies with it.
    fn answer_of(family: u64) -> String {
        format!("{family}:{}", "x".repeat(50 + (family as usize * 37) % 900))
    }

    #[test]
    fn the_budget_bounds_what_is_allocated_and_the_oldest_go_first() {
        let budget = 256 << 10;
        let cache = AnswerCache::new(budget);
        for family in 0..3_000 {
            cache.keep(
                key(family, 0),
                JSON,
                ready(&answer_of(family)),
                cache.epoch(),
            );
            // Families holding more than one answer count what they take too.
            cache.keep(key(family, 1), XML, ready("<x/>"), cache.epoch());
            if family % 3 == 0 {
                cache.forget(family.saturating_sub(1));
            }
            assert!(cache.bytes() <= budget, "{} > {budget}", cache.bytes());
        }
        assert_eq!(body(&cache, key(0, 0), JSON), None);
        assert_eq!(body(&cache, key(2_999, 0), JSON), Some(answer_of(2_999)));
        // Whatever is still held is exactly what was kept, with its own entity tag.
        let held: Vec<u64> = (0..3_000)
            .filter(|&family| {
                let Some(kept) = cache.get(key(family, 0), JSON) else {
                    return false;
                };
                let text = answer_of(family);
                assert_eq!(kept.body, text.as_bytes());
                assert_eq!(kept.etag, entity_tag(text.as_bytes(), "x"));
                true
            })
            .collect();
        assert!(held.len() > 100, "only {} answers held", held.len());
    }

    #[test]
    fn a_kept_answer_replaces_the_one_it_answers_for() {
        let cache = AnswerCache::new(1 << 20);
        cache.keep(key(1, 1), JSON, ready("old"), cache.epoch());
        cache.keep(key(1, 1), JSON, ready("new"), cache.epoch());
        assert_eq!(body(&cache, key(1, 1), JSON).as_deref(), Some("new"));
        cache.forget(1);
        assert_eq!(body(&cache, key(1, 1), JSON), None);
    }

    #[test]
    fn an_answer_outliving_its_chunk_in_a_response_stays_whole() {
        let cache = AnswerCache::new(16 << 10);
        cache.keep(key(0, 0), JSON, ready(&answer_of(0)), cache.epoch());
        let sending = cache.get(key(0, 0), JSON).unwrap();
        for family in 1..200 {
            cache.keep(
                key(family, 0),
                JSON,
                ready(&answer_of(family)),
                cache.epoch(),
            );
        }
        assert_eq!(body(&cache, key(0, 0), JSON), None);
        assert_eq!(sending.body, answer_of(0).as_bytes());
    }

    #[test]
    fn an_answer_larger_than_half_the_budget_is_not_kept() {
        let cache = AnswerCache::new(1 << 10);
        cache.keep(key(1, 1), JSON, ready(&"x".repeat(600)), cache.epoch());
        assert_eq!(body(&cache, key(1, 1), JSON), None);
        assert_eq!(cache.bytes(), 0);
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
