// The affected people page: the scope editor, include/exclude lists, resolving, totals, recipients, snapshot versions and their diff, CSV.
import type { Context, Hono } from 'hono';
import type { FC } from 'hono/jsx';
import { actorOf, fieldProblems } from '../http/openapi.js';
import { InvalidFactsError, NotFoundError, type FieldProblem } from '../errors.js';
import { accountStatuses, scopeBody } from '../affected/schema.js';
import { affectedCsv, affectedCsvHeaders, currentSnapshot, diffSnapshotVersions, getScope, listSnapshots, pagePeople, parseIdList, replaceScopeList, resolveSnapshot, setScope, type AffectedPersonRow, type SnapshotDiff, type SnapshotRow } from '../affected/service.js';
import { dataCategories } from '../incidents/vocabulary.js';
import { snapshotReach } from '../delivery/reach.js';
import { getIncident, type Incident } from '../incidents/service.js';
import type { Scope } from '../affected/schema.js';
import type { ApiOperation } from './api-roles.js';
import type { ConsoleEnv } from './context.js';
import { formValues } from './forms.js';
import type { Translator } from './i18n.js';
import { OtherProblems } from './incidents.js';
import { Csrf, Field, Page, Table, Time, type PageProps, type Problems, Outcome } from './layout.js';
import type { PageKit, PageLink } from './page-kit.js';
import { placeScopeProblems, scopeBodyOf, scopeValuesOf, type ScopeField, type ScopeValues } from './scope-form.js';

type C = Context<ConsoleEnv>;

export const affectedRoute = {
  page: 'GET /v1/incidents/{id}/affected',
  scope: 'GET /v1/incidents/{id}/scope',
  setScope: 'PUT /v1/incidents/{id}/scope',
  list: 'PUT /v1/incidents/{id}/scope/lists/{list}',
  resolve: 'POST /v1/incidents/{id}/affected',
  people: 'GET /v1/incidents/{id}/affected/users',
  csv: 'GET /v1/incidents/{id}/affected.csv',
} as const satisfies Record<string, ApiOperation>;

const pageSize = 50;
/** Ids of a diff shown to those who may see the people at all. */
const diffSample = 50;

interface AffectedPageProps extends Omit<PageProps, 'title' | 'children'> {
  t: Translator;
  csrf: string;
  incident: Incident;
  scope: { scope: Scope; lists: { include: number; exclude: number } } | undefined;
  snapshots: SnapshotRow[];
  people: { rows: AffectedPersonRow[]; next: string | null; paged: boolean } | null;
  diff: SnapshotDiff | null;
  may: { setScope: boolean; list: boolean; resolve: boolean; people: boolean; csv: boolean };
  values: ScopeValues;
  problems: Problems;
  other: FieldProblem[];
  listProblem?: string | undefined;
  message?: string | undefined;
  refusal?: string | undefined;
}

const counted = (t: Translator, head: string, entries: Record<string, number>) => (
  <Table head={[head, t('people')]}>
    {Object.entries(entries)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, n]) => (
        <tr>
          <td>{k}</td>
          <td>{n}</td>
        </tr>
      ))}
  </Table>
);

/** A group of checkboxes with its problem in place. */
const Checks: FC<{ name: ScopeField; legend: string; options: readonly { value: string; label: string }[]; chosen: string[]; problems: Problems }> = ({ name, legend, options, chosen, problems }) => (
  <fieldset class="checks" aria-describedby={problems[name] ? `f-${name}-problem` : undefined}>
    <legend>{legend}</legend>
    {problems[name] && (
      <span class="problem" id={`f-${name}-problem`}>
        {problems[name].join('; ')}
      </span>
    )}
    {options.map((o) => (
      <label>
        <input type="checkbox" name={name} value={o.value} checked={chosen.includes(o.value)} /> {o.label}
      </label>
    ))}
  </fieldset>
);

