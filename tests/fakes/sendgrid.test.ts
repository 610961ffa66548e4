// The real @sendgrid/mail SDK against the SendGrid fake: acceptance, each validation rule, injected faults and signed events.
import { MailService } from '@sendgrid/mail';
import type { MailDataRequired } from '@sendgrid/mail';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configureSendgridMail } from '../../src/delivery/providers/sdk-base-url.js';
import { verifySendgridSignature } from '../../src/delivery/webhook-signatures.js';
import { FaultController } from './fault-injection.js';
import { SIGNATURE_HEADER, startFakeSendgrid, TIMESTAMP_HEADER, type FakeSendgrid, type SendgridEvent } from './sendgrid.js';

interface SdkError {
  code: number;
  message: string;
  response: { headers: Record<string, string>; body: { errors: Array<{ field: string | null; message: string; help: string | null }> } };
}

let fake: FakeSendgrid;
let mail: MailService;

beforeAll(async () => {
  fake = await startFakeSendgrid();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  mail = new MailService();
  configureSendgridMail(mail, { apiKey: fake.apiKey, baseUrl: fake.url, timeoutMs: 2_000 });
});
afterEach(() => {
  fake.faults.clear();
});

function notice(personalizations: MailDataRequired['personalizations'], overrides: Partial<MailDataRequired> = {}): MailDataRequired {
  return {
    from: { email: 'notices@breachkit.test', name: 'Breach notices' },
    subject: 'Notice of a data breach',
    content: [
      { type: 'text/plain', value: 'What happened, and what you can do.' },
      { type: 'text/html', value: '<p>What happened, and what you can do.</p>' },
    ],
    personalizations,
    ...overrides,
  } as MailDataRequired;
}

function people(n: number, prefix = 'p'): NonNullable<MailDataRequired['personalizations']> {
  return Array.from({ length: n }, (_, i) => ({ to: [{ email: `${prefix}${i}@example.test` }], customArgs: { delivery_id: `${prefix}-${i}` } }));
}

async function rejection(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (error) {
    return error as SdkError;
  }
  throw new Error('expected the SDK to reject');
}

