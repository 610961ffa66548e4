// The delivery page: runs with progress by channel and state (live from the progress stream), rate and ETA, pause / resume /
// cancel, the "everyone told" check, and unknown outcomes to settle — through the same services and roles as the API.
import type { FC } from 'hono/jsx';
import type { Hono } from 'hono';
import { z } from 'zod';
import type { Incident } from '../incidents/service.js';
import { getIncident } from '../incidents/service.js';
import { actorOf, fieldProblems } from '../http/openapi.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { checkInvariant, controlRun, listRuns, settleUnknown, startDeliveries, type InvariantReport, type RunProgress, type RunRow } from '../delivery/service.js';
import { progressStream, runsMoving } from '../delivery/progress.js';
import { settleBody, settlementOf } from '../delivery/routes.js';
import { configuredChannels } from '../delivery/provider-config.js';
import { deliveryStates } from '../delivery/ledger.js';
import { latestApprovedNotice } from '../notices/service.js';
import { Csrf, Outcome, Page, Table, Time, type PageProps } from './layout.js';
import type { Translator, WordKey } from './i18n.js';
import type { ConsoleEnv } from './context.js';
import type { ConsoleContext, PageKit } from './page-kit.js';
import { formValues } from './forms.js';
import { IncidentLinks } from './incident-links.js';

type Run = RunRow & RunProgress;

const route = {
  list: 'GET /v1/incidents/{id}/deliveries',
  stream: 'GET /v1/incidents/{id}/deliveries/stream',
  start: 'POST /v1/incidents/{id}/deliveries',
  control: 'POST /v1/incidents/{id}/deliveries/{run}/{action}',
  check: 'GET /v1/incidents/{id}/deliveries/check',
  settle: 'POST /v1/incidents/{id}/deliveries/unknown/{delivery}',
} as const;

const controls = { running: ['pause', 'cancel'], paused: ['resume', 'cancel'], cancelled: [], completed: [] } as const;

export interface DeliveryPageProps extends Omit<PageProps, 'title' | 'children'> {
  t: Translator;
  csrf: string;
  incident: Incident;
  runs: Run[];
  check: InvariantReport | null;
  hasApproved: boolean;
  /** Channels without provider credentials: captured, not sent. */
  captured: string[];
  canStart: boolean;
  canControl: boolean;
  canSettle: boolean;
  message?: string | undefined;
  refusal?: string | undefined;
}

