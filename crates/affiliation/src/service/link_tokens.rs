//! Where links' tokens come from: the link token cache, else the store (see
//! `crate::token_cache`).

use super::groups::group_not_found;
use super::{Affiliation, Subject};
use crate::error::{Result, StoreError};
use crate::link::LinkToken;
use crate::model::{GroupId, TokenView};
use crate::store::{Store, TokenScope};
use crate::token_cache::{Key, Tokens};

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
