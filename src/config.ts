// The one place that reads the environment: every setting, validated once with zod.
import { z } from 'zod';

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: optionalText.pipe(z.string().url().optional()),
  DATA_DIR: z.string().default('./data'),
  BREACHKIT_ADMIN_TOKEN: optionalText.pipe(z.string().min(24, 'must be at least 24 characters').optional()),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  IMPORT_MAX_LINE_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  IMPORT_LIMIT_BYTES: z.coerce.number().int().min(1024).default(4 * 1024 ** 3),
  PUBLIC_BASE_URL: optionalText.pipe(z.string().url().optional()),
  STATUS_PAGE_NAME_EN: z.string().min(1).max(100).default('Security notices'),
  STATUS_PAGE_NAME_ZH: z.string().min(1).max(100).default('安全公告'),
  ANNOUNCEMENT_THRESHOLD: z.coerce.number().int().min(0).default(10_000),
  SMS_MAX_PARTS: z.coerce.number().int().min(1).max(10).default(3),
  SENDGRID_API_KEY: optionalText,
  SENDGRID_FROM: optionalText.pipe(z.email().optional()),
  SENDGRID_API_URL: optionalText.pipe(z.url().optional()),
  SENDGRID_WEBHOOK_PUBLIC_KEY: optionalText,
  TWILIO_ACCOUNT_SID: optionalText,
  TWILIO_AUTH_TOKEN: optionalText,
  TWILIO_FROM: optionalText,
  TWILIO_MESSAGING_SERVICE_SID: optionalText,
  TWILIO_API_URL: optionalText.pipe(z.url().optional()),
  DELIVERY_BATCH_SIZE: z.coerce.number().int().min(1).max(5000).default(500),
  DELIVERY_LEASE_MS: z.coerce.number().int().min(1000).default(120_000),
  /** Passes one worker process runs at once: one claims and renders while another waits on the provider or the database. */
  DELIVERY_PASSES_IN_FLIGHT: z.coerce.number().int().min(1).max(16).default(2),
  /** Twilio requests one worker process keeps in flight (one per SMS or call; a real request takes 100–300 ms). */
  TWILIO_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(1000).default(100),
  EMAIL_RATE_PER_SECOND: z.coerce.number().positive().default(500),
  SMS_SEGMENTS_PER_SECOND: z.coerce.number().positive().default(100),
  VOICE_CALLS_PER_SECOND: z.coerce.number().positive().default(5),
  REMINDER_INTERVAL_MS: z.coerce.number().int().min(0).default(60_000),
  IN_PROCESS_WORKER: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(20),
  /** A console session unused for this long ends. */
  CONSOLE_IDLE_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(30),
  /** A console session ends this long after sign-in, however busy. */
  CONSOLE_MAX_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(12),
  OIDC_ISSUER: optionalText.pipe(z.url().optional()),
  OIDC_CLIENT_ID: optionalText,
  OIDC_CLIENT_SECRET: optionalText,
  /** The claim (in the ID token or from userinfo) that holds the person's breachkit role. */
  OIDC_ROLE_CLAIM: z.string().trim().min(1).max(200).default('breachkit_role'),
});

export type Config = z.infer<typeof configSchema>;

/** Provider settings come as complete sets or not at all; half a set is a mistake worth stopping for. */
function checkProviderSets(c: Config): string[] {
  const problems: string[] = [];
  if (c.SENDGRID_API_KEY && !c.SENDGRID_FROM) problems.push('SENDGRID_FROM: required with SENDGRID_API_KEY');
  if (!c.SENDGRID_API_KEY && c.SENDGRID_FROM) problems.push('SENDGRID_API_KEY: required with SENDGRID_FROM');
  if (Boolean(c.TWILIO_ACCOUNT_SID) !== Boolean(c.TWILIO_AUTH_TOKEN)) problems.push('TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN: set both or neither');
  if (c.TWILIO_ACCOUNT_SID && !c.TWILIO_FROM && !c.TWILIO_MESSAGING_SERVICE_SID) problems.push('TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID: one is required with Twilio credentials');
  if (Boolean(c.OIDC_ISSUER) !== Boolean(c.OIDC_CLIENT_ID)) problems.push('OIDC_ISSUER and OIDC_CLIENT_ID: set both or neither');
  if (c.CONSOLE_IDLE_MINUTES > c.CONSOLE_MAX_HOURS * 60) problems.push('CONSOLE_IDLE_MINUTES: must not exceed CONSOLE_MAX_HOURS');
  if ((c.SENDGRID_API_KEY || c.TWILIO_ACCOUNT_SID) && !c.PUBLIC_BASE_URL) problems.push('PUBLIC_BASE_URL: required to send (links in notices, provider callbacks)');
  return problems;
}

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses settings from an environment record (process.env on Node, bindings on Workers). */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const problems = checkProviderSets(parsed.data);
  if (problems.length) throw new ConfigError(problems);
  return parsed.data;
}

/** The address people and providers reach this service at (links in notices, webhook URLs). */
export function publicBaseUrl(config: Config): string {
  return (config.PUBLIC_BASE_URL ?? `http://localhost:${config.PORT}`).replace(/\/$/, '');
}

/** Reads the Node process environment; only entry points call this. */
export function configFromProcess(overrides: Record<string, string | undefined> = {}): Config {
  // eslint-disable-next-line no-restricted-globals -- this is the one reader of the Node environment
  return loadConfig({ ...process.env, ...overrides });
}
