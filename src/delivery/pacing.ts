// Pacing of sends: token buckets per provider and sender, and retry delays with jitter.

/** A token bucket: `rate` tokens a second, holding at most `burst`. SMS spend one token per segment. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  /** `initial`: tokens at the start; the workers start empty, so a restart never sends a burst on top of the rate. */
  constructor(
    readonly rate: number,
    readonly burst: number,
    now: number,
    initial = burst,
  ) {
    this.tokens = Math.min(burst, initial);
    this.last = now;
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }

  /**
   * Takes `cost` tokens if it can; otherwise says how many milliseconds until it could. A cost above
   * `burst` (a batch of multi-part SMS) would never fit: it is taken from a full bucket and the debt paid
   * off before the next take, so the rate holds over time.
   */
  take(cost: number, now: number): number {
    this.refill(now);
    const needed = Math.min(cost, this.burst);
    if (this.tokens >= needed) {
      this.tokens -= cost;
      return 0;
    }
    return Math.max(1, Math.ceil(((needed - this.tokens) / this.rate) * 1000));
  }
}

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  maxAttempts: number;
}

export const defaultBackoff: BackoffPolicy = { baseMs: 2000, maxMs: 5 * 60_000, maxAttempts: 8 };

/** Exponential backoff with full jitter: a random wait up to base·2^(attempt-1), capped. */
export function retryDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(policy.baseMs / 2 + random() * (ceiling - policy.baseMs / 2));
}
