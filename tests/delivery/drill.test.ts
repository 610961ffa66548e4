import { afterAll, beforeAll, expect, it } from 'vitest';
import { dispatchOnce, reconcileExpired } from '../../src/delivery/dispatch.js';
import { dispatchDeps } from '../../src/delivery/setup.js';
import { upsertUsers } from '../../src/directory/store.js';
import { systemClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { providerEnvFor } from '../fakes/env.js';
import { startFakeSendgrid, type FakeSendgrid } from '../fakes/sendgrid.js';
import { startFakeTwilio, type FakeTwilio } from '../fakes/twilio.js';
import { sampleIncident } from '../helpers/fixtures.js';
import { describeEachDatabase, json, testRenderer } from '../helpers/harness.js';
import { sampleNoticeContent } from '../helpers/notice-content.js';

let sg: FakeSendgrid;
let tw: FakeTwilio;
beforeAll(async () => {
  sg = await startFakeSendgrid({});
  tw = await startFakeTwilio({});
});
afterAll(async () => {
  await sg.close();
  await tw.close();
});

// The harness reads its settings when each database's suite starts, after the fakes listen: each setting is read then.
const lateEnv = Object.defineProperties(
  {},
  Object.fromEntries(
    ['PUBLIC_BASE_URL', 'SENDGRID_API_KEY', 'SENDGRID_FROM', 'SENDGRID_API_URL', 'TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM', 'TWILIO_API_URL'].map((k) => [
      k,
      { enumerable: true, get: () => providerEnvFor(sg, tw)[k] },
    ]),
  ),
) as Record<string, string>;

describeEachDatabase(
  'a drill reaches no one',
  (harness) => {
    it('with providers pointing at the fakes, a drill sends them nothing and shows nothing on any public route', async () => {
      const h = harness();
      expect(h.config.SENDGRID_API_KEY).toBe(sg.apiKey);
      const ids = ['drill-email', 'drill-sms'];
      await upsertUsers(
        h.db.sql,
        [
          { external_id: ids[0]!, email: 'drill.person@example.com', locale: 'en', country: 'CN', account_status: 'active' as const, data_categories: ['contact'], systems: [], created_at: '2024-01-01T00:00:00Z', updated_at: '2024-01-01T00:00:00Z' },
          { external_id: ids[1]!, phone: '+8613812345670', locale: 'zh-CN', country: 'CN', account_status: 'active' as const, data_categories: ['contact'], systems: [], created_at: '2024-01-01T00:00:00Z', updated_at: '2024-01-01T00:00:00Z' },
        ],
        null,
        new Date(),
      );
      const title = `Tabletop exercise ${crypto.randomUUID().slice(0, 8)}`;
      const { id } = await json<{ id: string }>(await h.request('POST', '/v1/incidents', { as: 'responder', json: { ...sampleIncident(), title, drill: true } }));
      await h.request('PUT', `/v1/incidents/${id}/scope`, { as: 'responder', json: { include_ids: ids } });
      await h.request('POST', `/v1/incidents/${id}/affected`, { as: 'responder' });
      await h.request('POST', `/v1/incidents/${id}/notices`, { as: 'responder', json: { content: sampleNoticeContent() } });
      await h.request('POST', `/v1/incidents/${id}/notices/1/approve`, { as: 'approver' });
      const started = await h.request('POST', `/v1/incidents/${id}/deliveries`, { as: 'responder' });
      expect(started.status).toBe(201);
      expect(await json(started)).toMatchObject({ drill: true });

      // The worker as configured: real SendGrid and Twilio providers, aimed at the fakes.
      const deps = dispatchDeps({ config: h.config, db: h.db.sql, renderer: testRenderer(), clock: systemClock, logger: createLogger('silent'), owner: 'drill-test' });
      expect(deps.providers.email.capture).toBe(false);
      expect(await dispatchOnce(deps)).toMatchObject({ claimed: 2, captured: 2, accepted: 0 });
      await reconcileExpired(deps);
      const rows = await h.db.sql<{ state: string; provider: string }[]>`select state, provider from deliveries where incident_id = ${id}`;
      expect(rows).toEqual([
        { state: 'captured', provider: 'drill' },
        { state: 'captured', provider: 'drill' },
      ]);

      // The announcement: published for the drill, yet on no public route; the authenticated preview shows it, marked.
      const drafted = await json<{ slug: string; drill: boolean; preview_url: string }>(await h.request('POST', `/v1/incidents/${id}/announcement`, { as: 'responder', json: { impact: 'major' } }));
      expect(drafted.drill).toBe(true);
      expect((await h.request('POST', `/v1/incidents/${id}/announcement/publish`, { as: 'responder' })).status).toBe(200);
      const publicPaths = ['/status', `/status/${drafted.slug}`, '/api/v2/summary.json', '/api/v2/status.json', '/api/v2/incidents.json', '/api/v2/incidents/unresolved.json', '/history.atom', '/history.rss', '/status?lang=zh-CN'];
      for (const path of publicPaths) {
        const res = await h.request('GET', path, { as: null });
        const text = await res.text();
        expect(text, path).not.toContain(drafted.slug);
        expect(text, path).not.toContain(id);
        expect(text, path).not.toContain(sampleNoticeContent().locales.en.headline);
      }
      expect((await h.request('GET', `/status/${drafted.slug}`, { as: null })).status).toBe(404);
      expect((await h.request('GET', `/v1/incidents/${id}/announcement/preview`, { as: null })).status).toBe(401);
      const preview = await h.request('GET', `/v1/incidents/${id}/announcement/preview`, { as: 'viewer' });
      expect(preview.status).toBe(200);
      const html = await preview.text();
      expect(html).toContain('DRILL');
      expect(html).toContain(sampleNoticeContent().locales.en.headline);

      // Not one request reached either provider.
      expect(sg.stats.requests).toBe(0);
      expect(tw.stats.requests).toBe(0);
    });
  },
  { env: lateEnv },
);
