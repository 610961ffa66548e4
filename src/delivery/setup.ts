// Builds what a delivery worker needs from the configuration: providers (capture mode without credentials) and pacing.
import { publicBaseUrl, type Config } from '../config.js';
import type { Db } from '../db/client.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { sleep } from '../lib/sleep.js';
import type { NoticeRenderer } from '../notices/renderer.js';
import { newClaimPosition, type DispatchDeps } from './dispatch.js';
import { defaultBackoff, SharedTokenBucket } from './pacing.js';
import { captureProvider } from './providers/capture.js';
import { sendgridProvider } from './providers/sendgrid.js';
import { twilioProvider } from './providers/twilio.js';
import { inappProvider } from './providers/inapp.js';
import type { DeliveryProvider } from './providers/types.js';
import type { WorkerChannel } from './ledger.js';
import type RequestClient from 'twilio/lib/base/RequestClient';

/** Real providers where credentials are configured; capture mode (nothing sent) elsewhere. */
export function providersFor(config: Config, baseUrl: string, logger: Logger, twilioHttpClient?: RequestClient): Record<WorkerChannel, DeliveryProvider> {
  const email =
    config.SENDGRID_API_KEY && config.SENDGRID_FROM
      ? sendgridProvider({
          apiKey: config.SENDGRID_API_KEY,
          from: config.SENDGRID_FROM,
          baseUrl: config.SENDGRID_API_URL,
          timeoutMs: config.PROVIDER_TIMEOUT_MS,
          concurrency: config.SENDGRID_MAX_IN_FLIGHT,
        })
      : captureProvider('email', logger);
  // Calls need a caller number; a Messaging Service alone carries SMS only.
  const twilio = (channel: 'sms' | 'voice') =>
    config.TWILIO_ACCOUNT_SID && config.TWILIO_AUTH_TOKEN && (channel === 'sms' || config.TWILIO_FROM)
      ? twilioProvider(channel, {
          accountSid: config.TWILIO_ACCOUNT_SID,
          authToken: config.TWILIO_AUTH_TOKEN,
          from: config.TWILIO_FROM,
          messagingServiceSid: config.TWILIO_MESSAGING_SERVICE_SID,
          baseUrl: config.TWILIO_API_URL,
          statusCallbackUrl: `${baseUrl}/webhooks/twilio`,
          concurrency: config.TWILIO_MAX_IN_FLIGHT,
          timeoutMs: config.PROVIDER_TIMEOUT_MS,
          httpClient: twilioHttpClient,
        })
      : captureProvider(channel, logger);
  const inapp =
    config.INAPP_WEBHOOK_URL && config.INAPP_WEBHOOK_SECRET ? inappProvider({ url: config.INAPP_WEBHOOK_URL, secret: config.INAPP_WEBHOOK_SECRET, timeoutMs: config.PROVIDER_TIMEOUT_MS }) : captureProvider('inapp', logger);
  return { email, sms: twilio('sms'), voice: twilio('voice'), inapp };
}

/** `twilioHttpClient`, `sha256Hex`: what the host offers instead of `fetch` and pure-JS hashing (on Node: kept-alive node:http, node:crypto). */
export function dispatchDeps(p: {
  config: Config;
  db: Db;
  renderer: NoticeRenderer;
  clock: Clock;
  logger: Logger;
  owner: string;
  twilioHttpClient?: RequestClient;
  /** The host's native SHA-256 (node:crypto on Node). */
  sha256Hex?: (text: string) => string;
}): DispatchDeps {
  const baseUrl = publicBaseUrl(p.config);
  return {
    db: p.db,
    renderer: p.renderer,
    providers: providersFor(p.config, baseUrl, p.logger, p.twilioHttpClient),
    clock: p.clock,
    logger: p.logger,
    owner: p.owner,
    batchSize: p.config.DELIVERY_BATCH_SIZE,
    leaseMs: p.config.DELIVERY_LEASE_MS,
    unknownGraceMs: p.config.DELIVERY_UNKNOWN_GRACE_MS,
    unknownOutcome: p.config.DELIVERY_UNKNOWN_OUTCOME,
    backoff: defaultBackoff,
    publicNoticeUrl: `${baseUrl}/status`,
    noticePageBaseUrl: baseUrl,
    claimCursor: newClaimPosition(),
    ...(p.sha256Hex ? { sha256Hex: p.sha256Hex } : {}),
    // Per provider and sender, shared by every process sending through the same database: the
    // configured rate is what all of them send together.
    buckets: {
      email: new SharedTokenBucket(p.db, { key: `email:sendgrid:${p.config.SENDGRID_FROM ?? ''}`, rate: p.config.EMAIL_RATE_PER_SECOND, sleep }),
      sms: new SharedTokenBucket(p.db, { key: `sms:twilio:${p.config.TWILIO_MESSAGING_SERVICE_SID ?? p.config.TWILIO_FROM ?? ''}`, rate: p.config.SMS_SEGMENTS_PER_SECOND, sleep }),
      voice: new SharedTokenBucket(p.db, { key: `voice:twilio:${p.config.TWILIO_FROM ?? ''}`, rate: p.config.VOICE_CALLS_PER_SECOND, sleep }),
    },
  };
}
