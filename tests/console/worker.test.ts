// The console in the Workers build (workerd): the pages render there too, under the same headers.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { unstable_startWorker } from 'wrangler';

let worker: Awaited<ReturnType<typeof unstable_startWorker>> | undefined;

beforeAll(async () => {
  worker = await unstable_startWorker({ config: 'wrangler.toml', dev: { server: { hostname: '127.0.0.1', port: 0 }, inspector: false, remote: false, logLevel: 'error' } });
  await worker.ready;
}, 120_000);

afterAll(async () => {
  await worker?.dispose();
});

it('serves the sign-in page, in Chinese when asked, with its nonce-based policy and its own script', async () => {
  const res = await worker!.fetch('http://localhost/console/sign-in?lang=zh-CN');
  expect(res.status).toBe(200);
  const csp = res.headers.get('content-security-policy')!;
  const nonce = /'nonce-([^']+)'/.exec(csp)![1];
  const html = await res.text();
  expect(html).toMatch(/^<!DOCTYPE html><html lang="zh-CN">/);
  expect(html).toContain(`nonce="${nonce}"`);
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  const script = await worker!.fetch(`http://localhost${/src="([^"]+)"/.exec(html)![1]}`);
  expect(script.status).toBe(200);
  expect(await script.text()).toContain('time[datetime]');
}, 60_000);
