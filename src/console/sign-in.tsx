// The sign-in page (API key or single sign-on), and the short pages around signing in.
import type { FC } from 'hono/jsx';
import { Page } from './layout.js';
import type { Translator } from './i18n.js';

export const SignInPage: FC<{ t: Translator; nonce: string; here: string; csrf: string; next: string; sso: boolean; message?: string | undefined; problem?: string | undefined }> = ({ t, nonce, here, csrf, next, sso, message, problem }) => (
  <Page t={t} nonce={nonce} title={t('signIn')} here={here}>
    {message && (
      <p class="notice warn" role="status">
        {message}
      </p>
    )}
    <form class="stack" method="post" action="/console/sign-in">
      <input type="hidden" name="csrf" value={csrf} />
      <input type="hidden" name="next" value={next} />
      <div class="field">
        <label for="f-key">{t('apiKey')}</label>
        <span class="hint" id="f-key-hint">
          {t('apiKeyHint')}
        </span>
        {problem && (
          <span class="problem" id="f-key-problem">
            {problem}
          </span>
        )}
        <input
          type="password"
          id="f-key"
          name="key"
          autocomplete="off"
          required
          aria-invalid={problem ? 'true' : undefined}
          aria-describedby={problem ? 'f-key-hint f-key-problem' : 'f-key-hint'}
        />
      </div>
      <div>
        <button type="submit">{t('signIn')}</button>
      </div>
    </form>
    {sso && (
      <p>
        {t('or')} <a href={`/console/oidc/start?next=${encodeURIComponent(next)}`}>{t('signInWithSso')}</a>
      </p>
    )}
  </Page>
);

/**
 * After single sign-on the browser arrives from the provider's site, so it withholds the SameSite=Strict
 * session cookie on that navigation; this page moves on from our own origin, where it is sent.
 */
export const ContinuePage: FC<{ t: Translator; nonce: string; here: string; next: string }> = ({ t, nonce, here, next }) => (
  <Page t={t} nonce={nonce} title={t('signIn')} here={here}>
    <p>
      <a href={next} data-continue="">
        {t('ssoContinue')}
      </a>
    </p>
  </Page>
);

export const MessagePage: FC<{ t: Translator; nonce: string; here: string; title: string; message: string; signedIn?: boolean }> = ({ t, nonce, here, title, message }) => (
  <Page t={t} nonce={nonce} title={title} here={here}>
    <p class="notice bad" role="alert">
      {message}
    </p>
    <p>
      <a href="/console/incidents">{t('back')}</a>
    </p>
  </Page>
);
