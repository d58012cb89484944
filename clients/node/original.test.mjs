// Acceptance: code written against the original's DTOs (fixtures/original_usage.ts) type-checks
// with the pinned TypeScript against the DTOs regenerated from our /types/typescript, and runs
// unchanged with npm @servicestack/client against the running server.
//
// Run by crates/affiliation-api/tests/api/clients.rs (AFFILIATION_BASE_URL, AFFILIATION_API_KEY).

import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { test } from 'node:test';
import ts from 'typescript';
import { JsonServiceClient } from '@servicestack/client';

const here = dirname(fileURLToPath(import.meta.url));
const baseUrl = (process.env.AFFILIATION_BASE_URL || '').replace(/\/$/, '');
const apiKey = process.env.AFFILIATION_API_KEY;
const skip = !baseUrl || !apiKey ? 'AFFILIATION_BASE_URL is not set: run through cargo test' : false;

/** dtos.ts (regenerated) and the fixture, type-checked together, then both as ES modules. */
async function build() {
    const dir = join(here, '.build', `original-${process.pid}-${Date.now()}`);
    mkdirSync(dir, { recursive: true });
    const reply = await fetch(`${baseUrl}/types/typescript`);
    assert.equal(reply.status, 200);
    writeFileSync(join(dir, 'dtos.ts'), await reply.text());
    copyFileSync(join(here, 'fixtures', 'original_usage.ts'), join(dir, 'original_usage.ts'));
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    const files = ['dtos.ts', 'original_usage.ts'].map((f) => join(dir, f));
    const program = ts.createProgram(files, {
        target: ts.ScriptTarget.ES2020,
        module: ts.ModuleKind.Node16,
        moduleResolution: ts.ModuleResolutionKind.Node16,
        lib: ['lib.es2020.d.ts', 'lib.dom.d.ts'],
        outDir: dir,
        skipLibCheck: true,
        noImplicitAny: true,
        types: [],
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) =>
        `${d.file ? d.file.fileName.split('/').pop() : ''} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    program.emit();
    return { dir, diagnostics };
}

test('code written against the original DTOs compiles and runs against ours', { skip }, async () => {
    const { dir, diagnostics } = await build();
    try {
        assert.deepEqual(diagnostics, [], `tsc reports:\n${diagnostics.join('\n')}`);
        const usage = await import(pathToFileURL(join(dir, 'original_usage.js')).href);
        const client = new JsonServiceClient(baseUrl);
        client.bearerToken = apiKey;

        const catalog = await client.get('/v3/affiliate-programs');
        const amazon = catalog.affiliatePrograms.find((p) => p.network.includes('Amazon') && p.countries.includes('US'));
        const setGuid = await usage.saveTokensSet(client, amazon.programGuid, 'fixture-20');
        assert.match(setGuid, /^[0-9a-f-]{32,36}$/i, 'affiliateTokensSetGuid');
        const programs = await usage.tokensSetPrograms(client, setGuid);
        assert.deepEqual(usage.tokensOf(programs, amazon.programGuid), { tag: 'fixture-20' });

        const connected = await usage.connectedPrograms(client);
        assert.ok(connected.length >= 1, 'the token set writes user-level tokens');
        assert.deepEqual(usage.tokensOf(connected, amazon.programGuid), { tag: 'fixture-20' });
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
});
