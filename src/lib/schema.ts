// Shared zod building blocks for request and response bodies.
import { z } from '@hono/zod-openapi';

// Control characters (NUL above all) cannot be stored in text columns and have no place in prose.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const controlChars = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
// A lone surrogate is not text at all, and jsonb refuses it.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What is wrong with a piece of text that no field may hold (a control character, a lone surrogate), or null. */
export function unstorableText(s: string): string | null {
  if (controlChars.test(s)) return 'must not contain control characters';
  if (loneSurrogate.test(s)) return 'must be well-formed Unicode';
  return null;
}

/** Free text: trimmed, bounded, without control characters. */
export const text = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .superRefine((s, ctx) => {
      const problem = unstorableText(s);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });

/** A short identifier-like label (system names and the like). */
export const label = text(200).pipe(z.string().min(1));

/** An RFC 3339 timestamp with an offset, accepted between 1970 and 9999. */
export const timestamp = z
  .iso.datetime({ offset: true })
  .transform((s) => new Date(s))
  .refine((d) => d.getTime() >= 0, { message: 'must be 1970 or later' })
  .openapi({ type: 'string', format: 'date-time', example: '2026-11-20T08:30:00Z' });

export const timestampOut = z.string().openapi({ format: 'date-time' });

export const idParam = (name: string, prefix: string) =>
  z
    .string()
    .max(64)
    .regex(/^[a-z]+_[0-9a-z]+$/, `must be a ${prefix} id`)
    .openapi({ param: { name, in: 'path' }, example: `${prefix}_0k6m8x2d1q4h7vbn9c3t5w8y` });

export const listQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50).openapi({ description: 'Page size (1–200).' }),
  cursor: z.string().max(200).optional().openapi({ description: 'The next_cursor of the previous page.' }),
};

export function iso(d: Date | null | undefined): string | null {
  return d ? d.toISOString() : null;
}
