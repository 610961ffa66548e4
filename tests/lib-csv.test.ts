// The CSV formula guard: formulas defused, numbers and E.164 phone numbers left machine-readable.
import { parse } from 'csv-parse/sync';
import { expect, it } from 'vitest';
import { csvRows, formulaSafe } from '../src/lib/csv.js';

it('keeps E.164 numbers and plain numbers as they are', () => {
  for (const v of ['+8613800001001', '+15125550187', '+442079460000', '-12', '-3.5', '+7']) expect(formulaSafe(v)).toBe(v);
  const [row] = parse(csvRows([['u-1', '+8613800001001', '-1']])) as string[][];
  expect(row).toEqual(['u-1', '+8613800001001', '-1']);
});

it('guards cells a spreadsheet would run as a formula', () => {
  for (const v of ['=SUM(A1:A9)', '@cmd', '+cmd', "-2+3+cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0", '-', '+', '\t=1', '\r=1', '=1']) expect(formulaSafe(v)).toBe(`'${v}`);
  for (const v of ['Wang Fang', 'u-1001', 'a=b', '2026-11-22']) expect(formulaSafe(v)).toBe(v);
});
