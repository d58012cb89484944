"""Acceptance: the seed page's Python DTOs (seed_dtos.py, copied verbatim from the original
service's published page) work against our server with put_url, and /types/python defines the
same classes, bases, decorators and annotated members as the seed."""

import ast
import html
import re
from pathlib import Path

import pytest
import requests
from servicestack import WebServiceException

from conftest import load_module

SEED = Path(__file__).with_name("seed_dtos.py")


@pytest.fixture(scope="session")
def seed(tmp_path_factory):
    return load_module("seed_dtos", SEED.read_text(encoding="utf-8"), tmp_path_factory.mktemp("seed"))


def call(base_url, api_key, method, path, body=None):
    reply = requests.request(
        method,
        f"{base_url}{path}",
        json=body,
        headers={"Authorization": f"Bearer {api_key}", "Accept": "application/json"},
        timeout=30,
    )
    assert reply.status_code == 200, (method, path, reply.status_code, reply.text)
    return reply.json()


def test_seed_dtos_update_the_group_token_set_with_put_url(client, seed, base_url, api_key, amazon_us):
    group_id = call(base_url, api_key, "POST", "/v4/groups", {"name": "Seed picks"})["groupId"]
    created = call(
        base_url,
        api_key,
        "POST",
        f"/v4/groups/{group_id}/group-affiliate-tokens",
        {"programGuid": amazon_us, "parameters": {"tag": "seed-20"}},
    )
    guid = created["affiliateTokensId"]

    request = seed.PutGroupAffiliateTokensRequest(
        group_id=group_id, guid=guid, parameters={"tag": "seed2-20", "ascsubtag": "from-seed"}
    )
    response = client.put_url(
        f"/v4/groups/{group_id}/group-affiliate-tokens/{guid}", request, seed.PutGroupAffiliateTokensResponse
    )
    assert isinstance(response, seed.PutGroupAffiliateTokensResponse)
    assert response.success is True
    assert response.affiliate_tokens_id == guid
    assert response.response_status is None

    listed = call(base_url, api_key, "GET", f"/v4/groups/{group_id}/group-affiliate-tokens")
    tokens = [p["affiliateTokens"] for p in listed["affiliatePrograms"] if p["affiliateTokensId"] == guid]
    assert tokens == [{"tag": "seed2-20", "ascsubtag": "from-seed"}]

    # A validation error through the same DTOs: the seed's response type carries it.
    bad = seed.PutGroupAffiliateTokensRequest(group_id=group_id, guid=guid, parameters={"nope": "x"})
    with pytest.raises(WebServiceException) as error:
        client.put_url(
            f"/v4/groups/{group_id}/group-affiliate-tokens/{guid}", bad, seed.PutGroupAffiliateTokensResponse
        )
    assert error.value.status_code == 400
    assert error.value.response_status.error_code == "InvalidParameter"
    assert [e.field_name for e in error.value.response_status.errors][0] == "Parameters"

    # An unknown group is 404 through the seed DTOs too.
    with pytest.raises(WebServiceException) as error:
        client.put_url(
            f"/v4/groups/{group_id + 1000}/group-affiliate-tokens/{guid}",
            seed.PutGroupAffiliateTokensRequest(group_id=group_id + 1000, guid=guid, parameters={"tag": "x-20"}),
            seed.PutGroupAffiliateTokensResponse,
        )
    assert error.value.status_code == 404


# ---- structure -------------------------------------------------------------------------------


