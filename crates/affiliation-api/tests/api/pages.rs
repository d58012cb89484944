//! The metadata pages against the original's: the seed page line by line, and the page
//! shapes of the other formats as the original's stored pages show them.

use crate::common::Server;

/// The original's page for `/jsv/metadata?op=PutGroupAffiliateTokensRequest&lang=python`,
/// as text (the shared seed: `shared/seed/000_d533bb2b47fbe77b.txt`).
const SEED: &str = include_str!("../../../../../shared/seed/000_d533bb2b47fbe77b.txt");

/// A page's text as the seed was taken: the body's text nodes as they are (no spacing
/// added between elements, so adjacent table cells run together), entities decoded,
/// script and style left out.
fn page_text(html: &str) -> String {
    let body = html.split_once("<body>").map_or(html, |(_, body)| body);
    let mut out = String::new();
    let mut rest = body;
    while let Some(open) = rest.find('<') {
        out.push_str(&decode_entities(&rest[..open]));
        let tag = &rest[open..];
        let skipped = ["<script", "<style"]
            .iter()
            .find(|start| tag.starts_with(*start))
            .map(|start| format!("</{}>", &start[1..]));
        rest = match skipped {
            Some(close) => tag.find(&close).map_or("", |end| &tag[end + close.len()..]),
            None => tag.find('>').map_or("", |end| &tag[end + 1..]),
        };
    }
    out.push_str(&decode_entities(rest));
    out
}

fn decode_entities(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let end = after.find(';').expect("an entity ends with ';'");
        let name = &after[..end];
        let decoded = match name {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let number = name.strip_prefix('#').expect("a known entity");
                let code = match number.strip_prefix('x') {
                    Some(hex) => u32::from_str_radix(hex, 16),
                    None => number.parse(),
                };
                char::from_u32(code.expect("a number")).expect("a character")
            }
        };
        out.push(decoded);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Where our page says something else than the seed, and why: the seed's lines, ours in
/// their place (blocks as the line alignment finds them), the reason. Every other line,
/// the Host line aside, must be the seed's. All are in the Python DTOs, which come from
/// the generator of `/types/python`:
/// - it writes a request's base class just before the request, the original first of all;
/// - our DTOs carry descriptions, written as docstrings (AddDescriptionAsComments); the
///   original's had none;
/// - our request says its route in a comment and its answer and verb as `IReturn` and
///   `IPut` markers, so the Python client's `send` needs neither a response type nor a verb.
const DIFFERENCES: &[(&[&str], &[&str], &str)] = &[
    (
        &[
            "class AffiliateTokensRequestBase:",
            "    username: Optional[str] = None",
            "    parameters: Optional[Dict[str, str]] = None",
        ],
        &[
            "class BaseResponse:",
            "    \"\"\"",
            "    The member every response has.",
            "    \"\"\"",
        ],
        "the base class comes later; BaseResponse has a docstring",
    ),
    (
        &[
            "",
            "@dataclass_json(letter_case=LetterCase.CAMEL, undefined=Undefined.EXCLUDE)",
            "@dataclass",
            "class BaseResponse:",
        ],
        &[],
        "(the rest of the same move)",
    ),
    (
        &["class PutGroupAffiliateTokensRequest(AffiliateTokensRequestBase):"],
        &[
            "class AffiliateTokensRequestBase:",
            "    \"\"\"",
            "    The members every token write request has.",
            "    \"\"\"",
            "",
            "    username: Optional[str] = None",
            "    parameters: Optional[Dict[str, str]] = None",
            "",
            "",
            "# @Route(\"/v4/groups/{groupId}/group-affiliate-tokens/{guid}\", \"PUT\")",
            "@dataclass_json(letter_case=LetterCase.CAMEL, undefined=Undefined.EXCLUDE)",
            "@dataclass",
            "class PutGroupAffiliateTokensRequest(AffiliateTokensRequestBase, \
IReturn[PutGroupAffiliateTokensResponse], IPut):",
            "    \"\"\"",
            "    Update user's group affiliate info for specific program.",
            "    \"\"\"",
            "",
        ],
        "the base class, with a docstring, just before the request; the request's route \
         comment, IReturn and IPut markers, docstring",
    ),
];

