import { mkdirSync, statSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { draftAnnouncement } from '../../src/announcements/service.js';
import { sampleIncident } from '../helpers/fixtures.js';
import { createHarness, json, type Harness } from '../helpers/harness.js';
import { hasChromium, launchChromium, listen } from '../helpers/browser.js';

let h: Harness;
let server: Awaited<ReturnType<typeof listen>>;
let browser: Browser;
let base: string;

beforeAll(async () => {
  h = await createHarness('pglite');
  const { id } = await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: sampleIncident() }));
  await draftAnnouncement(
    h.db.sql,
    id,
    {
      impact: 'major',
      status: 'identified',
      title: { en: 'Order details were exposed', 'zh-CN': '订单信息曾被泄露' },
      body: { en: 'What happened: an export was readable by anyone with its link.\n\nWhat we did: we closed it within hours.', 'zh-CN': '发生了什么：导出文件可被任何人通过链接读取。\n\n我们的措施：数小时内已关闭。' },
    },
    { id: 'key_test', name: 'Test' },
    new Date(),
  );
  await h.request('POST', `/v1/incidents/${id}/announcement/publish`, { as: 'responder' });
  server = await listen(h.app.fetch);
  base = server.base;
  if (hasChromium) browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
  await h?.db.close();
});

it.runIf(hasChromium)('renders /status in headless Chromium on a phone-sized screen, in both languages, and saves screenshots', async () => {
  mkdirSync('tmp', { recursive: true });
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
  const external: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(base)) external.push(r.url());
  });
  for (const [lang, heading] of [['en', 'Security notices'], ['zh-CN', '安全公告']] as const) {
    await page.goto(`${base}/status?lang=${lang}`);
    expect(await page.locator('h1').innerText()).toBe(heading);
    expect(await page.getAttribute('html', 'lang')).toBe(lang);
    await page.locator('main a[href^="/status/"]').first().click();
    await page.waitForURL(/\/status\/[a-z0-9]+/);
    const text = await page.locator('main').innerText();
    expect(text).toContain(lang === 'en' ? 'we closed it within hours' : '数小时内已关闭');
    // Readable on a phone: nothing wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const file = `tmp/status-${lang}.png`;
    await page.screenshot({ path: file, fullPage: true });
    expect(statSync(file).size).toBeGreaterThan(5000);
  }
  expect(external).toEqual([]);
}, 60_000);
