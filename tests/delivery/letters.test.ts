// Letters end to end through the API: address checks at resolve time, planning onto letters, print batches, handover, returned mail.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeFinishedRuns, dispatchOnce } from '../../src/delivery/dispatch.js';
import { dispatchDeps } from '../../src/delivery/setup.js';
import { fixedClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { dbModes } from '../helpers/db.js';
import { drainLedger } from '../helpers/delivery-flow.js';
import { startFakeSendgrid, type FakeSendgrid } from '../fakes/sendgrid.js';
import * as ledger from '../../src/delivery/ledger.js';
import { createHarness, describeEachDatabase, json, testRenderer, type Harness } from '../helpers/harness.js';
import { letterContentHash, letterSender } from '../../src/delivery/letters/service.js';
import { addressLines } from '../../src/delivery/letters/paper.js';
import type { NoticeContent } from '../../src/notices/content.js';
import { sampleIncident } from '../helpers/fixtures.js';
import { sampleNoticeContent } from '../helpers/notice-content.js';

const user = (id: string, fields: Record<string, unknown>) => ({ external_id: id, data_categories: ['contact'], country: 'DE', locale: 'en', ...fields });

/** A directory of every kind of contact: email only, letter only (three countries and languages), bad addresses, nothing. */
const directory = [
  user('email-1', { email: 'e1@example.com' }),
  user('email-2', { email: 'e2@example.com' }),
  user('email-3', { email: 'e3@example.com' }),
  user('letter-us', { name: 'Ada Lovelace', country: 'US', subdivision: 'US-TX', postal_address: { line1: '1600 Main Street', city: 'Austin', region: 'TX', postal_code: '78701', country: 'US' } }),
  user('letter-cn', { name: '李伟', country: 'CN', locale: 'zh-CN', postal_address: { line1: '中南路 99 号', city: '武汉市', region: '湖北省', postal_code: '430071', country: 'CN' } }),
  user('letter-de', { name: 'Max Muster', postal_address: { line1: 'Hauptstraße 5', city: 'Berlin', postal_code: '10115', country: 'DE' } }),
  // An email that will bounce, then a letter: letter follows in fallback.
  user('email-then-letter', { email: 'bounce@example.com', name: 'Eva Weber', postal_address: { line1: 'Ring 1', city: 'Köln', postal_code: '50667', country: 'DE' } }),
  // Addresses a letter cannot go to: refused at resolve time with the field, never dropped.
  user('no-country', { postal_address: { line1: 'Ring 2', city: 'Köln', postal_code: '50667' } }),
  user('unknown-line', { phone: '+4915112345678', postal_address: { line1: 'unknown', city: 'Köln', postal_code: '50667', country: 'DE' } }),
  user('no-contact', {}),
];

async function ok<T>(res: Response, status = 200): Promise<T> {
  const body = await res.text();
  expect(res.status, body).toBe(status);
  return JSON.parse(body) as T;
}

async function setUp(h: Harness) {
  const imported = await h.request('POST', '/v1/directory/imports?name=letters.ndjson', {
    body: directory.map((u) => JSON.stringify(u)).join('\n'),
    headers: { 'content-type': 'application/x-ndjson' },
    as: 'responder',
  });
  expect(imported.status, await imported.clone().text()).toBeLessThan(300);
  await ok(
    await h.request('PUT', '/v1/organisation', {
      json: { name: 'Example Devices GmbH', return_address: { name: 'Example Devices GmbH', line1: 'Friedrichstraße 1', city: 'Berlin', postal_code: '10117', country: 'DE' } },
    }),
  );
  const incident = await ok<{ id: string }>(await h.request('POST', '/v1/incidents', { json: sampleIncident(), as: 'responder' }), 201);
  await ok(await h.request('PUT', `/v1/incidents/${incident.id}/scope`, { json: { data_categories: ['contact'] }, as: 'responder' }));
  const snapshot = await ok<{ summary: Record<string, unknown> }>(await h.request('POST', `/v1/incidents/${incident.id}/affected`, { as: 'responder' }), 201);
  await ok(await h.request('POST', `/v1/incidents/${incident.id}/notices`, { json: { content: sampleNoticeContent() }, as: 'responder' }), 201);
  await ok(await h.request('POST', `/v1/incidents/${incident.id}/notices/1/approve`, { as: 'approver' }));
  return { id: incident.id, snapshot };
}

interface Batch {
  id: string;
  status: string;
  letters: number;
  rendered: number;
  pages: number;
  pdf_sha256: string;
  links: { pdf: string; manifest: string };
}

async function untilReady(h: Harness, incident: string, batch: string): Promise<Batch> {
  const by = Date.now() + 60_000;
  for (;;) {
    const b = await ok<Batch>(await h.request('GET', `/v1/incidents/${incident}/letters/batches/${batch}`, { as: 'viewer' }));
    if (b.status !== 'rendering' || Date.now() > by) return b;
    await new Promise((r) => setTimeout(r, 200));
  }
}

const letterRows = (h: Harness, incident: string) =>
  h.db.sql<{ id: string; external_id: string; state: string; content_hash: string | null; letter_batch_id: string | null; error_code: string | null }[]>`
    select id::text as id, external_id, state, content_hash, letter_batch_id, error_code from deliveries where incident_id = ${incident} and channel = 'letter' order by external_id`;

describeEachDatabase('letters', (harness) => {
  it('refuses a letter to an address without a country or with unknown lines at resolve time, naming the field; the person falls to the next channel or the announcement', async () => {
    const h = harness();
    const { id, snapshot } = await setUp(h);
    expect(snapshot.summary).toMatchObject({ rejected_channels: { letter: 2 }, by_channel: { letter: 4 } });
    const people = await ok<{ data: { external_id: string; channels: string[]; channel_rejections: unknown[]; announcement_only: boolean }[] }>(
      await h.request('GET', `/v1/incidents/${id}/affected/users?limit=100`, { as: 'responder' }),
    );
    const byId = new Map(people.data.map((p) => [p.external_id, p]));
    expect(byId.get('no-country')).toMatchObject({ channels: [], announcement_only: true, channel_rejections: [{ channel: 'letter', field: 'postal_address.country' }] });
    expect(byId.get('unknown-line')).toMatchObject({ channels: ['sms', 'voice'], announcement_only: false, channel_rejections: [{ channel: 'letter', field: 'postal_address.line1' }] });
    expect(byId.get('letter-cn')).toMatchObject({ channels: ['letter'], channel_rejections: [] });
    const csv = await (await h.request('GET', `/v1/incidents/${id}/affected.csv`, { as: 'responder' })).text();
    const rows = parseCsv(csv, { columns: true }) as Record<string, string>[];
    expect(rows.find((r) => r.external_id === 'no-country')!.channel_rejections).toBe('letter:postal_address.country');

    // Planning: letter-only people go straight onto letters; the worker never claims them.
    const run = await ok<{ planned: number; announcement_only: number }>(await h.request('POST', `/v1/incidents/${id}/deliveries`, { as: 'responder' }), 201);
    expect(run).toMatchObject({ planned: 8, announcement_only: 2 });
    expect((await letterRows(h, id)).map((r) => [r.external_id, r.state])).toEqual([['letter-cn', 'queued'], ['letter-de', 'queued'], ['letter-us', 'queued']]);
    const claimed = await ledger.claimDeliveries(h.db.sql, { owner: 'test', limit: 100, leaseMs: 60_000, now: new Date() });
    expect(claimed.map((c) => c.channel).sort()).toEqual(['email', 'email', 'email', 'email', 'sms']);
    // The bounced email moves the person on to a letter (no phone: letter follows voice).
    const bounced = claimed.find((c) => c.email === 'bounce@example.com')!;
    expect(await ledger.failAndFallBack(h.db.sql, bounced.id, 'bounced', 'bounce', new Date())).toBe('letter');
    for (const c of claimed.filter((c) => c.id !== bounced.id)) await ledger.markAccepted(h.db.sql, [{ id: c.id, providerId: null, contentHash: 'x', locale: 'en' }], 'capture', 'captured', new Date());

    // A print batch: every letter-only person (and the one moved to letters) is in it.
    const created = await ok<{ batch: Batch }>(await h.request('POST', `/v1/incidents/${id}/letters/batches`, { as: 'responder' }), 202);
    expect(created.batch).toMatchObject({ status: 'rendering', letters: 4 });
    const batch = await untilReady(h, id, created.batch.id);
    expect(batch).toMatchObject({ status: 'ready', letters: 4, rendered: 4 });
    // Nothing is left to batch.
    expect((await h.request('POST', `/v1/incidents/${id}/letters/batches`, { as: 'responder' })).status).toBe(409);

    // The manifest, read as a mail house would: one line per letter with its pages and proof.
    const manifestRes = await h.request('GET', batch.links.manifest, { as: 'viewer' });
    expect(manifestRes.headers.get('content-type')).toMatch(/^text\/csv/);
    const manifest = parseCsv(await manifestRes.text(), { columns: true }) as Record<string, string>[];
    const letters = await letterRows(h, id);
    expect(manifest.map((m) => m.delivery_id).sort()).toEqual(letters.map((l) => l.id).sort());
    expect(letters.every((l) => l.letter_batch_id === batch.id && /^[0-9a-f]{64}$/.test(l.content_hash ?? ''))).toBe(true);
    for (const m of manifest) expect(m.content_hash).toBe(letters.find((l) => l.id === m.delivery_id)!.content_hash);
    // US Letter paper first, then A4; pages run on without gaps.
    expect(manifest.map((m) => [m.country, m.paper])).toEqual([['US', 'LETTER'], ['CN', 'A4'], ['DE', 'A4'], ['DE', 'A4']]);
    expect(manifest[0]).toMatchObject({ recipient: 'Ada Lovelace', address_line_1: '1600 Main Street', address_line_2: 'Austin, TX 78701', address_line_3: 'UNITED STATES OF AMERICA' });
    let page = 1;
    for (const m of manifest) {
      expect(Number(m.first_page)).toBe(page);
      page += Number(m.pages);
    }
    expect(page - 1).toBe(batch.pages);

    // The combined PDF: as many pages as the manifest says, and each letter's words in it.
    const pdfRes = await h.request('GET', batch.links.pdf, { as: 'viewer' });
    expect(pdfRes.headers.get('content-type')).toBe('application/pdf');
    const pdf = new Uint8Array(await pdfRes.arrayBuffer());
    expect(new TextDecoder().decode(pdf.subarray(0, 5))).toBe('%PDF-');
    const { sha256 } = await import('@noble/hashes/sha2.js');
    const { bytesToHex } = await import('@noble/hashes/utils.js');
    expect(bytesToHex(sha256(pdf))).toBe(batch.pdf_sha256);
    // poppler-utils (pdfinfo, pdftotext) is installed by .ci/run.
    const file = join(mkdtempSync(join(tmpdir(), 'bk-letters-')), 'batch.pdf');
    writeFileSync(file, pdf);
    expect(Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))![1])).toBe(batch.pages);
    const text = execFileSync('pdftotext', ['-raw', file, '-'], { encoding: 'utf8' });
    for (const words of ['Ada Lovelace', '李伟', 'Max Muster', 'Eva Weber', '您的订单信息曾被泄露', 'Your order details were exposed']) expect(text).toContain(words);

    // Each letter carries the person's own notice page (not only the public one), and the link opens it.
    const printedLinks = new Map<string, string>();
    for (const m of manifest) {
      const last = Number(m.first_page) + Number(m.pages) - 1;
      const pages = execFileSync('pdftotext', ['-raw', '-f', m.first_page!, '-l', String(last), file, '-'], { encoding: 'utf8' });
      const link = /(https?:\/\/\S+)\/n\/([A-Za-z0-9_-]{22})/.exec(pages);
      expect(link, `letter ${m.delivery_id}`).not.toBeNull();
      printedLinks.set(m.delivery_id!, link![0]);
      const page = await h.request('GET', `/n/${link![2]}`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-language')).toBe(m.country === 'CN' ? 'zh-CN' : 'en');
    }
    expect(new Set(printedLinks.values()).size).toBe(manifest.length);
    // The manifest's proof is of the letter as printed, link included: rendered again with that link, the hash is the same.
    const de = manifest.find((m) => m.recipient === 'Max Muster')!;
    const sender = await letterSender(h.db.sql);
    const [facts] = await h.db.sql<{ content: NoticeContent; title: string; discovered_at: Date }[]>`
      select n.content, i.title, i.discovered_at from notice_versions n join incidents i on i.id = n.incident_id where i.id = ${id}`;
    const link = printedLinks.get(de.delivery_id!)!;
    const notice = testRenderer().render({
      channel: 'letter', locale: 'en', content: facts!.content, recipient: { name: 'Max Muster', isGuardian: false, locale: 'en' },
      links: { publicNotice: `${link.split('/n/')[0]}/status`, noticePage: link }, incident: { title: facts!.title, discoveredAt: facts!.discovered_at },
    });
    const asPrinted = {
      deliveryId: de.delivery_id!, locale: 'en', text: notice.text!, country: 'DE',
      recipientLines: addressLines('Max Muster', { line1: 'Hauptstraße 5', city: 'Berlin', postal_code: '10115', country: 'DE' }, sender.country),
      date: new Intl.DateTimeFormat('en', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date((batch as Batch & { created_at: string }).created_at)),
    };
    expect(letterContentHash(asPrinted, { lines: sender.lines, returnLine: sender.returnLine }, 'A4')).toBe(de.content_hash);

    // Handover: the letters are with the mail house, on the timeline.
    expect((await h.request('POST', `/v1/incidents/${id}/letters/batches/${batch.id}/handover`, { json: { taken_by: '' }, as: 'responder' })).status).toBe(400);
    const handed = await ok<Batch & { taken_by: string }>(
      await h.request('POST', `/v1/incidents/${id}/letters/batches/${batch.id}/handover`, { json: { taken_by: 'Printhaus Nord, courier J. Weber' }, as: 'responder' }),
    );
    expect(handed).toMatchObject({ status: 'handed_over', taken_by: 'Printhaus Nord, courier J. Weber' });
    expect((await letterRows(h, id)).every((l) => l.state === 'accepted')).toBe(true);
    expect((await h.request('POST', `/v1/incidents/${id}/letters/batches/${batch.id}/handover`, { json: { taken_by: 'again' }, as: 'responder' })).status).toBe(409);
    const timeline = await ok<{ data: { kind?: string; type?: string; data?: Record<string, unknown> }[] }>(await h.request('GET', `/v1/incidents/${id}/timeline`, { as: 'responder' }));
    const kinds = JSON.stringify(timeline);
    expect(kinds).toContain('letters.handed_over');
    expect(kinds).toContain('Printhaus Nord, courier J. Weber');

    // Returned mail with an unknown id: 422 naming it, nothing applied.
    const cn = manifest.find((m) => m.country === 'CN')!.delivery_id;
    const unknown = await h.request('POST', `/v1/incidents/${id}/letters/returned`, { json: { delivery_ids: [cn, '999999999', 'abc'] }, as: 'responder' });
    expect(unknown.status).toBe(422);
    const problem = await json<{ errors: { field: string; message: string }[] }>(unknown);
    expect(problem.errors.map((e) => e.field)).toEqual(['delivery_ids[1]', 'delivery_ids[2]']);
    expect(problem.errors[0]!.message).toContain('999999999');
    expect((await letterRows(h, id)).find((l) => l.id === cn)!.state).toBe('accepted');

    // Returned mail as CSV (the manifest's own column): the person moves on — here to the announcement.
    const returned = await ok<{ returned: number; next: Record<string, number> }>(
      await h.request('POST', `/v1/incidents/${id}/letters/returned`, { body: `delivery_id,note\n${cn},moved away\n`, headers: { 'content-type': 'text/csv' }, as: 'responder' }),
    );
    expect(returned).toMatchObject({ returned: 1, next: { announcement: 1 } });
    expect((await letterRows(h, id)).find((l) => l.id === cn)).toMatchObject({ state: 'undeliverable', error_code: 'returned_mail' });
    // Sending it again changes nothing.
    expect(await ok(await h.request('POST', `/v1/incidents/${id}/letters/returned`, { json: { delivery_ids: [cn] }, as: 'responder' }))).toMatchObject({ returned: 0, already_recorded: [cn] });
    const check = await ok<{ covered_by_announcement: number; reached: number }>(await h.request('GET', `/v1/incidents/${id}/deliveries/check`, { as: 'responder' }));
    // no-country and no-contact had no channel; letter-cn came back.
    expect(check.covered_by_announcement).toBe(3);
    const csvMissing = await h.request('POST', `/v1/incidents/${id}/letters/returned`, { body: 'id\n1\n', headers: { 'content-type': 'text/csv' }, as: 'responder' });
    expect(csvMissing.status).toBe(400);
    expect(JSON.stringify(await csvMissing.json())).toContain('delivery_id');
  }, 120_000);

  it('a guardian of several affected children gets one letter per child, each naming its child, in English and Chinese', async () => {
    const h = harness();
    const home = { line1: 'Lindenweg 7', city: 'Bonn', postal_code: '53113', country: 'DE' };
    const family = [
      user('kid-mia', { name: 'Mia Schulz', minor: true, guardian_name: 'Jana Schulz', postal_address: home }),
      user('kid-leo', { name: 'Leo Schulz', minor: true, guardian_name: 'Jana Schulz', postal_address: home }),
      user('kid-cn', { name: '王小明', minor: true, guardian_name: '王芳', country: 'CN', locale: 'zh-CN', postal_address: { line1: '中南路 12 号', city: '武汉市', region: '湖北省', postal_code: '430071', country: 'CN' } }),
    ];
    const imported = await h.request('POST', '/v1/directory/imports?name=families.ndjson', { body: family.map((u) => JSON.stringify(u)).join('\n'), headers: { 'content-type': 'application/x-ndjson' }, as: 'responder' });
    expect(imported.status, await imported.clone().text()).toBeLessThan(300);
    await ok(await h.request('PUT', '/v1/organisation', { json: { name: 'Example Devices GmbH', return_address: { name: 'Example Devices GmbH', line1: 'Friedrichstraße 1', city: 'Berlin', postal_code: '10117', country: 'DE' } } }));
    const { id } = await ok<{ id: string }>(await h.request('POST', '/v1/incidents', { json: sampleIncident(), as: 'responder' }), 201);
    await ok(await h.request('PUT', `/v1/incidents/${id}/scope`, { json: { include_ids: family.map((u) => u.external_id) }, as: 'responder' }));
    await ok(await h.request('POST', `/v1/incidents/${id}/affected`, { as: 'responder' }), 201);
    await ok(await h.request('POST', `/v1/incidents/${id}/notices`, { json: { content: sampleNoticeContent() }, as: 'responder' }), 201);
    await ok(await h.request('POST', `/v1/incidents/${id}/notices/1/approve`, { as: 'approver' }));
    expect(await ok(await h.request('POST', `/v1/incidents/${id}/deliveries`, { as: 'responder' }), 201)).toMatchObject({ planned: 3, announcement_only: 0 });
    const created = await ok<{ batch: Batch }>(await h.request('POST', `/v1/incidents/${id}/letters/batches`, { as: 'responder' }), 202);
    const batch = await untilReady(h, id, created.batch.id);
    expect(batch).toMatchObject({ status: 'ready', letters: 3 });
    const manifest = parseCsv(await (await h.request('GET', batch.links.manifest, { as: 'viewer' })).text(), { columns: true }) as Record<string, string>[];
    const file = join(mkdtempSync(join(tmpdir(), 'bk-letters-')), 'families.pdf');
    writeFileSync(file, new Uint8Array(await (await h.request('GET', batch.links.pdf, { as: 'viewer' })).arrayBuffer()));
    const byChild = new Map((await letterRows(h, id)).map((r) => [r.id, r.external_id]));
    const children: Record<string, { name: string; guardian: string; about: string }> = {
      'kid-mia': { name: 'Mia Schulz', guardian: 'Jana Schulz', about: 'This letter is about Mia Schulz only' },
      'kid-leo': { name: 'Leo Schulz', guardian: 'Jana Schulz', about: 'This letter is about Leo Schulz only' },
      'kid-cn': { name: '王小明', guardian: '王芳', about: '本信仅涉及王小明' },
    };
    for (const m of manifest) {
      // The letter goes to the guardian and names the one child it is about: its text, extracted from its pages.
      const child = children[byChild.get(m.delivery_id!)!]!;
      expect(m.recipient).toBe(child.guardian);
      const last = Number(m.first_page) + Number(m.pages) - 1;
      const text = execFileSync('pdftotext', ['-raw', '-enc', 'UTF-8', '-f', m.first_page!, '-l', String(last), file, '-'], { encoding: 'utf8' }).replace(/\s+/g, '');
      expect(text).toContain(child.about.replace(/\s+/g, ''));
      for (const other of Object.values(children)) if (other !== child) expect(text).not.toContain(other.name.replace(/\s+/g, ''));
    }
    // One proof per child: the siblings' letters, to the same guardian at the same address, differ.
    expect(new Set(manifest.map((m) => m.content_hash)).size).toBe(3);
  }, 120_000);
});

