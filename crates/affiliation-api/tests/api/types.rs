//! The original's type contract (shared/spec/original-dtos.md) as callers see it: the
//! `__type` hints of interface-typed items, and the declarations `/types/metadata` and
//! the generated DTOs carry.

use crate::common::Server;
use serde_json::{json, Value};

const AFFILIATE_PROGRAM_HINT: &str =
    "AffiliationAPI.ServiceModel.DomainModel.AffiliateProgram, AffiliationAPI.ServiceModel";

/// A user with one user-level and one group-level token set: (server, keys, group).
fn populated() -> (Server, crate::common::Keys, u64) {
    let server = Server::start();
    let keys = server.add_user("hinted", false);
    let program = server.amazon_us(&keys);
    let group = server.create_group(&keys, "Hinted");
    server.post_tokens(
        &keys,
        "/v4/user-affiliate-tokens",
        json!({ "programGuid": program, "parameters": { "tag": "hinted-20" } }),
    );
    server.post_tokens(
        &keys,
        &format!("/v4/groups/{group}/group-affiliate-tokens"),
        json!({ "programGuid": program, "parameters": { "tag": "hinted-21" } }),
    );
    (server, keys, group)
}

/// The raw JSON text: the hint must be each item's first member, which a parsed map hides.
fn first_keys_of_items(text: &str, member: &str) -> Vec<String> {
    let value: Value = serde_json::from_str(text).unwrap();
    value[member]
        .as_array()
        .unwrap_or_else(|| panic!("{member} is a list: {text}"))
        .iter()
        .map(|item| {
            item.as_object()
                .unwrap()
                .keys()
                .next()
                .cloned()
                .unwrap_or_default()
        })
        .collect()
}

#[test]
fn interface_typed_items_carry_the_type_hint_first_in_json_and_jsv() {
    let (server, keys, group) = populated();
    for (path, member) in [
        (
            "/v4/user-affiliate-tokens".to_string(),
            "affiliateTokensSet",
        ),
        (
            format!("/v4/groups/{group}/group-affiliate-tokens"),
            "affiliatePrograms",
        ),
    ] {
        let reply = server.call_ok(&keys, "GET", &path, Value::Null);
        let keys_first = first_keys_of_items(&reply.text, member);
        assert_eq!(keys_first, vec!["__type"], "{path}: {}", reply.text);
        assert_eq!(reply.json()[member][0]["__type"], AFFILIATE_PROGRAM_HINT);
        assert_eq!(
            reply.json()[member][0]["affiliateTokens"]["tag"]
                .as_str()
                .map(|t| t.starts_with("hinted-")),
            Some(true)
        );

        let jsv = server
            .request("GET", &format!("{path}?format=jsv"))
            .bearer_auth(&keys.api_key)
            .send()
            .unwrap()
            .text()
            .unwrap();
        assert!(
            jsv.contains(&format!("[{{__type:\"{AFFILIATE_PROGRAM_HINT}\",")),
            "{path} as JSV: {jsv}"
        );
        // Concrete-typed lists carry none (ServiceStack.Text writes hints for interfaces only).
        let xml = server
            .request("GET", &format!("{path}?format=xml"))
            .bearer_auth(&keys.api_key)
            .send()
            .unwrap()
            .text()
            .unwrap();
        assert!(!xml.contains("__type"), "{path} as XML: {xml}");
    }
    let catalog = server.call_ok(&keys, "GET", "/v3/affiliate-programs", Value::Null);
    assert!(!catalog.text.contains("__type"), "{}", catalog.text);
}

#[test]
fn the_hint_names_a_type_that_the_csharp_dtos_declare() {
    let server = Server::start();
    let csharp = server.fetch("/types/csharp").text;
    let (namespace, class) = AFFILIATE_PROGRAM_HINT
        .split(',')
        .next()
        .unwrap()
        .rsplit_once('.')
        .unwrap();
    let at = csharp
        .find(&format!("namespace {namespace}\n"))
        .unwrap_or_else(|| panic!("/types/csharp lacks namespace {namespace}"));
    let block = &csharp[at..];
    let block = &block[..block[1..]
        .find("\nnamespace ")
        .map_or(block.len(), |end| end + 1)];
    assert!(
        block.contains(&format!("public partial class {class}")) && block.contains("IAffiliateProgram"),
        "namespace {namespace} of /types/csharp does not declare {class} : IAffiliateProgram:\n{block}"
    );
}

