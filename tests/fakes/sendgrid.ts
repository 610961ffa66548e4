// A local stand-in for SendGrid v3 Mail Send: validates like the real API, records what it accepts, injects faults and sends signed Event Webhooks.
import { generateKeyPairSync, randomBytes, sign as signWithKey, type KeyObject } from 'node:crypto';
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

// Limits of POST /v3/mail/send (reference: fanout-facts.md §2.1).
export const SENDGRID_LIMITS = {
  maxBodyBytes: 30 * 1024 * 1024,
  maxPersonalizations: 1000,
  maxRecipients: 1000,
  maxCustomArgsBytes: 10_000,
  maxCategories: 10,
  maxCategoryLength: 255,
  /** Per personalization (v3 Mail Send reference, `personalizations[].substitutions`). */
  maxSubstitutions: 100,
  maxSubstitutionBytes: 10_000,
  /** A value holding another tag is substituted again, up to this many levels (SendGrid's substitution tags page). */
  maxNestedSubstitutions: 4,
} as const;

export const SIGNATURE_HEADER = 'X-Twilio-Email-Event-Webhook-Signature';
export const TIMESTAMP_HEADER = 'X-Twilio-Email-Event-Webhook-Timestamp';

const HELP_URL = 'https://www.twilio.com/docs/sendgrid/api-reference/mail-send/errors';

export interface SendgridAddress {
  email: string;
  name?: string;
}

/** SendGrid's error element: every 4xx/5xx body is `{ errors: SendgridError[] }`. */
export interface SendgridError {
  field: string | null;
  message: string;
  help: string | null;
}

export type RecipientKind = 'to' | 'cc' | 'bcc';

export interface AcceptedRecipient {
  email: string;
  kind: RecipientKind;
  xMessageId: string;
  sgMessageId: string;
  personalizationIndex: number;
  /** Message-level custom_args overlaid with the personalization's, as events echo them. */
  customArgs: Record<string, string>;
  categories: string[];
  subject: string | undefined;
  /** What this recipient receives: subject and content with the personalization's substitutions applied (full mode). */
  content: { subject: string | undefined; text: string | undefined; html: string | undefined };
  acceptedAt: Date;
  /** Set once its events were posted with a 2xx answer. */
  reported: boolean;
}

export interface AcceptedMail {
  xMessageId: string;
  acceptedAt: Date;
  /** The request body as parsed JSON. */
  body: Record<string, unknown>;
  recipients: AcceptedRecipient[];
}

/** How an address ends up; events follow from it. `deferred` is deferred once, then delivered. */
export type EmailOutcome = 'delivered' | 'bounce' | 'blocked' | 'dropped' | 'deferred';

export type SendgridEventType = 'processed' | 'delivered' | 'bounce' | 'dropped' | 'deferred';

export type SendgridEvent = Record<string, unknown> & {
  email: string;
  timestamp: number;
  event: string;
  sg_event_id: string;
  sg_message_id: string;
};

export interface FakeSendgridOptions {
  /** The API key the fake accepts as `Authorization: Bearer …`. */
  apiKey?: string;
  faults?: FaultPolicy;
  /** `full` keeps every accepted message; `counts` keeps counters and per-correlation counts only (for benches). */
  record?: 'full' | 'counts';
  /** The custom_args key that identifies one delivery; duplicates are counted by it. */
  correlationKey?: string;
  /**
   * The Email Activity API is a paid add-on: `none` answers GET /v3/messages with 404, as for an account
   * without it; `available` (the default) answers, at most `activityPerMinute` requests a minute (429 beyond).
   */
  activity?: 'available' | 'none';
  /** SendGrid allows the Email Activity API 6 requests a minute. */
  activityPerMinute?: number;
  /** How late every Mail Send answer comes (`200`, `'100-300'`); 0 by default. */
  latency?: LatencySetting;
}

