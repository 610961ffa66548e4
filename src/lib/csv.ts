// CSV output for exports, safe to open in a spreadsheet.
import { stringify } from 'csv-stringify/sync';

// A cell starting with one of these is run as a formula by spreadsheet programs.
const formulaStart = /^[=+\-@\t\r]/;

export function csvRows(rows: unknown[][]): string {
  return stringify(rows, {
    cast: {
      string: (v) => (formulaStart.test(v) ? `'${v}` : v),
      boolean: (v) => (v ? 'true' : 'false'),
      object: (v) => (v instanceof Date ? v.toISOString() : JSON.stringify(v)),
    },
  });
}
