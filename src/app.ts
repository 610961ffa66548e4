// createApp(deps): the whole breachkit HTTP app, with no knowledge of the runtime that serves it.
import { OpenAPIHono } from '@hono/zod-openapi';
import { requestId } from 'hono/request-id';
import { publicBaseUrl, type Config } from './config.js';
import type { Db } from './db/client.js';
import type { Clock } from './lib/clock.js';
import type { Logger } from './lib/logger.js';
import type { AppEnv } from './http/context.js';
import { ApiError, problemResponse, toApiError } from './http/errors.js';
import { checkQueryText, init, limitBody, refuseWhileDraining, requestLog, strictJsonBody } from './http/middleware.js';
import { apiLicense, apiTags, validationHook } from './http/openapi.js';
import { healthRoute, readyRoute } from './http/health.js';
import { docsRoutes } from './http/docs.js';
import { isPublicPath, SplitRouter } from './http/router.js';
import { apiKeyRoutes } from './api-keys/routes.js';
import { incidentRoutes } from './incidents/routes.js';
import { affectedRoutes } from './affected/routes.js';
import { noticeRoutes } from './notices/routes.js';
import { directoryRoutes } from './directory/routes.js';
import type { NoticeRenderer } from './notices/renderer.js';
import { announcementRoutes } from './announcements/routes.js';
import { deliveryRoutes } from './delivery/routes.js';
import { webhookRouteDocs, webhookRoutes } from './delivery/webhooks.js';
import { runbookRoutes } from './runbooks/routes.js';
import type { Runbook } from './runbooks/parse.js';
import { announcementGuard } from './delivery/service.js';
import { PublicPageCache, PublicTraffic, publicRoutes, type PublicPageOptions, type PublicPages } from './announcements/public.js';
import { publicRouteDocs } from './announcements/public-docs.js';
import { obligationRoutes } from './obligations/routes.js';
import { registerRoutes } from './register/routes.js';
import { sampleNoticePageUrl } from './notice-pages/link.js';
import { noticePageRoutes } from './notice-pages/routes.js';
import type { DraftRenderer } from './obligations/draft.js';
import { letterRoutes } from './delivery/letters/routes.js';
import type { LetterPdfMaker } from './delivery/letters/types.js';
import { lobProvider } from './delivery/providers/lob.js';
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
  /** Makes letter PDFs (pdfkit and the fonts: a Node adapter); without it, letters are not rendered here. */
  letterPdf?: LetterPdfMaker;
  version?: string;
  /** Stopping: `draining` refuses new requests and ends event streams; `halted` stops work still running when the grace period is over. */
  lifecycle?: Lifecycle;
  /** Scalar's standalone script for /docs, read from node_modules by the entry point; without it /docs has no reference (Workers serves it as a static asset). */
  apiReferenceScript?: string;
  /** Where the status page keeps its rendered documents; in this process's memory unless the runtime has better (Workers: edge-cache.ts). */
  publicPages?: (options: PublicPageOptions) => PublicPages;
  /** What the runtime adds when a directory upload is over IMPORT_LIMIT_BYTES (Workers: the edge's own cap, and the way round it). */
  importLimitNote?: string;
  /**
   * Told when deliveries became ready to send (a run planned or resumed, an unknown one resent), with the
   * request's database: on Workers it puts them on the Queue. On Node the worker loop finds them itself.
   */
  deliveriesReady?: (env: unknown, db: Db, ready: { resumedRun?: string }) => Promise<void>;
}

export interface Lifecycle {
  draining: AbortSignal;
  halted: AbortSignal;
}


