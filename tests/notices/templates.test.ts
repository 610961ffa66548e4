import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { noticeContent, noticeLocales } from '../../src/notices/content.js';
import { noticeChannels } from '../../src/notices/renderer.js';
import { smsSize } from '../../src/notices/sms-segments.js';
import { localeChain, resolveLocale } from '../../src/notices/locale-chain.js';
import { loadTemplates, requiredElements, TemplateError } from '../../src/notices/templates.js';
import { templateFiles } from '../helpers/harness.js';
import { sampleNoticeContent } from '../helpers/notice-content.js';

const files = templateFiles();
const load = (f: Record<string, string>, smsMaxParts = 3) => loadTemplates(f, { smsMaxParts });
const content = noticeContent.parse(sampleNoticeContent());
const base = { links: { publicNotice: 'https://status.example.com/status/abc' }, incident: { title: 'Order export', discoveredAt: new Date('2026-11-22T09:00:00Z') } };

/** The body files (all but the subject) and, for each, the variable each element is declared at. */
const bodyFiles = Object.keys(files).filter((f) => f.endsWith('.liquid') && !f.includes('subject'));

function elementVariable(source: string, element: string): string {
  return new RegExp(`\\n  ${element}: ([a-z_.]+)`).exec(source)![1]!;
}

describe('template loader', () => {
  it('loads the real templates', () => {
    expect(load(files).templatesHash).toMatch(/^[0-9a-f]{64}$/);
  });

  // One test per element per channel part: the declaration removed → refused, naming file and element.
  for (const file of bodyFiles) {
    for (const element of requiredElements) {
      it(`refuses ${file} without ${element}`, () => {
        const broken = { ...files, [file]: files[file]!.replace(new RegExp(`\\n  ${element}: [a-z_.]+`), '') };
        expect(() => load(broken)).toThrow(new TemplateError(file, `lacks the required element ${element}`));
      });
    }
  }

  for (const file of bodyFiles) {
    it(`refuses ${file} when the declared nature_and_impact variable is never used`, () => {
      const variable = elementVariable(files[file]!, 'nature_and_impact');
      const [front, ...rest] = files[file]!.split(/\n---\n/);
      const body = rest.join('\n---\n').split(`{{ ${variable}`).join(`{{ ${elementVariable(files[file]!, 'contact')}`);
      expect(() => load({ ...files, [file]: `${front}\n---\n${body}` })).toThrow(/declares element nature_and_impact .* but never uses/);
    });
  }

  it('refuses an undeclared variable, an unknown one, a missing file, and personal data in the announcement', () => {
    const sms = 'en/sms.liquid';
    expect(() => load({ ...files, [sms]: files[sms]!.replace('Help:', '{{ incident.title }} Help:') })).toThrow(/uses incident.title, which its declared variables do not include/);
    expect(() => load({ ...files, [sms]: files[sms]!.replace('variables: [', 'variables: [secret.key, ') })).toThrow(/unknown variable secret.key/);
    const { ['zh-CN/voice.liquid']: _gone, ...without } = files;
    expect(() => load(without)).toThrow('templates/zh-CN/voice.liquid: is missing');
    const ann = 'en/announcement.liquid';
    expect(() => load({ ...files, [ann]: files[ann]!.replace('variables: [', 'variables: [recipient.name, ') })).toThrow(/announcement may not use recipient.name/);
  });
});

