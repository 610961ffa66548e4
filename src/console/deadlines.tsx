// The deadlines page: the obligations the incident's facts trigger, due in UTC and in each authority's time, and the chart.
import type { FC } from 'hono/jsx';
import type { Incident } from '../incidents/service.js';
import type { Obligation } from '../obligations/types.js';
import { Page, Table, Time, type PageProps } from './layout.js';
import type { Translator, WordKey } from './i18n.js';
import { FilingsSection, type FilingsProps } from './filings.js';
import { IncidentLinks } from './incident-links.js';

export interface DeadlinesPageProps extends Omit<PageProps, 'title' | 'children'> {
  t: Translator;
  incident: Incident;
  obligations: Obligation[];
  filing?: Omit<FilingsProps, 't' | 'incidentId' | 'obligations'> | undefined;
  message?: string | undefined;
}

export const DeadlinesPage: FC<DeadlinesPageProps> = (p) => {
  const { t, incident: i } = p;
  const relevant = p.obligations.filter((o) => o.status !== 'not_applicable');
  const skipped = p.obligations.length - relevant.length;
  return (
    <Page {...p} title={t('deadlinesOf', { title: i.title })}>
      <IncidentLinks t={t} incidentId={i.id} title={i.title} />
      <p>
        <a href={`/console/incidents/${i.id}/deadlines/tools`}>{t('obligationTools')}</a>
      </p>
      {p.message && (
        <p class="notice good" role="status">
          {p.message}
        </p>
      )}
      {relevant.length === 0 ? (
        <p>{t('noObligations')}</p>
      ) : (
        <>
          <img class="chart" src={`/console/incidents/${i.id}/deadlines.svg`} alt={t('chartAlt')} />
          <Table head={[t('jurisdiction'), t('law'), t('notifies'), t('status'), t('dueUtc'), t('dueLocal'), t('countsFrom')]}>
            {relevant.map((o) => (
              <tr data-obligation={o.key}>
                <td>{o.target ? `${o.jurisdiction} (${o.target})` : o.jurisdiction}</td>
                <td>
                  {o.law} {o.article}
                </td>
                <td>{o.notifies.name}</td>
                <td>
                  <span class={`badge ${o.status === 'overdue' ? 'critical' : ''}`}>{t(`ob_${o.status}` as WordKey)}</span>
                </td>
                <td>{o.due_at ? <Time at={o.due_at} /> : o.awaiting_anchor ? t('awaitingAnchor', { anchor: o.awaiting_anchor }) : '—'}</td>
                <td>{o.due_local ? `${o.due_local} (${o.time_zone})` : '—'}</td>
                <td>{o.anchor.name}</td>
              </tr>
            ))}
                        </Table>
        </>
      )}
      {skipped > 0 && <p class="muted">{t('notApplicable', { n: skipped })}</p>}
      {p.filing && <FilingsSection t={t} incidentId={i.id} obligations={relevant} {...p.filing} />}
    </Page>
  );
};
