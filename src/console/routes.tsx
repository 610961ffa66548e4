// /console: the security team's pages, server-rendered over the same services and roles as the API.
import { Hono, type Context } from 'hono';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import type { AppEnv } from '../http/context.js';
import { actorOf, fieldProblems } from '../http/openapi.js';
import { findActiveKeyByToken, tokenPrefix } from '../api-keys/service.js';
import { InvalidFactsError, InvalidTransitionError, ConflictError, NotFoundError, StaleVersionError, NotAllowedError } from '../errors.js';
import { createIncidentBody, patchIncidentBody } from '../incidents/schema.js';
import { getIncident, getTimeline, listIncidents, openIncident } from '../incidents/service.js';
import { changeIncident } from '../incidents/change.js';
import { allowedTransitions, statuses } from '../incidents/lifecycle.js';
import { severities } from '../incidents/vocabulary.js';
import { incidentWithChecklist, runbooksOpenedWith, settleStep } from '../runbooks/service.js';
import { admits } from '../http/auth.js';
import { text } from '../lib/schema.js';
import { randomToken, sha256Hex } from '../lib/hash.js';
import { ClientRateLimit, clientAddress } from '../lib/client-rate-limit.js';
import { publicBaseUrl } from '../config.js';
import { apiPermissions, type ApiOperation } from './api-roles.js';
import { assetVersion, consoleCss, consoleJs } from './assets.js';
import type { ConsoleEnv } from './context.js';
import { changedFields, formValues, formValuesOf, incidentBodyOf, placeProblems, type FormValues } from './forms.js';
import { pickLang, translator, type Translator, type WordKey } from './i18n.js';
import { IncidentListPage, NewIncidentPage, type ListFilter } from './incidents.js';
import { IncidentPage, type IncidentPageProps, type Stale } from './incident.js';
import { SingleSignOn, SsoRefused, ssoSettings } from './oidc.js';
import { framedDocumentPolicy, isHttps, securityHeaders } from './security.js';
import { approveNotice, freezeNotice, getNotice, listNotices, previewNotice, sameHolder } from '../notices/service.js';
import { noticeContent, type NoticeContent } from '../notices/content.js';
import { noticeChannels } from '../notices/renderer.js';
import type { FieldProblem } from '../errors.js';
import type { Problems } from './layout.js';
import { NoticePage, type NoticePageProps, type PreviewCell } from './notice.js';
import { DeadlinesPage } from './deadlines.js';
import { incidentObligations, listFilings } from '../obligations/service.js';
import type { PageKit } from './page-kit.js';
import { fileRoute, filingPages, type DeadlinesPageFor } from './filings.js';
import { obligationToolPages } from './obligation-tools.js';
import { deliveryPages } from './delivery.js';
import { announcementPages } from './announcement.js';
import { obligationsSvg } from '../obligations/chart.js';
import { noticeBodyOf, noticeFieldsFrom, noticeFieldsOf } from './notice-form.js';
import { csrfTokenOf, endSession, openSession, principalOf, resolveSession, sameToken, type SessionLimits } from './session.js';
import { ContinuePage, MessagePage, SignInPage } from './sign-in.js';
import * as store from './store.js';
import { affectedLink, affectedPages } from './affected.js';
import { consoleUploadLimitBytes, importPages, importsLink, isUploadPath } from './imports.js';
import { adminLinks, adminPages } from './admin.js';

type C = Context<ConsoleEnv>;

const sessionCookie = { secure: '__Host-bk_console', plain: 'bk_console' };
const preCookie = 'bk_console_pre';
const loginCookie = 'bk_console_login';
const langCookie = 'bk_console_lang';

/** A page-level refusal: rendered as a page with this status, never as JSON. */
class PageRefusal extends Error {
  constructor(readonly status: 403 | 404, readonly key: WordKey) {
    super(key);
  }
}

const t = (c: C): Translator => translator(c.var.lang);
const here = (c: C) => {
  const url = new URL(c.req.url);
  return `${url.pathname}${url.search}`;
};
const https = (c: C) => isHttps(c.req.url, c.req.header('x-forwarded-proto'), c.var.services.config.PUBLIC_BASE_URL);
const limitsOf = (c: C): SessionLimits => ({ idleMs: c.var.services.config.CONSOLE_IDLE_MINUTES * 60_000, maxMs: c.var.services.config.CONSOLE_MAX_HOURS * 3_600_000 });
const sessionTokenOf = (c: C) => getCookie(c, sessionCookie.secure) ?? getCookie(c, sessionCookie.plain);
/** Only a path inside the console may be a place to return to. */
const safeNext = (v: unknown) => (typeof v === 'string' && /^\/console(\/[\w\-/.?=&%]*)?$/.test(v) && !v.includes('//') ? v : '/console/incidents');
const html = async (c: C, node: unknown, status: 200 | 400 | 403 | 404 | 409 | 412 | 422 | 429 | 500 = 200) => c.html(`<!DOCTYPE html>${await (node as { toString(): string | Promise<string> }).toString()}`, status);

