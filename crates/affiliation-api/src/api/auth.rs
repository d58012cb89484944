//! API-key authentication for the host, backed by the domain's accounts.

use super::errors::service_error;
use affiliation::model::Account;
use affiliation::Affiliation;
use async_trait::async_trait;
use servicehost::{Authenticator, Credentials, ServiceError};
use std::sync::Arc;

pub struct ApiKeyAuthenticator(pub Arc<Affiliation>);

#[async_trait]
impl Authenticator for ApiKeyAuthenticator {
    /// Shared with the key cache: a request with a known key copies nothing.
    type Identity = Arc<Account>;

    async fn authenticate(
        &self,
        credentials: &Credentials,
    ) -> Result<Option<Arc<Account>>, ServiceError> {
        self.0
            .authenticate(&credentials.key, credentials.secret.as_deref())
            .await
            .map_err(service_error)
    }
}
