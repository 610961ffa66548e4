// The whole incident in a browser, by three people: a responder (API key) opens it and writes the notice, an approver (API key)
// approves it, communications (single sign-on) publishes the announcement; the notice is sent in capture mode and watched to the
// end on the delivery page, and a regulator filing is recorded. Each step is checked on the page and through the API; the new
// pages are checked by axe-core in both languages. With CONSOLE_SCREENSHOTS=1 the screenshots are written to docs/console/.
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { serve, type ServerType } from '@hono/node-server';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHarness, json, testRenderer, type Harness } from '../helpers/harness.js';
import { hasChromium, launchChromium } from '../helpers/browser.js';
import { oidcEnv, ssoSignIn, startOidcProvider } from '../helpers/oidc-provider.js';
import { sampleNoticeContent } from '../helpers/notice-content.js';
import { noticeFieldsFrom } from '../../src/console/notice-form.js';
import type { NoticeContent } from '../../src/notices/content.js';
import { dispatchDeps } from '../../src/delivery/setup.js';
import { runWorker } from '../../src/delivery/worker.js';
import { systemClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { expectAccessible, watch } from './page-check.js';

const screenshots = process.env.CONSOLE_SCREENSHOTS === '1' ? 'docs/console' : 'tmp/console-screenshots';

let h: Harness;
let app: ServerType;
let idp: Server;
let browser: Browser;
let base: string;
let issuer: string;
const stopWorker = new AbortController();
let worker: Promise<void> | undefined;

beforeAll(async () => {
  let appFetch: (req: Request) => Response | Promise<Response> = () => new Response('starting', { status: 503 });
  const port = await new Promise<number>((resolve) => {
    app = serve({ fetch: (req) => appFetch(req), port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port));
  });
  base = `http://127.0.0.1:${port}`;
  ({ issuer, server: idp } = await startOidcProvider(base, { cora: 'responder' }));
  h = await createHarness('pglite', { env: oidcEnv(issuer) });
  appFetch = (req) => h.app.fetch(req);
  // The delivery worker as the server runs it: no provider credentials here, so every channel is in capture mode.
  const deps = dispatchDeps({ config: h.config, db: h.db.sql, renderer: testRenderer(), clock: systemClock, logger: createLogger('silent'), owner: 'whole-flow' });
  worker = runWorker(deps, { idleMs: 300, signal: stopWorker.signal });
  if (hasChromium) browser = await launchChromium();
  mkdirSync(screenshots, { recursive: true });
}, 120_000);

afterAll(async () => {
  stopWorker.abort();
  await worker;
  await browser?.close();
  app?.close();
  idp?.close();
  await h?.db.close();
});

const people = [
  { external_id: 'wf-1', name: 'Lena Vogel', email: 'lena@example.com', locale: 'en', country: 'DE' },
  { external_id: 'wf-2', name: '王芳', email: 'wang.fang@example.com', locale: 'zh-CN', country: 'CN' },
  { external_id: 'wf-3', name: 'Sam Ortiz', email: 'sam@example.com', locale: 'en', country: 'DE' },
].map((p) => ({ ...p, account_status: 'active', data_categories: ['contact'], systems: [], created_at: '2024-01-01T00:00:00Z', updated_at: '2024-01-01T00:00:00Z' }));

/**
 * The directory import on the imports page (the upload with its progress, as a browser with script sends it), then the scope and
 * resolving on the affected page; each step checked on the page and through the API.
 */
async function importDirectoryAndResolve(page: Page, incidentId: string): Promise<void> {
  await page.goto(`${base}/console/directory/imports`);
  await page.setInputFiles('#f-file', { name: 'customers.ndjson', mimeType: 'application/x-ndjson', buffer: Buffer.from(people.map((p) => JSON.stringify(p)).join('\n')) });
  await page.locator('form[action="/console/directory/imports"] button[type=submit]').click();
  await page.waitForURL(/\/console\/directory\/imports\/imp_\w+$/);
  const importId = /imp_\w+/.exec(page.url())![0];
  expect(await page.locator('[data-state]').getAttribute('data-state')).toBe('completed');
  expect(await page.locator('[data-count="imported"]').innerText()).toBe('3');
  expect(await page.locator('[data-count="rejected"]').innerText()).toBe('0');
  expect(await json(await h.request('GET', `/v1/directory/imports/${importId}`, { as: 'responder' }))).toMatchObject({ status: 'completed', source_name: 'customers.ndjson', lines_imported: 3, lines_rejected: 0 });

  await page.goto(`${base}/console/incidents/${incidentId}/affected`);
  await page.locator('input[name=data_categories][value=contact]').check();
  await page.locator(`form[action="/console/incidents/${incidentId}/affected/scope"] button[type=submit]`).click();
  await page.waitForURL(/saved=scope$/);
  expect(await json(await h.request('GET', `/v1/incidents/${incidentId}/scope`, { as: 'responder' }))).toMatchObject({ scope: { data_categories: ['contact'] } });
  await page.locator(`form[action="/console/incidents/${incidentId}/affected/resolve"] button[type=submit]`).click();
  await page.waitForURL(/saved=resolved&v=1$/);
  expect(await page.locator('[data-total]').innerText()).toBe('3');
  expect(await page.locator('[data-person]').count()).toBe(3);
  expect(await json(await h.request('GET', `/v1/incidents/${incidentId}/affected`, { as: 'responder' }))).toMatchObject({ version: 1, row_count: 3, summary: { total: 3 } });
}

async function keySignIn(context: BrowserContext, token: string, lang: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${base}/console/sign-in?lang=${lang}`);
  await page.fill('#f-key', token);
  await page.locator('form[action="/console/sign-in"] button[type=submit]').click();
  await page.waitForURL(`${base}/console/incidents`);
  return page;
}

/** Desktop (1280) and phone (390) screenshots of what the page shows at its top, or from `from` down (on a phone, `phoneFrom`). */
async function shoot(page: Page, name: string, from?: string, phoneFrom = from): Promise<void> {
  for (const [width, height, label] of [[1280, 900, 'desktop'], [390, 844, 'phone']] as const) {
    await page.setViewportSize({ width, height });
    expect(await page.evaluate(() => document.documentElement.scrollWidth), `${name} at ${width}`).toBeLessThanOrEqual(width);
    const start = label === 'phone' ? phoneFrom : from;
    if (start) await page.locator(start).first().evaluate((el) => el.scrollIntoView());
    else await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: `${screenshots}/${name}-${label}.png` });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

const utcInput = (hoursAgo: number) => new Date(Date.now() - hoursAgo * 3_600_000).toISOString().slice(0, 19);

it.runIf(hasChromium)('takes an incident from opening to the regulator filing, three people in a browser', async () => {
  // ---- the responder opens the incident (API key, English) ----
  const responderContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const responder = await keySignIn(responderContext, h.tokens.responder, 'en');
  const { problems } = watch(responder, base);
  await responder.locator('a[href="/console/incidents/new"]').click();
  await responder.fill('#f-title', 'Order export readable from a public link');
  await responder.fill('#f-summary', 'A nightly export of customer orders was readable by anyone with its link for two days.');
  await responder.selectOption('#f-nature', 'accidental_disclosure');
  await responder.selectOption('#f-severity', 'high');
  await responder.fill('#f-discovered_at', utcInput(20));
  await responder.fill('#f-aware_at', utcInput(18));
  await responder.fill('#f-regions', 'CN, DE');
  await responder.locator('input[name=data_categories][value=contact]').check();
  await responder.locator('form[action="/console/incidents"] button[type=submit]').click();
  await responder.waitForURL(/\/console\/incidents\/inc_\w+$/);
  const id = /inc_\w+/.exec(responder.url())![0];
  expect(await json(await h.request('GET', `/v1/incidents/${id}`))).toMatchObject({ title: 'Order export readable from a public link', regions: ['CN', 'DE'], status: 'detected' });
  await responder.locator(`form[action="/console/incidents/${id}/status"] input[value=assessing] ~ button`).click();
  await responder.waitForURL(/saved=1/);
  expect(await json(await h.request('GET', `/v1/incidents/${id}`))).toMatchObject({ status: 'assessing' });
  await shoot(responder, 'incident');

  // ---- the directory and the affected people ----
  await importDirectoryAndResolve(responder, id);

  // ---- the responder writes, previews and freezes the notice ----
  await responder.goto(`${base}/console/incidents/${id}/notice`);
  const content = sampleNoticeContent() as NoticeContent;
  for (const [name, value] of Object.entries(noticeFieldsFrom(content))) await responder.locator(`[name="${name}"]`).fill(value);
  await responder.locator('form.notice-editor button[type=submit]:not([formaction])').click();
  await responder.waitForURL(/\/notice#preview$/);
  await expect.poll(() => responder.frameLocator('[data-cell="email/en"] iframe').locator('h1').innerText()).toBe(content.locales.en.headline);
  expect(await responder.locator('[data-cell="sms/zh-CN"] [data-sms-parts]').innerText()).toMatch(/UCS-2/);
  await shoot(responder, 'notice-preview', '#preview');
  await responder.locator('form.notice-editor button[formaction]').click();
  await responder.waitForURL(/\?frozen=1$/);
  expect(await json(await h.request('GET', `/v1/incidents/${id}/notices/1`))).toMatchObject({ status: 'awaiting_approval' });
  expect(await responder.locator('main form[action$="/approve"]').count()).toBe(0);

  // ---- the approver approves it (API key, Chinese) ----
  const approverContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const approver = await keySignIn(approverContext, h.tokens.approver, 'zh-CN');
  await approver.goto(`${base}/console/incidents/${id}/notice`);
  await approver.locator(`form[action="/console/incidents/${id}/notice/1/approve"] button`).click();
  await approver.waitForURL(/\?approved=1$/);
  expect(await approver.locator('main').innerText()).toContain('第 1 版已批准。');
  expect(await json(await h.request('GET', `/v1/incidents/${id}/notices/1`))).toMatchObject({ status: 'approved', approved_by_name: 'test approver' });

  // ---- the responder sends it in capture mode and watches it reach the end ----
  await responder.goto(`${base}/console/incidents/${id}`);
  await responder.locator(`a[href="/console/incidents/${id}/delivery"]`).first().click();
  await responder.waitForURL(`${base}/console/incidents/${id}/delivery`);
  expect(await responder.locator('main').innerText()).toContain('Capture mode for Email, SMS, Voice call script, In-app notice');
  await expectAccessible(responder, 'delivery before sending (en)');
  await responder.locator(`form[action="/console/incidents/${id}/delivery/start"] button`).click();
  await responder.waitForURL(/done=started/);
  // The page follows the stream, then loads afresh once nothing moves: the run done, every notice captured.
  await expect.poll(() => responder.locator('[data-run] [data-field="progressText"]').innerText(), { timeout: 30_000 }).toBe('3 of 3 settled');
  await expect.poll(() => responder.locator('[data-check]').getAttribute('data-check'), { timeout: 30_000 }).toBe('ok');
  // Loaded afresh without the word of the start: a finished run no longer says it is sending.
  expect(responder.url()).toBe(`${base}/console/incidents/${id}/delivery`);
  expect(await responder.locator('main').innerText()).not.toContain('The run is planned and sending.');
  const runs = await json<{ data: { remaining: number; counts: { channel: string; state: string; n: number }[] }[] }>(await h.request('GET', `/v1/incidents/${id}/deliveries`));
  expect(runs.data[0]).toMatchObject({ remaining: 0, counts: [{ channel: 'email', state: 'captured', n: 3 }] });
  expect(await json(await h.request('GET', `/v1/incidents/${id}/deliveries/check`))).toMatchObject({ ok: true, reached: 3 });
  expect(await responder.locator('main').innerText()).not.toContain('lena@example.com');
  await expectAccessible(responder, 'delivery done (en)');
  await shoot(responder, 'delivery', undefined, '[data-run]');

  // ---- communications publishes the announcement (single sign-on) ----
  const commsContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const comms = await commsContext.newPage();
  await ssoSignIn(comms, base, issuer, 'cora');
  await comms.waitForURL(`${base}/console/incidents`);
  expect(await comms.locator('header').innerText()).toContain('Cora (SSO)');
  await comms.goto(`${base}/console/incidents/${id}/announcement`);
  await expectAccessible(comms, 'announcement, none yet (en)');
  await comms.selectOption('#f-impact', 'minor');
  await comms.locator(`form[action="/console/incidents/${id}/announcement/draft"] button`).click();
  await comms.waitForURL(/done=drafted/);
  for (const lang of ['en', 'zh-CN'] as const) {
    await expect.poll(() => comms.frameLocator(`[data-cell="announcement/${lang}"] iframe`).locator('h2').first().innerText()).toBe(content.locales[lang].headline);
  }
  await expectAccessible(comms, 'announcement drafted (en)');
  const { slug } = await json<{ slug: string }>(await h.request('GET', `/v1/incidents/${id}/announcement`));
  expect((await h.request('GET', `/status/${slug}`, { as: null })).status).toBe(404);
  await comms.locator(`form[action="/console/incidents/${id}/announcement/publish"] button`).click();
  await comms.waitForURL(/done=published/);
  expect(await comms.locator('[data-published]').getAttribute('data-published')).toBe('yes');
  expect(await json(await h.request('GET', `/v1/incidents/${id}/announcement`))).toMatchObject({ published_at: expect.any(String) });
  expect((await h.request('GET', `/status/${slug}`, { as: null })).status).toBe(200);
  const timeline = await json<{ events: { type: string; actor: string }[] }>(await h.request('GET', `/v1/incidents/${id}/timeline`));
  expect(timeline.events.find((e) => e.type === 'announcement.published')?.actor).toBe('Cora (SSO) (sso:cora)');

  // ---- the responder records the regulator filing on the deadlines page ----
  await responder.goto(`${base}/console/incidents/${id}/deadlines`);
  // The PIPL notification to the personal information protection authorities.
  const choice = await responder.locator('#f-obligation option[value^="cn-pipl-57|"]').first().getAttribute('value');
  const [ruleId] = choice!.split('|');
  await responder.selectOption('#f-obligation', choice!);
  await responder.fill('#f-reference', 'REG-2026-0042');
  await responder.fill('#f-note', 'Filed through the authority\'s online form.');
  await responder.locator(`form[action="/console/incidents/${id}/deadlines/filings"] button`).click();
  await responder.waitForURL(/filed=1/);
  expect(await responder.locator('[data-filing]').innerText()).toContain('REG-2026-0042');
  const filings = await json<{ data: { reference: string }[] }>(await h.request('GET', `/v1/incidents/${id}/obligations/${ruleId}/filings`));
  expect(filings.data).toMatchObject([{ reference: 'REG-2026-0042' }]);
  expect(await responder.locator('img.chart').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
  await expectAccessible(responder, 'deadlines with a filing (en)');
  await shoot(responder, 'deadlines', undefined, '#filings');

  // ---- the same pages in Chinese, by the approver ----
  for (const path of ['delivery', 'announcement', 'deadlines']) {
    await approver.goto(`${base}/console/incidents/${id}/${path}`);
    expect(await approver.getAttribute('html', 'lang')).toBe('zh-CN');
    await expectAccessible(approver, `${path} (zh-CN)`);
  }
  expect(await approver.locator('main').innerText()).toContain('已提交的报告');
  expect(problems).toEqual([]);
  await Promise.all([responderContext.close(), approverContext.close(), commsContext.close()]);
}, 240_000);