function setSessionCookie(c: C, token: string, maxAgeSeconds: number): void {
  const secure = https(c);
  setCookie(c, secure ? sessionCookie.secure : sessionCookie.plain, token, { path: '/', httpOnly: true, sameSite: 'Strict', secure, maxAge: maxAgeSeconds });
}

function clearSessionCookies(c: C): void {
  deleteCookie(c, sessionCookie.plain, { path: '/' });
  deleteCookie(c, sessionCookie.secure, { path: '/', secure: true });
}

export function consoleRoutes(api: OpenAPIHono<AppEnv>): Hono<ConsoleEnv> {
  const mayDo = apiPermissions(api);
  let sso: SingleSignOn | null | undefined;
  const singleSignOn = (c: C) => {
    if (sso === undefined) {
      const settings = ssoSettings(c.var.services.config);
      sso = settings ? new SingleSignOn(settings) : null;
    }
    return sso;
  };
  const can = (c: C, operation: ApiOperation) => mayDo(c.var.session.role, operation);
  /** Refuses what the API would refuse this role, before any service runs. */
  const requireApi = (c: C, operation: ApiOperation) => {
    if (!can(c, operation)) throw new PageRefusal(403, 'forbidden');
  };

  const app = new Hono<ConsoleEnv>();
  app.use(securityHeaders);
  app.use(async (c, next) => {
    const asked = c.req.query('lang');
    c.set('lang', pickLang(asked, getCookie(c, langCookie), c.req.header('accept-language')));
    if (asked === c.var.lang) setCookie(c, langCookie, c.var.lang, { path: '/console', sameSite: 'Strict', httpOnly: true, secure: https(c), maxAge: 365 * 86_400 });
    await next();
  });
  const formLimit = bodyLimit({ maxSize: 256 * 1024, onError: (c) => c.text('The form is larger than the console accepts.', 413) });
  // A file upload's form: the file, and a little room for the form's other fields.
  const uploadLimit = bodyLimit({ maxSize: consoleUploadLimitBytes + 64 * 1024, onError: (c) => c.text('The file is larger than the console accepts; import it through the API.', 413) });
  app.use((c, next) => (c.req.method === 'POST' && isUploadPath(c.req.path) ? uploadLimit : formLimit)(c, next));

  app.get('/assets/console.css', (c) => serveAsset(c, consoleCss, 'text/css; charset=utf-8'));
  app.get('/assets/console.js', (c) => serveAsset(c, consoleJs, 'text/javascript; charset=utf-8'));

  // ---- signing in ----

  const signInPage = (c: C, status: 200 | 400 | 403 | 429, opts: { message?: string; problem?: string; next?: string } = {}) => {
    // Before a session exists the form is protected by a double-submitted value: a cookie only this site can set.
    const pre = getCookie(c, preCookie) ?? randomToken(24);
    setCookie(c, preCookie, pre, { path: '/console', httpOnly: true, sameSite: 'Strict', secure: https(c), maxAge: 3600 });
    const next = safeNext(opts.next ?? c.req.query('next'));
    return html(c, <SignInPage t={t(c)} nonce={c.var.nonce} here={here(c)} csrf={pre} next={next} sso={singleSignOn(c) !== null} message={opts.message} problem={opts.problem} />, status);
  };

  // Guessing keys costs time: failed tries are counted per client and per key prefix (one key tried from many addresses).
  let failedSignIns: { client: ClientRateLimit; prefix: ClientRateLimit } | undefined;
  const signInLimits = (c: C, token: string) => {
    const { config, clock } = c.var.services;
    const perMinute = config.CONSOLE_SIGN_IN_PER_MINUTE;
    failedSignIns ??= { client: new ClientRateLimit(perMinute, perMinute, () => clock.now().getTime()), prefix: new ClientRateLimit(perMinute, perMinute, () => clock.now().getTime()) };
    const budgets = [{ limit: failedSignIns.client, key: clientAddress(c, config.CLIENT_IP_HEADER) }, ...(token ? [{ limit: failedSignIns.prefix, key: tokenPrefix(token) }] : [])];
    return budgets.map(({ limit, key }) => ({ peek: () => limit.peek(key), take: () => limit.take(key) }));
  };

  app.get('/sign-in', (c) => {
    const ended = c.req.query('ended');
    const message = ended === 'signed_out' ? t(c)('signedOut') : ended && ['idle', 'expired', 'revoked', 'unknown'].includes(ended) ? t(c)(`ended_${ended}` as WordKey) : undefined;
    return signInPage(c, 200, { message });
  });

  app.post('/sign-in', async (c) => {
    const form = formValues(await c.req.parseBody());
    const pre = getCookie(c, preCookie);
    if (!pre || typeof form.csrf !== 'string' || !sameToken(form.csrf, pre)) return signInPage(c, 403, { message: t(c)('csrf') });
    const { db, clock } = c.var.services;
    const token = typeof form.key === 'string' ? form.key.trim() : '';
    const budgets = signInLimits(c, token);
    const wait = Math.max(...budgets.map((l) => l.peek().retryAfterSeconds));
    if (wait > 0) {
      c.header('retry-after', String(wait));
      return signInPage(c, 429, { problem: t(c)('tooManySignIns', { s: wait }) });
    }
    const key = token ? await findActiveKeyByToken(db, token) : undefined;
    if (!key) {
      for (const b of budgets) b.take();
      return signInPage(c, 400, { problem: t(c)('badKey'), next: String(form.next ?? '') });
    }
    const limits = limitsOf(c);
    const opened = await openSession(db, { keyId: key.id, actorId: key.id, name: key.name, role: key.role, method: 'api_key' }, clock.now(), limits);
    deleteCookie(c, preCookie, { path: '/console' });
    setSessionCookie(c, opened.token, limits.maxMs / 1000);
    return c.redirect(safeNext(form.next), 303);
  });

  app.get('/oidc/start', async (c) => {
    const provider = singleSignOn(c);
    if (!provider) throw new PageRefusal(404, 'notFound');
    const { db, clock } = c.var.services;
    const redirectUri = callbackUrl(c);
    const start = await provider.start(redirectUri);
    const login = randomToken(24);
    await store.insertLogin(db, { id_hash: sha256Hex(`console-login:${login}`), state: start.state, nonce: start.nonce, code_verifier: start.codeVerifier, return_to: safeNext(c.req.query('next')), created_at: clock.now() });
    // Lax, not Strict: the provider sends the browser back with a cross-site navigation.
    setCookie(c, loginCookie, login, { path: '/console/oidc', httpOnly: true, sameSite: 'Lax', secure: https(c), maxAge: 600 });
    return c.redirect(start.url.href, 302);
  });

  app.get('/oidc/callback', async (c) => {
    const provider = singleSignOn(c);
    if (!provider) throw new PageRefusal(404, 'notFound');
    const { db, clock } = c.var.services;
    const cookie = getCookie(c, loginCookie);
    deleteCookie(c, loginCookie, { path: '/console/oidc' });
    const login = cookie ? await store.takeLogin(db, sha256Hex(`console-login:${cookie}`)) : undefined;
    const fail = (detail: string) => html(c, <MessagePage t={t(c)} nonce={c.var.nonce} here={here(c)} title={t(c)('ssoFailed')} message={detail} />, 400);
    if (!login || clock.now().getTime() - login.created_at.getTime() > 600_000) return fail('This sign-in was not started here or took too long; start it again.');
    const error = c.req.query('error');
    if (error) return fail(`The provider answered: ${error}${c.req.query('error_description') ? ` (${c.req.query('error_description')})` : ''}.`);
    const current = new URL(callbackUrl(c));
    current.search = new URL(c.req.url).search;
    let identity;
    try {
      identity = await provider.finish(current, { state: login.state, nonce: login.nonce, codeVerifier: login.code_verifier });
    } catch (err) {
      if (err instanceof SsoRefused) return fail(err.message);
      c.var.logger.warn({ err }, 'single sign-on failed');
      return fail('The provider\'s answer could not be verified; start again.');
    }
    const limits = limitsOf(c);
    const opened = await openSession(db, { keyId: null, actorId: `sso:${identity.subject}`.slice(0, 200), name: identity.name, role: identity.role, method: 'oidc' }, clock.now(), limits);
    setSessionCookie(c, opened.token, limits.maxMs / 1000);
    return html(c, <ContinuePage t={t(c)} nonce={c.var.nonce} here={here(c)} next={login.return_to} />);
  });

  // ---- everything below needs a session, and every POST its CSRF token ----

  app.use(async (c, next) => {
    const token = sessionTokenOf(c);
    const { db, clock } = c.var.services;
    const resolved = token ? await resolveSession(db, token, clock.now(), limitsOf(c)) : ({ ended: 'unknown' } as const);
    if ('ended' in resolved) {
      if (token) clearSessionCookies(c);
      const back = c.req.method === 'GET' ? here(c) : '/console/incidents';
      return c.redirect(`/console/sign-in?ended=${resolved.ended}&next=${encodeURIComponent(back)}`, 303);
    }
    c.set('session', resolved.session);
    c.set('sessionToken', token!);
    c.set('principal', principalOf(resolved.session));
    if (c.req.method === 'POST') {
      const body = await c.req.parseBody({ all: true });
      const sent = body.csrf;
      if (typeof sent !== 'string' || !sameToken(sent, csrfTokenOf(token!))) {
        return html(c, <MessagePage t={t(c)} nonce={c.var.nonce} here={here(c)} title={t(c)('forbidden')} message={t(c)('csrf')} />, 403);
      }
    }
    await next();
  });

  app.onError((err, c) => {
    if (err instanceof PageRefusal || err instanceof NotFoundError || err instanceof NotAllowedError) {
      const status = err instanceof PageRefusal ? err.status : err instanceof NotFoundError ? 404 : 403;
      const message = err instanceof PageRefusal ? t(c)(err.key) : err.message;
      return html(c, <MessagePage t={t(c)} nonce={c.var.nonce} here={here(c)} title={t(c)(status === 404 ? 'notFound' : 'forbidden')} message={message} />, status);
    }
    c.var.logger.error({ err, req_id: c.var.requestId }, 'console error');
    return html(c, <MessagePage t={t(c)} nonce={c.var.nonce} here={here(c)} title="Error" message={`${t(c)('error')} ${c.var.requestId}`} />, 500);
  });

  const csrf = (c: C) => csrfTokenOf(c.var.sessionToken);
  const shell = (c: C) => ({ t: t(c), nonce: c.var.nonce, here: here(c), session: c.var.session, csrf: csrf(c) });

  app.post('/sign-out', async (c) => {
    await endSession(c.var.services.db, c.var.sessionToken);
    clearSessionCookies(c);
    return c.redirect('/console/sign-in?ended=signed_out', 303);
  });

  app.get('/', (c) => c.redirect('/console/incidents', 302));

  // ---- incidents ----

  const listFilter = z.object({
    status: z.array(z.enum(statuses)).catch([]),
    severity: z.array(z.enum(severities)).catch([]),
    drill: z.enum(['true', 'false', '']).catch(''),
  });

  app.get('/incidents', async (c) => {
    requireApi(c, 'GET /v1/incidents');
    const filter: ListFilter = listFilter.parse({ status: c.req.queries('status') ?? [], severity: c.req.queries('severity') ?? [], drill: c.req.query('drill') ?? '' });
    const after = decodeCursor(c.req.query('after'));
    const page = await listIncidents(c.var.services.db, {
      statuses: filter.status.length ? (filter.status as (typeof statuses)[number][]) : undefined,
      severities: filter.severity.length ? (filter.severity as (typeof severities)[number][]) : undefined,
      drill: filter.drill === '' ? undefined : filter.drill === 'true',
      after,
      limit: 50,
    });
    let next: string | null = null;
    if (page.next) {
      const url = new URL(c.req.url);
      url.searchParams.set('after', btoa(JSON.stringify([page.next.created_at.toISOString(), page.next.id])));
      next = `${url.pathname}${url.search}`;
    }
    return html(c, <IncidentListPage {...shell(c)} filter={filter} incidents={page.incidents} next={next} canOpen={can(c, 'POST /v1/incidents')} />);
  });

  app.get('/incidents/new', (c) => {
    requireApi(c, 'POST /v1/incidents');
    return html(c, <NewIncidentPage {...shell(c)} values={{ nature: 'unauthorized_access', severity: 'medium' }} problems={{}} other={[]} />);
  });

  app.post('/incidents', async (c) => {
    requireApi(c, 'POST /v1/incidents');
    const form = formValues(await c.req.parseBody({ all: true }));
    const { db, clock, runbooks } = c.var.services;
    const invalid = (problems: Parameters<typeof placeProblems>[0], status: 400 | 422) => {
      const placed = placeProblems(problems);
      return html(c, <NewIncidentPage {...shell(c)} values={form} problems={placed.byField} other={placed.other} />, status);
    };
    const parsed = createIncidentBody.safeParse(incidentBodyOf(form));
    if (!parsed.success) return invalid(fieldProblems(parsed.error.issues), 400);
    const actor = actorOf(c.var.principal);
    try {
      const now = clock.now();
      const incident = await openIncident(db, parsed.data, actor, now, runbooksOpenedWith(runbooks, parsed.data.nature, actor, now));
      return c.redirect(`/console/incidents/${incident.id}`, 303);
    } catch (err) {
      if (err instanceof InvalidFactsError) return invalid(err.problems, 422);
      throw err;
    }
  });

  const idParam = z.string().max(64).regex(/^inc_[0-9a-z]+$/);
  const incidentId = (c: C) => {
    const parsed = idParam.safeParse(c.req.param('id'));
    if (!parsed.success) throw new PageRefusal(404, 'notFound');
    return parsed.data;
  };

  async function incidentPage(c: C, id: string, extra: Partial<IncidentPageProps> = {}, status: 200 | 400 | 409 | 412 | 422 = 200) {
    const { db, runbooks, clock } = c.var.services;
    const [{ incident, items }, { events, verification }] = await Promise.all([incidentWithChecklist(db, runbooks, id, clock.now()), getTimeline(db, id)]);
    const canChange = can(c, 'PATCH /v1/incidents/{id}');
    const overdue = items.filter((s) => s.overdue);
    const settleable = new Set(can(c, 'POST /v1/incidents/{id}/checklist/{step}') ? overdue.filter((s) => admits(c.var.session.role, [s.role])).map((s) => s.step_id) : []);
    return html(
      c,
      <IncidentPage
        {...shell(c)}
        incident={incident}
        moves={allowedTransitions(incident.status)}
        canChange={canChange}
        overdue={overdue}
        settleable={settleable}
        links={[...affectedLink(t(c), (op) => can(c, op), incident.id), ...importsLink(t(c), (op) => can(c, op)), ...adminLinks(t(c), (op) => can(c, op))]}
        events={events}
        verification={verification}
        values={formValuesOf(incident)}
        problems={{}}
        other={[]}
        {...extra}
      />,
      status,
    );
  }

  app.get('/incidents/:id', async (c) => {
    requireApi(c, 'GET /v1/incidents/{id}');
    const id = incidentId(c);
    return incidentPage(c, id, { saved: c.req.query('saved') === '1' });
  });

  /** Applies a change through the same service as PATCH /v1/incidents/{id}, and shows its refusals on the page. */
  async function change(c: C, id: string, patch: Record<string, unknown>, form: FormValues | null) {
    const { db, clock, transitionGuards } = c.var.services;
    const version = Number(formValues(await c.req.parseBody()).version);
    const parsed = patchIncidentBody.safeParse(patch);
    if (!parsed.success) {
      const placed = placeProblems(fieldProblems(parsed.error.issues));
      return incidentPage(c, id, { values: form ?? undefined, problems: placed.byField, other: placed.other }, 400);
    }
    try {
      if (!Number.isInteger(version) || version < 1) throw new StaleVersionError((await getIncident(db, id)).version);
      await changeIncident(db, id, parsed.data, version, actorOf(c.var.principal), clock.now(), transitionGuards);
      return c.redirect(`/console/incidents/${id}?saved=1`, 303);
    } catch (err) {
      if (err instanceof StaleVersionError) return incidentPage(c, id, { stale: await staleSince(c, id, version, err.current), ...(form ? { values: form } : {}) }, 412);
      if (err instanceof InvalidFactsError) {
        const placed = placeProblems(err.problems);
        return incidentPage(c, id, { values: form ?? undefined, problems: placed.byField, other: placed.other }, 422);
      }
      if (err instanceof InvalidTransitionError || err instanceof ConflictError) return incidentPage(c, id, { refusal: err.message }, 409);
      throw err;
    }
  }

  app.post('/incidents/:id/facts', async (c) => {
    requireApi(c, 'PATCH /v1/incidents/{id}');
    const id = incidentId(c);
    const form = formValues(await c.req.parseBody({ all: true }));
    const current = await getIncident(c.var.services.db, id);
    // Only what the person changed is sent: a field left as shown is not rewritten (nor rounded to the form's precision).
    const changed = changedFields(form, formValuesOf(current));
    return change(c, id, incidentBodyOf(form, changed), form);
  });

  app.post('/incidents/:id/status', async (c) => {
    requireApi(c, 'PATCH /v1/incidents/{id}');
    const id = incidentId(c);
    const form = formValues(await c.req.parseBody());
    return change(c, id, { status: form.status }, null);
  });

  const settleForm = z.object({ action: z.enum(['complete', 'skip']), note: text(2000).transform((v) => v || null) });

  /** Completes or skips a checklist step through the same service as POST …/checklist/{step} (which checks the step's role). */
  app.post('/incidents/:id/checklist/:step', async (c) => {
    requireApi(c, 'POST /v1/incidents/{id}/checklist/{step}');
    const id = incidentId(c);
    const form = formValues(await c.req.parseBody({ all: true }));
    const parsed = settleForm.safeParse({ action: form.action, note: form.note ?? '' });
    if (!parsed.success) return incidentPage(c, id, { refusal: fieldProblems(parsed.error.issues).map((p) => `${p.field}: ${p.message}`).join('; ') }, 400);
    const { db, runbooks, clock } = c.var.services;
    try {
      await settleStep(db, runbooks, id, c.req.param('step'), parsed.data, { ...actorOf(c.var.principal), role: c.var.principal.role }, clock.now());
      return c.redirect(`/console/incidents/${id}?saved=1`, 303);
    } catch (err) {
      if (err instanceof InvalidFactsError) return incidentPage(c, id, { refusal: err.problems.map((p) => `${p.field}: ${p.message}`).join('; ') }, 422);
      if (err instanceof ConflictError) return incidentPage(c, id, { refusal: err.message }, 409);
      throw err;
    }
  });

  async function staleSince(c: C, id: string, read: number, current: number): Promise<Stale> {
    const { events } = await getTimeline(c.var.services.db, id);
    const changes = events
      .filter((e) => e.type === 'incident.updated' && Number(e.data.version) > read)
      .map((e) => ({
        actor: e.actor,
        at: e.at,
        version: Number(e.data.version),
        fields: Object.entries((e.data.changes ?? {}) as Record<string, { from: unknown; to: unknown }>).map(([field, v]) => ({ field, from: v.from, to: v.to })),
      }));
    return { read, current, changes };
  }

  // ---- the notice ----

  const noticeRoute = {
    list: 'GET /v1/incidents/{id}/notices',
    preview: 'POST /v1/incidents/{id}/notices/preview',
    freeze: 'POST /v1/incidents/{id}/notices',
    approve: 'POST /v1/incidents/{id}/notices/{version}/approve',
  } as const satisfies Record<string, ApiOperation>;

  /** Every channel in every language — each one a version is frozen with —, through the same rendering as POST …/notices/preview. */
  async function previewCells(c: C, id: string, content: NoticeContent, frameQuery: string): Promise<PreviewCell[]> {
    const { db, notices } = c.var.services;
    const cells: PreviewCell[] = [];
    for (const channel of noticeChannels) {
      for (const locale of notices.renderer.locales) {
        try {
          const r = await previewNotice(db, notices, id, { content, channel, locale, recipient: null });
          cells.push({ channel, locale, subject: r.subject, text: r.text, sms: r.sms, frameUrl: r.html ? `/console/incidents/${id}/notice/frame/${channel}/${locale}?${frameQuery}` : undefined });
        } catch (err) {
          if (!(err instanceof InvalidFactsError)) throw err;
          cells.push({ channel, locale, problem: err.problems.map((p) => p.message).join('; ') });
        }
      }
    }
    return cells;
  }

  interface NoticeExtra {
    fields?: Record<string, string>;
    problems?: Problems;
    other?: FieldProblem[];
    message?: string;
    refusal?: string;
    version?: number;
  }

  async function noticePage(c: C, id: string, extra: NoticeExtra = {}, status: 200 | 400 | 403 | 409 | 422 = 200) {
    requireApi(c, noticeRoute.list);
    const { db } = c.var.services;
    const principal = c.var.principal;
    const [incident, versions] = await Promise.all([getIncident(db, id), listNotices(db, id)]);
    const canEdit = can(c, noticeRoute.preview);
    const canApprove = can(c, noticeRoute.approve);
    const draft = canEdit ? await store.selectDraft(db, id, principal.keyId) : undefined;
    const shown = extra.version !== undefined ? versions.find((v) => v.version === extra.version) : undefined;
    if (extra.version !== undefined && !shown) throw new NotFoundError('notice version', `${id}/${extra.version}`);
    const latest = versions.at(-1);
    const fields = extra.fields ?? draft ?? (latest ? noticeFieldsFrom(latest.content) : {});
    let source: NoticePageProps['source'] = null;
    let previews: PreviewCell[] = [];
    const draftContent = !shown && draft ? noticeContent.safeParse(noticeBodyOf(draft)) : undefined;
    if (draftContent?.success) {
      source = { kind: 'draft' };
      previews = await previewCells(c, id, draftContent.data, 'source=draft');
    } else if (shown ?? latest) {
      const v = (shown ?? latest)!;
      source = { kind: 'version', version: v.version };
      previews = await previewCells(c, id, v.content, `version=${v.version}`);
    }
    const own = new Set(versions.filter((v) => sameHolder(actorOf(principal), { id: v.drafted_by, name: v.drafted_by_name })).map((v) => v.version));
    const approvable = new Set(canApprove ? versions.filter((v) => v.status === 'awaiting_approval' && !own.has(v.version)).map((v) => v.version) : []);
    return html(
      c,
      <NoticePage
        {...shell(c)}
        incident={incident}
        versions={versions}
        approvable={approvable}
        ownVersions={own}
        canApprove={canApprove}
        source={source}
        previews={previews}
        canEdit={canEdit}
        canFreeze={can(c, noticeRoute.freeze)}
        fields={fields}
        problems={extra.problems ?? {}}
        other={extra.other ?? []}
        message={extra.message}
        refusal={extra.refusal}
      />,
      status,
    );
  }

  app.get('/incidents/:id/notice', async (c) => {
    const id = incidentId(c);
    const version = c.req.query('version');
    const frozen = c.req.query('frozen');
    const approved = c.req.query('approved');
    const message = frozen ? t(c)('frozen', { n: frozen }) : approved ? t(c)('approvedDone', { n: approved }) : undefined;
    return noticePage(c, id, { version: version && /^\d{1,6}$/.test(version) ? Number(version) : undefined, message });
  });

  /** Reads the editor, keeps it as the person's draft, and checks it as the API would. */
  async function postedNotice(c: C, id: string) {
    const fields = noticeFieldsOf(formValues(await c.req.parseBody({ all: true })));
    const { db, clock } = c.var.services;
    await getIncident(db, id);
    await store.upsertDraft(db, id, c.var.principal.keyId, fields, clock.now());
    const parsed = noticeContent.safeParse(noticeBodyOf(fields));
    const invalid = parsed.success ? null : placeNoticeProblems(fieldProblems(parsed.error.issues));
    return { fields, parsed, invalid };
  }

  app.post('/incidents/:id/notice/preview', async (c) => {
    requireApi(c, noticeRoute.preview);
    const id = incidentId(c);
    const { fields, invalid } = await postedNotice(c, id);
    if (invalid) return noticePage(c, id, { fields, ...invalid }, 400);
    return c.redirect(`/console/incidents/${id}/notice#preview`, 303);
  });

  app.post('/incidents/:id/notice/freeze', async (c) => {
    requireApi(c, noticeRoute.freeze);
    const id = incidentId(c);
    const { fields, parsed, invalid } = await postedNotice(c, id);
    if (invalid || !parsed.success) return noticePage(c, id, { fields, ...invalid }, 400);
    const { db, clock, notices } = c.var.services;
    try {
      const row = await freezeNotice(db, notices, id, parsed.data, actorOf(c.var.principal), clock.now());
      await store.deleteDraft(db, id, c.var.principal.keyId);
      return c.redirect(`/console/incidents/${id}/notice?frozen=${row.version}`, 303);
    } catch (err) {
      if (err instanceof InvalidFactsError) return noticePage(c, id, { fields, ...placeNoticeProblems(err.problems) }, 422);
      throw err;
    }
  });

  app.post('/incidents/:id/notice/:version/approve', async (c) => {
    requireApi(c, noticeRoute.approve);
    const id = incidentId(c);
    const version = Number(c.req.param('version'));
    if (!Number.isInteger(version) || version < 1) throw new PageRefusal(404, 'notFound');
    const { db, clock, notices } = c.var.services;
    try {
      await approveNotice(db, id, version, actorOf(c.var.principal), clock.now(), notices.renderer.templatesHash);
      return c.redirect(`/console/incidents/${id}/notice?approved=${version}`, 303);
    } catch (err) {
      if (err instanceof NotAllowedError) return noticePage(c, id, { refusal: err.message }, 403);
      if (err instanceof ConflictError) return noticePage(c, id, { refusal: err.message }, 409);
      throw err;
    }
  });

  /** An HTML rendering (the email, the person's notice page) as a document of its own, for the preview's frame; text-only channels have none. */
  app.get('/incidents/:id/notice/frame/:channel/:locale', async (c) => {
    const id = incidentId(c);
    const channel = z.enum(noticeChannels).safeParse(c.req.param('channel'));
    const locale = c.req.param('locale');
    const { db, notices } = c.var.services;
    if (!channel.success || !notices.renderer.locales.includes(locale)) throw new PageRefusal(404, 'notFound');
    let content: NoticeContent | undefined;
    if (c.req.query('source') === 'draft') {
      requireApi(c, noticeRoute.preview);
      const draft = await store.selectDraft(db, id, c.var.principal.keyId);
      const parsed = draft ? noticeContent.safeParse(noticeBodyOf(draft)) : undefined;
      content = parsed?.success ? parsed.data : undefined;
    } else {
      requireApi(c, noticeRoute.list);
      const version = Number(c.req.query('version'));
      content = Number.isInteger(version) && version > 0 ? (await getNotice(db, id, version)).content : undefined;
    }
    if (!content) throw new PageRefusal(404, 'notFound');
    const rendered = await previewNotice(db, notices, id, { content, channel: channel.data, locale, recipient: null });
    if (!rendered.html) throw new PageRefusal(404, 'notFound');
    return c.html(rendered.html, 200, { 'content-security-policy': framedDocumentPolicy, 'x-frame-options': 'SAMEORIGIN' });
  });

  // ---- deadlines ----

  const deadlinesPage: DeadlinesPageFor = async (c, id, filing, status) => {
    requireApi(c, 'GET /v1/incidents/{id}/obligations');
    const { db, clock } = c.var.services;
    const [incident, evaluation, filings] = await Promise.all([getIncident(db, id), incidentObligations(db, id, clock.now()), listFilings(db, id)]);
    const message = c.req.method === 'GET' && c.req.query('filed') === '1' ? t(c)('filed') : undefined;
    return html(c, <DeadlinesPage {...shell(c)} incident={incident} obligations={evaluation.obligations} filing={{ csrf: csrf(c), filings, canFile: can(c, fileRoute), ...filing }} message={message} />, status);
  };
  app.get('/incidents/:id/deadlines', (c) => deadlinesPage(c, incidentId(c), {}, 200));

  /** The chart of GET …/obligations.svg, for the page's image (an image document of its own: its styles apply, nothing runs). */
  app.get('/incidents/:id/deadlines.svg', async (c) => {
    requireApi(c, 'GET /v1/incidents/{id}/obligations.svg');
    const id = incidentId(c);
    const { db, clock } = c.var.services;
    const now = clock.now();
    const [incident, evaluation] = await Promise.all([getIncident(db, id), incidentObligations(db, id, now)]);
    return c.body(obligationsSvg(incident, evaluation.obligations, now), 200, { 'content-type': 'image/svg+xml; charset=utf-8', 'content-security-policy': framedDocumentPolicy });
  });

  const kit: PageKit = { can, requireApi, shell, html, incidentId };
  affectedPages(app, kit);
  importPages(app, kit);
  adminPages(app, kit);
  filingPages(app, kit, deadlinesPage);
  obligationToolPages(app, kit);
  deliveryPages(app, kit);
  announcementPages(app, kit);

  app.all('*', () => {
    throw new PageRefusal(404, 'notFound');
  });
  return app;
}

