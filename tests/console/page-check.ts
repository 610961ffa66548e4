// Browser checks every console page gets: axe-core finds nothing, the CSP refused nothing, no request left breachkit.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { expect } from 'vitest';
import type { Page } from 'playwright-core';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown }[];
}

/** Watches a page for CSP refusals, script errors and requests that leave breachkit. */
export function watch(page: Page, base: string): { problems: string[] } {
  const problems: string[] = [];
  page.on('console', (m) => {
    // A refused page's own status (403, 404) is checked by the test itself.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`script error: ${e.message}`));
  page.on('request', (r) => {
    if (!r.url().startsWith(base)) problems.push(`external request: ${r.url()}`);
  });
  return { problems };
}

/** Runs axe-core in the page (evaluated over the debugging protocol, so the page's CSP stays as it is) and expects no violation at all. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  await page.evaluate(axeSource);
  const { violations, passed } = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: AxeViolation[]; passes: unknown[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return { violations: result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target) })), passed: result.passes.length };
  });
  expect(violations, `axe-core on ${what}`).toEqual([]);
  // The rules really ran on this page (contrast, labels, landmarks…).
  expect(passed, `axe-core rules passed on ${what}`).toBeGreaterThan(10);
}
