// The typed context every handler sees: request id, services, and the caller's identity.
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { RenderContext } from '../notices/service.js';
import type { PublicPages } from '../announcements/public.js';
import type { TransitionGuard } from '../incidents/service.js';
import type { Runbook } from '../runbooks/parse.js';
import type { DraftRenderer } from '../obligations/draft.js';
import type { LetterDeps } from '../delivery/letters/service.js';

export const roles = ['admin', 'responder', 'approver', 'viewer'] as const;
export type Role = (typeof roles)[number];

export interface Principal {
  keyId: string;
  name: string;
  role: Role;
}

export interface Services {
  db: Db;
  clock: Clock;
  config: Config;
  logger: Logger;
  notices: RenderContext;
  /** What the database can do beyond plain SQL: COPY FROM STDIN on PostgreSQL, not on the embedded PGlite. */
  dbFeatures: { copy: boolean };
  /** The response runbooks, loaded and checked at start. */
  runbooks: Map<string, Runbook>;
  /** Checks other parts of breachkit place on incident status changes. */
  transitionGuards: readonly TransitionGuard[];
  publicPage: { cache: PublicPages; baseUrl: string };
  /** What the runtime adds when a directory upload is over IMPORT_LIMIT_BYTES (Workers: the edge's cap, and the way round it). */
  importLimitNote?: string;
  /** Report drafts for regulators, from templates/obligations. */
  drafts: DraftRenderer;
  /** The process is stopping: streams end at `draining`, long work gives up at `halted` (Node only; none on Workers). */
  lifecycle?: { draining: AbortSignal; halted: AbortSignal };
  /** Deliveries became ready to send: on Workers they go on the Queue now (see AppDeps). */
  deliveriesReady?: (ready: { resumedRun?: string }) => Promise<void>;
  /** What letters need: the fonts (Node only), the notice renderer, which countries go through Lob. */
  letters: LetterDeps;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    services: Services;
    principal: Principal;
    logger: Logger;
  };
}
