import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentHashOfRendering, fillSlot, namedContentHash, planMailRequests, type MailRequest } from '../../src/delivery/providers/email-batch.js';
import { sendgridSdkProvider } from '../../src/delivery/providers/sendgrid-sdk.js';
import type { OutgoingMessage } from '../../src/delivery/providers/types.js';
import { noticeContent } from '../../src/notices/content.js';
import { createNoticeRenderer } from '../../src/notices/render.js';
import type { RenderedNotice, RenderInput } from '../../src/notices/renderer.js';
import { applySubstitutions, startFakeSendgrid, validateMailSend, type FakeSendgrid } from '../fakes/sendgrid.js';
import { templateFiles } from '../helpers/harness.js';
import { sha256Hex } from '../../src/lib/hash.js';
import { nodeSha256Hex } from '../../src/lib/hash.node.js';
import { sampleNoticeContent } from '../helpers/notice-content.js';

const shared = createNoticeRenderer(templateFiles());
// Renders every recipient from scratch through the templates: the reference each shared rendering is held to.
const fresh = createNoticeRenderer(templateFiles(), { reuse: false });
const content = noticeContent.parse(sampleNoticeContent());
const incident = { title: 'Export bucket exposed', discoveredAt: new Date('2026-11-20T08:00:00Z') };

const input = (name: string | null, locale: string, isGuardian = false): RenderInput => ({
  channel: 'email',
  locale,
  content,
  recipient: { name, isGuardian, locale },
  links: { publicNotice: 'https://breachkit.example/status' },
  incident,
});

let seq = 0;
/** A message as the fan-out builds it: the shared rendering, the person's own text made when read, and its hash. */
function message(name: string | null, locale = 'en', isGuardian = false, to = `p${++seq}@example.com`): OutgoingMessage {
  const s = shared.renderShared!(input(name, locale, isGuardian))!;
  return {
    deliveryId: String(++seq),
    channel: 'email',
    to,
    get rendered() {
      return fillSlot(s.shared, s.name);
    },
    contentHash: namedContentHash(s.shared, s.name),
    shared: { rendering: s.shared, name: s.name },
  };
}

/** What the person of personalization `i` receives, the substitutions applied as SendGrid applies them. */
function receivedBy(request: MailRequest, i: number): RenderedNotice {
  const subs = request.body.personalizations[i]!.substitutions ?? {};
  const block = (type: string) => request.body.content.find((c) => c.type === type)?.value;
  const m = request.messages[i]!;
  return { channel: 'email', locale: m.rendered.locale, subject: applySubstitutions(request.body.subject, subs), html: applySubstitutions(block('text/html')!, subs), text: applySubstitutions(block('text/plain')!, subs) };
}

const freshHash = (name: string | null, locale: string, isGuardian = false) => contentHashOfRendering(fresh.render(input(name, locale, isGuardian)));

// Names of every kind a directory holds, and strings made to look like the slot, a tag or a template.
const nameArb = fc.oneof(
  fc.string({ minLength: 1, maxLength: 40 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }),
  fc.constantFrom('Zoë Ångström', '王小明', '欧阳娜娜', 'محمد الأحمد', 'שרה כהן', '🙂 Ana 🇧🇷', '<script>alert(1)</script>', 'Tom & Jerry', '"Quoted" O\'Neil', '{{ recipient.name }}', '%name%', '-name-', "Pay $& $' $1 $$"),
  fc.constantFrom('-bk', 'h-', 't-', '\uE000', '\uE001', '&amp;', '&#123;').chain((piece) => fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 })).map(([a, b]) => `${a}${piece}${b}`)),
);