/** Event Webhook signing keys in SendGrid's formats: the public key as base64 SPKI DER, signatures as base64 DER. */
export function generateSendgridWebhookKeys(): { publicKey: string; privateKey: KeyObject; sign(payload: string, timestamp: string): string } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    privateKey,
    sign: (payload, timestamp) => signWithKey('sha256', Buffer.from(timestamp + payload, 'utf8'), privateKey).toString('base64'),
  };
}

const EMAIL = /^[^\s@<>(),;:"[\]\\]+@[^\s@<>(),;:"[\]\\]+\.[^\s@<>(),;:"[\]\\]+$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function err(field: string | null, message: string): SendgridError {
  return { field, message, help: field === null ? null : HELP_URL };
}

function randomId(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

/** Checks a Mail Send body as SendGrid does; an empty list means it would be accepted. */
export function validateMailSend(body: unknown): SendgridError[] {
  if (!isRecord(body)) return [err(null, 'The request body must be a JSON object.')];
  const errors: SendgridError[] = [];
  const hasTemplate = typeof body.template_id === 'string' && body.template_id.length > 0;

  const checkAddress = (value: unknown, field: string, asciiOnly: boolean) => {
    if (!isRecord(value) || typeof value.email !== 'string' || value.email.length === 0) {
      errors.push(err(`${field}.email`, 'An email address is required here.'));
      return;
    }
    if (!EMAIL.test(value.email)) errors.push(err(`${field}.email`, 'This is not a valid email address.'));
    else if (asciiOnly && /[^\x20-\x7e]/.test(value.email)) errors.push(err(`${field}.email`, 'The sender address may not contain Unicode characters.'));
    if (value.name !== undefined && (typeof value.name !== 'string' || /[;,]/.test(value.name))) {
      errors.push(err(`${field}.name`, 'A name must be a string without ";" or ",".'));
    }
  };

  const checkCustomArgs = (value: unknown, field: string) => {
    if (value === undefined) return;
    if (!isRecord(value) || Object.values(value).some((v) => typeof v !== 'string')) {
      errors.push(err(field, 'custom_args must be an object whose values are all strings.'));
    }
  };

  if (body.from === undefined) errors.push(err('from.email', 'A from address is required for every send.'));
  else checkAddress(body.from, 'from', true);
  if (body.reply_to !== undefined) checkAddress(body.reply_to, 'reply_to', false);

  checkCustomArgs(body.custom_args, 'custom_args');
  const messageArgs = isRecord(body.custom_args) ? body.custom_args : {};

  if (body.categories !== undefined) {
    const cats = body.categories;
    if (!Array.isArray(cats) || cats.some((c) => typeof c !== 'string')) errors.push(err('categories', 'categories must be an array of strings.'));
    else if (cats.length > SENDGRID_LIMITS.maxCategories) errors.push(err('categories', `At most ${SENDGRID_LIMITS.maxCategories} categories per message.`));
    else if (cats.some((c: string) => c.length > SENDGRID_LIMITS.maxCategoryLength)) errors.push(err('categories', `A category is at most ${SENDGRID_LIMITS.maxCategoryLength} characters.`));
  }

  const personalizations = body.personalizations;
  let everyHasSubject = false;
  if (!Array.isArray(personalizations) || personalizations.length === 0) {
    errors.push(err('personalizations', 'personalizations is required and needs at least one entry.'));
  } else if (personalizations.length > SENDGRID_LIMITS.maxPersonalizations) {
    errors.push(err('personalizations', `At most ${SENDGRID_LIMITS.maxPersonalizations} personalizations per request.`));
  } else {
    everyHasSubject = true;
    let recipientCount = 0;
    const seen = new Set<string>();
    let duplicateReported = false;
    personalizations.forEach((p: unknown, i: number) => {
      const base = `personalizations.${i}`;
      if (!isRecord(p)) {
        errors.push(err(base, 'Each personalization must be an object.'));
        everyHasSubject = false;
        return;
      }
      if (typeof p.subject !== 'string' || p.subject.length === 0) everyHasSubject = false;
      if (!Array.isArray(p.to) || p.to.length === 0) errors.push(err(`${base}.to`, 'Each personalization needs a to array with at least one address.'));
      for (const kind of ['to', 'cc', 'bcc'] as const) {
        const list = p[kind];
        if (list === undefined) continue;
        if (!Array.isArray(list)) {
          errors.push(err(`${base}.${kind}`, `${kind} must be an array of addresses.`));
          continue;
        }
        list.forEach((address: unknown, j: number) => {
          recipientCount++;
          checkAddress(address, `${base}.${kind}.${j}`, false);
          if (isRecord(address) && typeof address.email === 'string') {
            const key = address.email.toLowerCase();
            // One duplicate fails the whole request; SendGrid names the first one it finds.
            if (seen.has(key) && !duplicateReported) {
              duplicateReported = true;
              errors.push(err(`${base}.${kind}`, `Each address may appear only once across to, cc and bcc of all personalizations; ${address.email} is repeated.`));
            }
            seen.add(key);
          }
        });
      }
      checkCustomArgs(p.custom_args, `${base}.custom_args`);
      const merged = { ...messageArgs, ...(isRecord(p.custom_args) ? p.custom_args : {}) };
      if (Buffer.byteLength(JSON.stringify(merged)) >= SENDGRID_LIMITS.maxCustomArgsBytes) {
        errors.push(err(`${base}.custom_args`, `custom_args must stay under ${SENDGRID_LIMITS.maxCustomArgsBytes} bytes.`));
      }
      if (hasTemplate && String(body.template_id).startsWith('d-') && p.substitutions !== undefined) {
        errors.push(err(`${base}.substitutions`, 'Substitutions cannot be used with a dynamic template.'));
      }
      if (p.substitutions !== undefined) {
        const subs = p.substitutions;
        if (!isRecord(subs) || Object.entries(subs).some(([k, v]) => k === '' || typeof v !== 'string')) {
          errors.push(err(`${base}.substitutions`, 'substitutions must be an object of non-empty tags to string values.'));
        } else if (Object.keys(subs).length > SENDGRID_LIMITS.maxSubstitutions) {
          errors.push(err(`${base}.substitutions`, `At most ${SENDGRID_LIMITS.maxSubstitutions} substitutions per personalization.`));
        } else if (Object.entries(subs).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v as string), 0) > SENDGRID_LIMITS.maxSubstitutionBytes) {
          errors.push(err(`${base}.substitutions`, `The substitutions of one personalization may not exceed ${SENDGRID_LIMITS.maxSubstitutionBytes} bytes.`));
        }
      }
    });
    if (recipientCount > SENDGRID_LIMITS.maxRecipients) {
      errors.push(err('personalizations', `At most ${SENDGRID_LIMITS.maxRecipients} recipients (to, cc and bcc together) per request.`));
    }
  }

  const subjectOk = typeof body.subject === 'string' && body.subject.length > 0;
  if (!subjectOk && !hasTemplate && !everyHasSubject) {
    errors.push(err('subject', 'A subject is required unless a template or every personalization provides one.'));
  }

  if (body.content !== undefined || !hasTemplate) {
    const content = body.content;
    if (!Array.isArray(content) || content.length === 0) {
      errors.push(err('content', 'Without a template_id, content needs at least one block.'));
    } else {
      content.forEach((block: unknown, i: number) => {
        if (!isRecord(block) || typeof block.type !== 'string' || block.type.length === 0) errors.push(err(`content.${i}.type`, 'Each content block needs a type.'));
        else if (typeof block.value !== 'string' || block.value.length === 0) errors.push(err(`content.${i}.value`, 'Each content block needs a non-empty value.'));
        else if (block.type === 'text/plain' && i !== 0) errors.push(err(`content.${i}.type`, 'text/plain must be the first content block.'));
      });
    }
  }

  const sandbox = isRecord(body.mail_settings) && isRecord(body.mail_settings.sandbox_mode) ? body.mail_settings.sandbox_mode.enable : undefined;
  if (sandbox !== undefined && typeof sandbox !== 'boolean') errors.push(err('mail_settings.sandbox_mode.enable', 'enable must be a boolean.'));
  return errors;
}