describe('SendGrid fake with the real SDK', () => {
  it('accepts a batch with 202 and X-Message-Id, recording personalizations and custom_args', async () => {
    const before = fake.mails.length;
    const [response] = await mail.send(notice(people(3, 'ok')), false);
    expect(response.statusCode).toBe(202);
    const xMessageId = response.headers['x-message-id'] as string;
    expect(xMessageId).toMatch(/^[\w-]{20,}$/);
    const accepted = fake.mails.at(-1)!;
    expect(fake.mails.length).toBe(before + 1);
    expect(accepted.xMessageId).toBe(xMessageId);
    expect(accepted.recipients.map((r) => r.customArgs.delivery_id)).toEqual(['ok-0', 'ok-1', 'ok-2']);
    for (const r of accepted.recipients) expect(r.sgMessageId.startsWith(xMessageId)).toBe(true);
    expect(fake.recipientsFor('ok-1')[0]?.email).toBe('ok1@example.test');
  });

  it('takes exactly 1000 personalizations and refuses 1001', async () => {
    const [ok] = await mail.send(notice(people(1000, 'cap')), false);
    expect(ok.statusCode).toBe(202);
    const error = await rejection(mail.send(notice(people(1001, 'over')), false));
    expect(error.code).toBe(400);
    expect(error.response.body.errors[0]?.field).toBe('personalizations');
  });

  it('refuses more than 1000 recipients across to, cc and bcc', async () => {
    const personalizations = Array.from({ length: 334 }, (_, i) => ({
      to: [{ email: `t${i}@example.test` }],
      cc: [{ email: `c${i}@example.test` }],
      bcc: [{ email: `b${i}@example.test` }],
    }));
    const error = await rejection(mail.send(notice(personalizations), false));
    expect(error.code).toBe(400);
    expect(error.response.body.errors.some((e) => e.field === 'personalizations' && /1000 recipients/.test(e.message))).toBe(true);
  });

  it('fails the whole request on a duplicate address, naming where it is, and records nothing', async () => {
    const before = fake.stats.acceptedRecipients;
    const personalizations = [...people(5, 'dup'), { to: [{ email: 'DUP2@example.test' }], customArgs: { delivery_id: 'dup-again' } }];
    const error = await rejection(mail.send(notice(personalizations), false));
    expect(error.code).toBe(400);
    const [first] = error.response.body.errors;
    expect(first).toMatchObject({ field: 'personalizations.5.to' });
    expect(first?.message).toContain('DUP2@example.test');
    expect(typeof first?.help).toBe('string');
    expect(fake.stats.acceptedRecipients).toBe(before);
  });

  it.each([
    ['from', { from: undefined }, 'from.email'],
    ['unicode in from', { from: { email: 'bénédicte@breachkit.test' } }, 'from.email'],
    ['comma in a name', { from: { email: 'notices@breachkit.test', name: 'Notices, Legal' } }, 'from.name'],
    ['subject', { subject: undefined }, 'subject'],
    ['content', { content: undefined }, 'content'],
    ['empty content', { content: [{ type: 'text/plain', value: '' }] }, 'content.0.value'],
    ['text/plain not first', { content: [{ type: 'text/html', value: '<p>x</p>' }, { type: 'text/plain', value: 'x' }] }, 'content.1.type'],
    ['too many categories', { categories: Array.from({ length: 11 }, (_, i) => `c${i}`) }, 'categories'],
  ])('refuses a missing or bad %s', async (_name, overrides, field) => {
    const error = await rejection(mail.send(notice(people(1, 'v'), overrides as Partial<MailDataRequired>), false));
    expect(error.code).toBe(400);
    expect(error.response.body.errors.map((e) => e.field)).toContain(field);
  });

  it('refuses an invalid recipient address and a personalization without to', async () => {
    const bad = await rejection(mail.send(notice([{ to: [{ email: 'not-an-address' }] }]), false));
    expect(bad.response.body.errors.map((e) => e.field)).toContain('personalizations.0.to.0.email');
    const noTo = await rejection(mail.send(notice([{ to: [{ email: 'a@example.test' }] }, { cc: [{ email: 'b@example.test' }] } as never]), false));
    expect(noTo.response.body.errors.map((e) => e.field)).toContain('personalizations.1.to');
  });

  it('refuses custom_args of 10,000 bytes or more, and non-string values', async () => {
    const big = await rejection(mail.send(notice([{ to: [{ email: 'a@example.test' }], customArgs: { delivery_id: 'x'.repeat(10_000) } }]), false));
    expect(big.response.body.errors.map((e) => e.field)).toContain('personalizations.0.custom_args');
    const numeric = await rejection(
      mail.send(notice([{ to: [{ email: 'a@example.test' }], customArgs: { attempt: 2 } as unknown as Record<string, string> }]), false),
    );
    expect(numeric.response.body.errors.map((e) => e.field)).toContain('personalizations.0.custom_args');
  });

  it('answers 401 without the right bearer key', async () => {
    const other = new MailService();
    configureSendgridMail(other, { apiKey: 'SG.wrong', baseUrl: fake.url });
    const error = await rejection(other.send(notice(people(1, 'auth')), false));
    expect(error.code).toBe(401);
    expect(error.response.body.errors[0]).toMatchObject({ field: null });
  });

  it('validates but records nothing in sandbox mode (200)', async () => {
    const before = fake.mails.length;
    const [response] = await mail.send(notice(people(2, 'sand'), { mailSettings: { sandboxMode: { enable: true } } }), false);
    expect(response.statusCode).toBe(200);
    expect(fake.mails.length).toBe(before);
    expect(fake.stats.sandboxed).toBeGreaterThan(0);
  });

  it('injects 429 with rate-limit headers, without recording the batch', async () => {
    const before = fake.stats.acceptedRequests;
    fake.faults.script({ kind: 'rate-limit', retryAfterSeconds: 7 });
    const error = await rejection(mail.send(notice(people(2, 'rl')), false));
    expect(error.code).toBe(429);
    expect(error.response.body).toEqual({ errors: [{ field: null, message: 'too many requests' }] });
    expect(error.response.headers['x-ratelimit-remaining']).toBe('0');
    const reset = Number(error.response.headers['x-ratelimit-reset']);
    expect(reset - Date.now() / 1000).toBeGreaterThan(5);
    expect(fake.stats.acceptedRequests).toBe(before);
    // The next request is answered normally.
    const [ok] = await mail.send(notice(people(1, 'rl-after')), false);
    expect(ok.statusCode).toBe(202);
  });

  it('injects 5xx before or after acceptance (the ambiguous case)', async () => {
    fake.faults.script({ kind: 'server-error', status: 503 }, { kind: 'server-error', accepted: true });
    const lost = await rejection(mail.send(notice(people(1, 'e1')), false));
    expect(lost.code).toBe(503);
    expect(fake.correlationCounts.get('e1-0')).toBeUndefined();
    const ambiguous = await rejection(mail.send(notice(people(1, 'e2')), false));
    expect(ambiguous.code).toBe(500);
    expect(fake.correlationCounts.get('e2-0')).toBe(1);
  });

  it('holds the connection on a timeout fault until the client gives up', async () => {
    mail.setTimeout(300);
    fake.faults.script({ kind: 'timeout', accepted: true });
    const started = Date.now();
    const error = await rejection(mail.send(notice(people(1, 'to')), false));
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(String(error.message)).toMatch(/timeout/i);
    expect(fake.correlationCounts.get('to-0')).toBe(1);
  });

  it('answers late on a slow fault', async () => {
    fake.faults.script({ kind: 'slow', ms: 150 });
    const started = Date.now();
    const [response] = await mail.send(notice(people(1, 'slow')), false);
    expect(response.statusCode).toBe(202);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('counts correlation values accepted more than once', async () => {
    await mail.send(notice(people(1, 'twice')), false);
    await mail.send(notice(people(1, 'twice')), false);
    expect(fake.duplicates()).toContainEqual(['twice-0', 2]);
  });

  it('finds messages through the Email Activity query by custom arg and X-Message-Id', async () => {
    const [response] = await mail.send(notice(people(2, 'act')), false);
    const xMessageId = response.headers['x-message-id'] as string;
    const get = async (query: string) => {
      const res = await fetch(`${fake.url}v3/messages?limit=10&query=${encodeURIComponent(query)}`, { headers: { Authorization: `Bearer ${fake.apiKey}` } });
      return (await res.json()) as { messages: Array<{ to_email: string; msg_id: string; status: string }> };
    };
    const byArg = await get(`unique_args['delivery_id']="act-1"`);
    expect(byArg.messages.map((m) => m.to_email)).toEqual(['act1@example.test']);
    expect(byArg.messages[0]?.status).toBe('processed');
    const byBatch = await get(`msg_id LIKE '${xMessageId}%'`);
    expect(byBatch.messages).toHaveLength(2);
  });
});

describe('SendGrid fake: signed Event Webhook', () => {
  it('posts lifecycle events per outcome, signed so the verifier accepts them, and re-posts refused batches', async () => {
    const local = await startFakeSendgrid();
    try {
      const sdk = new MailService();
      configureSendgridMail(sdk, { apiKey: local.apiKey, baseUrl: local.url });
      local.setOutcome('ev1@example.test', 'bounce');
      local.setOutcome('ev2@example.test', 'dropped');
      local.setOutcome('ev3@example.test', 'blocked');
      await sdk.send(notice(people(4, 'ev'), { categories: ['breach-notice'] }), false);

      const received: SendgridEvent[] = [];
      let refuseFirst = true;
      const handler = async (request: Request): Promise<Response> => {
        const raw = new Uint8Array(await request.arrayBuffer());
        const check = await verifySendgridSignature({
          publicKey: local.publicKey,
          signature: request.headers.get(SIGNATURE_HEADER),
          timestamp: request.headers.get(TIMESTAMP_HEADER),
          rawBody: raw,
          now: new Date(),
        });
        if (!check.ok) return new Response(check.reason, { status: 403 });
        if (refuseFirst) {
          refuseFirst = false;
          return new Response('busy', { status: 503 });
        }
        received.push(...(JSON.parse(new TextDecoder().decode(raw)) as SendgridEvent[]));
        return new Response(null, { status: 204 });
      };

      const first = await local.flushEvents(handler);
      expect(first).toMatchObject({ failedBatches: 1, events: 0 });
      const second = await local.flushEvents(handler);
      expect(second.failedBatches).toBe(0);
      expect((await local.flushEvents(handler)).batches).toBe(0);

      const byEmail = (email: string) => received.filter((e) => e.email === email).map((e) => e.event);
      expect(byEmail('ev0@example.test')).toEqual(['processed', 'delivered']);
      expect(byEmail('ev1@example.test')).toEqual(['processed', 'bounce']);
      expect(byEmail('ev2@example.test')).toEqual(['dropped']);
      const blocked = received.find((e) => e.email === 'ev3@example.test' && e.event === 'bounce');
      expect(blocked?.type).toBe('blocked');
      for (const e of received) {
        expect(e.delivery_id).toMatch(/^ev-\d$/);
        expect(e.category).toBe('breach-notice');
        expect(e.sg_event_id.length).toBeLessThanOrEqual(100);
      }
      expect(new Set(received.map((e) => e.sg_event_id)).size).toBe(received.length);
    } finally {
      await local.close();
    }
  });
});

describe('SendGrid fake: automatic events', () => {
  it('flushes events for new messages on a timer', async () => {
    const local = await startFakeSendgrid();
    try {
      const sdk = new MailService();
      configureSendgridMail(sdk, { apiKey: local.apiKey, baseUrl: local.url });
      const seen: string[] = [];
      local.autoFlush(async (request) => {
        for (const e of (await request.json()) as SendgridEvent[]) seen.push(`${String(e.delivery_id)}:${e.event}`);
        return new Response(null, { status: 200 });
      }, 20);
      await sdk.send(notice(people(2, 'auto')), false);
      for (let i = 0; i < 100 && seen.length < 4; i++) await new Promise((r) => setTimeout(r, 20));
      expect(seen.sort()).toEqual(['auto-0:delivered', 'auto-0:processed', 'auto-1:delivered', 'auto-1:processed']);
    } finally {
      await local.close();
    }
  });
});

describe('fault policy', () => {
  it('repeats for a seed and spreads faults in proportion', () => {
    const draw = () => {
      const c = new FaultController({ seed: 42, rateLimit: 0.2, serverError: 0.05, timeout: 0.02 });
      return Array.from({ length: 5000 }, () => c.next()?.kind ?? 'ok');
    };
    const a = draw();
    expect(draw()).toEqual(a);
    const share = (kind: string) => a.filter((k) => k === kind).length / a.length;
    expect(share('rate-limit')).toBeGreaterThan(0.17);
    expect(share('rate-limit')).toBeLessThan(0.23);
    expect(share('server-error')).toBeGreaterThan(0.035);
    expect(share('server-error')).toBeLessThan(0.065);
    expect(share('timeout')).toBeGreaterThan(0.01);
    expect(share('timeout')).toBeLessThan(0.03);
  });
});
