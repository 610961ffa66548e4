// Directory imports under hostile uploads: a cut gzip stream, a gzip bomb, a flood of bad lines, a client that leaves, a server that stopped.
import { gzipSync } from 'node:zlib';
import { expect, it } from 'vitest';
import { failInterruptedImports, importSilentAfterMs } from '../../src/directory/service.js';
import { insertImport } from '../../src/directory/store.js';
import { describeEachDatabase, json, type Harness } from '../helpers/harness.js';

interface ImportJson {
  id: string;
  status: string;
  lines_read: number;
  lines_imported: number;
  lines_rejected: number;
  rejects_stored: number;
  failure: string | null;
}

const userLines = (from: number, n: number, tag = 'lim') =>
  Array.from({ length: n }, (_, i) => JSON.stringify({ external_id: `${tag}-${from + i}`, name: `Person ${from + i}`, email: `p${from + i}.${Math.random().toString(36).slice(2)}@example.com` })).join('\n') + '\n';

const post = (h: Harness, body: BodyInit, init: { signal?: AbortSignal; query?: string } = {}) =>
  h.app.request(
    new Request(`http://localhost/v1/directory/imports?${init.query ?? 'name=limits'}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.tokens.responder}`, 'content-type': 'application/x-ndjson' },
      body,
      signal: init.signal,
      ...({ duplex: 'half' } as object),
    }),
  );

const importRow = async (h: Harness, id: string) => json<ImportJson>(await h.request('GET', `/v1/directory/imports/${id}`, { as: 'responder' }));
const storedRejects = async (h: Harness, id: string) =>
  (await h.db.sql<{ n: number }[]>`select count(*)::int as n from directory_import_rejects where import_id = ${id}`)[0]!.n;

