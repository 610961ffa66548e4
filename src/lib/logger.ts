// Structured JSON logging with personal data and secrets scrubbed out of every line.
import pino from 'pino';

export type Logger = pino.Logger;

const emailPattern = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
// Phone-like runs: a leading + or 7+ digits with common separators.
const phonePattern = /\+?\d[\d\s().-]{6,}\d/g;
const tokenPattern = /\b(bk_[A-Za-z0-9_-]{16,}|Bearer\s+[A-Za-z0-9._~+/=-]+|SG\.[A-Za-z0-9._-]+)/g;
const secretKeys = /^(authorization|token|api[_-]?key|password|secret|auth[_-]?token|cookie|email|phone|to|from_number)$/i;

/** Replaces emails, phone numbers and tokens inside a string. */
export function scrubText(text: string): string {
  return text.replace(tokenPattern, '[token]').replace(emailPattern, '[email]').replace(phonePattern, (m) =>
    // Keep ISO timestamps and plain counts readable: only redact runs that look like a dialled number.
    /^\d{4}-\d{2}-\d{2}/.test(m) ? m : '[phone]',
  );
}

/** Deep copy of a log object with secret-named keys and personal-looking strings redacted. */
export function scrub(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[deep]';
  if (typeof value === 'string') return scrubText(value);
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  if (value instanceof Error) return { type: value.name, message: scrubText(value.message) };
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = secretKeys.test(k) ? '[redacted]' : scrub(v, depth + 1);
    return out;
  }
  return value;
}

export function createLogger(level: string, write?: (line: string) => void): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'breachkit' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { log: (obj) => scrub(obj) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        const scrubbed = args.map((a) => (typeof a === 'string' ? scrubText(a) : a)) as Parameters<typeof method>;
        method.apply(this, scrubbed);
      },
    },
    // Workers bundle pino's browser build, which writes through this instead of a stream.
    browser: { write: (o) => (write ?? ((l: string) => console.log(l)))(JSON.stringify(scrub(o))) },
  };
  return write ? pino(options, { write }) : pino(options);
}