export interface FakeSendgridStats {
  requests: number;
  /** Requests taken (202, or accepted before an injected 5xx/timeout/reset). */
  acceptedRequests: number;
  acceptedRecipients: number;
  acceptedPersonalizations: number;
  invalid: number;
  unauthorized: number;
  sandboxed: number;
  eventsPosted: number;
  /** GET /v3/messages requests, answered or not. */
  activityRequests: number;
  activityRateLimited: number;
}

export class FakeSendgrid {
  readonly faults: FaultController;
  readonly apiKey: string;
  /** Event Webhook verification key, as SendGrid's settings page shows it (base64 SPKI DER). */
  readonly publicKey: string;
  readonly mails: AcceptedMail[] = [];
  readonly recipients: AcceptedRecipient[] = [];
  /** Every 4xx validation answer, newest last (full mode). */
  readonly rejections: Array<{ status: number; errors: SendgridError[] }> = [];
  /** Accepted personalizations per correlation value (custom_args[correlationKey]). */
  readonly correlationCounts = new Map<string, number>();
  readonly stats: FakeSendgridStats = {
    requests: 0,
    acceptedRequests: 0,
    acceptedRecipients: 0,
    acceptedPersonalizations: 0,
    invalid: 0,
    unauthorized: 0,
    sandboxed: 0,
    eventsPosted: 0,
    activityRequests: 0,
    activityRateLimited: 0,
  };
  readonly activity: 'available' | 'none';
  readonly latency: Latency;
  private readonly activityPerMinute: number;
  private activityTimes: number[] = [];

