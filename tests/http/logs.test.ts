// Logs keep personal data out by field and by free-text scrub, and never alter an identifier or a hash.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { createLogger } from '../../src/lib/logger.js';
import { createHarness } from '../helpers/harness.js';

const samples = 20_000;

function collect() {
  const lines: string[] = [];
  return { lines, logger: createLogger('info', (l) => lines.push(l)) };
}

it(`leaves ${samples} random UUIDs and ${samples} SHA-256 hex strings untouched, in fields and in free text`, () => {
  const { lines, logger } = collect();
  const uuids = Array.from({ length: samples }, () => randomUUID());
  const hashes = Array.from({ length: samples }, () => createHash('sha256').update(randomBytes(16)).digest('hex'));
  for (let i = 0; i < samples; i++) {
    logger.child({ req_id: uuids[i] }).error({ delivery_id: uuids[i], content_hash: hashes[i], err: new Error(`CONNECTION_ENDED 127.0.0.1:5432 while reading ${uuids[i]} (hash ${hashes[i]})`) }, `retrying ${uuids[i]} ${hashes[i]}`);
  }
  expect(lines).toHaveLength(samples);
  const altered: string[] = [];
  lines.forEach((raw, i) => {
    const line = JSON.parse(raw) as { req_id: string; delivery_id: string; content_hash: string; msg: string; err: { message: string } };
    const uuid = uuids[i]!;
    const hash = hashes[i]!;
    if (line.req_id !== uuid || line.delivery_id !== uuid || line.content_hash !== hash) altered.push(raw);
    else if (line.msg !== `retrying ${uuid} ${hash}`) altered.push(raw);
    else if (line.err.message !== `CONNECTION_ENDED 127.0.0.1:5432 while reading ${uuid} (hash ${hash})`) altered.push(raw);
  });
  expect(altered.slice(0, 3), `${altered.length} of ${samples} lines altered an id or a hash`).toEqual([]);
});

it('censors fields that can hold contact data or secrets, and scrubs addresses and numbers out of free text', () => {
  const { lines, logger } = collect();
  const providerError = Object.assign(new Error("The 'To' number +8613812345678 is not valid; bounce for wang.xiaoming@example.cn"), {
    code: 21211,
    response: { body: { to: '+8613812345678', email: 'wang.xiaoming@example.cn' } },
  });
  logger.warn({ err: providerError, email: 'jane.roe@example.com', user: { phone: '+15125550187', name: 'Jane Roe', locale: 'en' }, recipient: { email: 'x@example.org' }, authorization: 'Bearer bk_abcdefghijklmnopqrstuv' }, 'sending to jane.roe@example.com at (512) 555-0187 failed');
  const all = lines.join('\n');
  for (const secret of ['8613812345678', 'wang.xiaoming@example.cn', 'jane.roe@example.com', '5125550187', '555-0187', 'Jane Roe', 'bk_abcdefghijklmnopqrstuv']) expect(all).not.toContain(secret);
  const line = JSON.parse(lines[0]!) as Record<string, unknown> & { err: Record<string, unknown> };
  expect(line.email).toBe('[redacted]');
  expect(line.recipient).toBe('[redacted]');
  expect(line.user).toEqual({ phone: '[redacted]', name: '[redacted]', locale: 'en' });
  // The error keeps what helps to debug it, not the provider's response.
  expect(line.err).toMatchObject({ type: 'Error', code: 21211, message: "The 'To' number [phone] is not valid; bounce for [email]" });
  expect(line.err.response).toBeUndefined();
  expect(line.msg).toBe('sending to [email] at [phone] failed');
});

it('names the request id once on an error line, and it matches the id the caller got', async () => {
  const h = await createHarness('pglite');
  await h.db.close();
  // With the database gone, /readyz answers 503 and the cause goes to the log.
  const res = await h.request('GET', '/readyz', { as: null, headers: { 'x-request-id': '3d287a5a-04f2-4c7c-a188-c07eab921234' } });
  expect(res.status).toBe(503);
  const body = (await res.json()) as { requestId: string };
  const errorLines = h.logs.filter((l) => l.includes('"level":50'));
  expect(errorLines.length).toBeGreaterThan(0);
  for (const l of errorLines) {
    expect(l.match(/"req_id"/g), l).toHaveLength(1);
    expect((JSON.parse(l) as { req_id: string }).req_id).toBe(body.requestId);
  }
  expect(body.requestId).toBe('3d287a5a-04f2-4c7c-a188-c07eab921234');
});
