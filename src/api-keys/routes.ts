// HTTP routes for API keys (admin only).
import { z } from '@hono/zod-openapi';
import { authedRoute, createRouter, notFoundResponse, conflictResponse } from '../http/openapi.js';
import { roles } from '../http/context.js';
import { iso, idParam, label } from '../lib/schema.js';
import { issueKey, listKeys, revokeKey, type ApiKey } from './service.js';

const apiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    role: z.enum(roles),
    token_prefix: z.string().openapi({ description: 'The first characters of the token, to recognise it.' }),
    created_at: z.string(),
    created_by: z.string().nullable(),
    revoked_at: z.string().nullable(),
  })
  .openapi('ApiKey');

const toJson = (k: ApiKey) => ({
  id: k.id,
  name: k.name,
  role: k.role,
  token_prefix: k.token_prefix,
  created_at: iso(k.created_at)!,
  created_by: k.created_by,
  revoked_at: iso(k.revoked_at),
});

/** What a new key needs: who holds it and its role (the console's form is checked with the same schema). */
export const createKeyBody = z.strictObject({
  name: label.openapi({ description: 'Who holds the key (a person or a system).', example: 'Ana Souza (security on-call)' }),
  role: z.enum(roles),
});

const createKey = authedRoute({
  method: 'post',
  path: '/v1/api-keys',
  operationId: 'createApiKey',
  tags: ['API keys'],
  summary: 'Issue an API key (the token is shown once)',
  roles: ['admin'],
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: createKeyBody,
        },
      },
    },
  },
  responses: {
    201: { description: 'Issued', content: { 'application/json': { schema: apiKeySchema.extend({ token: z.string() }) } } },
  },
});

const listKeysRoute = authedRoute({
  method: 'get',
  path: '/v1/api-keys',
  operationId: 'listApiKeys',
  tags: ['API keys'],
  summary: 'List API keys',
  roles: ['admin'],
  request: { query: z.object({ include_revoked: z.enum(['true', 'false']).default('false') }) },
  responses: { 200: { description: 'Keys', content: { 'application/json': { schema: z.object({ data: z.array(apiKeySchema) }) } } } },
});

const revokeKeyRoute = authedRoute({
  method: 'delete',
  path: '/v1/api-keys/{id}',
  operationId: 'revokeApiKey',
  tags: ['API keys'],
  summary: 'Revoke an API key',
  roles: ['admin'],
  request: { params: z.object({ id: idParam('id', 'key') }) },
  responses: {
    200: { description: 'Revoked', content: { 'application/json': { schema: apiKeySchema } } },
    ...notFoundResponse,
    ...conflictResponse,
  },
});

export const apiKeyRoutes = createRouter()
  .openapi(createKey, async (c) => {
    const { db, clock } = c.var.services;
    const body = c.req.valid('json');
    const { key, token } = await issueKey(db, { name: body.name, role: body.role, createdBy: c.var.principal.keyId, now: clock.now() });
    return c.json({ ...toJson(key), token }, 201);
  })
  .openapi(listKeysRoute, async (c) => {
    const keys = await listKeys(c.var.services.db, c.req.valid('query').include_revoked === 'true');
    return c.json({ data: keys.map(toJson) }, 200);
  })
  .openapi(revokeKeyRoute, async (c) => {
    const { db, clock } = c.var.services;
    const key = await revokeKey(db, c.req.valid('param').id, clock.now());
    return c.json(toJson(key), 200);
  });
