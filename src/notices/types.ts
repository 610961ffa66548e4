// The rules every notice template is held to: which files make up each channel, the IV(v) elements they must declare, the variables they may use.
import { DomainError } from '../errors.js';
import type { NoticeChannel } from './renderer.js';

/** Policy IV(v): the four things every notice must tell a person, plus how to reach the company. */
export const noticeElements = ['nature_and_impact', 'measures', 'self_protection', 'remedies', 'contact'] as const;
export type NoticeElement = (typeof noticeElements)[number];

/** `html` output is auto-escaped; `text` keeps paragraphs; `line` (subjects, SMS) collapses to one line. */
export type PartFormat = 'html' | 'text' | 'line';
export type PartName = 'subject' | 'html' | 'text';

export interface PartSpec {
  part: PartName;
  /** File name inside `templates/<locale>/`. */
  file: string;
  format: PartFormat;
  /** Whether the part carries the notice itself and so must declare every IV(v) element (a subject line need not). */
  carriesElements: boolean;
}

export const channelParts: Readonly<Record<NoticeChannel, readonly PartSpec[]>> = {
  email: [
    { part: 'subject', file: 'email.subject.liquid', format: 'line', carriesElements: false },
    { part: 'html', file: 'email.html.liquid', format: 'html', carriesElements: true },
    { part: 'text', file: 'email.text.liquid', format: 'text', carriesElements: true },
  ],
  sms: [{ part: 'text', file: 'sms.liquid', format: 'line', carriesElements: true }],
  voice: [{ part: 'text', file: 'voice.liquid', format: 'text', carriesElements: true }],
  letter: [{ part: 'text', file: 'letter.liquid', format: 'text', carriesElements: true }],
  announcement: [{ part: 'text', file: 'announcement.liquid', format: 'text', carriesElements: true }],
  inapp: [
    { part: 'subject', file: 'inapp.title.liquid', format: 'line', carriesElements: false },
    { part: 'text', file: 'inapp.liquid', format: 'text', carriesElements: true },
  ],
  // The person's notice page (`/n/{token}`): the notice and nothing else, no contact data of theirs.
  page: [{ part: 'html', file: 'page.html.liquid', format: 'html', carriesElements: true }],
};

/**
 * Every variable the renderer supplies. A template's declared `variables` must come from this list
 * (announcements get no `recipient`), and it may use only what it declares.
 */
export const variableCatalogue = [
  'notice.headline',
  'notice.nature_and_impact',
  'notice.measures',
  'notice.self_protection',
  'notice.remedies',
  'notice.sms_summary',
  'contact.email',
  'contact.phone',
  'contact.url',
  'contact.hours',
  'links.public_notice',
  'links.notice_page',
  'incident.title',
  'incident.discovered_on',
  'recipient.name',
  'recipient.is_guardian',
  'subject.name',
] as const;
export type TemplateVariable = (typeof variableCatalogue)[number];

/** Public notices carry no personal data: nothing about the recipient, no personal link. The notice page shows no name. */
export const channelVariables = (channel: NoticeChannel): readonly TemplateVariable[] =>
  channel === 'announcement'
    ? variableCatalogue.filter((v) => !v.startsWith('recipient.') && !v.startsWith('subject.') && v !== 'links.notice_page')
    : channel === 'page'
      ? variableCatalogue.filter((v) => v !== 'recipient.name' && !v.startsWith('subject.') && v !== 'links.notice_page')
      : variableCatalogue;

export type TemplateProblem =
  | 'missing_template'
  | 'unknown_template'
  | 'front_matter'
  | 'syntax'
  | 'missing_element'
  | 'element_not_shown'
  | 'unknown_element'
  | 'unsafe_filter'
  | 'undeclared_variable'
  | 'unknown_variable';

/** A template the loader refuses; the message names the file and what is wrong. */
export class TemplateError extends DomainError {
  constructor(
    readonly file: string,
    readonly problem: TemplateProblem,
    readonly detail: string,
  ) {
    super(`templates/${file}: ${problemText[problem]}: ${detail}`);
  }
}

const problemText: Record<TemplateProblem, string> = {
  missing_template: 'template missing',
  unknown_template: 'not a known notice template',
  front_matter: 'front matter is invalid',
  syntax: 'Liquid syntax error',
  missing_element: 'lacks the required element',
  element_not_shown: 'declares an element at a variable it never outputs',
  unknown_element: 'declares an unknown element',
  unsafe_filter: 'turns off HTML escaping',
  undeclared_variable: 'uses a variable its front matter does not declare',
  unknown_variable: 'declares a variable the renderer does not supply',
};
