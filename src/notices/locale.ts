// Picks the notice language for a recipient: their own locale if we have templates for it, else along a configurable fallback chain.

export interface LocaleFallbackOptions {
  /** Locales we have templates for, spelled as the template folders are. */
  available: readonly string[];
  /** The last resort when nothing in the chain is available. */
  defaultLocale: string;
  /** Extra steps after a locale, e.g. `{ zh: ['zh-CN'] }`; they are tried before the default. */
  fallbacks?: Readonly<Record<string, readonly string[]>>;
}

export interface ResolvedLocale {
  /** The locale whose templates are used: record this with the delivery. */
  locale: string;
  /** What was asked for (null when the recipient has no locale). */
  requested: string | null;
  /** Every candidate tried, in order, ending with the one used. */
  chain: readonly string[];
}

/** Chinese readers of a Traditional or unlisted variant read Simplified Chinese more easily than English. */
export const defaultLocaleFallbacks: Readonly<Record<string, readonly string[]>> = { zh: ['zh-CN'] };

interface Tag {
  language: string;
  script?: string;
  region?: string;
}

/** Reads language, script and region from a BCP 47 tag (`zh_hant_tw` too); other subtags are ignored. Null if it is not a tag. */
export function parseLocaleTag(input: string): Tag | null {
  const subtags = input.trim().replace(/_/g, '-').split('-');
  const language = subtags[0]?.toLowerCase() ?? '';
  if (!/^[a-z]{2,3}$/.test(language)) return null;
  const tag: Tag = { language };
  let i = 1;
  const script = subtags[i];
  if (script && /^[a-z]{4}$/i.test(script)) {
    tag.script = script[0]!.toUpperCase() + script.slice(1).toLowerCase();
    i++;
  }
  const region = subtags[i];
  if (region && /^([a-z]{2}|\d{3})$/i.test(region)) tag.region = region.toUpperCase();
  return tag;
}

const format = (t: Tag) => [t.language, t.script, t.region].filter(Boolean).join('-');

/** The candidates for one tag, most specific first: zh-Hant-TW → zh-TW → zh-Hant → zh. */
function expand(t: Tag): string[] {
  const out = [format(t)];
  if (t.script && t.region) out.push(format({ language: t.language, region: t.region }));
  if (t.script) out.push(format({ language: t.language, script: t.script }));
  if (t.region || t.script) out.push(t.language);
  return out;
}

function normalizeKeys(fallbacks: Readonly<Record<string, readonly string[]>>): Map<string, readonly string[]> {
  const out = new Map<string, readonly string[]>();
  for (const [key, next] of Object.entries(fallbacks)) {
    const parsed = parseLocaleTag(key);
    if (parsed) out.set(format(parsed), next);
  }
  return out;
}

/** The full candidate chain for a requested locale, ending with the default. */
export function localeChain(requested: string | null | undefined, options: Omit<LocaleFallbackOptions, 'available'>): string[] {
  const fallbacks = normalizeKeys(options.fallbacks ?? defaultLocaleFallbacks);
  const chain: string[] = [];
  const seen = new Set<string>();
  const visit = (candidate: string) => {
    const parsed = parseLocaleTag(candidate);
    if (!parsed) return;
    for (const c of expand(parsed)) {
      if (seen.has(c.toLowerCase())) continue;
      seen.add(c.toLowerCase());
      chain.push(c);
      for (const next of fallbacks.get(c) ?? []) visit(next);
    }
  };
  if (requested) visit(requested);
  if (!seen.has(options.defaultLocale.toLowerCase())) chain.push(options.defaultLocale);
  return chain;
}

/** Builds a resolver that remembers recent answers: it runs once per rendered notice. */
export function createLocaleResolver(options: LocaleFallbackOptions): (requested: string | null | undefined) => ResolvedLocale {
  const byLower = new Map(options.available.map((l) => [l.toLowerCase(), l]));
  if (!byLower.has(options.defaultLocale.toLowerCase())) throw new Error(`the default locale ${options.defaultLocale} has no templates`);
  const memo = new Map<string, ResolvedLocale>();
  return (requested) => {
    const key = requested ?? '';
    const hit = memo.get(key);
    if (hit) return hit;
    const chain = localeChain(requested, options);
    const at = chain.findIndex((c) => byLower.has(c.toLowerCase()));
    const resolved: ResolvedLocale = { locale: byLower.get(chain[at]!.toLowerCase())!, requested: requested ?? null, chain: chain.slice(0, at + 1) };
    // Recipient locales are free text from the directory: keep the memo small whatever arrives.
    if (memo.size >= 1000) memo.clear();
    memo.set(key, resolved);
    return resolved;
  };
}
