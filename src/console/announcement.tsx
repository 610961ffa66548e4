// The announcement page: draft it from the approved notice, preview it as the public will see it in each language, publish, add updates.
import type { FC } from 'hono/jsx';
import type { Hono } from 'hono';
import type { Incident } from '../incidents/service.js';
import { getIncident } from '../incidents/service.js';
import { actorOf, fieldProblems } from '../http/openapi.js';
import { ConflictError, NotFoundError, type FieldProblem } from '../errors.js';
import { addUpdate, getAnnouncement, publishAnnouncement, type AnnouncementView } from '../announcements/service.js';
import { announcementPreviewHtml, draftFromApprovedNotice } from '../announcements/compose.js';
import { draftBody, updateBody } from '../announcements/routes.js';
import { impacts, updateStatuses } from '../announcements/store.js';
import { pageLocales, type PageLocale } from '../announcements/views.js';
import { latestApprovedNotice } from '../notices/service.js';
import { noticeLocales } from '../notices/content.js';
import { Csrf, Field, Outcome, Page, Table, Time, type PageProps, type Problems } from './layout.js';
import type { Translator, WordKey } from './i18n.js';
import type { ConsoleEnv } from './context.js';
import type { ConsoleContext, PageKit } from './page-kit.js';
import { formValues } from './forms.js';
import { framedDocumentPolicy } from './security.js';
import { IncidentLinks } from './incident-links.js';
import { OtherProblems } from './incidents.js';

const route = {
  get: 'GET /v1/incidents/{id}/announcement',
  preview: 'GET /v1/incidents/{id}/announcement/preview',
  draft: 'POST /v1/incidents/{id}/announcement',
  publish: 'POST /v1/incidents/{id}/announcement/publish',
  update: 'POST /v1/incidents/{id}/announcement/updates',
} as const;

export interface AnnouncementPageProps extends Omit<PageProps, 'title' | 'children'> {
  t: Translator;
  csrf: string;
  incident: Incident;
  view: AnnouncementView | null;
  publicUrl: string | null;
  hasApproved: boolean;
  canDraft: boolean;
  canPublish: boolean;
  canUpdate: boolean;
  values: Record<string, string>;
  problems: Problems;
  other: FieldProblem[];
  message?: string | undefined;
  refusal?: string | undefined;
}

const langName = (t: Translator, l: string) => t(`lang_${l}` as WordKey);

/** A text field with its label and its problem in place. */
const TextField: FC<{ name: string; label: string; hint?: string; value: string; problems: Problems; rows?: number }> = ({ name, label, hint, value, problems, rows }) => (
  <Field name={name} label={label} hint={hint} problems={problems}>
    {(attrs) =>
      rows ? (
        <textarea {...attrs} rows={rows}>
          {value}
        </textarea>
      ) : (
        <input type="text" {...attrs} value={value} />
      )
    }
  </Field>
);

const Choice: FC<{ name: string; label: string; options: readonly string[]; word: (v: string) => string; value: string }> = ({ name, label, options, word, value }) => (
  <div class="field">
    <label for={`f-${name}`}>{label}</label>
    <select id={`f-${name}`} name={name}>
      {options.map((o) => (
        <option value={o} selected={o === value}>
          {word(o)}
        </option>
      ))}
    </select>
  </div>
);

