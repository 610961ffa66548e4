// The company's channel order: validated at start, kept on each run, followed by planning and by fallback.
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import * as ledger from '../../src/delivery/ledger.js';
import { dbModes } from '../helpers/db.js';
import { directoryUser, ledgerRows, plannedRun } from '../helpers/delivery-flow.js';
import { createHarness, json, type Harness } from '../helpers/harness.js';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  return [];
};

describe('DELIVERY_CHANNEL_ORDER and the in-app settings', () => {
  it('defaults to email, SMS, voice, letter and accepts in-app anywhere', () => {
    expect(loadConfig({}).DELIVERY_CHANNEL_ORDER).toEqual(['email', 'sms', 'voice', 'letter']);
    expect(loadConfig({ DELIVERY_CHANNEL_ORDER: ' inapp, sms ,email' }).DELIVERY_CHANNEL_ORDER).toEqual(['inapp', 'sms', 'email']);
  });

  it('names the bad value', () => {
    expect(problemsOf({ DELIVERY_CHANNEL_ORDER: 'email,fax' })).toEqual(["DELIVERY_CHANNEL_ORDER: unknown channel 'fax' (known: email, sms, voice, letter, inapp)"]);
    expect(problemsOf({ DELIVERY_CHANNEL_ORDER: 'sms,email,sms' })).toEqual(["DELIVERY_CHANNEL_ORDER: channel 'sms' is listed twice"]);
    expect(problemsOf({ DELIVERY_CHANNEL_ORDER: ' , ' })).toEqual(['DELIVERY_CHANNEL_ORDER: name at least one channel']);
  });

  it('takes the in-app webhook as a complete, well-formed set', () => {
    const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    expect(problemsOf({ INAPP_WEBHOOK_URL: 'https://app.example.com/hooks', INAPP_WEBHOOK_SECRET: secret, PUBLIC_BASE_URL: 'https://bk.example' })).toEqual([]);
    expect(problemsOf({ INAPP_WEBHOOK_URL: 'https://app.example.com/hooks', PUBLIC_BASE_URL: 'https://bk.example' })).toEqual(['INAPP_WEBHOOK_URL and INAPP_WEBHOOK_SECRET: set both or neither']);
    expect(problemsOf({ INAPP_WEBHOOK_URL: 'https://app.example.com/hooks', INAPP_WEBHOOK_SECRET: 'hunter2' })[0]).toMatch(/^INAPP_WEBHOOK_SECRET: must be 'whsec_'/);
    expect(problemsOf({ INAPP_WEBHOOK_URL: 'ftp://app.example.com', INAPP_WEBHOOK_SECRET: secret })[0]).toMatch(/^INAPP_WEBHOOK_URL:/);
    expect(problemsOf({ INAPP_WEBHOOK_URL: 'https://app.example.com/hooks', INAPP_WEBHOOK_SECRET: secret })).toEqual(['PUBLIC_BASE_URL: required to send (links in notices, provider callbacks)']);
  });
});

for (const mode of dbModes) {
  describe(`channel order in planning and fallback [${mode}]`, () => {
    let h: Harness;
    afterEach(() => h.db.close());

    it('plans each person on their first channel in the order and falls back along it', async () => {
      h = await createHarness(mode, { env: { DELIVERY_CHANNEL_ORDER: 'sms,voice,email' } });
      const { incidentId, run } = await plannedRun(h, [
        directoryUser('both', { email: 'both@example.com', phone: '+4915112345601' }),
        directoryUser('email-only', { email: 'e@example.com' }),
        directoryUser('phone-only', { phone: '+4915112345602' }),
        directoryUser('nothing'),
      ]);
      expect(run).toMatchObject({ channel_order: ['sms', 'voice', 'email'], planned: 3, announcement_only: 1 });
      expect((await ledgerRows(h)).map((r) => `${r.external_id}/${r.channel}`)).toEqual(['both/sms', 'email-only/email', 'phone-only/sms']);

      const now = new Date();
      const claim = async (who: string) => {
        const rows = await ledger.claimDeliveries(h.db.sql, { owner: 't', limit: 10, leaseMs: 60_000, now });
        return rows.find((r) => r.external_id === who)!;
      };
      const sms = await claim('both');
      expect(sms.channel).toBe('sms');
      expect(await ledger.failAndFallBack(h.db.sql, sms.id, 'undeliverable', '21610', now)).toBe('voice');
      const voice = await claim('both');
      expect(await ledger.failAndFallBack(h.db.sql, voice.id, 'undeliverable', '21614', now)).toBe('email');
      const email = await claim('both');
      expect(email.channel).toBe('email');
      expect(await ledger.failAndFallBack(h.db.sql, email.id, 'bounced', 'bounce', now)).toBeNull();
      // Planning again fills gaps only, and keeps the run's own order.
      const again = await json<{ channel_order: string[]; planned: number }>(await h.request('POST', `/v1/incidents/${incidentId}/deliveries`, { as: 'responder' }));
      expect(again).toMatchObject({ channel_order: ['sms', 'voice', 'email'], planned: 3 });
      expect((await ledgerRows(h)).filter((r) => r.external_id === 'both').map((r) => `${r.channel}/${r.state}`)).toEqual(['sms/undeliverable', 'voice/undeliverable', 'email/bounced']);
    });

    it('leaves out a channel the order does not name, in planning and in fallback', async () => {
      h = await createHarness(mode, { env: { DELIVERY_CHANNEL_ORDER: 'email,sms' } });
      const { run } = await plannedRun(h, [directoryUser('both', { email: 'b@example.com', phone: '+4915112345603' }), directoryUser('inapp-only')]);
      // Without in-app in the order, a person with an account and no contact is left to the announcement.
      expect(run).toMatchObject({ channel_order: ['email', 'sms'], inapp: 'in_order', planned: 1, announcement_only: 1 });
      const now = new Date();
      const [email] = await ledger.claimDeliveries(h.db.sql, { owner: 't', limit: 10, leaseMs: 60_000, now });
      expect(await ledger.failAndFallBack(h.db.sql, email!.id, 'bounced', 'bounce', now)).toBe('sms');
      const [sms] = await ledger.claimDeliveries(h.db.sql, { owner: 't', limit: 10, leaseMs: 60_000, now });
      // No voice: the order stops at SMS.
      expect(await ledger.failAndFallBack(h.db.sql, sms!.id, 'undeliverable', '21614', now)).toBeNull();
    });
  });
}