#[test]
fn a_type_hint_on_input_is_accepted_and_ignored() {
    let server = Server::start();
    let keys = server.add_user("hinting", false);
    let program = server.amazon_us(&keys);
    let reply = server.call_ok(
        &keys,
        "POST",
        "/v4/affiliate-tokens-sets",
        json!({ "affiliatePrograms": [{
            "__type": AFFILIATE_PROGRAM_HINT,
            "programGuid": program,
            "affiliateTokens": { "tag": "hinting-20" },
        }] }),
    );
    let set_guid = reply.json()["affiliateTokensSetGuid"]
        .as_str()
        .unwrap()
        .to_string();
    let set = server.call_ok(
        &keys,
        "GET",
        &format!("/v4/affiliate-tokens-sets?setGuid={set_guid}"),
        Value::Null,
    );
    assert_eq!(
        set.json()["affiliateTokensSet"]["programs"][0]["affiliateTokens"]["tag"],
        "hinting-20",
        "{}",
        set.text
    );
    let jsv = server
        .request("POST", "/v4/affiliate-tokens-sets")
        .bearer_auth(&keys.api_key)
        .header("content-type", "text/jsv")
        .body(format!(
            "{{affiliatePrograms:[{{__type:\"{AFFILIATE_PROGRAM_HINT}\",programGuid:{program},affiliateTokens:{{tag:hinting-21}}}}]}}"
        ))
        .send()
        .unwrap();
    assert_eq!(jsv.status(), 200, "{}", jsv.text().unwrap());
}

/// Each `/types/{lang}` endpoint with the first line of its `Options:` header and a
/// declaration only that language writes.
const GENERATORS: [(&str, &str, &str); 13] = [
    (
        "csharp",
        "/* Options:",
        "public partial class PutGroupAffiliateTokensRequest",
    ),
    (
        "fsharp",
        "(* Options:",
        "type PutGroupAffiliateTokensRequest() = ",
    ),
    (
        "vbnet",
        "' Options:",
        "Public Partial Class PutGroupAffiliateTokensRequest",
    ),
    (
        "typescript",
        "/* Options:",
        "export class PutGroupAffiliateTokensRequest",
    ),
    (
        "typescript.d",
        "/* Options:",
        "interface PutGroupAffiliateTokensRequest extends",
    ),
    (
        "js",
        "/* Options:",
        "exports.PutGroupAffiliateTokensRequest = PutGroupAffiliateTokensRequest;",
    ),
    (
        "mjs",
        "/* Options:",
        "export class PutGroupAffiliateTokensRequest extends",
    ),
    (
        "python",
        "\"\"\" Options:",
        "class PutGroupAffiliateTokensRequest(AffiliateTokensRequestBase",
    ),
    (
        "dart",
        "/* Options:",
        "class PutGroupAffiliateTokensRequest extends AffiliateTokensRequestBase implements",
    ),
    (
        "java",
        "/* Options:",
        "public static class PutGroupAffiliateTokensRequest extends AffiliateTokensRequestBase",
    ),
    (
        "kotlin",
        "/* Options:",
        "open class PutGroupAffiliateTokensRequest : AffiliateTokensRequestBase()",
    ),
    (
        "swift",
        "/* Options:",
        "public class PutGroupAffiliateTokensRequest : AffiliateTokensRequestBase",
    ),
    (
        "php",
        "<?php namespace dtos;",
        "class PutGroupAffiliateTokensRequest extends AffiliateTokensRequestBase",
    ),
];

#[test]
fn every_types_endpoint_answers_with_its_languages_header_and_declarations() {
    let server = Server::start();
    let index = server.fetch("/types").json();
    let mut linked: Vec<&str> = index
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_str().unwrap().rsplit("/types/").next().unwrap())
        .collect();
    linked.sort();
    let mut expected: Vec<&str> = GENERATORS
        .iter()
        .map(|(lang, _, _)| *lang)
        .chain(["metadata"])
        .collect();
    expected.sort();
    assert_eq!(linked, expected, "/types lists the 14 endpoints");
    for (lang, header, declaration) in GENERATORS {
        let reply = server.fetch(&format!("/types/{lang}"));
        assert_eq!(reply.status, 200, "/types/{lang}");
        let content_type = reply.headers["content-type"].to_str().unwrap();
        let expected_type = if lang.ends_with("js") {
            "text/javascript"
        } else {
            "text/plain"
        };
        assert!(
            content_type.starts_with(expected_type),
            "/types/{lang}: {content_type}"
        );
        assert!(
            reply.text.starts_with(header),
            "/types/{lang} starts {:?}",
            &reply.text[..40.min(reply.text.len())]
        );
        assert!(
            reply.text.contains("BaseUrl: http://"),
            "/types/{lang} lacks BaseUrl"
        );
        assert!(
            reply.text.contains(declaration),
            "/types/{lang} lacks {declaration:?}"
        );
        let bare = server
            .fetch(&format!("/types/{lang}?WithoutOptions=true"))
            .text;
        assert!(
            !bare.contains("Options:") && bare.contains(declaration),
            "/types/{lang}?WithoutOptions=true"
        );
    }
    assert!(server.fetch("/types/metadata").json()["types"].is_array());
}

