// What a page module needs from the console's router to add its routes: roles from the API, the page shell, refusals.
import type { Context } from 'hono';
import type { ApiOperation } from './api-roles.js';
import type { ConsoleEnv } from './context.js';
import type { Translator } from './i18n.js';
import type { ConsoleSession } from './session.js';

export type ConsoleContext = Context<ConsoleEnv>;

export interface PageKit {
  /** Whether the API admits this session's role to the operation. */
  can(c: ConsoleContext, operation: ApiOperation): boolean;
  /** Refuses (a 403 page) what the API would refuse this role. */
  requireApi(c: ConsoleContext, operation: ApiOperation): void;
  /** The props every page shell takes. */
  shell(c: ConsoleContext): { t: Translator; nonce: string; here: string; session: ConsoleSession; csrf: string };
  /** Renders a page with a status. */
  html(c: ConsoleContext, node: unknown, status?: 200 | 400 | 403 | 404 | 409 | 412 | 422 | 429 | 500): Promise<Response>;
  /** The incident id of the path, or a 404 page. */
  incidentId(c: ConsoleContext): string;
}

/** A link the incident page offers to a page of its own. */
export interface PageLink {
  href: string;
  label: string;
}
