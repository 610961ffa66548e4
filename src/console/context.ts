// What a console handler sees besides the API's context: the page nonce, the language, and the session.
import type { AppEnv } from '../http/context.js';
import type { ConsoleSession } from './session.js';
import type { Lang } from './i18n.js';

export interface ConsoleEnv {
  Variables: AppEnv['Variables'] & {
    nonce: string;
    lang: Lang;
    session: ConsoleSession;
    /** The session's token from the cookie; the CSRF token is derived from it. */
    sessionToken: string;
  };
}
