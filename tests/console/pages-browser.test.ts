// In headless Chromium, in English and Chinese: the directory import page (with upload progress, and without script), the affected people page
// used by keyboard only, the admin pages, and the deadlines tools (what-if, drafts, determinations); each page checked by axe-core.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHarness, json, type Harness } from '../helpers/harness.js';
import { hasChromium, launchChromium, listen } from '../helpers/browser.js';
import { sampleIncident } from '../helpers/fixtures.js';
import { expectAccessible, watch } from './page-check.js';

let h: Harness;
let browser: Browser;
let base: string;
let close = () => {};

beforeAll(async () => {
  h = await createHarness('pglite');
  ({ base, close } = await listen(h.app.fetch));
  if (hasChromium) browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  close();
  await h?.db.close();
});

async function signIn(page: Page, token: string, lang: string): Promise<void> {
  await page.goto(`${base}/console/sign-in?lang=${lang}`);
  await page.fill('#f-key', token);
  await page.locator('form[action="/console/sign-in"] button[type=submit]').click();
  await page.waitForURL(`${base}/console/incidents`);
}

const directoryCsv = (tag: string) =>
  [
    'external_id,email,phone,country,subdivision,locale,data_categories,systems',
    `${tag}-1,${tag}-1@mail.example,+8613800138001,CN,CN-HB,zh-CN,contact,orders-${tag}`,
    `${tag}-2,${tag}-2@mail.example,,DE,DE-BY,de-DE,contact,orders-${tag}`,
    `${tag}-3,not-an-email,,CN,,zh-CN,contact,orders-${tag}`,
    `${tag}-4,${tag}-4@mail.example,+15125550100,US,US-TX,en-US,contact;device_usage,orders-${tag}`,
  ].join('\n') + '\n';

/** Does what sends a form, and waits for the page the server answers the post with. */
async function posted(page: Page, path: string, send: () => Promise<void>): Promise<void> {
  const answered = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === path);
  await send();
  await answered;
  await page.waitForLoadState();
}

/** Presses Tab until the focused element matches, as a keyboard user moves through the page; fails if it is never reached. */
async function tabTo(page: Page, selector: string): Promise<void> {
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
  }
  throw new Error(`${selector} was not reached with Tab`);
}

for (const lang of ['en', 'zh-CN'] as const) {
  it.runIf(hasChromium)(`a responder imports a directory with upload progress, then sets the scope by keyboard only, resolves and reads the people, in ${lang}`, async () => {
    const tag = `b-${lang}`;
    const { id } = await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: sampleIncident() }));
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const { problems } = watch(page, base);
    await signIn(page, h.tokens.responder, lang);
    await page.goto(`${base}/console/incidents/${id}`);
    await page.locator('a[href="/console/directory/imports"]').click();
    await page.waitForURL(`${base}/console/directory/imports`);
    await expectAccessible(page, `imports (${lang})`);

    // With script: the file goes up with progress events (an XMLHttpRequest), then the import's own page.
    const uploads: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/console/directory/imports')) uploads.push(r.resourceType());
    });
    await page.setInputFiles('#f-file', { name: `${tag}.csv`, mimeType: 'text/csv', buffer: Buffer.from(directoryCsv(tag)) });
    await page.locator('form[data-upload] button[type=submit]').click();
    await page.waitForURL(/\/console\/directory\/imports\/imp_\w+$/);
    expect(uploads).toEqual(['xhr']);
    expect(await page.locator('[data-state]').getAttribute('data-state')).toBe('completed');
    expect(await page.locator('[data-count="imported"]').innerText()).toBe('3');
    expect(await page.locator('[data-reject="4"]').innerText()).toContain('email');
    await expectAccessible(page, `import with rejected lines (${lang})`);

    // A refused upload: the problem is shown in place, as without script.
    await page.goto(`${base}/console/directory/imports`);
    await page.setInputFiles('#f-file', { name: 'users.txt', mimeType: 'text/plain', buffer: Buffer.from('x\n') });
    await page.locator('form[data-upload] button[type=submit]').click();
    await expect.poll(() => page.locator('#f-format-problem').count()).toBe(1);
    await expectAccessible(page, `import refused (${lang})`);

    // The affected page from the incident page; the scope form by keyboard only.
    await page.goto(`${base}/console/incidents/${id}`);
    await page.locator(`a[href="/console/incidents/${id}/affected"]`).click();
    await page.waitForURL(`${base}/console/incidents/${id}/affected`);
    await expectAccessible(page, `affected, no scope (${lang})`);
    await page.locator('body').focus();
    await tabTo(page, 'input[name=data_categories][value=contact]');
    await page.keyboard.press('Space');
    await tabTo(page, 'textarea[name=systems]');
    await page.keyboard.type(`orders-${tag}`);
    await tabTo(page, 'input[name=regions]');
    await page.keyboard.type('CN, XX-99-9');
    await tabTo(page, `form[action="/console/incidents/${id}/affected/scope"] button[type=submit]`);
    await posted(page, `/console/incidents/${id}/affected/scope`, () => page.keyboard.press('Enter'));
    expect(await page.locator('#f-regions').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#f-regions-problem').innerText()).toMatch(/^#2: /);
    await expectAccessible(page, `scope with a problem (${lang})`);
    await page.locator('#f-regions').focus();
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('CN, DE, US-TX');
    await tabTo(page, `form[action="/console/incidents/${id}/affected/scope"] button[type=submit]`);
    await page.keyboard.press('Enter');
    await page.waitForURL(/saved=scope/);
    expect(await json(await h.request('GET', `/v1/incidents/${id}/scope`))).toMatchObject({ scope: { data_categories: ['contact'], systems: [`orders-${tag}`], regions: ['CN', 'DE', 'US-TX'] } });
    await tabTo(page, `form[action="/console/incidents/${id}/affected/resolve"] button`);
    await page.keyboard.press('Enter');
    await page.waitForURL(/saved=resolved/);
    expect(await page.locator('[data-total]').innerText()).toBe('3');
    expect(await page.locator(`[data-person="${tag}-1"]`).innerText()).toContain(`${tag}-1@mail.example`);
    await expectAccessible(page, `affected with a snapshot (${lang})`);
    // Times in the viewer's zone, UTC on hover.
    expect(await page.locator('time[datetime]').first().getAttribute('title')).toMatch(/UTC$/);
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(problems).toEqual([]);
    await context.close();
  }, 180_000);
}