const ScopeForm: FC<{ t: Translator; csrf: string; id: string; values: ScopeValues; problems: Problems }> = ({ t, csrf, id, values, problems }) => {
  const v = (f: ScopeField) => {
    const x = values[f];
    return Array.isArray(x) ? x.join('\n') : (x ?? '');
  };
  const chosen = (f: ScopeField) => {
    const x = values[f];
    return Array.isArray(x) ? x : x ? [x] : [];
  };
  return (
    <form class="stack" method="post" action={`/console/incidents/${id}/affected/scope`} novalidate aria-labelledby="scope">
      <Csrf token={csrf} />
      <Checks name="data_categories" legend={t('dataCategories')} options={dataCategories.map((d) => ({ value: d, label: d.replace(/_/g, ' ') }))} chosen={chosen('data_categories')} problems={problems} />
      <Field name="systems" label={t('systems')} hint={t('listHint')} problems={problems}>
        {(a) => (
          <textarea {...a} rows={2}>
            {v('systems')}
          </textarea>
        )}
      </Field>
      <Field name="regions" label={t('regions')} hint={`${t('regionsHint')} ${t('regionsEverywhere')}`} problems={problems}>
        {(a) => <input type="text" {...a} value={v('regions')} />}
      </Field>
      <Field name="window_from" label={t('windowFrom')} hint={t('windowHint')} problems={problems}>
        {(a) => <input type="datetime-local" step={1} {...a} value={v('window_from')} />}
      </Field>
      <Field name="window_to" label={t('windowTo')} hint={t('windowHint')} problems={problems}>
        {(a) => <input type="datetime-local" step={1} {...a} value={v('window_to')} />}
      </Field>
      <Checks name="account_statuses" legend={t('accountStatuses')} options={accountStatuses.map((s) => ({ value: s, label: t(`acct_${s}`) }))} chosen={chosen('account_statuses')} problems={problems} />
      {(['include_ids', 'exclude_ids'] as const).map((f) => (
        <Field name={f} label={t(f === 'include_ids' ? 'includeIds' : 'excludeIds')} hint={t('idsHint')} problems={problems}>
          {(a) => (
            <textarea {...a} rows={3}>
              {v(f)}
            </textarea>
          )}
        </Field>
      ))}
      <div>
        <button type="submit">{t('saveScope')}</button>
      </div>
    </form>
  );
};

const ScopeFacts: FC<{ t: Translator; scope: Scope }> = ({ t, scope }) => (
  <dl class="facts">
    <dt>{t('dataCategories')}</dt>
    <dd>{scope.data_categories.join(', ') || '—'}</dd>
    <dt>{t('systems')}</dt>
    <dd>{scope.systems.join(', ') || '—'}</dd>
    <dt>{t('regions')}</dt>
    <dd>{scope.regions.join(', ') || t('regionsEverywhere')}</dd>
    <dt>{t('windowFrom')}</dt>
    <dd>
      <Time at={scope.window?.from ?? null} />
    </dd>
    <dt>{t('windowTo')}</dt>
    <dd>
      <Time at={scope.window?.to ?? null} />
    </dd>
    <dt>{t('accountStatuses')}</dt>
    <dd>{scope.account_statuses.map((s) => t(`acct_${s}`)).join(', ')}</dd>
    <dt>{t('includeIds')}</dt>
    <dd>{scope.include_ids.length}</dd>
    <dt>{t('excludeIds')}</dt>
    <dd>{scope.exclude_ids.length}</dd>
  </dl>
);

const Contact: FC<{ p: AffectedPersonRow }> = ({ p }) => {
  const address = p.postal_address ? Object.values(p.postal_address).filter((x) => typeof x === 'string' && x).join(', ') : '';
  return (
    <>
      {[p.email, p.phone, address].filter(Boolean).map((x) => (
        <div>{x}</div>
      ))}
    </>
  );
};

