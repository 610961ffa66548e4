// The console's notice page: the draft kept as typed, every channel × language previewed, freeze, and approval by a second person only.
import { expect, it } from 'vitest';
import { describeEachDatabase, json, type Harness } from '../helpers/harness.js';
import { sampleIncident } from '../helpers/fixtures.js';
import { sampleNoticeContent } from '../helpers/notice-content.js';
import { noticeFieldsFrom } from '../../src/console/notice-form.js';
import type { NoticeContent } from '../../src/notices/content.js';
import { ConsoleClient, textOf } from './client.js';

const fields = () => noticeFieldsFrom(sampleNoticeContent() as NoticeContent);

/** One preview cell's markup: from its `data-cell` to the next cell's. */
function cellOf(page: string, cell: string): string {
  const start = page.indexOf(`data-cell="${cell}"`);
  expect(start).toBeGreaterThan(-1);
  const next = page.indexOf('data-cell="', start + 1);
  return page.slice(start, next === -1 ? undefined : next);
}

async function signedIn(h: Harness, token: string): Promise<ConsoleClient> {
  const client = new ConsoleClient(h);
  expect((await client.signIn(token)).status).toBe(303);
  return client;
}

describeEachDatabase('console notice page', (harness) => {
  it('keeps an incomplete draft as typed and shows each problem beside its field', async () => {
    const h = harness();
    const { id } = await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: sampleIncident() }));
    const client = await signedIn(h, h.tokens.responder);
    const incidentPage = await (await client.get(`/console/incidents/${id}`)).text();
    expect(incidentPage).toContain(`href="/console/incidents/${id}/notice"`);
    await client.get(`/console/incidents/${id}/notice`);
    const res = await client.post(`/console/incidents/${id}/notice/preview`, { ...fields(), 'locales.zh-CN.headline': '', 'contact.url': 'http://example.com' });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toMatch(/id="f-locales-zh-CN-headline-problem"[^>]*>[^<]+</);
    expect(html).toMatch(/id="f-contact-url-problem"[^>]*>[^<]+</);
    // Reloading the page later brings back what was typed.
    const again = await (await client.get(`/console/incidents/${id}/notice`)).text();
    expect(again).toContain('value="http://example.com"');
    expect(again).toContain(sampleNoticeContent().locales.en.nature_and_impact.split('\n')[0]);
  });

  it('previews every channel in every language as the API renders them, SMS with its parts', async () => {
    const h = harness();
    const { id } = await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: sampleIncident() }));
    const client = await signedIn(h, h.tokens.responder);
    await client.get(`/console/incidents/${id}/notice`);
    const res = await client.post(`/console/incidents/${id}/notice/preview`, fields());
    expect(res.status).toBe(303);
    const page = await (await client.get(res.headers.get('location')!)).text();
    const cells = [...page.matchAll(/data-cell="([\w/-]+)"/g)].map((m) => m[1]);
    // Every channel a version is frozen with, in each language.
    expect(cells).toEqual([
      'email/en',
      'email/zh-CN',
      'sms/en',
      'sms/zh-CN',
      'voice/en',
      'voice/zh-CN',
      'letter/en',
      'letter/zh-CN',
      'announcement/en',
      'announcement/zh-CN',
      'inapp/en',
      'inapp/zh-CN',
      'page/en',
      'page/zh-CN',
    ]);
    expect(page).not.toContain('class="problem"');
    for (const locale of ['en', 'zh-CN']) {
      const api = await json<{ sms: { parts: number; encoding: string } }>(
        await h.request('POST', `/v1/incidents/${id}/notices/preview`, { as: 'responder', json: { content: sampleNoticeContent(), channel: 'sms', locale } }),
      );
      const cell = page.slice(page.indexOf(`data-cell="sms/${locale}"`));
      expect(cell).toMatch(new RegExp(`data-sms-parts="${api.sms.parts}"`));
      expect(cell.slice(0, 2000)).toContain(api.sms.encoding);
    }
    // A letter is plain text (laid out on paper later) and an in-app notice a title and text: shown as the API renders them, not framed.
    for (const locale of ['en', 'zh-CN']) {
      for (const channel of ['letter', 'inapp']) {
        const api = await json<{ subject?: string; text: string; html?: string }>(
          await h.request('POST', `/v1/incidents/${id}/notices/preview`, { as: 'responder', json: { content: sampleNoticeContent(), channel, locale } }),
        );
        expect(api.html).toBeUndefined();
        const cell = cellOf(page, `${channel}/${locale}`);
        expect(cell).not.toContain('<iframe');
        expect(textOf(cell)).toContain(textOf(api.text));
        if (channel === 'inapp') expect(textOf(cell)).toContain(api.subject);
      }
      expect(textOf(cellOf(page, `letter/${locale}`))).toContain(`# ${sampleNoticeContent().locales[locale as 'en' | 'zh-CN'].headline}`);
    }
    // The email as it will look: a sandboxed document of its own, its inline styles allowed, no script.
    const frame = await client.get(`/console/incidents/${id}/notice/frame/email/zh-CN?source=draft`);
    expect(frame.status).toBe(200);
    expect(frame.headers.get('content-security-policy')).toMatch(/sandbox$/);
    expect(frame.headers.get('content-security-policy')).toContain("frame-ancestors 'self'");
    expect(frame.headers.get('content-security-policy')).not.toContain('script-src');
    expect(await frame.text()).toContain(sampleNoticeContent().locales['zh-CN'].headline);
    // The person's notice page too; text-only channels have no frame.
    expect(cellOf(page, 'page/en')).toContain(`src="/console/incidents/${id}/notice/frame/page/en?source=draft"`);
    const notice = await client.get(`/console/incidents/${id}/notice/frame/page/en?source=draft`);
    expect(notice.status).toBe(200);
    expect(await notice.text()).toContain(sampleNoticeContent().locales.en.remedies);
    expect((await client.get(`/console/incidents/${id}/notice/frame/letter/en?source=draft`)).status).toBe(404);
    expect((await client.get(`/console/incidents/${id}/notice/frame/inapp/en?source=draft`)).status).toBe(404);
    expect((await client.get(`/console/incidents/${id}/notice/frame/sms/en?source=draft`)).status).toBe(404);
  });

  it('freezes a version that only a second person with the approver role may approve', async () => {
    const h = harness();
    const { id } = await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: sampleIncident() }));
    const admin = await signedIn(h, h.tokens.admin);
    await admin.get(`/console/incidents/${id}/notice`);
    const frozen = await admin.post(`/console/incidents/${id}/notice/freeze`, fields());
    expect(frozen.status).toBe(303);
    expect(frozen.headers.get('location')).toBe(`/console/incidents/${id}/notice?frozen=1`);
    const own = await (await admin.get(frozen.headers.get('location')!)).text();
    expect(textOf(own)).toContain('Version 1 is frozen and awaits approval by a second person.');
    expect(textOf(own)).toContain('You froze this version; a second person must approve it.');
    expect(own).not.toContain(`/notice/1/approve"`);
    // The button is hidden, and a forged approval is refused by the service's four-eyes rule.
    const forged = await admin.post(`/console/incidents/${id}/notice/1/approve`);
    expect(forged.status).toBe(403);
    expect(textOf(await forged.text())).toContain('the person who froze this version cannot approve it');
    // A responder may freeze but not approve.
    const responder = await signedIn(h, h.tokens.responder);
    expect(await (await responder.get(`/console/incidents/${id}/notice`)).text()).not.toContain('/approve"');
    expect((await responder.post(`/console/incidents/${id}/notice/1/approve`)).status).toBe(403);
    // A viewer sees the versions and the preview, but no editor.
    const viewer = await signedIn(h, h.tokens.viewer);
    const viewed = await (await viewer.get(`/console/incidents/${id}/notice`)).text();
    expect(viewed).toContain('data-cell="email/en"');
    expect(viewed).not.toContain('/notice/preview"');
    expect((await viewer.post(`/console/incidents/${id}/notice/preview`, fields())).status).toBe(403);
    expect((await viewer.get(`/console/incidents/${id}/notice/frame/email/en?version=1`)).status).toBe(200);
    // The approver approves.
    const approver = await signedIn(h, h.tokens.approver);
    const page = await (await approver.get(`/console/incidents/${id}/notice`)).text();
    expect(page).toContain(`action="/console/incidents/${id}/notice/1/approve"`);
    const approved = await approver.post(`/console/incidents/${id}/notice/1/approve`);
    expect(approved.status).toBe(303);
    const version = await json<{ status: string; approved_by: string }>(await h.request('GET', `/v1/incidents/${id}/notices/1`));
    expect(version).toMatchObject({ status: 'approved' });
    expect(textOf(await (await approver.get(approved.headers.get('location')!)).text())).toContain('Version 1 is approved.');
  });
});
