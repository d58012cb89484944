"""Acceptance: the DTOs served by /types/python, with the PyPI `servicestack` client's
JsonServiceClient (Bearer API key), drive every token operation of a running server; errors
surface as WebServiceException with the server's responseStatus."""

import uuid

import pytest
from servicestack import JsonServiceClient, WebServiceException


def tokens_of(programs, guid):
    return [p for p in programs if p.affiliate_tokens_id == guid]


@pytest.fixture()
def no_user_tokens(client, dtos, amazon_us):
    """The caller has no user-level tokens for the program (one per user and program)."""

    def clear():
        for p in client.get(dtos.GetUserAffiliateTokensRequest(include_disabled=True)).affiliate_tokens_set:
            if p.program_guid == amazon_us:
                client.delete(dtos.DeleteUserAffiliateTokensRequest(guid=p.affiliate_tokens_id))

    clear()
    yield
    clear()


def test_generated_module_imports_and_marks_every_request(dtos):
    from servicestack import IReturn

    defined = [
        name
        for name, value in vars(dtos).items()
        if isinstance(value, type) and value.__module__ == dtos.__name__
    ]
    requests = [name for name in defined if name.endswith("Request") and name != "AffiliateTokensRequestBase"]
    assert len(requests) >= 13, defined
    for name in requests:
        assert issubclass(getattr(dtos, name), IReturn), f"{name} lacks IReturn[...]"


def test_catalog(client, dtos, amazon_us):
    response = client.get(dtos.GetAffiliateProgramsRequest(include_disabled=True))
    assert isinstance(response, dtos.GetAffiliateProgramsResponse)
    amazon = [p for p in response.affiliate_programs if p.program_guid == amazon_us]
    assert len(amazon) == 1
    assert isinstance(amazon[0], dtos.AffiliateProgramInfo)
    assert "tag" in [parameter.name for parameter in amazon[0].parameters]
    assert isinstance(amazon[0].parameters[0], dtos.AffiliateProgramParameter)


def test_user_tokens_post_put_get_delete(client, dtos, amazon_us, no_user_tokens):
    created = client.post(
        dtos.PostUserAffiliateTokensRequest(program_guid=amazon_us, parameters={"tag": "py-user-20"})
    )
    assert isinstance(created, dtos.PostUserAffiliateTokensResponse)
    assert created.success is True
    guid = created.affiliate_tokens_id
    assert uuid.UUID(guid)

    updated = client.put(
        dtos.PutUserAffiliateTokensRequest(guid=guid, parameters={"tag": "py-user-21", "ascsubtag": "sub"})
    )
    assert isinstance(updated, dtos.PutUserAffiliateTokensResponse)
    assert updated.success is True
    assert updated.affiliate_tokens_id == guid

    listed = client.get(dtos.GetUserAffiliateTokensRequest())
    assert isinstance(listed, dtos.GetUserAffiliateTokensResponse)
    mine = tokens_of(listed.affiliate_tokens_set, guid)
    assert len(mine) == 1, listed
    assert mine[0].program_guid == amazon_us
    assert mine[0].affiliate_tokens == {"tag": "py-user-21", "ascsubtag": "sub"}

    listed_v3 = client.get(dtos.GetUserAffiliateTokensV3Request(include_disabled=True))
    assert len(tokens_of(listed_v3.affiliate_tokens_set, guid)) == 1

    deleted = client.delete(dtos.DeleteUserAffiliateTokensRequest(guid=guid))
    assert isinstance(deleted, dtos.DeleteUserAffiliateTokensResponse)
    assert deleted.success is True
    assert tokens_of(client.get(dtos.GetUserAffiliateTokensRequest()).affiliate_tokens_set, guid) == []

    with pytest.raises(WebServiceException) as error:
        client.delete(dtos.DeleteUserAffiliateTokensRequest(guid=guid))
    assert error.value.status_code == 404
    assert error.value.response_status.error_code == "NotFound"


def test_group_tokens_post_put_get_delete(client, dtos, amazon_us):
    group = client.post(dtos.PostGroupRequest(name="Python picks"))
    assert isinstance(group, dtos.PostGroupResponse)
    assert group.success is True and group.group_id > 0
    group_id = group.group_id
    assert group_id in [g.group_id for g in client.get(dtos.GetGroupsRequest()).groups]

    created = client.post(
        dtos.PostGroupAffiliateTokensRequest(
            group_id=group_id, program_guid=amazon_us, parameters={"tag": "py-group-20"}
        )
    )
    assert created.success is True
    guid = created.affiliate_tokens_id

    updated = client.put(
        dtos.PutGroupAffiliateTokensRequest(group_id=group_id, guid=guid, parameters={"tag": "py-group-21"})
    )
    assert isinstance(updated, dtos.PutGroupAffiliateTokensResponse)
    assert updated.success is True and updated.affiliate_tokens_id == guid

    listed = client.get(dtos.GetGroupAffiliateTokensRequest(group_id=group_id))
    assert isinstance(listed, dtos.GetGroupAffiliateTokensResponse)
    assert [p.affiliate_tokens for p in tokens_of(listed.affiliate_programs, guid)] == [{"tag": "py-group-21"}]

    every_group = client.get(dtos.GetAllGroupAffiliateTokensRequest())
    ours = [g for g in every_group.groups if g.group_id == group_id]
    assert len(ours) == 1 and isinstance(ours[0], dtos.GroupAffiliatePrograms)
    assert len(tokens_of(ours[0].affiliate_programs, guid)) == 1

    link = client.get(
        dtos.GetAffiliateLinkRequest(url="https://www.amazon.com/dp/B0000000?ref=x", group_id=group_id)
    )
    assert isinstance(link, dtos.GetAffiliateLinkResponse)
    assert link.affiliated is True and link.level == "group"
    assert "tag=py-group-21" in link.url

    links = client.post(
        dtos.PostAffiliateLinksRequest(urls=["https://www.amazon.com/dp/B0000001", "not a url"], group_id=group_id)
    )
    assert isinstance(links, dtos.PostAffiliateLinksResponse)
    assert len(links.links) == 2
    assert isinstance(links.links[0], dtos.AffiliateLink)
    assert "tag=py-group-21" in links.links[0].url
    assert links.links[1].error_code == "InvalidUrl"

    deleted = client.delete(dtos.DeleteGroupAffiliateTokensRequest(group_id=group_id, guid=guid))
    assert deleted.success is True
    listed = client.get(dtos.GetGroupAffiliateTokensRequest(group_id=group_id))
    assert tokens_of(listed.affiliate_programs, guid) == []

    assert client.delete(dtos.DeleteGroupRequest(group_id=group_id)).success is True
    assert group_id not in [g.group_id for g in client.get(dtos.GetGroupsRequest()).groups]


