// Array types for postgres.js clients that do not fetch them at connect (Workers: a client per request, so no extra round trip).
import type { PostgresType } from 'postgres';

type Element = { parse: (x: string) => unknown; serialize: (x: unknown) => string };

const asText: Element = { parse: (x) => x, serialize: (x) => String(x) };
const asNumber: Element = { parse: (x) => Number(x), serialize: (x) => String(x) };
const asTime: Element = { parse: (x) => new Date(x), serialize: (x) => (x instanceof Date ? x.toISOString() : String(x)) };
const asJson: Element = { parse: (x) => JSON.parse(x) as unknown, serialize: (x) => JSON.stringify(x) };
const asBoolean: Element = { parse: (x) => x === 't', serialize: (x) => (x === true || x === 't' ? 't' : 'f') };
const asBigInt: Element = { parse: (x) => BigInt(x), serialize: (x) => String(x) };

/**
 * Array type oid → how its elements read and write, as our clients read the element types themselves
 * (int8 as bigint, numeric as a string, times as Dates).
 */
const elements: Record<number, Element> = {
  1000: asBoolean, // bool[]
  1005: asNumber, // int2[]
  1007: asNumber, // int4[]
  1028: asNumber, // oid[]
  1021: asNumber, // float4[]
  1022: asNumber, // float8[]
  1016: asBigInt, // int8[]
  1231: asText, // numeric[]
  1009: asText, // text[]
  1015: asText, // varchar[]
  1014: asText, // bpchar[]
  1003: asText, // name[]
  2951: asText, // uuid[]
  1115: asTime, // timestamp[]
  1182: asTime, // date[]
  1185: asTime, // timestamptz[]
  199: asJson, // json[]
  3807: asJson, // jsonb[]
};

const needsQuotes = /[{}",\\\s]|^null$/i;

/** An array literal: every element quoted and escaped, nested arrays as nested braces. */
export function arrayLiteral(values: unknown, element: Element): string {
  if (!Array.isArray(values)) return String(values);
  const parts = values.map((v) => {
    if (v === null || v === undefined) return 'NULL';
    if (Array.isArray(v)) return arrayLiteral(v, element);
    const s = element.serialize(v);
    return needsQuotes.test(s) || s === '' ? `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : s;
  });
  return `{${parts.join(',')}}`;
}

/** Reads an array literal (`{a,"b c",NULL,{1,2}}`); a leading dimension decoration (`[0:1]=`) is skipped. */
export function parseArrayLiteral(text: string, parse: (x: string) => unknown): unknown[] {
  let i = text.startsWith('[') ? text.indexOf('=') + 1 : 0;
  const read = (): unknown[] => {
    // text[i] is '{'
    i++;
    const out: unknown[] = [];
    if (text[i] === '}') {
      i++;
      return out;
    }
    for (;;) {
      if (text[i] === '{') out.push(read());
      else if (text[i] === '"') {
        let s = '';
        for (i++; text[i] !== '"'; i++) s += text[i] === '\\' ? text[++i] : text[i];
        i++;
        out.push(parse(s));
      } else {
        const end = text.slice(i).search(/[,}]/);
        const raw = text.slice(i, i + end);
        i += end;
        out.push(raw.toUpperCase() === 'NULL' ? null : parse(raw));
      }
      if (text[i++] === '}') return out;
    }
  };
  return read();
}

/** The `types` option for `postgres()`: with `fetch_types: false`, arrays would otherwise go out as `a,b` and come back as text. */
export const arrayTypes: Record<string, PostgresType> = Object.fromEntries(
  Object.entries(elements).map(([oid, element]) => [
    `array_${oid}`,
    {
      to: Number(oid),
      from: [Number(oid)],
      serialize: (values: unknown) => arrayLiteral(values, element),
      parse: (text: string) => parseArrayLiteral(text, element.parse),
    },
  ]),
);
