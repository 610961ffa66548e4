// Cloudflare Workers entry: the same app (a postgres.js client per request through Hyperdrive), the Queue consumer that sends, and the cron sweeps.
import type { ExecutionContext } from 'hono';
import { createApp } from './app.js';
import { bootstrapAdminKey } from './api-keys/service.js';
import { loadConfig, type Config } from './config.js';
import type { Db } from './db/client.js';
import { connectWorkerDatabase } from './db/worker-client.js';
import { completeFinishedRuns, reconcileExpired } from './delivery/dispatch.js';
import { owedToQueue } from './delivery/ledger.js';
import { sendgridFetchTransport } from './delivery/providers/sendgrid-fetch.js';
import { twilioFetchTransport } from './delivery/providers/twilio-fetch.js';
import { consumeDeliveries, enqueueReady, type DeliveryQueueMessage, type DeliveryQueueProducer, type QueueSettings } from './delivery/queue.js';
import { dispatchDeps, type ProviderTransports } from './delivery/setup-core.js';
import { failInterruptedImports } from './directory/service.js';
import { systemClock } from './lib/clock.js';
import { createLogger, type Logger } from './lib/logger.js';
import { runbookFiles, templateFiles } from './assets.generated.js';
import { loadRunbooks } from './runbooks/parse.js';
import { createNoticeRenderer } from './notices/render.js';
import type { NoticeRenderer } from './notices/renderer.js';
import { createDraftRenderer } from './obligations/draft.js';
import { EdgePageCache, type EdgeCache } from './announcements/edge-cache.js';
import { sweepReminders } from './obligations/reminders.js';

export interface WorkerEnv {
  HYPERDRIVE?: { connectionString: string };
  /** The Queue the fan-out runs on (producer binding); its consumer is this Worker's `queue()`. */
  DELIVERY_QUEUE?: DeliveryQueueProducer;
  [setting: string]: unknown;
}

interface Runtime {
  config: Config;
  logger: Logger;
  renderer: NoticeRenderer;
}

let runtime: Runtime | undefined;
let app: ReturnType<typeof createApp> | undefined;
/** This isolate has registered BREACHKIT_ADMIN_TOKEN (the database keeps it; each isolate checks once). */
let adminRegistered = false;

/** Provider REST APIs through fetch; at most 4 requests in flight, so with the database an invocation stays under Workers' 6 open connections. */
const fetchTransports: ProviderTransports = { sendgrid: sendgridFetchTransport, twilio: twilioFetchTransport, maxInFlight: 4 };

/**
 * Cloudflare's edge answers a request body over the plan's cap (100 MB on Free and Pro) with its own
 * 413 before the Worker runs; below it, breachkit's own limit answers, with a way round it.
 */
const workersImportLimitBytes = 95_000_000;
const importLimitNote =
  'On Cloudflare Workers one request carries at most 100 MB (the edge refuses more before breachkit sees it). Gzip a bigger directory first (one packs about 13×) and send the .gz with `npm run import`, or send it with `npm run import` to breachkit on Node (`npm start`) using the same database (4 GiB by default there).';

function settings(env: WorkerEnv): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
}

function runtimeOf(env: WorkerEnv): Runtime {
  if (!runtime) {
    const config = loadConfig({ IMPORT_LIMIT_BYTES: String(workersImportLimitBytes), ...settings(env) });
    runtime = { config, logger: createLogger(config.LOG_LEVEL), renderer: createNoticeRenderer(templateFiles, { smsMaxParts: config.SMS_MAX_PARTS }) };
  }
  return runtime;
}

/** One client per request or invocation: Workers may not share sockets across them; the context closes it. */
function databaseOf(env: WorkerEnv): Db {
  const url = env.HYPERDRIVE?.connectionString;
  if (!url) throw new Error('the HYPERDRIVE binding is not configured');
  return connectWorkerDatabase(url);
}

const queueSettings = (config: Config): QueueSettings => ({ idsPerMessage: config.QUEUE_IDS_PER_MESSAGE, maxEnqueued: config.QUEUE_MAX_ENQUEUED, redriveMs: config.QUEUE_REDRIVE_MS });

const deliveryDeps = (r: Runtime, db: Db, role: string) =>
  dispatchDeps({ config: r.config, db, renderer: r.renderer, clock: systemClock, logger: r.logger, owner: `${role}-${crypto.randomUUID().slice(0, 8)}`, transports: fetchTransports });

