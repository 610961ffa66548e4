// A fake of the company's app back end receiving in-app notices as Standard Webhooks: it checks each request
// with the `standardwebhooks` package's own verifier, and answers as a strict receiver does.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { BodyTooLarge, FaultController, HeldResponses, Latency, listen, readBody, sendJson, sleep, type FaultPolicy, type LatencySetting } from './fault-injection.js';

/** One notice the app accepted and would show to the user. */
export interface ReceivedNotice {
  webhookId: string;
  /** Exactly what came over the wire, to verify again in a test. */
  rawBody: string;
  headers: Record<string, string>;
  payload: {
    type: string;
    timestamp: string;
    data: { delivery_id: string; external_id: string; locale: string; title: string; body: string; notice_url: string | null; content_hash: string };
  };
}

export interface FakeAppOptions {
  /** `whsec_…`; a fresh one by default. */
  secret?: string;
  faults?: FaultPolicy;
  /** How late every create (or webhook) answer comes (`200`, `'100-300'`); 0 by default. */
  latency?: LatencySetting;
  /** Users the app does not know answer 404; when unset every id is known. */
  knownUsers?: string[];
  /** Per user: an answer other than 2xx the app gives (e.g. 410 for an account closed in the app). */
  answers?: Record<string, number>;
}

export interface FakeAppStats {
  requests: number;
  accepted: number;
  /** Requests whose webhook-id had been accepted before (answered 200, not shown twice). */
  repeats: number;
  /** Refused: bad or missing signature, stale timestamp. */
  unverified: number;
  /** Refused: not the shape the app expects. */
  malformed: number;
}

export const newWebhookSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

export class FakeAppBackend {
  readonly secret: string;
  readonly faults: FaultController;
  readonly latency: Latency;
  readonly received: ReceivedNotice[] = [];
  readonly stats: FakeAppStats = { requests: 0, accepted: 0, repeats: 0, unverified: 0, malformed: 0 };
  /** Every request's webhook-id, in order of arrival (retries included). */
  readonly attempts: string[] = [];
  readonly path = '/hooks/breach-notices';
  port = 0;
  private readonly verifier: Webhook;
  private readonly held = new HeldResponses();
  private readonly known: Set<string> | null;
  private readonly answers: Map<string, number>;
  private closer: (() => Promise<void>) | null = null;

  constructor(options: FakeAppOptions = {}) {
    this.secret = options.secret ?? newWebhookSecret();
    this.verifier = new Webhook(this.secret);
    this.faults = new FaultController(options.faults);
    this.latency = new Latency(options.latency);
    this.known = options.knownUsers ? new Set(options.knownUsers) : null;
    this.answers = new Map(Object.entries(options.answers ?? {}));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}${this.path}`;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: `fake failure: ${String(error)}` });
      });
    });
    const { port, close } = await listen(server, this.held);
    this.port = port;
    this.closer = close;
    return this;
  }

  async close(): Promise<void> {
    await this.closer?.();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.stats.requests++;
    if (req.method !== 'POST' || req.url !== this.path) return sendJson(res, 404, { error: 'not found' });
    if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) return sendJson(res, 415, { error: 'content-type must be application/json' });
    let raw: Buffer;
    try {
      raw = await readBody(req, 256 * 1024);
    } catch (err) {
      if (err instanceof BodyTooLarge) return sendJson(res, 413, { error: 'body too large' });
      throw err;
    }
    const headers = Object.fromEntries(Object.entries(req.headers).filter((e): e is [string, string] => typeof e[1] === 'string'));
    this.attempts.push(headers['webhook-id'] ?? '');

    const fault = this.faults.next();
    const late = this.latency.next();
    if (late > 0) await sleep(late);
    if (fault?.kind === 'rate-limit') return sendJson(res, 429, { error: 'slow down' }, { 'Retry-After': String(fault.retryAfterSeconds ?? 1) });
    if (fault?.kind === 'slow') await sleep(fault.ms);

    // The package's own check: the three headers, the signature over id.timestamp.body, a timestamp within five minutes.
    let payload: ReceivedNotice['payload'];
    try {
      payload = this.verifier.verify(raw.toString('utf8'), headers) as ReceivedNotice['payload'];
    } catch {
      this.stats.unverified++;
      return sendJson(res, 401, { error: 'signature verification failed' });
    }
    const d = payload?.data;
    if (
      payload?.type !== 'breach_notice.created' ||
      !d ||
      typeof d.external_id !== 'string' ||
      d.external_id === '' ||
      typeof d.delivery_id !== 'string' ||
      typeof d.title !== 'string' ||
      d.title === '' ||
      typeof d.body !== 'string' ||
      d.body === '' ||
      !['en', 'zh-CN'].includes(d.locale) ||
      (d.notice_url !== null && !/^https?:\/\//.test(d.notice_url))
    ) {
      this.stats.malformed++;
      return sendJson(res, 422, { error: 'unexpected payload' });
    }
    if (this.known && !this.known.has(d.external_id)) return sendJson(res, 404, { error: 'no such user' });
    const answer = this.answers.get(d.external_id);
    if (answer) return sendJson(res, answer, { error: `answer ${answer} for this user` });

    const id = headers['webhook-id']!;
    const repeat = this.received.some((r) => r.webhookId === id);
    // A failing answer stores the notice only when the fault says so (the ambiguous case).
    const failing = fault?.kind === 'server-error' || fault?.kind === 'timeout' || fault?.kind === 'reset';
    const accepted = failing ? fault.accepted === true : true;
    if (!repeat && accepted) {
      this.received.push({ webhookId: id, rawBody: raw.toString('utf8'), headers, payload });
      this.stats.accepted++;
    } else if (repeat) this.stats.repeats++;

    if (fault?.kind === 'server-error') return sendJson(res, fault.status ?? 500, { error: 'internal error' });
    if (fault?.kind === 'timeout') return this.held.hold(res);
    if (fault?.kind === 'reset') return void req.socket.destroy();
    sendJson(res, 200, { ok: true });
  }
}

export function startFakeAppBackend(options: FakeAppOptions = {}): Promise<FakeAppBackend> {
  return new FakeAppBackend(options).start();
}