describe('email batching with personal greetings', () => {
  it('sends people who differ only by name together, each with their own name as a substitution', () => {
    const messages = [...Array.from({ length: 1500 }, (_, i) => message(`Person ${i}`)), ...Array.from({ length: 300 }, (_, i) => message(`人 ${i}`, 'zh-CN')), message(null), message('Guardian G', 'en', true)];
    const requests = planMailRequests(messages, { from: 'notices@example.com' });
    // en named: 1000 + 500; zh-CN named: 300; unnamed en: 1; guardian: 1.
    expect(requests.map((r) => r.messages.length).sort((a, b) => b - a)).toEqual([1000, 500, 300, 1, 1]);
    for (const r of requests) {
      expect(validateMailSend(r.body)).toEqual([]);
      r.messages.forEach((m, i) => expect(contentHashOfRendering(receivedBy(r, i))).toBe(m.contentHash));
    }
    const first = requests[0]!;
    expect(first.body.personalizations[7]!.substitutions).toEqual({ [Object.keys(first.body.personalizations[7]!.substitutions!)[0]!]: 'Person 7', [Object.keys(first.body.personalizations[7]!.substitutions!)[1]!]: 'Person 7' });
    expect(receivedBy(first, 7).text).toContain('Dear Person 7,');
  });

  it('the Node host hashes proofs natively to the very same hex', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (text) => {
        expect(nodeSha256Hex(text)).toBe(sha256Hex(text));
      }),
    );
    const m = message('王小明');
    expect(contentHashOfRendering(m.rendered, nodeSha256Hex)).toBe(m.contentHash);
  });

  it('escapes the name for the HTML part only', () => {
    const [r] = planMailRequests([message('<b>Tom</b> & Jerry')], { from: 'notices@example.com' });
    const got = receivedBy(r!, 0);
    expect(got.html).toContain('Dear &lt;b&gt;Tom&lt;/b&gt; &amp; Jerry,');
    expect(got.text).toContain('Dear <b>Tom</b> & Jerry,');
  });

  it('the proof of every person equals the hash of a fresh full render of their notice, whatever the name', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(nameArb, fc.constantFrom('en', 'zh-CN'), fc.boolean()), { minLength: 1, maxLength: 12 }), (people) => {
        const messages = people.map(([name, locale, guardian]) => message(name, locale, guardian));
        const requests = planMailRequests(messages, { from: 'notices@example.com' });
        expect(requests.reduce((n, r) => n + r.messages.length, 0)).toBe(messages.length);
        for (const r of requests) {
          expect(validateMailSend(r.body)).toEqual([]);
          r.messages.forEach((m, i) => {
            const k = messages.indexOf(m);
            const [name, locale, guardian] = people[k]!;
            const expected = freshHash(name, locale, guardian);
            expect(m.contentHash).toBe(expected);
            expect(contentHashOfRendering(receivedBy(r, i))).toBe(expected);
          });
        }
      }),
      { numRuns: 150 },
    );
  });

  it('never lets a tag land anywhere but where a name goes: a name holding the drawn tag gets a fresh draw', () => {
    const nonces = ['aaaa', 'aaaa', 'bbbb', 'cccc'];
    const nonce = () => nonces.shift() ?? 'dddd';
    const plain = message('Ada');
    const trap = message('Eve -bkaaaat- -bkaaaah-');
    const requests = planMailRequests([plain, trap], { from: 'notices@example.com', nonce });
    expect(requests).toHaveLength(2);
    const byId = new Map(requests.map((r) => [r.messages[0]!.deliveryId, r]));
    expect(Object.keys(byId.get(plain.deliveryId)!.body.personalizations[0]!.substitutions!)).toEqual(['-bkaaaat-', '-bkaaaah-']);
    expect(Object.keys(byId.get(trap.deliveryId)!.body.personalizations[0]!.substitutions!)).toEqual(['-bkbbbbt-', '-bkbbbbh-']);
    for (const r of requests) expect(contentHashOfRendering(receivedBy(r, 0))).toBe(r.messages[0]!.contentHash);
  });

  it('sends a person whose name no draw suits on their own, with their finished text', () => {
    const trap = message('x -bkzzzzt-');
    const [r] = planMailRequests([trap], { from: 'notices@example.com', nonce: () => 'zzzz' });
    expect(r!.body.personalizations[0]!.substitutions).toBeUndefined();
    expect(r!.body.content.find((c) => c.type === 'text/plain')!.value).toBe(trap.rendered.text);
  });

  it('keeps a name too long for SendGrid substitutions out of the shared request', () => {
    const long = message('L'.repeat(6000));
    const short = message('Sam');
    const requests = planMailRequests([long, short], { from: 'notices@example.com' });
    expect(requests).toHaveLength(2);
    for (const r of requests) expect(validateMailSend(r.body)).toEqual([]);
    expect(requests.find((r) => r.messages[0] === long)!.body.personalizations[0]!.substitutions).toBeUndefined();
  });
});

describe('SendGrid provider with personal greetings, against the fake', () => {
  let fake: FakeSendgrid;
  beforeAll(async () => {
    fake = await startFakeSendgrid({});
  });
  afterAll(() => fake.close());

  it('2,500 named people in 3 requests; the fake records each person their own greeting, with the proof hash', async () => {
    const provider = sendgridSdkProvider({ apiKey: fake.apiKey, from: 'notices@example.com', baseUrl: fake.url });
    const names = Array.from({ length: 2500 }, (_, i) => (i % 5 === 0 ? `<Ann & ${i}>` : `Person ${i}`));
    const messages = names.map((name) => message(name));
    const outcomes = await provider.send(messages);
    expect(outcomes.every((o) => o.outcome === 'accepted')).toBe(true);
    expect(fake.stats.acceptedRequests).toBe(3);
    messages.forEach((m, i) => {
      const [got] = fake.recipientsFor(m.deliveryId);
      expect(got!.content.text).toContain(`Dear ${names[i]},`);
      const { subject, text, html } = got!.content;
      expect(contentHashOfRendering({ channel: 'email', locale: 'en', subject, html, text })).toBe(m.contentHash);
    });
  });

  it('a request that hangs fails alone after the timeout; the others in flight are answered meanwhile', async () => {
    const provider = sendgridSdkProvider({ apiKey: fake.apiKey, from: 'notices@example.com', baseUrl: fake.url, timeoutMs: 400, concurrency: 4 });
    fake.faults.script({ kind: 'timeout' });
    const messages = [...['en', 'zh-CN'].flatMap((locale) => Array.from({ length: 5 }, (_, i) => message(`N${i}`, locale))), message(null)];
    const t0 = performance.now();
    const outcomes = await provider.send(messages);
    const ms = performance.now() - t0;
    const failed = outcomes.filter((o) => o.outcome === 'transient');
    // Exactly one request (one language's five people, or the unnamed one) timed out; the rest were accepted.
    expect(failed.length === 5 || failed.length === 1).toBe(true);
    expect(outcomes.filter((o) => o.outcome === 'accepted')).toHaveLength(messages.length - failed.length);
    expect(ms).toBeLessThan(2000);
  });
});
