// Shared plumbing for the provider fakes: seeded fault injection, held connections, body reading and webhook dispatch.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What a fake does to one request instead of (or before) answering it normally. */
export type Fault =
  /** 429 with the provider's rate-limit body and headers; the request is not processed. */
  | { kind: 'rate-limit'; retryAfterSeconds?: number }
  /** A 5xx. `accepted: true` means the provider took the message anyway: the ambiguous case. */
  | { kind: 'server-error'; status?: number; accepted?: boolean }
  /** The connection is held open and never answered, until the client gives up or the fake closes. */
  | { kind: 'timeout'; accepted?: boolean }
  /** The socket is destroyed without an answer. */
  | { kind: 'reset'; accepted?: boolean }
  /** A normal answer, `ms` late. */
  | { kind: 'slow'; ms: number };

/** Probabilities (0–1) per request; the rest are answered normally. Drawn from a seeded generator, so runs repeat. */
export interface FaultPolicy {
  seed?: number;
  rateLimit?: number;
  serverError?: number;
  timeout?: number;
  reset?: number;
  slow?: number;
  /** Delay of a `slow` answer; 200 ms by default. */
  slowMs?: number;
  /** Share of 5xx/timeout/reset faults that happen after the message was accepted. */
  acceptedWhenFailing?: number;
  /** `Retry-After`/reset horizon for injected 429s, in seconds; 1 by default. */
  retryAfterSeconds?: number;
}

/** mulberry32: a small seeded generator, plenty for spreading faults. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Decides the fault for each request: scripted faults first, in order, then the probabilistic policy. */
export class FaultController {
  private policy: FaultPolicy = {};
  private random: () => number = seededRandom(1);
  private scripted: Array<Fault | null> = [];
  readonly injected = { rateLimit: 0, serverError: 0, timeout: 0, reset: 0, slow: 0 };

  constructor(policy?: FaultPolicy) {
    if (policy) this.setPolicy(policy);
  }

  setPolicy(policy: FaultPolicy): void {
    this.policy = { ...policy };
    this.random = seededRandom(policy.seed ?? 1);
  }

  /** The next requests get these faults, one each (`null` = answer normally), before the policy applies again. */
  script(...faults: Array<Fault | null>): void {
    this.scripted.push(...faults);
  }

  /** No policy, no script. */
  clear(): void {
    this.policy = {};
    this.scripted = [];
  }

  next(): Fault | null {
    const fault = this.scripted.length > 0 ? (this.scripted.shift() ?? null) : this.draw();
    if (fault) {
      const key = fault.kind === 'rate-limit' ? 'rateLimit' : fault.kind === 'server-error' ? 'serverError' : fault.kind;
      this.injected[key]++;
    }
    return fault;
  }

  private draw(): Fault | null {
    const p = this.policy;
    const total = (p.rateLimit ?? 0) + (p.serverError ?? 0) + (p.timeout ?? 0) + (p.reset ?? 0) + (p.slow ?? 0);
    if (total <= 0) return null;
    const r = this.random();
    const accepted = () => this.random() < (p.acceptedWhenFailing ?? 0);
    let edge = p.rateLimit ?? 0;
    if (r < edge) return { kind: 'rate-limit', retryAfterSeconds: p.retryAfterSeconds ?? 1 };
    edge += p.serverError ?? 0;
    if (r < edge) return { kind: 'server-error', status: 500, accepted: accepted() };
    edge += p.timeout ?? 0;
    if (r < edge) return { kind: 'timeout', accepted: accepted() };
    edge += p.reset ?? 0;
    if (r < edge) return { kind: 'reset', accepted: accepted() };
    edge += p.slow ?? 0;
    if (r < edge) return { kind: 'slow', ms: p.slowMs ?? 200 };
    return null;
  }
}

/**
 * How late a fake answers every request, as real providers do (100–300 ms): a fixed number of ms (`200`,
 * `'200'`) or a uniform range (`'100-300'`, `{ min: 100, max: 300 }`). Drawn from a seeded generator.
 */
export type LatencySetting = number | string | { min: number; max: number };

export class Latency {
  private readonly min: number;
  private readonly max: number;
  private readonly random: () => number;

  constructor(setting: LatencySetting | undefined, seed = 7) {
    const range = parseLatency(setting ?? 0);
    this.min = range.min;
    this.max = range.max;
    this.random = seededRandom(seed);
  }

  /** The delay for the next request, in ms. */
  next(): number {
    return this.max === this.min ? this.min : this.min + this.random() * (this.max - this.min);
  }

  toString(): string {
    return this.max === this.min ? `${this.min} ms` : `${this.min}–${this.max} ms uniform`;
  }
}

export function parseLatency(setting: LatencySetting): { min: number; max: number } {
  if (typeof setting === 'number') return check({ min: setting, max: setting }, String(setting));
  if (typeof setting === 'object') return check(setting, JSON.stringify(setting));
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:-\s*(\d+(?:\.\d+)?)\s*)?$/.exec(setting);
  if (!m) throw new Error(`latency '${setting}': expected milliseconds ('200') or a range ('100-300')`);
  return check({ min: Number(m[1]), max: Number(m[2] ?? m[1]) }, setting);
}

function check(r: { min: number; max: number }, text: string): { min: number; max: number } {
  if (!(r.min >= 0 && r.max >= r.min)) throw new Error(`latency '${text}': expected 0 ≤ min ≤ max`);
  return r;
}

/** Responses held open by `timeout` faults; released when the fake closes. */
export class HeldResponses {
  private readonly held = new Set<ServerResponse>();

  hold(res: ServerResponse): void {
    this.held.add(res);
    res.on('close', () => this.held.delete(res));
  }

  get size(): number {
    return this.held.size;
  }

  releaseAll(): void {
    for (const res of this.held) res.destroy();
    this.held.clear();
  }
}

export class BodyTooLarge extends Error {}

export async function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw new BodyTooLarge(`body over ${limitBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { ...(text ? { 'Content-Type': 'application/json' } : {}), 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export { sleep } from '../../src/lib/sleep.js';

/** Starts a server on 127.0.0.1 and a random port; returns its base URL and a close that also drops open sockets. */
export async function listen(server: Server, held: HeldResponses): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        held.releaseAll();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Where a fake posts webhooks: a URL (real HTTP) or an in-process handler such as a Hono app's `fetch`. */
export type WebhookTarget = string | ((request: Request) => Response | Promise<Response>);

export interface WebhookResult {
  status: number;
  body: string;
}

/**
 * Posts a webhook. A string target is the URL to post to; a function target gets a request built for
 * `publicUrl` (the URL the provider signed) without any network in between.
 */
export async function dispatchWebhook(
  target: WebhookTarget,
  publicUrl: string,
  init: { headers: Record<string, string>; body: string },
): Promise<WebhookResult> {
  const request = new Request(typeof target === 'string' ? target : publicUrl, { method: 'POST', headers: init.headers, body: init.body });
  const response = typeof target === 'function' ? await target(request) : await fetch(request, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: await response.text() };
}