describeEachDatabase(
  'directory import limits',
  (harness) => {
    it('answers a truncated gzip upload with 400 naming the upload, keeps the lines before the break and marks the import failed', async () => {
      const h = harness();
      const whole = gzipSync(Buffer.from(userLines(0, 4000, 'cut')));
      const res = await post(h, whole.subarray(0, Math.floor(whole.length * 0.6)));
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const problem = await json<{ code: string; detail: string; importId: string; errors: { field: string; message: string }[] }>(res);
      expect(problem.code).toBe('bad_request');
      expect(problem.errors).toEqual([{ field: '(body)', message: expect.stringMatching(/^it is not a (complete|valid) gzip stream: it (breaks|ends) after \d+ bytes$/) }]);
      const row = await importRow(h, problem.importId);
      expect(row.status).toBe('failed');
      expect(row.lines_imported).toBeGreaterThan(1000);
      expect(row.lines_imported).toBeLessThan(4000);
      expect(row.failure).toContain(`the ${row.lines_read} lines read before it are recorded (${row.lines_imported} imported, 0 rejected)`);
      const [users] = await h.db.sql<{ n: number }[]>`select count(*)::int as n from directory_users where external_id like 'cut-%'`;
      expect(users!.n).toBe(row.lines_imported);
      // Cut a few bytes short of its end, it is still refused.
      const short = await post(h, whole.subarray(0, whole.length - 3));
      expect(short.status).toBe(400);
    });

    it('stops a gzip bomb within its first megabytes: 413, a bounded number of stored rejects, the import failed', async () => {
      const h = harness();
      // 64 MiB of "x\n" (33 million lines) packs into about 64 KiB.
      const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 'x\n'));
      expect(bomb.length).toBeLessThan(100 * 1024);
      const t0 = performance.now();
      const res = await post(h, bomb);
      const elapsed = performance.now() - t0;
      expect(res.status).toBe(413);
      const problem = await json<{ code: string; importId: string; errors: { field: string; message: string }[] }>(res);
      expect(problem.code).toBe('payload_too_large');
      expect(problem.errors[0]!.message).toMatch(/IMPORT_MAX_GZIP_RATIO/);
      const row = await importRow(h, problem.importId);
      expect(row.status).toBe('failed');
      expect(row.failure).toMatch(/^it unpacks to more than 100 times its size/);
      // Stopped within the first slice past 256 KiB: at most a few hundred thousand lines read.
      expect(row.lines_read).toBeLessThan(2_000_000);
      expect(row.rejects_stored).toBe(Math.min(row.lines_rejected, 25));
      expect(await storedRejects(h, row.id)).toBe(row.rejects_stored);
      expect(elapsed).toBeLessThan(60_000);
    });

    it('caps the rejected lines stored per import and counts the rest', async () => {
      const h = harness();
      const lines = userLines(0, 30, 'cap') + Array.from({ length: 40 }, (_, i) => `not json ${i}`).join('\n') + '\n' + userLines(30, 10, 'cap');
      const res = await post(h, lines);
      expect(res.status).toBe(201);
      const row = await json<ImportJson>(res);
      expect(row).toMatchObject({ status: 'completed', lines_read: 80, lines_imported: 40, lines_rejected: 40, rejects_stored: 25 });
      const download = await h.request('GET', `/v1/directory/imports/${row.id}/rejects`, { as: 'responder' });
      const rejects = (await download.text()).trim().split('\n').map((l) => JSON.parse(l) as { line: number });
      expect(rejects.map((r) => r.line)).toEqual(Array.from({ length: 25 }, (_, i) => 31 + i));
    });

    it('stops an import whose client went away and marks it failed with the reason', async () => {
      const h = harness();
      const client = new AbortController();
      let sent = 0;
      // A client that keeps sending, then leaves.
      const endless = new ReadableStream<Uint8Array>({
        pull(controller) {
          controller.enqueue(new TextEncoder().encode(userLines(sent, 500, 'gone')));
          sent += 500;
          if (sent === 5000) client.abort();
        },
      });
      await Promise.resolve(post(h, endless, { signal: client.signal })).catch(() => undefined);
      const [row] = await h.db.sql<{ id: string; status: string; failure: string; lines_read: number }[]>`
        select id, status, failure, lines_read::int as lines_read from directory_imports where failure like '%client went away%'`;
      expect(row).toMatchObject({ status: 'failed', failure: expect.stringMatching(/^the client went away before the upload was read to its end; the \d+ lines read before it are recorded/) });
      expect(row!.lines_read).toBeLessThan(10_000);

      // A connection that breaks mid-upload (the body stream errors) is recorded the same way.
      let pulls = 0;
      const breaking = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (pulls++ === 3) return controller.error(new Error('socket hang up'));
          controller.enqueue(new TextEncoder().encode(userLines(pulls * 100, 100, 'broke')));
        },
      });
      const res = await post(h, breaking);
      expect(res.status).toBe(400);
      const problem = await json<{ importId: string; detail: string }>(res);
      expect((await importRow(h, problem.importId)).failure).toMatch(/^the upload stopped before its end: the connection was closed; the 300 lines read before it are recorded \(300 imported/);
    });

    it('marks failed the imports a stopped process left running: all of them on the embedded database, the silent ones on a shared one', async () => {
      const h = harness();
      const now = new Date();
      const old = new Date(now.getTime() - importSilentAfterMs - 1000);
      await insertImport(h.db.sql, { id: 'imp_silentold', format: 'ndjson', sourceName: 'left', at: old, by: 'key_test' });
      await insertImport(h.db.sql, { id: 'imp_stillfresh', format: 'ndjson', sourceName: 'left', at: now, by: 'key_test' });
      expect(await failInterruptedImports(h.db.sql, now, { all: false })).toEqual(['imp_silentold']);
      expect((await importRow(h, 'imp_stillfresh')).status).toBe('running');
      expect(await failInterruptedImports(h.db.sql, now, { all: true })).toEqual(['imp_stillfresh']);
      const rows = await h.db.sql<{ status: string; failure: string }[]>`select status, failure from directory_imports where id in ('imp_silentold', 'imp_stillfresh')`;
      expect(rows).toEqual([
        { status: 'failed', failure: 'interrupted: the server running it stopped before the end; the lines before it were kept' },
        { status: 'failed', failure: 'interrupted: the server running it stopped before the end; the lines before it were kept' },
      ]);
    });
  },
  { env: { IMPORT_MAX_STORED_REJECTS: '25' } },
);
