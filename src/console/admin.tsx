// The administrator's pages: API keys (list, create showing the secret once, revoke) and the organisation profile with its versions.
import type { Context, Hono } from 'hono';
import type { FC } from 'hono/jsx';
import { fieldProblems } from '../http/openapi.js';
import { roles } from '../http/context.js';
import { ConflictError, type FieldProblem } from '../errors.js';
import { issueKey, listKeys, revokeKey, type ApiKey } from '../api-keys/service.js';
import { createKeyBody } from '../api-keys/routes.js';
import { listProfileVersions, profileSchema, saveProfile, type ProfileVersion } from '../obligations/profile.js';
import type { ApiOperation } from './api-roles.js';
import type { ConsoleEnv } from './context.js';
import { formValues } from './forms.js';
import type { Translator } from './i18n.js';
import { OtherProblems } from './incidents.js';
import { Csrf, Field, Page, Table, Time, type PageProps, type Problems, Outcome } from './layout.js';
import type { PageKit, PageLink } from './page-kit.js';
import { placeProfileProblems, profileBodyOf, profileFlags, profileValuesOf, returnAddressFields, type ProfileField, type ProfileValues } from './profile-form.js';

type C = Context<ConsoleEnv>;

export const adminRoute = {
  keys: 'GET /v1/api-keys',
  createKey: 'POST /v1/api-keys',
  revokeKey: 'DELETE /v1/api-keys/{id}',
  // The page edits the profile, which only an administrator may: it is the administrator's page.
  organisation: 'PUT /v1/organisation',
} as const satisfies Record<string, ApiOperation>;

type Shell = Omit<PageProps, 'title' | 'children'> & { t: Translator; csrf: string };

const AdminNav: FC<{ t: Translator }> = ({ t }) => (
  <nav aria-label={t('admin')}>
    <ul class="moves">
      <li>
        <a href="/console/admin/api-keys">{t('apiKeys')}</a>
      </li>
      <li>
        <a href="/console/admin/organisation">{t('organisation')}</a>
      </li>
    </ul>
  </nav>
);

interface KeysProps extends Shell {
  keys: ApiKey[];
  withRevoked: boolean;
  values: { name?: string; role?: string };
  problems: Problems;
  other: FieldProblem[];
  created?: { name: string; token: string } | undefined;
  message?: string | undefined;
  refusal?: string | undefined;
}

const KeysPage: FC<KeysProps> = (p) => {
  const { t } = p;
  return (
    <Page {...p} title={t('apiKeys')}>
      <AdminNav t={t} />
      {p.created && (
        <div class="notice good" role="status" data-secret>
          <p>{t('keyCreated', { name: p.created.name })}</p>
          <div class="field">
            <label for="new-secret">{t('secret')}</label>
            <input type="text" id="new-secret" readonly value={p.created.token} />
          </div>
        </div>
      )}
      <Outcome message={p.message} refusal={p.refusal} />
      <h2 id="create">{t('createKey')}</h2>
      <OtherProblems t={t} problems={p.problems} other={p.other} />
      <form class="stack" method="post" action="/console/admin/api-keys" novalidate aria-labelledby="create">
        <Csrf token={p.csrf} />
        <Field name="name" label={t('keyName')} hint={t('keyNameHint')} problems={p.problems}>
          {(a) => <input type="text" {...a} value={p.values.name ?? ''} maxlength={200} required />}
        </Field>
        <Field name="role" label={t('role')} problems={p.problems}>
          {(a) => (
            <select {...a}>
              {roles.map((r) => (
                <option value={r} selected={(p.values.role ?? 'responder') === r}>
                  {r}
                </option>
              ))}
            </select>
          )}
        </Field>
        <div>
          <button type="submit">{t('createKey')}</button>
        </div>
      </form>
      <h2>{t('apiKeys')}</h2>
      <p>
        <a href={p.withRevoked ? '/console/admin/api-keys' : '/console/admin/api-keys?revoked=1'}>{p.withRevoked ? t('active') : t('showRevoked')}</a>
      </p>
      <Table head={[t('keyName'), t('role'), t('tokenPrefix'), t('createdAt'), t('revokedAt'), t('revoke')]}>
        {p.keys.map((k) => (
          <tr data-key={k.id}>
            <td>{k.name}</td>
            <td>{k.role}</td>
            <td>
              <code>{`${k.token_prefix}…`}</code>
            </td>
            <td>
              <Time at={k.created_at} />
            </td>
            <td>{k.revoked_at ? <Time at={k.revoked_at} /> : t('active')}</td>
            <td>
              {!k.revoked_at && (
                <form method="post" action={`/console/admin/api-keys/${k.id}/revoke`}>
                  <Csrf token={p.csrf} />
                  <button type="submit" class="secondary" aria-label={t('revokeKey', { name: k.name })}>
                    {t('revoke')}
                  </button>
                </form>
              )}
            </td>
          </tr>
        ))}
      </Table>
    </Page>
  );
};

