import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readTextTree } from '../../src/lib/assets.node.js';
import type { NoticeContent } from '../../src/notices/content.js';
import { createNoticeRenderer, renderNotice } from '../../src/notices/render.js';
import { noticeChannels, RenderRefusedError, type NoticeChannel, type RecipientView, type RenderedNotice, type RenderInput } from '../../src/notices/renderer.js';
import { countSmsSegments } from '../../src/notices/sms.js';

const files = readTextTree(fileURLToPath(new URL('../../templates/', import.meta.url)));
const renderer = createNoticeRenderer(files, { smsMaxParts: 4 });
const cold = createNoticeRenderer(files, { smsMaxParts: 4, reuse: false });

const makeContent = (): NoticeContent => ({
  locales: {
    en: {
      headline: 'Your account emails were exposed',
      nature_and_impact: 'On 3 March an old backup with account emails was left readable.\n\nIt held no passwords.',
      measures: 'We closed access the same day and are reviewing every backup.',
      self_protection: 'Watch for emails that pretend to be from us and ask you to sign in.',
      remedies: 'You can ask us which of your data was in the backup, and have it deleted.',
      sms_summary: 'Account emails were exposed on 3 Mar; no passwords. Access closed. Beware of fake sign-in emails.',
    },
    'zh-CN': {
      headline: '您的账户邮箱曾被泄露',
      nature_and_impact: '3月3日，一个包含账户邮箱的旧备份可被读取。\n\n其中没有密码。',
      measures: '我们当天关闭了访问，并正在检查所有备份。',
      self_protection: '请警惕冒充我们、要求您登录的邮件。',
      remedies: '您可以要求我们告知备份中有哪些您的数据，并将其删除。',
      sms_summary: '3月3日账户邮箱曾被泄露，无密码。已关闭访问。谨防冒充登录邮件。',
    },
  },
  contact: { email: 'privacy@example.com', phone: '+86 27 0000 0000', url: 'https://example.com/security', hours: '9:00-18:00' },
});
const content = makeContent();
const links = { publicNotice: 'https://status.example.com/status', noticePage: 'https://status.example.com/n/Abcdefghijklmnopqrstuv' };
const incident = { title: 'Backup exposure', discoveredAt: new Date('2026-03-03T10:00:00Z') };
const input = (channel: NoticeChannel, recipient: RecipientView | null, c: NoticeContent = content, locale: string | null = recipient?.locale ?? null): RenderInput => ({
  channel,
  locale,
  content: c,
  recipient,
  links,
  incident,
});
const bodies = (r: RenderedNotice) => [r.subject, r.html, r.text].filter((x): x is string => x !== undefined);

