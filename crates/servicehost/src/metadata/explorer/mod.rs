//! The API Explorer (`/ui`, `/ui/{Name}`): one page, its script and style sheet, all
//! compiled into the binary so it works offline, fed by `/metadata/app.json`, which is
//! built from the same description as every other metadata document.

use super::ServiceDescription;
use serde_json::{json, Value};

pub const PAGE: &str = include_str!("page.html");
pub const SCRIPT: &str = include_str!("explorer.js");
pub const STYLE: &str = include_str!("explorer.css");

/// The explorer's script and style come from us only; the answers it shows are text.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; script-src 'self'; style-src 'self'; \
connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

impl ServiceDescription {
    /// `/metadata/app.json`: ServiceStack's `AppMetadata` shape (`app`, `api` as
    /// `/types/metadata` has it, `plugins`), each operation tagged with its group.
    pub fn app_metadata(&self, base_url: &str) -> Value {
        let mut api = self.metadata_json();
        if let Some(operations) = api["operations"].as_array_mut() {
            for (operation, info) in operations.iter_mut().zip(&self.operations) {
                let group = info.routes.first().map_or("other", |r| group_of(r.path));
                operation["tags"] = json!([group]);
            }
        }
        json!({
            "app": {
                "baseUrl": base_url,
                "serviceName": self.service_name,
                "serviceBaseUrl": format!("{base_url}/api"),
                "jsTextCase": "CamelCase",
            },
            "plugins": {
                "loaded": ["ui", "metadata", "types"],
                "auth": {
                    "authProviders": [{ "name": "apikey", "type": "Bearer", "label": "API Key" }],
                },
            },
            "contentTypeFormats": {
                "json": "application/json",
                "jsv": "application/jsv",
                "xml": "application/xml",
                "csv": "text/csv",
                "jsonl": "text/jsonl",
            },
            "api": api,
        })
    }
}

/// An operation's group: the first segment of its route after the version
/// (`/v4/groups/{groupId}/...` is in `groups`), as the explorer lists them.
fn group_of(path: &str) -> &str {
    path.split('/')
        .filter(|s| !s.is_empty())
        .find(|s| !is_version(s) && !s.starts_with('{'))
        .unwrap_or("other")
}

fn is_version(segment: &str) -> bool {
    segment
        .strip_prefix('v')
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::group_of;

    #[test]
    fn operations_are_grouped_by_their_first_route_segment_after_the_version() {
        assert_eq!(
            group_of("/v4/groups/{groupId}/group-affiliate-tokens"),
            "groups"
        );
        assert_eq!(group_of("/v3/affiliate-programs"), "affiliate-programs");
        assert_eq!(group_of("/links"), "links");
        assert_eq!(group_of("/{x}"), "other");
    }
}
