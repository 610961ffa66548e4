// Filings on the deadlines page: those recorded, and the form to record one through the same service as POST …/filings.
import type { FC } from 'hono/jsx';
import type { Hono } from 'hono';
import { actorOf, fieldProblems } from '../http/openapi.js';
import { InvalidFactsError, NotFoundError, type FieldProblem } from '../errors.js';
import { filingBody } from '../obligations/schema.js';
import { recordFiling, type FilingRow } from '../obligations/service.js';
import type { Obligation } from '../obligations/types.js';
import { getIncident } from '../incidents/service.js';
import { Csrf, Table, Time, type Problems } from './layout.js';
import type { Translator } from './i18n.js';
import type { ConsoleEnv } from './context.js';
import type { PageKit } from './page-kit.js';
import { formValues, utcFromLocalInput } from './forms.js';
import { OtherProblems } from './incidents.js';

export const fileRoute = 'POST /v1/incidents/{id}/obligations/{rule_id}/filings';

export interface FilingsProps {
  t: Translator;
  csrf: string;
  incidentId: string;
  obligations: Obligation[];
  filings: FilingRow[];
  canFile: boolean;
  values?: Record<string, string> | undefined;
  problems?: Problems | undefined;
  other?: FieldProblem[] | undefined;
}

/** One choice per obligation and stage: `rule|target|stage`. */
export const choiceOf = (o: Pick<Obligation, 'rule_id' | 'target'>, stage: string) => `${o.rule_id}|${o.target ?? ''}|${stage}`;

export const FilingsSection: FC<FilingsProps> = (p) => {
  const { t } = p;
  const problems = p.problems ?? {};
  const values = p.values ?? {};
  const field = (name: string) => ({ id: `f-${name}`, name, 'aria-invalid': problems[name] ? 'true' : undefined, 'aria-describedby': problems[name] ? `f-${name}-problem` : undefined });
  const problemOf = (name: string) =>
    problems[name] && (
      <span class="problem" id={`f-${name}-problem`}>
        {problems[name].join('; ')}
      </span>
    );
  return (
    <>
      <h2 id="filings">{t('filings')}</h2>
      {p.filings.length === 0 ? (
        <p>{t('noFilings')}</p>
      ) : (
        <Table head={[t('law'), t('filedWhen'), t('filedBy'), t('reference'), t('onTime')]}>
          {p.filings.map((f) => (
            <tr data-filing={f.id}>
              <td>
                <code>{f.rule_id}</code> {f.target ? `(${f.target}) ` : ''}
                {f.stage}
              </td>
              <td>
                <Time at={f.filed_at} />
              </td>
              <td>{f.filed_by_name}</td>
              <td>{f.reference ?? '—'}</td>
              <td>{f.on_time === null ? '—' : f.on_time ? t('yes') : t('late')}</td>
            </tr>
          ))}
        </Table>
      )}
      {p.canFile && p.obligations.length > 0 && (
        <>
          <h3 id="record-filing">{t('recordFiling')}</h3>
          <OtherProblems t={t} problems={problems} other={p.other ?? []} />
          <form class="stack" method="post" action={`/console/incidents/${p.incidentId}/deadlines/filings`} novalidate aria-labelledby="record-filing">
            <Csrf token={p.csrf} />
            <div class="field">
              <label for="f-obligation">{t('obligationStage')}</label>
              {problemOf('obligation')}
              <select {...field('obligation')}>
                {p.obligations.flatMap((o) =>
                  o.stages.map((s) => (
                    <option value={choiceOf(o, s.key)} selected={values.obligation === choiceOf(o, s.key)}>
                      {`${o.jurisdiction}${o.target ? ` (${o.target})` : ''} · ${o.law} ${o.article} · ${s.name}`}
                    </option>
                  )),
                )}
              </select>
            </div>
            <div class="field">
              <label for="f-filed_at">{t('filedAt')}</label>
              <span class="hint" id="f-filed_at-hint">
                {t('filedAtHint')}
              </span>
              {problemOf('filed_at')}
              <input type="datetime-local" step="1" {...field('filed_at')} aria-describedby={['f-filed_at-hint', problems.filed_at ? 'f-filed_at-problem' : ''].filter(Boolean).join(' ')} value={values.filed_at ?? ''} />
            </div>
            <div class="field">
              <label for="f-reference">{t('reference')}</label>
              {problemOf('reference')}
              <input type="text" maxlength={200} {...field('reference')} value={values.reference ?? ''} />
            </div>
            <div class="field">
              <label for="f-note">{t('note')}</label>
              {problemOf('note')}
              <textarea rows={3} {...field('note')}>
                {values.note ?? ''}
              </textarea>
            </div>
            <div>
              <button type="submit">{t('recordFiling')}</button>
            </div>
          </form>
        </>
      )}
    </>
  );
};

/** Field problems by the form's names: the stage and target are both chosen in `obligation`. */
function placeFilingProblems(problems: readonly FieldProblem[]): { problems: Problems; other: FieldProblem[] } {
  const byField: Problems = {};
  const other: FieldProblem[] = [];
  for (const p of problems) {
    const name = p.field === 'stage' || p.field === 'target' ? 'obligation' : p.field;
    if (['obligation', 'filed_at', 'reference', 'note'].includes(name)) (byField[name] ??= []).push(p.message);
    else other.push(p);
  }
  return { problems: byField, other };
}

export type DeadlinesPageFor = (c: Parameters<PageKit['html']>[0], id: string, filing: Pick<FilingsProps, 'values' | 'problems' | 'other'>, status: 200 | 400 | 404 | 422) => Promise<Response>;

export function filingPages(app: Hono<ConsoleEnv>, kit: PageKit, deadlinesPage: DeadlinesPageFor): void {
  app.post('/incidents/:id/deadlines/filings', async (c) => {
    kit.requireApi(c, fileRoute);
    const id = kit.incidentId(c);
    const { db, clock } = c.var.services;
    await getIncident(db, id);
    const form = formValues(await c.req.parseBody());
    const values = Object.fromEntries(['obligation', 'filed_at', 'reference', 'note'].map((k) => [k, typeof form[k] === 'string' ? form[k] : '']));
    const [ruleId = '', target = '', stage = ''] = values.obligation!.split('|');
    const filedAt = utcFromLocalInput(values.filed_at!.trim());
    const parsed = filingBody.safeParse({
      stage,
      target: target || null,
      ...(filedAt ? { filed_at: filedAt } : {}),
      reference: values.reference!.trim() || null,
      note: values.note!.trim() || null,
    });
    if (!parsed.success) return deadlinesPage(c, id, { values, ...placeFilingProblems(fieldProblems(parsed.error.issues)) }, 400);
    const now = clock.now();
    try {
      await recordFiling(db, id, ruleId, { ...parsed.data, filed_at: parsed.data.filed_at ?? now }, actorOf(c.var.principal), now);
    } catch (err) {
      if (err instanceof InvalidFactsError) return deadlinesPage(c, id, { values, ...placeFilingProblems(err.problems) }, 422);
      if (err instanceof NotFoundError) return deadlinesPage(c, id, { values, problems: { obligation: [err.message] }, other: [] }, 404);
      throw err;
    }
    return c.redirect(`/console/incidents/${id}/deadlines?filed=1#filings`, 303);
  });
}
