// Picks the template language for a recipient: their locale, then a configurable fallback chain, then English.

export const defaultFallbacks: Record<string, string[]> = {
  zh: ['zh-CN'],
  'zh-Hans': ['zh-CN'],
  'zh-Hant': ['zh-TW', 'zh-HK', 'zh', 'zh-CN'],
  'zh-TW': ['zh-Hant', 'zh', 'zh-CN'],
  'zh-HK': ['zh-Hant', 'zh-TW', 'zh', 'zh-CN'],
  'zh-SG': ['zh-CN'],
};

/** The candidates to try for `requested`, most specific first, ending with the default. */
export function localeChain(requested: string | null, fallbacks: Record<string, string[]> = defaultFallbacks, last = 'en'): string[] {
  const out: string[] = [];
  const push = (tag: string) => {
    if (!out.includes(tag)) out.push(tag);
  };
  const visit = (tag: string, depth: number) => {
    if (depth > 6) return;
    push(tag);
    for (const f of fallbacks[tag] ?? []) visit(f, depth + 1);
  };
  if (requested) {
    let canonical: string;
    try {
      canonical = Intl.getCanonicalLocales(requested)[0] ?? requested;
    } catch {
      canonical = '';
    }
    // zh-Hant-TW → zh-Hant-TW, zh-Hant, zh-TW, zh ...
    const parts = canonical.split('-');
    for (let n = parts.length; n >= 1 && canonical; n--) {
      visit(parts.slice(0, n).join('-'), 0);
      if (n === 3) visit(`${parts[0]}-${parts[2]}`, 0);
    }
  }
  push(last);
  return out;
}

export function resolveLocale(requested: string | null, available: readonly string[], fallbacks?: Record<string, string[]>): string {
  const chain = localeChain(requested, fallbacks, available.includes('en') ? 'en' : available[0]!);
  return chain.find((tag) => available.includes(tag)) ?? available[0]!;
}
