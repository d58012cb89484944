//! DataContract XML both ways (wire spec section 7): golden checks against the element
//! names, order and namespaces of the original's XML sample pages, answers a .NET
//! XmlServiceClient reads, and requests as DataContractSerializer writes them.

use crate::common::{Keys, Server};
use serde_json::json;

const REQUESTS: &str =
    "http://schemas.datacontract.org/2004/07/AffiliationAPI.ServiceModel.V4.Requests";
const RESPONSES: &str =
    "http://schemas.datacontract.org/2004/07/AffiliationAPI.ServiceModel.V4.Responses";
const DOMAIN_MODEL: &str =
    "http://schemas.datacontract.org/2004/07/AffiliationAPI.ServiceModel.DomainModel";
const SERVICESTACK: &str = "http://schemas.servicestack.net/types";
const ARRAYS: &str = "http://schemas.microsoft.com/2003/10/Serialization/Arrays";
const INSTANCE: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// The text of a metadata page's `<pre>` blocks, entities decoded.
fn samples(server: &Server, path: &str) -> (String, String) {
    let page = server.fetch(path).text;
    let block = |class: &str| {
        let start = page
            .find(&format!("<pre class=\"{class}\">"))
            .expect("a sample block");
        let text = &page[start..];
        let text = &text[text.find('>').unwrap() + 1..text.find("</pre>").unwrap()];
        let text = text
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&");
        let body = text
            .split_once("\n\n")
            .map_or("", |(_, body)| body)
            .trim_end();
        body.to_string()
    };
    (block("request"), block("response"))
}

fn element_names<'a>(node: roxmltree::Node<'a, 'a>) -> Vec<(&'a str, Option<&'a str>)> {
    node.children()
        .filter(|n| n.is_element())
        .map(|n| (n.tag_name().name(), n.tag_name().namespace()))
        .collect()
}

