// When a postal address can carry a letter: the rule the snapshot applies at resolve time, as data.
import { iso31661 } from 'iso-3166';

/** Values people type when they do not know a line; a letter addressed with them goes nowhere. */
export const placeholderLines = ['unknown', 'n/a', 'na', 'none', 'null', 'nil', '-', '--', '?', '??', 'tbd', 'x', 'xx', 'xxx', '.', '未知', '无', '不详', '暂无'] as const;

export const countryCodes: readonly string[] = iso31661.map((c) => c.alpha2);

/** The address fields a letter prints, each checked for placeholders. */
export const addressLines = ['line1', 'line2', 'city', 'region', 'postal_code'] as const;

export interface ChannelRejection {
  channel: 'letter';
  /** The field at fault, e.g. `postal_address.country`. */
  field: string;
  reason: string;
}

/**
 * The checks in order; the first that fails names the field. Each is a SQL condition over the
 * address's text fields (`a` is the jsonb address), written so PostgreSQL 15 and PGlite agree.
 */
export const letterAddressChecks: readonly { field: string; reason: string; failsWhen: (a: string) => string }[] = [
  { field: 'postal_address.country', reason: 'missing: a letter needs the destination country', failsWhen: (a) => `nullif(btrim(${a}->>'country'), '') is null` },
  { field: 'postal_address.country', reason: 'not an ISO 3166-1 alpha-2 country code', failsWhen: (a) => `not (upper(btrim(${a}->>'country')) = any($countries))` },
  { field: 'postal_address.line1', reason: 'missing: a letter needs a street or delivery line', failsWhen: (a) => `nullif(btrim(${a}->>'line1'), '') is null` },
  ...addressLines.map((line) => ({
    field: `postal_address.${line}`,
    reason: 'unknown: holds a placeholder, not an address line',
    failsWhen: (a: string) => `lower(btrim(${a}->>'${line}')) = any($placeholders)`,
  })),
  {
    field: 'postal_address.city',
    reason: 'missing: a letter needs a city or a postal code',
    failsWhen: (a) => `nullif(btrim(${a}->>'city'), '') is null and nullif(btrim(${a}->>'postal_code'), '') is null`,
  },
];
