// The page shell every console page shares, and the small pieces pages are built from.
import type { Child, FC } from 'hono/jsx';
import { assetVersion } from './assets.js';
import type { Translator } from './i18n.js';
import type { ConsoleSession } from './session.js';

export interface PageProps {
  t: Translator;
  nonce: string;
  title: string;
  session?: ConsoleSession | undefined;
  csrf?: string | undefined;
  /** The current path with its query, for the language links. */
  here: string;
  children?: Child;
}

const withLang = (here: string, lang: string) => {
  const url = new URL(here, 'http://console.invalid');
  url.searchParams.set('lang', lang);
  return `${url.pathname}${url.search}`;
};

export const Page: FC<PageProps> = ({ t, nonce, title, session, csrf, here, children }) => (
  <html lang={t.lang}>
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{`${title} · ${t('console')}`}</title>
      <link rel="stylesheet" href={`/console/assets/console.css?v=${assetVersion}`} />
      <script src={`/console/assets/console.js?v=${assetVersion}`} nonce={nonce} defer></script>
    </head>
    <body>
      <a class="skip" href="#main">
        {t('skip')}
      </a>
      <header class="top">
        <a class="brand" href="/console/incidents">
          {t('console')}
        </a>
        <nav aria-label={t('console')}>
          <ul>
            {session && (
              <li>
                <a href="/console/incidents">{t('incidents')}</a>
              </li>
            )}
            <li>
              {t.lang === 'en' ? (
                <a href={withLang(here, 'zh-CN')} lang="zh-CN" hreflang="zh-CN">
                  中文
                </a>
              ) : (
                <a href={withLang(here, 'en')} lang="en" hreflang="en">
                  English
                </a>
              )}
            </li>
            {session && (
              <li>
                <span class="muted">{t('signedInAs')}</span> {session.name} <span class="badge">{session.role}</span>
              </li>
            )}
            {session && csrf && (
              <li>
                <form method="post" action="/console/sign-out">
                  <input type="hidden" name="csrf" value={csrf} />
                  <button class="secondary" type="submit">
                    {t('signOut')}
                  </button>
                </form>
              </li>
            )}
          </ul>
        </nav>
      </header>
      <main id="main">
        <h1>{title}</h1>
        {children}
      </main>
    </body>
  </html>
);

/** A moment: UTC in the page (and on hover), the viewer's own zone once the script has run. */
export const Time: FC<{ at: Date | string | null | undefined }> = ({ at }) => {
  if (!at) return <span class="muted">—</span>;
  const d = typeof at === 'string' ? new Date(at) : at;
  return <time datetime={d.toISOString()}>{`${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`}</time>;
};

/** What the last action did, or why it was refused. */
export const Outcome: FC<{ message?: string | undefined; refusal?: string | undefined }> = ({ message, refusal }) => (
  <>
    {message && (
      <p class="notice good" role="status">
        {message}
      </p>
    )}
    {refusal && (
      <p class="notice bad" role="alert">
        {refusal}
      </p>
    )}
  </>
);

export const Csrf: FC<{ token: string }> = ({ token }) => <input type="hidden" name="csrf" value={token} />;

/** Problems by field name, as the API names them. */
export type Problems = Record<string, string[]>;

/** One labelled form field, its hint, and its problems in place (linked for screen readers). */
export const Field: FC<{ name: string; label: string; hint?: string | undefined; problems: Problems; children: (attrs: Record<string, string | boolean | undefined>) => Child }> = ({ name, label, hint, problems, children }) => {
  const id = `f-${name}`;
  const mine = problems[name] ?? [];
  const described = [hint ? `${id}-hint` : '', mine.length ? `${id}-problem` : ''].filter(Boolean).join(' ');
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {hint && (
        <span class="hint" id={`${id}-hint`}>
          {hint}
        </span>
      )}
      {mine.length > 0 && (
        <span class="problem" id={`${id}-problem`}>
          {mine.join('; ')}
        </span>
      )}
      {children({ id, name, 'aria-invalid': mine.length ? 'true' : undefined, 'aria-describedby': described || undefined })}
    </div>
  );
};

/** A table of rows under column headings, scrolling sideways on a narrow screen rather than widening the page. */
export const Table: FC<{ head: Child[]; children: Child }> = ({ head, children }) => (
  <div class="table-wrap">
    <table>
      <thead>
        <tr>
          {head.map((h) => (
            <th scope="col">{h}</th>
          ))}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  </div>
);
