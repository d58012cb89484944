//! Localized links over HTTP (link-engine.md): the examples table, the switches,
//! group > user precedence per storefront, bad countries, the coverage report, and
//! families in the catalog's administration.

use crate::common::{Keys, Server};
use serde_json::{json, Value};

const TITLE: &str = "https://www.amazon.com/Some-Title/dp/B08N5WRWNW?th=1&tag=x-20";
const APPLE_TOKEN: &str = "1001l3ab";

use crate::links::{encoded, program_named};

fn amazon(server: &Server, keys: &Keys, country: &str) -> String {
    server.program(keys, |p| {
        p["network"] == "Amazon Associates" && p["countries"] == json!([country])
    })["programGuid"]
        .as_str()
        .unwrap()
        .to_string()
}

fn connect(server: &Server, keys: &Keys, path: &str, program: &str, parameters: Value) {
    let reply = server.call(
        keys,
        "POST",
        path,
        json!({ "programGuid": program, "parameters": parameters }),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
}

/// The examples table's user: Amazon US `mytag-20`, DE `mytag-21`, AU `au-22`, plus
/// Apple and Walmart (Impact) for the table's other rows.
fn table_user(server: &Server, username: &str) -> Keys {
    let keys = server.add_user(username, false);
    let user = "/v4/user-affiliate-tokens";
    for (country, tag) in [("US", "mytag-20"), ("DE", "mytag-21"), ("AU", "au-22")] {
        let program = amazon(server, &keys, country);
        connect(server, &keys, user, &program, json!({ "tag": tag }));
    }
    let apple = server.apple(&keys);
    connect(server, &keys, user, &apple, json!({ "at": APPLE_TOKEN }));
    let walmart = program_named(server, &keys, "Walmart (Impact)");
    connect(
        server,
        &keys,
        user,
        &walmart,
        json!({ "publisherId": "1234567", "adId": "565706" }),
    );
    keys
}

/// The link by GET with `options` (a query string), checked against the same link in
/// POST /v4/affiliate-links (options in the body, and the country as an item's own).
fn localized(server: &Server, keys: &Keys, url: &str, options: &[(&str, &str)]) -> Value {
    let query: String = options.iter().map(|(k, v)| format!("&{k}={v}")).collect();
    let reply = server.get(
        keys,
        &format!("/v4/affiliate-link?url={}{query}", encoded(url)),
    );
    assert_eq!(reply.status, 200, "{url} {options:?}: {}", reply.text);
    let single = reply.json();
    let mut body = json!({ "urls": [url] });
    for (k, v) in options {
        body[*k] = match *v {
            "true" => json!(true),
            v => json!(v),
        };
    }
    let batch = server.call_ok(keys, "POST", "/v4/affiliate-links", body.clone());
    let batched = &batch.json()["links"][0];
    for member in [
        "url",
        "level",
        "country",
        "localizedFrom",
        "match",
        "affiliated",
    ] {
        assert_eq!(
            batched[member], single[member],
            "{url} {options:?}: {member}"
        );
    }
    if let Some(country) = body.as_object_mut().unwrap().remove("country") {
        body["urls"] = json!([]);
        body["items"] = json!([{ "url": url, "country": country }]);
        let items = server.call_ok(keys, "POST", "/v4/affiliate-links", body);
        assert_eq!(items.json()["links"][0]["url"], single["url"], "{url} item");
    }
    single
}

/// Every row of link-engine.md's examples table.
#[test]
fn the_spec_examples_table() {
    let server = Server::start();
    let keys = table_user(&server, "tabitha");
    let de = localized(&server, &keys, TITLE, &[("country", "DE")]);
    assert_eq!(
        de["url"],
        "https://www.amazon.de/dp/B08N5WRWNW?th=1&tag=mytag-21"
    );
    assert_eq!(de["localizedFrom"], "US");
    assert_eq!(de["country"], "DE");
    assert_eq!(de["match"], "sameId");
    assert_eq!(de["level"], "user");
    assert_eq!(de["programGuid"], amazon(&server, &keys, "DE"));

    let nz = localized(&server, &keys, TITLE, &[("country", "NZ")]);
    assert_eq!(
        nz["url"],
        "https://www.amazon.com.au/dp/B08N5WRWNW?th=1&tag=au-22"
    );
    assert_eq!(nz["country"], "AU");
    assert_eq!(nz["localizedFrom"], "US");

    let today = "https://www.amazon.com/Some-Title/dp/B08N5WRWNW?th=1&tag=mytag-20";
    let none = localized(&server, &keys, TITLE, &[]);
    assert_eq!(none["url"], today);
    assert!(none.get("country").is_none(), "{none}");
    let us = localized(&server, &keys, TITLE, &[("country", "US")]);
    assert_eq!(us["url"], today);
    assert_eq!(us["country"], "US");
    assert!(us.get("localizedFrom").is_none(), "{us}");
    assert_eq!(us["match"], "original");

    let fr = localized(&server, &keys, TITLE, &[("country", "FR")]);
    assert_eq!(fr["url"], "https://www.amazon.fr/dp/B08N5WRWNW?th=1");
    assert_eq!(fr["affiliated"], false);
    assert_eq!(fr["level"], "none");
    assert_eq!(fr["country"], "FR");
    assert!(
        fr["reason"]
            .as_str()
            .unwrap()
            .contains("Amazon Associates (France)"),
        "{fr}"
    );
    let original = localized(
        &server,
        &keys,
        TITLE,
        &[("country", "FR"), ("missingToken", "original")],
    );
    assert_eq!(original["url"], today);
    assert_eq!(original["level"], "user");
    assert_eq!(original["country"], "US");

    for (input, want) in [
        (
            "https://www.amazon.com/dp/B0BJMGW6V3?th=1&linkCode=sl1&tag=eiv-20&linkId=8afc&language=en_CA&ref_=as_li_ss_tl",
            "https://www.amazon.com/dp/B0BJMGW6V3?th=1&language=en_CA&tag=mytag-20",
        ),
        (
            "https://www.amazon.com/exec/obidos/ASIN/0596005423/other-20",
            "https://www.amazon.com/dp/0596005423?tag=mytag-20",
        ),
        (
            "https://goto.walmart.com/c/111111/565706/9383?u=https%3A%2F%2Fwww.walmart.com%2Fip%2F1",
            "https://goto.walmart.com/c/1234567/565706/9383?u=https%3A%2F%2Fwww.walmart.com%2Fip%2F1",
        ),
    ] {
        let answer = localized(&server, &keys, input, &[]);
        assert_eq!(answer["url"], want, "{input}");
        assert_eq!(answer["level"], "user", "{input}");
    }

    let editor = "https://www.amazon.com/dp/B0?tag=editor-20";
    let kept = localized(&server, &keys, editor, &[("honorExisting", "true")]);
    assert_eq!(kept["url"], editor);
    assert_eq!(kept["level"], "existing");

    let app = localized(
        &server,
        &keys,
        "https://apps.apple.com/us/app/x/id123?mt=8",
        &[("country", "GB")],
    );
    assert_eq!(
        app["url"],
        format!("https://apps.apple.com/gb/app/x/id123?mt=8&at={APPLE_TOKEN}")
    );
    assert_eq!(app["localizedFrom"], "US");
    assert_eq!(app["country"], "GB");

    let reply = server.get(
        &keys,
        &format!("/v4/affiliate-link?url={}&country=ZZ", encoded(TITLE)),
    );
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert_eq!(
        reply.field_errors(),
        vec![("InvalidCountry".to_string(), "Country".to_string())]
    );
}

#[test]
fn bad_countries_and_switches_are_400s_naming_the_field_without_the_value() {
    let server = Server::start();
    let keys = server.add_user("quinn", false);
    for bad in ["ZZ", "XX", "D1", "DEU", "d%C3%A9", "%00%01"] {
        let reply = server.get(
            &keys,
            &format!("/v4/affiliate-link?url={}&country={bad}", encoded(TITLE)),
        );
        assert_eq!(reply.status, 400, "{bad}: {}", reply.text);
        assert_eq!(reply.field_errors()[0].1, "Country", "{bad}");
        assert!(!reply.text.contains(bad), "{bad} echoed: {}", reply.text);
    }
    // Lower case and the UK alias are countries.
    let uk = server.get(
        &keys,
        &format!("/v4/affiliate-link?url={}&country=uk", encoded(TITLE)),
    );
    assert_eq!(uk.status, 200, "{}", uk.text);
    assert_eq!(uk.json()["country"], "GB");

    let reply = server.get(
        &keys,
        &format!(
            "/v4/affiliate-link?url={}&country=QQ&missingToken=sometimes",
            encoded(TITLE)
        ),
    );
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.field_errors(),
        vec![
            ("InvalidCountry".to_string(), "Country".to_string()),
            (
                "InvalidMissingToken".to_string(),
                "MissingToken".to_string()
            ),
        ]
    );
    assert!(!reply.text.contains("sometimes"), "{}", reply.text);

    // A batch: the request's country, or an item's, with the item's index.
    let reply = server.call(
        &keys,
        "POST",
        "/v4/affiliate-links",
        json!({ "urls": [TITLE], "country": "ZZ" }),
    );
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert_eq!(reply.field_errors()[0].1, "Country");
    let reply = server.call(
        &keys,
        "POST",
        "/v4/affiliate-links",
        json!({ "urls": [TITLE], "items": [{ "url": TITLE, "country": "DE" }, { "url": TITLE, "country": "Z9" }] }),
    );
    assert_eq!(reply.status, 400, "{}", reply.text);
    let errors = &reply.json()["responseStatus"]["errors"];
    assert_eq!(errors.as_array().unwrap().len(), 1, "{}", reply.text);
    assert_eq!(errors[0]["fieldName"], "Country");
    assert_eq!(errors[0]["meta"]["Index"], "2");
    // urls and items count together.
    let many: Vec<Value> = (0..1000).map(|_| json!({ "url": TITLE })).collect();
    let reply = server.call(
        &keys,
        "POST",
        "/v4/affiliate-links",
        json!({ "urls": [TITLE], "items": many }),
    );
    assert_eq!(reply.status, 400);
    assert_eq!(reply.error_code(), "TooManyUrls");
}

