import { gzipSync } from 'node:zlib';
import { expect, it } from 'vitest';
import { describeEachDatabase, json, type Harness } from '../helpers/harness.js';

const user = (id: string, over: Record<string, unknown> = {}) =>
  JSON.stringify({ external_id: id, email: `${id}@example.com`, phone: '+8613812345678', country: 'CN', subdivision: 'CN-HB', locale: 'zh-CN', data_categories: ['contact', 'account'], systems: ['crm'], ...over });

interface Report {
  id: string;
  status: string;
  lines_read: number;
  lines_imported: number;
  lines_rejected: number;
  rejects_url: string;
}

async function upload(h: Harness, body: BodyInit, contentType: string): Promise<Report> {
  const res = await h.request('POST', '/v1/directory/imports?name=test', { as: 'responder', body: body as string, headers: { 'content-type': contentType } });
  expect(res.status).toBe(201);
  return json<Report>(res);
}

async function rejects(h: Harness, report: Report): Promise<{ line: number; problems: { field: string; reason: string }[]; raw: string | null }[]> {
  const text = await (await h.request('GET', report.rejects_url, { as: 'responder' })).text();
  return text.trim() ? text.trim().split('\n').map((l) => JSON.parse(l)) : [];
}

describeEachDatabase('directory import', (harness) => {
  it('imports NDJSON, keeps every valid line around bad ones, and reports each bad one without its contact data', async () => {
    const h = harness();
    const lines = [
      user('u-1'),
      user('u-2', { email: 'not-an-email' }),
      '{"external_id": "u-3", broken json',
      user('u-4', { phone: '12345' }),
      '',
      user('u-5', { subdivision: 'US-TX' }),
      user('u-6', { data_categories: ['contact', 'dna'] }),
      user('u-7', { account_status: 'deleted' }),
      user('u-1', { name: 'Second line for u-1 wins' }),
      user('u-8', { surprise: true }),
      user('u-9'),
    ];
    const report = await upload(h, lines.join('\n'), 'application/x-ndjson');
    expect(report).toMatchObject({ status: 'completed', lines_read: 10, lines_imported: 3, lines_rejected: 7 });
    const bad = await rejects(h, report);
    expect(bad.map((r) => [r.line, r.problems[0]!.field])).toEqual([
      [2, 'email'],
      [3, '(line)'],
      [4, 'phone'],
      [6, 'subdivision'],
      [7, 'data_categories.1'],
      [8, 'deleted_at'],
      [10, 'surprise'],
    ]);
    // Reasons never quote the value.
    for (const r of bad) for (const p of r.problems) expect(p.reason).not.toMatch(/not-an-email|12345|dna/);
    const rows = await h.db.sql<{ external_id: string; name: string | null }[]>`select external_id, name from directory_users where external_id like 'u-%' order by 1`;
    expect(rows).toEqual([
      { external_id: 'u-1', name: 'Second line for u-1 wins' },
      { external_id: 'u-9', name: null },
    ]);
  });

  it('imports gzip CSV with quoted fields, and reports broken quoting, non-UTF-8 and bad columns per line', async () => {
    const h = harness();
    const header = 'external_id,name,email,phone,country,address.line1,address.city,data_categories,systems,account_status,deleted_at';
    const csv = Buffer.concat([
      Buffer.from(`\uFEFF${header}\r\n`),
      Buffer.from('c-1,"Lin, Mei",c1@example.com,+8613812345678,CN,"1 Road\nFlat 2",Wuhan,contact;account,crm,active,\r\n'),
      Buffer.from('c-2,"unclosed,c2@example.com,,CN,,,contact,crm,active,\n'),
      Buffer.from('c-3,Valid Three,c3@example.com,,CN,,,contact,crm,deleted,2026-01-01T00:00:00Z\n'),
      Buffer.from([0x63, 0x2d, 0x34, 0x2c, 0xff, 0xfe, 0x2c, 0x0a]),
      Buffer.from('c-5,Too,Few\n'),
      Buffer.from('c-6,Six,c6@example.com,,CN,,,contact,crm,active,\n'),
    ]);
    const report = await upload(h, gzipSync(csv) as unknown as string, 'text/csv');
    expect(report).toMatchObject({ status: 'completed', lines_imported: 3 });
    const bad = await rejects(h, report);
    expect(bad.map((r) => r.problems[0]!.reason)).toEqual(expect.arrayContaining(['not valid UTF-8', 'has 3 fields; the header has 11']));
    expect(bad.some((r) => /quot/.test(r.problems[0]!.reason))).toBe(true);
    const [mei] = await h.db.sql<{ name: string; postal_address: { line1: string; city: string } }[]>`select name, postal_address from directory_users where external_id = 'c-1'`;
    expect(mei).toEqual({ name: 'Lin, Mei', postal_address: expect.objectContaining({ line1: '1 Road\nFlat 2', city: 'Wuhan' }) });
    const [deleted] = await h.db.sql<{ account_status: string }[]>`select account_status from directory_users where external_id = 'c-3'`;
    expect(deleted!.account_status).toBe('deleted');
  });

  it('survives a 10 MB line and an empty file, and keeps serving', async () => {
    const h = harness();
    const huge = `{"external_id": "x-huge", "name": "${'a'.repeat(10 * 1024 * 1024)}"}`;
    const report = await upload(h, [user('x-1'), huge, user('x-2')].join('\n'), 'application/x-ndjson');
    expect(report).toMatchObject({ lines_imported: 2, lines_rejected: 1 });
    const [tooLong] = await rejects(h, report);
    expect(tooLong).toMatchObject({ line: 2, raw: null, problems: [{ field: '(line)', reason: expect.stringContaining('longer than') }] });
    const empty = await upload(h, '', 'application/x-ndjson');
    expect(empty).toMatchObject({ status: 'completed', lines_read: 0, lines_imported: 0 });
    expect((await h.request('GET', '/healthz', { as: null })).status).toBe(200);
    const list = await json<{ data: Report[] }>(await h.request('GET', '/v1/directory/imports', { as: 'responder' }));
    expect(list.data.map((r) => r.id)).toEqual(expect.arrayContaining([report.id, empty.id]));
  });

  it('refuses an unknown format and keeps contact data away from viewers', async () => {
    const h = harness();
    const res = await h.request('POST', '/v1/directory/imports', { as: 'responder', body: 'x', headers: { 'content-type': 'application/pdf' } });
    expect(res.status).toBe(415);
    expect((await h.request('GET', '/v1/directory/imports', { as: 'viewer' })).status).toBe(403);
  });
});
