// isValidE164 gives libphonenumber-js's own answer: every example number, its near misses, and random E.164 strings.
import fc from 'fast-check';
import type { CountryCode } from 'libphonenumber-js';
import { getCountryCallingCode, isValidPhoneNumber } from 'libphonenumber-js/max';
import metadata from 'libphonenumber-js/max/metadata';
import examples from 'libphonenumber-js/mobile/examples';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { checkedLibphonenumberVersion, isValidE164 } from '../../src/directory/phone.js';

const e164Shape = /^\+[1-9]\d{6,14}$/;
const digits = '0123456789';

const exampleNumbers = (Object.keys(examples) as CountryCode[]).map((country) => ({ callingCode: getCountryCallingCode(country), national: examples[country] }));

const callingCodes = [...Object.keys(metadata.country_calling_codes), ...Object.keys(metadata.nonGeographic)];

/** Each example with one digit changed, dropped or added, and with a trunk '0' after the calling code. */
function mutations(callingCode: string, national: string): string[] {
  const out = [national, '0' + national];
  for (let i = 0; i <= national.length; i++) {
    const before = national.slice(0, i);
    if (i < national.length) {
      const after = national.slice(i + 1);
      out.push(before + after);
      for (const d of digits) if (d !== national[i]) out.push(before + d + after);
    }
    for (const d of digits) out.push(before + d + national.slice(i));
  }
  return out.map((n) => '+' + callingCode + n);
}

describe('isValidE164', () => {
  it('agrees with the library on every example mobile number and on its one-digit mutations', () => {
    const cases = new Set(exampleNumbers.flatMap(({ callingCode, national }) => mutations(callingCode, national)).filter((n) => e164Shape.test(n)));
    const disagreements: string[] = [];
    let valid = 0;
    for (const n of cases) {
      const expected = isValidPhoneNumber(n);
      if (expected) valid++;
      if (isValidE164(n) !== expected) disagreements.push(`${n}: library says ${expected}`);
    }
    expect(disagreements).toEqual([]);
    // Both answers must be well represented, or agreement would prove little.
    expect(cases.size).toBeGreaterThan(40_000);
    expect(valid).toBeGreaterThan(cases.size / 10);
    expect(valid).toBeLessThan(cases.size * 0.9);
  });

  it('agrees with the library on random E.164 strings, mostly behind real calling codes', () => {
    const tail = (minLength: number, maxLength: number) => fc.string({ unit: fc.constantFrom(...digits), minLength, maxLength, size: 'max' });
    const behindRealCode = fc.tuple(fc.constantFrom(...callingCodes), tail(6, 14)).map(([code, rest]) => ('+' + code + rest).slice(0, 16));
    // An example's first digits, then random ones to about its length: near valid numbers, so a good share are valid.
    const nearExample = fc
      .tuple(fc.constantFrom(...exampleNumbers), fc.nat(), fc.constantFrom(-1, 0, 0, 0, 1), tail(15, 15))
      .map(([{ callingCode, national }, cut, stretch, rest]) => {
        const kept = cut % (national.length + 1);
        return ('+' + callingCode + national.slice(0, kept) + rest.slice(0, Math.max(0, national.length - kept + stretch))).slice(0, 16);
      })
      .filter((n) => e164Shape.test(n));
    const anyShape = fc.tuple(fc.constantFrom(...'123456789'), tail(6, 14)).map(([first, rest]) => '+' + first + rest);
    const number = fc.oneof({ arbitrary: behindRealCode, weight: 4 }, { arbitrary: nearExample, weight: 5 }, { arbitrary: anyShape, weight: 1 });
    let valid = 0;
    let runs = 0;
    fc.assert(
      fc.property(number, (n) => {
        runs++;
        const expected = isValidPhoneNumber(n);
        if (expected) valid++;
        return isValidE164(n) === expected;
      }),
      { numRuns: 250_000 },
    );
    expect(runs).toBe(250_000);
    expect(valid).toBeGreaterThan(runs / 10);
  });

  it('refuses strings not of the E.164 shape, even ones the library reads as valid', () => {
    const readable = ['+1 415 555 2671', '+1-415-555-2671', '+1 (415) 555-2671', '+14155552671 ext. 12', '+\uFF11\uFF14\uFF11\uFF15\uFF15\uFF15\uFF15\uFF12\uFF16\uFF17\uFF11', '+\u0668\u0666\u0661\u0663\u0668\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668'];
    for (const n of readable) expect(isValidPhoneNumber(n), n).toBe(true);
    const others = ['', '+', ' +14155552671', '+14155552671\n', 'tel:+14155552671', '14155552671', '+014155552671', '++14155552671', '+141555', '+8613812345678000', '+86 13812345678'];
    for (const n of [...readable, ...others]) expect(isValidE164(n), JSON.stringify(n)).toBe(false);
  });
});

it('runs on exactly the libphonenumber-js version its fast path was checked against', () => {
  const installed = (JSON.parse(readFileSync('node_modules/libphonenumber-js/package.json', 'utf8')) as { version: string }).version;
  const pinned = (JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> }).dependencies['libphonenumber-js'];
  expect(pinned, 'package.json must pin libphonenumber-js exactly (no ^ or ~)').toBe(checkedLibphonenumberVersion);
  expect(installed).toBe(checkedLibphonenumberVersion);
});
