// Failed console sign-ins are limited per client and per key prefix: guessing a key costs time from one address or from many.
import { expect, it } from 'vitest';
import { describeEachDatabase } from '../helpers/harness.js';
import { fixedClock } from '../../src/lib/clock.js';
import { ConsoleClient, textOf } from './client.js';

const clock = fixedClock(new Date());

describeEachDatabase(
  'console sign-in limits',
  (harness) => {
    it('refuses a client after its failed tries, with Retry-After, even with a good key, until the budget refills', async () => {
      const h = harness();
      const from = (address: string) => new ConsoleClient(h, { 'x-forwarded-for': address });
      const guesser = from('203.0.113.7');
      for (let i = 0; i < 3; i++) expect((await guesser.signIn(`bk_guess${i}xxxxxxxxxxxxxxxxxxxxxxxx`)).status).toBe(400);
      const refused = await guesser.signIn(h.tokens.responder);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(textOf(await refused.text())).toMatch(/Too many failed sign-ins from here or with this key\. Try again in \d+ seconds\./);
      // Another address is not held up, and good sign-ins spend nothing.
      const colleague = from('198.51.100.20');
      for (let i = 0; i < 5; i++) expect((await colleague.signIn(h.tokens.responder)).status).toBe(303);
      // A minute later the guesser's budget is back.
      clock.advance(60_000);
      expect((await guesser.signIn(h.tokens.responder)).status).toBe(303);
    });

    it('refuses tries at one key prefix from any address once that key has had its failures', async () => {
      const h = harness();
      const prefix = h.tokens.approver.slice(0, 11);
      const wrong = (n: number) => `${prefix}${'x'.repeat(30)}${n}`;
      for (let i = 0; i < 3; i++) expect((await new ConsoleClient(h, { 'x-forwarded-for': `192.0.2.${i}` }).signIn(wrong(i))).status).toBe(400);
      // From a fourth address, the right key is refused too: the prefix is out of tries.
      expect((await new ConsoleClient(h, { 'x-forwarded-for': '192.0.2.99' }).signIn(h.tokens.approver)).status).toBe(429);
      // Other keys are not.
      expect((await new ConsoleClient(h, { 'x-forwarded-for': '192.0.2.99' }).signIn(h.tokens.viewer)).status).toBe(303);
      clock.advance(20_000);
      expect((await new ConsoleClient(h, { 'x-forwarded-for': '192.0.2.100' }).signIn(h.tokens.approver)).status).toBe(303);
    });
  },
  { clock, env: { CONSOLE_SIGN_IN_PER_MINUTE: '3', CLIENT_IP_HEADER: 'x-forwarded-for' } },
);