/// The changed blocks between two texts: (their lines, our lines) at each place where
/// they differ, from a longest-common-subsequence alignment.
fn changed_blocks<'a>(theirs: &[&'a str], ours: &[&'a str]) -> Vec<(Vec<&'a str>, Vec<&'a str>)> {
    let (n, m) = (theirs.len(), ours.len());
    let mut common = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            common[i][j] = if theirs[i] == ours[j] {
                common[i + 1][j + 1] + 1
            } else {
                common[i + 1][j].max(common[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut blocks = Vec::new();
    let mut current: (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
    while i < n || j < m {
        if i < n && j < m && theirs[i] == ours[j] {
            if !current.0.is_empty() || !current.1.is_empty() {
                blocks.push(std::mem::take(&mut current));
            }
            i += 1;
            j += 1;
        } else if j < m && (i == n || common[i][j + 1] >= common[i + 1][j]) {
            current.1.push(ours[j]);
            j += 1;
        } else {
            current.0.push(theirs[i]);
            i += 1;
        }
    }
    if !current.0.is_empty() || !current.1.is_empty() {
        blocks.push(current);
    }
    blocks
}

#[test]
fn the_seed_page_reads_line_by_line_as_the_original() {
    let server = Server::start();
    let reply = server.fetch("/jsv/metadata?op=PutGroupAffiliateTokensRequest&lang=python");
    assert_eq!(reply.status, 200, "{}", reply.text);
    let text = page_text(&reply.text);
    let ours: Vec<&str> = text.trim_end().lines().collect();
    let seed: Vec<&str> = SEED.trim_end().lines().collect();
    let is_host = |lines: &[&str]| lines.len() == 1 && lines[0].starts_with("Host: ");
    let mut listed = vec![false; DIFFERENCES.len()];
    let mut unexplained = Vec::new();
    for (theirs, mine) in changed_blocks(&seed, &ours) {
        if is_host(&theirs) && is_host(&mine) {
            continue;
        }
        match DIFFERENCES
            .iter()
            .position(|(seed_lines, our_lines, _)| *seed_lines == theirs && *our_lines == mine)
        {
            Some(index) => listed[index] = true,
            None => unexplained.push(format!("seed: {theirs:#?}\nours: {mine:#?}")),
        }
    }
    assert!(
        unexplained.is_empty(),
        "our page differs from the seed where no difference is listed:\n{}\n\nour page:\n{}",
        unexplained.join("\n"),
        ours.join("\n")
    );
    for (index, (seed_lines, _, reason)) in DIFFERENCES.iter().enumerate() {
        assert!(
            listed[index],
            "a listed difference no longer occurs ({reason}): {seed_lines:?}"
        );
    }
}

#[test]
fn the_line_alignment_finds_each_changed_block() {
    let blocks = changed_blocks(&["a", "b", "c", "d"], &["a", "x", "c", "d", "e"]);
    assert_eq!(blocks, vec![(vec!["b"], vec!["x"]), (vec![], vec!["e"])]);
    assert!(changed_blocks(&["a"], &["a"]).is_empty());
}

/// The part of a page's text from the format's paragraph to the end.
fn format_section(text: &str) -> &str {
    let at = text
        .find("To override the Content-type")
        .expect("the format paragraph");
    text[at..].trim_end()
}

/// Facts read from the original's stored pages (search the `pages` corpus for
/// `AffiliationAPI PutGroupAffiliateTokensRequest`), per format: the wording of the format
/// paragraph and heading, the media type, and the compact JSON samples of the JSON, CSV and
/// JSONL pages (e.g. https://affiliation-api-pr-4587.qa.platform.georiot.com/jsonl/metadata?op=PutGroupAffiliateTokensRequest).
#[test]
fn the_other_formats_pages_read_as_the_originals() {
    let server = Server::start();
    let request =
        r#"{"groupId":0,"guid":"String","username":"String","parameters":{"String":"String"}}"#;
    let response = r#"{"success":false,"affiliateTokensId":"String","responseStatus":{"errorCode":"String","message":"String","stackTrace":"String","errors":[{"errorCode":"String","fieldName":"String","message":"String","meta":{"String":"String"}}],"meta":{"String":"String"}}}"#;
    for (format, word, media_type, jsonp) in [
        ("json", "json", "application/json", true),
        ("csv", "csv", "text/csv", false),
        ("jsonl", "other", "text/jsonl", false),
    ] {
        let path = format!("/{format}/metadata?op=PutGroupAffiliateTokensRequest");
        let text = page_text(&server.fetch(&path).text);
        let host = server.address();
        let host = host.trim_start_matches("http://");
        let jsonp = if jsonp {
            "To embed the response in a jsonp callback, append ?callback=myCallback\n\n"
        } else {
            ""
        };
        let expected = format!(
            "To override the Content-type in your clients, use the HTTP Accept Header, append the .{word} suffix or ?format={word}\n\n\
{jsonp}HTTP + {upper}\n\n\
The following are sample HTTP requests and responses. The placeholders shown need to be replaced with actual values.\n\n\
PUT /v4/groups/{{groupId}}/group-affiliate-tokens/{{guid}} HTTP/1.1 \nHost: {host} \nAccept: {media_type}\n\
Content-Type: {media_type}\nContent-Length: length\n\n{request}\n\
HTTP/1.1 200 OK\nContent-Type: {media_type}\nContent-Length: length\n\n{response}",
            upper = word.to_uppercase()
        );
        assert_eq!(format_section(&text), expected, "{path}");
    }
}

/// The field tables of a page without `lang`, as the original shows them: one table per
/// type ("{Type} Parameters:"), the request's own members first, then its base's, then the
/// response's and its base's; route variables are "path", the request's own body members
/// "body" (query members "query"), every other member "form"; .NET type names with ", "
/// between type arguments; "Required" is "No" throughout (ServiceStack's ApiMember
/// IsRequired, never set by the original).
/// From https://affiliation-api-pr-4587.qa.platform.georiot.com/jsonl/metadata?op=PutGroupAffiliateTokensRequest
/// and https://affiliation-api-zane.dev.platform.georiot.com/csv/metadata?op=PostGroupAffiliateTokensRequest.
#[test]
fn field_tables_read_as_the_originals() {
    let server = Server::start();
    /// A page's operation, and each of its tables: the type it shows and its rows' text.
    type Case<'a> = (&'a str, &'a [(&'a str, &'a [&'a str])]);
    let cases: [Case; 4] = [
        (
            "PutGroupAffiliateTokensRequest",
            &[
                (
                    "PutGroupAffiliateTokensRequest",
                    &["GroupIdpathuintNo", "GuidpathstringNo"],
                ),
                (
                    "AffiliateTokensRequestBase",
                    &[
                        "UsernameformstringNo",
                        "ParametersformDictionary<string, string>No",
                    ],
                ),
                (
                    "PutGroupAffiliateTokensResponse",
                    &["SuccessformboolNo", "AffiliateTokensIdformstringNo"],
                ),
                ("BaseResponse", &["ResponseStatusformResponseStatusNo"]),
            ],
        ),
        (
            "PostGroupAffiliateTokensRequest",
            &[(
                "PostGroupAffiliateTokensRequest",
                &["GroupIdpathuintNo", "ProgramGuidbodystringNo"],
            )],
        ),
        // https://affiliation-api-pr-4587.qa.platform.georiot.com/jsv/metadata?op=GetUserAffiliateTokensRequest
        // (our Skip, Take and Total rows follow the original's).
        (
            "GetUserAffiliateTokensRequest",
            &[
                (
                    "GetUserAffiliateTokensRequest",
                    &["UsernamequerystringNo", "IncludeDisabledqueryboolNo"],
                ),
                (
                    "GetUserAffiliateTokensResponse",
                    &["AffiliateProgramsformList<IAffiliateProgram>No"],
                ),
                ("BaseResponse", &["ResponseStatusformResponseStatusNo"]),
                (
                    "IAffiliateProgram",
                    &[
                        "ProgramGuidformstringNo",
                        "AffiliateTokensformIDictionary<string, string>No",
                    ],
                ),
            ],
        ),
        // https://affiliation-api-pr-4587.qa.platform.georiot.com/jsv/metadata?op=GetAffiliateTokensSetRequest
        (
            "GetAffiliateTokensSetRequest",
            &[
                ("GetAffiliateTokensSetRequest", &["SetGuidqueryGuidNo"]),
                (
                    "GetAffiliateTokensSetResponse",
                    &[
                        "AffiliateTokensSetformAffiliateTokensSetNo",
                        "ResponseStatusformResponseStatusNo",
                    ],
                ),
                (
                    "AffiliateTokensSet",
                    &["SetGuidformstringNo", "UsernameformstringNo"],
                ),
                (
                    "AffiliateTokens",
                    &[
                        "IdformstringNo",
                        "ProgramsformList<AffiliateProgram>No",
                        "CreatedAtUtcformDateTimeNo",
                        "UpdatedAtUtcformDateTimeNo",
                    ],
                ),
                (
                    "AffiliateProgram",
                    &[
                        "ProgramGuidformstringNo",
                        "AffiliateTokensformIDictionary<string, string>No",
                    ],
                ),
            ],
        ),
    ];
    for (op, tables) in cases {
        let path = format!("/jsv/metadata?op={op}");
        let text = page_text(&server.fetch(&path).text);
        let mut rest = text.as_str();
        for (type_name, rows) in tables {
            let heading =
                format!("{type_name} Parameters:\nNameParameterData TypeRequiredDescription\n");
            let at = rest.find(&heading).unwrap_or_else(|| {
                panic!("{path}: no table {type_name:?} after the previous one:\n{text}")
            });
            assert!(
                at == 0 || rest[..at].ends_with('\n'),
                "{path}: {type_name}'s heading"
            );
            rest = &rest[at + heading.len()..];
            for row in *rows {
                let line = rest.lines().next().unwrap_or_default();
                // Our descriptions follow in the last column (the original's are empty).
                assert!(
                    line.starts_with(row),
                    "{path}: {type_name} row {line:?} is not {row:?}"
                );
                rest = &rest[line.len() + 1..];
            }
        }
    }
}

