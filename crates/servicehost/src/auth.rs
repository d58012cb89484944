//! Credentials as ServiceStack clients send them, and the hook that checks them.

use crate::ServiceError;
use async_trait::async_trait;
use base64::Engine;
use http::HeaderMap;

/// An API key, with the secret when the client sent one.
///
/// Accepted forms: `Authorization: Bearer <key>`, `Authorization: Basic
/// base64(<key>:<secret or empty>)`, and `X-Api-Key` with an optional `X-Api-Secret`.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub key: String,
    pub secret: Option<String>,
}

impl std::fmt::Debug for Credentials {
    // Never print a credential, even in debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials(..)")
    }
}

/// What the headers say about the caller.
#[derive(Debug, PartialEq, Eq)]
pub enum Presented {
    Nothing,
    /// Something was sent but it cannot be a credential (unknown scheme, bad base64).
    Malformed,
    Credentials(Credentials),
}

pub fn presented_credentials(headers: &HeaderMap) -> Presented {
    if let Some(value) = headers.get(http::header::AUTHORIZATION) {
        let Ok(value) = value.to_str() else {
            return Presented::Malformed;
        };
        let (scheme, rest) = value.trim().split_once(' ').unwrap_or((value, ""));
        let rest = rest.trim();
        return if scheme.eq_ignore_ascii_case("bearer") && !rest.is_empty() {
            Presented::Credentials(Credentials {
                key: rest.to_string(),
                secret: None,
            })
        } else if scheme.eq_ignore_ascii_case("basic") {
            basic(rest).map_or(Presented::Malformed, Presented::Credentials)
        } else {
            Presented::Malformed
        };
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    match header("x-api-key") {
        Some(key) => Presented::Credentials(Credentials {
            key,
            secret: header("x-api-secret"),
        }),
        None => Presented::Nothing,
    }
}

fn basic(encoded: &str) -> Option<Credentials> {
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (key, secret) = decoded.split_once(':').unwrap_or((&decoded, ""));
    if key.is_empty() {
        return None;
    }
    Some(Credentials {
        key: key.to_string(),
        secret: (!secret.is_empty()).then(|| secret.to_string()),
    })
}

/// The application's credential check. `Ok(None)` means "wrong credentials" (401).
#[async_trait]
pub trait Authenticator: Send + Sync + 'static {
    type Identity: Clone + Send + Sync + 'static;
    async fn authenticate(
        &self,
        credentials: &Credentials,
    ) -> Result<Option<Self::Identity>, ServiceError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        map
    }

    fn creds(key: &str, secret: Option<&str>) -> Presented {
        Presented::Credentials(Credentials {
            key: key.into(),
            secret: secret.map(Into::into),
        })
    }

    #[test]
    fn reads_every_form_clients_send() {
        assert_eq!(presented_credentials(&headers(&[])), Presented::Nothing);
        assert_eq!(
            presented_credentials(&headers(&[("authorization", "Bearer k1")])),
            creds("k1", None)
        );
        // base64("k2:") and base64("k2:s2")
        assert_eq!(
            presented_credentials(&headers(&[("authorization", "Basic azI6")])),
            creds("k2", None)
        );
        assert_eq!(
            presented_credentials(&headers(&[("authorization", "Basic azI6czI=")])),
            creds("k2", Some("s2"))
        );
        assert_eq!(
            presented_credentials(&headers(&[("x-api-key", "k3"), ("x-api-secret", "s3")])),
            creds("k3", Some("s3"))
        );
        assert_eq!(
            presented_credentials(&headers(&[("authorization", "Basic !!!")])),
            Presented::Malformed
        );
        assert_eq!(
            presented_credentials(&headers(&[("authorization", "Digest x")])),
            Presented::Malformed
        );
    }
}
