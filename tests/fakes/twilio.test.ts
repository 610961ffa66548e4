// The real twilio SDK (through the fetch client) against the Twilio fake: creates, validation, configured errors, faults, lookups and callbacks.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTwilioFetchClient, rewriteTwilioUrl } from '../../src/delivery/providers/sdk-base-url.js';
import { verifyTwilioSignature } from '../../src/delivery/webhook-signatures.js';
import { countSegments, startFakeTwilio, type FakeTwilio } from './twilio.js';

interface RestError {
  status: number;
  code: number;
  moreInfo: string;
  message: string;
}

const CALLBACK = 'https://breachkit.example/webhooks/twilio';
const FROM = '+15005550006';
const SERVICE = `MG${'a'.repeat(32)}`;

let fake: FakeTwilio;
let client: ReturnType<typeof twilio>;
const callbacks: Array<{ url: string; params: URLSearchParams; verified: boolean }> = [];

beforeAll(async () => {
  fake = await startFakeTwilio({
    numbers: {
      '+15550001610': { createError: 21610 },
      '+15550001614': { createError: 21614 },
      '+15550030005': { messageStatus: 'undelivered', errorCode: 30005 },
      '+15550030006': { messageStatus: 'failed', errorCode: 30006 },
      '+15550000486': { callStatus: 'busy' },
    },
    callbackTarget: async (request) => {
      const params = new URLSearchParams(await request.text());
      const check = await verifyTwilioSignature({ authToken: fake.authToken, url: request.url, params, signature: request.headers.get('X-Twilio-Signature') });
      callbacks.push({ url: request.url, params, verified: check.ok });
      return new Response('<Response/>', { status: 200, headers: { 'Content-Type': 'text/xml' } });
    },
  });
  client = twilio(fake.accountSid, fake.authToken, { httpClient: createTwilioFetchClient({ baseUrl: fake.url, timeoutMs: 2_000 }) });
});
afterAll(async () => {
  await fake.close();
});
afterEach(() => {
  fake.faults.clear();
});

async function rejection(promise: Promise<unknown>): Promise<RestError> {
  try {
    await promise;
  } catch (error) {
    return error as RestError;
  }
  throw new Error('expected the SDK to reject');
}

const sms = (to: string, id: string, extra: Record<string, unknown> = {}) =>
  client.messages.create({ to, from: FROM, body: 'Notice of a data breach: see https://breachkit.example/n', statusCallback: `${CALLBACK}?delivery_id=${id}`, ...extra });

