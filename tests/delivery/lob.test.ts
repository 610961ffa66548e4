// Letters to US addresses through Lob (a strict fake): one letter each, never printed twice after a crash.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lobProvider } from '../../src/delivery/providers/lob.js';
import { letterPdf } from '../../src/delivery/letters/service.js';
import { dbModes } from '../helpers/db.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { sampleIncident } from '../helpers/fixtures.js';
import { sampleNoticeContent } from '../helpers/notice-content.js';
import { startFakeLob, type FakeLob } from '../fakes/lob.js';
import { nodeLetterPdf } from '../../src/delivery/letters/pdf.node.js';

const us = (i: number) => ({ line1: `${100 + i} Main Street`, city: 'Austin', region: 'TX', postal_code: '78701', country: 'US' });
const letter = { deliveryId: '7', locale: 'en', text: '# Notice\n\nHello.', recipientLines: ['Ada', '1 Main Street', 'Austin, TX 78701'], date: 'December 6, 2026' };
const sender = { lines: ['Example'], returnLine: 'Example' };

describe('the Lob fake is as strict as Lob', () => {
  let lob: FakeLob;
  beforeAll(async () => {
    lob = await startFakeLob();
  });
  afterAll(() => lob.close());

  it('wants the key as the Basic user name, the required fields, a US Letter PDF; a repeated Idempotency-Key returns the first letter', async () => {
    const usPdf = (await letterPdf(nodeLetterPdf, sender, { ...letter, country: 'US' }, new Date(0))).pdf;
    const a4Pdf = (await letterPdf(nodeLetterPdf, sender, { ...letter, country: 'DE' }, new Date(0))).pdf;
    const to = { name: 'Ada Lovelace', address_line1: '1 Main Street', address_city: 'Austin', address_state: 'TX', address_zip: '78701', address_country: 'US' };
    const from = { name: 'Example Inc', address_line1: '2 Market Street', address_city: 'San Francisco', address_state: 'CA', address_zip: '94105', address_country: 'US' };
    const base = { deliveryId: '7', idempotencyKey: 'breachkit-letter-7', to, from, pdf: usPdf, description: 'test', incidentId: 'inc_1', contentHash: 'a'.repeat(64) };

    expect(await lobProvider({ apiKey: 'wrong', baseUrl: lob.url }).send(base)).toEqual({ outcome: 'transient', errorCode: 'lob_401' });
    const good = lobProvider({ apiKey: lob.apiKey, baseUrl: lob.url });
    expect(await good.send({ ...base, idempotencyKey: 'k-a4', pdf: a4Pdf })).toEqual({ outcome: 'permanent', errorCode: 'lob_422' });
    expect(await good.send({ ...base, idempotencyKey: 'k-zip', to: { ...to, address_zip: 'TX' } })).toEqual({ outcome: 'permanent', errorCode: 'lob_422' });
    const first = await good.send(base);
    expect(first.outcome).toBe('accepted');
    expect(await good.send(base)).toEqual(first);
    expect(lob.letters).toHaveLength(1);
    expect(lob.letters[0]).toMatchObject({ use_type: 'operational', color: false, address_placement: 'insert_blank_page', metadata: { delivery_id: '7' }, to: { address_state: 'TX' } });
    // Without the header a second identical request is a second letter, as with Lob.
    await good.send({ ...base, idempotencyKey: 'another' });
    expect(lob.letters).toHaveLength(2);
    lob.failNext(1, 429);
    expect((await good.send({ ...base, idempotencyKey: 'rate' })).outcome).toBe('rate_limited');

    // Listing by metadata: only letters whose metadata has every pair asked for, newest first.
    const listed = async (query: string) => {
      const res = await fetch(`${lob.url}/letters?${query}`, { headers: { authorization: `Basic ${btoa(`${lob.apiKey}:`)}` } });
      return { status: res.status, body: (await res.json()) as { object?: string; data?: { id: string; metadata: Record<string, string> }[] } };
    };
    expect((await listed('metadata[delivery_id]=7')).body.data!.map((l) => l.id)).toEqual([lob.letters[1]!.id, lob.letters[0]!.id]);
    expect((await listed('metadata[delivery_id]=8')).body).toMatchObject({ object: 'list', data: [] });
    expect((await listed('metadata[delivery_id]=7&metadata[incident_id]=inc_2')).body.data).toEqual([]);
    expect((await listed('metadata[delivery_id]=7&limit=1')).body.data).toHaveLength(1);
    expect((await listed('limit=101')).status).toBe(422);
    expect(await good.find('7', 'inc_1')).toEqual({ kind: 'found', letter: { providerId: lob.letters[0]!.id, contentHash: 'a'.repeat(64) } });
    expect(await good.find('7', 'inc_2')).toEqual({ kind: 'none' });
    expect(await lobProvider({ apiKey: 'wrong', baseUrl: lob.url }).find('7', 'inc_1')).toEqual({ kind: 'later', errorCode: 'lob_401' });

    // Lob keeps an Idempotency-Key 24 hours: after that the same key makes a second letter.
    lob.advance(24 * 3_600_000 + 1000);
    const late = await good.send(base);
    expect(late.outcome === 'accepted' && late.providerId).not.toBe(first.outcome === 'accepted' && first.providerId);
    expect(lob.letters).toHaveLength(3);
  });
});