#[test]
fn disable_affiliation_returns_the_cleaned_and_localized_link_with_no_tokens() {
    let server = Server::start();
    let keys = table_user(&server, "dora");
    let off = [("disableAffiliation", "true")];
    let plain = localized(&server, &keys, TITLE, &off);
    assert_eq!(
        plain["url"],
        "https://www.amazon.com/Some-Title/dp/B08N5WRWNW?th=1"
    );
    assert_eq!(plain["affiliated"], false);
    assert_eq!(plain["level"], "none");
    let de = localized(
        &server,
        &keys,
        "https://www.amazon.com/dp/B0BJMGW6V3?th=1&linkCode=sl1&tag=eiv-20&linkId=8afc&ascsubtag=x",
        &[("country", "DE"), ("disableAffiliation", "true")],
    );
    assert_eq!(de["url"], "https://www.amazon.de/dp/B0BJMGW6V3?th=1");
    assert_eq!(de["country"], "DE");
    assert_eq!(de["affiliated"], false);
    let walmart = localized(
        &server,
        &keys,
        "https://goto.walmart.com/c/111111/565706/9383?u=https%3A%2F%2Fwww.walmart.com%2Fip%2F1",
        &off,
    );
    assert_eq!(walmart["url"], "https://www.walmart.com/ip/1");
    // disableAffiliation wins over honorExisting.
    let both = localized(
        &server,
        &keys,
        TITLE,
        &[("disableAffiliation", "true"), ("honorExisting", "true")],
    );
    assert_eq!(both["level"], "none");
}

