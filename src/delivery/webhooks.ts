// Provider webhooks: signed by SendGrid (ECDSA) and Twilio (HMAC-SHA1); anything unsigned, forged or stale changes nothing.
import { z, type RouteConfig } from '@hono/zod-openapi';
import { Hono } from 'hono';
import type { AppEnv } from '../http/context.js';
import { ApiError } from '../http/errors.js';
import { problemDoc } from '../http/openapi.js';
import { recordProviderEvent, type EventEffect } from './events.js';
import { verifySendgridSignature, verifyTwilioSignature } from './webhook-signatures.js';

const refused = (reason: string) => new ApiError('unauthorized', `The webhook signature was refused (${reason}); nothing was recorded.`);

export const webhookRoutes = new Hono<AppEnv>()
  .post('/webhooks/sendgrid', async (c) => {
    const { db, clock, config } = c.var.services;
    if (!config.SENDGRID_WEBHOOK_PUBLIC_KEY) throw new ApiError('not_found', 'SendGrid webhooks are not configured here.');
    const raw = new Uint8Array(await c.req.arrayBuffer());
    const check = await verifySendgridSignature({
      publicKey: config.SENDGRID_WEBHOOK_PUBLIC_KEY,
      signature: c.req.header('x-twilio-email-event-webhook-signature') ?? null,
      timestamp: c.req.header('x-twilio-email-event-webhook-timestamp') ?? null,
      rawBody: raw,
      now: clock.now(),
    });
    if (!check.ok) throw refused(check.reason);
    let events: unknown;
    try {
      events = JSON.parse(new TextDecoder().decode(raw));
    } catch {
      throw new ApiError('malformed_json', 'The event batch is not JSON.');
    }
    if (!Array.isArray(events)) throw new ApiError('bad_request', 'The event batch must be a JSON array.');
    const effects: Record<EventEffect, number> = { applied: 0, duplicate: 0, ignored: 0, unknown_delivery: 0 };
    for (const e of events as Record<string, unknown>[]) {
      if (typeof e?.sg_event_id !== 'string' || typeof e.event !== 'string') {
        effects.ignored++;
        continue;
      }
      // The payload kept as proof leaves the address out.
      const { email: _email, ...payload } = e;
      effects[
        await recordProviderEvent(
          db,
          { provider: 'sendgrid', eventId: e.sg_event_id, deliveryId: typeof e.delivery_id === 'string' ? e.delivery_id : null, kind: e.event, errorCode: typeof e.type === 'string' ? e.type : null, payload },
          clock.now(),
        )
      ]++;
    }
    return c.json({ received: events.length, ...effects });
  })
  .post('/webhooks/twilio', async (c) => {
    const { db, clock, config } = c.var.services;
    if (!config.TWILIO_AUTH_TOKEN || !config.PUBLIC_BASE_URL) throw new ApiError('not_found', 'Twilio webhooks are not configured here.');
    const raw = await c.req.text();
    const params = new URLSearchParams(raw);
    const url = new URL(c.req.url);
    // Twilio signs the public address it called, which a proxy or load balancer may have rewritten.
    const publicUrl = `${config.PUBLIC_BASE_URL.replace(/\/$/, '')}${url.pathname}${url.search}`;
    const check = await verifyTwilioSignature({ authToken: config.TWILIO_AUTH_TOKEN, url: publicUrl, params, signature: c.req.header('x-twilio-signature') ?? null });
    if (!check.ok) throw refused(check.reason);
    const sid = params.get('MessageSid') ?? params.get('CallSid');
    const status = params.get('MessageStatus') ?? params.get('CallStatus');
    if (!sid || !status) throw new ApiError('bad_request', 'The callback names no message or call status.');
    const { To: _to, From: _from, ...payload } = Object.fromEntries(params);
    const effect = await recordProviderEvent(
      db,
      { provider: 'twilio', eventId: `${sid}:${status}`, deliveryId: url.searchParams.get('delivery_id'), kind: status, errorCode: params.get('ErrorCode'), payload },
      clock.now(),
    );
    return c.json({ effect });
  });

const webhookProblems = {
  400: problemDoc('The payload is not what the provider sends'),
  401: problemDoc('Unsigned, forged or stale: nothing was recorded'),
  404: problemDoc('This provider\'s webhooks are not configured here'),
  413: problemDoc('Body larger than 5 MB'),
  500: problemDoc('Unexpected error (the body names only the request id)'),
};

/** The OpenAPI description of the webhook routes, which read the raw body to check its signature. */
export const webhookRouteDocs: RouteConfig[] = [
  {
    method: 'post',
    path: '/webhooks/sendgrid',
    operationId: 'receiveSendgridEvents',
    tags: ['Provider webhooks'],
    summary: 'SendGrid event webhook (ECDSA-signed)',
    description: 'Verified against SENDGRID_WEBHOOK_PUBLIC_KEY on the raw body; each event is stored once under its sg_event_id and applied by status precedence.',
    security: [],
    request: {
      headers: z.object({
        'x-twilio-email-event-webhook-signature': z.string().openapi({ description: 'Base64 ECDSA signature of timestamp + body.' }),
        'x-twilio-email-event-webhook-timestamp': z.string().openapi({ description: 'Unix seconds the batch was signed at.' }),
      }),
      body: { required: true, content: { 'application/json': { schema: z.array(z.object({ sg_event_id: z.string(), event: z.string(), delivery_id: z.string().optional() }).passthrough()) } } },
    },
    responses: {
      200: { description: 'Counts of what the batch changed', content: { 'application/json': { schema: z.object({ received: z.number().int(), applied: z.number().int(), duplicate: z.number().int(), ignored: z.number().int(), unknown_delivery: z.number().int() }) } } },
      ...webhookProblems,
    },
  },
  {
    method: 'post',
    path: '/webhooks/twilio',
    operationId: 'receiveTwilioStatusCallback',
    tags: ['Provider webhooks'],
    summary: 'Twilio message and call status callback (HMAC-SHA1-signed)',
    description: 'Verified against TWILIO_AUTH_TOKEN and PUBLIC_BASE_URL + path; stored once per (sid, status).',
    security: [],
    request: {
      query: z.object({ delivery_id: z.string().optional().openapi({ description: 'The delivery the callback is about, set when the message was sent.' }) }),
      headers: z.object({ 'x-twilio-signature': z.string().openapi({ description: 'Base64 HMAC-SHA1 of the URL and the sorted parameters.' }) }),
      body: {
        required: true,
        content: {
          'application/x-www-form-urlencoded': {
            schema: z.object({ MessageSid: z.string().optional(), MessageStatus: z.string().optional(), CallSid: z.string().optional(), CallStatus: z.string().optional(), ErrorCode: z.string().optional() }).passthrough(),
          },
        },
      },
    },
    responses: {
      200: { description: 'What the callback changed', content: { 'application/json': { schema: z.object({ effect: z.enum(['applied', 'duplicate', 'ignored', 'unknown_delivery']) }) } } },
      ...webhookProblems,
    },
  },
];
