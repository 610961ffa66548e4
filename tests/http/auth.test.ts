import { expect, it } from 'vitest';
import { roles, type Role } from '../../src/http/context.js';
import { describeEachDatabase, json } from '../helpers/harness.js';

interface Operation {
  method: string;
  path: string;
  roles: Role[];
}

/** Every authenticated operation in the OpenAPI document, with the roles it admits. */
async function operations(request: (m: string, p: string) => Promise<Response>): Promise<Operation[]> {
  const doc = await json<{ paths: Record<string, Record<string, { 'x-roles'?: Role[]; security?: unknown[] }>> }>(await request('GET', '/openapi.json'));
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (op.security?.length) ops.push({ method: method.toUpperCase(), path, roles: op['x-roles'] ?? [] });
    }
  }
  return ops;
}

const concrete = (path: string) => path.replace(/\{[^}]+\}/g, 'inc_0000000000000000000000');

describeEachDatabase('auth on every route', (harness) => {
  it('documents roles on every authenticated route', async () => {
    const h = harness();
    const ops = await operations((m, p) => h.request(m, p, { as: null }));
    expect(ops.length).toBeGreaterThanOrEqual(8);
    for (const op of ops) expect(op.roles, `${op.method} ${op.path}`).toContain('admin');
  });

  it('answers 401 without a key, with a wrong key, and 403 for a role the route does not admit', async () => {
    const h = harness();
    const ops = await operations((m, p) => h.request(m, p, { as: null }));
    for (const op of ops) {
      const label = `${op.method} ${op.path}`;
      const anonymous = await h.request(op.method, concrete(op.path), { as: null, json: op.method === 'GET' ? undefined : {} });
      expect(anonymous.status, label).toBe(401);
      expect(anonymous.headers.get('content-type'), label).toContain('application/problem+json');
      expect(anonymous.headers.get('www-authenticate'), label).toContain('Bearer');
      const forged = await h.request(op.method, concrete(op.path), { as: { token: 'bk_not-a-real-key-but-long-enough' }, json: op.method === 'GET' ? undefined : {} });
      expect(forged.status, label).toBe(401);
      const denied = roles.filter((r) => !op.roles.includes(r));
      for (const role of denied) {
        const res = await h.request(op.method, concrete(op.path), { as: role, json: op.method === 'GET' ? undefined : {} });
        expect(res.status, `${label} as ${role}`).toBe(403);
        expect(await json(res), label).toMatchObject({ code: 'forbidden' });
      }
    }
  });

  it('issues, lists and revokes keys; a revoked key stops working; the last admin stays', async () => {
    const h = harness();
    const created = await h.request('POST', '/v1/api-keys', { json: { name: 'Mei Lin (legal)', role: 'approver' } });
    expect(created.status).toBe(201);
    const key = await json<{ id: string; token: string; token_prefix: string; role: string }>(created);
    expect(key.token.startsWith(key.token_prefix)).toBe(true);
    const list = await json<{ data: { id: string; token?: string }[] }>(await h.request('GET', '/v1/api-keys'));
    expect(list.data.find((k) => k.id === key.id)).toBeDefined();
    expect(list.data.every((k) => k.token === undefined)).toBe(true);
    // The key works until it is revoked.
    expect((await h.request('GET', '/v1/incidents', { as: { token: key.token } })).status).toBe(200);
    expect((await h.request('DELETE', `/v1/api-keys/${key.id}`)).status).toBe(200);
    expect((await h.request('GET', '/v1/incidents', { as: { token: key.token } })).status).toBe(401);
    const stored = await h.db.sql`select token_hash from api_keys where id = ${key.id}`;
    expect(stored[0]!.token_hash).not.toContain(key.token);

    const admins = await json<{ data: { id: string; role: string }[] }>(await h.request('GET', '/v1/api-keys'));
    const adminIds = admins.data.filter((k) => k.role === 'admin').map((k) => k.id);
    expect(adminIds.length).toBe(2);
    expect((await h.request('DELETE', `/v1/api-keys/${adminIds[1]}`, { as: { token: h.otherTokens.admin } })).status).toBe(200);
    // adminIds[0] is the harness's own key: it is now the last admin.
    const last = await h.request('DELETE', `/v1/api-keys/${adminIds[0]}`);
    expect(last.status).toBe(409);
  });
});
