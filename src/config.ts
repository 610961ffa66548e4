// The one place that reads the environment: every setting, validated once with zod.
import { z } from 'zod';

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

/** Every individual channel a company may put in its delivery order. */
export const orderableChannels = ['email', 'sms', 'voice', 'letter', 'inapp'] as const;
export type OrderableChannel = (typeof orderableChannels)[number];

/** A comma-separated channel order: known channels, each once, at least one; the bad value is named. */
const channelOrder = z
  .string()
  .default('email,sms,voice,letter')
  .transform((v, ctx) => {
    const list = v.split(',').map((c) => c.trim()).filter((c) => c !== '');
    for (const c of list) {
      if (!(orderableChannels as readonly string[]).includes(c)) ctx.addIssue({ code: 'custom', message: `unknown channel '${c}' (known: ${orderableChannels.join(', ')})` });
    }
    const twice = list.filter((c, i) => list.indexOf(c) !== i);
    if (twice.length) ctx.addIssue({ code: 'custom', message: `channel '${twice[0]}' is listed twice` });
    if (list.length === 0) ctx.addIssue({ code: 'custom', message: 'name at least one channel' });
    return list as OrderableChannel[];
  });

/** A Standard Webhooks signing secret: `whsec_` and the base64 of 24 to 64 random bytes. */
const webhookSecret = optionalText.pipe(
  z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/, "must be 'whsec_' followed by the base64 of 24 to 64 random bytes")
    .optional(),
);

