//! Which answers the host may keep ready to send, and when the domain's changes make
//! them stale. The host's cache knows only opaque keys; this is where they mean
//! "a group's overrides" or "a user's own tokens".
//!
//! Kept: the token listings a caller reads for itself (no `username` naming someone
//! else, no paging parameters), per operation, caller and `includeDisabled`. A
//! listing depends on its records and on the catalog (program names and states), so
//! a change to the records forgets its family, and a catalog change forgets all.

use super::levels::TokensCommand;
use affiliation::changes::Change;
use affiliation::model::Account;
use affiliation::Affiliation;
use servicehost::{AnswerCache, AnswerKey};
use std::sync::Arc;

/// Group families have the top bit set; a user's family is their id.
const GROUP_FAMILY: u64 = 1 << 63;

fn group_family(id: u32) -> u64 {
    GROUP_FAMILY | u64::from(id)
}

fn user_family(owner_id: i64) -> u64 {
    owner_id as u64 & !GROUP_FAMILY
}

/// The listing operations, told apart within a family.
#[derive(Clone, Copy)]
pub enum Listing {
    UserTokens = 1,
    UserTokensV3 = 2,
    GroupTokens = 3,
}

/// The key of a listing request's answer, `None` when it is answered afresh.
pub fn key<Req: Clone + Into<TokensCommand>>(
    listing: Listing,
) -> impl Fn(&Arc<Account>, &Req) -> Option<AnswerKey> + Send + Sync + 'static {
    move |caller, request| {
        let command: TokensCommand = request.clone().into();
        let (family, include_disabled) = command.answer_family(caller)?;
        let family = match family {
            Some(group) => group_family(group),
            None => user_family(caller.id),
        };
        let variant = (caller.id as u64) << 8 | (listing as u64) << 1 | u64::from(include_disabled);
        Some(AnswerKey { family, variant })
    }
}

/// A cache of `budget_bytes` that forgets what the store's changes make stale.
pub fn cache(app: &Affiliation, budget_bytes: usize) -> Arc<AnswerCache> {
    let cache = Arc::new(AnswerCache::new(budget_bytes));
    let feed = app.store().changes();
    cache.set_live(feed.is_live());
    let heard = cache.clone();
    feed.subscribe(move |change| match change {
        Change::Group(id) => heard.forget(group_family(id)),
        Change::UserTokens(owner_id) => heard.forget(user_family(owner_id)),
        Change::Catalog | Change::Everything => heard.clear(),
        Change::FeedLost => heard.set_live(false),
        Change::FeedRestored => heard.set_live(true),
        // Keys are checked before any kept answer is sent.
        Change::Keys => {}
    });
    cache
}
