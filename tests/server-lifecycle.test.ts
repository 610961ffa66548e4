// The real server process: start errors in one line naming the setting, and a stop that drains instead of cutting.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleIncident } from './helpers/fixtures.js';
import { sampleNoticeContent } from './helpers/notice-content.js';
import { freePort, start, waitHealthy, type Started } from './helpers/server-process.js';

const adminToken = 'bk_lifecycle_admin_token_0123456789';

/** Stderr and stdout of a start that failed: one line, no stack trace. */
function expectOneLine(s: Started, pattern: RegExp) {
  const lines = s.output().trim().split('\n');
  expect(lines, s.output()).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(s.output()).not.toMatch(/^\s+at /m);
}

describe('start errors name the setting', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'breachkit-start-errors-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('a port in use: one line naming PORT, before the database is opened', async () => {
    const holder = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
    try {
      const s = await start({ DATA_DIR: dataDir, PORT: String(port) });
      expect(await s.exited).toBe(1);
      expectOneLine(s, new RegExp(`^PORT: 127\\.0\\.0\\.1:${port} is already in use; stop the process holding it, or set PORT to another port$`));
      expect(existsSync(join(dataDir, 'pg'))).toBe(false);
    } finally {
      holder.close();
    }
  }, 30_000);

  it('a DATABASE_URL that is not PostgreSQL: one line naming DATABASE_URL', async () => {
    const s = await start({ DATABASE_URL: 'mysql://root@127.0.0.1:3306/breachkit' });
    expect(await s.exited).toBe(1);
    expectOneLine(s, /^invalid configuration: DATABASE_URL: must be a PostgreSQL URL \(postgres:\/\/ or postgresql:\/\/\)/);
  }, 30_000);

  it('a refused connection: one line naming DATABASE_URL and where, without the password', async () => {
    const closed = await freePort();
    const s = await start({ DATABASE_URL: `postgres://postgres:s3cret@127.0.0.1:${closed}/breachkit` });
    expect(await s.exited).toBe(1);
    expectOneLine(s, new RegExp(`^DATABASE_URL: cannot use PostgreSQL at 127\\.0\\.0\\.1:${closed}/breachkit: the connection was refused`));
    expect(s.output()).not.toContain('s3cret');
  }, 30_000);
});

