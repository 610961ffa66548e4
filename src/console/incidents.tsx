// The incidents list with its filters, and the form that opens an incident (shared with the incident page's edit form).
import type { FC } from 'hono/jsx';
import { statuses } from '../incidents/lifecycle.js';
import { dataCategories, natures, severities } from '../incidents/vocabulary.js';
import type { Incident } from '../incidents/service.js';
import type { FieldProblem } from '../errors.js';
import { Csrf, Field, Page, Table, Time, type PageProps, type Problems } from './layout.js';
import type { Translator } from './i18n.js';
import { laterAnchors, timeFields, type FormField } from './forms.js';

export interface ListFilter {
  status: string[];
  severity: string[];
  drill: 'true' | 'false' | '';
}

type Shell = Omit<PageProps, 'title' | 'children'> & { t: Translator };

export const IncidentListPage: FC<Shell & { filter: ListFilter; incidents: Incident[]; next: string | null; canOpen: boolean }> = (p) => {
  const { t, filter } = p;
  return (
    <Page {...p} title={t('incidents')}>
      {p.canOpen && (
        <p>
          <a href="/console/incidents/new">{t('openIncident')}</a>
        </p>
      )}
      <form class="inline" method="get" action="/console/incidents" aria-label={t('filter')}>
        <fieldset class="checks">
          <legend>{t('status')}</legend>
          {statuses.map((s) => (
            <label>
              <input type="checkbox" name="status" value={s} checked={filter.status.includes(s)} /> {t.term(s)}
            </label>
          ))}
        </fieldset>
        <fieldset class="checks">
          <legend>{t('severity')}</legend>
          {severities.map((s) => (
            <label>
              <input type="checkbox" name="severity" value={s} checked={filter.severity.includes(s)} /> {t.term(s)}
            </label>
          ))}
        </fieldset>
        <div class="field">
          <label for="f-drill">{t('drill')}</label>
          <select id="f-drill" name="drill">
            <option value="" selected={filter.drill === ''}>
              {t('any')}
            </option>
            <option value="true" selected={filter.drill === 'true'}>
              {t('yes')}
            </option>
            <option value="false" selected={filter.drill === 'false'}>
              {t('no')}
            </option>
          </select>
        </div>
        <button type="submit">{t('filter')}</button>
      </form>
      {p.incidents.length === 0 ? (
        <p>{t('noIncidents')}</p>
      ) : (
        <Table head={[t('title'), t('status'), t('severity'), t('discoveredAt')]}>
          {p.incidents.map((i) => (
            <tr>
              <td>
                <a href={`/console/incidents/${i.id}`}>{i.title}</a>
                {i.drill && <span class="badge">{` ${t('drill')}`}</span>}
              </td>
              <td>{t.term(i.status)}</td>
              <td>
                <span class={`badge ${i.severity}`}>{t.term(i.severity)}</span>
              </td>
              <td>
                <Time at={i.discovered_at} />
              </td>
            </tr>
          ))}
                    </Table>
      )}
      {p.next && (
        <p>
          <a href={p.next}>{t('nextPage')}</a>
        </p>
      )}
    </Page>
  );
};

const timeLabel: Record<(typeof timeFields)[number] | (typeof laterAnchors)[number], Parameters<Translator>[0]> = {
  occurred_from: 'occurredFrom',
  occurred_to: 'occurredTo',
  discovered_at: 'discoveredAt',
  aware_at: 'awareAt',
  contained_at: 'containedAt',
  determined_at: 'determinedAt',
  assessment_completed_at: 'assessmentCompletedAt',
  individuals_notified_at: 'individualsNotifiedAt',
  disposal_ended_at: 'disposalEndedAt',
};
export const anchorLabel = timeLabel;

