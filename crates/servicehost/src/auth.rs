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

/// A credential is printable ASCII without spaces: anything else (non-ASCII bytes,
/// control characters, a header sent twice) is `Malformed`, so it is refused (401)
/// instead of being read as "no secret".
pub fn presented_credentials(headers: &HeaderMap) -> Presented {
    let single = |name: http::header::HeaderName| -> Result<Option<&str>, ()> {
        let mut values = headers.get_all(&name).iter();
        let Some(value) = values.next() else {
            return Ok(None);
        };
        if values.next().is_some() {
            return Err(());
        }
        let text = value.to_str().map_err(|_| ())?.trim();
        Ok((!text.is_empty()).then_some(text))
    };
    let (Ok(authorization), Ok(key), Ok(secret)) = (
        single(http::header::AUTHORIZATION),
        single(http::HeaderName::from_static("x-api-key")),
        single(http::HeaderName::from_static("x-api-secret")),
    ) else {
        return Presented::Malformed;
    };
    let credentials = if headers.contains_key(http::header::AUTHORIZATION) {
        let value = authorization.unwrap_or_default();
        let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
        let rest = rest.trim();
        if scheme.eq_ignore_ascii_case("bearer") && !rest.is_empty() {
            Some(Credentials {
                key: rest.to_string(),
                secret: None,
            })
        } else if scheme.eq_ignore_ascii_case("basic") {
            basic(rest)
        } else {
            None
        }
    } else {
        match key {
            Some(key) => Some(Credentials {
                key: key.to_string(),
                secret: secret.map(str::to_string),
            }),
            None if secret.is_some() => None,
            None => return Presented::Nothing,
        }
    };
    match credentials {
        Some(c) if is_token(&c.key) && c.secret.as_deref().is_none_or(is_token) => {
            Presented::Credentials(c)
        }
        _ => Presented::Malformed,
    }
}

fn is_token(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_graphic())
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

    #[test]
    fn non_ascii_or_odd_credentials_are_malformed_never_absent() {
        let raw = |name: &'static str, bytes: &[u8]| {
            let mut map = HeaderMap::new();
            map.insert(name, http::HeaderValue::from_bytes(bytes).unwrap());
            map
        };
        let mut with_bad_secret = raw("x-api-secret", "s\u{e9}cret".as_bytes());
        with_bad_secret.insert("x-api-key", "k1".parse().unwrap());
        assert_eq!(
            presented_credentials(&with_bad_secret),
            Presented::Malformed
        );
        assert_eq!(
            presented_credentials(&raw("x-api-key", "k\u{e9}y".as_bytes())),
            Presented::Malformed
        );
        assert_eq!(
            presented_credentials(&raw("authorization", "Bearer k\u{e9}y".as_bytes())),
            Presented::Malformed
        );
        // base64("k\u{e9}:s")
        let encoded = base64::engine::general_purpose::STANDARD.encode("k\u{e9}:s");
        assert_eq!(
            presented_credentials(&raw("authorization", format!("Basic {encoded}").as_bytes())),
            Presented::Malformed
        );
        // A secret without a key, and a key sent twice.
        assert_eq!(
            presented_credentials(&headers(&[("x-api-secret", "s1")])),
            Presented::Malformed
        );
        let mut twice = headers(&[("x-api-key", "k1")]);
        twice.append("x-api-key", "k2".parse().unwrap());
        assert_eq!(presented_credentials(&twice), Presented::Malformed);
        assert_eq!(
            presented_credentials(&headers(&[("authorization", "Bearer")])),
            Presented::Malformed
        );
    }
}
