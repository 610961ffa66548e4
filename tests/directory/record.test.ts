// The fast path for well-formed lines accepts only what the schema accepts, and makes the same user of it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { directoryRecord, toDirectoryUser, wellFormedUser } from '../../src/directory/record.js';

const now = new Date('2026-03-01T08:00:00.000Z');

/** The user as the schema alone makes it, or null when the schema refuses the line. */
function throughSchema(input: unknown): Record<string, unknown> | null {
  const parsed = directoryRecord.safeParse(input);
  if (!parsed.success) return null;
  const r = parsed.data;
  const stamp = now.toISOString();
  return { ...r, country: r.country ?? (r.subdivision ? r.subdivision.split('-')[0]! : null), created_at: r.created_at ?? stamp, updated_at: r.updated_at ?? stamp };
}

const padded = (values: string[]) => fc.constantFrom(...values, ...values.map((v) => ` ${v}\t`));
const wrongTypes = fc.constantFrom<unknown>(42, true, false, [], {}, ['x'], null, '', '   ');

const field = {
  external_id: fc.oneof(padded(['u-1', 'a'.repeat(200)]), fc.constantFrom<unknown>('', ' ', 'a'.repeat(201), 7)),
  name: fc.oneof(padded(['Lin Mei', 'x'.repeat(200)]), fc.constant('x'.repeat(201)), wrongTypes),
  email: fc.oneof(padded(['a@example.com', "o'neil+tag@mail.example.org"]), fc.constantFrom('not-an-email', 'a@b', '@example.com', 'a@example.c'), wrongTypes),
  phone: fc.oneof(padded(['+8613812345678', '+14155552671', '+447400123456']), fc.constantFrom('+8612345', '12345', '+0123456789', '+61443456691', '+86 138 1234 5678'), wrongTypes),
  locale: fc.oneof(padded(['zh-CN', 'en', 'pt-BR']), fc.constantFrom('not a tag', 'x'.repeat(36), 'en_US'), wrongTypes),
  country: fc.oneof(padded(['CN', 'US']), fc.constantFrom('ZZ', 'cn', 'USA'), wrongTypes),
  subdivision: fc.oneof(padded(['CN-HB', 'US-TX', 'US-CA']), fc.constantFrom('CN-XX', 'US-TXX-LONGER'), wrongTypes),
  birth_date: fc.oneof(padded(['2016-05-01', '2000-02-29']), fc.constantFrom('2001-02-29', '2016-5-1', '2016-05-01T00:00:00Z'), wrongTypes),
  minor: fc.oneof(fc.constantFrom<unknown>(true, false, 'yes', ' NO ', '1', '0', 'True', 'maybe', 2), wrongTypes),
  guardian_name: fc.oneof(padded(['Parent']), wrongTypes),
  guardian_email: fc.oneof(padded(['p@example.com']), fc.constantFrom('p@'), wrongTypes),
  guardian_phone: fc.oneof(padded(['+8613912345678']), fc.constantFrom('+1'), wrongTypes),
  postal_address: fc.oneof(
    fc.record({ line1: fc.constantFrom<unknown>('1 Road', ' ', null, 3), city: fc.constantFrom<unknown>('Wuhan', ''), country: fc.constantFrom<unknown>('CN', 'CHN') }, { requiredKeys: [] }),
    fc.constantFrom<unknown>({ line1: '1 Road', floor: 3 }, { postal_code: '1'.repeat(21) }, {}, { line1: '' }, ['1 Road']),
    wrongTypes,
  ),
  account_status: fc.constantFrom<unknown>('active', 'deleted', 'Active', ' active', null, 1),
  deleted_at: fc.oneof(padded(['2026-01-01T00:00:00Z', '2026-01-01T08:00:00.123+08:00']), fc.constantFrom('2026-01-01', '2026-01-01T00:00:00'), wrongTypes),
  data_categories: fc.oneof(
    fc.array(fc.constantFrom('contact', ' account ', '', 'dna', 'financial_account'), { maxLength: 4 }),
    fc.constantFrom<unknown>('contact;account', 'contact; ;account', 'contact;dna', 'contact', [1], Array(201).fill('contact')),
    wrongTypes,
  ),
  systems: fc.oneof(fc.array(fc.constantFrom('crm', ' orders-db ', '', 's'.repeat(201)), { maxLength: 3 }), fc.constantFrom<unknown>('crm;billing', [null]), wrongTypes),
  created_at: fc.oneof(padded(['2025-01-01T00:00:00Z']), fc.constantFrom('yesterday'), wrongTypes),
  updated_at: fc.oneof(padded(['2025-01-02T00:00:00+01:00']), fc.constantFrom('2025-13-01T00:00:00Z'), wrongTypes),
};

