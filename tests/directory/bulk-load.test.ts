// Large imports on PostgreSQL: COPY straight in, secondary indexes dropped and built again, upserts after a known id, recovery after a crash.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runImport, type ParsedLine } from '../../src/directory/service.js';
import { missingSecondaryIndexes } from '../../src/directory/store.js';
import { systemClock } from '../../src/lib/clock.js';
import { createTestDatabase, testDatabaseUrl, type TestDatabase } from '../helpers/db.js';

const user = (i: number, over: Record<string, unknown> = {}) => ({
  external_id: `b-${String(i).padStart(4, '0')}`,
  name: `User ${i}`,
  email: `b${i}@example.com`,
  country: 'CN',
  subdivision: 'CN-HB',
  account_status: 'active' as const,
  data_categories: i % 3 === 0 ? ['financial_account'] : ['contact'],
  systems: ['crm'],
  created_at: '2025-01-01T00:00:00.000Z',
  updated_at: '2025-01-01T00:00:00.000Z',
  ...over,
});

/** Lines in chunks of ten; `between` runs after each chunk is taken, while the import is under way. */
async function* chunks(lines: ParsedLine[], between?: (taken: number) => Promise<void>): AsyncGenerator<ParsedLine[]> {
  for (let i = 0; i < lines.length; i += 10) {
    yield lines.slice(i, i + 10);
    await between?.(i + 10);
  }
}

const valid = (from: number, to: number, over: Record<string, unknown> = {}): ParsedLine[] =>
  Array.from({ length: to - from }, (_, k) => ({ line: k + 1, user: user(from + k, over) }));

/** The one number a count query answers. */
const count = async (rows: Promise<{ n: number }[]>) => (await rows)[0]!.n;

const run = (db: TestDatabase, lines: AsyncIterable<ParsedLine[]>) =>
  runImport(db.sql, { lines, format: 'ndjson', sourceName: 'bulk', actorId: 'key_test', clock: systemClock, batchSize: 10, copy: true, bulkAfter: 20 });

describe.runIf(testDatabaseUrl)('directory bulk load [postgres]', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('postgres');
  });
  afterAll(async () => {
    await db?.close();
  });

  it('drops the secondary indexes while a large import runs and builds them again at its end', async () => {
    const seen: number[] = [];
    const lines = [...valid(0, 60), { line: 61, problems: [{ field: 'email', reason: 'not a valid email address' }], raw: '{}' }];
    // The same id twice in one batch: the COPY refuses it, and the batch is merged instead.
    lines[5] = { line: 6, user: user(1, { name: 'Twice' }) };
    const report = await run(db, chunks(lines, async () => void seen.push((await missingSecondaryIndexes(db.sql)).length)));
    expect(report).toMatchObject({ status: 'completed', lines_read: 61, lines_imported: 60, lines_rejected: 1 });
    expect(seen.slice(0, 2)).toEqual([0, 0]);
    expect(seen.at(-1)).toBe(4);
    expect(await missingSecondaryIndexes(db.sql)).toEqual([]);
    const n = await count(db.sql`select count(*)::int as n from directory_users where data_categories && '{financial_account}'`);
    expect(n).toBe(20);
    const [twice] = await db.sql<{ name: string }[]>`select name from directory_users where external_id = 'b-0001'`;
    expect(twice!.name).toBe('Twice');
    expect(await count(db.sql`select count(*)::int as n from directory_users`)).toBe(59);
  });

  it('upserts by external id once an id is already known, a later line winning', async () => {
    const lines = [...valid(50, 90, { name: 'Again' }), { line: 41, user: user(55, { name: 'Last word' }) }];
    const report = await run(db, chunks(lines));
    expect(report).toMatchObject({ status: 'completed', lines_imported: 41 });
    const rows = await db.sql<{ external_id: string; name: string }[]>`
      select external_id, name from directory_users where external_id in ('b-0049', 'b-0050', 'b-0055', 'b-0089') order by 1`;
    expect(rows).toEqual([
      { external_id: 'b-0049', name: 'User 49' },
      { external_id: 'b-0050', name: 'Again' },
      { external_id: 'b-0055', name: 'Last word' },
      { external_id: 'b-0089', name: 'Again' },
    ]);
    const n = await count(db.sql`select count(*)::int as n from directory_users`);
    expect(n).toBe(89);
  });

  it('keeps the lines before a failure and still builds the indexes', async () => {
    async function* failing(): AsyncGenerator<ParsedLine[]> {
      yield* chunks(valid(200, 300));
      throw new Error('the upload broke off');
    }
    await expect(run(db, failing())).rejects.toThrow('the upload broke off');
    expect(await missingSecondaryIndexes(db.sql)).toEqual([]);
    const n = await count(db.sql`select count(*)::int as n from directory_users where external_id >= 'b-0200'`);
    expect(n).toBe(100);
    const [imp] = await db.sql<{ status: string }[]>`select status from directory_imports order by started_at desc limit 1`;
    expect(imp!.status).toBe('failed');
  });

  it('builds indexes a crashed bulk load left missing when the next import starts', async () => {
    await db.sql`drop index directory_users_categories`;
    await db.sql`drop index directory_users_created`;
    expect(await missingSecondaryIndexes(db.sql)).toEqual(['directory_users_categories', 'directory_users_created']);
    await run(db, chunks(valid(400, 405)));
    expect(await missingSecondaryIndexes(db.sql)).toEqual([]);
  });
});