export const AnnouncementPage: FC<AnnouncementPageProps> = (p) => {
  const { t, incident: i, view: v } = p;
  const unpublished = v ? v.announcement.published_at === null || v.updates.some((u) => u.published_at === null) : false;
  return (
    <Page {...p} title={t('announcementOf', { title: i.title })}>
      <IncidentLinks t={t} incidentId={i.id} title={i.title} />
      <Outcome message={p.message} refusal={p.refusal} />
      {!v ? (
        <>
          <p>{t('noAnnouncement')}</p>
          {p.canDraft &&
            (!p.hasApproved ? (
              <p class="muted">{t('needApproved')}</p>
            ) : (
              <>
                <OtherProblems t={t} problems={p.problems} other={p.other} />
                <form class="stack" method="post" action={`/console/incidents/${i.id}/announcement/draft`} novalidate>
                  <Csrf token={p.csrf} />
                  <Choice name="impact" label={t('impact')} options={impacts} word={(o) => t(`im_${o}` as WordKey)} value={p.values.impact ?? 'major'} />
                  <Choice name="status" label={t('updateStatus')} options={updateStatuses} word={(o) => t(`us_${o}` as WordKey)} value={p.values.status ?? 'investigating'} />
                  {noticeLocales.map((l) => (
                    <TextField name={`title.${l}`} label={t('titleIn', { lang: langName(t, l) })} hint={t('titleHint')} value={p.values[`title.${l}`] ?? ''} problems={p.problems} />
                  ))}
                  <div>
                    <button type="submit">{t('draftAnnouncement')}</button>
                  </div>
                </form>
              </>
            ))}
        </>
      ) : (
        <>
          <dl class="facts">
            <dt>{t('publicState')}</dt>
            <dd data-published={v.announcement.published_at ? 'yes' : 'no'}>
              {v.announcement.published_at ? (
                <>
                  {t('publishedAt', { at: '' })}
                  <Time at={v.announcement.published_at} />
                </>
              ) : (
                t('notPublished')
              )}
            </dd>
            <dt>{t('impact')}</dt>
            <dd>{t(`im_${v.announcement.impact}` as WordKey)}</dd>
            <dt>{t('publicAddress')}</dt>
            <dd>{i.drill ? t('drillAnnouncement') : p.publicUrl && v.announcement.published_at ? <a href={p.publicUrl}>{p.publicUrl}</a> : <code>{p.publicUrl}</code>}</dd>
          </dl>
          {p.canPublish && unpublished && (
            <form class="inline" method="post" action={`/console/incidents/${i.id}/announcement/publish`}>
              <Csrf token={p.csrf} />
              <p class="muted" id="publish-hint">
                {t('publishHint')}
              </p>
              <button type="submit" aria-describedby="publish-hint">
                {t('publish')}
              </button>
            </form>
          )}
          <h2 id="public-preview">{t('publicPreview')}</h2>
          <div class="side-by-side">
            {pageLocales.map((l) => (
              <div class="preview" data-cell={`announcement/${l}`}>
                <h3>{langName(t, l)}</h3>
                <iframe src={`/console/incidents/${i.id}/announcement/frame/${l}`} title={`${t('publicPreview')} — ${langName(t, l)}`} sandbox=""></iframe>
              </div>
            ))}
          </div>
          <h2>{t('updates')}</h2>
          <Table head={['#', t('status'), t('publicState'), t('anyEvent')]}>
            {v.updates.map((u) => (
              <tr data-update={String(u.seq)}>
                <td>{u.seq}</td>
                <td>{t(`us_${u.status}` as WordKey)}</td>
                <td>{u.published_at ? <Time at={u.published_at} /> : t('draftUpdate')}</td>
                <td>
                  {Object.entries(u.body).map(([l, text]) => (
                    <details>
                      <summary>{langName(t, l)}</summary>
                      <pre lang={l}>{text}</pre>
                    </details>
                  ))}
                </td>
              </tr>
            ))}
          </Table>
          {p.canUpdate && (
            <>
              <h2 id="add-update">{t('addUpdate')}</h2>
              <OtherProblems t={t} problems={p.problems} other={p.other} />
              <form class="stack" method="post" action={`/console/incidents/${i.id}/announcement/updates`} novalidate aria-labelledby="add-update">
                <Csrf token={p.csrf} />
                <Choice name="status" label={t('updateStatus')} options={updateStatuses} word={(o) => t(`us_${o}` as WordKey)} value={p.values.status ?? 'identified'} />
                {noticeLocales.map((l) => (
                  <TextField name={`body.${l}`} label={t('bodyIn', { lang: langName(t, l) })} value={p.values[`body.${l}`] ?? ''} problems={p.problems} rows={4} />
                ))}
                <div class="field">
                  <label>
                    <input type="checkbox" name="draft" value="true" checked={p.values.draft === 'true'} /> {t('keepDraft')}
                  </label>
                </div>
                <div>
                  <button type="submit">{t('addUpdate')}</button>
                </div>
              </form>
            </>
          )}
        </>
      )}
    </Page>
  );
};

/** Form fields by the API's names, text only. */
const textFields = (form: Record<string, string | string[]>) => Object.fromEntries(Object.entries(form).flatMap(([k, v]) => (typeof v === 'string' && k !== 'csrf' ? [[k, v]] : [])));

/** The API's field problems placed on the form (`title.en`, `body.zh-CN`, `status`); others shown above it. */
function placed(problems: FieldProblem[]): { problems: Problems; other: FieldProblem[] } {
  const byField: Problems = {};
  const other: FieldProblem[] = [];
  for (const p of problems) {
    if (/^(title|body)\.[\w-]+$/.test(p.field)) (byField[p.field] ??= []).push(p.message);
    else other.push(p);
  }
  return { problems: byField, other };
}