  private readonly outcomes = new Map<string, EmailOutcome>();
  private readonly keys = generateSendgridWebhookKeys();
  private readonly held = new HeldResponses();
  private readonly record: 'full' | 'counts';
  private readonly correlationKey: string;
  private mailSeq = 0;
  private closer: (() => Promise<void>) | null = null;
  private autoTimer: NodeJS.Timeout | null = null;
  port = 0;

  constructor(options: FakeSendgridOptions = {}) {
    this.apiKey = options.apiKey ?? 'SG.fake-key.for-tests';
    this.faults = new FaultController(options.faults);
    this.record = options.record ?? 'full';
    this.correlationKey = options.correlationKey ?? 'delivery_id';
    this.publicKey = this.keys.publicKey;
    this.activity = options.activity ?? 'available';
    this.activityPerMinute = options.activityPerMinute ?? 6;
    this.latency = new Latency(options.latency);
  }

  /** Base URL for the SDK: `mail.client.setDefaultRequest('baseUrl', fake.url)` after `setApiKey`. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  /** Connections currently held open by `timeout` faults. */
  get heldConnections(): number {
    return this.held.size;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { errors: [err(null, `fake failure: ${String(error)}`)] });
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

  /** Decides how an address ends; every other address is delivered. */
  setOutcome(email: string, outcome: EmailOutcome): void {
    this.outcomes.set(email.toLowerCase(), outcome);
  }

  /** Correlation values accepted more than once, with their counts. */
  duplicates(): Array<[string, number]> {
    return [...this.correlationCounts].filter(([, n]) => n > 1);
  }

  recipientsFor(correlationValue: string): AcceptedRecipient[] {
    return this.recipients.filter((r) => r.customArgs[this.correlationKey] === correlationValue);
  }

  // ------------------------------------------------------------ events

