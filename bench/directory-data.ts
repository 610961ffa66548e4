// Generated directory users for benchmarks: deterministic, varied, with about 15% holding `financial_account`.
import type { DirectoryUser } from '../src/directory/store.js';

// Country, subdivision, locale, mobile prefix and how many digits follow it.
const countries: [string, string | null, string, string, number][] = [
  ['CN', 'CN-HB', 'zh-CN', '+86138', 8],
  ['CN', 'CN-GD', 'zh-CN', '+86139', 8],
  ['US', 'US-CA', 'en-US', '+14152', 6],
  ['US', 'US-TX', 'en-US', '+15122', 6],
  ['DE', 'DE-BY', 'de-DE', '+49151', 8],
  ['FR', null, 'fr-FR', '+336', 8],
  ['JP', 'JP-13', 'ja-JP', '+8190', 8],
  ['BR', 'BR-SP', 'pt-BR', '+55119', 8],
  ['GB', null, 'en-GB', '+447400', 6],
  ['AU', 'AU-NSW', 'en-AU', '+614', 8],
];
const categories = ['account', 'contact', 'purchase_payment', 'shipping_address', 'device_usage', 'subscription', 'customer_service'];

/** A small, fast, seeded generator so every run produces the same directory. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function* generateUsers(n: number, seed = 42): Generator<DirectoryUser> {
  const r = rng(seed);
  const base = Date.UTC(2020, 0, 1);
  for (let i = 0; i < n; i++) {
    const [country, subdivision, locale, prefix, digits] = countries[Math.floor(r() * countries.length)]!;
    const cats = categories.filter(() => r() < 0.4);
    if (r() < 0.15) cats.push('financial_account');
    const deleted = r() < 0.03;
    const minor = r() < 0.02;
    const created = new Date(base + Math.floor(r() * 5 * 365 * 86_400_000));
    yield {
      external_id: `u${String(i).padStart(8, '0')}`,
      name: `User ${i}`,
      email: r() < 0.9 ? `user${i}@example.com` : null,
      phone: r() < 0.7 ? `${prefix}${String(1_234_567 * i + 7_654_321).slice(-digits).padStart(digits, '1')}` : null,
      locale,
      country,
      subdivision,
      birth_date: minor ? '2016-05-01' : null,
      minor: null,
      guardian_name: minor ? `Guardian of ${i}` : null,
      guardian_email: minor && r() < 0.8 ? `guardian${i}@example.com` : null,
      guardian_phone: null,
      postal_address: r() < 0.1 ? { line1: `${i} Example Road`, city: 'Wuhan', country } : null,
      account_status: deleted ? 'deleted' : 'active',
      deleted_at: deleted ? new Date(created.getTime() + 86_400_000).toISOString() : null,
      data_categories: cats,
      systems: r() < 0.5 ? ['accounts-db', 'orders-db'] : ['accounts-db'],
      created_at: created.toISOString(),
      updated_at: created.toISOString(),
    };
  }
}
