// The API Explorer in Debian's chromium, driven by playwright-core. Run by
// crates/affiliation-api/tests/api/browser.rs, which starts the server and sets:
//   AFFILIATION_BASE_URL, AFFILIATION_API_KEY, AFFILIATION_GROUP_ID, AFFILIATION_TOKENS_GUID,
//   AFFILIATION_PARAMETERS (JSON), AFFILIATION_OPERATIONS (count), AFFILIATION_SCREENSHOT (path).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const base = env('AFFILIATION_BASE_URL');

let browser;
before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.AFFILIATION_CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});
after(async () => { await browser?.close(); });

/** A page that records every request it makes and every script error. */
async function openPage() {
  const context = await browser.newContext();
  const page = await context.newPage();
  const requests = [];
  const errors = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('pageerror', (error) => errors.push(error.message));
  return { context, page, requests, errors };
}

test('lists, finds, shows and sends PutGroupAffiliateTokensRequest with the typed key', async () => {
  const { context, page, requests, errors } = await openPage();
  await page.goto(`${base}/ui`);
  const links = page.locator('#operations a[data-op]');
  await links.first().waitFor();
  assert.equal(await links.count(), Number(env('AFFILIATION_OPERATIONS')), 'every operation is listed');
  assert.ok(await page.locator('#operations section[data-group="groups"] h2').count() === 1, 'grouped');

  await page.fill('#search', 'PutGroup');
  const found = await links.allTextContents();
  assert.deepEqual(found, ['PutGroupAffiliateTokensRequest'], 'the search narrows the list');
  await links.first().click();
  assert.equal(new URL(page.url()).pathname, '/ui/PutGroupAffiliateTokensRequest');
  await page.locator('#operation h2').waitFor();
  assert.equal(await page.textContent('#operation h2'), 'PutGroupAffiliateTokensRequest');
  const routes = await page.textContent('#routes');
  assert.match(routes, /PUT\s*\/v4\/groups\/\{groupId\}\/group-affiliate-tokens\/\{guid\}/);
  assert.match(routes, /Update user's group affiliate info for specific program/);
  const fields = await page.locator('#fields td:first-child').allTextContents();
  for (const name of ['GroupId', 'Guid', 'Username', 'Parameters']) {
    assert.ok(fields.includes(name), `the field table shows ${name}: ${fields}`);
  }

  await page.fill('#api-key', env('AFFILIATION_API_KEY'));
  await page.fill('#field-groupId', env('AFFILIATION_GROUP_ID'));
  await page.fill('#field-guid', env('AFFILIATION_TOKENS_GUID'));
  await page.fill('#field-parameters', env('AFFILIATION_PARAMETERS'));
  await page.click('#send');
  await page.waitForFunction(() => /^\d{3}/.test(document.getElementById('status').textContent));
  assert.match(await page.textContent('#status'), /^200 OK/);
  assert.match(await page.textContent('#response'), /"success": true/);
  await page.screenshot({ path: env('AFFILIATION_SCREENSHOT'), fullPage: true });

  // The key stays in this tab's session storage only.
  const stored = await page.evaluate(() => ({
    session: sessionStorage.getItem('affiliation-api.api-key'),
    local: localStorage.length,
    cookies: document.cookie,
  }));
  assert.deepEqual(stored, { session: env('AFFILIATION_API_KEY'), local: 0, cookies: '' });

  // A deep link opens the operation, with the key still there after a reload.
  await page.reload();
  await page.locator('#operation h2').waitFor();
  assert.equal(await page.textContent('#operation h2'), 'PutGroupAffiliateTokensRequest');
  assert.equal(await page.inputValue('#api-key'), env('AFFILIATION_API_KEY'));

  // A wrong key: the status and the error answer are shown.
  await page.fill('#api-key', 'not-a-key');
  await page.click('#send');
  await page.waitForFunction(() => /^\d{3}/.test(document.getElementById('status').textContent));
  assert.match(await page.textContent('#status'), /^401/);
  assert.match(await page.textContent('#response'), /Unauthorized|Invalid API Key/);

  // Offline: nothing but our own server was asked for anything.
  const foreign = requests.filter((url) => !url.startsWith(base));
  assert.deepEqual(foreign, [], 'requests to other hosts');
  assert.deepEqual(errors, [], 'script errors');
  await context.close();
});

test('markup in docs, field names and answers is shown as text, never run', async () => {
  const { context, page, errors } = await openPage();
  const script = '<script>window.__injected = 1</script>';
  const image = '<img src=x onerror="window.__injected = 2">';
  await page.route('**/metadata/app.json', async (route) => {
    const response = await route.fetch();
    const app = await response.json();
    const op = app.api.operations.find((o) => o.request.name === 'PostGroupRequest');
    op.routes[0].summary = script;
    op.request.description = image;
    op.tags = [image];
    op.request.properties[0].description = script + image;
    await route.fulfill({ response, json: app });
  });
  await page.goto(`${base}/ui/PostGroupRequest`);
  await page.locator('#operation h2').waitFor();
  assert.equal(await page.textContent('#routes .summary'), script);
  assert.equal(await page.textContent('#operation .description'), image);
  assert.ok((await page.textContent('#fields')).includes(script + image));
  assert.ok((await page.textContent('#operations')).includes(image), 'the group name as text');

  await page.fill('#api-key', env('AFFILIATION_API_KEY'));
  await page.fill('#field-name', image + script);
  await page.click('#send');
  await page.waitForFunction(() => /^\d{3}/.test(document.getElementById('status').textContent));
  assert.match(await page.textContent('#status'), /^200/);
  assert.ok((await page.textContent('#response')).includes(JSON.stringify(image + script).slice(1, -1)),
    'the answer echoes the name as text');

  const injected = await page.evaluate(() => ({
    flag: window.__injected ?? null,
    images: document.querySelectorAll('img').length,
    scripts: [...document.scripts].map((s) => s.getAttribute('src')),
  }));
  assert.deepEqual(injected, { flag: null, images: 0, scripts: ['/ui/assets/explorer.js'] });
  assert.deepEqual(errors, []);
  await context.close();
});