// Mostly good values, so that whole lines come out valid often, with a few fields replaced by anything at all.
const good = (arb: fc.Arbitrary<unknown>) => fc.oneof({ arbitrary: arb, weight: 1 }, { arbitrary: fc.constant(undefined), weight: 1 });
const goodFields = Object.fromEntries(Object.entries(field).map(([k, arb]) => [k, good(arb.filter((v) => directoryRecord.shape[k as keyof typeof directoryRecord.shape].safeParse(v).success))]));
const line = fc.tuple(
  fc.record(goodFields),
  fc.array(fc.oneof(...Object.entries(field).map(([k, arb]) => arb.map((v) => [k, v] as const))), { maxLength: 2 }),
  fc.constantFrom<Record<string, unknown>>({}, {}, {}, { surprise: 1 }, JSON.parse('{"__proto__": 1}')),
);

describe('directory record fast path', () => {
  it('accepts only lines the schema accepts, and makes the same user of them', () => {
    let fast = 0;
    fc.assert(
      fc.property(line, ([fields, replaced, extra]) => {
        const input = JSON.parse(JSON.stringify({ ...fields, ...Object.fromEntries(replaced), ...extra })) as unknown;
        const user = wellFormedUser(input, now);
        const expected = throughSchema(input);
        if (user) {
          fast++;
          expect(expected).not.toBeNull();
          expect(user).toStrictEqual(expected);
        }
        // Whichever path takes it, the answer is the schema's.
        const result = toDirectoryUser(input, now);
        if (expected) expect(result).toStrictEqual({ user: expected });
        else expect(result).toHaveProperty('problems');
      }),
      { numRuns: 3000 },
    );
    expect(fast).toBeGreaterThan(0);
  });

  it('takes the common well-formed line itself', () => {
    const input = {
      external_id: 'u-1', name: 'Lin Mei', email: 'lin@example.com', phone: '+8613812345678', locale: 'zh-CN', country: 'CN', subdivision: 'CN-HB',
      birth_date: null, minor: null, postal_address: { line1: '1 Road', city: 'Wuhan' }, account_status: 'active', deleted_at: null,
      data_categories: ['contact', 'account'], systems: ['crm'], created_at: '2025-01-01T00:00:00Z', updated_at: '2025-01-01T00:00:00Z',
    };
    expect(wellFormedUser(input, now)).toStrictEqual(throughSchema(input));
    expect(wellFormedUser({ ...input, subdivision: 'US-TX' }, now)).toBeUndefined();
  });

  it('reads the clock only when a time is missing', () => {
    let reads = 0;
    const clock = () => (reads++, now);
    wellFormedUser({ external_id: 'u-1', created_at: '2025-01-01T00:00:00Z', updated_at: '2025-01-01T00:00:00Z' }, clock);
    expect(reads).toBe(0);
    expect(wellFormedUser({ external_id: 'u-1' }, clock)).toMatchObject({ created_at: now.toISOString(), updated_at: now.toISOString() });
    expect(reads).toBe(1);
  });
});
