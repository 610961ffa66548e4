// CSV output for exports, safe to open in a spreadsheet.
import { stringify } from 'csv-stringify/sync';

// A cell starting with one of these is run as a formula by spreadsheet programs.
const formulaStart = /^[=+\-@\t\r]/;
// A plain number or an E.164 phone number (+8613800001001): no formula, and left as it is so the file stays machine-readable.
const plainNumber = /^[+-]\d+(\.\d+)?$/;

/** The text a spreadsheet cannot mistake for a formula: anything else that starts like one gets a leading quote. */
export function formulaSafe(v: string): string {
  return formulaStart.test(v) && !plainNumber.test(v) ? `'${v}` : v;
}

export function csvRows(rows: unknown[][]): string {
  return stringify(rows, {
    cast: {
      string: formulaSafe,
      boolean: (v) => (v ? 'true' : 'false'),
      object: (v) => (v instanceof Date ? v.toISOString() : JSON.stringify(v)),
    },
  });
}