describe('Twilio fake with the real SDK: messages', () => {
  it('creates a message: 201, SM sid, queued, segments, correlation from the callback URL', async () => {
    const message = await sms('+15551230001', 'm-1');
    expect(message.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(message.status).toBe('queued');
    expect(message.numSegments).toBe('1');
    const recorded = fake.find(message.sid)!;
    expect(recorded.correlation).toBe('m-1');
    expect(recorded.params).toMatchObject({ To: '+15551230001', From: FROM, StatusCallback: `${CALLBACK}?delivery_id=m-1` });
  });

  it('through a Messaging Service: accepted, no From yet', async () => {
    const message = await client.messages.create({ to: '+15551230002', messagingServiceSid: SERVICE, body: '通知：您的数据可能已泄露。' });
    expect(message.status).toBe('accepted');
    expect(message.from).toBeNull();
    expect(message.messagingServiceSid).toBe(SERVICE);
  });

  it.each([
    ['a To that is not E.164', { to: '555-0100', from: FROM, body: 'x' }, 21211],
    ['neither From nor MessagingServiceSid', { to: '+15551230003', body: 'x' }, 21603],
    ['an invalid From', { to: '+15551230003', from: '12', body: 'x' }, 21212],
    ['no Body', { to: '+15551230003', from: FROM }, 21602],
    ['a Body over 1600 characters', { to: '+15551230003', from: FROM, body: 'x'.repeat(1601) }, 21617],
    ['a StatusCallback host with an underscore', { to: '+15551230003', from: FROM, body: 'x', statusCallback: 'https://bad_host.example/cb' }, 21609],
  ])('refuses %s with the Twilio error body', async (_name, params, code) => {
    const error = await rejection(client.messages.create(params as never));
    expect(error.status).toBe(400);
    expect(error.code).toBe(code);
    expect(error.moreInfo).toBe(`https://www.twilio.com/docs/errors/${code}`);
  });

  it('accepts a Body of exactly 1600 characters (11 segments)', async () => {
    const message = await client.messages.create({ to: '+15551230004', from: FROM, body: 'x'.repeat(1600) });
    expect(message.numSegments).toBe('11');
  });

  it('answers the codes configured per number (unsubscribed, not mobile)', async () => {
    expect((await rejection(sms('+15550001610', 'stop'))).code).toBe(21610);
    expect((await rejection(sms('+15550001614', 'landline'))).code).toBe(21614);
  });

  it('answers 401 / 20003 for a wrong auth token', async () => {
    const other = twilio(fake.accountSid, 'wrong-token', { httpClient: createTwilioFetchClient({ baseUrl: fake.url }) });
    const error = await rejection(other.messages.create({ to: '+15551230005', from: FROM, body: 'x' }));
    expect(error.status).toBe(401);
    expect(error.code).toBe(20003);
  });

  it('injects 429 / 20429 and 5xx; an accepted 5xx still records the message', async () => {
    const before = fake.stats.messagesCreated;
    fake.faults.script({ kind: 'rate-limit' }, { kind: 'server-error' }, { kind: 'server-error', status: 503, accepted: true });
    const limited = await rejection(sms('+15551230006', 'f-1'));
    expect([limited.status, limited.code]).toEqual([429, 20429]);
    const lost = await rejection(sms('+15551230006', 'f-2'));
    expect(lost.status).toBe(500);
    expect(fake.stats.messagesCreated).toBe(before);
    const ambiguous = await rejection(sms('+15551230006', 'f-3'));
    expect(ambiguous.status).toBe(503);
    expect(fake.stats.messagesCreated).toBe(before + 1);
    expect(fake.correlationCounts.get('f-3')).toBe(1);
  });

  it('holds the connection on a timeout fault; the client aborts after its timeout', async () => {
    const impatient = twilio(fake.accountSid, fake.authToken, { httpClient: createTwilioFetchClient({ baseUrl: fake.url, timeoutMs: 200 }) });
    fake.faults.script({ kind: 'timeout' });
    const started = Date.now();
    const error = await rejection(impatient.messages.create({ to: '+15551230007', from: FROM, body: 'x' }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(180);
    expect(String((error as unknown as Error).name)).toMatch(/TimeoutError|AbortError/);
  });

  it('answers late on a slow fault', async () => {
    fake.faults.script({ kind: 'slow', ms: 150 });
    const started = Date.now();
    const message = await sms('+15551230008', 'slow');
    expect(message.sid).toMatch(/^SM/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('looks messages up by sid and lists them by To and date, across pages', async () => {
    const since = new Date(Date.now() - 60_000);
    const sids: string[] = [];
    for (let i = 0; i < 5; i++) sids.push((await sms('+15551239999', `page-${i}`)).sid);
    const one = await client.messages(sids[2]!).fetch();
    expect(one.to).toBe('+15551239999');
    const listed = await client.messages.list({ to: '+15551239999', dateSentAfter: since, pageSize: 2 });
    expect(listed.map((m) => m.sid).sort()).toEqual([...sids].sort());
    expect(await client.messages.list({ to: '+15551239999', dateSentAfter: new Date(Date.now() + 60_000) })).toHaveLength(0);
    const missing = await rejection(client.messages(`SM${'f'.repeat(32)}`).fetch());
    expect([missing.status, missing.code]).toEqual([404, 20404]);
  });
});

describe('Twilio fake with the real SDK: calls', () => {
  it('creates a call with inline TwiML and subscribed status events', async () => {
    const call = await client.calls.create({
      to: '+15551231001',
      from: FROM,
      twiml: '<Response><Say language="cmn-CN" voice="Polly.Zhiyu">您好</Say></Response>',
      statusCallback: `${CALLBACK}?delivery_id=c-1`,
      statusCallbackEvent: ['initiated', 'answered', 'completed'],
    });
    expect(call.sid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(call.status).toBe('queued');
    const recorded = fake.find(call.sid)!;
    expect(recorded.params.Twiml).toContain('您好');
    expect('statusCallbackEvents' in recorded && recorded.statusCallbackEvents).toEqual(['initiated', 'answered', 'completed']);
    expect((await client.calls(call.sid).fetch()).to).toBe('+15551231001');
  });

  it.each([
    ['no Url or Twiml', { to: '+15551231002', from: FROM }, 21205],
    ['TwiML over 4000 characters', { to: '+15551231002', from: FROM, twiml: `<Response><Say>${'x'.repeat(4000)}</Say></Response>` }, 32018],
    ['an invalid From', { to: '+15551231002', from: 'Breachkit', twiml: '<Response/>' }, 21212],
    ['a To that is not E.164', { to: 'call me', from: FROM, twiml: '<Response/>' }, 21211],
  ])('refuses %s', async (_name, params, code) => {
    const error = await rejection(client.calls.create(params as never));
    expect(error.code).toBe(code);
  });

  it('refuses a call without From on the wire (the SDK already refuses it before sending)', async () => {
    const res = await fetch(`${fake.url}/2010-04-01/Accounts/${fake.accountSid}/Calls.json`, {
      method: 'POST',
      headers: { Authorization: `Basic ${btoa(`${fake.accountSid}:${fake.authToken}`)}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ To: '+15551231003', Twiml: '<Response/>' }).toString(),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 21213, status: 400, more_info: 'https://www.twilio.com/docs/errors/21213' });
  });
});

describe('Twilio fake: status callbacks', () => {
  it('posts signed callbacks the verifier accepts, with async failure codes, and only subscribed call events', async () => {
    callbacks.length = 0;
    const ok = await sms('+15551232001', 'cb-ok');
    const gone = await sms('+15550030005', 'cb-30005');
    const landline = await sms('+15550030006', 'cb-30006');
    const busy = await client.calls.create({ to: '+15550000486', from: FROM, url: 'https://breachkit.example/twiml', statusCallback: `${CALLBACK}?delivery_id=cb-call` });
    await fake.completeAll();

    expect(callbacks.length).toBeGreaterThan(0);
    expect(callbacks.every((c) => c.verified)).toBe(true);
    const statuses = (id: string) => callbacks.filter((c) => new URL(c.url).searchParams.get('delivery_id') === id).map((c) => c.params.get('MessageStatus') ?? c.params.get('CallStatus'));
    expect(statuses('cb-ok')).toEqual(['sent', 'delivered']);
    expect(statuses('cb-30005')).toEqual(['sent', 'undelivered']);
    expect(statuses('cb-30006')).toEqual(['failed']);
    expect(statuses('cb-call')).toEqual(['busy']); // completed is the only default event
    expect(callbacks.find((c) => c.params.get('MessageSid') === gone.sid && c.params.get('MessageStatus') === 'undelivered')?.params.get('ErrorCode')).toBe('30005');
    expect(callbacks.find((c) => c.params.get('MessageSid') === landline.sid)?.params.get('ErrorCode')).toBe('30006');

    expect((await client.messages(ok.sid).fetch()).status).toBe('delivered');
    const failed = await client.messages(gone.sid).fetch();
    expect([failed.status, failed.errorCode]).toEqual(['undelivered', 30005]);
    expect((await client.calls(busy.sid).fetch()).status).toBe('busy');
  });

  it('can deliver callbacks out of order and twice', async () => {
    callbacks.length = 0;
    const message = await sms('+15551232002', 'cb-order');
    await fake.completeAll({ reverse: true, duplicate: true });
    expect(callbacks.map((c) => c.params.get('MessageStatus'))).toEqual(['delivered', 'delivered', 'sent', 'sent']);
    expect((await client.messages(message.sid).fetch()).status).toBe('delivered');
  });
});

describe('Twilio fake: callbacks over HTTP', () => {
  it('auto-completes new messages and posts callbacks to a base URL standing in for the public one', async () => {
    const received: Array<{ path: string; signature: string; body: string }> = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        received.push({ path: req.url ?? '', signature: String(req.headers['x-twilio-signature']), body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    const local = await startFakeTwilio({ callbackTarget: base });
    try {
      const sdk = twilio(local.accountSid, local.authToken, { httpClient: createTwilioFetchClient({ baseUrl: local.url }) });
      local.autoComplete(20);
      await sdk.messages.create({ to: '+15551233001', from: FROM, body: 'x', statusCallback: `${CALLBACK}?delivery_id=auto-1` });
      for (let i = 0; i < 100 && received.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
      expect(received.map((r) => new URLSearchParams(r.body).get('MessageStatus'))).toEqual(['sent', 'delivered']);
      expect(received[0]?.path).toBe('/webhooks/twilio?delivery_id=auto-1');
      // Signed over the public URL, not the address it was posted to.
      const check = await verifyTwilioSignature({ authToken: local.authToken, url: `${CALLBACK}?delivery_id=auto-1`, rawBody: received[0]!.body, signature: received[0]!.signature });
      expect(check).toEqual({ ok: true });
    } finally {
      await local.close();
      await new Promise((resolve) => receiver.close(resolve));
    }
  });
});

describe('helpers', () => {
  it('rewrites Twilio URLs onto a base URL and leaves them alone without one', () => {
    const uri = 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?PageSize=2';
    expect(rewriteTwilioUrl(uri, 'http://127.0.0.1:9/proxy/')).toBe('http://127.0.0.1:9/proxy/2010-04-01/Accounts/AC1/Messages.json?PageSize=2');
    expect(rewriteTwilioUrl(uri, undefined)).toBe(uri);
  });

  it('counts SMS segments for GSM-7 and UCS-2', () => {
    expect(countSegments('x'.repeat(160))).toBe(1);
    expect(countSegments('x'.repeat(161))).toBe(2);
    expect(countSegments('{'.repeat(80))).toBe(1); // extension characters count twice
    expect(countSegments('中'.repeat(70))).toBe(1);
    expect(countSegments('中'.repeat(71))).toBe(2);
    expect(countSegments(`${'x'.repeat(100)}’`)).toBe(2); // one smart quote makes it UCS-2
  });
});
