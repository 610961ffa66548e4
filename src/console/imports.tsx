// The directory imports page: upload a CSV or JSON lines file (with upload progress where script runs), each import's state, counts and rejected lines.
import type { Context, Hono } from 'hono';
import type { FC } from 'hono/jsx';
import { NotFoundError } from '../errors.js';
import { getImport, listImports, pageRejects, type ImportRow } from '../directory/service.js';
import { importUpload } from '../directory/upload.js';
import type { ApiOperation } from './api-roles.js';
import type { ConsoleEnv } from './context.js';
import type { Translator } from './i18n.js';
import { Csrf, Field, Page, Table, Time, type PageProps, type Problems } from './layout.js';
import type { PageKit, PageLink } from './page-kit.js';

type C = Context<ConsoleEnv>;

export const importsRoute = {
  list: 'GET /v1/directory/imports',
  create: 'POST /v1/directory/imports',
  get: 'GET /v1/directory/imports/{id}',
  rejects: 'GET /v1/directory/imports/{id}/rejects',
} as const satisfies Record<string, ApiOperation>;

/** A form upload is read whole before it is imported: larger files go through the API, which streams them. */
export const consoleUploadLimitMb = 64;
export const consoleUploadLimitBytes = consoleUploadLimitMb * 1024 * 1024;
/** The console's posts that carry a file (and so may be larger than a form). */
export const isUploadPath = (path: string) => /^\/console\/(directory\/imports|incidents\/inc_[0-9a-z]+\/affected\/lists)$/.test(path);

const rejectsPage = 100;
const formatOfName = (name: string): 'csv' | 'ndjson' | undefined =>
  /\.csv(\.gz)?$/i.test(name) ? 'csv' : /\.(ndjson|jsonl|json)(\.gz)?$/i.test(name) ? 'ndjson' : undefined;

type Shell = Omit<PageProps, 'title' | 'children'> & { t: Translator; csrf: string };

const ImportsPage: FC<Shell & { imports: ImportRow[]; canUpload: boolean; problems: Problems }> = (p) => {
  const { t } = p;
  return (
    <Page {...p} title={t('imports')}>
      <p class="muted">{t('importsHint')}</p>
      {p.canUpload && (
        <form class="stack" method="post" action="/console/directory/imports" enctype="multipart/form-data" data-upload data-uploaded={t('uploadedWaiting')} aria-labelledby="upload">
          <h2 id="upload">{t('upload')}</h2>
          <Csrf token={p.csrf} />
          <Field name="file" label={t('importFile')} hint={t('importFileHint', { mb: consoleUploadLimitMb })} problems={p.problems}>
            {(a) => <input type="file" {...a} required accept=".csv,.ndjson,.jsonl,.json,.gz,text/csv,application/x-ndjson,application/gzip" />}
          </Field>
          <Field name="format" label={t('format')} problems={p.problems}>
            {(a) => (
              <select {...a}>
                <option value="">{t('formatByName')}</option>
                <option value="csv">{t('fmt_csv')}</option>
                <option value="ndjson">{t('fmt_ndjson')}</option>
              </select>
            )}
          </Field>
          <div>
            <button type="submit">{t('upload')}</button>
          </div>
          <div class="field" hidden data-upload-progress>
            <label for="upload-progress">{t('uploadProgress')}</label>
            <progress id="upload-progress" max={100} value={0}></progress>
            <span role="status" data-upload-status></span>
          </div>
        </form>
      )}
      <h2>{t('recentImports')}</h2>
      {p.imports.length === 0 ? (
        <p>{t('noImports')}</p>
      ) : (
        <Table head={[t('importState'), t('sourceName'), t('startedAt'), t('linesRead'), t('linesImported'), t('linesRejected')]}>
          {p.imports.map((r) => (
            <tr data-import={r.id}>
              <td>
                <a href={`/console/directory/imports/${r.id}`}>{t(`imp_${r.status}`)}</a>
              </td>
              <td>{r.source_name ?? r.id}</td>
              <td>
                <Time at={r.started_at} />
              </td>
              <td>{r.lines_read}</td>
              <td>{r.lines_imported}</td>
              <td>{r.lines_rejected}</td>
            </tr>
          ))}
        </Table>
      )}
    </Page>
  );
};

interface Reject {
  line: number;
  problems: unknown;
  raw: string | null;
}

const problemText = (problems: unknown) =>
  Array.isArray(problems) ? problems.map((x: { field?: string; reason?: string }) => `${x.field ?? ''}: ${x.reason ?? ''}`).join('; ') : JSON.stringify(problems);

