// The app under test: the real createApp on a real test database, with one API key per role.
import { afterAll, beforeAll, describe } from 'vitest';
import { createApp, type Lifecycle } from '../../src/app.js';
import { issueKey } from '../../src/api-keys/service.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Role } from '../../src/http/context.js';
import { roles } from '../../src/http/context.js';
import { systemClock, type Clock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { createTestDatabase, dbModes, type DbMode, type TestDatabase } from './db.js';
import { readApiReferenceScript, readTextTree } from '../../src/lib/assets.node.js';
import { createNoticeRenderer } from '../../src/notices/render.js';
import { loadRunbooks } from '../../src/runbooks/parse.js';
import { createDraftRenderer } from '../../src/obligations/draft.js';
import type { NoticeRenderer } from '../../src/notices/renderer.js';
import { nodeLetterPdf } from '../../src/delivery/letters/pdf.node.js';

/** The real templates from the repository, loaded once per test file. */
export const templateFiles = () => readTextTree('templates');
let renderer: NoticeRenderer | undefined;
let referenceScript: string | undefined;
const apiReferenceScript = () => (referenceScript ??= readApiReferenceScript());
export function testRenderer(smsMaxParts = 3): NoticeRenderer {
  renderer ??= createNoticeRenderer(templateFiles(), { smsMaxParts });
  return renderer;
}

export interface Harness {
  mode: DbMode;
  db: TestDatabase;
  app: ReturnType<typeof createApp>;
  config: Config;
  tokens: Record<Role, string>;
  /** A second key per role, for two-person rules. */
  otherTokens: Record<Role, string>;
  logs: string[];
  request(method: string, path: string, init?: RequestOptions): Promise<Response>;
}

export interface RequestOptions {
  as?: Role | null | { token: string };
  json?: unknown;
  body?: string;
  headers?: Record<string, string>;
}

export interface HarnessOptions {
  clock?: Clock;
  env?: Record<string, string>;
  /** The stop signals a server would pass (see src/server.ts). */
  lifecycle?: Lifecycle;
}

export async function createHarness(mode: DbMode, options: HarnessOptions = {}): Promise<Harness> {
  const db = await createTestDatabase(mode);
  const config = loadConfig({ LOG_LEVEL: 'info', ...options.env });
  const logs: string[] = [];
  const logger = createLogger('info', (line) => logs.push(line));
  const clock = options.clock ?? systemClock;
  const app = createApp({ config, logger, clock, database: () => db.sql, renderer: testRenderer(config.SMS_MAX_PARTS), runbooks: loadRunbooks(readTextTree('runbooks')), drafts: createDraftRenderer(readTextTree('templates')), copy: mode === 'postgres', lifecycle: options.lifecycle, apiReferenceScript: apiReferenceScript(), letterPdf: nodeLetterPdf });
  const tokens = {} as Record<Role, string>;
  const otherTokens = {} as Record<Role, string>;
  for (const role of roles) {
    tokens[role] = (await issueKey(db.sql, { name: `test ${role}`, role, createdBy: null, now: clock.now() })).token;
    otherTokens[role] = (await issueKey(db.sql, { name: `second ${role}`, role, createdBy: null, now: clock.now() })).token;
  }
  const request = (method: string, path: string, init: RequestOptions = {}) => {
    const headers: Record<string, string> = { ...init.headers };
    const as = init.as === undefined ? 'admin' : init.as;
    if (as !== null) headers.authorization = `Bearer ${typeof as === 'string' ? tokens[as] : as.token}`;
    let body: string | undefined = init.body;
    if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      headers['content-type'] ??= 'application/json';
    }
    return Promise.resolve(app.request(path, { method, headers, body }));
  };
  return { mode, db, app, config, tokens, otherTokens, logs, request };
}

/** Runs the same tests once per database mode, each with its own fresh database. */
export function describeEachDatabase(name: string, body: (h: () => Harness) => void, options: HarnessOptions = {}): void {
  for (const mode of dbModes) {
    describe(`${name} [${mode}]`, () => {
      let harness: Harness | undefined;
      beforeAll(async () => {
        harness = await createHarness(mode, options);
      });
      afterAll(async () => {
        await harness?.db.close();
      });
      body(() => {
        if (!harness) throw new Error('harness not ready');
        return harness;
      });
    });
  }
}

export async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}
