// The comparison worker for bench/fanout: one pg-boss job per notice, fetched in batches, rendered and sent through
// the same provider code as breachkit's worker (same HTTP client, same requests in flight), then completed in one
// call. Started as its own process; PASSES fetch loops run at once, as breachkit's worker runs passes.
import PgBoss from 'pg-boss';
import postgres from 'postgres';
import { sendgridSdkProvider } from '../src/delivery/providers/sendgrid-sdk.js';
import { twilioSdkProvider } from '../src/delivery/providers/twilio-sdk.js';
import { createTwilioNodeClient } from '../src/delivery/providers/twilio-http.node.js';
import type { OutgoingMessage } from '../src/delivery/providers/types.js';
import { canonicalJson, sha256Hex } from '../src/lib/hash.js';
import type { NoticeContent } from '../src/notices/content.js';
import { benchRenderer, sleep } from './delivery-fixture.js';

export interface NoticeJob {
  to: string;
  locale: string | null;
  name: string | null;
}

const env = process.env as Record<string, string>;
const queue = env.QUEUE!;
const channel = env.CHANNEL as 'email' | 'sms';
const batchSize = Number(env.BATCH ?? 1000);
const passes = Number(env.PASSES ?? 1);
const inFlight = Number(env.TWILIO_MAX_IN_FLIGHT ?? 100);

const sql = postgres(env.DATABASE_URL!, { max: 1, onnotice: () => {} });
const [facts] = await sql<{ content: NoticeContent; title: string; discovered_at: Date }[]>`
  select n.content, i.title, i.discovered_at from notice_versions n join incidents i on i.id = n.incident_id where n.id = ${env.NOTICE_VERSION_ID!}`;
await sql.end();

const renderer = benchRenderer();
const provider =
  channel === 'email'
    ? sendgridSdkProvider({ apiKey: env.SENDGRID_API_KEY!, from: 'notices@example.com', baseUrl: env.SENDGRID_API_URL })
    : twilioSdkProvider('sms', {
        accountSid: env.TWILIO_ACCOUNT_SID!,
        authToken: env.TWILIO_AUTH_TOKEN!,
        from: '+15005550006',
        baseUrl: env.TWILIO_API_URL,
        statusCallbackUrl: 'https://breachkit.example/webhooks/twilio',
        concurrency: inFlight,
        httpClient: createTwilioNodeClient({ baseUrl: env.TWILIO_API_URL, maxSockets: inFlight }),
      });

const boss = new PgBoss({ connectionString: env.DATABASE_URL!, schedule: false, supervise: false });
boss.on('error', (err) => console.error(err));
await boss.start();
let stopping = false;
process.on('SIGTERM', () => (stopping = true));
console.log('pg-boss worker started');

async function loop(): Promise<void> {
  while (!stopping) {
    const jobs = await boss.fetch<NoticeJob>(queue, { batchSize });
    if (jobs.length === 0) {
      await sleep(100);
      continue;
    }
    const hashes = new Map<string, string>();
    const messages: OutgoingMessage[] = jobs.map((job) => {
      const rendered = renderer.render({
        channel,
        locale: job.data.locale,
        content: facts!.content,
        recipient: { name: job.data.name, isGuardian: false, locale: job.data.locale },
        links: { publicNotice: 'https://breachkit.example/status' },
        incident: { title: facts!.title, discoveredAt: facts!.discovered_at },
      });
      // Hashed once per distinct content, as breachkit's worker does: the provider groups email by it.
      const key = `${rendered.locale}\u0000${rendered.subject ?? ''}\u0000${rendered.html ?? ''}\u0000${rendered.text ?? ''}`;
      let contentHash = hashes.get(key);
      if (contentHash === undefined) hashes.set(key, (contentHash = sha256Hex(canonicalJson(rendered))));
      return { deliveryId: job.id, channel, to: job.data.to, rendered, contentHash };
    });
    const done: string[] = [];
    for (let i = 0; i < messages.length; i += provider.maxBatch) {
      const outcomes = await provider.send(messages.slice(i, i + provider.maxBatch));
      for (const o of outcomes) if (o.outcome === 'accepted') done.push(o.deliveryId);
    }
    await boss.complete(queue, done);
    const accepted = new Set(done);
    for (const job of jobs) if (!accepted.has(job.id)) await boss.fail(queue, job.id);
  }
}
await Promise.all(Array.from({ length: passes }, loop));
await boss.stop({ graceful: true, wait: true });
