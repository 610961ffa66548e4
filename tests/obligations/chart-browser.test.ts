// The obligations chart in headless Chromium: the SVG parses as XML, shows one bar per open duty, and is saved as a picture.
import { mkdirSync, statSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fixedClock } from '../../src/lib/clock.js';
import { hasChromium, launchChromium } from '../helpers/browser.js';
import { createHarness, json, type Harness } from '../helpers/harness.js';

let h: Harness;
let browser: Browser | undefined;

beforeAll(async () => {
  h = await createHarness('pglite', { clock: fixedClock(new Date('2026-11-20T12:00:00Z')) });
  if (hasChromium) browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await h?.db.close();
});

it.runIf(hasChromium)('draws the deadlines as a well-formed SVG that Chromium renders', async () => {
  const { id } = await json<{ id: string }>(
    await h.request('POST', '/v1/incidents', {
      as: 'responder',
      json: {
        title: 'Chart <drill> & "quotes"',
        nature: 'ransomware',
        severity: 'critical',
        discovered_at: '2026-11-18T08:00:00Z',
        aware_at: '2026-11-18T10:00:00Z',
        determined_at: '2026-11-19T09:00:00Z',
        data_categories: ['contact', 'financial_account'],
        regions: ['CN', 'DE', 'GB', 'US-CA', 'JP'],
        estimated_affected: { total: 5000, by_region: { CN: 3000, DE: 900, GB: 500, 'US-CA': 550, JP: 50 } },
        encrypted: false,
      },
    }),
  );
  await h.request('POST', `/v1/incidents/${id}/obligations/eu-gdpr-33/filings`, { as: 'responder', json: { target: 'DE', filed_at: '2026-11-19T10:00:00Z' } });
  const svg = await (await h.request('GET', `/v1/incidents/${id}/obligations.svg`, { as: 'viewer' })).text();
  const page = await browser!.newPage({ viewport: { width: 1000, height: 800 } });
  // Parsed as XML by the browser's own parser: any markup error shows up as a parsererror element.
  const parsed = await page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    return { error: doc.getElementsByTagName('parsererror').length, bars: doc.querySelectorAll('g > rect').length, title: doc.querySelector('svg > title')?.textContent };
  }, svg);
  expect(parsed.error).toBe(0);
  expect(parsed.bars).toBeGreaterThan(3);
  expect(parsed.title).toContain(id);
  await page.setContent(`<!doctype html><body style="margin:0">${svg}</body>`);
  const box = await page.locator('svg').boundingBox();
  expect(box!.width).toBeGreaterThan(900);
  mkdirSync('tmp', { recursive: true });
  await page.locator('svg').screenshot({ path: 'tmp/obligations-chart.png' });
  expect(statSync('tmp/obligations-chart.png').size).toBeGreaterThan(5000);
}, 60_000);