describe('stopping the server', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'breachkit-drain-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = { DATA_DIR: dataDir, BREACHKIT_ADMIN_TOKEN: adminToken, SHUTDOWN_GRACE_MS: '2000', IN_PROCESS_WORKER: 'false', LOG_LEVEL: 'info' };

  const api = (s: Started) => async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${s.port}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  /** An NDJSON upload whose sender writes `lines` users, then waits for `hold` before ending (never, if it never settles). */
  const upload = (s: Started, tag: string, lines: number, hold: Promise<void>) => {
    const encoder = new TextEncoder();
    let sent = false;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (!sent) {
          sent = true;
          controller.enqueue(encoder.encode(Array.from({ length: lines }, (_, i) => JSON.stringify({ external_id: `${tag}-${i}`, email: `${tag}-${i}@example.com`, data_categories: ['contact'] })).join('\n') + '\n'));
          return;
        }
        await hold;
        controller.close();
      },
    });
    return fetch(`http://127.0.0.1:${s.port}/v1/directory/imports?name=${tag}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/x-ndjson' },
      body,
      ...({ duplex: 'half' } as object),
    });
  };

  const importsOf = async (s: Started) =>
    ((await api(s)('GET', '/v1/directory/imports', adminToken)).body.data as { id: string; source_name: string; status: string; failure: string | null; lines_imported: number }[]);

  it('drains on SIGTERM: finishes the upload in flight, ends the event stream with a final event, stops the stalled upload and records why, exits 0', async () => {
    const s = await start(env);
    await waitHealthy(s, 60_000);
    const call = api(s);
    const approver = (await call('POST', '/v1/api-keys', adminToken, { name: 'Second person', role: 'approver' })).body.token as string;
    // A delivery run with notices left to send (no worker runs), so its event stream stays open.
    await upload(s, 'people', 3, Promise.resolve()).then((r) => expect(r.status).toBe(201));
    const { id } = (await call('POST', '/v1/incidents', adminToken, sampleIncident())).body as { id: string };
    await call('PUT', `/v1/incidents/${id}/scope`, adminToken, { data_categories: ['contact'], include_ids: ['people-0', 'people-1', 'people-2'] });
    expect((await call('POST', `/v1/incidents/${id}/affected`, adminToken)).status).toBe(201);
    expect((await call('POST', `/v1/incidents/${id}/notices`, adminToken, { content: sampleNoticeContent() })).status).toBe(201);
    expect((await call('POST', `/v1/incidents/${id}/notices/1/approve`, approver)).status).toBe(200);
    expect((await call('POST', `/v1/incidents/${id}/deliveries`, adminToken)).status).toBe(201);

    const events = await fetch(`http://127.0.0.1:${s.port}/v1/incidents/${id}/deliveries/stream`, { headers: { authorization: `Bearer ${adminToken}` } });
    const reader = events.body!.getReader();
    const decoder = new TextDecoder();
    let eventText = decoder.decode((await reader.read()).value);
    expect(eventText).toContain('event: progress');
    const restOfStream = (async () => {
      for (;;) {
        const next = await reader.read();
        if (next.done) return;
        eventText += decoder.decode(next.value);
      }
    })();

    let finishShort!: () => void;
    const short = upload(s, 'short', 50, new Promise<void>((resolve) => (finishShort = resolve)));
    const stalled = upload(s, 'stalled', 20, new Promise<void>(() => undefined));
    await expect.poll(async () => (await importsOf(s)).filter((i) => i.status === 'running').length, { timeout: 10_000 }).toBe(2);

    const t0 = Date.now();
    s.child.kill('SIGTERM');
    setTimeout(finishShort, 500);
    const [shortRes, stalledRes] = await Promise.all([short, stalled.catch((err: unknown) => err)]);
    expect(shortRes.status).toBe(201);
    expect(await shortRes.json()).toMatchObject({ status: 'completed', lines_imported: 50 });
    // The stalled one is stopped when the grace period is over, and says so.
    expect(stalledRes).toBeInstanceOf(Response);
    expect((stalledRes as Response).status).toBe(503);
    const problem = (await (stalledRes as Response).json()) as { code: string; importId: string };
    expect(problem.code).toBe('not_ready');
    await restOfStream;
    expect(eventText).toMatch(/event: end\ndata: \{"reason":"server_stopping"\}/);
    expect(await s.exited).toBe(0);
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(2000);
    expect(took).toBeLessThan(20_000);
    expect(s.output()).toContain('shutting down: draining');
    expect(s.output()).toContain('grace period over');

    // What the next start finds: nothing left running; the stalled import failed with its reason.
    const again = await start(env);
    await waitHealthy(again, 60_000);
    const imports = await importsOf(again);
    expect(imports.filter((i) => i.status === 'running')).toEqual([]);
    expect(imports.find((i) => i.id === problem.importId)).toMatchObject({
      source_name: 'stalled',
      status: 'failed',
      lines_imported: 20,
      failure: 'the server stopped before the upload was read to its end; the 20 lines read before it are recorded (20 imported, 0 rejected)',
    });

    // A server killed outright leaves its import running: the next start marks it failed.
    const lost = upload(again, 'killed', 10, new Promise<void>(() => undefined)).catch(() => undefined);
    await expect.poll(async () => (await importsOf(again)).some((i) => i.source_name === 'killed' && i.status === 'running'), { timeout: 10_000 }).toBe(true);
    again.child.kill('SIGKILL');
    await again.exited;
    await lost;
    const third = await start(env);
    await waitHealthy(third, 60_000);
    expect((await importsOf(third)).find((i) => i.source_name === 'killed')).toMatchObject({
      status: 'failed',
      failure: 'interrupted: the server running it stopped before the end; the lines before it were kept',
    });
    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);
  }, 180_000);
});