  /** One event for an accepted recipient, shaped as the Event Webhook sends it (custom args as top-level keys). */
  event(recipient: AcceptedRecipient, type: SendgridEventType, extra: Record<string, unknown> = {}, now = new Date()): SendgridEvent {
    const byType: Record<SendgridEventType, Record<string, unknown>> = {
      processed: {},
      delivered: { response: '250 2.0.0 OK', ip: '127.0.0.1', tls: 1 },
      deferred: { response: '421 4.7.0 try again later', attempt: '1' },
      bounce: { type: 'bounce', status: '5.1.1', reason: '550 5.1.1 mailbox does not exist', bounce_classification: 'Invalid Address' },
      dropped: { reason: 'Bounced Address' },
    };
    return {
      ...recipient.customArgs,
      email: recipient.email,
      timestamp: Math.floor(now.getTime() / 1000),
      event: type,
      sg_event_id: randomId(16),
      sg_message_id: recipient.sgMessageId,
      'smtp-id': `<${recipient.xMessageId}@fake.sendgrid.local>`,
      ...(recipient.categories.length > 0 ? { category: recipient.categories.length === 1 ? recipient.categories[0] : recipient.categories } : {}),
      ...byType[type],
      ...extra,
    };
  }

  /** The events an accepted recipient produces, given its configured outcome. */
  lifecycle(recipient: AcceptedRecipient, now = new Date()): SendgridEvent[] {
    const outcome = this.outcomes.get(recipient.email.toLowerCase()) ?? 'delivered';
    switch (outcome) {
      case 'dropped':
        return [this.event(recipient, 'dropped', {}, now)];
      case 'bounce':
        return [this.event(recipient, 'processed', {}, now), this.event(recipient, 'bounce', {}, now)];
      case 'blocked':
        return [
          this.event(recipient, 'processed', {}, now),
          this.event(recipient, 'bounce', { type: 'blocked', status: '5.7.1', reason: '550 5.7.1 blocked by policy', bounce_classification: 'Reputation' }, now),
        ];
      case 'deferred':
        return [this.event(recipient, 'processed', {}, now), this.event(recipient, 'deferred', {}, now), this.event(recipient, 'delivered', {}, now)];
      default:
        return [this.event(recipient, 'processed', {}, now), this.event(recipient, 'delivered', {}, now)];
    }
  }

