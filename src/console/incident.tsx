// The incident page: facts and clock anchors, the edit form (with the version read), lifecycle moves, overdue steps, the timeline.
import type { FC } from 'hono/jsx';
import type { Incident } from '../incidents/service.js';
import type { Status } from '../incidents/lifecycle.js';
import type { ChainVerification, TimelineEvent } from '../incidents/timeline.js';
import type { ChecklistItem } from '../runbooks/service.js';
import type { FieldProblem } from '../errors.js';
import { Csrf, Page, Table, Time, type PageProps, type Problems } from './layout.js';
import type { Translator } from './i18n.js';
import type { FormField } from './forms.js';
import { anchorLabel, FactsFields, OtherProblems } from './incidents.js';
import type { PageLink } from './page-kit.js';

/** What changed after the version someone read: the events that wrote the later versions. */
export interface Stale {
  read: number;
  current: number;
  changes: { actor: string; at: Date; version: number; fields: { field: string; from: unknown; to: unknown }[] }[];
}

export interface IncidentPageProps extends Omit<PageProps, 'title' | 'children'> {
  t: Translator;
  csrf: string;
  incident: Incident;
  moves: readonly Status[];
  canChange: boolean;
  overdue: ChecklistItem[];
  /** Overdue steps this person may complete or skip (the API's role, and the step's own). */
  settleable: Set<string>;
  /** Further pages this person may open from here. */
  links?: PageLink[];
  events: TimelineEvent[];
  verification: ChainVerification;
  values: Partial<Record<FormField, string | string[]>>;
  problems: Problems;
  other: FieldProblem[];
  stale?: Stale | undefined;
  saved?: boolean;
  refusal?: string | undefined;
}

const show = (v: unknown) => (v === null || v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));

