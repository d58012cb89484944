// Acceptance: the DTOs served by /types/typescript, compiled with the pinned TypeScript, drive
// every token operation of a running server through npm @servicestack/client's
// JsonServiceClient (bearerToken) in Node; errors arrive with the server's responseStatus.
//
// Run by crates/affiliation-api/tests/clients.rs, which starts the server and sets
// AFFILIATION_BASE_URL, AFFILIATION_API_KEY and AFFILIATION_OTHER_KEY.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { JsonServiceClient } from '@servicestack/client';
import { loadDtos } from './dtos.mjs';

const baseUrl = (process.env.AFFILIATION_BASE_URL || '').replace(/\/$/, '');
const apiKey = process.env.AFFILIATION_API_KEY;
const otherKey = process.env.AFFILIATION_OTHER_KEY;
const skip = !baseUrl || !apiKey ? 'AFFILIATION_BASE_URL is not set: run through `cargo test --test clients`' : false;

function clientWith(key) {
    const client = new JsonServiceClient(baseUrl);
    if (key) client.bearerToken = key;
    return client;
}

/** The error a call rejects with (the client throws the error response DTO). */
async function failure(promise) {
    try {
        await promise;
    } catch (e) {
        return e;
    }
    assert.fail('the call should have failed');
}

describe('generated TypeScript DTOs with @servicestack/client', { skip }, () => {
    let dtos, client, amazonUs;

    before(async () => {
        const loaded = await loadDtos(baseUrl);
        assert.deepEqual(loaded.diagnostics, [], `tsc reports:\n${loaded.diagnostics.join('\n')}`);
        dtos = loaded.dtos;
        client = clientWith(apiKey);
        const catalog = await client.get(new dtos.GetAffiliateProgramsRequest({ includeDisabled: true }));
        const amazon = catalog.affiliatePrograms.find((p) => p.network.includes('Amazon') && p.countries.includes('US'));
        assert.ok(amazon, 'an Amazon US program in the catalog');
        assert.ok(amazon.parameters.some((p) => p.name === 'tag'));
        amazonUs = amazon.programGuid;
    });

    async function clearUserTokens() {
        const listed = await client.get(new dtos.GetUserAffiliateTokensRequest({ includeDisabled: true }));
        for (const p of listed.affiliateTokensSet) {
            if (p.programGuid === amazonUs) {
                await client.delete(new dtos.DeleteUserAffiliateTokensRequest({ guid: p.affiliateTokensId }));
            }
        }
    }

    test('every request class names its response and verb', () => {
        const requests = Object.keys(dtos).filter((n) => n.endsWith('Request') && n !== 'AffiliateTokensRequestBase');
        assert.ok(requests.length >= 13, requests.join());
        for (const name of requests) {
            const request = new dtos[name]();
            assert.equal(request.getTypeName(), name);
            assert.match(request.getMethod(), /^(GET|POST|PUT|DELETE|PATCH)$/);
            assert.ok(request.createResponse().constructor.name.endsWith('Response'), name);
        }
    });

    test('user tokens: post, put, get, delete', async () => {
        await clearUserTokens();
        const created = await client.post(
            new dtos.PostUserAffiliateTokensRequest({ programGuid: amazonUs, parameters: { tag: 'ts-user-20' } }),
        );
        assert.equal(created.success, true);
        const guid = created.affiliateTokensId;
        assert.match(guid, /^[0-9a-f-]{36}$/);

        const updated = await client.put(
            new dtos.PutUserAffiliateTokensRequest({ guid, parameters: { tag: 'ts-user-21', ascsubtag: 'sub' } }),
        );
        assert.equal(updated.success, true);
        assert.equal(updated.affiliateTokensId, guid);

        const listed = await client.get(new dtos.GetUserAffiliateTokensRequest());
        const mine = listed.affiliateTokensSet.filter((p) => p.affiliateTokensId === guid);
        assert.equal(mine.length, 1);
        assert.deepEqual(mine[0].affiliateTokens, { ascsubtag: 'sub', tag: 'ts-user-21' });

        const v3 = await client.get(new dtos.GetUserAffiliateTokensV3Request());
        assert.equal(v3.affiliateTokensSet.filter((p) => p.affiliateTokensId === guid).length, 1);

        const deleted = await client.delete(new dtos.DeleteUserAffiliateTokensRequest({ guid }));
        assert.equal(deleted.success, true);
        const again = await failure(client.delete(new dtos.DeleteUserAffiliateTokensRequest({ guid })));
        assert.equal(again.responseStatus.errorCode, 'NotFound');
    });

    test('group tokens: post, put, get, delete; links; groups', async () => {
        const group = await client.post(new dtos.PostGroupRequest({ name: 'TypeScript picks' }));
        assert.equal(group.success, true);
        const groupId = group.groupId;
        assert.ok((await client.get(new dtos.GetGroupsRequest())).groups.some((g) => g.groupId === groupId));

        const created = await client.post(
            new dtos.PostGroupAffiliateTokensRequest({ groupId, programGuid: amazonUs, parameters: { tag: 'ts-group-20' } }),
        );
        const guid = created.affiliateTokensId;
        const updated = await client.put(
            new dtos.PutGroupAffiliateTokensRequest({ groupId, guid, parameters: { tag: 'ts-group-21' } }),
        );
        assert.equal(updated.success, true);
        assert.equal(updated.affiliateTokensId, guid);

        const listed = await client.get(new dtos.GetGroupAffiliateTokensRequest({ groupId }));
        assert.deepEqual(
            listed.affiliatePrograms.filter((p) => p.affiliateTokensId === guid).map((p) => p.affiliateTokens),
            [{ tag: 'ts-group-21' }],
        );
        const all = await client.get(new dtos.GetAllGroupAffiliateTokensRequest());
        assert.equal(all.groups.find((g) => g.groupId === groupId).affiliatePrograms.length, 1);

        const link = await client.get(
            new dtos.GetAffiliateLinkRequest({ url: 'https://www.amazon.com/dp/B0000000', groupId }),
        );
        assert.equal(link.affiliated, true);
        assert.equal(link.level, 'group');
        assert.ok(link.url.includes('tag=ts-group-21'), link.url);
        const links = await client.post(
            new dtos.PostAffiliateLinksRequest({ urls: ['https://www.amazon.com/dp/B0000001', 'nope'], groupId }),
        );
        assert.equal(links.links.length, 2);
        assert.equal(links.links[1].errorCode, 'InvalidUrl');

        const deleted = await client.delete(new dtos.DeleteGroupAffiliateTokensRequest({ groupId, guid }));
        assert.equal(deleted.success, true);
        const after = await client.get(new dtos.GetGroupAffiliateTokensRequest({ groupId }));
        assert.equal(after.affiliatePrograms.filter((p) => p.affiliateTokensId === guid).length, 0);
        assert.equal((await client.delete(new dtos.DeleteGroupRequest({ groupId }))).success, true);
    });

    test('token sets: post, get', async () => {
        await clearUserTokens();
        const written = await client.post(
            new dtos.PostAffiliateTokensSetRequest({
                affiliatePrograms: [new dtos.AffiliateProgram({ programGuid: amazonUs, affiliateTokens: { tag: 'ts-set-20' } })],
            }),
        );
        assert.equal(written.success, true);
        assert.match(written.affiliateTokensSetGuid, /^[0-9a-f]{32}$/);
        const read = await client.get(new dtos.GetAffiliateTokensSetRequest({ setGuid: written.affiliateTokensSetGuid }));
        assert.deepEqual(
            read.affiliateTokensSet.programs.map((p) => [p.programGuid, p.affiliateTokens]),
            [[amazonUs, { tag: 'ts-set-20' }]],
        );
        await clearUserTokens();
    });

    test('a validation error carries its code and field errors', async () => {
        await clearUserTokens();
        const e = await failure(
            client.post(
                new dtos.PostUserAffiliateTokensRequest({ programGuid: amazonUs, parameters: { bogus: 'x', ascsubtag: 'y' } }),
            ),
        );
        assert.equal(e.responseStatus.errorCode, 'InvalidParameter');
        assert.match(e.responseStatus.message, /bogus/);
        const fields = e.responseStatus.errors.map((f) => [f.errorCode, f.fieldName]);
        assert.deepEqual(fields, [
            ['InvalidParameter', 'Parameters'],
            ['RequiredParameter', 'Parameters'],
        ]);
        assert.deepEqual(e.responseStatus.errors[0].meta, { Name: 'bogus' });

        // The same through api(): a result instead of a rejection.
        const result = await client.api(
            new dtos.PostUserAffiliateTokensRequest({ programGuid: amazonUs, parameters: { tag: 'bad tag' } }),
        );
        assert.equal(result.succeeded, false);
        assert.equal(result.errorCode, 'InvalidParameterValue');
        assert.deepEqual(result.errors.map((f) => f.fieldName), ['Parameters']);
    });

    test('credentials: missing, wrong, and another user\'s guid', async () => {
        const anonymous = await failure(clientWith(null).get(new dtos.GetGroupsRequest()));
        assert.equal(anonymous.responseStatus.errorCode, '401');
        const wrong = await failure(clientWith('ak_not_a_key').get(new dtos.GetGroupsRequest()));
        assert.equal(wrong.responseStatus.errorCode, 'Unauthorized');

        if (!otherKey) return;
        await clearUserTokens();
        const created = await client.post(
            new dtos.PostUserAffiliateTokensRequest({ programGuid: amazonUs, parameters: { tag: 'ts-mine-20' } }),
        );
        const other = clientWith(otherKey);
        const notFound = await failure(
            other.put(new dtos.PutUserAffiliateTokensRequest({ guid: created.affiliateTokensId, parameters: { tag: 'x-20' } })),
        );
        assert.equal(notFound.responseStatus.errorCode, 'NotFound');
        const forbidden = await failure(other.get(new dtos.GetGroupsRequest({ username: 'someone-else' })));
        assert.equal(forbidden.responseStatus.errorCode, 'Forbidden');
        await clearUserTokens();
    });
});
