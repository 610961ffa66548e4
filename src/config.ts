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
  DELIVERY_BATCH_SIZE: z.coerce.number().int().min(1).max(5000).default(500),
  DELIVERY_LEASE_MS: z.coerce.number().int().min(1000).default(120_000),
  EMAIL_RATE_PER_SECOND: z.coerce.number().positive().default(500),
  SMS_SEGMENTS_PER_SECOND: z.coerce.number().positive().default(100),
  VOICE_CALLS_PER_SECOND: z.coerce.number().positive().default(5),
  IN_PROCESS_WORKER: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(20),
});

export type Config = z.infer<typeof configSchema>;

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
  return parsed.data;
}

/** Reads the Node process environment; only entry points call this. */
export function configFromProcess(overrides: Record<string, string | undefined> = {}): Config {
  // eslint-disable-next-line no-restricted-globals -- this is the one reader of the Node environment
  return loadConfig({ ...process.env, ...overrides });
}
