// The notice page: versions with approval, a preview of every channel in every language, and the side-by-side draft editor.
import type { FC } from 'hono/jsx';
import type { Incident } from '../incidents/service.js';
import type { NoticeVersionRow } from '../notices/service.js';
import { noticeLocales } from '../notices/content.js';
import type { NoticeChannel } from '../notices/renderer.js';
import type { FieldProblem } from '../errors.js';
import { Csrf, Outcome, Page, Table, Time, type PageProps, type Problems } from './layout.js';
import { isWordKey, type Translator, type WordKey } from './i18n.js';
import { contactFields, localizedFields } from './notice-form.js';
import { OtherProblems } from './incidents.js';

/** One channel in one language, as rendered (or why it could not be). */
export interface PreviewCell {
  channel: NoticeChannel;
  locale: string;
  subject?: string | undefined;
  text?: string | undefined;
  sms?: { encoding: string; parts: number; characters: number } | undefined;
  /**
   * Channels that render HTML (the email, the person's notice page) are shown as a browser shows them: in a
   * frame of their own. Text-only channels (SMS, voice, letter — laid out on paper later —, announcement,
   * in-app) are shown as their text.
   */
  frameUrl?: string | undefined;
  problem?: string | undefined;
}

export interface NoticePageProps extends Omit<PageProps, 'title' | 'children'> {
  t: Translator;
  csrf: string;
  incident: Incident;
  versions: NoticeVersionRow[];
  /** Versions this person may approve (the role allows it and they did not freeze it). */
  approvable: Set<number>;
  ownVersions: Set<number>;
  canApprove: boolean;
  source: { kind: 'draft' } | { kind: 'version'; version: number } | null;
  previews: PreviewCell[];
  canEdit: boolean;
  canFreeze: boolean;
  fields: Record<string, string>;
  problems: Problems;
  other: FieldProblem[];
  message?: string | undefined;
  refusal?: string | undefined;
}

const channelsOf = (cells: PreviewCell[]) => [...new Set(cells.map((c) => c.channel))];

/** The console's name for every channel a version is frozen with: a channel added without one fails the type check. */
const channelWord: Record<NoticeChannel, WordKey> = {
  email: 'ch_email',
  sms: 'ch_sms',
  voice: 'ch_voice',
  letter: 'ch_letter',
  announcement: 'ch_announcement',
  inapp: 'ch_inapp',
  page: 'ch_page',
};

/** A template language by its name in the console's words, or its code if the console has no name for it. */
const langName = (t: Translator, locale: string) => {
  const key = `lang_${locale}`;
  return isWordKey(key) ? t(key) : locale;
};