const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: optionalText.pipe(
    z
      .string()
      .url()
      .refine((u) => /^postgres(ql)?:\/\//i.test(u), { message: 'must be a PostgreSQL URL (postgres:// or postgresql://); breachkit runs on PostgreSQL only' })
      .optional(),
  ),
  DATA_DIR: z.string().default('./data'),
  BREACHKIT_ADMIN_TOKEN: optionalText.pipe(z.string().min(24, 'must be at least 24 characters').optional()),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  IMPORT_MAX_LINE_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  IMPORT_LIMIT_BYTES: z.coerce.number().int().min(1024).default(4 * 1024 ** 3),
  /** A gzip upload may unpack to this many bytes at most. */
  IMPORT_MAX_EXPANDED_BYTES: z.coerce.number().int().min(1024).default(16 * 1024 ** 3),
  /** …and to this many times its own size (judged past the first 256 KiB unpacked); a generated directory packs about 13×, a bomb about 1,000× (bench:import-bomb). */
  IMPORT_MAX_GZIP_RATIO: z.coerce.number().min(2).default(100),
  /** Rejected lines stored per import for download; beyond it they are counted only. */
  IMPORT_MAX_STORED_REJECTS: z.coerce.number().int().min(0).default(10_000),
  /** On SIGTERM/SIGINT: how long requests in flight may take to finish before they are stopped. */
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
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
  /** Letters to US addresses through Lob (print and mail by API) instead of print batches. */
  LOB_API_KEY: optionalText,
  LOB_API_URL: optionalText.pipe(z.url().optional()),
  /** In-app notices: the company's app back end receives them as Standard Webhooks. */
  INAPP_WEBHOOK_URL: optionalText.pipe(z.url({ protocol: /^https?$/ }).optional()),
  INAPP_WEBHOOK_SECRET: webhookSecret,
  /** Notice pages (`/n/{token}`) one client may open a minute (bursts up to the same number). */
  NOTICE_PAGE_RATE_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(30),
  /** Behind a proxy: the header naming the client (its first address), e.g. `x-forwarded-for`. Unset: the connection's address. */
  CLIENT_IP_HEADER: optionalText.pipe(z.string().regex(/^[A-Za-z0-9-]+$/, 'must be a header name').optional()),
  /** The order individual channels are tried in: a person's first reachable one, then the next on permanent failure. */
  DELIVERY_CHANNEL_ORDER: channelOrder,
  DELIVERY_BATCH_SIZE: z.coerce.number().int().min(1).max(5000).default(500),
  DELIVERY_LEASE_MS: z.coerce.number().int().min(1000).default(120_000),
  /** A send nobody can confirm (lease expired, no provider event, no look-up) is settled this long after its lease ran out. */
  DELIVERY_UNKNOWN_GRACE_MS: z.coerce.number().int().min(0).default(600_000),
  /** How: `resend` sends it again (both attempts in the proof), `hold` moves it to `unknown` for a person to settle. */
  DELIVERY_UNKNOWN_OUTCOME: z.enum(['resend', 'hold']).default('resend'),
  /** Passes one worker process runs at once: one claims and renders while another waits on the provider or the database. */
  DELIVERY_PASSES_IN_FLIGHT: z.coerce.number().int().min(1).max(16).default(2),
  /** Twilio requests one worker process keeps in flight (one per SMS or call; a real request takes 100–300 ms). */
  TWILIO_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(1000).default(100),
  /** SendGrid requests one pass keeps in flight (each carries up to 1000 people). */
  SENDGRID_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(100).default(8),
  /** Each provider request's own time limit (SendGrid, Twilio, in-app webhooks): a slow one fails alone and only its rows are retried. */
  PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5_000),
  /** One provider's own time limit where it differs from PROVIDER_TIMEOUT_MS (a slower webhook receiver, say). */
  SENDGRID_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).optional(),
  TWILIO_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).optional(),
  INAPP_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).optional(),
  EMAIL_RATE_PER_SECOND: z.coerce.number().positive().default(500),
  SMS_SEGMENTS_PER_SECOND: z.coerce.number().positive().default(100),
  VOICE_CALLS_PER_SECOND: z.coerce.number().positive().default(5),
  REMINDER_INTERVAL_MS: z.coerce.number().int().min(0).default(60_000),
  /** Workers: delivery ids per Queue message; each may cost a provider request, and an invocation has a cap on those. */
  QUEUE_IDS_PER_MESSAGE: z.coerce.number().int().min(1).max(1000).default(50),
  /** Workers: the most delivery ids one request, consumer invocation or cron run puts on the Queue (the rest follow from the next). */
  QUEUE_MAX_ENQUEUED: z.coerce.number().int().min(1).max(100_000).default(5000),
  /** Workers: a queued delivery put on the Queue this long ago and still not sent is put on it again (by the cron run). */
  QUEUE_REDRIVE_MS: z.coerce.number().int().min(10_000).default(300_000),
  IN_PROCESS_WORKER: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(20),
  /** A console session unused for this long ends. */
  CONSOLE_IDLE_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(30),
  /** A console session ends this long after sign-in, however busy. */
  CONSOLE_MAX_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(12),
  /** Failed console sign-ins one client, and one key prefix, may make a minute (in bursts of as many). */
  CONSOLE_SIGN_IN_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(10),
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
  if (Boolean(c.INAPP_WEBHOOK_URL) !== Boolean(c.INAPP_WEBHOOK_SECRET)) problems.push('INAPP_WEBHOOK_URL and INAPP_WEBHOOK_SECRET: set both or neither');
  if (Boolean(c.OIDC_ISSUER) !== Boolean(c.OIDC_CLIENT_ID)) problems.push('OIDC_ISSUER and OIDC_CLIENT_ID: set both or neither');
  if (c.CONSOLE_IDLE_MINUTES > c.CONSOLE_MAX_HOURS * 60) problems.push('CONSOLE_IDLE_MINUTES: must not exceed CONSOLE_MAX_HOURS');
  if ((c.SENDGRID_API_KEY || c.TWILIO_ACCOUNT_SID || c.INAPP_WEBHOOK_URL) && !c.PUBLIC_BASE_URL) problems.push('PUBLIC_BASE_URL: required to send (links in notices, provider callbacks)');
  return problems;
}

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(issues.length === 1 ? `invalid configuration: ${issues[0]}` : `invalid configuration:\n  ${issues.join('\n  ')}`);
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

/** A provider's request time limit: its own setting, else PROVIDER_TIMEOUT_MS. */
export function providerTimeoutMs(config: Config, provider: 'sendgrid' | 'twilio' | 'inapp'): number {
  const own = { sendgrid: config.SENDGRID_TIMEOUT_MS, twilio: config.TWILIO_TIMEOUT_MS, inapp: config.INAPP_TIMEOUT_MS }[provider];
  return own ?? config.PROVIDER_TIMEOUT_MS;
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
