// Cross-cutting middleware: services on the context, one log line per request, body size limit.
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { matchedRoutes } from 'hono/route';
import type { AppEnv, Services } from './context.js';
import { ApiError } from './errors.js';

export function init(services: (env: unknown) => Services): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const s = services(c.env);
    c.set('services', s);
    c.set('logger', s.logger.child({ req_id: c.var.requestId }));
    await next();
  };
}

export const requestLog: MiddlewareHandler<AppEnv> = async (c, next) => {
  const started = performance.now();
  await next();
  const logger = c.var.logger;
  if (!logger) return;
  const entry = {
    method: c.req.method,
    // The handler's route, not a middleware's catch-all pattern.
    route: matchedRoutes(c).findLast((r) => r.method !== 'ALL')?.path ?? null,
    status: c.res.status,
    duration_ms: Math.round((performance.now() - started) * 10) / 10,
    key_id: c.var.principal?.keyId,
  };
  if (c.res.status >= 500) logger.error(entry, 'request failed');
  else logger.info(entry, 'request');
};

const limiter = (maxSize: number): MiddlewareHandler<AppEnv> =>
  bodyLimit({
    maxSize,
    onError: () => {
      throw new ApiError('payload_too_large', `The request body is larger than ${maxSize} bytes.`);
    },
  });

/** The default body limit, with larger ones for the routes that take uploads. */
export function limitBody(maxSize: number, uploads: { path: RegExp; maxSize: number }[] = []): MiddlewareHandler<AppEnv> {
  const fallback = limiter(maxSize);
  const special = uploads.map((u) => ({ path: u.path, limit: limiter(u.maxSize) }));
  return (c, next) => (special.find((u) => u.path.test(c.req.path))?.limit ?? fallback)(c, next);
}
