// Feeds generated users to the import as an NDJSON byte stream, through the same parser the HTTP route uses.
import { importLinesFrom, type ImportSource } from '../src/directory/import-lines.js';
import { systemClock } from '../src/lib/clock.js';
import { generateUsers } from './directory-data.js';

export function importLines(n: number): ImportSource {
  const users = generateUsers(n);
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const lines: string[] = [];
      for (let i = 0; i < 1000; i++) {
        const next = users.next();
        if (next.done) break;
        lines.push(JSON.stringify(next.value));
      }
      if (lines.length === 0) return controller.close();
      controller.enqueue(encoder.encode(`${lines.join('\n')}\n`));
    },
  });
  return importLinesFrom(body, { format: 'ndjson', maxLineBytes: 1024 * 1024, clock: systemClock });
}