const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook, router: new SplitRouter(isPublicPath) });
  const baseUrl = publicBaseUrl(deps.config);
  const pageOptions: PublicPageOptions = { baseUrl, name: { en: deps.config.STATUS_PAGE_NAME_EN, 'zh-CN': deps.config.STATUS_PAGE_NAME_ZH }, now: () => deps.clock.now() };
  const publicPage = { baseUrl, cache: deps.publicPages?.(pageOptions) ?? new PublicPageCache(pageOptions) };

  app.route('/', publicRoutes(publicPage.cache, deps.database, new PublicTraffic(deps.logger, () => deps.clock.now().getTime())));
  app.route(
    '/',
    noticePageRoutes({
      database: deps.database,
      renderer: deps.renderer,
      publicNoticeUrl: `${baseUrl}/status`,
      now: () => deps.clock.now(),
      ratePerMinute: deps.config.NOTICE_PAGE_RATE_PER_MINUTE,
      clientHeader: deps.config.CLIENT_IP_HEADER,
    }),
  );
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
  const transitionGuards = [announcementGuard(deps.config.ANNOUNCEMENT_THRESHOLD, deps.config.DELIVERY_CHANNEL_ORDER)];
  const notices = { renderer: deps.renderer, publicNoticeUrl: `${baseUrl}/status`, noticePageUrl: sampleNoticePageUrl(baseUrl) };
  // Workers has no stop to drain for, and no signal may outlive the request it was made in there.
  const lifecycle = deps.lifecycle;
  const lob = deps.config.LOB_API_KEY ? lobProvider({ apiKey: deps.config.LOB_API_KEY, baseUrl: deps.config.LOB_API_URL }) : null;
  const letters = { pdf: deps.letterPdf ?? null, renderer: deps.renderer, publicNoticeUrl: `${baseUrl}/status`, noticePageBaseUrl: baseUrl, lobCountries: lob ? ['US'] : [], lob };
  app.use(init((env) => {
    const db = deps.database(env);
    const ready = deps.deliveriesReady;
    return { db, deliveriesReady: ready && ((p: { resumedRun?: string }) => ready(env, db, p)), clock: deps.clock, config: deps.config, logger: deps.logger, notices, publicPage, importLimitNote: deps.importLimitNote, dbFeatures, transitionGuards, runbooks: deps.runbooks, drafts: deps.drafts, lifecycle, letters };
  }));
  app.use(requestLog);
  if (lifecycle) app.use(refuseWhileDraining(lifecycle.draining));
  app.use('/webhooks/*', limitBody(5 * 1024 * 1024));
  const uploads = [
    { path: /^\/v1\/incidents\/[^/]+\/scope\/lists\//, maxSize: 64 * 1024 * 1024 },
    {
      path: /^\/v1\/directory\/imports$/,
      maxSize: deps.config.IMPORT_LIMIT_BYTES,
      streamed: true,
      tooLarge: `The directory upload is larger than ${deps.config.IMPORT_LIMIT_BYTES} bytes (IMPORT_LIMIT_BYTES).${deps.importLimitNote ? ` ${deps.importLimitNote}` : ''}`,
    },
  ];
  app.use('/v1/*', limitBody(deps.config.BODY_LIMIT_BYTES, uploads));
  app.use('/v1/*', strictJsonBody(uploads.filter((u) => u.streamed).map((u) => u.path)), checkQueryText);

  app.openapi(healthRoute, (c) => c.json({ status: 'ok' as const }, 200));
  app.openapi(readyRoute, async (c) => {
    try {
      await c.var.services.db`select 1`;
      return c.json({ status: 'ready' as const, database: 'ok' as const }, 200);
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
  app.route('/', letterRoutes);
  app.route('/', webhookRoutes);
  app.route('/', runbookRoutes);
  app.route('/', obligationRoutes);
  app.route('/', registerRoutes);
  // The console is plain Hono routes: pages, not API operations, so it stays out of /openapi.json.
  app.route('/console', consoleRoutes(app));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key issued by POST /v1/api-keys (the first admin key is printed at first start).',
  });
  // Routes served by plain handlers (raw bodies, the public fast path) are described here by hand.
  for (const route of [...webhookRouteDocs, ...publicRouteDocs]) app.openAPIRegistry.registerPath(route);
  let document: unknown;
  app.get('/openapi.json', (c) => {
    // Generated once, on first request, then served as is.
    document ??= app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: {
        title: 'breachkit',
        version: deps.version ?? '0.1.0',
        description: 'Breach incident response: incidents and their timeline, affected users, notices, delivery, regulator deadlines, public status page.',
        license: apiLicense,
      },
      // Relative: the server that serves this document, whatever address it was reached at.
      servers: [{ url: '/', description: 'This breachkit server' }],
      tags: apiTags,
    });
    return c.json(document);
  });
  app.route('/', docsRoutes(deps.apiReferenceScript));

  app.notFound((c) => problemResponse(c, new ApiError('not_found', `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`)));
  app.onError((err, c) => {
    const apiError = toApiError(err);
    // The request's logger already carries req_id; the app's own one (a public route, early middleware) does not.
    if (apiError.status >= 500) (c.var.logger ?? deps.logger.child({ req_id: c.var.requestId })).error({ err }, 'unhandled error');
    return problemResponse(c, apiError);
  });
  return app;
}
