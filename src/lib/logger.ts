// Structured JSON logging that keeps personal data and secrets out by construction.
//
// Contact data is never handed to the logger; fields that could still carry it or a secret are
// censored by name (pino's `redact`). Identifiers, hashes and counts are written untouched: the
// pattern scrub below runs only over free text — log messages and error messages — where a
// provider or the database may have quoted an address or a number.
import pino from 'pino';
import redact from '@pinojs/redact';

export type Logger = pino.Logger;

/** Field names that can hold contact data, a person's name or a secret, at the top level or one level down. */
const sensitiveFields = ['authorization', 'cookie', 'token', 'api_key', 'password', 'secret', 'auth_token', 'email', 'phone', 'to', 'from', 'from_number', 'name', 'postal_address', 'address', 'contact', 'recipient'];
export const redactPaths = sensitiveFields.flatMap((f) => [f, `*.${f}`]);
const censor = '[redacted]';

const emailPattern = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
// A dialled number: 8+ characters of digits and separators, standing alone. A run that touches a
// letter, a dot, a colon, a slash or a hyphen is part of something else (an id, a hash, an address, a
// time) and is left as it is.
const phonePattern = /(?<![\w.:/-])(?:\+|\()?\d[\d\s().-]{6,}\d(?![\w.:/-])/g;
const tokenPattern = /\b(bk_[A-Za-z0-9_-]{16,}|Bearer\s+[A-Za-z0-9._~+/=-]+|SG\.[A-Za-z0-9._-]+)/g;

/** Replaces emails, phone numbers and tokens inside free text (never run it over identifiers). */
export function scrubText(text: string): string {
  return text.replace(tokenPattern, '[token]').replace(emailPattern, '[email]').replace(phonePattern, '[phone]');
}

/**
 * What an error may put in a log line: its type, code and status, and its message and stack with
 * free text scrubbed. Other properties (a provider's response body, a request's headers) are left out.
 */
export function errorForLog(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error)) return typeof err === 'string' ? scrubText(err) : err;
  const e = err as Error & { code?: unknown; status?: unknown; statusCode?: unknown };
  const out: Record<string, unknown> = { type: e.name, message: scrubText(e.message) };
  if (typeof e.code === 'string' || typeof e.code === 'number') out.code = e.code;
  const status = e.status ?? e.statusCode;
  if (typeof status === 'number') out.status = status;
  if (e.stack) out.stack = scrubText(e.stack);
  if (e.cause !== undefined && depth < 3) out.cause = errorForLog(e.cause, depth + 1);
  return out;
}

export function createLogger(level: string, write?: (line: string) => void): Logger {
  // Workers run pino's browser build, which has no `redact`: the same paths are applied there before writing.
  const redactForBrowser = redact({ paths: redactPaths, censor, serialize: JSON.stringify });
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'breachkit' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: redactPaths, censor },
    serializers: { err: errorForLog },
    hooks: {
      logMethod(args, method) {
        // Only the message text: objects are handled by field (redact) and by the error serializer.
        const scrubbed = args.map((a) => (typeof a === 'string' ? scrubText(a) : a)) as Parameters<typeof method>;
        method.apply(this, scrubbed);
      },
    },
    browser: { serialize: true, write: (o) => (write ?? ((l: string) => console.log(l)))(redactForBrowser(o) as string) },
  };
  return write ? pino(options, { write }) : pino(options);
}
