// Shared trigger pieces for the US state breach statutes (each state keeps its own module).
import type { Check } from '../types.js';
import { affectedIn, unencrypted, usStatePersonalInformation } from '../predicates.js';

/** Residents affected, listed personal information involved, and no encryption safe harbour. */
export function stateBreach(state: string, extra: Check[] = []): Check[] {
  return [affectedIn(state), usStatePersonalInformation(), unencrypted(), ...extra];
}
