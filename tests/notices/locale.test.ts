import { describe, expect, it } from 'vitest';
import { createLocaleResolver, localeChain, parseLocaleTag } from '../../src/notices/locale.js';

const resolve = createLocaleResolver({ available: ['en', 'zh-CN'], defaultLocale: 'en' });

describe('locale fallback', () => {
  it('follows zh-Hant-TW → zh-TW → zh → zh-CN and records the chain', () => {
    expect(localeChain('zh-Hant-TW', { defaultLocale: 'en' })).toEqual(['zh-Hant-TW', 'zh-TW', 'zh-Hant', 'zh', 'zh-CN', 'en']);
    expect(resolve('zh-Hant-TW')).toEqual({ locale: 'zh-CN', requested: 'zh-Hant-TW', chain: ['zh-Hant-TW', 'zh-TW', 'zh-Hant', 'zh', 'zh-CN'] });
  });

  it('uses an exact match, ignores case and underscores, and drops the region when needed', () => {
    expect(resolve('zh-CN').locale).toBe('zh-CN');
    expect(resolve('zh_cn').locale).toBe('zh-CN');
    expect(resolve('ZH-hans-cn').locale).toBe('zh-CN');
    expect(resolve('en-GB')).toMatchObject({ locale: 'en', chain: ['en-GB', 'en'] });
    expect(resolve('en-US-u-ca-gregory').locale).toBe('en');
  });

  it('falls back to the default for unknown, missing or malformed locales', () => {
    expect(resolve('fr-FR')).toEqual({ locale: 'en', requested: 'fr-FR', chain: ['fr-FR', 'fr', 'en'] });
    expect(resolve(null)).toEqual({ locale: 'en', requested: null, chain: ['en'] });
    expect(resolve('')).toMatchObject({ locale: 'en' });
    expect(resolve('<script>')).toMatchObject({ locale: 'en', chain: ['en'] });
  });

  it('takes a configurable chain and default', () => {
    const custom = createLocaleResolver({ available: ['en', 'zh-CN', 'zh-TW'], defaultLocale: 'zh-CN', fallbacks: { 'zh-HK': ['zh-TW'], ja: ['zh-CN'] } });
    expect(custom('zh-Hant-HK')).toMatchObject({ locale: 'zh-TW', chain: ['zh-Hant-HK', 'zh-HK', 'zh-TW'] });
    expect(custom('zh-Hant-TW').locale).toBe('zh-TW');
    expect(custom('ja-JP')).toMatchObject({ locale: 'zh-CN', chain: ['ja-JP', 'ja', 'zh-CN'] });
    expect(custom('de').locale).toBe('zh-CN');
    expect(() => createLocaleResolver({ available: ['en'], defaultLocale: 'fr' })).toThrow(/default locale fr/);
  });

  it('parses language, script and region', () => {
    expect(parseLocaleTag('zh-hant-tw')).toEqual({ language: 'zh', script: 'Hant', region: 'TW' });
    expect(parseLocaleTag('es-419')).toEqual({ language: 'es', region: '419' });
    expect(parseLocaleTag('1234')).toBeNull();
  });
});