/// The samples' placeholders as the original's pages show them: an interface-typed list
/// holds one empty object (`{}` in JSON, an indented empty object in JSV), an
/// `IDictionary` member is left out, `DateTime.MinValue` is `0001-01-01T00:00:00.0000000`
/// in JSON and `0001-01-01` in JSV, a Guid all zeros. From
/// https://affiliation-api-pr-4587.qa.platform.georiot.com/jsv/metadata?op=GetUserAffiliateTokensRequest,
/// https://affiliation-api-zane.dev.platform.georiot.com/csv/metadata?op=GetAffiliateTokensSetRequest,
/// https://affiliation-api-zane.dev.platform.georiot.com/jsv/metadata?op=PostAffiliateTokensSetRequest.
#[test]
fn sample_placeholders_read_as_the_originals() {
    let server = Server::start();
    let text = |path: &str| page_text(&server.fetch(path).text);
    let jsv = text("/jsv/metadata?op=GetUserAffiliateTokensRequest");
    assert!(
        jsv.contains("{\n\taffiliateTokensSet: \n\t[\n\t\t{\n\t\t\t\n\t\t}\n\t],\n"),
        "{jsv}"
    );
    let json = text("/json/metadata?op=GetUserAffiliateTokensRequest");
    assert!(json.contains("{\"affiliateTokensSet\":[{}],"), "{json}");

    let csv = text("/csv/metadata?op=GetAffiliateTokensSetRequest");
    assert!(
        csv.contains("\"createdAtUtc\":\"0001-01-01T00:00:00.0000000\",\"updatedAtUtc\":\"0001-01-01T00:00:00.0000000\"}"),
        "{csv}"
    );
    assert!(
        !csv.contains("\"affiliateTokens\":"),
        "an IDictionary member is left out: {csv}"
    );
    let jsv = text("/jsv/metadata?op=GetAffiliateTokensSetRequest");
    assert!(
        jsv.contains("\t\tcreatedAtUtc: 0001-01-01,\n\t\tupdatedAtUtc: 0001-01-01\n\t},"),
        "{jsv}"
    );
    let jsv = text("/jsv/metadata?op=PostAffiliateTokensSetRequest");
    assert!(
        jsv.contains("\n\taffiliateTokensSetGuid: 00000000000000000000000000000000,\n"),
        "{jsv}"
    );
}