for (const mode of dbModes) {
  describe(`letters through Lob [${mode}]`, () => {
    let lob: FakeLob;
    let h: Harness;
    beforeAll(async () => {
      lob = await startFakeLob();
      h = await createHarness(mode, { env: { LOB_API_KEY: lob.apiKey, LOB_API_URL: lob.url } });
    });
    afterAll(async () => {
      await h?.db.close();
      await lob?.close();
    });

    it('sends US letters through Lob and the rest to print; a resend after a crash gets the same letter back', async () => {
      const users = [
        { external_id: 'us-1', name: 'Ada Lovelace', country: 'US', postal_address: us(1) },
        { external_id: 'us-2', name: 'Grace Hopper', country: 'US', postal_address: us(2) },
        { external_id: 'de-1', name: 'Max Muster', country: 'DE', postal_address: { line1: 'Hauptstraße 5', city: 'Berlin', postal_code: '10115', country: 'DE' } },
      ].map((u) => JSON.stringify({ ...u, locale: 'en', data_categories: ['contact'] }));
      expect((await h.request('POST', '/v1/directory/imports?name=lob.ndjson', { body: users.join('\n'), headers: { 'content-type': 'application/x-ndjson' }, as: 'responder' })).status).toBeLessThan(300);
      const profile = { name: 'Example Inc', return_address: { name: 'Example Inc', line1: '2 Market Street', city: 'San Francisco', region: 'CA', postal_code: '94105', country: 'US' } };
      expect((await h.request('PUT', '/v1/organisation', { json: profile })).status).toBe(200);
      const incident = (await (await h.request('POST', '/v1/incidents', { json: sampleIncident(), as: 'responder' })).json()) as { id: string };
      const id = incident.id;
      await h.request('PUT', `/v1/incidents/${id}/scope`, { json: { data_categories: ['contact'] }, as: 'responder' });
      expect((await h.request('POST', `/v1/incidents/${id}/affected`, { as: 'responder' })).status).toBe(201);
      expect((await h.request('POST', `/v1/incidents/${id}/notices`, { json: { content: sampleNoticeContent() }, as: 'responder' })).status).toBe(201);
      expect((await h.request('POST', `/v1/incidents/${id}/notices/1/approve`, { as: 'approver' })).status).toBe(200);
      expect((await h.request('POST', `/v1/incidents/${id}/deliveries`, { as: 'responder' })).status).toBe(201);

      // Lob fails once: that letter waits for a later call, nothing is lost.
      lob.failNext(1, 500);
      const first = await h.request('POST', `/v1/incidents/${id}/letters/lob`, { as: 'responder' });
      expect(await first.json()).toEqual({ sent: 1, adopted: 0, refused: 0, retry_later: 1 });
      expect((await h.request('POST', `/v1/incidents/${id}/letters/lob`, { as: 'responder' }).then((r) => r.json()))).toEqual({ sent: 0, adopted: 0, refused: 0, retry_later: 0 });
      await h.db.sql`update deliveries set not_before = now() - interval '1 second' where incident_id = ${id} and state = 'queued'`;
      // The retry after a 500 asks Lob first (it may have made the letter), finds nothing, and sends.
      const listsBefore = lob.lists;
      const sent = await h.request('POST', `/v1/incidents/${id}/letters/lob`, { as: 'responder' });
      expect(await sent.json()).toEqual({ sent: 1, adopted: 0, refused: 0, retry_later: 0 });
      expect(lob.lists).toBe(listsBefore + 1);
      expect(lob.letters.map((l) => l.to.name).sort()).toEqual(['Ada Lovelace', 'Grace Hopper']);
      expect(lob.letters.every((l) => l.from.address_state === 'CA' && l.pdf.subarray(0, 5).toString() === '%PDF-')).toBe(true);
      const rows = await h.db.sql<{ id: string; external_id: string; state: string; provider: string; provider_id: string; content_hash: string }[]>`
        select id::text as id, external_id, state, provider, provider_id, content_hash from deliveries where incident_id = ${id} and channel = 'letter' order by external_id`;
      const byId = new Map(rows.map((r) => [r.external_id, r]));
      for (const who of ['us-1', 'us-2']) {
        expect(byId.get(who)).toMatchObject({ state: 'accepted', provider: 'lob' });
        expect(lob.letters.find((l) => l.metadata.delivery_id === byId.get(who)!.id)!.id).toBe(byId.get(who)!.provider_id);
        expect(byId.get(who)!.content_hash).toMatch(/^[0-9a-f]{64}$/);
        // The proof is of what Lob printed: the hash it keeps with the letter.
        expect(lob.letters.find((l) => l.metadata.delivery_id === byId.get(who)!.id)!.metadata).toMatchObject({ incident_id: id, content_hash: byId.get(who)!.content_hash });
      }
      // Each letter carries the person's own notice page, and the link opens it.
      const printedText = (l: (typeof lob.letters)[number]) => {
        const file = join(mkdtempSync(join(tmpdir(), 'bk-lob-')), 'letter.pdf');
        writeFileSync(file, l.pdf);
        return execFileSync('pdftotext', ['-raw', file, '-'], { encoding: 'utf8' });
      };
      const links = lob.letters.map((l) => /https?:\/\/\S+\/n\/([A-Za-z0-9_-]{22})/.exec(printedText(l))?.[1]);
      expect(new Set(links).size).toBe(2);
      for (const token of links) expect((await h.request('GET', `/n/${token}`)).status).toBe(200);
      // The German letter is left for the print batch.
      expect(byId.get('de-1')!.state).toBe('queued');
      const batch = (await (await h.request('POST', `/v1/incidents/${id}/letters/batches`, { as: 'responder' })).json()) as { batch: { letters: number } };
      expect(batch.batch.letters).toBe(1);

      // A crash after Lob made the letter but before it was recorded: the row is back in `sending`, its lease gone.
      const cut = byId.get('us-1')!;
      await h.db.sql`update deliveries set state = 'sending', provider_id = null, lease_until = now() - interval '1 second' where id = ${Number(cut.id)}`;
      const requestsBefore = lob.requests;
      const again = await h.request('POST', `/v1/incidents/${id}/letters/lob`, { as: 'responder' });
      expect(await again.json()).toEqual({ sent: 0, adopted: 1, refused: 0, retry_later: 0 });
      // Found by its metadata: nothing sent again, still two letters, the row has the same Lob id and proof.
      expect(lob.requests).toBe(requestsBefore);
      expect(lob.letters).toHaveLength(2);
      const [after] = await h.db.sql<{ state: string; provider_id: string; content_hash: string }[]>`select state, provider_id, content_hash from deliveries where id = ${Number(cut.id)}`;
      expect(after).toEqual({ state: 'accepted', provider_id: cut.provider_id, content_hash: cut.content_hash });

      // The same crash found two days later, when Lob no longer honours the Idempotency-Key: still adopted, not printed twice.
      const other = byId.get('us-2')!;
      await h.db.sql`update deliveries set state = 'sending', provider_id = null, content_hash = null, lease_until = now() - interval '1 second' where id = ${Number(other.id)}`;
      lob.advance(48 * 3_600_000);
      const late = await h.request('POST', `/v1/incidents/${id}/letters/lob`, { as: 'responder' });
      expect(await late.json()).toEqual({ sent: 0, adopted: 1, refused: 0, retry_later: 0 });
      expect(lob.letters).toHaveLength(2);
      const [adopted] = await h.db.sql<{ state: string; provider_id: string; content_hash: string }[]>`select state, provider_id, content_hash from deliveries where id = ${Number(other.id)}`;
      expect(adopted).toEqual({ state: 'accepted', provider_id: other.provider_id, content_hash: other.content_hash });
    }, 120_000);
  });
}
