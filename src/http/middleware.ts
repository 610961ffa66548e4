// Cross-cutting middleware: services on the context, one log line per request, body size limit, strict input, draining.
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { matchedRoutes } from 'hono/route';
import type { AppEnv, Services } from './context.js';
import { ApiError } from './errors.js';
import type { FieldProblem } from '../errors.js';
import { unstorableText } from '../lib/schema.js';

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

/**
 * A limit for a route that streams its body and counts the bytes itself: only a declared length is
 * checked here. (Hono's limiter buffers a body sent without a length, up to the limit, in memory.)
 */
const declaredLengthLimit =
  (maxSize: number, tooLarge: string): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    if (Number(c.req.header('content-length') ?? 0) > maxSize) throw new ApiError('payload_too_large', tooLarge, { limitBytes: maxSize });
    await next();
  };

export interface UploadPath {
  path: RegExp;
  maxSize: number;
  /** The route counts the bytes as it reads them. */
  streamed?: boolean;
  /** The problem's detail for a declared length over the limit, when it has more to say than the number. */
  tooLarge?: string;
}

/** The default body limit, with larger ones for the routes that take uploads. */
export function limitBody(maxSize: number, uploads: UploadPath[] = []): MiddlewareHandler<AppEnv> {
  const fallback = limiter(maxSize);
  const special = uploads.map((u) => ({
    path: u.path,
    limit: u.streamed ? declaredLengthLimit(u.maxSize, u.tooLarge ?? `The request body is larger than ${u.maxSize} bytes.`) : limiter(u.maxSize),
  }));
  return (c, next) => (special.find((u) => u.path.test(c.req.path))?.limit ?? fallback)(c, next);
}

const jsonMediaType = /^application\/([\w.-]+\+)?json$/i;
// RFC 8259 §8.1: JSON between systems is UTF-8. The platform's decoder would put U+FFFD in place of a bad byte.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A JSON body is read once and decoded strictly: bytes that are not UTF-8 are refused, never stored
 * as replacement characters. The decoded text is what the route's validator then parses. Streamed
 * uploads (`streamed` paths) are left alone: they are not held in memory, whatever they claim to be.
 */
export function strictJsonBody(streamed: RegExp[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const type = c.req.header('content-type');
    if (c.req.raw.body && type && jsonMediaType.test(type.split(';')[0]!.trim()) && !streamed.some((p) => p.test(c.req.path))) {
      const bytes = await c.req.arrayBuffer();
      let text: string;
      try {
        text = strictUtf8.decode(bytes);
      } catch {
        throw new ApiError('malformed_json', 'The request body is not valid UTF-8.', { errors: [{ field: '(body)', message: 'must be UTF-8' }] });
      }
      // Hono keeps promises in its body cache (its types say otherwise); the validator's json() reads this one.
      (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(text);
    }
    await next();
  };
}

/** Query parameters meet the same rules as text in a body: no control characters, no lone surrogates. */
export const checkQueryText: MiddlewareHandler<AppEnv> = async (c, next) => {
  const errors: FieldProblem[] = [];
  for (const [name, values] of Object.entries(c.req.queries())) {
    const nameProblem = unstorableText(name);
    if (nameProblem) errors.push({ field: 'query', message: `a parameter name ${nameProblem}` });
    for (const value of values) {
      const problem = unstorableText(value);
      if (problem && !nameProblem) errors.push({ field: `query.${name}`, message: problem });
    }
  }
  if (errors.length) throw new ApiError('validation_failed', 'Some fields are invalid.', { errors });
  await next();
};

/**
 * While the server drains for a stop, new requests are refused (503) and every response asks the
 * client to close its connection, so keep-alive connections do not outlive the drain.
 */
export function refuseWhileDraining(draining: AbortSignal): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (draining.aborted) {
      c.header('connection', 'close');
      c.header('retry-after', '5');
      throw new ApiError('not_ready', 'The server is shutting down; try again in a moment.');
    }
    await next();
    if (draining.aborted) c.header('connection', 'close');
  };
}
