// Builds what a delivery worker needs from the configuration: providers (capture mode for now) and pacing.
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { NoticeRenderer } from '../notices/renderer.js';
import type { DispatchDeps } from './dispatch.js';
import { defaultBackoff, TokenBucket } from './pacing.js';
import { captureProvider } from './providers/capture.js';

export function dispatchDeps(p: { config: Config; db: Db; renderer: NoticeRenderer; clock: Clock; logger: Logger; owner: string }): DispatchDeps {
  const baseUrl = (p.config.PUBLIC_BASE_URL ?? `http://localhost:${p.config.PORT}`).replace(/\/$/, '');
  const now = p.clock.now().getTime();
  return {
    db: p.db,
    renderer: p.renderer,
    providers: { email: captureProvider('email', p.logger), sms: captureProvider('sms', p.logger), voice: captureProvider('voice', p.logger) },
    clock: p.clock,
    logger: p.logger,
    owner: p.owner,
    batchSize: p.config.DELIVERY_BATCH_SIZE,
    leaseMs: p.config.DELIVERY_LEASE_MS,
    backoff: defaultBackoff,
    publicNoticeUrl: `${baseUrl}/status`,
    buckets: {
      email: new TokenBucket(p.config.EMAIL_RATE_PER_SECOND, p.config.EMAIL_RATE_PER_SECOND, now),
      sms: new TokenBucket(p.config.SMS_SEGMENTS_PER_SECOND, p.config.SMS_SEGMENTS_PER_SECOND, now),
      voice: new TokenBucket(p.config.VOICE_CALLS_PER_SECOND, p.config.VOICE_CALLS_PER_SECOND, now),
    },
  };
}