#[test]
fn include_types_with_star_keeps_a_request_and_what_it_depends_on_and_the_header_echoes_it() {
    let server = Server::start();
    for (lang, _, _) in GENERATORS {
        let path = format!(
            "/types/{lang}?IncludeTypes=GetGroupAffiliateTokensRequest.*&ExcludeTypes=AffiliateProgram"
        );
        let code = server.fetch(&path).text;
        let comment = if lang == "python" {
            "#"
        } else if lang == "vbnet" {
            "'''"
        } else {
            "//"
        };
        // VB's header has no block comment: each of its lines starts with '.
        let line = if lang == "vbnet" { "'" } else { "" };
        assert!(
            code.contains(&format!(
                "\n{line}IncludeTypes: GetGroupAffiliateTokensRequest.*\n"
            )),
            "{path}: the option is not echoed"
        );
        assert!(
            code.contains(&format!("\n{line}ExcludeTypes: AffiliateProgram\n")),
            "{path}"
        );
        assert!(
            code.contains(&format!("\n{comment}AddDescriptionAsComments: True\n")),
            "{path}: a default option is not commented out"
        );
        for kept in [
            "GetGroupAffiliateTokensRequest",
            "GetGroupAffiliateTokensResponse",
            "BaseResponse",
        ] {
            assert!(code.contains(kept), "{path} lacks {kept}");
        }
        if !matches!(lang, "js" | "mjs") {
            assert!(
                code.contains("IAffiliateProgram"),
                "{path} lacks IAffiliateProgram"
            );
        }
        for dropped in [
            "PutGroupAffiliateTokensRequest",
            "GetAffiliateProgramsResponse",
            "AffiliateTokensSet",
            "class AffiliateProgram",
        ] {
            assert!(!code.contains(dropped), "{path} still has {dropped}");
        }
    }
    // Without `.*` only the named type.
    let alone = server
        .fetch("/types/csharp?IncludeTypes=GetGroupAffiliateTokensRequest")
        .text;
    assert!(
        alone.contains("class GetGroupAffiliateTokensRequest")
            && !alone.contains("class BaseResponse"),
        "{alone}"
    );
}

#[test]
fn language_options_shape_the_code() {
    let server = Server::start();
    let csharp = server
        .fetch("/types/csharp?GlobalNamespace=Client.Dtos&MakePartial=False&MakeVirtual=False")
        .text;
    assert_eq!(csharp.matches("\nnamespace ").count(), 1, "{csharp}");
    assert!(
        csharp.contains("namespace Client.Dtos\n")
            && csharp.contains("\nGlobalNamespace: Client.Dtos\n")
    );
    assert!(
        csharp.contains("public class PutGroupAffiliateTokensRequest")
            && !csharp.contains("partial class")
    );
    assert!(
        csharp.contains("public uint GroupId { get; set; }"),
        "MakeVirtual=False"
    );
    let marked = server.fetch("/types/csharp?AddReturnMarker=False").text;
    assert!(!marked.contains("IReturn<"));
    for lang in ["kotlin", "java"] {
        let code = server
            .fetch(&format!("/types/{lang}?Package=com.example.dtos"))
            .text;
        assert!(
            code.contains("\npackage com.example.dtos"),
            "/types/{lang} Package"
        );
        assert!(code.contains("\nPackage: com.example.dtos\n"));
    }
    let typescript = server
        .fetch("/types/typescript?AddServiceStackTypes=False")
        .text;
    assert!(!typescript.contains("export class ResponseStatus"));
    assert!(server
        .fetch("/types/typescript")
        .text
        .contains("export class ResponseStatus"));
    let php = server.fetch("/types/php?GlobalNamespace=Acme").text;
    assert!(php.starts_with("<?php namespace Acme;"));
}