/** As on Node at start: BREACHKIT_ADMIN_TOKEN (a Workers secret) is registered, here on the first request that presents it. */
async function registerAdminOnFirstUse(request: Request, env: WorkerEnv, config: Config): Promise<void> {
  const token = config.BREACHKIT_ADMIN_TOKEN;
  if (adminRegistered || !token || request.headers.get('authorization') !== `Bearer ${token}`) return;
  await bootstrapAdminKey(databaseOf(env), token, systemClock.now());
  adminRegistered = true;
}

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    const r = runtimeOf(env);
    if (!app) {
      app = createApp({
        runbooks: loadRunbooks(runbookFiles),
        renderer: r.renderer,
        drafts: createDraftRenderer(templateFiles),
        config: r.config,
        logger: r.logger,
        clock: systemClock,
        importLimitNote,
        // The data centre's cache, keyed by publish generation: no isolate polls the database.
        publicPages: (options) => new EdgePageCache({ ...options, logger: r.logger, cache: (caches as unknown as { default: EdgeCache }).default }),
        database: (e) => databaseOf(e as WorkerEnv),
        deliveriesReady: async (e, db, ready) => {
          const queue = (e as WorkerEnv).DELIVERY_QUEUE;
          if (!queue) return;
          if (ready.resumedRun) await owedToQueue(db, ready.resumedRun);
          await enqueueReady(db, queue, queueSettings(r.config), systemClock.now());
        },
      });
    }
    try {
      await registerAdminOnFirstUse(request, env, r.config);
    } catch (err) {
      // The request goes on (and is refused like any unknown key); the next one tries again.
      r.logger.error({ err }, 'registering BREACHKIT_ADMIN_TOKEN failed');
    }
    return app.fetch(request, env, ctx);
  },

  /** Sends what each message names, acknowledging message by message; then puts what it requeued (retries, fallbacks) back on the queue. */
  async queue(batch: { readonly queue: string; readonly messages: readonly DeliveryQueueMessage[] }, env: WorkerEnv): Promise<void> {
    const r = runtimeOf(env);
    const db = databaseOf(env);
    const tally = await consumeDeliveries(deliveryDeps(r, db, 'queue'), batch.messages);
    r.logger.info({ queue: batch.queue, messages: batch.messages.length, ...tally }, 'delivery queue batch');
    if (!env.DELIVERY_QUEUE) return;
    try {
      await enqueueReady(db, env.DELIVERY_QUEUE, queueSettings(r.config), systemClock.now());
    } catch (err) {
      // The cron run puts them on the queue later; every message of this batch is already settled.
      r.logger.error({ err }, 'putting requeued deliveries back on the queue failed; the cron run will');
    }
  },

  /**
   * The clocks (Cron Triggers): interrupted sends reconciled, rows that fell out of the queue put back,
   * finished runs completed, deadline reminders sent, silent imports marked failed. Each step runs even
   * when another failed; the invocation fails afterwards if any did, so the dashboard shows it.
   */
  async scheduled(controller: { readonly cron: string; readonly scheduledTime: number }, env: WorkerEnv): Promise<void> {
    const r = runtimeOf(env);
    const db = databaseOf(env);
    const d = deliveryDeps(r, db, 'cron');
    const now = systemClock.now();
    const steps: [string, () => Promise<unknown>][] = [
      ['reconcile', () => reconcileExpired(d)],
      ['enqueue', async () => (env.DELIVERY_QUEUE ? enqueueReady(db, env.DELIVERY_QUEUE, queueSettings(r.config), now) : 0)],
      ['complete', () => completeFinishedRuns(d)],
      ['reminders', () => sweepReminders({ db, providers: d.providers, logger: r.logger }, now)],
      ['imports', () => failInterruptedImports(db, now, { all: false })],
    ];
    const results: Record<string, unknown> = {};
    const failed: string[] = [];
    for (const [name, step] of steps) {
      try {
        results[name] = await step();
      } catch (err) {
        failed.push(name);
        r.logger.error({ err, step: name }, 'a scheduled step failed');
      }
    }
    r.logger.info({ cron: controller.cron, ...results }, 'scheduled sweep');
    if (failed.length) throw new Error(`scheduled steps failed: ${failed.join(', ')}`);
  },
};