export function announcementPages(app: Hono<ConsoleEnv>, kit: PageKit): void {
  type Extra = Partial<Pick<AnnouncementPageProps, 'values' | 'problems' | 'other' | 'message' | 'refusal'>>;
  const page = async (c: ConsoleContext, id: string, extra: Extra = {}, status: 200 | 400 | 409 | 422 = 200) => {
    kit.requireApi(c, route.get);
    const { db, publicPage } = c.var.services;
    const [incident, approved] = await Promise.all([getIncident(db, id), latestApprovedNotice(db, id)]);
    let view: AnnouncementView | null = null;
    try {
      view = await getAnnouncement(db, id);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
    return kit.html(
      c,
      <AnnouncementPage
        {...kit.shell(c)}
        incident={incident}
        view={view}
        publicUrl={view ? `${publicPage.baseUrl}/status/${view.announcement.slug}` : null}
        hasApproved={Boolean(approved)}
        canDraft={kit.can(c, route.draft)}
        canPublish={kit.can(c, route.publish)}
        canUpdate={kit.can(c, route.update)}
        values={{}}
        problems={{}}
        other={[]}
        {...extra}
      />,
      status,
    );
  };

  app.get('/incidents/:id/announcement', async (c) => {
    const id = kit.incidentId(c);
    const { t } = kit.shell(c);
    const done = c.req.query('done');
    const words: Record<string, WordKey> = { drafted: 'drafted', published: 'published', updated: 'updateAdded' };
    return page(c, id, { message: done && words[done] ? t(words[done]) : undefined });
  });

  /** The public page with its drafts, as GET …/announcement/preview renders it: a sandboxed document of its own. */
  app.get('/incidents/:id/announcement/frame/:lang', async (c) => {
    kit.requireApi(c, route.preview);
    const id = kit.incidentId(c);
    const lang = c.req.param('lang');
    if (!(pageLocales as readonly string[]).includes(lang)) throw new NotFoundError('language', lang);
    const html = await announcementPreviewHtml(c.var.services, id, lang as PageLocale);
    return c.html(html, 200, { 'content-security-policy': framedDocumentPolicy, 'x-frame-options': 'SAMEORIGIN', 'x-robots-tag': 'noindex' });
  });

  /** Runs a write; a refusal of the service is shown on the page, field problems beside their fields. */
  const write = async (c: ConsoleContext, id: string, values: Record<string, string>, parsedProblems: FieldProblem[] | null, act: () => Promise<unknown>, done: string) => {
    if (parsedProblems) return page(c, id, { values, ...placed(parsedProblems) }, 400);
    try {
      await act();
    } catch (err) {
      if (err instanceof ConflictError || err instanceof NotFoundError) return page(c, id, { values, refusal: err.message }, 409);
      throw err;
    }
    return c.redirect(`/console/incidents/${id}/announcement?done=${done}`, 303);
  };

  app.post('/incidents/:id/announcement/draft', async (c) => {
    kit.requireApi(c, route.draft);
    const id = kit.incidentId(c);
    const values = textFields(formValues(await c.req.parseBody()));
    const titles = noticeLocales.filter((l) => values[`title.${l}`]?.trim());
    const parsed = draftBody.safeParse({
      impact: values.impact,
      status: values.status,
      // Titles are given in every language or in none (the notice headlines).
      ...(titles.length ? { title: Object.fromEntries(noticeLocales.map((l) => [l, values[`title.${l}`] ?? ''])) } : {}),
    });
    await getIncident(c.var.services.db, id);
    return write(c, id, values, parsed.success ? null : fieldProblems(parsed.error.issues), () => draftFromApprovedNotice(c.var.services, id, parsed.data!, actorOf(c.var.principal), c.var.services.clock.now()), 'drafted');
  });

  app.post('/incidents/:id/announcement/publish', async (c) => {
    kit.requireApi(c, route.publish);
    const id = kit.incidentId(c);
    const { db, clock, publicPage } = c.var.services;
    return write(c, id, {}, null, async () => {
      await publishAnnouncement(db, id, actorOf(c.var.principal), clock.now());
      publicPage.cache.invalidate();
    }, 'published');
  });

  app.post('/incidents/:id/announcement/updates', async (c) => {
    kit.requireApi(c, route.update);
    const id = kit.incidentId(c);
    const { db, clock, publicPage } = c.var.services;
    const values = textFields(formValues(await c.req.parseBody()));
    const parsed = updateBody.safeParse({ status: values.status, body: Object.fromEntries(noticeLocales.map((l) => [l, values[`body.${l}`] ?? ''])), draft: values.draft === 'true' });
    return write(c, id, values, parsed.success ? null : fieldProblems(parsed.error.issues), async () => {
      await addUpdate(db, id, parsed.data!, actorOf(c.var.principal), clock.now());
      publicPage.cache.invalidate();
    }, 'updated');
  });
}