  /** A webhook body and its signature headers, for posting yourself (e.g. through `app.request`). */
  signedWebhook(events: unknown[] | string, options: { timestamp?: number } = {}): { body: string; headers: Record<string, string> } {
    const body = typeof events === 'string' ? events : JSON.stringify(events);
    const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
    return {
      body,
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'SendGrid Event API',
        [SIGNATURE_HEADER]: this.keys.sign(body, timestamp),
        [TIMESTAMP_HEADER]: timestamp,
      },
    };
  }

  /** Posts one signed batch of events. */
  async postEvents(target: WebhookTarget, events: unknown[], options: { timestamp?: number; url?: string } = {}): Promise<WebhookResult> {
    const signed = this.signedWebhook(events, options);
    const result = await dispatchWebhook(target, options.url ?? 'https://breachkit.invalid/webhooks/sendgrid', signed);
    if (result.status >= 200 && result.status < 300) this.stats.eventsPosted += events.length;
    return result;
  }

  /**
   * Posts the lifecycle events of every recipient not yet reported, in signed batches. A batch answered
   * with a non-2xx stays pending and goes again on the next flush, as SendGrid retries.
   */
  async flushEvents(target: WebhookTarget, options: { batchSize?: number; url?: string } = {}): Promise<{ batches: number; events: number; failedBatches: number }> {
    const pending = this.recipients.filter((r) => !r.reported);
    const batchSize = options.batchSize ?? 1000;
    let batches = 0;
    let events = 0;
    let failedBatches = 0;
    let batch: SendgridEvent[] = [];
    let owners: AcceptedRecipient[] = [];
    const send = async () => {
      if (batch.length === 0) return;
      batches++;
      const result = await this.postEvents(target, batch, options).catch(() => ({ status: 0, body: '' }));
      if (result.status >= 200 && result.status < 300) {
        events += batch.length;
        for (const r of owners) r.reported = true;
      } else failedBatches++;
      batch = [];
      owners = [];
    };
    for (const recipient of pending) {
      batch.push(...this.lifecycle(recipient));
      owners.push(recipient);
      if (batch.length >= batchSize) await send();
    }
    await send();
    return { batches, events, failedBatches };
  }

  /** Flushes events every `intervalMs` until `close()` or the returned stop function. */
  autoFlush(target: WebhookTarget, intervalMs = 100, options: { batchSize?: number; url?: string } = {}): () => void {
    let running = false;
    this.autoTimer = setInterval(() => {
      if (running) return;
      running = true;
      this.flushEvents(target, options).finally(() => {
        running = false;
      });
    }, intervalMs);
    return () => {
      if (this.autoTimer) clearInterval(this.autoTimer);
      this.autoTimer = null;
    };
  }

  // ------------------------------------------------------------ HTTP

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.stats.requests++;
    const url = new URL(req.url ?? '/', 'http://fake');
    const isSend = url.pathname === '/v3/mail/send';
    const isActivity = url.pathname === '/v3/messages';
    if (!(isSend && req.method === 'POST') && !(isActivity && req.method === 'GET')) {
      req.resume();
      sendJson(res, 404, { errors: [err(null, 'No such resource.')] });
      return;
    }
    const auth = req.headers.authorization;
    if (!auth) return this.unauthorized(req, res, 'An Authorization header is required.');
    if (auth !== `Bearer ${this.apiKey}`) return this.unauthorized(req, res, 'The API key is not valid.');

    if (isActivity) {
      req.resume();
      this.stats.activityRequests++;
      if (this.activity === 'none') {
        sendJson(res, 404, { errors: [err(null, 'Email Activity is not available on this account: it needs the additional email activity history add-on.')] });
        return;
      }
      const now = Date.now();
      this.activityTimes = this.activityTimes.filter((t) => t > now - 60_000);
      if (this.activityTimes.length >= this.activityPerMinute) {
        this.stats.activityRateLimited++;
        return this.rateLimited(res, Math.max(1, Math.ceil((this.activityTimes[0]! + 60_000 - now) / 1000)), this.activityPerMinute);
      }
      this.activityTimes.push(now);
      this.answerActivity(url, res);
      return;
    }

    let raw: Buffer;
    try {
      raw = await readBody(req, SENDGRID_LIMITS.maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        sendJson(res, 413, { errors: [err(null, 'The request body is over 30 MB.')] });
        req.socket.destroy();
        return;
      }
      throw error;
    }

    const fault = this.faults.next();
    const late = this.latency.next();
    if (late > 0) await sleep(late);
    if (fault?.kind === 'slow') await sleep(fault.ms);
    if (fault?.kind === 'rate-limit') return this.rateLimited(res, fault.retryAfterSeconds ?? 1);
    if (fault && isFailure(fault) && !fault.accepted) return this.fail(res, fault);

    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return this.invalid(res, [err(null, 'The request body is not valid JSON.')]);
    }
    const errors = validateMailSend(body);
    if (errors.length > 0) return this.invalid(res, errors);
    const mail = body as Record<string, unknown>;
    const settings = mail.mail_settings as { sandbox_mode?: { enable?: boolean } } | undefined;
    if (settings?.sandbox_mode?.enable === true) {
      // Sandbox: the shape was checked; nothing is sent, so nothing is recorded and no events follow.
      this.stats.sandboxed++;
      res.writeHead(200, { 'Content-Length': 0 });
      res.end();
      return;
    }

    const xMessageId = this.accept(mail);
    if (fault && isFailure(fault)) return this.fail(res, fault);
    res.writeHead(202, { 'X-Message-Id': xMessageId, 'Content-Length': 0 });
    res.end();
  }

  private unauthorized(req: IncomingMessage, res: ServerResponse, message: string): void {
    req.resume();
    this.stats.unauthorized++;
    sendJson(res, 401, { errors: [err(null, message)] });
  }

  private invalid(res: ServerResponse, errors: SendgridError[]): void {
    this.stats.invalid++;
    if (this.record === 'full') this.rejections.push({ status: 400, errors });
    sendJson(res, 400, { errors });
  }

  private rateLimited(res: ServerResponse, retryAfterSeconds: number, limit = 600): void {
    const reset = Math.floor(Date.now() / 1000) + retryAfterSeconds;
    sendJson(res, 429, { errors: [{ field: null, message: 'too many requests' }] }, {
      'X-RateLimit-Limit': String(limit),
      'X-RateLimit-Remaining': '0',
      'X-RateLimit-Reset': String(reset),
    });
  }

  private fail(res: ServerResponse, fault: Extract<Fault, { kind: 'server-error' | 'timeout' | 'reset' }>): void {
    if (fault.kind === 'timeout') this.held.hold(res);
    else if (fault.kind === 'reset') res.socket?.destroy();
    else sendJson(res, fault.status ?? 500, { errors: [err(null, 'Internal server error.')] });
  }

  /** Records an accepted request and returns its X-Message-Id. */
  private accept(mail: Record<string, unknown>): string {
    const xMessageId = randomId(16);
    const seq = ++this.mailSeq;
    const acceptedAt = new Date();
    const messageArgs = (mail.custom_args as Record<string, string> | undefined) ?? {};
    const categories = (mail.categories as string[] | undefined) ?? [];
    const personalizations = mail.personalizations as Array<Record<string, unknown>>;
    const recipients: AcceptedRecipient[] = [];
    this.stats.acceptedRequests++;
    personalizations.forEach((p, i) => {
      const customArgs = { ...messageArgs, ...((p.custom_args as Record<string, string> | undefined) ?? {}) };
      const correlation = customArgs[this.correlationKey];
      if (correlation !== undefined) this.correlationCounts.set(correlation, (this.correlationCounts.get(correlation) ?? 0) + 1);
      this.stats.acceptedPersonalizations++;
      let n = 0;
      for (const kind of ['to', 'cc', 'bcc'] as const) {
        for (const address of (p[kind] as SendgridAddress[] | undefined) ?? []) {
          this.stats.acceptedRecipients++;
          if (this.record !== 'full') continue;
          recipients.push({
            email: address.email,
            kind,
            xMessageId,
            // Each recipient's id starts with the request's X-Message-Id.
            sgMessageId: `${xMessageId}.filter0001.${seq}.${i}.${n++}`,
            personalizationIndex: i,
            customArgs,
            categories,
            subject: (p.subject as string | undefined) ?? (mail.subject as string | undefined),
            content: received(mail, p),
            acceptedAt,
            reported: false,
          });
        }
      }
    });
    if (this.record === 'full') {
      this.mails.push({ xMessageId, acceptedAt, body: mail, recipients });
      this.recipients.push(...recipients);
    }
    return xMessageId;
  }

  /**
   * GET /v3/messages (Email Activity, a paid add-on on the real service): `query` clauses joined by AND,
   * each optionally in parentheses — `to_email="…"`, `msg_id="…"`, `msg_id LIKE '<x-message-id>%'`,
   * `unique_args['key']="…"`, `unique_args['key'] IN ("…","…")`, `status="…"`. The messages listed carry
   * no custom args (as on the real API): a caller tells them apart by `to_email` or `msg_id`.
   */
  private answerActivity(url: URL, res: ServerResponse): void {
    const limit = Math.min(Math.max(Number(url.searchParams.get('limit') ?? 10) || 10, 1), 1000);
    const query = url.searchParams.get('query') ?? '';
    const filters: Array<(r: AcceptedRecipient) => boolean> = [];
    for (const raw of query.split(/\s+AND\s+/i).filter((c) => c.trim())) {
      const clause = raw.trim().replace(/^\((.*)\)$/s, '$1');
      let m: RegExpExecArray | null;
      if ((m = /^\s*to_email\s*=\s*"([^"]*)"\s*$/.exec(clause))) {
        const v = m[1]!.toLowerCase();
        filters.push((r) => r.email.toLowerCase() === v);
      } else if ((m = /^\s*msg_id\s*=\s*"([^"]*)"\s*$/.exec(clause))) {
        const v = m[1]!;
        filters.push((r) => r.sgMessageId === v);
      } else if ((m = /^\s*msg_id\s+LIKE\s+'([^'%]*)%'\s*$/i.exec(clause))) {
        const v = m[1]!;
        filters.push((r) => r.sgMessageId.startsWith(v));
      } else if ((m = /^\s*unique_args\['([^']+)'\]\s*=\s*"([^"]*)"\s*$/.exec(clause))) {
        const [key, v] = [m[1]!, m[2]!];
        filters.push((r) => r.customArgs[key] === v);
      } else if ((m = /^\s*unique_args\['([^']+)'\]\s+IN\s+\(((?:\s*"[^"]*"\s*,?)*)\)\s*$/i.exec(clause))) {
        const key = m[1]!;
        const values = new Set([...m[2]!.matchAll(/"([^"]*)"/g)].map((v) => v[1]!));
        filters.push((r) => values.has(r.customArgs[key] ?? ''));
      } else if ((m = /^\s*status\s*=\s*"([^"]*)"\s*$/.exec(clause))) {
        const v = m[1]!;
        filters.push((r) => this.activityStatus(r) === v);
      } else {
        sendJson(res, 400, { errors: [err('query', `Unsupported query clause: ${clause}`)] });
        return;
      }
    }
    const messages = this.recipients
      .filter((r) => filters.every((f) => f(r)))
      .slice(0, limit)
      .map((r) => ({
        from_email: String((this.mails.find((m) => m.xMessageId === r.xMessageId)?.body.from as SendgridAddress | undefined)?.email ?? ''),
        msg_id: r.sgMessageId,
        subject: r.subject ?? '',
        to_email: r.email,
        status: this.activityStatus(r),
        opens_count: 0,
        clicks_count: 0,
        last_event_time: r.acceptedAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      }));
    sendJson(res, 200, { messages });
  }

  private activityStatus(r: AcceptedRecipient): 'processed' | 'delivered' | 'not_delivered' {
    if (!r.reported) return 'processed';
    const outcome = this.outcomes.get(r.email.toLowerCase()) ?? 'delivered';
    return outcome === 'delivered' || outcome === 'deferred' ? 'delivered' : 'not_delivered';
  }
}