/// The original's types as each language declares them (original-dtos.md).
#[test]
fn the_generated_dtos_declare_the_originals_types() {
    let server = Server::start();
    let csharp = server.fetch("/types/csharp").text;
    for expected in [
        "namespace Geniuslink.Affiliation.Contracts\n",
        "public partial interface IAffiliateProgram",
        "IDictionary<string, string> AffiliateTokens { get; set; }",
        "public partial class AffiliateTokensSet : AffiliateTokens, IAffiliateTokensSet",
        "public virtual DateTime? CreatedAtUtc { get; set; }",
        "[DataMember(Name=\"setGuid\")]\n        public virtual Guid? SetGuid { get; set; }",
        "[DataMember]\n        public virtual Guid AffiliateTokensSetGuid { get; set; }",
        "[DataMember(Name=\"affiliateTokensSet\")]\n        public virtual List<IAffiliateProgram> AffiliatePrograms { get; set; }",
        "[DataMember(Name=\"groupId\", IsRequired=true)]",
        "[DataMember]\n        public virtual bool Success { get; set; }",
    ] {
        assert!(csharp.contains(expected), "/types/csharp lacks {expected:?}");
    }
    // AffiliateTokensRequestBase carries no [DataContract] (its members do carry DataMember).
    let base_at = csharp
        .find("public partial class AffiliateTokensRequestBase")
        .unwrap();
    assert!(!csharp[..base_at].trim_end().ends_with("[DataContract]"));
    let kotlin = server.fetch("/types/kotlin").text;
    assert!(kotlin.contains("interface IAffiliateProgram\n{\n    var programGuid:String?"));
    assert!(kotlin.contains("open var setGuid:UUID? = null"));
    let typescript = server.fetch("/types/typescript").text;
    assert!(typescript.contains("export interface IAffiliateProgram"));
    assert!(typescript.contains("public affiliateTokensSet?: IAffiliateProgram[];"));
    let swift = server.fetch("/types/swift").text;
    assert!(swift.contains("public protocol IAffiliateProgram"));
    let dart = server.fetch("/types/dart").text;
    assert!(dart.contains("abstract class IAffiliateProgram"));
}

#[test]
fn the_operation_pages_show_the_dtos_of_the_lang_asked_for() {
    let server = Server::start();
    let op = "GetGroupAffiliateTokensRequest";
    for (lang, title, declaration) in [
        (
            "csharp",
            "C#",
            "public partial class GetGroupAffiliateTokensRequest",
        ),
        ("fsharp", "F#", "type GetGroupAffiliateTokensRequest() = "),
        (
            "vbnet",
            "VB.NET",
            "Public Partial Class GetGroupAffiliateTokensRequest",
        ),
        (
            "typescript",
            "TypeScript",
            "export class GetGroupAffiliateTokensRequest",
        ),
        (
            "mjs",
            "JavaScript",
            "export class GetGroupAffiliateTokensRequest {",
        ),
        ("python", "Python", "class GetGroupAffiliateTokensRequest("),
        (
            "dart",
            "Dart",
            "class GetGroupAffiliateTokensRequest implements",
        ),
        (
            "java",
            "Java",
            "public static class GetGroupAffiliateTokensRequest",
        ),
        (
            "kotlin",
            "Kotlin",
            "open class GetGroupAffiliateTokensRequest",
        ),
        (
            "swift",
            "Swift",
            "public class GetGroupAffiliateTokensRequest",
        ),
        (
            "php",
            "PHP",
            "class GetGroupAffiliateTokensRequest implements",
        ),
    ] {
        let page = server
            .fetch(&format!("/json/metadata?op={op}&lang={lang}"))
            .text;
        let page = page
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&");
        assert!(
            page.contains(&format!("{title} {op} DTOs")),
            "lang={lang}: title"
        );
        assert!(
            page.contains(declaration),
            "lang={lang} does not show {declaration:?}"
        );
        assert!(
            !page.contains("Options:"),
            "lang={lang}: the excerpt has no Options header"
        );
    }
    let unknown = server.fetch(&format!("/json/metadata?op={op}&lang=cobol"));
    assert_eq!(unknown.status, 200);
    assert!(
        unknown.text.contains("lang must be one of: csharp, fsharp"),
        "{}",
        unknown.text
    );
    assert!(
        !unknown.text.contains("cobol"),
        "the page must not echo the lang asked for"
    );
}
