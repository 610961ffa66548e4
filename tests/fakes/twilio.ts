// A local stand-in for Twilio's Messages and Calls REST API: validates like the real API, records what it accepts, injects faults and sends signed status callbacks.
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  BodyTooLarge,
  dispatchWebhook,
  FaultController,
  HeldResponses,
  Latency,
  listen,
  readBody,
  sendJson,
  sleep,
  type Fault,
  type FaultPolicy,
  type LatencySetting,
  type WebhookResult,
  type WebhookTarget,
} from './fault-injection.js';

const API_VERSION = '2010-04-01';
const E164 = /^\+[1-9]\d{1,14}$/;
// An alphanumeric sender id: up to 11 characters with at least one letter.
const ALPHANUMERIC_SENDER = /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/;
const MESSAGING_SERVICE_SID = /^MG[0-9a-f]{32}$/;
const MAX_BODY_CHARS = 1600;
const MAX_TWIML_CHARS = 4000;
const POOL_NUMBER = '+15005550006';

/** Twilio's error body. */
export interface TwilioError {
  code: number;
  message: string;
  more_info: string;
  status: number;
}

export type MessageStatus = 'accepted' | 'queued' | 'sending' | 'sent' | 'delivered' | 'undelivered' | 'failed';
export type CallStatus = 'queued' | 'initiated' | 'ringing' | 'in-progress' | 'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled';

/** How the fake treats one destination number. Anything not configured is accepted and delivered. */
export interface NumberBehaviour {
  /** Refuse at create with this error code: 21211 invalid, 21610 unsubscribed (STOP), 21614 not mobile, 21408, 21611 … */
  createError?: number;
  /** Where an accepted message ends: `sent` models a carrier that never confirms. */
  messageStatus?: 'delivered' | 'undelivered' | 'failed' | 'sent';
  /** The callback `ErrorCode` for undelivered/failed messages or failed calls (30003, 30005, 30006, 30007 …). */
  errorCode?: number;
  callStatus?: 'completed' | 'busy' | 'no-answer' | 'failed';
}

export interface FakeTwilioOptions {
  accountSid?: string;
  authToken?: string;
  faults?: FaultPolicy;
  /** How late every create (or webhook) answer comes (`200`, `'100-300'`); 0 by default. */
  latency?: LatencySetting;
  /** `full` keeps every message and call (needed for lookups and callbacks); `counts` keeps counters only. */
  record?: 'full' | 'counts';
  /** The StatusCallback query parameter that identifies one delivery; duplicates are counted by it. */
  correlationParam?: string;
  numbers?: Record<string, NumberBehaviour>;
  /**
   * Where status callbacks go. Unset: the StatusCallback URL itself. A string: a base URL that replaces the
   * callback's origin (the signature still covers the original URL, as behind a proxy). A function: an
   * in-process handler such as `app.fetch`, given a request for the original URL.
   */
  callbackTarget?: WebhookTarget;
  /**
   * The account's limit on requests at once, as Twilio enforces it: a request that arrives while this many are
   * being answered gets 429 with error 20429 ("never processed and always safe to retry"). Unlimited by default.
   */
  concurrentRequests?: number;
}

interface Recorded {
  sid: string;
  /** The form fields as posted. */
  params: Record<string, string | string[]>;
  statusCallback: string | undefined;
  correlation: string | undefined;
  callbacks: Array<{ status: string; result: WebhookResult | null }>;
  final: boolean;
}

export interface FakeMessage extends Recorded {
  resource: Record<string, unknown> & { sid: string; status: MessageStatus; to: string; body: string; error_code: number | null };
}

export interface FakeCall extends Recorded {
  resource: Record<string, unknown> & { sid: string; status: CallStatus; to: string };
  statusCallbackEvents: string[];
}

export interface FakeTwilioStats {
  requests: number;
  messagesCreated: number;
  callsCreated: number;
  /** 4xx answers to create requests (validation and configured create errors). */
  rejected: number;
  unauthorized: number;
  callbacksPosted: number;
  /** Segments of the messages created, and when the first and last of their requests arrived (performance.now() ms): the pace a sender keeps, seen from the provider. */
  segmentsCreated: number;
  firstMessageArrivedAt: number | null;
  lastMessageArrivedAt: number | null;
  /** Segments of the first message that arrived: the pace is what came after it, over the time between. */
  firstMessageSegments: number;
  /** The most requests being answered at one moment, and those refused over `concurrentRequests`. */
  mostAtOnce: number;
  refusedOverConcurrency: number;
}

