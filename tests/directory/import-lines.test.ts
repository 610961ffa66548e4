// Line splitting of an import gives the same lines however the bytes arrive: whole blocks at once, or a byte at a time.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { importLinesFrom } from '../../src/directory/import-lines.js';
import type { ParsedLine } from '../../src/directory/service.js';
import { systemClock } from '../../src/lib/clock.js';

const maxLineBytes = 1024;
const encoder = new TextEncoder();

function streamOf(bytes: Uint8Array, cuts: number[]): ReadableStream<Uint8Array> {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let from = 0;
  for (const c of [...at, bytes.length]) {
    if (c > from) pieces.push(bytes.slice(from, c));
    from = Math.max(from, c);
  }
  return new ReadableStream({
    pull(controller) {
      const next = pieces.shift();
      if (next) controller.enqueue(next);
      else controller.close();
    },
  });
}

async function parse(bytes: Uint8Array, cuts: number[], format: 'ndjson' | 'csv' = 'ndjson'): Promise<ParsedLine[]> {
  const out: ParsedLine[] = [];
  for await (const chunk of importLinesFrom(streamOf(bytes, cuts), { format, maxLineBytes, clock: systemClock }).lines) out.push(...chunk);
  return out;
}

const summary = (lines: ParsedLine[]) => lines.map((l) => ('user' in l ? [l.line, l.user.external_id, l.user.name] : [l.line, l.problems[0]!.reason, l.raw]));

const user = (i: number, name: string) => encoder.encode(JSON.stringify({ external_id: `u-${i}`, name }));
const lineKinds = fc.oneof(
  fc.constantFrom('Lin Mei', 'Zoë', '李梅', 'a\u2028b').map((name) => (i: number) => user(i, name)),
  fc.constant((i: number) => new Uint8Array([...user(i, 'x').subarray(0, 20), 0xff, 0xfe, ...encoder.encode('"}')])),
  fc.constant((i: number) => user(i, 'y'.repeat(maxLineBytes))),
  fc.constant((i: number) => user(i, '中'.repeat(330))),
  fc.constant((i: number) => new Uint8Array([0xef, 0xbb, 0xbf, ...user(i, 'bom')])),
  fc.constant((i: number) => new Uint8Array([...user(i, 'crlf'), 0x0d])),
  fc.constant(() => encoder.encode('{"external_id": broken')),
  fc.constant(() => new Uint8Array()),
);

describe('import line splitting', () => {
  it('gives the same lines, numbers and reasons whatever the chunking', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(lineKinds, { minLength: 1, maxLength: 12 }), fc.boolean(), fc.array(fc.nat(), { maxLength: 8 }), async (kinds, finalNewline, cuts) => {
        const lines = kinds.map((make, i) => make(i + 1));
        const bytes = new Uint8Array([...lines.flatMap((l, i) => [...l, ...(i < lines.length - 1 || finalNewline ? [0x0a] : [])])]);
        const whole = await parse(bytes, []);
        expect(summary(await parse(bytes, cuts))).toEqual(summary(whole));
        const byteAtATime = await parse(bytes, Array.from({ length: bytes.length }, (_, i) => i));
        expect(summary(byteAtATime)).toEqual(summary(whole));
        // Each line, read on its own, is what it was in the file.
        lines.forEach((l, i) => {
          const found = whole.find((p) => p.line === i + 1);
          if (l.length > maxLineBytes) expect(found).toMatchObject({ problems: [{ reason: `longer than ${maxLineBytes} bytes` }], raw: null });
          else if (l.length === 0) expect(found).toBeUndefined();
          else if (l.includes(0xff)) expect(found).toMatchObject({ problems: [{ reason: 'not valid UTF-8' }] });
        });
      }),
      { numRuns: 150 },
    );
  });

  it('drops a byte order mark and a carriage return at the ends of a line', async () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...encoder.encode('{"external_id":"u-1","name":"A"}\r\n'), 0xef, 0xbb, 0xbf, ...encoder.encode('{"external_id":"u-2","name":"B"}\r\n')]);
    expect(summary(await parse(bytes, []))).toEqual([
      [1, 'u-1', 'A'],
      [2, 'u-2', 'B'],
    ]);
    const csv = encoder.encode('\uFEFFexternal_id,name\r\nc-1,"Lin, Mei"\r\nc-2,"two\nlines"\r\n');
    expect(summary(await parse(csv, [5, 30], 'csv'))).toEqual([
      [2, 'c-1', 'Lin, Mei'],
      [3, 'c-2', 'two\nlines'],
    ]);
  });
});
