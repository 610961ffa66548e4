// `npm run worker`: a delivery worker in its own process; run as many as needed against one PostgreSQL.
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { ConfigError, configFromProcess } from './config.js';
import { openDatabase, StartError } from './db/node.js';
import { nodeSha256Hex } from './lib/hash.node.js';
import { dispatchDeps, twilioNodeClientFor } from './delivery/setup.js';
import { runWorker } from './delivery/worker.js';
import { heapBudgetProblem } from './delivery/heap-budget.js';
import { readTextTree } from './lib/assets.node.js';
import { systemClock } from './lib/clock.js';
import { createLogger } from './lib/logger.js';
import { createNoticeRenderer } from './notices/render.js';
import { TemplateError } from './notices/types.js';

async function main(): Promise<void> {
  const config = configFromProcess();
  if (!config.DATABASE_URL) {
    throw new ConfigError(['DATABASE_URL: separate workers need a shared PostgreSQL; with the embedded database the worker runs inside `npm start`']);
  }
  // `npm run worker` gives the process a bounded heap (WORKER_HEAP_MB); settings that would not fit are refused here, not found mid-pass.
  const heapLimit = v8.getHeapStatistics().heap_size_limit;
  const heapProblem = heapBudgetProblem(heapLimit, config);
  if (heapProblem) throw new ConfigError([heapProblem]);
  const logger = createLogger(config.LOG_LEVEL);
  const renderer = createNoticeRenderer(readTextTree(fileURLToPath(new URL('../templates/', import.meta.url))), { smsMaxParts: config.SMS_MAX_PARTS });
  const db = await openDatabase(config);
  const stop = new AbortController();
  const owner = `worker-${process.pid}`;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => stop.abort());
  logger.info({ owner, heap_limit_mb: Math.floor(heapLimit / 1024 / 1024) }, 'delivery worker started');
  let sent = 0;
  const twilioHttpClient = twilioNodeClientFor(config);
  await runWorker(dispatchDeps({ config, db: db.sql, renderer, clock: systemClock, logger, owner, twilioHttpClient, sha256Hex: nodeSha256Hex }), {
    idleMs: 1000,
    signal: stop.signal,
    passes: config.DELIVERY_PASSES_IN_FLIGHT,
    onTally: (t) => {
      sent += t.accepted + t.captured;
      if (t.claimed) logger.info({ owner, ...t, total_settled: sent }, 'delivery pass');
    },
  });
  // A pass in flight finishes before the process leaves; claimed rows are never abandoned mid-send by a clean stop.
  await db.close();
  logger.info({ owner, total_settled: sent }, 'delivery worker stopped');
}

main().catch((err: unknown) => {
  const known = err instanceof ConfigError || err instanceof TemplateError || err instanceof StartError;
  process.stderr.write(`${known ? err.message : `the worker stopped: ${err instanceof Error ? err.message : String(err)}`}\n`);
  process.exit(1);
});
