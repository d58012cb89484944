//! What a committed write changed, told to the caches that keep copies of stored data
//! (API keys, the catalog, ready-to-send answers) so they forget exactly that.
//!
//! The store publishes a [`Change`] after each commit on this node, and passes on what
//! other writers committed: PostgreSQL nodes through `LISTEN/NOTIFY` (the write's
//! notification is sent in its own transaction, so it arrives only once the write is
//! visible), other processes on one SQLite file through `PRAGMA data_version`.
//! While the feed is not [live](ChangeFeed::is_live) (a PostgreSQL node lost its
//! listening connection), changes made elsewhere may go unseen: caches must then not
//! keep anything.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A user's own (user-level) token records.
    UserTokens(i64),
    /// A group's overrides, or the group itself.
    Group(u32),
    /// Some user's API keys.
    Keys,
    /// The catalog (program names and states appear in many answers).
    Catalog,
    /// Anything may have changed (another process wrote; an import).
    Everything,
    /// The feed stopped: other writers' changes go unseen until [`Change::FeedRestored`].
    FeedLost,
    /// The feed works again; what happened meanwhile is unknown.
    FeedRestored,
}

impl Change {
    /// The notification payload (PostgreSQL `NOTIFY`).
    pub fn payload(self) -> String {
        match self {
            Change::UserTokens(owner) => format!("u:{owner}"),
            Change::Group(id) => format!("g:{id}"),
            Change::Keys => "k".into(),
            Change::Catalog => "c".into(),
            Change::Everything | Change::FeedLost | Change::FeedRestored => "*".into(),
        }
    }

    /// One payload naming every change of `changes` (a batch's), each once; past
    /// PostgreSQL's payload limit, "anything may have changed".
    pub fn payload_of(changes: &[Change]) -> String {
        let mut named: Vec<String> = Vec::with_capacity(changes.len());
        for change in changes {
            let payload = change.payload();
            if !named.contains(&payload) {
                named.push(payload);
            }
        }
        let payload = named.join(",");
        match payload.len() > MAX_PAYLOAD {
            true => Change::Everything.payload(),
            false => payload,
        }
    }

    /// The changes a payload of [`Change::payload_of`] (or of one change) names.
    pub fn all_from_payload(payload: &str) -> impl Iterator<Item = Change> + '_ {
        payload.split(',').map(Change::from_payload)
    }

    /// A payload read back; one this version does not know means anything may have changed.
    pub fn from_payload(payload: &str) -> Change {
        let parsed = match payload.split_once(':') {
            Some(("u", owner)) => owner.parse().ok().map(Change::UserTokens),
            Some(("g", id)) => id.parse().ok().map(Change::Group),
            _ => match payload {
                "k" => Some(Change::Keys),
                "c" => Some(Change::Catalog),
                _ => None,
            },
        };
        parsed.unwrap_or(Change::Everything)
    }
}

/// Below PostgreSQL's 8,000-byte limit on a notification's payload.
const MAX_PAYLOAD: usize = 7_000;

type Listener = Arc<dyn Fn(Change) + Send + Sync>;

/// Where changes are published; listeners are called synchronously, so a write's own
/// node has forgotten the old data before the write is answered.
pub struct ChangeFeed {
    listeners: RwLock<Vec<Listener>>,
    live: AtomicBool,
}

impl Default for ChangeFeed {
    fn default() -> Self {
        ChangeFeed {
            listeners: RwLock::new(Vec::new()),
            live: AtomicBool::new(true),
        }
    }
}

impl ChangeFeed {
    pub fn subscribe(&self, listener: impl Fn(Change) + Send + Sync + 'static) {
        self.listeners
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(Arc::new(listener));
    }

    pub fn publish(&self, change: Change) {
        match change {
            Change::FeedLost => self.live.store(false, Ordering::SeqCst),
            Change::FeedRestored => self.live.store(true, Ordering::SeqCst),
            _ => {}
        }
        let listeners = self.listeners.read().unwrap_or_else(|e| e.into_inner());
        for listener in listeners.iter() {
            listener(change);
        }
    }

    /// Whether every committed change, from any writer, reaches this feed.
    pub fn is_live(&self) -> bool {
        self.live.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn payloads_read_back_and_unknown_ones_mean_everything() {
        for change in [
            Change::UserTokens(7),
            Change::Group(42),
            Change::Keys,
            Change::Catalog,
            Change::Everything,
        ] {
            assert_eq!(Change::from_payload(&change.payload()), change);
        }
        for unknown in ["", "x", "g:", "g:-1", "u:z", "zz:1"] {
            assert_eq!(
                Change::from_payload(unknown),
                Change::Everything,
                "{unknown}"
            );
        }
    }

    #[test]
    fn a_batch_payload_names_each_change_once_and_reads_back() {
        let batch = [
            Change::Group(42),
            Change::UserTokens(7),
            Change::Group(42),
            Change::Keys,
        ];
        let payload = Change::payload_of(&batch);
        assert_eq!(payload, "g:42,u:7,k");
        let heard: Vec<Change> = Change::all_from_payload(&payload).collect();
        assert_eq!(
            heard,
            [Change::Group(42), Change::UserTokens(7), Change::Keys]
        );
        let one: Vec<Change> = Change::all_from_payload("g:5").collect();
        assert_eq!(one, [Change::Group(5)]);

        let many: Vec<Change> = (0..2_000).map(Change::Group).collect();
        let too_long = Change::payload_of(&many);
        assert_eq!(
            Change::all_from_payload(&too_long).collect::<Vec<_>>(),
            [Change::Everything]
        );
    }

    #[test]
    fn listeners_hear_every_change_and_liveness_follows_the_feed() {
        let feed = ChangeFeed::default();
        let heard = Arc::new(Mutex::new(Vec::new()));
        let into = heard.clone();
        feed.subscribe(move |change| into.lock().unwrap().push(change));
        assert!(feed.is_live());
        feed.publish(Change::Group(1));
        feed.publish(Change::FeedLost);
        assert!(!feed.is_live());
        feed.publish(Change::FeedRestored);
        assert!(feed.is_live());
        assert_eq!(
            *heard.lock().unwrap(),
            [Change::Group(1), Change::FeedLost, Change::FeedRestored]
        );
    }
}