/// From https://affiliation-api-zane.dev.platform.georiot.com/xml/metadata?lang=typescript&op=PostAffiliateTokensSetRequest
/// and https://affiliation-api-zane.dev.platform.georiot.com/xml/metadata?lang=typescript&op=GetGroupAffiliateTokensRequest:
/// the request's root in the Requests namespace, `affiliatePrograms` (before `username`:
/// ordinal order) declaring `d2p1` for DomainModel, its `d2p1:AffiliateProgram` items whose
/// `d2p1:affiliateTokens` declares `d4p1` for the Arrays namespace; the response's root in
/// the Responses namespace, `responseStatus` first (the base class's member) declaring `d2p1`
/// for ServiceStack's types, with `d2p1:ErrorCode`, `d2p1:Message`, `d2p1:StackTrace`;
/// indented two spaces an element.
#[test]
fn xml_samples_have_the_names_order_and_namespaces_of_the_originals() {
    let server = Server::start();
    let (request, _) = samples(&server, "/xml/metadata?op=PostAffiliateTokensSetRequest");
    let lines: Vec<&str> = request.lines().collect();
    assert_eq!(
        lines[..4],
        [
            &format!(r#"<PostAffiliateTokensSetRequest xmlns:i="{INSTANCE}" xmlns="{REQUESTS}">"#)
                as &str,
            &format!(r#"  <affiliatePrograms xmlns:d2p1="{DOMAIN_MODEL}">"#),
            "    <d2p1:AffiliateProgram>",
            &format!(r#"      <d2p1:affiliateTokens xmlns:d4p1="{ARRAYS}">"#),
        ],
        "{request}"
    );
    assert!(
        lines.contains(&"        <d4p1:KeyValueOfstringstring>"),
        "{request}"
    );
    assert!(
        lines.contains(&"  <username>String</username>"),
        "{request}"
    );

    let (_, response) = samples(&server, "/xml/metadata?op=GetGroupAffiliateTokensRequest");
    let lines: Vec<&str> = response.lines().collect();
    assert_eq!(
        lines[..5],
        [
            &format!(
                r#"<GetGroupAffiliateTokensResponse xmlns:i="{INSTANCE}" xmlns="{RESPONSES}">"#
            ) as &str,
            &format!(r#"  <responseStatus xmlns:d2p1="{SERVICESTACK}">"#),
            "    <d2p1:ErrorCode>String</d2p1:ErrorCode>",
            "    <d2p1:Message>String</d2p1:Message>",
            "    <d2p1:StackTrace>String</d2p1:StackTrace>",
        ],
        "{response}"
    );
}

fn get_xml(server: &Server, keys: &Keys, path: &str) -> String {
    let reply = server.get(keys, &format!("{path}?format=xml"));
    assert_eq!(reply.status, 200, "{path}: {}", reply.text);
    reply.text
}

#[test]
fn xml_answers_follow_datacontract_names_order_namespaces_and_nils() {
    let server = Server::start();
    let keys = server.add_user("alice", false);
    let program = server.amazon_us(&keys);
    let group = server.create_group(&keys, "xml");
    let tokens = format!("/v4/groups/{group}/group-affiliate-tokens");
    let reply = server
        .request("POST", &format!("{tokens}?format=xml"))
        .bearer_auth(&keys.api_key)
        .json(&json!({ "programGuid": program, "parameters": { "tag": "alice-20" } }))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let document = roxmltree::Document::parse(&reply).unwrap();
    let root = document.root_element();
    assert_eq!(root.tag_name().namespace(), Some(RESPONSES));
    // The base's responseStatus first, then the own bare members in ordinal order.
    assert_eq!(
        element_names(root),
        [
            ("responseStatus", Some(RESPONSES)),
            ("AffiliateTokensId", Some(RESPONSES)),
            ("Success", Some(RESPONSES)),
        ],
        "{reply}"
    );
    let status = root.first_element_child().unwrap();
    assert_eq!(status.attribute((INSTANCE, "nil")), Some("true"), "{reply}");

    let listed = get_xml(&server, &keys, &tokens);
    let document = roxmltree::Document::parse(&listed).unwrap();
    let root = document.root_element();
    let names: Vec<&str> = element_names(root).iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names[..2],
        ["responseStatus", "AffiliatePrograms"],
        "{listed}"
    );
    let list = root
        .children()
        .find(|n| n.has_tag_name("AffiliatePrograms"))
        .unwrap();
    let item = list.first_element_child().expect("one program");
    assert_eq!(item.tag_name().name(), "anyType");
    assert_eq!(item.tag_name().namespace(), Some(ARRAYS));
    let declared_type = item.attribute((INSTANCE, "type")).expect("i:type");
    let (prefix, class) = declared_type.split_once(':').unwrap();
    assert_eq!(class, "AffiliateProgram");
    assert_eq!(item.lookup_namespace_uri(Some(prefix)), Some(DOMAIN_MODEL));
    let members: Vec<&str> = element_names(item).iter().map(|(n, _)| *n).collect();
    let mut sorted = members.clone();
    sorted.sort();
    assert_eq!(members, sorted, "members in ordinal order: {listed}");
    assert!(element_names(item)
        .iter()
        .all(|(_, ns)| *ns == Some(DOMAIN_MODEL)));
    let map = item
        .children()
        .find(|n| n.has_tag_name("affiliateTokens"))
        .unwrap();
    let pair = map.first_element_child().unwrap();
    assert_eq!(
        (pair.tag_name().name(), pair.tag_name().namespace()),
        ("KeyValueOfstringstring", Some(ARRAYS))
    );
    let texts: Vec<&str> = pair.children().filter_map(|n| n.text()).collect();
    assert_eq!(texts, ["tag", "alice-20"]);
    let guid = item
        .children()
        .find(|n| n.has_tag_name("programGuid"))
        .unwrap();
    assert_eq!(guid.text(), Some(program.as_str()));

    // An error: ServiceStack's types in their namespace, PascalCase, in declared order.
    let missing = server
        .request(
            "PUT",
            &format!("{tokens}/00000000-0000-0000-0000-000000000001?format=xml"),
        )
        .bearer_auth(&keys.api_key)
        .json(&json!({ "parameters": { "tag": "a-20" } }))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let document = roxmltree::Document::parse(&missing).unwrap();
    let status = document.root_element().first_element_child().unwrap();
    assert_eq!(status.tag_name().name(), "responseStatus", "{missing}");
    let names = element_names(status);
    assert_eq!(
        names.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        ["ErrorCode", "Message", "StackTrace", "Errors", "Meta"],
        "{missing}"
    );
    assert!(names.iter().all(|(_, ns)| *ns == Some(SERVICESTACK)));
    assert_eq!(
        status.first_element_child().unwrap().text(),
        Some("NotFound")
    );
}

/// A request as a .NET XmlServiceClient sends it: DataContractSerializer's prefixes, an
/// `i:nil` member, a map in the Arrays namespace.
#[test]
fn xml_requests_as_datacontractserializer_writes_them_are_read() {
    let server = Server::start();
    let keys = server.add_user("alice", false);
    let program = server.amazon_us(&keys);
    let body = format!(
        r#"<PostAffiliateTokensSetRequest xmlns:i="{INSTANCE}" xmlns="{REQUESTS}"><affiliatePrograms xmlns:d2p1="{DOMAIN_MODEL}"><d2p1:AffiliateProgram><d2p1:affiliateTokens xmlns:d4p1="{ARRAYS}"><d4p1:KeyValueOfstringstring><d4p1:Key>tag</d4p1:Key><d4p1:Value>xml-20</d4p1:Value></d4p1:KeyValueOfstringstring></d2p1:affiliateTokens><d2p1:programGuid>{program}</d2p1:programGuid></d2p1:AffiliateProgram></affiliatePrograms><username i:nil="true"/></PostAffiliateTokensSetRequest>"#
    );
    let reply = server
        .request("POST", "/v4/affiliate-tokens-sets")
        .bearer_auth(&keys.api_key)
        .header("Content-Type", "application/xml")
        .header("Accept", "application/xml")
        .body(body)
        .send()
        .unwrap();
    assert_eq!(reply.status(), 200);
    let text = reply.text().unwrap();
    let document = roxmltree::Document::parse(&text).unwrap();
    let root = document.root_element();
    assert_eq!(
        element_names(root)
            .iter()
            .map(|(n, _)| *n)
            .collect::<Vec<_>>(),
        ["AffiliateTokensSetGuid", "ResponseStatus", "Success"],
        "{text}"
    );
    let child = |name: &str| root.children().find(|n| n.has_tag_name(name)).unwrap();
    assert_eq!(child("Success").text(), Some("true"), "{text}");
    let set_guid = child("AffiliateTokensSetGuid").text().unwrap().to_string();
    let set = server.get(
        &keys,
        &format!("/v4/affiliate-tokens-sets?setGuid={set_guid}"),
    );
    assert_eq!(set.status, 200, "{}", set.text);
    assert!(set.text.contains("xml-20"), "{}", set.text);
}
