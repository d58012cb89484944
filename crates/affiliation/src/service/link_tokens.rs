//! Where links' tokens come from: the link token cache, else the store; and the
//! background task that reads again what a change made stale, so a group's links stay
//! ready across its edits (see `crate::token_cache`).

use super::groups::group_not_found;
use super::{Affiliation, Subject};
use crate::error::{Result, StoreError};
use crate::link::LinkToken;
use crate::model::{GroupId, TokenView};
use crate::store::{Store, TokenScope};
use crate::token_cache::{Key, TokenCache, Tokens};
use std::sync::Arc;
use std::time::Duration;

/// How long a change settles before its key is read again: PostgreSQL echoes this
/// node's own writes back through the notification channel a moment later (a second
/// change of the key), and a burst of edits to one group is read once.
const SETTLE: Duration = Duration::from_millis(20);

impl Affiliation {
    /// The group's overrides (its ownership checked in the same read, the hot one),
    /// then the user's own tokens; each from the link token cache while unchanged.
    pub(super) async fn link_tokens(
        &self,
        subject: &Subject,
        group: Option<GroupId>,
    ) -> Result<(Tokens, Tokens)> {
        let group_tokens = match group {
            Some(id) => self
                .kept_tokens(Key::Group(id.get()), subject)
                .await?
                .ok_or_else(|| group_not_found(id.get()))?,
            None => Tokens::from([]),
        };
        let user_tokens = self
            .kept_tokens(Key::User(subject.user.id), subject)
            .await?
            .unwrap_or_else(|| Tokens::from([]));
        Ok((group_tokens, user_tokens))
    }

    /// The subject's records of `key` if kept, else read (and kept unless a change of
    /// the key raced with the read); `None`: a group that is not theirs.
    async fn kept_tokens(&self, key: Key, subject: &Subject) -> Result<Option<Tokens>> {
        let user = subject.user.id;
        if let Some(tokens) = self.link_tokens.get(key, user) {
            return Ok(Some(tokens));
        }
        let epoch = self.link_tokens.epoch(key);
        let Some(views) = stored(self.store.as_ref(), key, user).await? else {
            return Ok(None);
        };
        let tokens: Tokens = views.iter().map(LinkToken::from).collect();
        self.link_tokens.keep(key, user, tokens.clone(), epoch);
        Ok(Some(tokens))
    }
}

/// `owner`'s records of `key` as stored; `None`: a group that is not theirs.
async fn stored(
    store: &dyn Store,
    key: Key,
    owner: i64,
) -> std::result::Result<Option<Vec<TokenView>>, StoreError> {
    match key {
        Key::Group(id) => store.group_tokens(owner, id).await,
        Key::User(id) => store.tokens(id, TokenScope::User).await.map(Some),
    }
}

/// Reads again, one at a time, the keys a change made stale while they were kept;
/// runs for as long as the service (it is aborted with it).
pub(super) async fn read_stale_again(store: Arc<dyn Store>, cache: Arc<TokenCache>) {
    loop {
        cache.stale_waiting().await;
        tokio::time::sleep(SETTLE).await;
        for (key, owner) in cache.take_stale() {
            let epoch = cache.epoch(key);
            // Failed, or the group is gone: the next link reads it as before.
            if let Ok(Some(views)) = stored(store.as_ref(), key, owner).await {
                let tokens = views.iter().map(LinkToken::from).collect();
                cache.keep(key, owner, tokens, epoch);
            }
            cache.read_again(key);
        }
    }
}
