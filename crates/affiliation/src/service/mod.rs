//! The operations of the domain, one module per aggregate: accounts (and who acts for
//! whom), the catalog, groups, token records (and their history), token-set
//! snapshots, links. `Affiliation` is the facade they all extend.
//!
//! Tenancy is resolved once per request: [`Affiliation::subject`] applies the
//! `username` rule and gives a [`Subject`]; [`Affiliation::scope`] checks that a group
//! is the subject's and gives a [`Scope`]. Every read and write of a tenant's data
//! goes through one of them, so another tenant's group or record is simply not found.

mod accounts;
mod catalog;
mod groups;
mod history;
mod link_tokens;
mod links;
mod token_sets;
mod tokens;

pub use catalog::require_admin;
pub use groups::MAX_GROUP_NAME;
pub use history::MASK;
pub use links::{link_options, visitor_country, LinkRequest};
pub use token_sets::{ProgramTokensInput, MAX_PROGRAMS_PER_SET};
pub use tokens::{GroupTokens, Saved};

use crate::catalog_cache::CatalogCache;
use crate::changes::Change;
use crate::key_cache::KeyCache;
use crate::model::{Account, Actor, Level};
use crate::store::Store;
use crate::token_cache::{TokenCache, TOKEN_CACHE_CAPACITY};
use crate::validation::Patterns;
use std::sync::Arc;
use time::OffsetDateTime;

pub struct Affiliation {
    store: Arc<dyn Store>,
    patterns: Patterns,
    keys: Arc<KeyCache>,
    catalog: Arc<CatalogCache>,
    link_tokens: Arc<TokenCache>,
}

impl Affiliation {
    pub fn new(store: Arc<dyn Store>) -> Affiliation {
        Affiliation::with_link_token_capacity(store, TOKEN_CACHE_CAPACITY)
    }

    /// With at most `capacity` users' and groups' link tokens kept (0: none).
    pub fn with_link_token_capacity(store: Arc<dyn Store>, capacity: usize) -> Affiliation {
        let keys = Arc::new(KeyCache::default());
        let catalog = Arc::new(CatalogCache::default());
        let link_tokens = Arc::new(TokenCache::new(capacity));
        let feed = store.changes();
        keys.set_live(feed.is_live());
        link_tokens.set_live(feed.is_live());
        let (heard_keys, heard_catalog, heard_tokens) =
            (keys.clone(), catalog.clone(), link_tokens.clone());
        feed.subscribe(move |change| {
            forget(&heard_keys, &heard_catalog, change);
            heard_tokens.forget(change);
        });
        Affiliation {
            store,
            patterns: Patterns::default(),
            keys,
            catalog,
            link_tokens,
        }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }
}

/// What the domain's own caches forget on a change.
fn forget(keys: &KeyCache, catalog: &CatalogCache, change: Change) {
    match change {
        Change::Keys => keys.clear(),
        Change::Catalog => catalog.clear(),
        Change::Everything | Change::FeedLost | Change::FeedRestored => {
            keys.set_live(change != Change::FeedLost);
            keys.clear();
            catalog.clear();
        }
        Change::UserTokens(_) | Change::Group(_) => {}
    }
}

/// Who acts and for whom: the authenticated caller, and the user whose data the
/// request reads or changes (the caller, or the user an admin acts for). Made only by
/// [`Affiliation::subject`].
#[derive(Debug, Clone)]
pub struct Subject {
    caller: Account,
    user: Account,
}

impl Subject {
    /// The audit entry's who, now.
    fn actor(&self) -> Actor {
        Actor {
            caller_id: self.caller.id,
            subject_id: self.user.id,
            at: now(),
        }
    }
}

/// A subject at a level: their own tokens, or one of their groups (checked theirs).
/// Made only by [`Affiliation::scope`].
#[derive(Debug, Clone)]
pub struct Scope {
    subject: Subject,
    level: Level,
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}
