import { afterAll, beforeAll, expect, it, describe } from 'vitest';
import { unstable_startWorker } from 'wrangler';
import { testDatabaseUrl } from '../helpers/db.js';

type Worker = Awaited<ReturnType<typeof unstable_startWorker>>;

describe('the Workers build, in workerd', () => {
  let worker: Worker | undefined;

  beforeAll(async () => {
    worker = await unstable_startWorker({
      config: 'wrangler.toml',
      dev: { server: { hostname: '127.0.0.1', port: 0 }, inspector: false, remote: false, logLevel: 'error' },
    });
    await worker.ready;
  }, 120_000);

  afterAll(async () => {
    await worker?.dispose();
  });

  it('answers /healthz', async () => {
    const res = await worker!.fetch('http://localhost/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('answers an unauthenticated API call with a problem', async () => {
    const res = await worker!.fetch('http://localhost/v1/incidents');
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });

  it('serves /docs, and its reference script as a static asset beside the Worker, with no other origin named', async () => {
    const page = await worker!.fetch('http://localhost/docs');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script src="/docs/api-reference.js">');
    const script = await worker!.fetch('http://localhost/docs/api-reference.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^(text|application)\/javascript/);
    expect(script.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await script.text()).length).toBeGreaterThan(1_000_000);
    // The headers file configures the asset server; it is not itself served.
    expect((await worker!.fetch('http://localhost/_headers')).headers.get('content-type')).toContain('application/problem+json');
  });

  it.runIf(testDatabaseUrl)('reaches Postgres through the local Hyperdrive binding', async () => {
    const res = await worker!.fetch('http://localhost/readyz');
    expect(await res.json()).toEqual({ status: 'ready', database: 'ok' });
  });
});

describe('wrangler deploy --dry-run', () => {
  it('bundles the worker under 1 MiB gzipped, with Scalar\'s script left to the assets', async () => {
    const { execFile } = await import('node:child_process');
    const { mkdtempSync, readFileSync, readdirSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { gzipSync } = await import('node:zlib');
    const outdir = mkdtempSync(join(tmpdir(), 'breachkit-worker-'));
    const output = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['node_modules/wrangler/bin/wrangler.js', 'deploy', '--dry-run', '--outdir', outdir], { env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } }, (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout + stderr),
      );
    });
    expect(output).toContain('--dry-run: exiting now');
    // Everything uploaded as the Worker's code, as wrangler measures it (its limit applies to the gzipped size).
    const [, total, gzip] = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(output) ?? [];
    console.log(`worker bundle: ${total} KiB, ${gzip} KiB gzipped`);
    expect(Number(gzip)).toBeGreaterThan(100);
    expect(Number(gzip)).toBeLessThan(1024);
    const modules = readdirSync(outdir).filter((f) => !f.endsWith('.map') && f !== 'README.md');
    expect(modules).toEqual(['worker.js']);
    const code = readFileSync(join(outdir, 'worker.js'));
    expect(gzipSync(code).length).toBeLessThan(1024 * 1024);
    // No holiday engine and no API reference inside: they are what once pushed it over.
    expect(code.includes('moment-timezone')).toBe(false);
    expect(code.includes('@scalar/api-reference')).toBe(false);
  }, 120_000);
});
