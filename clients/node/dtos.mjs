// Fetches the DTOs a server generates at /types/typescript, type-checks them with the pinned
// TypeScript compiler (together with a usage file that calls @servicestack/client with them),
// compiles them to JavaScript and imports the result.

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const here = dirname(fileURLToPath(import.meta.url));

// Compiles against the real client typings: the DTOs must satisfy its IReturn<T>, and each
// call must infer the response type from the request's marker.
const USAGE = `import { JsonServiceClient } from '@servicestack/client';
import * as dtos from './dtos.js';

export async function typed(client: JsonServiceClient): Promise<void> {
    const created: dtos.PostUserAffiliateTokensResponse =
        await client.post(new dtos.PostUserAffiliateTokensRequest({ programGuid: 'g', parameters: { tag: 't' } }));
    const updated: dtos.PutGroupAffiliateTokensResponse =
        await client.put(new dtos.PutGroupAffiliateTokensRequest({ groupId: 1, guid: created.affiliateTokensId, parameters: {} }));
    const listed: dtos.GetUserAffiliateTokensResponse = await client.get(new dtos.GetUserAffiliateTokensRequest());
    const deleted: dtos.DeleteUserAffiliateTokensResponse =
        await client.delete(new dtos.DeleteUserAffiliateTokensRequest({ guid: updated.affiliateTokensId }));
    const first: dtos.AffiliateProgram | undefined = listed.affiliateTokensSet?.[0];
    const ok: boolean = deleted.success && first !== undefined;
    if (!ok) { return; }
}
`;

export function compile(source, label) {
    const dir = join(here, '.build', `${label}-${process.pid}-${Date.now()}`);
    mkdirSync(dir, { recursive: true });
    const dtsPath = join(dir, 'dtos.ts');
    const usagePath = join(dir, 'usage.ts');
    writeFileSync(dtsPath, source);
    writeFileSync(usagePath, USAGE);

    const options = {
        target: ts.ScriptTarget.ES2020,
        module: ts.ModuleKind.Node16,
        moduleResolution: ts.ModuleResolutionKind.Node16,
        lib: ['lib.es2020.d.ts', 'lib.dom.d.ts'],
        noEmit: true,
        skipLibCheck: true,
        strict: false,
        noImplicitAny: true,
        strictNullChecks: false,
        types: [],
    };
    // A package.json with "type": "module" makes the .ts files ES modules for Node16 resolution.
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    const program = ts.createProgram([dtsPath, usagePath], options);
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => {
        const where = d.file ? `${d.file.fileName.split('/').pop()}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}` : '';
        return `${where} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });

    const output = ts.transpileModule(source, {
        compilerOptions: { target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.ESNext },
        reportDiagnostics: true,
    });
    const jsPath = join(dir, 'dtos.mjs');
    writeFileSync(jsPath, output.outputText);
    return { diagnostics, jsUrl: pathToFileURL(jsPath).href, dir };
}

export async function loadDtos(baseUrl) {
    const reply = await fetch(`${baseUrl}/types/typescript`);
    if (reply.status !== 200) {
        throw new Error(`/types/typescript answered ${reply.status}`);
    }
    const source = await reply.text();
    const { diagnostics, jsUrl, dir } = compile(source, 'generated');
    try {
        return { source, diagnostics, dtos: await import(jsUrl) };
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}