#[test]
fn honor_existing_keeps_a_tag_only_on_its_own_storefront() {
    let server = Server::start();
    let keys = table_user(&server, "hank");
    let honor = ("honorExisting", "true");
    // Without a tag there is nothing to honor: ours goes on.
    let bare = localized(
        &server,
        &keys,
        "https://www.amazon.com/dp/B0?th=1",
        &[honor],
    );
    assert_eq!(
        bare["url"],
        "https://www.amazon.com/dp/B0?th=1&tag=mytag-20"
    );
    assert_eq!(bare["level"], "user");
    // Staying (country US): kept; moving (DE): always our tokens.
    let stays = localized(&server, &keys, TITLE, &[honor, ("country", "US")]);
    assert_eq!(stays["url"], TITLE);
    assert_eq!(stays["level"], "existing");
    let moves = localized(&server, &keys, TITLE, &[honor, ("country", "DE")]);
    assert_eq!(
        moves["url"],
        "https://www.amazon.de/dp/B08N5WRWNW?th=1&tag=mytag-21"
    );
    assert_eq!(moves["level"], "user");
    // Someone's tracking link is an existing attribution too.
    let wrapped =
        "https://goto.walmart.com/c/111111/565706/9383?u=https%3A%2F%2Fwww.walmart.com%2Fip%2F1";
    assert_eq!(
        localized(&server, &keys, wrapped, &[honor])["level"],
        "existing"
    );
}