export const NoticePage: FC<NoticePageProps> = (p) => {
  const { t, incident: i } = p;
  const fieldId = (name: string) => `f-${name.replace(/\./g, '-')}`;
  const problemOf = (name: string) => p.problems[name]?.join('; ');
  return (
    <Page {...p} title={t('noticeOf', { title: i.title })}>
      <p>
        <a href={`/console/incidents/${i.id}`}>{i.title}</a>
      </p>
      <Outcome message={p.message} refusal={p.refusal} />
      <h2>{t('versions')}</h2>
      {p.versions.length === 0 ? (
        <p>{t('noVersions')}</p>
      ) : (
        <Table head={[t('version'), t('status'), t('frozenBy'), t('approvedBy'), <span class="muted">{t('anyEvent')}</span>]}>
          {p.versions.map((v) => (
            <tr>
              <td>{v.version}</td>
              <td>{t(v.status as WordKey)}</td>
              <td>
                {v.drafted_by_name}, <Time at={v.drafted_at} />
              </td>
              <td>
                {v.approved_by_name ? (
                  <>
                    {v.approved_by_name}, <Time at={v.approved_at} />
                  </>
                ) : (
                  '—'
                )}
              </td>
              <td>
                <a href={`/console/incidents/${i.id}/notice?version=${v.version}`}>{`${t('show')} ${v.version}`}</a>
                {p.approvable.has(v.version) && (
                  <form method="post" action={`/console/incidents/${i.id}/notice/${v.version}/approve`}>
                    <Csrf token={p.csrf} />
                    <button type="submit">{t('approve', { n: v.version })}</button>
                  </form>
                )}
                {p.canApprove && v.status === 'awaiting_approval' && p.ownVersions.has(v.version) && <p class="muted">{t('ownVersion')}</p>}
              </td>
            </tr>
          ))}
                    </Table>
      )}

      <h2 id="preview">{t('previewTitle')}</h2>
      {!p.source ? (
        <p>{t('nothingToPreview')}</p>
      ) : (
        <>
          <p>{p.source.kind === 'draft' ? t('previewOfDraft') : t('previewOfVersion', { n: p.source.version })}</p>
          {channelsOf(p.previews).map((channel) => (
            <section aria-labelledby={`ch-${channel}`}>
              <h3 id={`ch-${channel}`}>{t(channelWord[channel])}</h3>
              <div class="side-by-side">
                {p.previews
                  .filter((c) => c.channel === channel)
                  .map((c) => (
                    <div class="preview" lang={c.locale} data-cell={`${c.channel}/${c.locale}`}>
                      <h4 lang={t.lang}>{langName(t, c.locale)}</h4>
                      {c.problem ? (
                        <p class="problem">{c.problem}</p>
                      ) : (
                        <>
                          {c.subject && (
                            <p>
                              <strong lang={t.lang}>{t('subject')}:</strong> {c.subject}
                            </p>
                          )}
                          {c.frameUrl && <iframe src={c.frameUrl} title={`${t(channelWord[channel])} — ${langName(t, c.locale)}`} sandbox=""></iframe>}
                          {c.sms && (
                            <p class="muted" lang={t.lang} data-sms-parts={String(c.sms.parts)}>
                              {t('segments', { parts: c.sms.parts, encoding: c.sms.encoding, characters: c.sms.characters })}
                            </p>
                          )}
                          {c.text &&
                            (c.frameUrl ? (
                              <details>
                                <summary lang={t.lang}>{t('textVersion')}</summary>
                                <pre>{c.text}</pre>
                              </details>
                            ) : (
                              <pre>{c.text}</pre>
                            ))}
                        </>
                      )}
                    </div>
                  ))}
              </div>
            </section>
          ))}
        </>
      )}

      {p.canEdit && (
        <>
          <h2 id="draft">{t('draft')}</h2>
          <p class="muted">{t('draftHint')}</p>
          <OtherProblems t={t} problems={p.problems} other={p.other} />
          <form class="notice-editor" method="post" action={`/console/incidents/${i.id}/notice/preview`} novalidate aria-labelledby="draft">
            <Csrf token={p.csrf} />
            <div class="side-by-side">
              {noticeLocales.map((l) => (
                <fieldset lang={l}>
                  <legend lang={t.lang}>{langName(t, l)}</legend>
                  {localizedFields.map((f) => {
                    const name = `locales.${l}.${f}`;
                    const problem = problemOf(name);
                    return (
                      <div class="field">
                        <label for={fieldId(name)} lang={t.lang}>
                          {t(`f_${f}` as WordKey)}
                        </label>
                        {problem && (
                          <span class="problem" id={`${fieldId(name)}-problem`} lang="en">
                            {problem}
                          </span>
                        )}
                        {f === 'headline' ? (
                          <input type="text" id={fieldId(name)} name={name} value={p.fields[name] ?? ''} aria-invalid={problem ? 'true' : undefined} aria-describedby={problem ? `${fieldId(name)}-problem` : undefined} />
                        ) : (
                          <textarea id={fieldId(name)} name={name} rows={f === 'sms_summary' ? 3 : 5} aria-invalid={problem ? 'true' : undefined} aria-describedby={problem ? `${fieldId(name)}-problem` : undefined}>
                            {p.fields[name] ?? ''}
                          </textarea>
                        )}
                      </div>
                    );
                  })}
                </fieldset>
              ))}
            </div>
            <fieldset>
              <legend>{t('contact')}</legend>
              {contactFields.map((f) => {
                const name = `contact.${f}`;
                const problem = problemOf(name);
                return (
                  <div class="field">
                    <label for={fieldId(name)}>{t(`f_${f}` as WordKey)}</label>
                    {problem && (
                      <span class="problem" id={`${fieldId(name)}-problem`}>
                        {problem}
                      </span>
                    )}
                    <input type="text" id={fieldId(name)} name={name} value={p.fields[name] ?? ''} aria-invalid={problem ? 'true' : undefined} aria-describedby={problem ? `${fieldId(name)}-problem` : undefined} />
                  </div>
                );
              })}
            </fieldset>
            <div class="moves">
              <button type="submit">{t('preview')}</button>
              {p.canFreeze && (
                <button type="submit" class="secondary" formaction={`/console/incidents/${i.id}/notice/freeze`}>
                  {t('freeze')}
                </button>
              )}
            </div>
          </form>
        </>
      )}
    </Page>
  );
};
