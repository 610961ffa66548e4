// The deadlines page's tools: what-if over changed facts, report drafts for an authority and the team's determinations,
// each through the same service and with the same roles as its API route.
import type { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import { InvalidFactsError, NotFoundError, type FieldProblem } from '../errors.js';
import { actorOf, fieldProblems } from '../http/openapi.js';
import { getIncident, type Incident } from '../incidents/service.js';
import { determinationBody, whatIfBody } from '../obligations/schema.js';
import { draftReport, incidentObligations, listDeterminations, recordDetermination, whatIfObligations, type ObligationChange } from '../obligations/service.js';
import type { Obligation } from '../obligations/types.js';
import type { ApiOperation } from './api-roles.js';
import type { ConsoleEnv } from './context.js';
import { choiceOf } from './filings.js';
import { formValues, utcFromLocalInput } from './forms.js';
import type { Translator, WordKey } from './i18n.js';
import { OtherProblems } from './incidents.js';
import { IncidentLinks } from './incident-links.js';
import { Csrf, Field, Page, Table, Time, type PageProps, type Problems } from './layout.js';
import type { ConsoleContext, PageKit } from './page-kit.js';

export const toolsRoute = {
  list: 'GET /v1/incidents/{id}/obligations',
  whatIf: 'POST /v1/incidents/{id}/obligations/what-if',
  draft: 'GET /v1/incidents/{id}/obligations/{rule_id}/draft',
  determine: 'PUT /v1/incidents/{id}/obligations/{rule_id}/determination',
} as const satisfies Record<string, ApiOperation>;

type Determination = Awaited<ReturnType<typeof listDeterminations>>[number];

interface ToolsProps extends Omit<PageProps, 'title' | 'children'> {
  t: Translator;
  csrf: string;
  incident: Incident;
  obligations: Obligation[];
  determinations: Determination[];
  locales: readonly string[];
  may: { whatIf: boolean; draft: boolean; determine: boolean };
  /** The form the values and problems belong to. */
  form?: 'whatIf' | 'draft' | 'determine' | undefined;
  values?: Record<string, string> | undefined;
  problems?: Problems | undefined;
  other?: FieldProblem[] | undefined;
  changes?: ObligationChange[] | undefined;
  draft?: { text: string; locale: string } | undefined;
  message?: string | undefined;
}

const Due: FC<{ t: Translator; side: { status: string; due_at: string | null } | null }> = ({ t, side }) =>
  side ? (
    <>
      {t(`ob_${side.status}` as WordKey)}
      {side.due_at && (
        <>
          {' · '}
          <Time at={side.due_at} />
        </>
      )}
    </>
  ) : (
    <>{t('whatIfAbsent')}</>
  );

export const ObligationToolsPage: FC<ToolsProps> = (p) => {
  const { t, incident: i } = p;
  const mine = (form: ToolsProps['form']) => (p.form === form ? { values: p.values ?? {}, problems: p.problems ?? {}, other: p.other ?? [] } : { values: {}, problems: {}, other: [] });
  const w = mine('whatIf');
  const d = mine('draft');
  const m = mine('determine');
  const relevant = p.obligations.filter((o) => o.status !== 'not_applicable');
  const rules = [...new Map(p.obligations.map((o) => [o.rule_id, o])).values()];
  return (
    <Page {...p} title={t('obligationToolsOf', { title: i.title })}>
      <IncidentLinks t={t} incidentId={i.id} title={i.title} />
      {p.message && (
        <p class="notice good" role="status">
          {p.message}
        </p>
      )}
      {p.may.whatIf && (
        <section aria-labelledby="what-if">
          <h2 id="what-if">{t('whatIf')}</h2>
          <p class="muted">{t('whatIfHint')}</p>
          <OtherProblems t={t} problems={w.problems} other={w.other} />
          <form class="stack" method="post" action={`/console/incidents/${i.id}/deadlines/what-if#what-if-result`} novalidate aria-labelledby="what-if">
            <Csrf token={p.csrf} />
            <Field name="encrypted" label={t('whatIfEncrypted')} problems={w.problems}>
              {(a) => (
                <select {...a}>
                  {(['', 'true', 'false', 'unknown'] as const).map((v) => (
                    <option value={v} selected={(w.values.encrypted ?? '') === v}>
                      {t(v === '' ? 'whatIfUnchanged' : v === 'true' ? 'yes' : v === 'false' ? 'no' : 'whatIfUnknown')}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field name="add_affected" label={t('whatIfAddAffected')} hint={t('whatIfAddAffectedHint')} problems={w.problems}>
              {(a) => (
                <textarea {...a} rows={3}>
                  {w.values.add_affected ?? ''}
                </textarea>
              )}
            </Field>
            <Field name="at" label={t('whatIfAt')} hint={t('whatIfAtHint')} problems={w.problems}>
              {(a) => <input type="datetime-local" step={1} {...a} value={w.values.at ?? ''} />}
            </Field>
            <div>
              <button type="submit">{t('whatIfRun')}</button>
            </div>
          </form>
          {p.changes && (
            <div id="what-if-result" data-what-if={p.changes.length}>
              <h3>{t('whatIfResult')}</h3>
              {p.changes.length === 0 ? (
                <p>{t('whatIfNoChange')}</p>
              ) : (
                <Table head={[t('law'), t('whatIfNow'), t('whatIfThen')]}>
                  {p.changes.map((ch) => (
                    <tr data-change={ch.key}>
                      <td>
                        <code>{ch.key}</code>
                      </td>
                      <td>
                        <Due t={t} side={ch.from} />
                      </td>
                      <td>
                        <Due t={t} side={ch.to} />
                      </td>
                    </tr>
                  ))}
                </Table>
              )}
            </div>
          )}
        </section>
      )}
      {p.may.draft && relevant.length > 0 && (
        <section aria-labelledby="draft">
          <h2 id="draft">{t('reportDraft')}</h2>
          <p class="muted">{t('reportDraftHint')}</p>
          <OtherProblems t={t} problems={d.problems} other={d.other} />
          <form class="stack" method="get" action={`/console/incidents/${i.id}/deadlines/draft#draft-text`} aria-labelledby="draft">
            <Field name="obligation" label={t('obligationStage')} problems={d.problems}>
              {(a) => (
                <select {...a}>
                  {relevant.flatMap((o) =>
                    o.stages.map((s) => (
                      <option value={choiceOf(o, s.key)} selected={d.values.obligation === choiceOf(o, s.key)}>
                        {`${o.jurisdiction}${o.target ? ` (${o.target})` : ''} · ${o.law} ${o.article} · ${s.name}`}
                      </option>
                    )),
                  )}
                </select>
              )}
            </Field>
            <Field name="locale" label={t('language')} problems={d.problems}>
              {(a) => (
                <select {...a}>
                  {p.locales.map((l) => (
                    <option value={l} selected={(d.values.locale ?? 'en') === l}>
                      {l}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <div>
              <button type="submit">{t('reportDraftShow')}</button>
            </div>
          </form>
          {p.draft && (
            <pre id="draft-text" class="draft" lang={p.draft.locale} tabindex={0} aria-label={t('reportDraft')} data-draft>
              {p.draft.text}
            </pre>
          )}
        </section>
      )}
      <section aria-labelledby="determinations">
        <h2 id="determinations">{t('determinations')}</h2>
        <p class="muted">{t('determinationsHint')}</p>
        {p.determinations.length === 0 ? (
          <p>{t('noDeterminations')}</p>
        ) : (
          <Table head={[t('law'), t('determinationApplies'), t('note'), t('filedBy'), t('determinedWhen')]}>
            {p.determinations.map((x) => (
              <tr data-determination={x.rule_id}>
                <td>
                  <code>{x.rule_id}</code>
                </td>
                <td>{x.applies ? t('yes') : t('no')}</td>
                <td>{x.note}</td>
                <td>{x.decided_by_name}</td>
                <td>
                  <Time at={x.decided_at} />
                </td>
              </tr>
            ))}
          </Table>
        )}
        {p.may.determine && (
          <>
            <h3 id="record-determination">{t('recordDetermination')}</h3>
            <OtherProblems t={t} problems={m.problems} other={m.other} />
            <form class="stack" method="post" action={`/console/incidents/${i.id}/deadlines/determinations`} novalidate aria-labelledby="record-determination">
              <Csrf token={p.csrf} />
              <Field name="rule_id" label={t('determinationRule')} problems={m.problems}>
                {(a) => (
                  <select {...a}>
                    {rules.map((o) => (
                      <option value={o.rule_id} selected={m.values.rule_id === o.rule_id}>
                        {`${o.jurisdiction} · ${o.law} ${o.article}${o.applicability === 'possible' ? ` · ${t('possiblyApplies')}` : ''}`}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field name="applies" label={t('determinationApplies')} problems={m.problems}>
                {(a) => (
                  <select {...a}>
                    <option value="true" selected={m.values.applies !== 'false'}>
                      {t('yes')}
                    </option>
                    <option value="false" selected={m.values.applies === 'false'}>
                      {t('no')}
                    </option>
                  </select>
                )}
              </Field>
              <Field name="note" label={t('note')} hint={t('determinationNoteHint')} problems={m.problems}>
                {(a) => (
                  <textarea {...a} rows={3}>
                    {m.values.note ?? ''}
                  </textarea>
                )}
              </Field>
              <div>
                <button type="submit">{t('recordDetermination')}</button>
              </div>
            </form>
          </>
        )}
      </section>
    </Page>
  );
};

/** `US-TX 12000` per line into the what-if's people per region; a line that is not that is the field's problem. */
function addAffectedOf(text: string): { counts: Record<string, number>; bad: number[] } {
  const counts: Record<string, number> = {};
  const bad: number[] = [];
  text.split(/\r?\n/).forEach((line, n) => {
    if (!line.trim()) return;
    const m = /^\s*([A-Za-z]{2}(?:-[A-Za-z0-9]{1,3})?)\s*[:=,\s]\s*(-?\d+)\s*$/.exec(line);
    if (m) counts[m[1]!.toUpperCase()] = (counts[m[1]!.toUpperCase()] ?? 0) + Number(m[2]);
    else bad.push(n + 1);
  });
  return { counts, bad };
}

/** API field paths of the what-if onto the form's fields. */
function placeWhatIfProblems(problems: readonly FieldProblem[]): { problems: Problems; other: FieldProblem[] } {
  const byField: Problems = {};
  const other: FieldProblem[] = [];
  for (const p of problems) {
    const name = p.field === 'facts.encrypted' ? 'encrypted' : p.field.startsWith('add_affected') ? 'add_affected' : p.field;
    if (['encrypted', 'add_affected', 'at'].includes(name)) (byField[name] ??= []).push(p.message);
    else other.push(p);
  }
  return { problems: byField, other };
}

const stringsOf = (form: Record<string, unknown>, names: readonly string[]) => Object.fromEntries(names.map((k) => [k, typeof form[k] === 'string' ? form[k] : '']));

export function obligationToolPages(app: Hono<ConsoleEnv>, kit: PageKit): void {
  const { can, requireApi, html, shell, incidentId } = kit;

  const page = async (c: ConsoleContext, id: string, extra: Partial<ToolsProps>, status: 200 | 400 | 404 | 422 = 200) => {
    requireApi(c, toolsRoute.list);
    const { db, clock, drafts } = c.var.services;
    const [incident, evaluation, determinations] = await Promise.all([getIncident(db, id), incidentObligations(db, id, clock.now()), listDeterminations(db, id)]);
    const may = { whatIf: can(c, toolsRoute.whatIf), draft: can(c, toolsRoute.draft), determine: can(c, toolsRoute.determine) };
    return html(c, <ObligationToolsPage {...shell(c)} incident={incident} obligations={evaluation.obligations} determinations={determinations} locales={drafts.locales} may={may} {...extra} />, status);
  };

  app.get('/incidents/:id/deadlines/tools', (c) => {
    const t = shell(c).t;
    return page(c, incidentId(c), { message: c.req.query('determined') === '1' ? t('determined') : undefined });
  });

  /** The obligations under changed facts, saved nowhere, as POST …/obligations/what-if computes them. */
  app.post('/incidents/:id/deadlines/what-if', async (c) => {
    requireApi(c, toolsRoute.whatIf);
    const id = incidentId(c);
    const { db, clock } = c.var.services;
    const t = shell(c).t;
    const values = stringsOf(formValues(await c.req.parseBody()), ['encrypted', 'add_affected', 'at']);
    const added = addAffectedOf(values.add_affected!);
    if (added.bad.length) return page(c, id, { form: 'whatIf', values, problems: { add_affected: [t('whatIfBadLines', { lines: added.bad.join(', ') })] } }, 400);
    const encrypted = { true: true, false: false, unknown: null }[values.encrypted as 'true' | 'false' | 'unknown'];
    const at = utcFromLocalInput(values.at!.trim());
    const parsed = whatIfBody.safeParse({ facts: encrypted === undefined ? {} : { encrypted }, add_affected: added.counts, ...(at ? { at } : {}) });
    if (!parsed.success) return page(c, id, { form: 'whatIf', values, ...placeWhatIfProblems(fieldProblems(parsed.error.issues)) }, 400);
    try {
      const e = await whatIfObligations(db, id, parsed.data, clock.now());
      return page(c, id, { form: 'whatIf', values, changes: e.changes });
    } catch (err) {
      if (err instanceof InvalidFactsError) return page(c, id, { form: 'whatIf', values, ...placeWhatIfProblems(err.problems) }, 422);
      throw err;
    }
  });

  /** The report draft of GET …/obligations/{rule_id}/draft, shown on the page. */
  app.get('/incidents/:id/deadlines/draft', async (c) => {
    requireApi(c, toolsRoute.draft);
    const id = incidentId(c);
    const { db, clock, drafts } = c.var.services;
    const values = { obligation: c.req.query('obligation') ?? '', locale: c.req.query('locale') ?? 'en' };
    const [ruleId = '', target = '', stage = ''] = values.obligation.split('|');
    try {
      const r = await draftReport(db, id, ruleId, { locale: values.locale, stage: stage || undefined, target: target || undefined }, drafts, clock.now());
      return await page(c, id, { form: 'draft', values, draft: { text: r.text, locale: values.locale } });
    } catch (err) {
      const problems: Problems = {};
      if (err instanceof InvalidFactsError) for (const p of err.problems) (problems[p.field === 'query.locale' ? 'locale' : 'obligation'] ??= []).push(p.message);
      else if (err instanceof NotFoundError && err.resource === 'rule') problems.obligation = [err.message];
      else throw err;
      return page(c, id, { form: 'draft', values, problems }, err instanceof InvalidFactsError ? 422 : 404);
    }
  });

  /** The team's conclusion on a rule, through the same service as PUT …/obligations/{rule_id}/determination. */
  app.post('/incidents/:id/deadlines/determinations', async (c) => {
    requireApi(c, toolsRoute.determine);
    const id = incidentId(c);
    const { db, clock } = c.var.services;
    const values = stringsOf(formValues(await c.req.parseBody()), ['rule_id', 'applies', 'note']);
    const parsed = determinationBody.safeParse({ applies: values.applies === 'true', note: values.note!.trim() });
    if (!parsed.success) {
      const problems: Problems = {};
      const other: FieldProblem[] = [];
      for (const p of fieldProblems(parsed.error.issues)) if (p.field === 'note' || p.field === 'applies') (problems[p.field] ??= []).push(p.message);
      else other.push(p);
      return page(c, id, { form: 'determine', values, problems, other }, 400);
    }
    try {
      await recordDetermination(db, id, values.rule_id!, parsed.data, actorOf(c.var.principal), clock.now());
    } catch (err) {
      if (err instanceof NotFoundError && err.resource === 'rule') return page(c, id, { form: 'determine', values, problems: { rule_id: [err.message] } }, 404);
      throw err;
    }
    return c.redirect(`/console/incidents/${id}/deadlines/tools?determined=1#determinations`, 303);
  });
}