#[test]
fn group_overrides_win_per_local_storefront() {
    let server = Server::start();
    let keys = table_user(&server, "gus");
    let group = server.create_group(&keys, "campaign");
    let path = format!("/v4/groups/{group}/group-affiliate-tokens");
    let de = amazon(&server, &keys, "DE");
    connect(&server, &keys, &path, &de, json!({ "tag": "grp-21" }));
    let with_group = |country: &str| {
        let reply = server.get(
            &keys,
            &format!(
                "/v4/affiliate-link?url={}&groupId={group}&country={country}",
                encoded(TITLE)
            ),
        );
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.json()
    };
    let de = with_group("DE");
    assert_eq!(
        de["url"],
        "https://www.amazon.de/dp/B08N5WRWNW?th=1&tag=grp-21"
    );
    assert_eq!(de["level"], "group");
    // AT falls back to DE, where the group's override applies too.
    assert_eq!(with_group("AT")["url"], de["url"]);
    let au = with_group("AU");
    assert_eq!(
        au["url"],
        "https://www.amazon.com.au/dp/B08N5WRWNW?th=1&tag=au-22"
    );
    assert_eq!(au["level"], "user");
    // A country with neither a storefront nor a fallback: the link stays.
    let ke = with_group("KE");
    assert_eq!(
        ke["url"],
        "https://www.amazon.com/Some-Title/dp/B08N5WRWNW?th=1&tag=mytag-20"
    );
    assert_eq!(ke["country"], "US");
    assert_eq!(ke["match"], "original");
    // Localizing a program without a family changes nothing.
    let reply = server.get(
        &keys,
        &format!(
            "/v4/affiliate-link?url={}&country=DE",
            encoded("https://www.walmart.com/ip/1")
        ),
    );
    let walmart = reply.json();
    assert_eq!(
        walmart["url"],
        "https://goto.walmart.com/c/1234567/565706/9383?u=https%3A%2F%2Fwww.walmart.com%2Fip%2F1"
    );
    assert!(walmart.get("country").is_none(), "{walmart}");
}