const ImportPage: FC<Shell & { row: ImportRow; rejects: Reject[] | null; next: number | null; paged: boolean }> = (p) => {
  const { t, row: r } = p;
  return (
    <Page {...p} title={t('importOf', { id: r.source_name ?? r.id })}>
      <nav aria-label={t('imports')}>
        <ul class="moves">
          <li>
            <a href="/console/directory/imports">{t('imports')}</a>
          </li>
          {r.status === 'running' && (
            <li>
              <a href={`/console/directory/imports/${r.id}`}>{t('refresh')}</a>
            </li>
          )}
        </ul>
      </nav>
      <dl class="facts">
        <dt>{t('importState')}</dt>
        <dd data-state={r.status}>{t(`imp_${r.status}`)}</dd>
        <dt>{t('format')}</dt>
        <dd>{r.format}</dd>
        <dt>{t('sourceName')}</dt>
        <dd>{r.source_name ?? '—'}</dd>
        <dt>{t('startedAt')}</dt>
        <dd>
          <Time at={r.started_at} />
        </dd>
        <dt>{t('finishedAt')}</dt>
        <dd>
          <Time at={r.finished_at} />
        </dd>
        <dt>{t('linesRead')}</dt>
        <dd data-count="read">{r.lines_read}</dd>
        <dt>{t('linesImported')}</dt>
        <dd data-count="imported">{r.lines_imported}</dd>
        <dt>{t('linesRejected')}</dt>
        <dd data-count="rejected">{r.lines_rejected}</dd>
        <dt>{t('bytesRead')}</dt>
        <dd>{r.bytes_read}</dd>
        {r.failure && (
          <>
            <dt>{t('failure')}</dt>
            <dd class="problem">{r.failure}</dd>
          </>
        )}
      </dl>
      {p.rejects && (
        <>
          <h2 id="rejects">{t('rejectedLines')}</h2>
          {r.lines_rejected === 0 ? (
            <p>{t('noRejects')}</p>
          ) : (
            <>
              <p>{t('rejectsStored', { stored: r.rejects_stored, rejected: r.lines_rejected })}</p>
              <Table head={[t('line'), t('problemsCol'), t('rawLine')]}>
                {p.rejects.map((x) => (
                  <tr data-reject={x.line}>
                    <td>{x.line}</td>
                    <td>{problemText(x.problems)}</td>
                    <td>
                      <code>{x.raw ?? '—'}</code>
                    </td>
                  </tr>
                ))}
              </Table>
              <p class="moves">
                {p.paged && <a href={`/console/directory/imports/${r.id}#rejects`}>{t('firstPage')}</a>}
                {p.next !== null && <a href={`/console/directory/imports/${r.id}?after=${p.next}#rejects`}>{t('nextPage')}</a>}
              </p>
            </>
          )}
        </>
      )}
    </Page>
  );
};

export function importsLink(t: Translator, can: (operation: ApiOperation) => boolean): PageLink[] {
  return can(importsRoute.list) ? [{ href: '/console/directory/imports', label: t('imports') }] : [];
}

export function importPages(app: Hono<ConsoleEnv>, kit: PageKit): void {
  const { can, requireApi, html } = kit;

  const listPage = async (c: C, problems: Problems = {}, status: 200 | 400 = 200) => {
    requireApi(c, importsRoute.list);
    const imports = await listImports(c.var.services.db, 20);
    return html(c, <ImportsPage {...kit.shell(c)} imports={imports} canUpload={can(c, importsRoute.create)} problems={problems} />, status);
  };

  app.get('/directory/imports', (c) => listPage(c));

  /** Imports the posted file through the same upload service as POST /v1/directory/imports. */
  app.post('/directory/imports', async (c) => {
    requireApi(c, importsRoute.create);
    const t = kit.shell(c).t;
    const body = await c.req.parseBody({ all: true });
    const file = body.file;
    if (!(file instanceof File)) return listPage(c, { file: [t('noFile')] }, 400);
    if (file.size === 0) return listPage(c, { file: [t('fileEmpty')] }, 400);
    if (file.size > consoleUploadLimitBytes) return listPage(c, { file: [t('fileTooLarge', { mb: consoleUploadLimitMb })] }, 400);
    const chosen = body.format === 'csv' || body.format === 'ndjson' ? body.format : formatOfName(file.name);
    if (!chosen) return listPage(c, { format: [t('unknownFormat')] }, 400);
    const row = await importUpload(c.var.services, {
      body: file.stream(),
      format: chosen,
      sourceName: file.name.slice(0, 200) || null,
      actorId: c.var.principal.keyId,
      clientSignal: c.req.raw.signal,
    });
    return c.redirect(`/console/directory/imports/${row.id}`, 303);
  });

  app.get('/directory/imports/:id', async (c) => {
    requireApi(c, importsRoute.get);
    const id = c.req.param('id');
    if (!/^imp_[0-9a-z]{1,60}$/.test(id)) throw new NotFoundError('import', id);
    const { db } = c.var.services;
    const row = await getImport(db, id);
    const after = Number(c.req.query('after') ?? 0);
    const from = Number.isInteger(after) && after > 0 ? after : 0;
    const rejects = can(c, importsRoute.rejects) ? await pageRejects(db, id, from, rejectsPage + 1) : null;
    const shown = rejects?.slice(0, rejectsPage) ?? null;
    const next = rejects && rejects.length > rejectsPage ? shown!.at(-1)!.line : null;
    return html(c, <ImportPage {...kit.shell(c)} row={row} rejects={shown} next={next} paged={from > 0} />);
  });
}
