// /docs in headless Chromium: the reference renders the operations from the installed package, and no request leaves the origin.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readApiReferenceScript } from '../../src/lib/assets.node.js';
import { hasChromium, launchChromium, listen } from '../helpers/browser.js';
import { createHarness, type Harness } from '../helpers/harness.js';

let h: Harness;
let server: Awaited<ReturnType<typeof listen>>;
let browser: Browser;
let base: string;

beforeAll(async () => {
  h = await createHarness('pglite');
  server = await listen(h.app.fetch);
  base = server.base;
  if (hasChromium) browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
  await h?.db.close();
});

it('serves the reference script from the installed package, and a page with a same-origin-only policy', async () => {
  const page = await fetch(`${base}/docs`);
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).not.toMatch(/https?:\/\//);
  expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
  const script = await fetch(`${base}/docs/api-reference.js`);
  expect(script.status).toBe(200);
  expect(script.headers.get('content-type')).toContain('javascript');
  expect((await script.text()).length).toBe(readApiReferenceScript().length);
});

it.runIf(hasChromium)('renders operation names in headless Chromium with zero requests to another origin', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const requests: string[] = [];
  const blocked: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    // A request the policy stopped is a request the page tried to make elsewhere.
    if (/Content Security Policy/i.test(m.text()) && !/unsafe-eval/.test(m.text())) blocked.push(m.text());
  });
  await page.goto(`${base}/docs`, { waitUntil: 'networkidle' });
  await page.getByText('Open an incident').first().waitFor({ timeout: 30_000 });
  const text = await page.locator('body').innerText();
  // Operations of the first tag are rendered; the others are listed by tag in the sidebar until opened.
  for (const name of ['Open an incident', 'List incidents, newest first', 'Change facts or move the status', 'API keys', 'Public status page', 'Provider webhooks']) expect(text).toContain(name);
  const elsewhere = requests.filter((u) => !u.startsWith(`${base}/`) && !u.startsWith('data:') && !u.startsWith('blob:'));
  expect(elsewhere).toEqual([]);
  expect(blocked).toEqual([]);
  expect(requests).toContain(`${base}/openapi.json`);
  await context.close();
}, 90_000);

it.runIf(hasChromium)('the public page applies its own style sheet under its hash-only policy', async () => {
  const page = await browser.newPage();
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  await page.goto(`${base}/status`);
  // The style sheet sets a system font stack and a 46rem column; blocked, the browser's defaults would show.
  expect(await page.evaluate(() => getComputedStyle(document.querySelector('main')!).maxWidth)).toBe('736px');
  expect(violations).toEqual([]);
  await page.close();
});