/// A user with tokens for 3 Amazon storefronts and a group override for a fourth:
/// every storefront, with the right level and reason for each.
#[test]
fn the_coverage_report_lists_every_storefront_with_its_level_and_reason() {
    let server = Server::start();
    let keys = table_user(&server, "cora");
    let group = server.create_group(&keys, "uk readers");
    let gb = amazon(&server, &keys, "GB");
    connect(
        &server,
        &keys,
        &format!("/v4/groups/{group}/group-affiliate-tokens"),
        &gb,
        json!({ "tag": "cora-21" }),
    );
    let catalog = server.get(&keys, "/v4/affiliate-programs").json();
    let storefronts: Vec<(String, String, String)> = catalog["affiliatePrograms"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["localization"]["family"] == "Amazon")
        .map(|p| {
            (
                p["countries"][0].as_str().unwrap().to_string(),
                p["programGuid"].as_str().unwrap().to_string(),
                p["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(storefronts.len() >= 20, "{storefronts:?}");

    let report = |group: Option<u64>| {
        let group = group.map(|g| format!("&groupId={g}")).unwrap_or_default();
        let reply = server.get(
            &keys,
            &format!(
                "/v4/affiliate-link/localizations?url={}{group}",
                encoded(TITLE)
            ),
        );
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.json()
    };
    let answer = report(Some(group));
    assert_eq!(answer["originalUrl"], TITLE);
    let entries = answer["localizations"].as_array().unwrap();
    assert_eq!(entries.len(), storefronts.len(), "{answer}");
    for (country, guid, name) in &storefronts {
        let entry = entries
            .iter()
            .find(|e| e["country"] == country.as_str())
            .unwrap_or_else(|| panic!("no entry for {country}: {answer}"));
        assert_eq!(entry["programGuid"], guid.as_str(), "{country}");
        assert_eq!(entry["programName"], name.as_str(), "{country}");
        let (level, tag) = match country.as_str() {
            "US" => ("user", Some("mytag-20")),
            "DE" => ("user", Some("mytag-21")),
            "AU" => ("user", Some("au-22")),
            "GB" => ("group", Some("cora-21")),
            _ => ("none", None),
        };
        assert_eq!(entry["level"], level, "{country}: {entry}");
        assert_eq!(entry["affiliated"], tag.is_some(), "{country}");
        let url = entry["url"].as_str().unwrap();
        match tag {
            Some(tag) => {
                assert!(url.ends_with(&format!("&tag={tag}")), "{country}: {url}");
                assert!(entry.get("reason").is_none(), "{country}: {entry}");
            }
            None => {
                assert!(!url.contains("tag="), "{country}: {url}");
                assert_eq!(
                    entry["reason"],
                    format!("No tokens are connected for {name}"),
                    "{country}"
                );
            }
        }
        if country != "US" {
            assert!(url.contains("/dp/B08N5WRWNW?th=1"), "{country}: {url}");
        }
    }
    // Without the group, its override is not counted.
    let without = report(None);
    let gb_entry = without["localizations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["country"] == "GB")
        .unwrap()
        .clone();
    assert_eq!(gb_entry["level"], "none");

    // Apple: one program, one entry per country it lists.
    let apple = server.get(
        &keys,
        &format!(
            "/v4/affiliate-link/localizations?url={}",
            encoded("https://apps.apple.com/us/app/x/id123?mt=8")
        ),
    );
    let apple = apple.json();
    let entries = apple["localizations"].as_array().unwrap();
    assert!(entries.len() >= 9, "{apple}");
    for entry in entries {
        let country = entry["country"].as_str().unwrap().to_ascii_lowercase();
        assert_eq!(
            entry["url"],
            format!("https://apps.apple.com/{country}/app/x/id123?mt=8&at={APPLE_TOKEN}")
        );
    }
    // Not a product link: 400; a host no program covers: no entries.
    let bad = server.get(&keys, "/v4/affiliate-link/localizations?url=nope");
    assert_eq!(bad.status, 400);
    let unknown = server.get(
        &keys,
        &format!(
            "/v4/affiliate-link/localizations?url={}",
            encoded("https://shop.example/p/1")
        ),
    );
    assert_eq!(unknown.json()["localizations"], json!([]));
    // Another tenant's group is not found.
    let other = server.add_user("otto", false);
    let reply = server.get(
        &other,
        &format!(
            "/v4/affiliate-link/localizations?url={}&groupId={group}",
            encoded(TITLE)
        ),
    );
    assert_eq!(reply.status, 404);
}

#[test]
fn the_coverage_report_is_an_operation_like_every_other() {
    let server = Server::start();
    let name = "GetAffiliateLinkLocalizationsRequest";
    let metadata = server.fetch("/types/metadata").text;
    assert!(metadata.contains(name));
    assert!(server.fetch("/types/csharp").text.contains(name));
    assert!(server.fetch("/types/typescript").text.contains(name));
    let openapi = server.fetch("/openapi.json").json();
    assert!(
        openapi["paths"]["/v4/affiliate-link/localizations"]["get"].is_object(),
        "{}",
        openapi["paths"]
    );
    assert!(server.fetch("/metadata").text.contains(name));
}

#[test]
fn families_are_defined_through_put_and_checked() {
    let server = Server::start();
    let admin = server.add_user("root", true);
    let guid = "0b7e1c52-6a43-4d7f-9e2b-5f8a3c1d9e20";
    let path = format!("/v4/affiliate-programs/{guid}");
    let definition = |localization: Value| {
        json!({
            "name": "Amazon Associates (Ireland, test)",
            "network": "Amazon Associates",
            "countries": ["IE"],
            "hosts": ["amazon.ie"],
            "parameters": [{ "name": "tag", "displayName": "Tag", "required": true, "maxLength": 64 }],
            "link": { "kind": "query" },
            "localization": localization,
        })
    };
    let family = |fallbacks: Value| json!({ "family": "Amazon", "by": "host", "countryFallbacks": fallbacks });
    for (bad, field) in [
        (json!({ "family": "Amazon", "by": "zone" }), "Localization"),
        (family(json!({ "ZZ": "DE" })), "Program"),
        (family(json!({ "FO": "KE" })), "Program"),
        (family(json!({ "FO": "FO" })), "Program"),
        (json!({ "family": "Apple", "by": "host" }), "Program"),
    ] {
        let reply = server.call(&admin, "PUT", &path, definition(bad.clone()));
        assert_eq!(reply.status, 400, "{bad}: {}", reply.text);
        assert_eq!(reply.field_errors()[0].1, field, "{bad}");
    }
    // A storefront for IE joins the family: IE visitors go there, not to the UK.
    let put = server.call(
        &admin,
        "PUT",
        &path,
        definition(family(json!({ "FO": "IE" }))),
    );
    assert_eq!(put.status, 200, "{}", put.text);
    assert_eq!(put.json()["affiliateProgram"]["localization"]["by"], "host");
    connect(
        &server,
        &admin,
        "/v4/user-affiliate-tokens",
        guid,
        json!({ "tag": "eire-21" }),
    );
    let reply = server.get(
        &admin,
        &format!("/v4/affiliate-link?url={}&country=IE", encoded(TITLE)),
    );
    assert_eq!(
        reply.json()["url"],
        "https://www.amazon.ie/dp/B08N5WRWNW?th=1&tag=eire-21"
    );

    // catalog export carries families; import checks them.
    let exported = server.cli_ok(&["catalog", "export"]);
    let mut catalog: Value = serde_json::from_slice(&exported.stdout).unwrap();
    let us = catalog["programs"]
        .as_array()
        .unwrap()
        .iter()
        .position(|p| p["name"] == "Amazon Associates (United States)")
        .unwrap();
    assert_eq!(
        catalog["programs"][us]["localization"]["countryFallbacks"]["NZ"],
        "AU"
    );
    catalog["programs"][us]["localization"]["countryFallbacks"]["NZ"] = json!("KE");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("catalog.json");
    std::fs::write(&file, serde_json::to_string(&catalog).unwrap()).unwrap();
    let refused = server.cli(&["catalog", "import", file.to_str().unwrap()]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("no storefront for KE"), "{stderr}");
    catalog["programs"][us]["localization"]["countryFallbacks"]["NZ"] = json!("JP");
    std::fs::write(&file, serde_json::to_string(&catalog).unwrap()).unwrap();
    server.cli_ok(&["catalog", "import", file.to_str().unwrap()]);
    // The US program's fallbacks apply to its links.
    let keys = table_user(&server, "nina");
    let jp = amazon(&server, &keys, "JP");
    connect(
        &server,
        &keys,
        "/v4/user-affiliate-tokens",
        &jp,
        json!({ "tag": "nina-22" }),
    );
    // The server reads the catalog again within a second of a change made elsewhere.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let reply = server.get(
        &keys,
        &format!("/v4/affiliate-link?url={}&country=NZ", encoded(TITLE)),
    );
    assert_eq!(
        reply.json()["url"],
        "https://www.amazon.co.jp/dp/B08N5WRWNW?th=1&tag=nina-22"
    );
}
