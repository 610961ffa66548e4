// createApp(deps): the whole breachkit HTTP app, with no knowledge of the runtime that serves it.
import { OpenAPIHono } from '@hono/zod-openapi';
import { Scalar } from '@scalar/hono-api-reference';
import { requestId } from 'hono/request-id';
import { publicBaseUrl, type Config } from './config.js';
import type { Db } from './db/client.js';
import type { Clock } from './lib/clock.js';
import type { Logger } from './lib/logger.js';
import type { AppEnv } from './http/context.js';
import { ApiError, problemResponse, toApiError } from './http/errors.js';
import { init, limitBody, requestLog } from './http/middleware.js';
import { validationHook } from './http/openapi.js';
import { isPublicPath, SplitRouter } from './http/router.js';
import { apiKeyRoutes } from './api-keys/routes.js';
import { incidentRoutes } from './incidents/routes.js';
import { affectedRoutes } from './affected/routes.js';
import { noticeRoutes } from './notices/routes.js';
import { directoryRoutes } from './directory/routes.js';
import type { NoticeRenderer } from './notices/renderer.js';
import { announcementRoutes } from './announcements/routes.js';
import { deliveryRoutes } from './delivery/routes.js';
import { webhookRoutes } from './delivery/webhooks.js';
import { runbookRoutes } from './runbooks/routes.js';
import type { Runbook } from './runbooks/parse.js';
import { announcementGuard } from './delivery/service.js';
import { PublicPageCache, PublicTraffic, publicRoutes } from './announcements/public.js';
import { obligationRoutes } from './obligations/routes.js';
import type { DraftRenderer } from './obligations/draft.js';
import { consoleRoutes } from './console/routes.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  clock: Clock;
  /** Gives the database for a request: one shared pool on Node, a per-request client on Workers. */
  database: (env: unknown) => Db;
  /** COPY FROM STDIN works (PostgreSQL); PGlite's hangs, so the embedded database says false. */
  copy?: boolean;
  /** The notice templates, loaded and checked at start. */
  renderer: NoticeRenderer;
  /** The runbooks, parsed at start. */
  runbooks: Map<string, Runbook>;
  /** Report drafts for regulators, loaded and checked at start. */
  drafts: DraftRenderer;
  version?: string;
}

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook, router: new SplitRouter(isPublicPath) });
  const baseUrl = publicBaseUrl(deps.config);
  const publicPage = {
    baseUrl,
    cache: new PublicPageCache({ baseUrl, name: { en: deps.config.STATUS_PAGE_NAME_EN, 'zh-CN': deps.config.STATUS_PAGE_NAME_ZH }, now: () => deps.clock.now() }),
  };

  app.route('/', publicRoutes(publicPage.cache, deps.database, new PublicTraffic(deps.logger, () => deps.clock.now().getTime())));
  app.use(
    requestId({
      headerName: 'x-request-id',
      generator: () => crypto.randomUUID(),
      limitLength: 128,
    }),
  );
  app.use(async (c, next) => {
    // Only keep a caller's request id when it is safe to echo into logs and bodies.
    if (!requestIdPattern.test(c.var.requestId)) c.set('requestId', crypto.randomUUID());
    await next();
  });
  const dbFeatures = { copy: deps.copy ?? false };
  const transitionGuards = [announcementGuard(deps.config.ANNOUNCEMENT_THRESHOLD)];
  const notices = { renderer: deps.renderer, publicNoticeUrl: `${baseUrl}/status` };
  app.use(init((env) => ({ db: deps.database(env), clock: deps.clock, config: deps.config, logger: deps.logger, notices, publicPage, dbFeatures, transitionGuards, runbooks: deps.runbooks, drafts: deps.drafts })));
  app.use(requestLog);
  app.use('/webhooks/*', limitBody(5 * 1024 * 1024));
  app.use(
    '/v1/*',
    limitBody(deps.config.BODY_LIMIT_BYTES, [
      { path: /^\/v1\/incidents\/[^/]+\/scope\/lists\//, maxSize: 64 * 1024 * 1024 },
      { path: /^\/v1\/directory\/imports$/, maxSize: deps.config.IMPORT_LIMIT_BYTES },
    ]),
  );

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    try {
      await c.var.services.db`select 1`;
      return c.json({ status: 'ready', database: 'ok' });
    } catch (err) {
      c.var.logger.error({ err }, 'readiness check failed');
      throw new ApiError('not_ready', 'The database does not answer.');
    }
  });

  app.route('/', incidentRoutes);
  app.route('/', apiKeyRoutes);
  app.route('/', affectedRoutes);
  app.route('/', noticeRoutes);
  app.route('/', directoryRoutes);
  app.route('/', announcementRoutes);
  app.route('/', deliveryRoutes);
  app.route('/', webhookRoutes);
  app.route('/', runbookRoutes);
  app.route('/', obligationRoutes);
  // The console is plain Hono routes: pages, not API operations, so it stays out of /openapi.json.
  app.route('/console', consoleRoutes(app));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key issued by POST /v1/api-keys (the first admin key is printed at first start).',
  });
  let document: unknown;
  app.get('/openapi.json', (c) => {
    // Generated once, on first request, then served as is.
    document ??= app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: {
        title: 'breachkit',
        version: deps.version ?? '0.1.0',
        description: 'Breach incident response: incidents and their timeline, affected users, notices, delivery, regulator deadlines, public status page.',
      },
    });
    return c.json(document);
  });
  app.get('/docs', Scalar({ url: '/openapi.json', pageTitle: 'breachkit API' }));

  app.notFound((c) => problemResponse(c, new ApiError('not_found', `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`)));
  app.onError((err, c) => {
    const apiError = toApiError(err);
    if (apiError.status >= 500) (c.var.logger ?? deps.logger).error({ err, req_id: c.var.requestId }, 'unhandled error');
    return problemResponse(c, apiError);
  });
  return app;
}
