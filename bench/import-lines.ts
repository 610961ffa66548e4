// Feeds generated users to the import as parsed lines (the parsing step is measured separately).
import type { ParsedLine } from '../src/directory/service.js';
import { generateUsers } from './directory-data.js';

export function importLines(n: number): { lines: AsyncIterable<ParsedLine> } {
  return {
    lines: (async function* () {
      let line = 0;
      for (const user of generateUsers(n)) yield { line: ++line, user };
    })(),
  };
}
