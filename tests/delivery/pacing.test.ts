import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../src/delivery/pacing.js';

describe('TokenBucket', () => {
  it('paces takes to its rate', () => {
    const bucket = new TokenBucket(100, 100, 0);
    expect(bucket.take(100, 0)).toBe(0);
    expect(bucket.take(50, 0)).toBe(500);
    expect(bucket.take(50, 500)).toBe(0);
  });

  it('can start empty, so the first second sends no more than the rate', () => {
    const bucket = new TokenBucket(100, 100, 0, 0);
    expect(bucket.take(1, 0)).toBe(10);
    let now = 0;
    let sent = 0;
    while (now < 1000) {
      const wait = bucket.take(1, now);
      if (wait === 0) sent++;
      else now += wait;
    }
    expect(sent).toBeLessThanOrEqual(100);
    expect(sent).toBeGreaterThanOrEqual(99);
  });

  it('lets a batch costing more than the burst through, and makes the next take wait off the debt', () => {
    // 100 SMS of three segments against 100 segments a second: a take that could never fit used to wait forever.
    const bucket = new TokenBucket(100, 100, 0);
    let now = 0;
    let sent = 0;
    for (let batch = 0; batch < 10; batch++) {
      for (let wait = bucket.take(300, now); wait > 0; wait = bucket.take(300, now)) now += wait;
      sent += 300;
    }
    // 3,000 segments, the first 100 from the full bucket: 29 seconds at 100 a second.
    expect(sent).toBe(3000);
    expect(now).toBeGreaterThanOrEqual(27_000);
    expect(now).toBeLessThanOrEqual(29_000);
  });
});