/** A number of seconds as people read it: 42 s, 3 min 20 s, 2 h 5 min. */
export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min${seconds % 60 ? ` ${seconds % 60} s` : ''}`;
  const minutes = Math.round((seconds % 3600) / 60);
  return `${Math.floor(seconds / 3600)} h${minutes ? ` ${minutes} min` : ''}`;
}

const etaText = (t: Translator, r: Pick<Run, 'eta_seconds' | 'remaining'>) => (r.remaining === 0 ? t('etaDone') : r.eta_seconds === null ? t('etaNone') : duration(r.eta_seconds));
const settledOf = (r: Pick<Run, 'planned' | 'remaining' | 'unknown'>) => Math.max(0, r.planned - r.remaining - r.unknown);
const channelWord = (t: Translator, channel: string) => t(`ch_${channel}` as WordKey);

/** The words the page's script needs to redraw a run from a stream event, in the page's language. */
function liveWords(t: Translator): Record<string, string> {
  const words: Record<string, string> = { etaDone: t('etaDone'), etaNone: t('etaNone'), perSecond: t('perSecond'), progressOf: t('progressOf') };
  for (const s of deliveryStates) words[`st_${s}`] = t(`st_${s}` as WordKey);
  for (const s of Object.keys(controls)) words[`run_${s}`] = t(`run_${s}` as WordKey);
  for (const ch of ['email', 'sms', 'voice', 'letter', 'inapp']) words[`ch_${ch}`] = channelWord(t, ch);
  return words;
}

const RunSection: FC<{ t: Translator; csrf: string; incidentId: string; run: Run; canControl: boolean }> = ({ t, csrf, incidentId, run: r, canControl }) => (
  <section class="run" aria-labelledby={`run-${r.id}`} data-run={r.id}>
    <h3 id={`run-${r.id}`}>
      {t('run', { id: r.id })}{' '}
      <span class="badge" data-field="status">
        {t(`run_${r.status}` as WordKey)}
      </span>
    </h3>
    {r.drill && <p class="notice warn">{t('drillRun')}</p>}
    <p>
      <progress max={String(Math.max(r.planned, 1))} value={String(settledOf(r))} aria-labelledby={`run-${r.id}-progress`} data-field="progress"></progress>{' '}
      <span id={`run-${r.id}-progress`} data-field="progressText">
        {t('progressOf', { done: settledOf(r), planned: r.planned })}
      </span>
    </p>
    <dl class="facts">
      <dt>{t('planned')}</dt>
      <dd data-field="planned">{r.planned}</dd>
      <dt>{t('remaining')}</dt>
      <dd data-field="remaining">{r.remaining}</dd>
      <dt>{t('unknownCount')}</dt>
      <dd data-field="unknown">{r.unknown}</dd>
      <dt>{t('rate')}</dt>
      <dd data-field="rate">{t('perSecond', { n: r.rate_per_second })}</dd>
      <dt>{t('eta')}</dt>
      <dd data-field="eta">{etaText(t, r)}</dd>
    </dl>
    <Table head={[t('channel'), t('state'), t('count')]}>
      {r.counts.map((c) => (
        <tr>
          <td>{channelWord(t, c.channel)}</td>
          <td>{t(`st_${c.state}` as WordKey)}</td>
          <td>{c.n}</td>
        </tr>
      ))}
    </Table>
    {canControl && controls[r.status].length > 0 && (
      <div class="moves" data-field="controls">
        {controls[r.status].map((action) => (
          <form method="post" action={`/console/incidents/${incidentId}/delivery/${r.id}/${action}`}>
            <Csrf token={csrf} />
            <button type="submit" class={action === 'cancel' ? 'secondary' : undefined}>
              {t(action)}
            </button>
          </form>
        ))}
      </div>
    )}
  </section>
);

const CheckSection: FC<{ t: Translator; check: InvariantReport | null }> = ({ t, check }) => {
  if (!check) return <p>{t('noSnapshot')}</p>;
  const rows: [WordKey, number | string][] = [
    ['people', check.people],
    ['reached', check.reached],
    ['inFlight', check.in_flight],
    ['unknownCount', check.unknown],
    ['notPlanned', check.not_planned],
    ['coveredByAnnouncement', check.covered_by_announcement],
    ['uncovered', check.uncovered],
    ['stuckSending', check.stuck_sending],
    ['announcementRequired', check.announcement_required ? t('yes') : t('no')],
    ['announcementPublished', check.announcement_published ? t('yes') : t('no')],
  ];
  return (
    <>
      <p class={`notice ${check.ok ? 'good' : 'warn'}`} data-check={check.ok ? 'ok' : 'open'}>
        {check.ok ? t('checkOk') : t('checkOpen')}
      </p>
      <dl class="facts">
        {rows.map(([k, v]) => (
          <>
            <dt>{t(k)}</dt>
            <dd>{v}</dd>
          </>
        ))}
      </dl>
    </>
  );
};

export const DeliveryPage: FC<DeliveryPageProps> = (p) => {
  const { t, incident: i } = p;
  const moving = runsMoving(p.runs);
  return (
    <Page {...p} title={t('deliveryOf', { title: i.title })}>
      <IncidentLinks t={t} incidentId={i.id} title={i.title} />
      <Outcome message={p.message} refusal={p.refusal} />
      <h2>{t('runs')}</h2>
      {p.captured.length > 0 && <p class="notice warn">{t('captureMode', { channels: p.captured.map((ch) => channelWord(t, ch)).join(', ') })}</p>}
      {p.runs.length === 0 && <p>{t('noRuns')}</p>}
      {p.canStart && (p.hasApproved ? (
        <form class="inline" method="post" action={`/console/incidents/${i.id}/delivery/start`}>
          <Csrf token={p.csrf} />
          <p class="hint muted" id="start-hint">
            {t('startHint')}
          </p>
          <button type="submit" class={p.runs.length ? 'secondary' : undefined} aria-describedby="start-hint">
            {p.runs.length ? t('replan') : t('startRun')}
          </button>
        </form>
      ) : (
        <p class="muted">{t('needApprovedToSend')}</p>
      ))}
      <div id="live" data-stream={moving ? `/console/incidents/${i.id}/delivery/stream` : undefined} data-words={JSON.stringify(liveWords(t))}>
        {moving && (
          <p class="muted" role="status">
            {t('live')}
          </p>
        )}
        {p.runs.map((r) => (
          <RunSection t={t} csrf={p.csrf} incidentId={i.id} run={r} canControl={p.canControl} />
        ))}
      </div>
      <h2>{t('check')}</h2>
      <CheckSection t={t} check={p.check} />
      <h2 id="unknown">{t('unknownTitle')}</h2>
      {!p.check || p.check.unknown_deliveries.length === 0 ? (
        <p>{t('noUnknown')}</p>
      ) : (
        <>
          <p class="muted">{t('unknownHint')}</p>
          <Table head={[t('deliveryId'), t('person'), t('channel'), t('attempts'), t('leaseExpired'), ...(p.canSettle ? [t('anyEvent')] : [])]}>
            {p.check.unknown_deliveries.map((u) => (
              <tr data-unknown={u.delivery_id}>
                <td>{u.delivery_id}</td>
                <td>{u.external_id}</td>
                <td>{channelWord(t, u.channel)}</td>
                <td>{u.attempts}</td>
                <td>
                  <Time at={u.lease_expired_at} />
                </td>
                {p.canSettle && (
                  <td>
                    <form method="post" action={`/console/incidents/${i.id}/delivery/unknown/${u.delivery_id}`}>
                      <Csrf token={p.csrf} />
                      <button type="submit" name="action" value="resend">
                        {t('resend')}
                      </button>
                    </form>
                    <form class="inline" method="post" action={`/console/incidents/${i.id}/delivery/unknown/${u.delivery_id}`}>
                      <Csrf token={p.csrf} />
                      <div class="field">
                        <label for={`reason-${u.delivery_id}`}>{t('reasonFor', { id: u.delivery_id })}</label>
                        <input type="text" id={`reason-${u.delivery_id}`} name="reason" maxlength={1000} />
                      </div>
                      <button type="submit" class="secondary" name="action" value="mark_sent">
                        {t('markSent')}
                      </button>
                    </form>
                  </td>
                )}
              </tr>
            ))}
          </Table>
        </>
      )}
    </Page>
  );
};

const runParam = z.string().max(64).regex(/^run_[0-9a-z]+$/);
const deliveryParam = z.string().regex(/^\d{1,18}$/);
const actionParam = z.enum(['pause', 'resume', 'cancel']);

export function deliveryPages(app: Hono<ConsoleEnv>, kit: PageKit): void {
  const page = async (c: ConsoleContext, id: string, extra: { message?: string; refusal?: string } = {}, status: 200 | 400 | 404 | 409 = 200) => {
    kit.requireApi(c, route.list);
    const { db, clock, config } = c.var.services;
    const now = clock.now();
    const [incident, runs, approved] = await Promise.all([getIncident(db, id), listRuns(db, id, now), latestApprovedNotice(db, id)]);
    let check: InvariantReport | null = null;
    if (kit.can(c, route.check)) {
      try {
        check = await checkInvariant(db, id, now, config.ANNOUNCEMENT_THRESHOLD);
      } catch (err) {
        // No affected snapshot yet: nothing to check.
        if (!(err instanceof NotFoundError)) throw err;
      }
    }
    const captured = Object.entries(configuredChannels(config))
      .filter(([, configured]) => !configured)
      .map(([channel]) => channel);
    return kit.html(
      c,
      <DeliveryPage
        {...kit.shell(c)}
        incident={incident}
        runs={runs}
        check={check}
        hasApproved={approved !== undefined && approved !== null}
        captured={captured}
        canStart={kit.can(c, route.start)}
        canControl={kit.can(c, route.control)}
        canSettle={kit.can(c, route.settle)}
        {...extra}
      />,
      status,
    );
  };

  app.get('/incidents/:id/delivery', async (c) => {
    const id = kit.incidentId(c);
    const t = kit.shell(c).t;
    const done = c.req.query('done');
    const message =
      done === 'started' ? t('started') : done && actionParam.safeParse(done).success ? t('controlled', { status: t(`run_${done === 'pause' ? 'paused' : done === 'resume' ? 'running' : 'cancelled'}` as WordKey) }) : undefined;
    const settled = c.req.query('settled');
    return page(c, id, { message: settled && deliveryParam.safeParse(settled).success ? t('settledDone', { id: settled }) : message });
  });

  /** The progress stream of GET …/deliveries/stream, for a signed-in session. */
  app.get('/incidents/:id/delivery/stream', async (c) => {
    kit.requireApi(c, route.stream);
    return progressStream(c, c.var.services, kit.incidentId(c));
  });

  app.post('/incidents/:id/delivery/start', async (c) => {
    kit.requireApi(c, route.start);
    const id = kit.incidentId(c);
    const { db, clock, config } = c.var.services;
    await getIncident(db, id);
    try {
      await startDeliveries(db, id, actorOf(c.var.principal), clock.now(), config.DELIVERY_CHANNEL_ORDER);
    } catch (err) {
      // Not approved yet, or no affected snapshot to send to.
      if (err instanceof ConflictError || err instanceof NotFoundError) return page(c, id, { refusal: err.message }, 409);
      throw err;
    }
    return c.redirect(`/console/incidents/${id}/delivery?done=started`, 303);
  });

  // Before the run controls: `unknown` is not a run.
  app.post('/incidents/:id/delivery/unknown/:delivery', async (c) => {
    kit.requireApi(c, route.settle);
    const id = kit.incidentId(c);
    const delivery = deliveryParam.safeParse(c.req.param('delivery'));
    if (!delivery.success) throw new NotFoundError('delivery', c.req.param('delivery'));
    const form = formValues(await c.req.parseBody());
    const reason = typeof form.reason === 'string' && form.reason.trim() ? form.reason : undefined;
    const parsed = settleBody.safeParse({ action: form.action, ...(reason ? { reason } : {}) });
    if (!parsed.success) return page(c, id, { refusal: fieldProblems(parsed.error.issues).map((p) => `${p.field}: ${p.message}`).join('; ') }, 400);
    const { db, clock } = c.var.services;
    try {
      await settleUnknown(db, id, delivery.data, settlementOf(parsed.data), actorOf(c.var.principal), clock.now());
    } catch (err) {
      if (err instanceof ConflictError) return page(c, id, { refusal: err.message }, 409);
      throw err;
    }
    return c.redirect(`/console/incidents/${id}/delivery?settled=${delivery.data}#unknown`, 303);
  });
  app.post('/incidents/:id/delivery/:run/:action', async (c) => {
    kit.requireApi(c, route.control);
    const id = kit.incidentId(c);
    const run = runParam.safeParse(c.req.param('run'));
    const action = actionParam.safeParse(c.req.param('action'));
    if (!run.success || !action.success) throw new NotFoundError('delivery run', c.req.param('run'));
    const { db, clock } = c.var.services;
    try {
      await controlRun(db, id, run.data, action.data, actorOf(c.var.principal), clock.now());
    } catch (err) {
      if (err instanceof ConflictError) return page(c, id, { refusal: err.message }, 409);
      throw err;
    }
    return c.redirect(`/console/incidents/${id}/delivery?done=${action.data}`, 303);
  });
}
