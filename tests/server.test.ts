import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabaseUrl } from './helpers/db.js';
import { start, stop, waitHealthy } from './helpers/server-process.js';

describe('npm start with no configuration', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'breachkit-start-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('serves /healthz within 30 s on the embedded database and prints a working admin key once', async () => {
    const first = await start({ DATA_DIR: dataDir });
    const ms = await waitHealthy(first, 30_000);
    expect(ms).toBeLessThan(30_000);
    await expect.poll(() => first.output(), { timeout: 5000 }).toContain('admin key (shown once');
    const token = /(bk_[A-Za-z0-9_-]+)/.exec(first.output())![1]!;
    expect(first.output()).toContain(`http://localhost:${first.port}/docs`);
    const list = await fetch(`http://127.0.0.1:${first.port}/v1/incidents`, { headers: { authorization: `Bearer ${token}` } });
    expect(list.status).toBe(200);

    // A second process may not open the same embedded database.
    const second = await start({ DATA_DIR: dataDir });
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain('is in use by process');

    expect(await stop(first)).toBe(0);

    // Restarting keeps the data and prints no new key.
    const again = await start({ DATA_DIR: dataDir });
    await waitHealthy(again, 30_000);
    await expect.poll(() => again.output(), { timeout: 5000 }).toContain('already issued');
    expect(again.output()).not.toContain(token);
    const still = await fetch(`http://127.0.0.1:${again.port}/v1/incidents`, { headers: { authorization: `Bearer ${token}` } });
    expect(still.status).toBe(200);
    expect(await stop(again)).toBe(0);
  }, 90_000);

  it('refuses bad settings with a clear message', async () => {
    const s = await start({ DATA_DIR: dataDir, PORT: 'eighty', BREACHKIT_ADMIN_TOKEN: 'short' });
    expect(await s.exited).toBe(1);
    expect(s.output()).toContain('BREACHKIT_ADMIN_TOKEN');
  }, 30_000);
});

describe.runIf(testDatabaseUrl)('two servers starting at once on one Postgres database', () => {
  it('both come up; one admin key is created', async () => {
    const name = `bk_boot_${Date.now()}`;
    const admin = postgres(testDatabaseUrl!, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    const url = new URL(testDatabaseUrl!);
    url.pathname = `/${name}`;
    try {
      const [a, b] = await Promise.all([start({ DATABASE_URL: url.toString() }), start({ DATABASE_URL: url.toString() })]);
      await Promise.all([waitHealthy(a, 30_000), waitHealthy(b, 30_000)]);
      const db = postgres(url.toString(), { max: 1, onnotice: () => {} });
      const [keys] = await db`select count(*)::int as n from api_keys`;
      const [migrations] = await db`select count(*)::int as n, count(distinct version)::int as d from schema_migrations`;
      await db.end();
      expect(keys!.n).toBe(1);
      expect(migrations!.n).toBe(migrations!.d);
      expect([a.output(), b.output()].filter((o) => o.includes('shown once'))).toHaveLength(1);
      await Promise.all([stop(a), stop(b)]);
    } finally {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  }, 90_000);
});