export const IncidentPage: FC<IncidentPageProps> = (p) => {
  const { t, incident: i } = p;
  return (
    <Page {...p} title={i.title}>
      <nav aria-label={t('incidents')}>
        <ul class="moves">
          <li>
            <a href="/console/incidents">{t('back')}</a>
          </li>
          <li>
            <a href={`/console/incidents/${i.id}/notice`}>{t('notice')}</a>
          </li>
          <li>
            <a href={`/console/incidents/${i.id}/delivery`}>{t('delivery')}</a>
          </li>
          <li>
            <a href={`/console/incidents/${i.id}/announcement`}>{t('announcement')}</a>
          </li>
          <li>
            <a href={`/console/incidents/${i.id}/deadlines`}>{t('deadlines')}</a>
          </li>
          {(p.links ?? []).map((l) => (
            <li>
              <a href={l.href}>{l.label}</a>
            </li>
          ))}
        </ul>
      </nav>
      {p.saved && (
        <p class="notice good" role="status">
          {t('changed')}
        </p>
      )}
      {p.refusal && (
        <p class="notice bad" role="alert">
          {p.refusal}
        </p>
      )}
      {p.stale && (
        <div class="notice bad" role="alert">
          <h2>{t('staleTitle')}</h2>
          <p>{t('staleBody', { read: p.stale.read, now: p.stale.current })}</p>
          <ul>
            {p.stale.changes.map((c) => (
              <li>
                {`${t('version')} ${c.version}: ${c.actor}, `}
                <Time at={c.at} />
                <ul>
                  {c.fields.map((f) => (
                    <li>
                      <code>{f.field}</code>: {show(f.from)} → {show(f.to)}
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
        </div>
      )}
      <h2>{t('facts')}</h2>
      <dl class="facts">
        <dt>{t('status')}</dt>
        <dd>{t.term(i.status)}</dd>
        <dt>{t('severity')}</dt>
        <dd>
          <span class={`badge ${i.severity}`}>{t.term(i.severity)}</span>
        </dd>
        <dt>{t('nature')}</dt>
        <dd>{t.term(i.nature)}</dd>
        <dt>{t('drill')}</dt>
        <dd>{i.drill ? t('yes') : t('no')}</dd>
        <dt>{t('summary')}</dt>
        <dd>{i.summary || '—'}</dd>
        <dt>{t('systems')}</dt>
        <dd>{i.systems.join(', ') || '—'}</dd>
        <dt>{t('dataCategories')}</dt>
        <dd>{i.data_categories.join(', ') || '—'}</dd>
        <dt>{t('regions')}</dt>
        <dd>{i.regions.join(', ') || '—'}</dd>
        <dt>{t('encrypted')}</dt>
        <dd>{i.encrypted === null ? t('unknown') : i.encrypted ? t('yes') : t('no')}</dd>
        <dt>{t('estimatedTotal')}</dt>
        <dd>{i.estimated_affected?.total ?? '—'}</dd>
        <dt>{t('version')}</dt>
        <dd>{i.version}</dd>
      </dl>
      <h2>{t('clockAnchors')}</h2>
      <dl class="facts">
        {(Object.keys(anchorLabel) as (keyof typeof anchorLabel)[]).map((f) => (
          <>
            <dt>{t(anchorLabel[f])}</dt>
            <dd>
              <Time at={i[f]} />
            </dd>
          </>
        ))}
        <dt>{t('closedAt')}</dt>
        <dd>
          <Time at={i.closed_at} />
        </dd>
      </dl>
      <h2>{t('move')}</h2>
      {!p.canChange ? (
        <p>{t('readOnly', { role: p.session?.role ?? '' })}</p>
      ) : p.moves.length === 0 ? (
        <p>{t('noMoves')}</p>
      ) : (
        <div class="moves">
          {p.moves.map((to) => (
            <form method="post" action={`/console/incidents/${i.id}/status`}>
              <Csrf token={p.csrf} />
              <input type="hidden" name="version" value={String(i.version)} />
              <input type="hidden" name="status" value={to} />
              <button type="submit">{`${t('moveTo')} ${t.term(to)}`}</button>
            </form>
          ))}
        </div>
      )}
      <h2>{t('overdueSteps')}</h2>
      {p.overdue.length === 0 ? (
        <p>{t('noOverdue')}</p>
      ) : (
        <ul>
          {p.overdue.map((s) => (
            <li>
              <code>{s.step_id}</code> {s.text} ({s.role}, {t('due')} <Time at={s.due_at} />)
              {p.settleable.has(s.step_id) && (
                <form class="inline" method="post" action={`/console/incidents/${i.id}/checklist/${s.step_id}`}>
                  <Csrf token={p.csrf} />
                  <div class="field">
                    <label for={`note-${s.step_id}`}>{t('stepNote', { step: s.step_id })}</label>
                    <input type="text" id={`note-${s.step_id}`} name="note" maxlength={2000} />
                  </div>
                  <button type="submit" name="action" value="complete">
                    {t('complete')}
                  </button>
                  <button type="submit" class="secondary" name="action" value="skip">
                    {t('skipStep')}
                  </button>
                </form>
              )}
            </li>
          ))}
        </ul>
      )}
      {p.canChange && (
        <>
          <h2 id="edit">{t('editFacts')}</h2>
          <OtherProblems t={t} problems={p.problems} other={p.other} />
          <form class="stack" method="post" action={`/console/incidents/${i.id}/facts`} novalidate aria-labelledby="edit">
            <Csrf token={p.csrf} />
            <input type="hidden" name="version" value={String(i.version)} />
            <FactsFields t={t} values={p.values} problems={p.problems} later />
            <div>
              <button type="submit">{t('save')}</button>
            </div>
          </form>
        </>
      )}
      <h2>{t('timeline')}</h2>
      <p class={`notice ${p.verification.valid ? 'good' : 'bad'}`} role="status">
        {p.verification.valid
          ? t('chainIntact', { n: p.verification.events_checked, head: p.verification.head_hash.slice(0, 16) })
          : t('chainBroken', { n: p.verification.problems.length })}
      </p>
      <Table head={['#', t('when'), t('actor'), t('event')]}>
        {p.events.map((e) => (
          <tr>
            <td>{e.seq}</td>
            <td>
              <Time at={e.at} />
            </td>
            <td>{e.actor}</td>
            <td>
              <details>
                <summary>
                  <code>{e.type}</code>
                </summary>
                <pre>{JSON.stringify(e.data, null, 2)}</pre>
                <span class="hash">{e.hash}</span>
              </details>
            </td>
          </tr>
        ))}
                </Table>
    </Page>
  );
};
