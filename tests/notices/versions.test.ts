import { expect, it } from 'vitest';
import { sampleIncident } from '../helpers/fixtures.js';
import { describeEachDatabase, json, type Harness } from '../helpers/harness.js';
import { sampleNoticeContent } from '../helpers/notice-content.js';

async function incident(h: Harness): Promise<string> {
  return (await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: sampleIncident() }))).id;
}

describeEachDatabase('notice versions', (harness) => {
  it('previews any channel and language without storing anything', async () => {
    const h = harness();
    const id = await incident(h);
    const res = await h.request('POST', `/v1/incidents/${id}/notices/preview`, {
      as: 'responder',
      json: { content: sampleNoticeContent(), channel: 'sms', locale: 'zh-CN', recipient: { sample: { name: 'Li Lei', is_guardian: true } } },
    });
    expect(res.status).toBe(200);
    const body = await json<{ locale: string; text: string; sms: { encoding: string; parts: number } }>(res);
    expect(body).toMatchObject({ locale: 'zh-CN', sms: { encoding: 'UCS-2' } });
    expect(body.text).toContain('11月20-22日');
    expect((await json<{ data: unknown[] }>(await h.request('GET', `/v1/incidents/${id}/notices`))).data).toHaveLength(0);
  });

  it('refuses content missing an element or a language, naming the field', async () => {
    const h = harness();
    const id = await incident(h);
    const content = sampleNoticeContent() as { locales: Record<string, Record<string, string>> };
    delete content.locales['zh-CN']!.remedies;
    const res = await h.request('POST', `/v1/incidents/${id}/notices`, { as: 'responder', json: { content } });
    expect(res.status).toBe(400);
    expect((await json<{ errors: { field: string }[] }>(res)).errors.map((e) => e.field)).toContain('content.locales.zh-CN.remedies');
  });

  it('freezes how in-app notices go with the version, and refuses an unknown way naming the field', async () => {
    const h = harness();
    const id = await incident(h);
    const bad = await h.request('POST', `/v1/incidents/${id}/notices`, { as: 'responder', json: { content: sampleNoticeContent(), inapp: 'sometimes' } });
    expect(bad.status).toBe(400);
    expect((await json<{ errors: { field: string }[] }>(bad)).errors.map((e) => e.field)).toEqual(['inapp']);
    const plain = await json<{ inapp: string }>(await h.request('POST', `/v1/incidents/${id}/notices`, { as: 'responder', json: { content: sampleNoticeContent() } }));
    expect(plain.inapp).toBe('in_order');
    const extra = await h.request('POST', `/v1/incidents/${id}/notices`, { as: 'responder', json: { content: sampleNoticeContent(), inapp: 'additional' } });
    expect(await json(extra)).toMatchObject({ version: 2, inapp: 'additional' });
    const timeline = await json<{ events: { type: string; data: { inapp?: string } }[] }>(await h.request('GET', `/v1/incidents/${id}/timeline`, { as: 'responder' }));
    expect(timeline.events.filter((e) => e.type === 'notice.frozen').map((e) => e.data.inapp)).toEqual(['in_order', 'additional']);
  });

  it('freezes a version with hashes, and only a second person may approve it', async () => {
    const h = harness();
    const id = await incident(h);
    const frozen = await h.request('POST', `/v1/incidents/${id}/notices`, { as: 'responder', json: { content: sampleNoticeContent() } });
    expect(frozen.status).toBe(201);
    const v = await json<{ version: number; status: string; content_hash: string; rendered_hashes: Record<string, string> }>(frozen);
    expect(v).toMatchObject({ version: 1, status: 'awaiting_approval' });
    expect(Object.keys(v.rendered_hashes).sort()).toEqual(
      ['announcement', 'email', 'inapp', 'letter', 'page', 'sms', 'voice'].flatMap((c) => [`${c}/en`, `${c}/zh-CN`]).sort(),
    );

    // The drafter's own key cannot approve.
    const self = await h.request('POST', `/v1/incidents/${id}/notices/1/approve`, { as: 'responder' });
    expect(self.status).toBe(403);
    // A responder key is not an approver.
    expect((await h.request('POST', `/v1/incidents/${id}/notices/1/approve`, { as: { token: h.otherTokens.responder } })).status).toBe(403);
    // The same person holding an approver key under the same name cannot either.
    const alias = await json<{ token: string }>(await h.request('POST', '/v1/api-keys', { json: { name: 'test responder', role: 'approver' } }));
    const aliasRes = await h.request('POST', `/v1/incidents/${id}/notices/1/approve`, { as: { token: alias.token } });
    expect(aliasRes.status).toBe(403);
    expect(await json(aliasRes)).toMatchObject({ code: 'forbidden' });

    const approved = await h.request('POST', `/v1/incidents/${id}/notices/1/approve`, { as: 'approver' });
    expect(approved.status).toBe(200);
    expect(await json(approved)).toMatchObject({ status: 'approved', approved_by_name: 'test approver' });
    expect((await h.request('POST', `/v1/incidents/${id}/notices/1/approve`, { as: { token: h.otherTokens.approver } })).status).toBe(409);

    const timeline = await json<{ events: { type: string; data: Record<string, unknown> }[] }>(await h.request('GET', `/v1/incidents/${id}/timeline`));
    const types = timeline.events.map((e) => e.type);
    expect(types).toContain('notice.frozen');
    expect(types).toContain('notice.approved');
    expect(timeline.events.find((e) => e.type === 'notice.frozen')!.data.content_hash).toBe(v.content_hash);
  });
});
