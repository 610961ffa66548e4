// Liveness and readiness probes: no key needed, nothing personal in the answer.
import { createRoute, z } from '@hono/zod-openapi';
import { problemDoc } from './openapi.js';

export const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  operationId: 'checkHealth',
  tags: ['Operations'],
  summary: 'Liveness: answers while the process is up',
  security: [],
  responses: {
    200: { description: 'The process is up', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } },
  },
});

export const readyRoute = createRoute({
  method: 'get',
  path: '/readyz',
  operationId: 'checkReadiness',
  tags: ['Operations'],
  summary: 'Readiness: answers when the database does',
  security: [],
  responses: {
    200: { description: 'The database answers', content: { 'application/json': { schema: z.object({ status: z.literal('ready'), database: z.literal('ok') }) } } },
    503: problemDoc('The database does not answer'),
  },
});
