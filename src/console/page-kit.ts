// What a console page module is handed by the console's router: the same role checks, page shell and rendering as every other page.
import type { Context } from 'hono';
import type { ApiOperation } from './api-roles.js';
import type { ConsoleEnv } from './context.js';
import type { Translator } from './i18n.js';
import type { ConsoleSession } from './session.js';

type C = Context<ConsoleEnv>;

export interface PageKit {
  /** Whether this session's role may do what the API operation does. */
  can: (c: C, operation: ApiOperation) => boolean;
  /** Refuses (a 403 page) what the API would refuse this role, before any service runs. */
  requireApi: (c: C, operation: ApiOperation) => void;
  /** What every signed-in page's shell takes. */
  shell: (c: C) => { t: Translator; nonce: string; here: string; session: ConsoleSession; csrf: string };
  html: (c: C, node: unknown, status?: 200 | 400 | 403 | 404 | 409 | 412 | 422 | 500) => Promise<Response>;
  /** The incident id of the path, or a 404 page. */
  incidentId: (c: C) => string;
}

/** A link the incident page offers to a page of its own. */
export interface PageLink {
  href: string;
  label: string;
}
