import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SharedTokenBucket } from '../../src/delivery/pacing.js';
import { createTestDatabase, dbModes, type TestDatabase } from '../helpers/db.js';

/** A clock that only the sleeps move on: pacing is checked in simulated time, never measured. */
function simulatedTime() {
  const start = Date.parse('2026-01-01T00:00:00Z');
  let t = start;
  return { now: () => new Date(t), sleep: async (ms: number) => void (t += ms), elapsedMs: () => t - start };
}

for (const mode of dbModes) {
  describe(`SharedTokenBucket [${mode}]`, () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase(mode);
    });
    afterAll(() => db.close());

    it('starts empty and lets through no more than its rate', async () => {
      const time = simulatedTime();
      const bucket = new SharedTokenBucket(db.sql, { key: 'rate', rate: 100, ...time });
      for (let i = 0; i < 500; i++) await bucket.acquire(1);
      // 500 tokens at 100 a second from an empty bucket: 5 seconds, give or take the last slice.
      expect(time.elapsedMs()).toBeGreaterThanOrEqual(4900);
      expect(time.elapsedMs()).toBeLessThanOrEqual(5100);
    });

    it('holds two processes under one key to one rate, and keeps other keys apart', async () => {
      /** Two processes taking a token in turn, 200 each, under the given keys: the simulated time it took. */
      const takeInTurn = async (keys: [string, string]) => {
        const time = simulatedTime();
        const [a, b] = keys.map((key) => new SharedTokenBucket(db.sql, { key, rate: 100, ...time }));
        for (let i = 0; i < 200; i++) {
          await a!.acquire(1);
          await b!.acquire(1);
        }
        return time.elapsedMs();
      };
      // 400 tokens between them at 100 a second: 4 seconds, not the 2 that two separate rates would take.
      const shared = await takeInTurn(['shared', 'shared']);
      expect(shared).toBeGreaterThanOrEqual(3900);
      expect(shared).toBeLessThanOrEqual(4100);
      const apart = await takeInTurn(['apart-1', 'apart-2']);
      expect(apart).toBeGreaterThanOrEqual(1900);
      expect(apart).toBeLessThanOrEqual(2100);
    });

    it('holds only a tenth of a second after a quiet spell, so no second sends much more than the rate', async () => {
      const time = simulatedTime();
      const bucket = new SharedTokenBucket(db.sql, { key: 'quiet', rate: 100, ...time });
      await bucket.acquire(1);
      await time.sleep(60_000);
      const before = time.elapsedMs();
      for (let i = 0; i < 110; i++) await bucket.acquire(1);
      // 110 tokens: 10 held, 100 more at 100 a second.
      expect(time.elapsedMs() - before).toBeGreaterThanOrEqual(990);
      expect(time.elapsedMs() - before).toBeLessThanOrEqual(1010);
    });

    it('serves concurrent requests of one process in turn', async () => {
      const time = simulatedTime();
      const bucket = new SharedTokenBucket(db.sql, { key: 'concurrent', rate: 100, ...time });
      let done = 0;
      await Promise.all(Array.from({ length: 300 }, () => bucket.acquire(1).then(() => done++)));
      expect(done).toBe(300);
      expect(time.elapsedMs()).toBeGreaterThanOrEqual(2900);
      expect(time.elapsedMs()).toBeLessThanOrEqual(3100);
    });

    it('makes its row again when the table was cleared, starting empty', async () => {
      const time = simulatedTime();
      const bucket = new SharedTokenBucket(db.sql, { key: 'cleared', rate: 100, ...time });
      await bucket.acquire(5);
      await db.sql`delete from send_rate_buckets where key = 'cleared'`;
      const before = time.elapsedMs();
      await bucket.acquire(50);
      await bucket.acquire(1);
      const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from send_rate_buckets where key = 'cleared'`;
      expect(row!.n).toBe(1);
      // All 51 come from a new, empty bucket at 100 a second (the 50 at once, on credit, once it holds its tenth of a second).
      expect(time.elapsedMs() - before).toBeGreaterThanOrEqual(500);
      expect(time.elapsedMs() - before).toBeLessThanOrEqual(520);
    });

    it('lets a request costing more than the bucket holds through, and makes the next wait off the debt', async () => {
      // Batches of 100 three-segment SMS against 100 segments a second: a take that could never fit must not wait forever.
      const time = simulatedTime();
      const bucket = new SharedTokenBucket(db.sql, { key: 'debt', rate: 100, ...time });
      for (let batch = 0; batch < 10; batch++) await bucket.acquire(300);
      // The first from a full bucket after 1 s, each later one 3 s after the one before: 28 s for 3,000 segments.
      expect(time.elapsedMs()).toBeGreaterThanOrEqual(27_000);
      expect(time.elapsedMs()).toBeLessThanOrEqual(29_000);
    });
  });
}