/**
 * Replaces every tag of `substitutions` in `text`, as SendGrid does in the subject and content: all tags in
 * one left-to-right pass, then again over the result while a value brought in another tag, up to
 * `maxNestedSubstitutions` levels.
 */
export function applySubstitutions(text: string, substitutions: Record<string, string>): string {
  const tags = Object.keys(substitutions).sort((a, b) => b.length - a.length);
  if (tags.length === 0) return text;
  const pattern = new RegExp(tags.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  let out = text.replace(pattern, (t) => substitutions[t]!);
  for (let level = 0; level < SENDGRID_LIMITS.maxNestedSubstitutions && pattern.test(out); level++) {
    pattern.lastIndex = 0;
    out = out.replace(pattern, (t) => substitutions[t]!);
  }
  return out;
}

/** One personalization's message as its recipient gets it. */
function received(mail: Record<string, unknown>, p: Record<string, unknown>): AcceptedRecipient['content'] {
  const subs = (p.substitutions as Record<string, string> | undefined) ?? {};
  const block = (type: string) => (mail.content as Array<{ type: string; value: string }> | undefined)?.find((c) => c.type === type)?.value;
  const apply = (v: string | undefined) => (v === undefined ? undefined : applySubstitutions(v, subs));
  return { subject: apply((p.subject as string | undefined) ?? (mail.subject as string | undefined)), text: apply(block('text/plain')), html: apply(block('text/html')) };
}

function isFailure(fault: Fault): fault is Extract<Fault, { kind: 'server-error' | 'timeout' | 'reset' }> {
  return fault.kind === 'server-error' || fault.kind === 'timeout' || fault.kind === 'reset';
}

/** Starts a fake on a random local port. */
export function startFakeSendgrid(options: FakeSendgridOptions = {}): Promise<FakeSendgrid> {
  return new FakeSendgrid(options).start();
}