const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM7_EXTENDED = '\f^{}\\[~]|€';

/** SMS segments: GSM-7 160 / 153 per part; any other character makes the whole message UCS-2, 70 / 67. */
export function countSegments(body: string): number {
  let units = 0;
  let gsm = true;
  for (const ch of body) {
    if (GSM7_BASIC.includes(ch)) units += 1;
    else if (GSM7_EXTENDED.includes(ch)) units += 2;
    else {
      gsm = false;
      break;
    }
  }
  if (!gsm) units = body.length; // UTF-16 code units: a character outside the BMP takes two
  const [single, part] = gsm ? [160, 153] : [70, 67];
  if (units === 0) return 1;
  return units <= single ? 1 : Math.ceil(units / part);
}

/** The signature Twilio puts in X-Twilio-Signature: HMAC-SHA1 of the URL and the sorted fields, base64. */
export function twilioSignature(authToken: string, url: string, params: Record<string, string | string[]>): string {
  let text = url;
  for (const name of Object.keys(params).sort()) {
    const value = params[name]!;
    const values = Array.isArray(value) ? [...new Set(value)].sort() : [value];
    for (const v of values) text += name + v;
  }
  return createHmac('sha1', authToken).update(Buffer.from(text, 'utf8')).digest('base64');
}

function rfc2822(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}

function sid(prefix: string): string {
  return prefix + randomBytes(16).toString('hex');
}