def imports(tree):
    return [ast.dump(node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]


def is_docstring(node):
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def classes(tree):
    """name -> (bases, decorators, [(member, annotation, default)]) of each class, as source text."""
    out = {}
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        members = []
        for statement in node.body:
            if isinstance(statement, ast.AnnAssign):
                members.append(
                    (
                        ast.unparse(statement.target),
                        ast.unparse(statement.annotation),
                        None if statement.value is None else ast.unparse(statement.value),
                    )
                )
            elif is_docstring(statement) or isinstance(statement, ast.Pass):
                continue  # descriptions are ours (AddDescriptionAsComments); the seed has none
            elif (
                isinstance(statement, ast.FunctionDef)
                and statement.name == "__init__"
                and not node.decorator_list
            ):
                # Ours, on interfaces (plain classes) only: the official client builds each
                # item of a List[IAffiliateProgram] by calling the class with the item, which
                # a plain class without __init__ refuses.
                continue
            else:
                raise AssertionError(f"unexpected statement in {node.name}: {ast.unparse(statement)}")
        out[node.name] = (
            [ast.unparse(b) for b in node.bases],
            [ast.unparse(d) for d in node.decorator_list],
            members,
        )
    return out


def excerpt(base_url, name):
    """The Python DTOs shown on the operation's metadata page."""
    reply = requests.get(f"{base_url}/json/metadata", params={"op": name, "lang": "python"}, timeout=30)
    assert reply.status_code == 200, reply.text
    match = re.search(r'<pre class="dtos">(.*?)</pre>\s*<h3>Python ' + name + r" DTOs</h3>", reply.text, re.S)
    assert match, reply.text
    return html.unescape(match.group(1))


def assert_same_as_seed(seed_classes, ours, where):
    for name, (bases, decorators, members) in seed_classes.items():
        assert name in ours, f"{where}: class {name} is missing"
        our_bases, our_decorators, our_members = ours[name]
        assert our_decorators == decorators, f"{where}: {name} decorators"
        assert our_members == members, f"{where}: {name} members"
        # The seed's bases first; ours may add only the IReturn marker and the verb marker
        # (documented superset: they make client.put(request) work).
        assert our_bases[: len(bases)] == bases, f"{where}: {name} bases {our_bases}"
        extra = our_bases[len(bases) :]
        if name == "PutGroupAffiliateTokensRequest":
            assert extra == ["IReturn[PutGroupAffiliateTokensResponse]", "IPut"], extra
        else:
            assert extra == [], f"{where}: {name} has extra bases {extra}"


def test_types_python_defines_the_seed_classes(generated_source, base_url):
    seed_tree = ast.parse(SEED.read_text(encoding="utf-8"))
    seed_classes = classes(seed_tree)
    assert list(seed_classes) == [
        "AffiliateTokensRequestBase",
        "BaseResponse",
        "PutGroupAffiliateTokensResponse",
        "PutGroupAffiliateTokensRequest",
    ]

    whole = ast.parse(generated_source)
    assert imports(whole) == imports(seed_tree), "the imports differ from the seed's"
    assert_same_as_seed(seed_classes, classes(whole), "/types/python")

    # The operation's own page shows exactly the seed's classes.
    page = ast.parse(excerpt(base_url, "PutGroupAffiliateTokensRequest"))
    assert imports(page) == imports(seed_tree)
    page_classes = classes(page)
    assert sorted(page_classes) == sorted(seed_classes)
    assert_same_as_seed(seed_classes, page_classes, "metadata page")


def test_every_generated_class_is_well_formed(generated_source):
    """Every class: the seed's decorators (none on interfaces, the original's plain classes),
    bases defined before use, annotated members only."""
    tree = ast.parse(generated_source)
    seed_decorators = classes(ast.parse(SEED.read_text(encoding="utf-8")))["BaseResponse"][1]
    defined = set()
    for name, (bases, decorators, members) in classes(tree).items():
        is_interface = name.startswith("I") and name[1:2].isupper()
        assert decorators == ([] if is_interface else seed_decorators), name
        for base in bases:
            root = base.split("[")[0]
            if root in ("IReturn", "IReturnVoid", "IGet", "IPost", "IPut", "IDelete", "IPatch"):
                if root == "IReturn":
                    assert base[len("IReturn[") : -1] in defined, f"{name}: {base} before its definition"
                continue
            assert root in defined, f"{name}: base {base} before its definition"
        names = [m[0] for m in members]
        assert len(names) == len(set(names)), name
        defined.add(name)
