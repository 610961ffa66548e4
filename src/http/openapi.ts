// Route declaration helpers: every route carries its roles, security and the shared error responses.
import { OpenAPIHono, createRoute, z, type RouteConfig } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { Hook } from '@hono/zod-openapi';
import type { AppEnv, Principal, Role } from './context.js';
import { idParam } from '../lib/schema.js';
import { ApiError } from './errors.js';
import { requireRole } from './auth.js';
import type { FieldProblem } from '../errors.js';

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    requestId: z.string(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

const problemContent = { 'application/problem+json': { schema: problemSchema } };

/** The error responses every authenticated route can give, spread into its declaration. */
export const errorResponses = {
  400: { description: 'Malformed JSON or invalid fields', content: problemContent },
  401: { description: 'Missing or invalid API key', content: problemContent },
  403: { description: 'The key\'s role may not do this', content: problemContent },
  413: { description: 'Body larger than the limit', content: problemContent },
  500: { description: 'Unexpected error (the body names only the request id)', content: problemContent },
} as const;

export const unsupportedMediaTypeResponse = { 415: { description: 'The body is not of a content type this operation takes', content: problemContent } } as const;
export const notFoundResponse = { 404: { description: 'No such resource', content: problemContent } } as const;
export const conflictResponse = { 409: { description: 'Conflict with the current state', content: problemContent } } as const;

/** Converts zod issues into field problems with dotted paths; unknown keys are named one by one. */
export function fieldProblems(issues: readonly z.core.$ZodIssue[], prefix = ''): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const issue of issues) {
    const base = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ field: base ? `${base}.${key}` : key, message: 'unknown field' });
    } else {
      out.push({ field: base || '(body)', message: issue.message });
    }
  }
  return out;
}

const targetName: Record<string, string> = { json: '', query: 'query', param: 'path', header: 'header' };

export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result) => {
  if (!result.success) {
    const prefix = targetName[result.target] ?? result.target;
    throw new ApiError('validation_failed', 'Some fields are invalid.', { errors: fieldProblems(result.error.issues, prefix) });
  }
};

export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
}

type RouteInput = Omit<RouteConfig, 'security' | 'middleware'> & { roles: readonly Role[] };

type AuthedRoute<R extends RouteInput> = Omit<R, 'roles' | 'responses'> & {
  middleware: MiddlewareHandler<AppEnv>;
  security: { bearer: string[] }[];
  responses: typeof errorResponses & R['responses'];
};

/** Declares an authenticated route: the roles are enforced and shown in the document as `x-roles`. */
export function authedRoute<const R extends RouteInput>(route: R): AuthedRoute<R> {
  const { roles: allowed, ...rest } = route;
  const config = {
    ...rest,
    security: [{ bearer: [] }],
    'x-roles': ['admin', ...allowed.filter((r) => r !== 'admin')],
    middleware: requireRole(allowed),
    // A route that takes a body refuses other content types.
    responses: { ...errorResponses, ...(rest.request?.body ? unsupportedMediaTypeResponse : {}), ...rest.responses },
  };
  return createRoute(config as unknown as AuthedRoute<R> & { path: string });
}

/** A documented problem response other than the shared ones (409, 412, 422…). */
export const problemDoc = (description: string) => ({ description, content: problemContent });

/** The `{id}` of an incident in a path. */
export const incidentParams = z.object({ id: idParam('id', 'inc') });

/** Who did it, for the timeline: the key and the name of its holder. */
export const actorOf = (p: Principal) => ({ id: p.keyId, name: p.name });

export const readRoles = ['viewer', 'responder', 'approver'] as const satisfies readonly Role[];

/** The document's tags, in the order the reference shows them. */
export const apiTags = [
  { name: 'Incidents', description: 'Opening an incident, its facts, lifecycle and hash-chained timeline.' },
  { name: 'Affected users', description: 'Scope → frozen affected snapshot, with reasons and reachable channels.' },
  { name: 'Directory', description: 'The mirror of the company\'s users and its bulk import.' },
  { name: 'Notices', description: 'The IV(v) notice: drafting, previews, frozen versions and four-eyes approval.' },
  { name: 'Delivery', description: 'The delivery ledger: runs, progress and coverage.' },
  { name: 'Announcements', description: 'The public announcement and its updates.' },
  { name: 'Obligations', description: 'Regulator and notice deadlines, filings, determinations and report drafts.' },
  { name: 'Runbooks', description: 'Response runbooks and per-incident checklists.' },
  { name: 'API keys', description: 'Bearer keys and their roles.' },
  { name: 'Public status page', description: 'Read-only public pages and feeds; no key, open CORS, strong ETags.' },
  { name: 'Provider webhooks', description: 'Signed delivery events from SendGrid and Twilio.' },
  { name: 'Operations', description: 'Health and readiness probes.' },
];

/** breachkit is not published under an open licence: all rights reserved by its owner. */
export const apiLicense = { name: 'Proprietary; all rights reserved', identifier: 'LicenseRef-breachkit-proprietary' };