interface OrganisationProps extends Shell {
  versions: ProfileVersion[];
  shown: ProfileVersion | undefined;
  values: ProfileValues;
  problems: Problems;
  other: FieldProblem[];
  message?: string | undefined;
  refusal?: string | undefined;
}

const flagText = (t: Translator, v: boolean | null) => (v === null ? t('unknown') : v ? t('yes') : t('no'));

const OrganisationPage: FC<OrganisationProps> = (p) => {
  const { t } = p;
  const current = p.versions[0];
  const s = p.shown?.profile;
  const text = (f: ProfileField, label: string, hint?: string) => (
    <Field name={f} label={label} hint={hint} problems={p.problems}>
      {(a) => <input type="text" {...a} value={p.values[f] ?? ''} />}
    </Field>
  );
  const area = (f: ProfileField, label: string, hint?: string) => (
    <Field name={f} label={label} hint={hint} problems={p.problems}>
      {(a) => (
        <textarea {...a} rows={3}>
          {p.values[f] ?? ''}
        </textarea>
      )}
    </Field>
  );
  return (
    <Page {...p} title={t('organisation')}>
      <AdminNav t={t} />
      <Outcome message={p.message} refusal={p.refusal} />
      {!s || !p.shown ? (
        <p>{t('noProfile')}</p>
      ) : (
        <>
          <p>{t('showingVersion', { n: p.shown.version })}</p>
          <dl class="facts" data-profile-version={p.shown.version}>
            <dt>{t('companyName')}</dt>
            <dd>{s.name || '—'}</dd>
            <dt>{t('contactName')}</dt>
            <dd>{s.contact.name || '—'}</dd>
            <dt>{t('contactEmail')}</dt>
            <dd>{s.contact.email ?? '—'}</dd>
            <dt>{t('contactPhone')}</dt>
            <dd>{s.contact.phone ?? '—'}</dd>
            <dt>{t('returnAddress')}</dt>
            <dd>{s.return_address ? returnAddressFields.map((f) => s.return_address![f]).filter(Boolean).join(', ') : '—'}</dd>
            {profileFlags.map((f) => (
              <>
                <dt>{t(f)}</dt>
                <dd>{flagText(t, s[f])}</dd>
              </>
            ))}
            <dt>{t('onCall')}</dt>
            <dd>{s.on_call.map((o) => [o.name, o.email, o.phone].filter(Boolean).join(', ')).join('; ') || '—'}</dd>
            <dt>{t('reminderThresholds')}</dt>
            <dd>{s.reminder_thresholds.join(', ')}</dd>
            <dt>{t('immediateTargetHours')}</dt>
            <dd>{s.immediate_target_hours}</dd>
            <dt>{t('dueSoonHours')}</dt>
            <dd>{s.due_soon_hours ?? '—'}</dd>
          </dl>
        </>
      )}
      <h2>{t('profileVersions')}</h2>
      {p.versions.length === 0 ? (
        <p>{t('noProfile')}</p>
      ) : (
        <Table head={[t('version'), t('effectiveFrom'), t('createdAt'), t('actor'), t('show')]}>
          {p.versions.map((v) => (
            <tr data-version={v.version}>
              <td>{v.version}</td>
              <td>{v.effective_from ? <Time at={v.effective_from} /> : t('fromTheBeginning')}</td>
              <td>
                <Time at={v.created_at} />
              </td>
              <td>{v.created_by}</td>
              <td>
                <a href={`/console/admin/organisation?version=${v.version}`} aria-label={`${t('show')} ${t('version')} ${v.version}`}>
                  {t('show')}
                </a>
              </td>
            </tr>
          ))}
        </Table>
      )}
      <h2 id="edit">{t('editProfile')}</h2>
      <OtherProblems t={t} problems={p.problems} other={p.other} />
      <form class="stack" method="post" action="/console/admin/organisation" novalidate aria-labelledby="edit">
        <Csrf token={p.csrf} />
        <input type="hidden" name="version" value={String(current?.version ?? 0)} />
        {text('name', t('companyName'))}
        {text('contact_name', t('contactName'))}
        {text('contact_email', t('contactEmail'))}
        {text('contact_phone', t('contactPhone'))}
        {area('contact_address', t('contactAddress'))}
        <fieldset class="stack">
          <legend>{t('returnAddress')}</legend>
          <span class="hint">{t('returnAddressHint')}</span>
          {returnAddressFields.map((f) => text(`ra_${f}`, t(`ra_${f}`)))}
        </fieldset>
        <fieldset class="stack">
          <legend>{t('regimes')}</legend>
          {profileFlags.map((f) => (
            <Field name={f} label={t(f)} problems={p.problems}>
              {(a) => (
                <select {...a}>
                  {(['', 'true', 'false'] as const).map((v) => (
                    <option value={v} selected={(p.values[f] ?? '') === v}>
                      {v === '' ? t('unknown') : v === 'true' ? t('yes') : t('no')}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          ))}
        </fieldset>
        {area('on_call', t('onCall'), t('onCallHint'))}
        {text('reminder_thresholds', t('reminderThresholds'), t('reminderThresholdsHint'))}
        {text('immediate_target_hours', t('immediateTargetHours'))}
        {area('immediate_target_by_rule', t('immediateTargetByRule'), t('immediateTargetByRuleHint'))}
        {text('due_soon_hours', t('dueSoonHours'))}
        <div>
          <button type="submit">{t('save')}</button>
        </div>
      </form>
    </Page>
  );
};

export function adminLinks(t: Translator, can: (operation: ApiOperation) => boolean): PageLink[] {
  return [
    ...(can(adminRoute.keys) ? [{ href: '/console/admin/api-keys', label: t('apiKeys') }] : []),
    ...(can(adminRoute.organisation) ? [{ href: '/console/admin/organisation', label: t('organisation') }] : []),
  ];
}

export function adminPages(app: Hono<ConsoleEnv>, kit: PageKit): void {
  const { requireApi, html } = kit;

  interface KeysExtra {
    values?: { name?: string; role?: string };
    problems?: Problems;
    other?: FieldProblem[];
    created?: { name: string; token: string };
    message?: string;
    refusal?: string;
  }

  const keysPage = async (c: C, extra: KeysExtra = {}, status: 200 | 400 | 409 = 200) => {
    requireApi(c, adminRoute.keys);
    const withRevoked = c.req.query('revoked') === '1';
    const keys = await listKeys(c.var.services.db, withRevoked);
    return html(c, <KeysPage {...kit.shell(c)} keys={keys} withRevoked={withRevoked} values={extra.values ?? {}} problems={extra.problems ?? {}} other={extra.other ?? []} created={extra.created} message={extra.message} refusal={extra.refusal} />, status);
  };

  app.get('/admin/api-keys', async (c) => {
    const revoked = c.req.query('done');
    return keysPage(c, { message: revoked ? kit.shell(c).t('keyRevoked', { name: revoked }) : undefined });
  });

  /** Issues a key through the same schema and service as POST /v1/api-keys; the page answering the post is the only place its secret appears. */
  app.post('/admin/api-keys', async (c) => {
    requireApi(c, adminRoute.createKey);
    const form = formValues(await c.req.parseBody({ all: true }));
    const values = { name: typeof form.name === 'string' ? form.name : '', role: typeof form.role === 'string' ? form.role : '' };
    const parsed = createKeyBody.safeParse({ name: values.name.trim(), role: values.role });
    if (!parsed.success) {
      const problems: Problems = {};
      const other: FieldProblem[] = [];
      for (const p of fieldProblems(parsed.error.issues)) {
        if (p.field === 'name' || p.field === 'role') (problems[p.field] ??= []).push(p.message);
        else other.push(p);
      }
      return keysPage(c, { values, problems, other }, 400);
    }
    const { db, clock } = c.var.services;
    const { key, token } = await issueKey(db, { name: parsed.data.name, role: parsed.data.role, createdBy: c.var.principal.keyId, now: clock.now() });
    return keysPage(c, { created: { name: key.name, token } });
  });

  app.post('/admin/api-keys/:id/revoke', async (c) => {
    requireApi(c, adminRoute.revokeKey);
    const id = c.req.param('id');
    if (!/^key_[0-9a-z]{1,60}$/.test(id)) return keysPage(c, { refusal: kit.shell(c).t('notFound') }, 400);
    const { db, clock } = c.var.services;
    try {
      const key = await revokeKey(db, id, clock.now());
      return c.redirect(`/console/admin/api-keys?done=${encodeURIComponent(key.name)}`, 303);
    } catch (err) {
      if (err instanceof ConflictError) return keysPage(c, { refusal: err.message }, 409);
      throw err;
    }
  });

  interface OrganisationExtra {
    values?: ProfileValues;
    problems?: Problems;
    other?: FieldProblem[];
    message?: string;
    refusal?: string;
  }

  const organisationPage = async (c: C, extra: OrganisationExtra = {}, status: 200 | 400 | 412 = 200) => {
    requireApi(c, adminRoute.organisation);
    const versions = await listProfileVersions(c.var.services.db);
    const asked = Number(c.req.query('version'));
    const shown = versions.find((v) => v.version === asked) ?? versions[0];
    const values = extra.values ?? (versions[0] ? profileValuesOf(versions[0].profile) : profileValuesOf(profileSchema.parse({})));
    return html(c, <OrganisationPage {...kit.shell(c)} versions={versions} shown={shown} values={values} problems={extra.problems ?? {}} other={extra.other ?? []} message={extra.message} refusal={extra.refusal} />, status);
  };

  app.get('/admin/organisation', async (c) => {
    const saved = c.req.query('saved');
    return organisationPage(c, { message: saved && /^\d+$/.test(saved) ? kit.shell(c).t('profileSaved', { n: saved }) : undefined });
  });

  /** Records a new profile version through the same schema and service as PUT /v1/organisation, if nobody saved one since the form was read. */
  app.post('/admin/organisation', async (c) => {
    requireApi(c, adminRoute.organisation);
    const form = formValues(await c.req.parseBody({ all: true }));
    const values = Object.fromEntries(Object.entries(form).filter((e): e is [string, string] => typeof e[1] === 'string')) as ProfileValues & { version?: string };
    const { db, clock } = c.var.services;
    const [latest] = await listProfileVersions(db);
    const read = Number(values.version);
    if (read !== (latest?.version ?? 0)) return organisationPage(c, { refusal: kit.shell(c).t('profileStale', { read: values.version ?? '', now: latest?.version ?? 0 }) }, 412);
    const parsed = profileSchema.safeParse(profileBodyOf(values));
    if (!parsed.success) {
      const placed = placeProfileProblems(fieldProblems(parsed.error.issues));
      return organisationPage(c, { values, problems: placed.byField, other: placed.other }, 400);
    }
    const saved = await saveProfile(db, parsed.data, c.var.principal.keyId, clock.now());
    return c.redirect(`/console/admin/organisation?saved=${saved.version}`, 303);
  });
}
