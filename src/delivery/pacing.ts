// Pacing of sends: token buckets per provider and sender, shared by every worker, and retry delays with jitter.
import type { Db } from '../db/client.js';

/** What a sender waits on before a request: resolves when `cost` tokens (SMS: segments) may be spent. */
export interface Pacer {
  acquire(cost: number): Promise<void>;
}

export interface SharedBucketOptions {
  /** The bucket's name: every process pacing under the same key shares one rate. */
  key: string;
  /**
   * Tokens a second, and the most the bucket holds: a tenth of a second's worth unless given, so that after
   * a quiet spell no second sends more than 1.1 times the rate.
   */
  rate: number;
  burst?: number;
  sleep: (ms: number) => Promise<void>;
  /** The time the bucket refills by; the database's own clock when not given (the same for every process). */
  now?: () => Date;
}

/**
 * A token bucket kept in the database, so every worker process draws on one rate: a provider
 * limits the account, and a second worker must not double what it is sent. A process takes
 * tokens a slice at a time (a twentieth of a second's worth, or what a request costs), spends
 * them locally, and goes back to the database when they run out. A request costing more than the
 * bucket holds (a batch of multi-part SMS) is let through from a full bucket and the debt paid off
 * before the next, so the rate holds over time.
 */
export class SharedTokenBucket implements Pacer {
  readonly burst: number;
  private readonly slice: number;
  private reserve = 0;
  private ready: Promise<unknown> | null = null;
  private turn: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly options: SharedBucketOptions,
  ) {
    this.burst = options.burst ?? Math.max(1, options.rate / 10);
    this.slice = Math.max(1, Math.min(this.burst, options.rate / 20));
  }

  /** Concurrent requests of one process queue here, so only one of them asks the database at a time. */
  acquire(cost: number): Promise<void> {
    const mine = this.turn.then(() => this.take(cost));
    this.turn = mine.catch(() => undefined);
    return mine;
  }

  private async take(cost: number): Promise<void> {
    while (this.reserve < cost) {
      // A new bucket starts empty: the first second sends no more than the rate.
      this.ready ??= this.db`
        insert into send_rate_buckets (key, tokens, refilled_at) values (${this.options.key}, 0, coalesce(${this.at()}::timestamptz, clock_timestamp()))
        on conflict (key) do nothing`.catch((err: unknown) => {
        this.ready = null;
        throw err;
      });
      await this.ready;
      const owed = cost - this.reserve;
      const [row] = await this.db<{ granted: number; wait_ms: number }[]>`
        with cur as (
          select least(${this.burst}::float8,
                   b.tokens + greatest(0, extract(epoch from (n.t - b.refilled_at))) * ${this.options.rate}::float8) as avail,
                 greatest(n.t, b.refilled_at) as t
          from send_rate_buckets b, (select coalesce(${this.at()}::timestamptz, clock_timestamp()) as t) n
          where b.key = ${this.options.key}
          for update of b),
        g as (
          select avail, t,
            case when avail >= least(${owed}::float8, ${this.burst}::float8)
              then greatest(${owed}::float8, least(${Math.max(owed, this.slice)}::float8, avail)) else 0 end as granted
          from cur)
        update send_rate_buckets b set tokens = g.avail - g.granted, refilled_at = g.t
        from g where b.key = ${this.options.key}
        returning g.granted::float8 as granted,
          ceil(greatest(0, least(${owed}::float8, ${this.burst}::float8) - g.avail) / ${this.options.rate}::float8 * 1000)::float8 as wait_ms`;
      if (!row) {
        // The row went away (a cleared table): make it again.
        this.ready = null;
        continue;
      }
      this.reserve += row.granted;
      if (this.reserve < cost) await this.options.sleep(Math.max(1, row.wait_ms));
    }
    this.reserve -= cost;
  }

  private at(): Date | null {
    return this.options.now ? this.options.now() : null;
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
