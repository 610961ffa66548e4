// The roles a console action needs, read from the API route that does the same thing: one permission model, declared once.
import type { OpenAPIHono } from '@hono/zod-openapi';
import { admits } from '../http/auth.js';
import type { AppEnv, Role } from '../http/context.js';

/** An API operation, as `METHOD /path` with OpenAPI path parameters, e.g. `PATCH /v1/incidents/{id}`. */
export type ApiOperation = `${'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'} /v1/${string}`;

export type MayDo = (role: Role, operation: ApiOperation) => boolean;

/** Looks the roles up in the API's own route declarations (their `x-roles`), once, on first use. */
export function apiPermissions(api: OpenAPIHono<AppEnv>): MayDo {
  let table: Map<string, readonly Role[]> | undefined;
  return (role, operation) => {
    table ??= new Map(
      api.openAPIRegistry.definitions.flatMap((d) => {
        if (d.type !== 'route') return [];
        const allowed = (d.route as { 'x-roles'?: Role[] })['x-roles'];
        return allowed ? [[`${d.route.method.toUpperCase()} ${d.route.path}`, allowed] as const] : [];
      }),
    );
    const allowed = table.get(operation);
    if (!allowed) throw new Error(`the console names an API operation that does not exist: ${operation}`);
    return admits(role, allowed);
  };
}