const requestedLocales = ['en', 'en-GB', 'zh-CN', 'zh', 'zh-Hant-TW', 'zh_TW', 'fr', null] as const;
const expectedLocale = (l: string | null) => (l && l.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en');
const safeName = fc.stringMatching(/^[A-Za-z][A-Za-z'-]{0,10}( [A-Za-z]{1,10})?$/);
const recipientArb = fc.record({ name: fc.option(safeName), isGuardian: fc.boolean(), locale: fc.constantFrom(...requestedLocales) });

describe('every channel × locale renders for generated recipients', () => {
  for (const channel of noticeChannels) {
    it(channel, () => {
      fc.assert(
        fc.property(recipientArb, (recipient) => {
          const out = renderer.render(input(channel, recipient));
          const locale = expectedLocale(recipient.locale);
          expect(out.locale).toBe(locale);
          expect(out.channel).toBe(channel);
          const c = content.locales[locale];
          const all = bodies(out).join('\n');
          if (channel === 'sms') {
            expect(out.text).toContain(c.sms_summary);
            expect(out.text).toContain(links.noticePage);
            expect(out.sms).toEqual({ encoding: locale === 'en' ? 'GSM-7' : 'UCS-2', parts: countSmsSegments(out.text!).parts, characters: out.text!.length });
          } else {
            for (const part of [c.measures, c.self_protection, c.remedies, c.nature_and_impact.split('\n')[0]!]) expect(all).toContain(part);
          }
          if (channel === 'email' || channel === 'inapp') expect(out.subject).toContain(c.headline);
          if (channel === 'inapp') expect(out.text).toContain(links.noticePage);
          // The notice page names nobody: the link may be forwarded.
          if (channel === 'page') expect(out).toEqual(renderer.render(input(channel, { ...recipient, name: null })));
          if (channel === 'email') {
            if (recipient.name) expect(out.html).toContain(recipient.name.replace(/'/g, '&#39;'));
          }
          if (channel === 'letter' && recipient.name) expect(out.text).toContain(recipient.name);
          // Public: the same text whoever it is rendered "for".
          if (channel === 'announcement') expect(out).toEqual(renderer.render(input(channel, null, content, recipient.locale)));
        }),
        { numRuns: 60 },
      );
    });
  }

  it('addresses a guardian differently from the person (policy VI) on every personal channel but SMS', () => {
    for (const channel of ['email', 'voice', 'letter'] as const) {
      for (const locale of ['en', 'zh-CN']) {
        const self = renderer.render(input(channel, { name: 'Sam', isGuardian: false, locale }));
        const guardian = renderer.render(input(channel, { name: 'Sam', isGuardian: true, locale }));
        expect(bodies(guardian).join(), `${channel}/${locale}`).not.toBe(bodies(self).join());
      }
    }
  });

  it('gives each recipient their own name when renderings are reused', () => {
    const a = renderer.render(input('email', { name: 'Ada', isGuardian: false, locale: 'en' }));
    const b = renderer.render(input('email', { name: 'Grace', isGuardian: false, locale: 'en' }));
    expect(a.html).toContain('Ada');
    expect(a.html).not.toContain('Grace');
    expect(b.text).toContain('Grace');
    expect(b.text).not.toContain('Ada');
  });

  it('renders exactly what a fresh rendering gives, for any name', () => {
    const anyName = fc.option(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom('\uE000x\uE001', '  Li   Wei  ', '<b>&amp;', '{{ recipient.name }}', '$& $1')));
    fc.assert(
      fc.property(fc.constantFrom(...noticeChannels), anyName, fc.boolean(), fc.constantFrom(...requestedLocales), (channel, name, isGuardian, locale) => {
        const r = { name, isGuardian, locale };
        expect(renderer.render(input(channel, r))).toEqual(cold.render(input(channel, r)));
      }),
      { numRuns: 300 },
    );
  });

  it('renders per recipient when a template uses the name in other ways', () => {
    const file = 'en/email.text.liquid';
    const changed = { ...files, [file]: files[file]!.replace('Dear {{ recipient.name }}', 'Dear {{ recipient.name | upcase }}') };
    const custom = createNoticeRenderer(changed);
    expect(custom.set.parts('en', 'email').find((p) => p.spec.part === 'text')!.nameIsPlain).toBe(false);
    expect(custom.render(input('email', { name: 'Ada', isGuardian: false, locale: 'en' })).text).toContain('Dear ADA');
    expect(custom.render(input('email', { name: 'Bo', isGuardian: false, locale: 'en' })).text).toContain('Dear BO');
  });

  it('uses the recipient locale when none is asked for, and the asked one first', () => {
    expect(renderer.render({ ...input('voice', { name: null, isGuardian: false, locale: 'zh-Hant-TW' }), locale: null }).locale).toBe('zh-CN');
    expect(renderer.render({ ...input('voice', { name: null, isGuardian: false, locale: 'zh-CN' }), locale: 'en' }).locale).toBe('en');
  });
});

describe('user-supplied text never comes out unescaped in HTML', () => {
  const evil = '<script>alert(1)</script>{{ 7 | plus: 42 }}';
  const poisoned = (): NoticeContent => {
    const c = makeContent();
    for (const l of ['en', 'zh-CN'] as const) {
      for (const k of Object.keys(c.locales[l]) as (keyof (typeof c.locales)['en'])[]) c.locales[l][k] = `${c.locales[l][k]} ${evil}`;
    }
    c.contact = { email: `a${evil}@example.com`, phone: `+1 ${evil}`, url: `https://example.com/${evil}`, hours: evil };
    return c;
  };

  for (const channel of noticeChannels) {
    for (const locale of ['en', 'zh-CN']) {
      it(`${channel}/${locale}`, () => {
        const out = renderNotice(renderer.set, {
          channel,
          locale,
          content: poisoned(),
          recipient: { name: evil, isGuardian: true, locale },
          links: { publicNotice: `https://status.example.com/${evil}` },
          incident: { title: evil, discoveredAt: incident.discoveredAt },
        });
        if (out.html !== undefined) {
          expect(out.html).not.toMatch(/<script|<\/script|\{\{|\}\}|\{%/i);
          expect(out.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&#123;&#123; 7 | plus: 42 &#125;&#125;');
        }
        // Plain text is not escaped, but nothing a responder types is ever run as a template.
        for (const text of [out.subject, out.text]) {
          if (text === undefined) continue;
          expect(text).toContain(evil);
          expect(text).not.toContain('49');
        }
      });
    }
  }
});

describe('SMS length', () => {
  it('refuses an SMS over the configured number of parts, naming the field to shorten', () => {
    const strict = createNoticeRenderer(files, { smsMaxParts: 1 });
    let err: unknown;
    try {
      strict.render(input('sms', { name: null, isGuardian: false, locale: 'zh-CN' }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RenderRefusedError);
    expect(err).toMatchObject({ channel: 'sms', locale: 'zh-CN', field: 'content.locales.zh-CN.sms_summary' });
    expect((err as Error).message).toMatch(/takes 2 parts .*UCS-2.*at most 1/);
  });

  it('refuses a long summary under a tight limit and passes it under a wider one', () => {
    const c = makeContent();
    c.locales.en.sms_summary = 'x'.repeat(300);
    expect(() => createNoticeRenderer(files, { smsMaxParts: 2 }).render(input('sms', null, c, 'en'))).toThrow(/takes 3 parts/);
    expect(createNoticeRenderer(files, { smsMaxParts: 10 }).render(input('sms', null, c, 'en')).sms).toMatchObject({ encoding: 'GSM-7', parts: 3 });
  });
});

describe('links', () => {
  it('refuses a public-notice link that is not a web address', () => {
    expect(() => renderer.render({ ...input('email', null), links: { publicNotice: 'javascript:alert(1)' } })).toThrow(RenderRefusedError);
  });
});