/** The API names notice fields by their full path, as the editor does; a rendering refusal names a field too. */
function placeNoticeProblems(problems: readonly FieldProblem[]): { problems: Problems; other: FieldProblem[] } {
  const byField: Problems = {};
  const other: FieldProblem[] = [];
  for (const p of problems) {
    if (/^(locales\.[\w-]+\.\w+|contact\.\w+)$/.test(p.field)) (byField[p.field] ??= []).push(p.message);
    else other.push(p);
  }
  return { problems: byField, other };
}

function serveAsset(c: C, body: string, type: string): Response {
  // Versioned URLs: cached for good; a changed asset gets a new address.
  const versioned = c.req.query('v') === assetVersion;
  return c.body(body, 200, { 'content-type': type, 'cache-control': versioned ? 'public, max-age=31536000, immutable' : 'no-cache' });
}

/** Where the provider sends the browser back: the configured public address, else the address this request came to. */
function callbackUrl(c: C): string {
  const { config } = c.var.services;
  return `${config.PUBLIC_BASE_URL ? publicBaseUrl(config) : new URL(c.req.url).origin}/console/oidc/callback`;
}

function decodeCursor(s: string | undefined): { created_at: Date; id: string } | undefined {
  if (!s) return undefined;
  try {
    const [at, id] = JSON.parse(atob(s)) as [string, string];
    const created_at = new Date(at);
    return typeof id === 'string' && !Number.isNaN(created_at.getTime()) ? { created_at, id } : undefined;
  } catch {
    return undefined;
  }
}