it.runIf(hasChromium)('the import page works without script: the form posts as it is', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signIn(page, h.tokens.responder, 'en');
  await page.goto(`${base}/console/directory/imports`);
  await page.setInputFiles('#f-file', { name: 'plain.csv', mimeType: 'text/csv', buffer: Buffer.from(directoryCsv('plain')) });
  await page.locator('form[data-upload] button[type=submit]').click();
  await page.waitForURL(/\/console\/directory\/imports\/imp_\w+$/);
  expect(await page.locator('[data-count="rejected"]').innerText()).toBe('1');
  await context.close();
}, 60_000);

for (const lang of ['en', 'zh-CN'] as const) {
  it.runIf(hasChromium)(`an admin creates and revokes a key and edits the organisation profile, in ${lang}`, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const { problems } = watch(page, base);
    await signIn(page, h.tokens.admin, lang);
    const { id } = await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: sampleIncident() }));
    await page.goto(`${base}/console/incidents/${id}`);
    await page.locator('a[href="/console/admin/api-keys"]').click();
    await page.waitForURL(`${base}/console/admin/api-keys`);
    await expectAccessible(page, `API keys (${lang})`);
    await posted(page, '/console/admin/api-keys', () => page.locator('form[action="/console/admin/api-keys"] button[type=submit]').click());
    expect(await page.locator('#f-name').getAttribute('aria-invalid')).toBe('true');
    await expectAccessible(page, `API keys with a problem (${lang})`);
    await page.fill('#f-name', `Browser ${lang}`);
    await page.selectOption('#f-role', 'approver');
    await posted(page, '/console/admin/api-keys', () => page.locator('form[action="/console/admin/api-keys"] button[type=submit]').click());
    expect(await page.locator('#new-secret').inputValue()).toMatch(/^bk_/);
    await expectAccessible(page, `API key created (${lang})`);
    await page.locator(`tr:has-text("Browser ${lang}") form button`).click();
    await page.waitForURL(/done=/);
    await expectAccessible(page, `API key revoked (${lang})`);

    await page.locator('a[href="/console/admin/organisation"]').first().click();
    await page.waitForURL(`${base}/console/admin/organisation`);
    await expectAccessible(page, `organisation (${lang})`);
    await page.fill('#f-name', `Example ${lang}`);
    await page.fill('#f-contact_email', 'not-mail');
    await posted(page, '/console/admin/organisation', () => page.locator('form[action="/console/admin/organisation"] button[type=submit]').click());
    expect(await page.locator('#f-contact_email-problem').count()).toBe(1);
    await expectAccessible(page, `organisation with a problem (${lang})`);
    await page.fill('#f-contact_email', 'privacy@mail.example');
    await page.locator('form[action="/console/admin/organisation"] button[type=submit]').click();
    await page.waitForURL(/saved=\d+/);
    expect(await json(await h.request('GET', '/v1/organisation'))).toMatchObject({ name: `Example ${lang}`, contact: { email: 'privacy@mail.example' } });
    await expectAccessible(page, `organisation saved (${lang})`);
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);
}

