import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { arrayLiteral, parseArrayLiteral } from '../../src/db/array-types.js';
import { connectWorkerDatabase } from '../../src/db/worker-client.js';
import { testDatabaseUrl } from '../helpers/db.js';

const text = { parse: (x: string) => x, serialize: (x: unknown) => String(x) };

describe('array literals without fetched types', () => {
  it('writes and reads back any text array, quotes, backslashes, braces, NULL and empty strings included', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.constantFrom('NULL', 'null', '', ' a ', '{x}', 'a,b', '"', '\\'))), (values) => {
        expect(parseArrayLiteral(arrayLiteral(values, text), text.parse)).toEqual(values);
      }),
    );
  });

  it('reads nested arrays, NULL elements and a dimension decoration', () => {
    expect(parseArrayLiteral('{{1,2},{3,NULL}}', Number)).toEqual([[1, 2], [3, null]]);
    expect(parseArrayLiteral('[0:1]={a,b}', String)).toEqual(['a', 'b']);
    expect(parseArrayLiteral('{}', String)).toEqual([]);
  });
});

describe.runIf(testDatabaseUrl)('a Workers client (fetch_types off) on PostgreSQL', () => {
  it('sends and receives arrays of every kind the app uses', async () => {
    const sql = connectWorkerDatabase(testDatabaseUrl!);
    try {
      const at = new Date('2026-01-02T03:04:05.000Z');
      const [row] = await sql<{ t: string[]; b: bigint[]; ts: Date[]; j: unknown[]; n: number; any: boolean }[]>`
        select ${['a', 'b c', 'd"e', 'NULL', '']}::text[] as t, ${[1, 2, 3]}::bigint[] as b, ${[at.toISOString()]}::timestamptz[] as ts,
          array['{"k":1}'::jsonb] as j, cardinality(${['x', 'y']}::text[]) as n, 2 = any(${['1', '2']}::bigint[]) as any`;
      expect(row!.t).toEqual(['a', 'b c', 'd"e', 'NULL', '']);
      expect(row!.b).toEqual([1n, 2n, 3n]);
      expect(row!.ts).toEqual([at]);
      expect(row!.j).toEqual([{ k: 1 }]);
      expect(row!.n).toBe(2);
      expect(row!.any).toBe(true);
      // A parameter typed by its column, with no cast in the statement.
      await sql`create temporary table arrays_check (tags text[])`;
      await sql`insert into arrays_check (tags) values (${['x', 'y,z']})`;
      expect((await sql<{ tags: string[] }[]>`select tags from arrays_check`)[0]!.tags).toEqual(['x', 'y,z']);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });
});
