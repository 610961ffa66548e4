// Bearer API keys: looked up by their hash, checked against the route's roles.
import type { MiddlewareHandler } from 'hono';
import type { AppEnv, Principal, Role } from './context.js';
import { ApiError } from './errors.js';
import { findActiveKeyByToken } from '../api-keys/service.js';

const bearer = /^Bearer\s+(\S+)$/i;

/** Whether a role may do what the given roles may (admin may do everything). */
export function admits(role: Role, allowed: readonly Role[]): boolean {
  return role === 'admin' || allowed.includes(role);
}

/** Authenticates the caller and admits the given roles (admin is always admitted). */
export function requireRole(allowed: readonly Role[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    const match = header ? bearer.exec(header) : null;
    if (!match) throw new ApiError('unauthorized', 'Send an API key as `Authorization: Bearer <key>`.');
    const { db } = c.var.services;
    const key = await findActiveKeyByToken(db, match[1]!);
    if (!key) throw new ApiError('unauthorized', 'The API key is unknown or revoked.');
    const principal: Principal = { keyId: key.id, name: key.name, role: key.role };
    c.set('principal', principal);
    if (!admits(principal.role, allowed)) {
      throw new ApiError('forbidden', `This needs one of the roles: ${['admin', ...allowed].join(', ')}; the key has ${principal.role}.`);
    }
    await next();
  };
}
