// Benchmark server: the real app (same wiring as src/server.ts) and a bare Hono route, in one Node process.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createApp } from '../src/app.js';
import { issueKey } from '../src/api-keys/service.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/node.js';
import { systemClock } from '../src/lib/clock.js';
import { createLogger } from '../src/lib/logger.js';
import { readTextTree } from '../src/lib/assets.node.js';
import { createNoticeRenderer } from '../src/notices/render.js';
import { loadRunbooks } from '../src/runbooks/parse.js';
import { createDraftRenderer } from '../src/obligations/draft.js';

const scratch = mkdtempSync(join(tmpdir(), 'breachkit-bench-'));
const config = loadConfig({
  DATABASE_URL: process.env.DATABASE_URL,
  DATA_DIR: scratch,
  LOG_LEVEL: 'warn',
  DATABASE_POOL_SIZE: process.env.DATABASE_POOL_SIZE,
});
const db = await openDatabase(config);
const { token } = await issueKey(db.sql, { name: 'bench responder', role: 'responder', createdBy: null, now: new Date() });
const approver = await issueKey(db.sql, { name: 'bench approver', role: 'approver', createdBy: null, now: new Date() });
const renderer = createNoticeRenderer(readTextTree('templates'), { smsMaxParts: config.SMS_MAX_PARTS });
const app = createApp({ config, logger: createLogger('warn'), clock: systemClock, database: () => db.sql, renderer, runbooks: loadRunbooks(readTextTree('runbooks')), drafts: createDraftRenderer(readTextTree('templates')), copy: db.mode === 'postgres' });

const bare = new Hono();
bare.get('/bare', (c) => c.json({ status: 'ok' }));

const listen = (fetch: (r: Request) => Response | Promise<Response>) =>
  new Promise<number>((resolve) => {
    serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port));
  });

const appPort = await listen(app.fetch);
const barePort = await listen(bare.fetch);
process.stdout.write(`READY ${appPort} ${barePort} ${token} ${db.mode} ${approver.token}\n`);
process.on('SIGTERM', () => {
  void db.close().then(() => {
    rmSync(scratch, { recursive: true, force: true });
    process.exit(0);
  });
});