/** The facts fields, for opening an incident and for editing one (which also has the later clock anchors). */
export const FactsFields: FC<{ t: Translator; values: Partial<Record<FormField, string | string[]>>; problems: Problems; later?: boolean }> = ({ t, values, problems, later }) => {
  const v = (f: FormField) => {
    const x = values[f];
    return Array.isArray(x) ? x.join(', ') : (x ?? '');
  };
  const chosen = (f: FormField) => {
    const x = values[f];
    return Array.isArray(x) ? x : x ? [x] : [];
  };
  return (
    <>
      <Field name="title" label={t('title')} problems={problems}>
        {(a) => <input type="text" {...a} value={v('title')} required maxlength={300} />}
      </Field>
      <Field name="summary" label={t('summary')} problems={problems}>
        {(a) => (
          <textarea {...a} rows={3}>
            {v('summary')}
          </textarea>
        )}
      </Field>
      {(['nature', 'severity'] as const).map((f) => (
        <Field name={f} label={t(f)} problems={problems}>
          {(a) => (
            <select {...a}>
              {(f === 'nature' ? natures : severities).map((n) => (
                <option value={n} selected={v(f) === n}>
                  {t.term(n)}
                </option>
              ))}
            </select>
          )}
        </Field>
      ))}
      <div class="field">
        <label>
          <input type="checkbox" name="drill" value="true" checked={v('drill') === 'true'} /> {t('drill')}
        </label>
      </div>
      <p class="muted">{t('timesInUtc')}</p>
      {[...timeFields, ...(later ? laterAnchors : [])].map((f) => (
        <Field name={f} label={t(timeLabel[f])} problems={problems}>
          {(a) => <input type="datetime-local" step={1} {...a} value={v(f)} required={f === 'discovered_at'} />}
        </Field>
      ))}
      <Field name="systems" label={t('systems')} hint={t('listHint')} problems={problems}>
        {(a) => (
          <textarea {...a} rows={2}>
            {Array.isArray(values.systems) ? values.systems.join('\n') : (values.systems ?? '')}
          </textarea>
        )}
      </Field>
      <fieldset class="checks" aria-describedby={problems.data_categories ? 'f-data_categories-problem' : undefined}>
        <legend>{t('dataCategories')}</legend>
        {problems.data_categories && (
          <span class="problem" id="f-data_categories-problem">
            {problems.data_categories.join('; ')}
          </span>
        )}
        {dataCategories.map((d) => (
          <label>
            <input type="checkbox" name="data_categories" value={d} checked={chosen('data_categories').includes(d)} /> {d.replace(/_/g, ' ')}
          </label>
        ))}
      </fieldset>
      <Field name="regions" label={t('regions')} hint={t('regionsHint')} problems={problems}>
        {(a) => <input type="text" {...a} value={v('regions')} />}
      </Field>
      <Field name="encrypted" label={t('encrypted')} problems={problems}>
        {(a) => (
          <select {...a}>
            <option value="" selected={v('encrypted') === ''}>
              {t('unknown')}
            </option>
            <option value="true" selected={v('encrypted') === 'true'}>
              {t('yes')}
            </option>
            <option value="false" selected={v('encrypted') === 'false'}>
              {t('no')}
            </option>
          </select>
        )}
      </Field>
      <Field name="estimated_total" label={t('estimatedTotal')} problems={problems}>
        {(a) => <input type="number" min={0} {...a} value={v('estimated_total')} />}
      </Field>
    </>
  );
};

export const OtherProblems: FC<{ t: Translator; problems: Problems; other: FieldProblem[] }> = ({ t, problems, other }) =>
  Object.keys(problems).length || other.length ? (
    <div class="notice bad" role="alert">
      <p>{t('fixProblems')}</p>
      {other.length > 0 && (
        <ul>
          {other.map((p) => (
            <li>
              <code>{p.field}</code>: {p.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  ) : null;

export const NewIncidentPage: FC<Shell & { csrf: string; values: Partial<Record<FormField, string | string[]>>; problems: Problems; other: FieldProblem[] }> = (p) => (
  <Page {...p} title={p.t('openIncident')}>
    <OtherProblems t={p.t} problems={p.problems} other={p.other} />
    <form class="stack" method="post" action="/console/incidents" novalidate>
      <Csrf token={p.csrf} />
      <FactsFields t={p.t} values={p.values} problems={p.problems} />
      <div>
        <button type="submit">{p.t('open')}</button>
      </div>
    </form>
  </Page>
);
