// A per-client request budget held in this process's memory: a token bucket per client key.
import type { Context } from 'hono';

export interface RateDecision {
  allowed: boolean;
  /** When refused: seconds until the next request would be allowed. */
  retryAfterSeconds: number;
}

export class ClientRateLimit {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perMs: number;

  /** `perMinute` requests a minute on average, with bursts up to `burst`. */
  constructor(
    private readonly perMinute: number,
    private readonly burst: number,
    private readonly now: () => number,
    /** Clients remembered at most; the longest idle are forgotten first when it is reached. */
    private readonly maxClients = 50_000,
  ) {
    this.perMs = perMinute / 60_000;
  }

  /** What `take` would answer now, without taking anything (for budgets spent only on failures). */
  peek(key: string): RateDecision {
    const b = this.buckets.get(key);
    const tokens = b ? Math.min(this.burst, b.tokens + (this.now() - b.at) * this.perMs) : this.burst;
    return tokens < 1 ? { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / this.perMs / 1000)) } : { allowed: true, retryAfterSeconds: 0 };
  }

  take(key: string): RateDecision {
    const t = this.now();
    const b = this.buckets.get(key);
    const tokens = b ? Math.min(this.burst, b.tokens + (t - b.at) * this.perMs) : this.burst;
    if (tokens < 1) {
      this.buckets.set(key, { tokens, at: t });
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / this.perMs / 1000)) };
    }
    // Re-inserted so the map stays in order of last use, oldest first.
    this.buckets.delete(key);
    this.buckets.set(key, { tokens: tokens - 1, at: t });
    if (this.buckets.size > this.maxClients) this.buckets.delete(this.buckets.keys().next().value!);
    return { allowed: true, retryAfterSeconds: 0 };
  }
}

/** The client a request comes from: the configured proxy header, the Workers client address, or the Node socket's. */
export function clientAddress(c: Context, header: string | undefined): string {
  if (header) {
    const v = c.req.header(header)?.split(',')[0]?.trim();
    if (v) return v;
  }
  const cf = c.req.header('cf-connecting-ip');
  if (cf) return cf;
  // @hono/node-server puts the request's IncomingMessage on the env; read it without importing anything of Node's.
  const socket = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket;
  return socket?.remoteAddress ?? 'unknown';
}