const AffectedPage: FC<AffectedPageProps> = (p) => {
  const { t, incident: i } = p;
  const current = p.snapshots.at(-1);
  const s = current?.summary;
  return (
    <Page {...p} title={t('affectedOf', { title: i.title })}>
      <nav aria-label={t('incidents')}>
        <ul class="moves">
          <li>
            <a href={`/console/incidents/${i.id}`}>{i.title}</a>
          </li>
        </ul>
      </nav>
      <Outcome message={p.message} refusal={p.refusal} />
      <h2 id="scope">{t('scope')}</h2>
      <p class="muted">{t('scopeHint')}</p>
      {p.may.setScope ? (
        <>
          <OtherProblems t={t} problems={p.problems} other={p.other} />
          <ScopeForm t={t} csrf={p.csrf} id={i.id} values={p.values} problems={p.problems} />
        </>
      ) : p.scope ? (
        <ScopeFacts t={t} scope={p.scope.scope} />
      ) : (
        <p>{t('noScope')}</p>
      )}
      <h2 id="lists">{t('lists')}</h2>
      <p>{t('listSizes', { include: p.scope?.lists.include ?? 0, exclude: p.scope?.lists.exclude ?? 0 })}</p>
      {p.may.list && (
        <form class="inline" method="post" action={`/console/incidents/${i.id}/affected/lists`} enctype="multipart/form-data" aria-labelledby="lists">
          <Csrf token={p.csrf} />
          <Field name="list" label={t('list')} problems={{}}>
            {(a) => (
              <select {...a}>
                <option value="include">{t('list_include')}</option>
                <option value="exclude">{t('list_exclude')}</option>
              </select>
            )}
          </Field>
          <Field name="file" label={t('listFile')} problems={p.listProblem ? { file: [p.listProblem] } : {}}>
            {(a) => <input type="file" {...a} accept=".txt,.csv,text/plain,text/csv" />}
          </Field>
          <button type="submit">{t('uploadList')}</button>
        </form>
      )}
      {p.may.resolve && (
        <form class="inline" method="post" action={`/console/incidents/${i.id}/affected/resolve`}>
          <Csrf token={p.csrf} />
          <p class="muted">{t('resolveHint')}</p>
          <button type="submit">{t('resolve')}</button>
        </form>
      )}
      <h2>{t('snapshot')}</h2>
      {!current || !s ? (
        <p>{t('noSnapshot')}</p>
      ) : (
        <>
          <p>
            {t('snapshotLine', { v: current.version, n: current.row_count })} <Time at={current.created_at} /> ({current.created_by})
          </p>
          <p>
            {t('contentHash')}: <span class="hash">{current.content_hash}</span>
          </p>
          {p.may.csv && (
            <p>
              <a href={`/console/incidents/${i.id}/affected.csv`} download>
                {t('downloadCsv')}
              </a>
            </p>
          )}
          <h3>{t('totals')}</h3>
          <dl class="facts">
            <dt>{t('total')}</dt>
            <dd data-total>{s.total}</dd>
            <dt>{t('minors')}</dt>
            <dd>{s.minors}</dd>
            <dt>{t('minorsWithoutGuardian')}</dt>
            <dd>{s.minors_without_guardian}</dd>
            <dt>{t('deletedAccounts')}</dt>
            <dd>{s.deleted_accounts}</dd>
            <dt>{t('announcementOnly')}</dt>
            <dd>{s.announcement_only}</dd>
            <dt>{t('fromIncludeList')}</dt>
            <dd>{s.from_include_list}</dd>
          </dl>
          <h3>{t('byJurisdiction')}</h3>
          <div data-by-jurisdiction>{counted(t, t('jurisdiction'), s.by_jurisdiction)}</div>
          <h3>{t('byChannel')}</h3>
          {counted(t, t('channels'), s.by_channel)}
        </>
      )}
      <h2 id="recipients">{t('recipients')}</h2>
      {!p.people ? (
        <p>{current ? t('recipientsHidden') : t('noSnapshot')}</p>
      ) : p.people.rows.length === 0 ? (
        <p>{t('noRecipients')}</p>
      ) : (
        <>
          <Table head={[t('externalId'), t('jurisdiction'), t('recipient'), t('channels'), t('contactDetails'), t('reasons')]}>
            {p.people.rows.map((r) => (
              <tr data-person={r.external_id}>
                <td>
                  <code>{r.external_id}</code>
                </td>
                <td>{r.jurisdiction ?? '—'}</td>
                <td>
                  {t(`recipient_${r.recipient}`)}
                  {r.recipient_name ? `: ${r.recipient_name}` : ''}
                  {r.guardian_missing && <div class="problem">{t('minorsWithoutGuardian')}</div>}
                </td>
                <td>{r.channels.length ? r.channels.join(' → ') : t('announcementOnly')}</td>
                <td>
                  <Contact p={r} />
                </td>
                <td>{[...r.matched_categories, ...r.matched_systems, ...(r.included_by_list ? [t('includedByList')] : [])].join(', ')}</td>
              </tr>
            ))}
          </Table>
          <p class="moves">
            {p.people.paged && <a href={`/console/incidents/${i.id}/affected#recipients`}>{t('firstPage')}</a>}
            {p.people.next && <a href={`/console/incidents/${i.id}/affected?after=${encodeURIComponent(p.people.next)}#recipients`}>{t('nextPage')}</a>}
          </p>
        </>
      )}
      <h2 id="versions">{t('snapshotVersions')}</h2>
      {p.snapshots.length === 0 ? (
        <p>{t('noSnapshot')}</p>
      ) : (
        <>
          <Table head={[t('version'), t('frozenAt'), t('actor'), t('rows'), t('contentHash')]}>
            {[...p.snapshots].reverse().map((v) => (
              <tr>
                <td>{v.version}</td>
                <td>
                  <Time at={v.created_at} />
                </td>
                <td>{v.created_by}</td>
                <td>{v.row_count}</td>
                <td>
                  <span class="hash">{v.content_hash.slice(0, 16)}</span>
                </td>
              </tr>
            ))}
          </Table>
          {p.snapshots.length > 1 && (
            <form class="inline" method="get" action={`/console/incidents/${i.id}/affected#versions`} aria-label={t('compare')}>
              {(['from', 'to'] as const).map((side) => (
                <div class="field">
                  <label for={`f-diff-${side}`}>{t(side === 'from' ? 'compareFrom' : 'compareTo')}</label>
                  <select id={`f-diff-${side}`} name={side}>
                    {p.snapshots.map((v) => (
                      <option value={String(v.version)} selected={(side === 'from' ? p.diff?.from : p.diff?.to) === v.version}>
                        {v.version}
                      </option>
                    ))}
                  </select>
                </div>
              ))}
              <button type="submit">{t('compare')}</button>
            </form>
          )}
          {p.diff && (
            <div data-diff>
              <p>{t('diffLine', { from: p.diff.from, to: p.diff.to, added: p.diff.added, removed: p.diff.removed })}</p>
              {p.may.people &&
                (['added', 'removed'] as const).map((side) => {
                  const ids = side === 'added' ? p.diff!.added_ids : p.diff!.removed_ids;
                  const all = side === 'added' ? p.diff!.added : p.diff!.removed;
                  return ids.length === 0 ? null : (
                    <p>
                      {t(side)}: {ids.map((x) => <code>{`${x} `}</code>)}
                      {all > ids.length && t('moreNotShown', { n: all - ids.length })}
                    </p>
                  );
                })}
            </div>
          )}
        </>
      )}
    </Page>
  );
};