it.runIf(hasChromium)('a viewer sees the affected totals without people or write controls, and the admin pages refused', async () => {
  const { id } = await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: sampleIncident() }));
  await h.request('PUT', `/v1/incidents/${id}/scope`, { as: 'responder', json: { data_categories: ['contact'], systems: ['orders-db'] } });
  await h.request('POST', `/v1/incidents/${id}/affected`, { as: 'responder' });
  const context = await browser.newContext();
  const page = await context.newPage();
  const { problems } = watch(page, base);
  await signIn(page, h.tokens.viewer, 'zh-CN');
  await page.goto(`${base}/console/incidents/${id}/affected`);
  expect(await page.locator('main form[method=post]').count()).toBe(0);
  expect(await page.locator('[data-person]').count()).toBe(0);
  expect(await page.locator('main').innerText()).not.toContain('@mail.example');
  await expectAccessible(page, 'affected as a viewer');
  const refused = await page.goto(`${base}/console/admin/api-keys`);
  expect(refused?.status()).toBe(403);
  await expectAccessible(page, 'admin refused');
  expect(problems).toEqual([]);
  await context.close();
}, 60_000);

for (const lang of ['en', 'zh-CN'] as const) {
  it.runIf(hasChromium)(`a responder uses what-if, a report draft and a determination from the deadlines page, in ${lang}`, async () => {
    const { id } = await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: sampleIncident() }));
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const { problems } = watch(page, base);
    await signIn(page, h.tokens.responder, lang);
    await page.goto(`${base}/console/incidents/${id}/deadlines`);
    await page.locator(`a[href="/console/incidents/${id}/deadlines/tools"]`).click();
    await page.waitForURL(`${base}/console/incidents/${id}/deadlines/tools`);
    await expectAccessible(page, `deadlines tools (${lang})`);

    await page.fill('#f-add_affected', 'US-CA 600\nnot a line');
    await posted(page, `/console/incidents/${id}/deadlines/what-if`, () => page.locator('form[action$="/deadlines/what-if#what-if-result"] button[type=submit]').click());
    expect(await page.locator('#f-add_affected').getAttribute('aria-invalid')).toBe('true');
    await expectAccessible(page, `what-if with a problem (${lang})`);
    await page.fill('#f-add_affected', 'US-CA 600');
    await page.selectOption('#f-encrypted', 'true');
    await posted(page, `/console/incidents/${id}/deadlines/what-if`, () => page.locator('form[action$="/deadlines/what-if#what-if-result"] button[type=submit]').click());
    const api = await json<{ changes: unknown[] }>(await h.request('POST', `/v1/incidents/${id}/obligations/what-if`, { json: { facts: { encrypted: true }, add_affected: { 'US-CA': 600 } } }));
    expect(await page.locator('[data-change]').count()).toBe(api.changes.length);
    await expectAccessible(page, `what-if result (${lang})`);

    await page.selectOption('#f-locale', lang);
    await page.locator('form[action$="/deadlines/draft#draft-text"] button[type=submit]').click();
    await page.waitForURL(/\/deadlines\/draft\?/);
    expect(await page.locator('[data-draft]').innerText()).toMatch(/^# /);
    await expectAccessible(page, `report draft (${lang})`);

    const ruleId = await page.locator('#f-rule_id option').first().getAttribute('value');
    await page.fill('#f-note', `Settled by counsel (${lang}).`);
    await page.selectOption('#f-applies', 'false');
    await page.locator('form[action$="/deadlines/determinations"] button[type=submit]').click();
    await page.waitForURL(/determined=1/);
    expect(await page.locator(`[data-determination="${ruleId}"]`).innerText()).toContain(`Settled by counsel (${lang}).`);
    const after = await json<{ obligations: { rule_id: string; applicability: string }[] }>(await h.request('GET', `/v1/incidents/${id}/obligations`));
    expect(after.obligations.find((o) => o.rule_id === ruleId)?.applicability).toBe('not_applicable');
    await expectAccessible(page, `determination recorded (${lang})`);
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);
}
