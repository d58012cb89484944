//! The API Explorer's server side: `/metadata/app.json` lists what the registry declares,
//! `/ui` and `/ui/{Name}` serve the page, its script and style come from us (no CDN) under
//! a policy that runs only our own script. The page itself is driven in a real browser by
//! `clients::the_api_explorer_sends_an_operation_from_a_real_browser`.

use crate::common::Server;
use serde_json::Value;

#[test]
fn app_metadata_lists_every_declared_operation_with_its_routes_and_group() {
    let server = Server::start();
    let app = server.fetch("/metadata/app.json");
    assert_eq!(app.status, 200, "{}", app.text);
    let app = app.json();
    assert_eq!(app["app"]["serviceName"], "AffiliationAPI");
    let declared: Vec<Value> =
        String::from_utf8_lossy(&server.cli_ok(&["operations", "--json"]).stdout)
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
    let operations = app["api"]["operations"].as_array().expect("api.operations");
    assert_eq!(operations.len(), declared.len());
    for (op, declared) in operations.iter().zip(&declared) {
        assert_eq!(op["request"]["name"], declared["request"]);
        assert_eq!(op["response"]["name"], declared["response"]);
        assert!(op["requiresAuth"].is_boolean());
        let routes = op["routes"].as_array().unwrap();
        assert!(!routes.is_empty() && routes[0]["path"].is_string());
        let group = op["tags"][0].as_str().expect("a group");
        let path = routes[0]["path"].as_str().unwrap();
        assert!(
            path.contains(&format!("/{group}")),
            "{path} is not in group {group}"
        );
    }
    let put = operations
        .iter()
        .find(|op| op["request"]["name"] == "PutGroupAffiliateTokensRequest")
        .unwrap();
    assert_eq!(put["tags"][0], "groups");
    assert_eq!(put["requiresAuth"], true);
    // The same description as /types/metadata.
    let types = server.fetch("/types/metadata").json();
    assert_eq!(app["api"]["types"], types["types"]);
}

#[test]
fn the_explorer_is_served_whole_from_the_binary_under_a_strict_policy() {
    let server = Server::start();
    for (path, content_type) in [
        ("/ui", "text/html"),
        ("/ui/PutGroupAffiliateTokensRequest", "text/html"),
        ("/ui/putgroupaffiliatetokensrequest", "text/html"),
        ("/ui/assets/explorer.js", "text/javascript"),
        ("/ui/assets/explorer.css", "text/css"),
    ] {
        let reply = server.fetch(path);
        assert_eq!(reply.status, 200, "{path}");
        let header = |name: &str| reply.headers[name].to_str().unwrap().to_string();
        assert!(header("content-type").starts_with(content_type), "{path}");
        let policy = header("content-security-policy");
        assert!(
            policy.contains("script-src 'self'") && policy.contains("default-src 'none'"),
            "{path}: {policy}"
        );
        assert_eq!(header("x-content-type-options"), "nosniff");
        // Offline: nothing is loaded from anywhere else.
        assert!(!reply.text.contains("://"), "{path} refers to another site");
        assert!(!reply.text.contains("innerHTML"), "{path}");
    }
    let page = server.fetch("/ui").text;
    assert!(page.contains("src=\"/ui/assets/explorer.js\""));
    assert!(page.contains("href=\"/ui/assets/explorer.css\""));
    let unknown = server.fetch("/ui/NoSuchRequest");
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.error_code(), "NotFound");
}
