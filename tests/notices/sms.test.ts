import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkSmsLength, countSmsSegments, SmsTooLongError } from '../../src/notices/sms.js';

const a = (n: number) => 'a'.repeat(n);

describe('GSM-7', () => {
  it('fits 160 septets in one part and 153 per part after that', () => {
    expect(countSmsSegments(a(160))).toEqual({ encoding: 'GSM-7', parts: 1, characters: 160 });
    expect(countSmsSegments(a(161))).toEqual({ encoding: 'GSM-7', parts: 2, characters: 161 });
    expect(countSmsSegments(a(306)).parts).toBe(2);
    expect(countSmsSegments(a(307)).parts).toBe(3);
    expect(countSmsSegments('').parts).toBe(0);
  });

  it('counts extension characters (€ [ ] { } ~ ^ | \\) as two septets and stays GSM-7', () => {
    expect(countSmsSegments('€'.repeat(80))).toEqual({ encoding: 'GSM-7', parts: 1, characters: 160 });
    expect(countSmsSegments('€'.repeat(81))).toEqual({ encoding: 'GSM-7', parts: 2, characters: 162 });
    expect(countSmsSegments(`${a(158)}[`)).toEqual({ encoding: 'GSM-7', parts: 1, characters: 160 });
    expect(countSmsSegments(`${a(159)}[`).parts).toBe(2);
    expect(countSmsSegments('[]{}~^|\\').characters).toBe(16);
  });

  it('never splits an extension character across parts', () => {
    // 306 septets would be two parts of 153, but the € cannot straddle the boundary.
    expect(countSmsSegments(`${a(152)}€${a(152)}`)).toEqual({ encoding: 'GSM-7', parts: 3, characters: 306 });
  });

  it('keeps accented letters of the basic set (é, ñ, ü, Ä) in GSM-7', () => {
    expect(countSmsSegments('Café señor über Äpfel £5 ¥3 §').encoding).toBe('GSM-7');
  });

  it('matches the plain rule for any text of basic characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'abcXYZ019 .,!?@£$éü\n'.split('')), maxLength: 800 }), (s) => {
        const expected = s.length === 0 ? 0 : s.length <= 160 ? 1 : Math.ceil(s.length / 153);
        expect(countSmsSegments(s)).toEqual({ encoding: 'GSM-7', parts: expected, characters: s.length });
      }),
    );
  });
});

describe('UCS-2', () => {
  it('fits 70 code units in one part and 67 per part for Chinese', () => {
    expect(countSmsSegments('中'.repeat(70))).toEqual({ encoding: 'UCS-2', parts: 1, characters: 70 });
    expect(countSmsSegments('中'.repeat(71)).parts).toBe(2);
    expect(countSmsSegments('中'.repeat(134)).parts).toBe(2);
    expect(countSmsSegments('中'.repeat(135)).parts).toBe(3);
  });

  it('switches mixed text to UCS-2 as soon as one character is outside GSM-7', () => {
    expect(countSmsSegments(`${a(69)}中`)).toEqual({ encoding: 'UCS-2', parts: 1, characters: 70 });
    expect(countSmsSegments(`${a(100)}中`)).toEqual({ encoding: 'UCS-2', parts: 2, characters: 101 });
    // € is GSM-7, but next to Chinese it is one UCS-2 unit like any other.
    expect(countSmsSegments('€中')).toEqual({ encoding: 'UCS-2', parts: 1, characters: 2 });
    expect(countSmsSegments('Say “hi”').encoding).toBe('UCS-2');
  });

  it('counts a surrogate pair as two units and never splits it', () => {
    expect(countSmsSegments('😀'.repeat(35))).toEqual({ encoding: 'UCS-2', parts: 1, characters: 70 });
    expect(countSmsSegments('😀'.repeat(36)).parts).toBe(2);
    expect(countSmsSegments(`${a(66)}😀${a(66)}`)).toEqual({ encoding: 'UCS-2', parts: 3, characters: 134 });
  });

  it('matches the plain rule for any text of BMP Chinese and Latin', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'中文通知abc ，。1'.split('')), maxLength: 600 }).filter((s) => /[^\x20-\x7e]/.test(s)), (s) => {
        expect(countSmsSegments(s)).toEqual({ encoding: 'UCS-2', parts: s.length <= 70 ? 1 : Math.ceil(s.length / 67), characters: s.length });
      }),
    );
  });
});

describe('checkSmsLength', () => {
  it('passes up to the maximum number of parts and refuses beyond it', () => {
    expect(checkSmsLength('中'.repeat(134), 2).parts).toBe(2);
    expect(() => checkSmsLength('中'.repeat(135), 2)).toThrow(SmsTooLongError);
    expect(() => checkSmsLength(a(307), 2)).toThrow(/3 parts \(307 GSM-7 septets\); at most 2/);
  });
});