for (const mode of dbModes) {
  describe(`returned mail moves the person to their next channel [${mode}]`, () => {
    let sg: FakeSendgrid;
    let h: Harness;
    beforeAll(async () => {
      sg = await startFakeSendgrid({});
      h = await createHarness(mode, {
        env: { DELIVERY_CHANNEL_ORDER: 'letter,email', SENDGRID_API_KEY: sg.apiKey, SENDGRID_FROM: 'notices@example.com', SENDGRID_API_URL: sg.url, PUBLIC_BASE_URL: 'https://breachkit.example' },
      });
    });
    afterAll(async () => {
      await h?.db.close();
      await sg?.close();
    });

    it('a letter handed over and returned: the email goes out, and the check route counts the person reached', async () => {
      const imported = await h.request('POST', '/v1/directory/imports?name=returned.ndjson', {
        body: [
          user('ret-both', { name: 'Eva Weber', email: 'eva@example.com', postal_address: { line1: 'Ring 1', city: 'Köln', postal_code: '50667', country: 'DE' } }),
          user('ret-letter', { name: 'Max Muster', postal_address: { line1: 'Hauptstraße 5', city: 'Berlin', postal_code: '10115', country: 'DE' } }),
        ].map((u) => JSON.stringify(u)).join('\n'),
        headers: { 'content-type': 'application/x-ndjson' },
        as: 'responder',
      });
      expect(imported.status, await imported.clone().text()).toBeLessThan(300);
      await ok(await h.request('PUT', '/v1/organisation', { json: { name: 'Example Devices GmbH', return_address: { name: 'Example Devices GmbH', line1: 'Friedrichstraße 1', city: 'Berlin', postal_code: '10117', country: 'DE' } } }));
      const { id } = await ok<{ id: string }>(await h.request('POST', '/v1/incidents', { json: sampleIncident(), as: 'responder' }), 201);
      await ok(await h.request('PUT', `/v1/incidents/${id}/scope`, { json: { include_ids: ['ret-both', 'ret-letter'] }, as: 'responder' }));
      await ok(await h.request('POST', `/v1/incidents/${id}/affected`, { as: 'responder' }), 201);
      await ok(await h.request('POST', `/v1/incidents/${id}/notices`, { json: { content: sampleNoticeContent() }, as: 'responder' }), 201);
      await ok(await h.request('POST', `/v1/incidents/${id}/notices/1/approve`, { as: 'approver' }));
      const run = await ok<{ channel_order: string[]; planned: number }>(await h.request('POST', `/v1/incidents/${id}/deliveries`, { as: 'responder' }), 201);
      expect(run).toMatchObject({ channel_order: ['letter', 'email'], planned: 2 });
      expect((await letterRows(h, id)).map((r) => [r.external_id, r.state])).toEqual([['ret-both', 'queued'], ['ret-letter', 'queued']]);

      // The worker has nothing to send yet: both people wait for their letters.
      const clock = fixedClock(new Date());
      const deps = dispatchDeps({ config: h.config, db: h.db.sql, renderer: testRenderer(), clock, logger: createLogger('silent'), owner: 'returned-mail' });
      expect((await dispatchOnce(deps)).claimed).toBe(0);

      const created = await ok<{ batch: Batch }>(await h.request('POST', `/v1/incidents/${id}/letters/batches`, { as: 'responder' }), 202);
      expect((await untilReady(h, id, created.batch.id)).status).toBe('ready');
      await ok(await h.request('POST', `/v1/incidents/${id}/letters/batches/${created.batch.id}/handover`, { json: { taken_by: 'Printhaus Nord' }, as: 'responder' }));
      expect(await ok(await h.request('GET', `/v1/incidents/${id}/deliveries/check`, { as: 'viewer' }))).toMatchObject({ people: 2, reached: 2, in_flight: 0 });
      // Nothing left to do: the run completes (and reopens when mail comes back).
      expect(await completeFinishedRuns(deps)).toBe(1);

      // Eva's letter comes back: she moves on to email, which the worker sends; Max's stays delivered.
      const eva = (await letterRows(h, id)).find((r) => r.external_id === 'ret-both')!;
      const returned = await ok<{ returned: number; next: Record<string, number> }>(
        await h.request('POST', `/v1/incidents/${id}/letters/returned`, { json: { delivery_ids: [eva.id] }, as: 'responder' }),
      );
      expect(returned).toMatchObject({ returned: 1, next: { email: 1 } });
      expect(await ok(await h.request('GET', `/v1/incidents/${id}/deliveries/check`, { as: 'viewer' }))).toMatchObject({ reached: 1, in_flight: 1, ok: false });
      await drainLedger(h, deps, clock);
      const [email] = await h.db.sql<{ id: string; state: string; provider: string; content_hash: string | null }[]>`
        select id::text as id, state, provider, content_hash from deliveries where incident_id = ${id} and channel = 'email'`;
      expect(email).toMatchObject({ state: 'accepted', provider: 'sendgrid', content_hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
      expect(sg.recipientsFor(email!.id).map((r) => r.email)).toEqual(['eva@example.com']);
      const check = await ok<Record<string, unknown>>(await h.request('GET', `/v1/incidents/${id}/deliveries/check`, { as: 'viewer' }));
      expect(check).toMatchObject({ people: 2, reached: 2, in_flight: 0, not_planned: 0, covered_by_announcement: 0, uncovered: 0, stuck_sending: 0, ok: true });
      expect(await completeFinishedRuns(deps)).toBe(1);
      const runs = await ok<{ data: { status: string }[] }>(await h.request('GET', `/v1/incidents/${id}/deliveries`, { as: 'viewer' }));
      expect(runs.data[0]!.status).toBe('completed');
      const timeline = JSON.stringify(await ok(await h.request('GET', `/v1/incidents/${id}/timeline`, { as: 'responder' })));
      expect(timeline.match(/delivery\.completed/g)).toHaveLength(2);
      expect(timeline).toContain('letters.returned');
    }, 120_000);
  });
}