describe('rendering', () => {
  const renderer = load(files);
  const recipient = fc.record({
    name: fc.option(fc.string({ minLength: 1, maxLength: 40 }), { nil: null }),
    isGuardian: fc.boolean(),
    locale: fc.constantFrom('en', 'en-GB', 'zh-CN', 'zh', 'zh-Hant-TW', 'fr', null),
  });

  it('renders every channel in every language for generated recipients', () => {
    fc.assert(
      fc.property(recipient, fc.constantFrom(...noticeChannels), (r, channel) => {
        const out = renderer.render({ ...base, channel, locale: r.locale, content, recipient: channel === 'announcement' ? null : r });
        expect(noticeLocales).toContain(out.locale);
        const body = out.html ?? out.text ?? '';
        expect(body.length).toBeGreaterThan(50);
        const c = content.locales[out.locale as 'en'];
        if (channel === 'sms') expect(body).toContain(c.sms_summary);
        else if (channel !== 'letter' && channel !== 'email') for (const part of [c.measures, c.self_protection, c.remedies]) expect(body).toContain(part);
      }),
      { numRuns: 200 },
    );
  });

  it('picks zh-CN for Chinese locales and English otherwise, and says which it used', () => {
    expect(renderer.render({ ...base, channel: 'sms', locale: 'zh-Hant-TW', content, recipient: null }).locale).toBe('zh-CN');
    expect(renderer.render({ ...base, channel: 'sms', locale: 'de-DE', content, recipient: null }).locale).toBe('en');
    expect(localeChain('zh-Hant-TW')).toEqual(['zh-Hant-TW', 'zh-TW', 'zh-Hant', 'zh-HK', 'zh', 'zh-CN', 'en']);
    expect(localeChain('en-GB')).toEqual(['en-GB', 'en']);
    expect(localeChain('not a locale!')).toEqual(['en']);
    expect(resolveLocale('zh-TW', ['en', 'zh-CN'])).toBe('zh-CN');
  });

  it('never lets <script> or {{ from a user-supplied field through unescaped in HTML', () => {
    const hostile = '<script>alert(1)</script>{{ contact.email }}{% raw %}';
    const fields = ['headline', 'nature_and_impact', 'measures', 'self_protection', 'remedies', 'sms_summary'] as const;
    const evil = structuredClone(content);
    for (const l of noticeLocales) for (const f of fields) evil.locales[l][f] = `${hostile} ${f}`;
    evil.contact.hours = hostile;
    for (const channel of ['email', 'letter'] as const) {
      for (const locale of noticeLocales) {
        const out = renderer.render({ ...base, channel, locale, content: evil, recipient: { name: hostile, isGuardian: true, locale } });
        expect(out.html).not.toContain('<script>');
        expect(out.html).toContain('&lt;script&gt;');
        // The text is data: a template tag inside it is never evaluated.
        expect(out.html).not.toContain(content.contact.email.repeat(2));
        expect(out.html).toContain('{{ contact.email }}');
      }
    }
  });

  it('refuses an SMS over the configured number of parts, naming the field', () => {
    const long = structuredClone(content);
    long.locales['zh-CN'].sms_summary = '很长的摘要'.repeat(60);
    expect(() => load(files, 2).render({ ...base, channel: 'sms', locale: 'zh-CN', content: long, recipient: null })).toThrow(/at most 2/);
  });
});

describe('SMS segments', () => {
  it('counts GSM-7, extension characters, UCS-2 and surrogate pairs', () => {
    expect(smsSize('a'.repeat(160))).toMatchObject({ encoding: 'GSM-7', parts: 1 });
    expect(smsSize('a'.repeat(161))).toMatchObject({ encoding: 'GSM-7', parts: 2 });
    expect(smsSize('a'.repeat(306))).toMatchObject({ parts: 2 });
    expect(smsSize('a'.repeat(307))).toMatchObject({ parts: 3 });
    // € and [ take two septets each.
    expect(smsSize('€'.repeat(80))).toMatchObject({ encoding: 'GSM-7', units: 160, parts: 1 });
    expect(smsSize(`${'€'.repeat(80)}[`)).toMatchObject({ units: 162, parts: 2 });
    expect(smsSize('中'.repeat(70))).toMatchObject({ encoding: 'UCS-2', parts: 1 });
    expect(smsSize('中'.repeat(71))).toMatchObject({ encoding: 'UCS-2', parts: 2 });
    expect(smsSize('中'.repeat(134))).toMatchObject({ parts: 2 });
    expect(smsSize('中'.repeat(135))).toMatchObject({ parts: 3 });
    // One Chinese character turns a Latin message into UCS-2.
    expect(smsSize(`${'a'.repeat(69)}中`)).toMatchObject({ encoding: 'UCS-2', parts: 1 });
    expect(smsSize(`${'a'.repeat(70)}中`)).toMatchObject({ encoding: 'UCS-2', parts: 2 });
    // An emoji is two UTF-16 units.
    expect(smsSize('😀'.repeat(35))).toMatchObject({ encoding: 'UCS-2', units: 70, parts: 1 });
    expect(smsSize('😀'.repeat(36))).toMatchObject({ units: 72, parts: 2 });
  });
});