def test_token_set_post_get(client, dtos, amazon_us, no_user_tokens):
    written = client.post(
        dtos.PostAffiliateTokensSetRequest(
            affiliate_programs=[
                dtos.AffiliateProgram(program_guid=amazon_us, affiliate_tokens={"tag": "py-set-20"})
            ]
        )
    )
    assert isinstance(written, dtos.PostAffiliateTokensSetResponse)
    assert written.success is True
    assert len(written.affiliate_tokens_set_guid) == 32

    read = client.get(dtos.GetAffiliateTokensSetRequest(set_guid=written.affiliate_tokens_set_guid))
    assert isinstance(read, dtos.GetAffiliateTokensSetResponse)
    assert isinstance(read.affiliate_tokens_set, dtos.AffiliateTokensSet)
    programs = read.affiliate_tokens_set.programs
    assert [(p.program_guid, p.affiliate_tokens) for p in programs] == [(amazon_us, {"tag": "py-set-20"})]


def test_validation_error_is_a_web_service_exception_with_field_errors(client, dtos, amazon_us, no_user_tokens):
    with pytest.raises(WebServiceException) as error:
        client.post(
            dtos.PostUserAffiliateTokensRequest(
                program_guid=amazon_us, parameters={"bogus": "x", "ascsubtag": "y"}
            )
        )
    ex = error.value
    assert ex.status_code == 400
    status = ex.response_status
    assert status.error_code == "InvalidParameter"
    assert "bogus" in status.message
    codes = [(e.error_code, e.field_name) for e in status.errors]
    assert ("InvalidParameter", "Parameters") in codes
    assert ("RequiredParameter", "Parameters") in codes
    assert status.errors[0].meta == {"Name": "bogus"}

    with pytest.raises(WebServiceException) as error:
        client.put(
            dtos.PutUserAffiliateTokensRequest(guid=str(uuid.uuid4()), parameters={"tag": "bad tag"})
        )
    # The parameters are checked against the program of the token set, which does not exist.
    assert error.value.status_code in (400, 404)
    assert error.value.response_status.error_code in ("NotFound", "InvalidParameterValue")

    created = client.post(
        dtos.PostUserAffiliateTokensRequest(program_guid=amazon_us, parameters={"tag": "py-valid-20"})
    )
    try:
        with pytest.raises(WebServiceException) as error:
            client.put(
                dtos.PutUserAffiliateTokensRequest(guid=created.affiliate_tokens_id, parameters={"tag": "bad tag"})
            )
        assert error.value.status_code == 400
        assert error.value.response_status.error_code == "InvalidParameterValue"
        [field_error] = error.value.response_status.errors
        assert field_error.field_name == "Parameters"
        assert field_error.meta == {"Name": "tag"}

        with pytest.raises(WebServiceException) as error:
            client.post(
                dtos.PostUserAffiliateTokensRequest(program_guid=amazon_us, parameters={"tag": "py-again-20"})
            )
        assert error.value.status_code == 409
        assert error.value.response_status.error_code == "Conflict"
    finally:
        client.delete(dtos.DeleteUserAffiliateTokensRequest(guid=created.affiliate_tokens_id))


def test_missing_and_wrong_credentials(base_url, dtos):
    anonymous = JsonServiceClient(base_url)
    with pytest.raises(WebServiceException) as error:
        anonymous.get(dtos.GetGroupsRequest())
    assert error.value.status_code == 401
    assert error.value.response_status.error_code == "401"

    wrong = JsonServiceClient(base_url)
    wrong.bearer_token = "ak_not_a_key"
    with pytest.raises(WebServiceException) as error:
        wrong.get(dtos.GetGroupsRequest())
    assert error.value.status_code == 401
    assert error.value.response_status.error_code == "Unauthorized"


def test_another_users_guid_is_not_found(client, other_key, base_url, dtos, amazon_us, no_user_tokens):
    created = client.post(
        dtos.PostUserAffiliateTokensRequest(program_guid=amazon_us, parameters={"tag": "py-mine-20"})
    )
    other = JsonServiceClient(base_url)
    other.bearer_token = other_key
    try:
        with pytest.raises(WebServiceException) as error:
            other.put(dtos.PutUserAffiliateTokensRequest(guid=created.affiliate_tokens_id, parameters={"tag": "x-20"}))
        assert error.value.status_code == 404
        assert error.value.response_status.error_code == "NotFound"
        with pytest.raises(WebServiceException) as error:
            other.get(dtos.GetGroupsRequest(username="someone-else"))
        assert error.value.status_code == 403
        assert error.value.response_status.error_code == "Forbidden"
    finally:
        client.delete(dtos.DeleteUserAffiliateTokensRequest(guid=created.affiliate_tokens_id))