export function affectedLink(t: Translator, can: (operation: ApiOperation) => boolean, incidentId: string): PageLink[] {
  return can(affectedRoute.page) ? [{ href: `/console/incidents/${incidentId}/affected`, label: t('affected') }] : [];
}

const versionParam = (v: string | undefined) => (v && /^\d{1,6}$/.test(v) ? Number(v) : undefined);

export function affectedPages(app: Hono<ConsoleEnv>, kit: PageKit): void {
  const { can, requireApi, html, incidentId } = kit;
  const tr = (c: C) => kit.shell(c).t;

  interface Extra {
    values?: ScopeValues;
    problems?: Problems;
    other?: FieldProblem[];
    listProblem?: string;
    message?: string;
    refusal?: string;
  }

  async function page(c: C, id: string, extra: Extra = {}, status: 200 | 400 | 409 | 422 = 200) {
    requireApi(c, affectedRoute.page);
    const { db } = c.var.services;
    const may = {
      setScope: can(c, affectedRoute.setScope),
      list: can(c, affectedRoute.list),
      resolve: can(c, affectedRoute.resolve),
      people: can(c, affectedRoute.people),
      csv: can(c, affectedRoute.csv),
    };
    const [incident, scope, snapshots] = await Promise.all([getIncident(db, id), can(c, affectedRoute.scope) ? getScope(db, id) : undefined, listSnapshots(db, id)]);
    const newest = snapshots.at(-1);
    // The totals show the counts of reach the API's snapshot route gives, not the contact-details count frozen at resolve time.
    const current = newest && {
      ...newest,
      summary: { ...newest.summary, announcement_only: (await snapshotReach(db, { incidentId: id, snapshotId: newest.id, channelOrder: c.var.services.config.DELIVERY_CHANNEL_ORDER })).announcement_only },
    };
    if (current) snapshots[snapshots.length - 1] = current;
    let people: AffectedPersonRow[] | null = null;
    const after = c.req.query('after')?.slice(0, 300) ?? null;
    if (current && may.people) people = await pagePeople(db, current.id, after, pageSize + 1);
    const from = versionParam(c.req.query('from'));
    const to = versionParam(c.req.query('to'));
    let diff: SnapshotDiff | null = null;
    if (from !== undefined && to !== undefined) diff = await diffSnapshotVersions(db, id, from, to, may.people ? diffSample : 0);
    else if (snapshots.length > 1) diff = await diffSnapshotVersions(db, id, snapshots.at(-2)!.version, current!.version, may.people ? diffSample : 0);
    return html(
      c,
      <AffectedPage
        {...kit.shell(c)}
        incident={incident}
        scope={scope}
        snapshots={snapshots}
        people={people && { rows: people.slice(0, pageSize), next: people.length > pageSize ? people[pageSize - 1]!.external_id : null, paged: after !== null }}
        diff={diff}
        may={may}
        values={extra.values ?? scopeValuesOf(scope?.scope)}
        problems={extra.problems ?? {}}
        other={extra.other ?? []}
        listProblem={extra.listProblem}
        message={extra.message}
        refusal={extra.refusal}
      />,
      status,
    );
  }

  const done: Record<string, (t: Translator, q: (k: string) => string | undefined) => string | undefined> = {
    scope: (t) => t('scopeSaved'),
    list: (t, q) => t('listUploaded', { list: t(q('list') === 'exclude' ? 'list_exclude' : 'list_include'), n: q('n') ?? '0' }),
    resolved: (t, q) => t('resolved', { n: q('v') ?? '' }),
  };

  app.get('/incidents/:id/affected', async (c) => {
    const id = incidentId(c);
    const saved = c.req.query('saved');
    return page(c, id, { message: saved && done[saved] ? done[saved](tr(c), (k) => c.req.query(k)) : undefined });
  });

  /** Sets the scope through the same schema and service as PUT /v1/incidents/{id}/scope. */
  app.post('/incidents/:id/affected/scope', async (c) => {
    requireApi(c, affectedRoute.setScope);
    const id = incidentId(c);
    const form = formValues(await c.req.parseBody({ all: true })) as ScopeValues;
    const invalid = (problems: readonly FieldProblem[], status: 400 | 422) => {
      const placed = placeScopeProblems(problems);
      return page(c, id, { values: form, problems: placed.byField, other: placed.other }, status);
    };
    const parsed = scopeBody.safeParse(scopeBodyOf(form));
    if (!parsed.success) return invalid(fieldProblems(parsed.error.issues), 400);
    const { db, clock } = c.var.services;
    try {
      await setScope(db, id, parsed.data, actorOf(c.var.principal), clock.now());
    } catch (err) {
      if (err instanceof InvalidFactsError) return invalid(err.problems, 422);
      throw err;
    }
    return c.redirect(`/console/incidents/${id}/affected?saved=scope`, 303);
  });

  /** Replaces the include or exclude list, as PUT /v1/incidents/{id}/scope/lists/{list} does with its body. */
  app.post('/incidents/:id/affected/lists', async (c) => {
    requireApi(c, affectedRoute.list);
    const id = incidentId(c);
    const body = await c.req.parseBody({ all: true });
    const list = body.list === 'exclude' ? 'exclude' : 'include';
    const file = body.file;
    const t = tr(c);
    if (!(file instanceof File) || file.size === 0) return page(c, id, { listProblem: file instanceof File ? t('fileEmpty') : t('noFile') }, 400);
    const { ids, tooLong } = parseIdList(await file.text());
    if (tooLong !== null) return page(c, id, { listProblem: `#${tooLong}: an id longer than 200 characters` }, 400);
    const { db, clock } = c.var.services;
    const n = await replaceScopeList(db, id, list, ids, actorOf(c.var.principal), clock.now());
    return c.redirect(`/console/incidents/${id}/affected?saved=list&list=${list}&n=${n}`, 303);
  });

  app.post('/incidents/:id/affected/resolve', async (c) => {
    requireApi(c, affectedRoute.resolve);
    const id = incidentId(c);
    const { db, clock } = c.var.services;
    try {
      const snap = await resolveSnapshot(db, id, actorOf(c.var.principal), clock.now());
      return c.redirect(`/console/incidents/${id}/affected?saved=resolved&v=${snap.version}`, 303);
    } catch (err) {
      // The incident exists (checked first): what is missing is its scope.
      if (err instanceof NotFoundError && err.resource === 'scope of incident') return page(c, id, { refusal: tr(c)('needScopeFirst') }, 409);
      throw err;
    }
  });

  /** The CSV of GET /v1/incidents/{id}/affected.csv. */
  app.get('/incidents/:id/affected.csv', async (c) => {
    requireApi(c, affectedRoute.csv);
    const { db } = c.var.services;
    const snap = await currentSnapshot(db, incidentId(c));
    return c.body(affectedCsv(db, snap, c.var.services.config.DELIVERY_CHANNEL_ORDER), 200, affectedCsvHeaders(snap));
  });
}
