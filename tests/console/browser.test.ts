// The console in headless Chromium: sign in with a key, the incident list, the open form with its problems, the incident page, moves,
// the notice (draft, preview of every channel and language, freeze, approval), sign-out — in English and Chinese, each page checked by axe-core.
import { mkdirSync } from 'node:fs';
import { serve, type ServerType } from '@hono/node-server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHarness, json, type Harness } from '../helpers/harness.js';
import { hasChromium, launchChromium } from '../helpers/browser.js';
import { sampleIncident } from '../helpers/fixtures.js';
import { sampleNoticeContent } from '../helpers/notice-content.js';
import { noticeFieldsFrom } from '../../src/console/notice-form.js';
import type { NoticeContent } from '../../src/notices/content.js';
import { expectAccessible, watch } from './page-check.js';

let h: Harness;
let server: ServerType;
let browser: Browser;
let base: string;

beforeAll(async () => {
  h = await createHarness('pglite');
  const port = await new Promise<number>((resolve) => {
    server = serve({ fetch: h.app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port));
  });
  base = `http://127.0.0.1:${port}`;
  if (hasChromium) browser = await launchChromium();
  mkdirSync('tmp', { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
  await h?.db.close();
});

const utcInput = (hoursAgo: number) => new Date(Date.now() - hoursAgo * 3_600_000).toISOString().slice(0, 19);

async function signIn(page: Page, token: string, lang: string): Promise<void> {
  await page.goto(`${base}/console/sign-in?lang=${lang}`);
  await expectAccessible(page, `sign-in (${lang})`);
  await page.fill('#f-key', token);
  await page.locator('form[action="/console/sign-in"] button[type=submit]').click();
  await page.waitForURL(`${base}/console/incidents`);
}

for (const lang of ['en', 'zh-CN'] as const) {
  it.runIf(hasChromium)(`a responder opens and moves an incident, keyboard and screen reader friendly, in ${lang}`, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const { problems } = watch(page, base);
    await signIn(page, h.tokens.responder, lang);
    expect(await page.getAttribute('html', 'lang')).toBe(lang);
    await expectAccessible(page, `incidents (${lang})`);

    // The skip link comes first for keyboard users.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('href'))).toBe('#main');

    await page.locator('a[href="/console/incidents/new"]').click();
    await page.waitForURL(`${base}/console/incidents/new`);
    await expectAccessible(page, `open form (${lang})`);
    // Sent with problems: each is shown beside its field, and the page stays accessible.
    await page.fill('#f-title', 'Support inbox forwarded to an outside address');
    await page.fill('#f-discovered_at', utcInput(3));
    await page.fill('#f-aware_at', utcInput(5));
    await page.fill('#f-regions', 'CN, US-ZZ');
    await page.locator('form[action="/console/incidents"] button[type=submit]').click();
    await page.waitForLoadState();
    // First the schema's checks (as the API: 400), then the facts' consistency (422).
    expect(await page.locator('#f-regions-problem').innerText()).toContain('ISO 3166');
    expect(await page.locator('#f-title').inputValue()).toBe('Support inbox forwarded to an outside address');
    await expectAccessible(page, `open form with problems (${lang})`);
    await page.fill('#f-regions', 'CN, US-CA');
    await page.locator('form[action="/console/incidents"] button[type=submit]').click();
    await page.waitForLoadState();
    expect(await page.locator('#f-aware_at').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#f-aware_at-problem').innerText()).toContain('discovered_at');
    await page.fill('#f-aware_at', utcInput(2));
    await page.locator('input[name=data_categories][value=contact]').check();
    await page.locator('form[action="/console/incidents"] button[type=submit]').click();
    await page.waitForURL(/\/console\/incidents\/inc_\w+$/);
    const id = /inc_\w+/.exec(page.url())![0];
    const stored = await json<{ title: string; regions: string[]; data_categories: string[] }>(await h.request('GET', `/v1/incidents/${id}`));
    expect(stored).toMatchObject({ title: 'Support inbox forwarded to an outside address', regions: ['CN', 'US-CA'], data_categories: ['contact'] });

    // The incident page: times in the viewer's zone, UTC on hover; the chain verified; moves.
    const firstTime = page.locator('time[datetime]').first();
    expect(await firstTime.getAttribute('title')).toMatch(/UTC$/);
    expect(await page.locator('main').innerText()).toMatch(lang === 'en' ? /Hash chain verified/ : /哈希链校验通过/);
    await expectAccessible(page, `incident (${lang})`);
    await page.screenshot({ path: `tmp/console-incident-${lang}-desktop.png`, fullPage: true });
    await page.screenshot({ path: `tmp/console-incident-${lang}-top.png` });
    await page.locator(`form[action="/console/incidents/${id}/status"] input[value=assessing] ~ button`).click();
    await page.waitForURL(/saved=1/);
    expect(await json<{ status: string }>(await h.request('GET', `/v1/incidents/${id}`))).toMatchObject({ status: 'assessing' });
    await expectAccessible(page, `incident after a move (${lang})`);

    // The deadlines, from the incident page: the table and the chart (an image of breachkit's own).
    await page.locator(`a[href="/console/incidents/${id}/deadlines"]`).click();
    await page.waitForURL(`${base}/console/incidents/${id}/deadlines`);
    expect(await page.locator('img.chart').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    expect(await page.locator('[data-obligation]').count()).toBeGreaterThan(0);
    await expectAccessible(page, `deadlines (${lang})`);
    await page.screenshot({ path: `tmp/console-deadlines-${lang}-desktop.png`, fullPage: true });
    await page.goBack();

    // On a phone: nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: `tmp/console-incident-${lang}-phone.png`, fullPage: true });

    await page.locator('form[action="/console/sign-out"] button').click();
    await page.waitForURL(/\/console\/sign-in\?ended=signed_out/);
    await page.goto(`${base}/console/incidents/${id}`);
    expect(page.url()).toContain('/console/sign-in?ended=unknown');
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);
}

it.runIf(hasChromium)('a viewer sees the incident without any write control', async () => {
  const { id } = await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: sampleIncident() }));
  const context = await browser.newContext();
  const page = await context.newPage();
  const { problems } = watch(page, base);
  await signIn(page, h.tokens.viewer, 'en');
  expect(await page.locator('a[href="/console/incidents/new"]').count()).toBe(0);
  await page.goto(`${base}/console/incidents/${id}`);
  expect(await page.locator('main form').count()).toBe(0);
  expect(await page.locator('main').innerText()).toContain('may read this incident but not change it');
  await expectAccessible(page, 'incident as a viewer');
  await page.goto(`${base}/console/incidents/new`);
  expect(await page.locator('h1').innerText()).toBe('Your role may not do this.');
  await expectAccessible(page, 'refusal page');
  expect(problems).toEqual([]);
  await context.close();
}, 60_000);

for (const lang of ['en', 'zh-CN'] as const) {
  it.runIf(hasChromium)(`a responder drafts and freezes the notice, previewing every channel and language, and an approver approves it, in ${lang}`, async () => {
    const { id } = await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: sampleIncident() }));
    const content = sampleNoticeContent();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const { problems } = watch(page, base);
    await signIn(page, h.tokens.responder, lang);
    await page.goto(`${base}/console/incidents/${id}`);
    await page.locator(`a[href="/console/incidents/${id}/notice"]`).click();
    await page.waitForURL(`${base}/console/incidents/${id}/notice`);
    await expectAccessible(page, `empty notice page (${lang})`);
    for (const [name, value] of Object.entries(noticeFieldsFrom(content as NoticeContent))) await page.locator(`[name="${name}"]`).fill(value);
    await page.locator('form.notice-editor button[type=submit]:not([formaction])').click();
    await page.waitForURL(/\/notice#preview$/);
    // Fourteen renderings (seven channels, two languages); the email and the person's notice page in their own frames,
    // showing them as they will be received; the letter and the in-app notice as their text.
    expect(await page.locator('[data-cell]').count()).toBe(14);
    const email = page.frameLocator('[data-cell="email/zh-CN"] iframe');
    await expect.poll(() => email.locator('h1').innerText()).toBe(content.locales['zh-CN'].headline);
    const noticePage = page.frameLocator('[data-cell="page/en"] iframe');
    await expect.poll(() => noticePage.locator('body').innerText()).toContain(content.locales.en.remedies);
    expect(await page.locator('[data-cell="letter/en"] iframe').count()).toBe(0);
    expect(await page.locator('[data-cell="letter/en"] pre').innerText()).toContain(content.locales.en.remedies);
    expect(await page.locator('[data-cell="inapp/zh-CN"] pre').innerText()).toContain(content.locales['zh-CN'].remedies);
    expect(await page.locator('[data-cell="sms/zh-CN"] [data-sms-parts]').innerText()).toMatch(/UCS-2/);
    await expectAccessible(page, `notice preview (${lang})`);
    await page.screenshot({ path: `tmp/console-notice-${lang}-desktop.png`, fullPage: true });
    await page.evaluate(() => document.getElementById('preview')!.scrollIntoView());
    await page.screenshot({ path: `tmp/console-notice-${lang}-preview.png` });
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: `tmp/console-notice-${lang}-phone.png`, fullPage: true });
    await page.locator('form.notice-editor button[formaction]').click();
    await page.waitForURL(/\?frozen=1$/);
    expect(await page.locator('main form[action$="/approve"]').count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();

    const second = await browser.newContext();
    const approverPage = await second.newPage();
    await signIn(approverPage, h.tokens.approver, lang);
    await approverPage.goto(`${base}/console/incidents/${id}/notice`);
    await expectAccessible(approverPage, `notice awaiting approval (${lang})`);
    await approverPage.locator(`form[action="/console/incidents/${id}/notice/1/approve"] button`).click();
    await approverPage.waitForURL(/\?approved=1$/);
    expect(await json<{ status: string }>(await h.request('GET', `/v1/incidents/${id}/notices/1`))).toMatchObject({ status: 'approved' });
    await second.close();
  }, 120_000);
}