function twilioError(code: number, status: number, message: string): TwilioError {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

const CREATE_ERROR_TEXT: Record<number, string> = {
  21211: "The 'To' number is not a valid phone number.",
  21408: 'Sending to this region is not enabled on the account.',
  21608: 'A trial account can only send to verified numbers.',
  21610: 'The recipient has opted out (STOP) from this sender.',
  21611: 'The sender has too many messages queued.',
  21612: 'This route between sender and recipient is not supported.',
  21614: "The 'To' number is not a mobile number.",
  21635: "The 'To' number is a landline.",
};

export class FakeTwilio {
  readonly faults: FaultController;
  readonly latency: Latency;
  readonly accountSid: string;
  readonly authToken: string;
  readonly messages: FakeMessage[] = [];
  readonly calls: FakeCall[] = [];
  /** Every 4xx create answer, newest last (full mode). */
  readonly rejections: TwilioError[] = [];
  /** Accepted messages and calls per correlation value (the StatusCallback query parameter). */
  readonly correlationCounts = new Map<string, number>();
  readonly stats: FakeTwilioStats = { requests: 0, messagesCreated: 0, callsCreated: 0, rejected: 0, unauthorized: 0, callbacksPosted: 0, segmentsCreated: 0, firstMessageArrivedAt: null, lastMessageArrivedAt: null, firstMessageSegments: 0, mostAtOnce: 0, refusedOverConcurrency: 0 };
  port = 0;

  private readonly numbers = new Map<string, NumberBehaviour>();
  private readonly bySid = new Map<string, FakeMessage | FakeCall>();
  private readonly held = new HeldResponses();
  private readonly record: 'full' | 'counts';
  private readonly correlationParam: string;
  private readonly callbackTarget: WebhookTarget | undefined;
  private closer: (() => Promise<void>) | null = null;
  private readonly concurrentRequests: number;
  private atOnce = 0;
  private autoTimer: NodeJS.Timeout | null = null;

  constructor(options: FakeTwilioOptions = {}) {
    this.accountSid = options.accountSid ?? `AC${'0'.repeat(31)}1`;
    this.authToken = options.authToken ?? 'fake-auth-token-0123456789abcdef';
    this.faults = new FaultController(options.faults);
    this.latency = new Latency(options.latency);
    this.record = options.record ?? 'full';
    this.correlationParam = options.correlationParam ?? 'delivery_id';
    this.callbackTarget = options.callbackTarget;
    this.concurrentRequests = options.concurrentRequests ?? Infinity;
    for (const [number, behaviour] of Object.entries(options.numbers ?? {})) this.numbers.set(number, behaviour);
  }

  /** Base URL (no trailing slash) to use instead of https://api.twilio.com. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get heldConnections(): number {
    return this.held.size;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, twilioError(20500, 500, `fake failure: ${String(error)}`));
      });
    });
    const { port, close } = await listen(server, this.held);
    this.port = port;
    this.closer = close;
    return this;
  }

  async close(): Promise<void> {
    if (this.autoTimer) clearInterval(this.autoTimer);
    await this.closer?.();
  }

  setNumber(number: string, behaviour: NumberBehaviour): void {
    this.numbers.set(number, behaviour);
  }

  find(sidValue: string): FakeMessage | FakeCall | undefined {
    return this.bySid.get(sidValue);
  }

  duplicates(): Array<[string, number]> {
    return [...this.correlationCounts].filter(([, n]) => n > 1);
  }

  // ------------------------------------------------------------ callbacks

  /** The callback fields Twilio would post for a message or call in `status`. */
  callbackParams(item: FakeMessage | FakeCall, status: string, errorCode?: number): Record<string, string> {
    const r = item.resource;
    if (item.sid.startsWith('SM')) {
      return {
        AccountSid: this.accountSid,
        ApiVersion: API_VERSION,
        From: String(r.from ?? POOL_NUMBER),
        MessageSid: item.sid,
        MessageStatus: status,
        SmsSid: item.sid,
        SmsStatus: status,
        To: r.to,
        ...(r.messaging_service_sid ? { MessagingServiceSid: String(r.messaging_service_sid) } : {}),
        ...(errorCode !== undefined ? { ErrorCode: String(errorCode) } : {}),
      };
    }
    return {
      AccountSid: this.accountSid,
      ApiVersion: API_VERSION,
      CallSid: item.sid,
      CallStatus: status,
      Called: r.to,
      Caller: String(r.from),
      Direction: 'outbound-api',
      From: String(r.from),
      To: r.to,
      Timestamp: rfc2822(new Date()),
      CallbackSource: 'call-progress-events',
      SequenceNumber: String(item.callbacks.length),
      ...(status === 'completed' ? { CallDuration: '12', Duration: '1' } : {}),
      ...(errorCode !== undefined ? { ErrorCode: String(errorCode) } : {}),
    };
  }

  /** Headers and body of a signed callback, for posting yourself (e.g. through `app.request`). */
  signedCallback(url: string, params: Record<string, string>): { body: string; headers: Record<string, string> } {
    return {
      body: new URLSearchParams(params).toString(),
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'User-Agent': 'TwilioProxy/1.1',
        'X-Twilio-Signature': twilioSignature(this.authToken, url, params),
        'I-Twilio-Idempotency-Token': randomBytes(16).toString('hex'),
      },
    };
  }

  /**
   * Moves a message or call to `status` and posts the signed callback to its StatusCallback, if it has one
   * (for calls only the events it subscribed to, `completed` by default). Returns the webhook's answer.
   */
  async advance(sidValue: string, status: MessageStatus | CallStatus, options: { errorCode?: number } = {}): Promise<WebhookResult | null> {
    const item = this.bySid.get(sidValue);
    if (!item) throw new Error(`no message or call ${sidValue}`);
    const now = new Date();
    item.resource.status = status as never;
    item.resource.date_updated = rfc2822(now);
    if (item.sid.startsWith('SM')) {
      const message = item as FakeMessage;
      if (status === 'sent' && !message.resource.date_sent) message.resource.date_sent = rfc2822(now);
      if (options.errorCode !== undefined) {
        message.resource.error_code = options.errorCode;
        message.resource.error_message = null;
      }
      if (!message.resource.from) message.resource.from = POOL_NUMBER;
    }
    if (!item.statusCallback || !this.wantsCallback(item, status)) {
      item.callbacks.push({ status, result: null });
      return null;
    }
    const params = this.callbackParams(item, status, options.errorCode);
    const signed = this.signedCallback(item.statusCallback, params);
    const target = this.callbackTarget;
    const result = await dispatchWebhook(
      typeof target === 'string' ? rebase(item.statusCallback, target) : (target ?? item.statusCallback),
      item.statusCallback,
      signed,
    ).catch((error: unknown) => ({ status: 0, body: String(error) }));
    item.callbacks.push({ status, result });
    if (result.status >= 200 && result.status < 300) this.stats.callbacksPosted++;
    return result;
  }

  /** The statuses an accepted message or call goes through, given its number's behaviour. */
  lifecycle(item: FakeMessage | FakeCall): Array<{ status: MessageStatus | CallStatus; errorCode?: number }> {
    const behaviour = this.numbers.get(item.resource.to) ?? {};
    if (item.sid.startsWith('SM')) {
      const end = behaviour.messageStatus ?? 'delivered';
      if (end === 'failed') return [{ status: 'failed', errorCode: behaviour.errorCode ?? 30008 }];
      if (end === 'sent') return [{ status: 'sent' }];
      if (end === 'undelivered') return [{ status: 'sent' }, { status: 'undelivered', errorCode: behaviour.errorCode ?? 30003 }];
      return [{ status: 'sent' }, { status: 'delivered' }];
    }
    const end = behaviour.callStatus ?? 'completed';
    const steps: Array<{ status: CallStatus; errorCode?: number }> = [{ status: 'initiated' }, { status: 'ringing' }];
    if (end === 'completed') steps.push({ status: 'in-progress' }, { status: 'completed' });
    else steps.push(end === 'failed' ? { status: 'failed', errorCode: behaviour.errorCode ?? 32009 } : { status: end });
    return steps;
  }

  /**
   * Runs every unfinished message and call to its end, posting callbacks. `reverse` posts them newest
   * status first (out of order); `duplicate` posts each twice.
   */
  async completeAll(options: { reverse?: boolean; duplicate?: boolean; concurrency?: number } = {}): Promise<{ completed: number; callbacks: number; failedCallbacks: number }> {
    const open = [...this.messages, ...this.calls].filter((item) => !item.final);
    let callbacks = 0;
    let failedCallbacks = 0;
    const run = async (item: FakeMessage | FakeCall) => {
      item.final = true;
      let steps = this.lifecycle(item);
      if (options.reverse) steps = [...steps].reverse();
      for (const step of steps) {
        for (let i = 0; i < (options.duplicate ? 2 : 1); i++) {
          const result = await this.advance(item.sid, step.status, step.errorCode !== undefined ? { errorCode: step.errorCode } : {});
          if (result) {
            callbacks++;
            if (result.status < 200 || result.status >= 300) failedCallbacks++;
          }
        }
      }
      if (options.reverse) {
        // The resource keeps the real final status even when callbacks arrive out of order.
        const last = this.lifecycle(item).at(-1);
        if (last) item.resource.status = last.status as never;
      }
    };
    const concurrency = options.concurrency ?? 16;
    for (let i = 0; i < open.length; i += concurrency) await Promise.all(open.slice(i, i + concurrency).map(run));
    return { completed: open.length, callbacks, failedCallbacks };
  }

  /** Completes new messages and calls every `intervalMs` until `close()` or the returned stop function. */
  autoComplete(intervalMs = 100): () => void {
    let running = false;
    this.autoTimer = setInterval(() => {
      if (running) return;
      running = true;
      this.completeAll().finally(() => {
        running = false;
      });
    }, intervalMs);
    return () => {
      if (this.autoTimer) clearInterval(this.autoTimer);
      this.autoTimer = null;
    };
  }

  private wantsCallback(item: FakeMessage | FakeCall, status: string): boolean {
    if (!('statusCallbackEvents' in item)) return true;
    const events = item.statusCallbackEvents.length > 0 ? item.statusCallbackEvents : ['completed'];
    const event = status === 'in-progress' ? 'answered' : ['initiated', 'ringing'].includes(status) ? status : 'completed';
    return events.includes(event);
  }

  // ------------------------------------------------------------ HTTP

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.stats.requests++;
    if (this.atOnce >= this.concurrentRequests) {
      req.resume();
      this.stats.refusedOverConcurrency++;
      sendJson(res, 429, twilioError(20429, 429, 'Too Many Requests'));
      return;
    }
    this.atOnce++;
    this.stats.mostAtOnce = Math.max(this.stats.mostAtOnce, this.atOnce);
    try {
      await this.answer(req, res);
    } finally {
      this.atOnce--;
    }
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const route = /^\/2010-04-01\/Accounts\/([^/]+)\/(Messages|Calls)(?:\/([A-Za-z0-9]+))?\.json$/.exec(url.pathname);
    if (!route) {
      req.resume();
      sendJson(res, 404, twilioError(20404, 404, 'The requested resource was not found.'));
      return;
    }
    const [, pathAccount, collection, resourceSid] = route;

    const auth = req.headers.authorization ?? '';
    const decoded = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString('utf8') : '';
    if (decoded !== `${this.accountSid}:${this.authToken}`) {
      req.resume();
      this.stats.unauthorized++;
      sendJson(res, 401, twilioError(20003, 401, 'Authentication failed.'));
      return;
    }
    if (pathAccount !== this.accountSid) {
      req.resume();
      sendJson(res, 404, twilioError(20404, 404, 'The requested resource was not found.'));
      return;
    }

    if (req.method === 'GET') {
      req.resume();
      if (resourceSid) {
        const item = this.bySid.get(resourceSid);
        if (!item || !item.sid.startsWith(collection === 'Messages' ? 'SM' : 'CA')) sendJson(res, 404, twilioError(20404, 404, 'The requested resource was not found.'));
        else sendJson(res, 200, item.resource);
      } else this.list(collection as 'Messages' | 'Calls', url, res);
      return;
    }
    if (req.method !== 'POST' || resourceSid) {
      req.resume();
      sendJson(res, 405, twilioError(20004, 405, 'Method not allowed.'));
      return;
    }

    let raw: Buffer;
    try {
      raw = await readBody(req, 1024 * 1024);
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        sendJson(res, 413, twilioError(20413, 413, 'Request body too large.'));
        req.socket.destroy();
        return;
      }
      throw error;
    }

    const arrivedAt = performance.now();
    const fault = this.faults.next();
    const late = this.latency.next();
    if (late > 0) await sleep(late);
    if (fault?.kind === 'slow') await sleep(fault.ms);
    if (fault?.kind === 'rate-limit') {
      sendJson(res, 429, twilioError(20429, 429, 'Too Many Requests'), { 'Retry-After': String(fault.retryAfterSeconds ?? 1) });
      return;
    }
    if (fault && isFailure(fault) && !fault.accepted) return this.fail(res, fault);

    const params = formFields(raw.toString('utf8'));
    const single = (name: string): string | undefined => {
      const v = params[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const problem = collection === 'Messages' ? this.validateMessage(single) : this.validateCall(single, params);
    if (problem) {
      this.stats.rejected++;
      if (this.record === 'full') this.rejections.push(problem);
      sendJson(res, problem.status, problem);
      return;
    }
    const resource = collection === 'Messages' ? this.acceptMessage(params, single, arrivedAt) : this.acceptCall(params, single);
    if (fault && isFailure(fault)) return this.fail(res, fault);
    sendJson(res, 201, resource);
  }

  private fail(res: ServerResponse, fault: Extract<Fault, { kind: 'server-error' | 'timeout' | 'reset' }>): void {
    if (fault.kind === 'timeout') this.held.hold(res);
    else if (fault.kind === 'reset') res.socket?.destroy();
    else {
      const status = fault.status ?? 500;
      sendJson(res, status, twilioError(status === 503 ? 20503 : 20500, status, 'Internal Server Error'));
    }
  }

  private destinationError(to: string): TwilioError | null {
    const code = this.numbers.get(to)?.createError;
    if (code === undefined) return null;
    return twilioError(code, 400, CREATE_ERROR_TEXT[code] ?? `Refused with error ${code}.`);
  }

  private validateMessage(get: (name: string) => string | undefined): TwilioError | null {
    const to = get('To');
    if (!to) return twilioError(21604, 400, "A 'To' phone number is required.");
    if (!E164.test(to)) return twilioError(21211, 400, CREATE_ERROR_TEXT[21211]!);
    const from = get('From');
    const service = get('MessagingServiceSid');
    if (!from && !service) return twilioError(21603, 400, "Either 'From' or 'MessagingServiceSid' is required.");
    if (from && !E164.test(from) && !ALPHANUMERIC_SENDER.test(from)) return twilioError(21212, 400, "The 'From' number is not valid.");
    if (service && !MESSAGING_SERVICE_SID.test(service)) return twilioError(21701, 400, 'The Messaging Service SID is not valid.');
    const body = get('Body');
    if (!body && !get('MediaUrl') && !get('ContentSid')) return twilioError(21602, 400, 'A message body is required.');
    if (body && [...body].length > MAX_BODY_CHARS) return twilioError(21617, 400, `The body is over ${MAX_BODY_CHARS} characters.`);
    const callback = get('StatusCallback');
    if (callback !== undefined && !isCallbackUrl(callback)) return twilioError(21609, 400, 'The StatusCallback URL is not valid.');
    return this.destinationError(to);
  }

  private validateCall(get: (name: string) => string | undefined, params: Record<string, string | string[]>): TwilioError | null {
    const to = get('To');
    if (!to) return twilioError(21201, 400, "A 'To' number is required.");
    if (!E164.test(to)) return twilioError(21211, 400, CREATE_ERROR_TEXT[21211]!);
    const from = get('From');
    if (!from) return twilioError(21213, 400, "A 'From' number is required.");
    if (!E164.test(from)) return twilioError(21212, 400, "The 'From' number is not valid.");
    const twiml = get('Twiml');
    if (!twiml && !get('Url') && !get('ApplicationSid')) return twilioError(21205, 400, 'One of Url, Twiml or ApplicationSid is required.');
    if (twiml && twiml.length > MAX_TWIML_CHARS) return twilioError(32018, 400, `Inline TwiML is over ${MAX_TWIML_CHARS} characters.`);
    const callback = get('StatusCallback');
    if (callback !== undefined && !isCallbackUrl(callback)) return twilioError(21609, 400, 'The StatusCallback URL is not valid.');
    const events = params.StatusCallbackEvent;
    const allowed = ['initiated', 'ringing', 'answered', 'completed'];
    if (events !== undefined && (Array.isArray(events) ? events : [events]).some((e) => !allowed.includes(e))) {
      return twilioError(21626, 400, 'StatusCallbackEvent has an unknown event.');
    }
    return this.destinationError(to);
  }

  private track(item: FakeMessage | FakeCall): void {
    if (item.correlation !== undefined) this.correlationCounts.set(item.correlation, (this.correlationCounts.get(item.correlation) ?? 0) + 1);
    if (this.record !== 'full') return;
    this.bySid.set(item.sid, item);
    if (item.sid.startsWith('SM')) this.messages.push(item as FakeMessage);
    else this.calls.push(item as FakeCall);
  }

  private correlationOf(callback: string | undefined): string | undefined {
    if (!callback) return undefined;
    return new URL(callback).searchParams.get(this.correlationParam) ?? undefined;
  }

  private acceptMessage(params: Record<string, string | string[]>, get: (name: string) => string | undefined, arrivedAt: number): FakeMessage['resource'] {
    this.stats.messagesCreated++;
    const messageSid = sid('SM');
    const now = rfc2822(new Date());
    const service = get('MessagingServiceSid');
    const body = get('Body') ?? '';
    const segments = countSegments(body);
    this.stats.segmentsCreated += segments;
    if (this.stats.firstMessageArrivedAt === null || arrivedAt < this.stats.firstMessageArrivedAt) {
      this.stats.firstMessageArrivedAt = arrivedAt;
      this.stats.firstMessageSegments = segments;
    }
    this.stats.lastMessageArrivedAt = Math.max(this.stats.lastMessageArrivedAt ?? arrivedAt, arrivedAt);
    const resource: FakeMessage['resource'] = {
      account_sid: this.accountSid,
      api_version: API_VERSION,
      body,
      date_created: now,
      date_sent: null,
      date_updated: now,
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      // With a Messaging Service the sender is picked later; the create answer has no From yet.
      from: get('From') ?? null,
      messaging_service_sid: service ?? null,
      num_media: '0',
      num_segments: String(segments),
      price: null,
      price_unit: 'USD',
      sid: messageSid,
      status: service ? 'accepted' : 'queued',
      subresource_uris: { media: `/${API_VERSION}/Accounts/${this.accountSid}/Messages/${messageSid}/Media.json` },
      to: get('To')!,
      uri: `/${API_VERSION}/Accounts/${this.accountSid}/Messages/${messageSid}.json`,
    };
    const statusCallback = get('StatusCallback');
    this.track({ sid: messageSid, params, resource, statusCallback, correlation: this.correlationOf(statusCallback), callbacks: [], final: false });
    return resource;
  }

  private acceptCall(params: Record<string, string | string[]>, get: (name: string) => string | undefined): FakeCall['resource'] {
    this.stats.callsCreated++;
    const callSid = sid('CA');
    const now = rfc2822(new Date());
    const resource: FakeCall['resource'] = {
      account_sid: this.accountSid,
      answered_by: null,
      api_version: API_VERSION,
      caller_name: null,
      date_created: now,
      date_updated: now,
      direction: 'outbound-api',
      duration: null,
      end_time: null,
      from: get('From')!,
      from_formatted: get('From')!,
      parent_call_sid: null,
      price: null,
      price_unit: 'USD',
      sid: callSid,
      start_time: null,
      status: 'queued',
      subresource_uris: {},
      to: get('To')!,
      to_formatted: get('To')!,
      uri: `/${API_VERSION}/Accounts/${this.accountSid}/Calls/${callSid}.json`,
    };
    const statusCallback = get('StatusCallback');
    const events = params.StatusCallbackEvent;
    this.track({
      sid: callSid,
      params,
      resource,
      statusCallback,
      correlation: this.correlationOf(statusCallback),
      statusCallbackEvents: events === undefined ? [] : Array.isArray(events) ? events : [events],
      callbacks: [],
      final: false,
    } as FakeCall);
    return resource;
  }

  /**
   * GET Messages.json / Calls.json, newest first, filtered by `To`, `From`, `DateSent` (a day),
   * `DateSent>` / `DateSent<` (on or after / before); paged by `PageSize` and `Page`. A message not yet
   * sent is matched on its creation time, so a reconciler also finds messages still queued.
   */
  private list(collection: 'Messages' | 'Calls', url: URL, res: ServerResponse): void {
    const q = url.searchParams;
    const pageSize = Math.min(Math.max(Number(q.get('PageSize') ?? 50) || 50, 1), 1000);
    const page = Math.max(Number(q.get('Page') ?? 0) || 0, 0);
    const to = q.get('To');
    const from = q.get('From');
    const day = q.get('DateSent');
    const after = q.get('DateSent>') ?? q.get('StartTime>');
    const before = q.get('DateSent<') ?? q.get('StartTime<');
    const items = (collection === 'Messages' ? this.messages : this.calls) as Array<FakeMessage | FakeCall>;
    const matches = items
      .filter((item) => {
        const r = item.resource;
        if (to && r.to !== to) return false;
        if (from && r.from !== from) return false;
        const when = new Date(String(r.date_sent ?? r.date_created));
        if (day && when.toISOString().slice(0, 10) !== day.slice(0, 10)) return false;
        if (after && when < new Date(after)) return false;
        if (before && when >= new Date(before)) return false;
        return true;
      })
      .reverse();
    const start = page * pageSize;
    const slice = matches.slice(start, start + pageSize);
    const base = `/${API_VERSION}/Accounts/${this.accountSid}/${collection}.json`;
    const pageUri = (n: number) => {
      const next = new URLSearchParams(q);
      next.set('PageSize', String(pageSize));
      next.set('Page', String(n));
      return `${base}?${next.toString()}`;
    };
    const key = collection === 'Messages' ? 'messages' : 'calls';
    sendJson(res, 200, {
      [key]: slice.map((item) => item.resource),
      end: start + slice.length - 1,
      first_page_uri: pageUri(0),
      next_page_uri: start + pageSize < matches.length ? pageUri(page + 1) : null,
      page,
      page_size: pageSize,
      previous_page_uri: page > 0 ? pageUri(page - 1) : null,
      start,
      uri: `${base}?${q.toString()}`,
    });
  }
}

function isFailure(fault: Fault): fault is Extract<Fault, { kind: 'server-error' | 'timeout' | 'reset' }> {
  return fault.kind === 'server-error' || fault.kind === 'timeout' || fault.kind === 'reset';
}

function isCallbackUrl(value: string): boolean {
  try {
    const url = new URL(value);
    // Twilio refuses callback hosts with underscores.
    return (url.protocol === 'https:' || url.protocol === 'http:') && !url.hostname.includes('_');
  } catch {
    return false;
  }
}

/** Form fields; a repeated name (StatusCallbackEvent) becomes an array. */
function formFields(body: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(body)) {
    const existing = out[name];
    if (existing === undefined) out[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else out[name] = [existing, value];
  }
  return out;
}

function rebase(url: string, base: string): string {
  const u = new URL(url);
  return base.replace(/\/+$/, '') + u.pathname + u.search;
}

/** Starts a fake on a random local port. */
export function startFakeTwilio(options: FakeTwilioOptions = {}): Promise<FakeTwilio> {
  return new FakeTwilio(options).start();
}
