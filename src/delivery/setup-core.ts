// Builds what a delivery worker needs from the configuration (providers, capture mode without credentials, pacing), over the transports the runtime gives: no SDK here.
import { providerTimeoutMs, publicBaseUrl, type Config } from '../config.js';
import type { Db } from '../db/client.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { sleep } from '../lib/sleep.js';
import type { NoticeRenderer } from '../notices/renderer.js';
import { newClaimPosition, type DispatchDeps } from './dispatch.js';
import { defaultBackoff, SharedTokenBucket } from './pacing.js';
import { configuredChannels } from './provider-config.js';
import { captureProvider } from './providers/capture.js';
import { sendgridProvider } from './providers/sendgrid.js';
import { twilioProvider } from './providers/twilio.js';
import { inappProvider } from './providers/inapp.js';
import type { DeliveryProvider } from './providers/types.js';
import { slots } from './providers/pool.js';
import type { ProviderTransport } from './providers/transport.js';
import type { WorkerChannel } from './ledger.js';

/** How the runtime reaches each provider's REST API: the SDKs' clients on Node (setup.ts), fetch on Workers. */
export interface ProviderTransports {
  sendgrid(o: { apiKey: string; baseUrl?: string; timeoutMs?: number }): ProviderTransport;
  twilio(o: { accountSid: string; authToken: string; baseUrl?: string; timeoutMs?: number }): ProviderTransport;
  /** Requests one send keeps in flight at most, whatever the settings say (Workers allow 6 open connections per invocation). */
  maxInFlight?: number;
}

const capped = (n: number, cap: number | undefined) => (cap === undefined ? n : Math.min(n, cap));

/** Real providers where credentials are configured; capture mode (nothing sent) elsewhere. */
export function providersFor(config: Config, baseUrl: string, logger: Logger, transports: ProviderTransports): Record<WorkerChannel, DeliveryProvider> {
  const configured = configuredChannels(config);
  const timeout = (provider: 'sendgrid' | 'twilio' | 'inapp') => providerTimeoutMs(config, provider);
  // SMS and calls go through one Twilio account: one limit on the requests both keep in flight.
  const twilioSlots = slots(capped(config.TWILIO_MAX_IN_FLIGHT, transports.maxInFlight));
  const email = configured.email
    ? sendgridProvider(
        {
          apiKey: config.SENDGRID_API_KEY!,
          from: config.SENDGRID_FROM!,
          baseUrl: config.SENDGRID_API_URL,
          timeoutMs: timeout('sendgrid'),
          concurrency: capped(config.SENDGRID_MAX_IN_FLIGHT, transports.maxInFlight),
        },
        transports.sendgrid({ apiKey: config.SENDGRID_API_KEY!, baseUrl: config.SENDGRID_API_URL, timeoutMs: timeout('sendgrid') }),
      )
    : captureProvider('email', logger);
  const twilio = (channel: 'sms' | 'voice') =>
    configured[channel]
      ? twilioProvider(
          channel,
          {
            accountSid: config.TWILIO_ACCOUNT_SID!,
            authToken: config.TWILIO_AUTH_TOKEN!,
            from: config.TWILIO_FROM,
            messagingServiceSid: config.TWILIO_MESSAGING_SERVICE_SID,
            baseUrl: config.TWILIO_API_URL,
            statusCallbackUrl: `${baseUrl}/webhooks/twilio`,
            slots: twilioSlots,
            timeoutMs: timeout('twilio'),
          },
          transports.twilio({ accountSid: config.TWILIO_ACCOUNT_SID!, authToken: config.TWILIO_AUTH_TOKEN!, baseUrl: config.TWILIO_API_URL, timeoutMs: timeout('twilio') }),
        )
      : captureProvider(channel, logger);
  const inapp = configured.inapp
      ? inappProvider({ url: config.INAPP_WEBHOOK_URL!, secret: config.INAPP_WEBHOOK_SECRET!, concurrency: capped(20, transports.maxInFlight), timeoutMs: timeout('inapp') })
      : captureProvider('inapp', logger);
  return { email, sms: twilio('sms'), voice: twilio('voice'), inapp };
}

/** `sha256Hex`: the host's native SHA-256 where it has one (node:crypto on Node); the portable one otherwise. */
export function dispatchDeps(p: {
  config: Config;
  db: Db;
  renderer: NoticeRenderer;
  clock: Clock;
  logger: Logger;
  owner: string;
  transports: ProviderTransports;
  sha256Hex?: (text: string) => string;
}): DispatchDeps {
  const baseUrl = publicBaseUrl(p.config);
  return {
    db: p.db,
    renderer: p.renderer,
    providers: providersFor(p.config, baseUrl, p.logger, p.transports),
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
