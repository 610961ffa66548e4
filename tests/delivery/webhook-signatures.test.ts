// The webhook verifiers against webhooks the fakes sign: valid ones pass; tampered, foreign-key, stale and unsigned ones fail with a reason.
import { createHash, generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import fc from 'fast-check';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { derToRawEcdsaSignature, verifySendgridSignature, verifyTwilioSignature } from '../../src/delivery/webhook-signatures.js';
import { generateSendgridWebhookKeys, SIGNATURE_HEADER, startFakeSendgrid, TIMESTAMP_HEADER, type FakeSendgrid } from '../fakes/sendgrid.js';
import { twilioSignature } from '../fakes/twilio.js';

let sendgrid: FakeSendgrid;
beforeAll(async () => {
  sendgrid = await startFakeSendgrid();
});
afterAll(async () => {
  await sendgrid.close();
});

const events = [
  { email: 'a@example.test', timestamp: 1_700_000_000, event: 'delivered', sg_event_id: 'ZGVsaXZlcmVk', sg_message_id: 'abc.filter0001.1.0.0', delivery_id: 'd-1' },
  { email: 'b@example.test', timestamp: 1_700_000_001, event: 'bounce', sg_event_id: 'Ym91bmNl', sg_message_id: 'abc.filter0001.1.1.0', delivery_id: 'd-2', type: 'bounce' },
];

describe('verifySendgridSignature', () => {
  const now = new Date();
  const ts = Math.floor(now.getTime() / 1000);
  const check = (signed: { body: string; headers: Record<string, string> }, overrides: Partial<Parameters<typeof verifySendgridSignature>[0]> = {}) =>
    verifySendgridSignature({
      publicKey: sendgrid.publicKey,
      signature: signed.headers[SIGNATURE_HEADER],
      timestamp: signed.headers[TIMESTAMP_HEADER],
      rawBody: signed.body,
      now,
      ...overrides,
    });

  it('accepts a batch the fake signed, as text or bytes, with the key bare or in PEM', async () => {
    const signed = sendgrid.signedWebhook(events, { timestamp: ts });
    expect(await check(signed)).toEqual({ ok: true });
    expect(await check(signed, { rawBody: new TextEncoder().encode(signed.body) })).toEqual({ ok: true });
    const pem = `-----BEGIN PUBLIC KEY-----\n${sendgrid.publicKey.match(/.{1,64}/g)!.join('\n')}\n-----END PUBLIC KEY-----\n`;
    expect(await check(signed, { publicKey: pem })).toEqual({ ok: true });
  });

  it('rejects a tampered body, even one with the same parsed JSON', async () => {
    const signed = sendgrid.signedWebhook(events, { timestamp: ts });
    const changed = signed.body.replace('"delivered"', '"dropped"');
    expect(await check(signed, { rawBody: changed })).toMatchObject({ ok: false, reason: 'mismatch' });
    const reformatted = JSON.stringify(JSON.parse(signed.body), null, 1);
    expect(await check(signed, { rawBody: reformatted })).toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it('rejects a signature made with another key', async () => {
    const other = generateSendgridWebhookKeys();
    const body = JSON.stringify(events);
    const signature = other.sign(body, String(ts));
    expect(await check({ body, headers: { [SIGNATURE_HEADER]: signature, [TIMESTAMP_HEADER]: String(ts) } })).toMatchObject({ ok: false, reason: 'mismatch' });
    // And the fake's own signature does not pass under the other key.
    expect(await check(sendgrid.signedWebhook(events, { timestamp: ts }), { publicKey: other.publicKey })).toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it('rejects a replayed old timestamp and one from the future; a changed timestamp breaks the signature', async () => {
    const old = sendgrid.signedWebhook(events, { timestamp: ts - 3600 });
    expect(await check(old)).toMatchObject({ ok: false, reason: 'stale' });
    expect(await check(old, { maxAgeSeconds: 7200 })).toEqual({ ok: true });
    expect(await check(sendgrid.signedWebhook(events, { timestamp: ts + 600 }))).toMatchObject({ ok: false, reason: 'stale' });
    const signed = sendgrid.signedWebhook(events, { timestamp: ts - 10 });
    expect(await check({ body: signed.body, headers: { ...signed.headers, [TIMESTAMP_HEADER]: String(ts) } })).toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it('rejects missing headers or key, and malformed values', async () => {
    const signed = sendgrid.signedWebhook(events, { timestamp: ts });
    expect(await check(signed, { signature: undefined })).toMatchObject({ ok: false, reason: 'missing' });
    expect(await check(signed, { timestamp: null })).toMatchObject({ ok: false, reason: 'missing' });
    expect(await check(signed, { publicKey: '' })).toMatchObject({ ok: false, reason: 'missing' });
    expect(await check(signed, { timestamp: 'yesterday' })).toMatchObject({ ok: false, reason: 'malformed' });
    expect(await check(signed, { signature: 'not base64!' })).toMatchObject({ ok: false, reason: 'malformed' });
    expect(await check(signed, { signature: btoa('not a DER signature') })).toMatchObject({ ok: false, reason: 'malformed' });
    expect(await check(signed, { publicKey: btoa('not a key') })).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('verifies every DER signature node:crypto makes (short and padded r and s)', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const spki = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    let signPadded = 0;
    for (let i = 0; i < 300; i++) {
      const body = `[{"n":${i}}]`;
      const der = nodeSign('sha256', Buffer.from(`${ts}${body}`), privateKey);
      if (der[3] === 33) signPadded++; // r with its high bit set carries a leading zero byte
      const result = await verifySendgridSignature({ publicKey: spki, signature: der.toString('base64'), timestamp: String(ts), rawBody: body, now });
      expect(result).toEqual({ ok: true });
    }
    // About half of all signatures have a padded r; short ones (1 in 256) are covered by the next test.
    expect(signPadded).toBeGreaterThan(0);
  });

  it('converts DER to r‖s, left-padding short integers and stripping sign bytes', () => {
    const r = [0x01, 0x02];
    const s = [0x00, 0x80, ...Array<number>(31).fill(0x11)];
    const der = new Uint8Array([0x30, 4 + r.length + s.length, 0x02, r.length, ...r, 0x02, s.length, ...s]);
    const raw = derToRawEcdsaSignature(der)!;
    expect(raw).toHaveLength(64);
    expect([...raw.subarray(0, 32)]).toEqual([...Array<number>(30).fill(0), 0x01, 0x02]);
    expect([...raw.subarray(32)]).toEqual([0x80, ...Array<number>(31).fill(0x11)]);
    expect(derToRawEcdsaSignature(der.subarray(0, der.length - 1))).toBeNull();
    expect(derToRawEcdsaSignature(new Uint8Array([0x30, 6, 0x02, 1, 0x80, 0x02, 1, 0x01]))).toBeNull();
  });
});

describe('verifyTwilioSignature', () => {
  const authToken = 'fake-auth-token-0123456789abcdef';
  const url = 'https://breachkit.example/webhooks/twilio?delivery_id=d-42';
  const params = {
    AccountSid: `AC${'0'.repeat(31)}1`,
    ApiVersion: '2010-04-01',
    ErrorCode: '30005',
    From: '+15005550006',
    MessageSid: `SM${'1'.repeat(32)}`,
    MessageStatus: 'undelivered',
    To: '+15551230001',
  };
  const signature = twilioSignature(authToken, url, params);

  it('accepts a callback signed over the full URL and every field, as a record, URLSearchParams or raw form body', async () => {
    expect(await verifyTwilioSignature({ authToken, url, params, signature })).toEqual({ ok: true });
    expect(await verifyTwilioSignature({ authToken, url, params: new URLSearchParams(params), signature })).toEqual({ ok: true });
    expect(await verifyTwilioSignature({ authToken, url, rawBody: new URLSearchParams(params).toString(), signature })).toEqual({ ok: true });
  });

  it('accepts the URL with or without the default port', async () => {
    const withPort = 'https://breachkit.example:443/webhooks/twilio?delivery_id=d-42';
    expect(await verifyTwilioSignature({ authToken, url: withPort, params, signature })).toEqual({ ok: true });
    const signedWithPort = twilioSignature(authToken, withPort, params);
    expect(await verifyTwilioSignature({ authToken, url, params, signature: signedWithPort })).toEqual({ ok: true });
  });

  it('rejects a changed field, an extra field, another URL or another token', async () => {
    const mismatch = { ok: false, reason: 'mismatch' };
    expect(await verifyTwilioSignature({ authToken, url, params: { ...params, MessageStatus: 'delivered' }, signature })).toMatchObject(mismatch);
    expect(await verifyTwilioSignature({ authToken, url, params: { ...params, Extra: '1' }, signature })).toMatchObject(mismatch);
    expect(await verifyTwilioSignature({ authToken, url: url.replace('d-42', 'd-43'), params, signature })).toMatchObject(mismatch);
    expect(await verifyTwilioSignature({ authToken: 'another-token', url, params, signature })).toMatchObject(mismatch);
  });

  it('rejects a missing or malformed signature, or no token', async () => {
    expect(await verifyTwilioSignature({ authToken, url, params, signature: undefined })).toMatchObject({ ok: false, reason: 'missing' });
    expect(await verifyTwilioSignature({ authToken: '', url, params, signature })).toMatchObject({ ok: false, reason: 'missing' });
    expect(await verifyTwilioSignature({ authToken, url, params, signature: 'AAAA' })).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('checks JSON bodies through bodySHA256', async () => {
    const body = JSON.stringify({ MessageSid: params.MessageSid, MessageStatus: 'delivered' });
    const hash = createHash('sha256').update(body).digest('hex');
    const jsonUrl = `https://breachkit.example/webhooks/twilio?bodySHA256=${hash}`;
    const sig = twilioSignature(authToken, jsonUrl, {});
    expect(twilio.validateRequestWithBody(authToken, sig, jsonUrl, body)).toBe(true);
    expect(await verifyTwilioSignature({ authToken, url: jsonUrl, rawBody: body, signature: sig })).toEqual({ ok: true });
    expect(await verifyTwilioSignature({ authToken, url: jsonUrl, rawBody: body.replace('delivered', 'failed'), signature: sig })).toMatchObject({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('agrees with the twilio SDK validateRequest on arbitrary fields, repeated values and tampering', async () => {
    const field = fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,11}$/);
    const value = fc.string({ maxLength: 20 });
    await fc.assert(
      fc.asyncProperty(fc.dictionary(field, fc.oneof(value, fc.array(value, { minLength: 1, maxLength: 3 }))), fc.boolean(), async (fields, tamper) => {
        const sig = twilioSignature(authToken, url, fields);
        const presented = tamper ? { ...fields, Tampered: 'yes' } : fields;
        const expected = twilio.validateRequest(authToken, sig, url, presented);
        const actual = await verifyTwilioSignature({ authToken, url, params: presented, signature: sig });
        expect(actual.ok).toBe(expected);
        expect(actual.ok).toBe(!tamper);
      }),
      { numRuns: 150 },
    );
  });
});
