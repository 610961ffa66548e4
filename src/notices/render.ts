// Renders one notice for one recipient from the loaded templates, reusing what does not depend on the recipient.
import type { NoticeContent, NoticeLocale } from './content.js';
import { RenderRefusedError, type NoticeChannel, type NoticeRenderer, type RenderedNotice, type RenderInput, type SharedRendering } from './renderer.js';
import { countSmsSegments, type SmsSegments } from './sms.js';
import { escapeHtml, loadTemplateSet, type LoadedPart, type TemplateSet, type TemplateSetOptions } from './template-set.js';
import type { PartFormat, PartName } from './types.js';
import { sampleNoticePageUrl } from '../notice-pages/link.js';

interface PreparedPart {
  part: PartName;
  format: PartFormat;
  /** The rendered text split at the recipient's name; one piece when the name does not appear. */
  pieces: string[];
}

interface Prepared {
  locale: string;
  parts: PreparedPart[];
  /** Counted once when the SMS does not depend on the recipient. */
  sms?: SmsSegments;
}

interface RecipientScope {
  name: string | null;
  is_guardian: boolean;
}

// Per template set: renderings keyed by the content object (a notice version's content is reused by the fan-out).
const preparedBySet = new WeakMap<TemplateSet, WeakMap<NoticeContent, Map<string, Prepared>>>();
const placeholderBySet = new WeakMap<TemplateSet, string>();

/** A placeholder no responder can type: private-use characters around a random nonce. */
function placeholderFor(set: TemplateSet): string {
  let p = placeholderBySet.get(set);
  if (!p) {
    const nonce = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('');
    p = `\uE000${nonce}\uE001`;
    placeholderBySet.set(set, p);
  }
  return p;
}

// Control and format characters, line separators, and the private-use range the placeholder lives in.
const controls = /[\p{Cc}\p{Cf}\p{Co}\u2028\u2029]/gu;

/** Names come from the directory: no control characters, one space between words, nothing empty. */
function cleanName(name: string | null | undefined): string | null {
  if (!name) return null;
  const clean = name.replace(controls, ' ').replace(/\s+/g, ' ').trim();
  return clean === '' ? null : clean;
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();
function formatDate(date: Date, locale: string, timeZone: string): string {
  const key = `${locale}|${timeZone}`;
  let f = dateFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone });
    dateFormats.set(key, f);
  }
  return f.format(date);
}

const isWebUrl = (u: string) => u.startsWith('https://') || u.startsWith('http://');

/** The person's page link, or a stand-in of its length on the public page's host. */
const noticePageOf = (input: RenderInput): string =>
  input.links.noticePage ?? sampleNoticePageUrl(URL.canParse(input.links.publicNotice) ? new URL(input.links.publicNotice).origin : input.links.publicNotice);

function finish(text: string, format: PartFormat): string {
  if (format === 'line') return text.replace(/\s+/g, ' ').trim();
  if (format === 'text') return text.replace(/[ \t]+$/gm, '').replace(/\n{3,}/g, '\n\n').trim();
  return text.trim();
}

function scopeFor(set: TemplateSet, locale: string, input: RenderInput, recipient: RecipientScope | null, subjectName: string | null) {
  const c = input.content.locales[locale as NoticeLocale];
  if (!c) throw new RenderRefusedError(input.channel, locale, `content.locales.${locale}`, `the notice content has no ${locale} text`);
  const { contact } = input.content;
  if (!isWebUrl(contact.url)) throw new RenderRefusedError(input.channel, locale, 'contact.url', 'must be an http(s) address');
  if (!isWebUrl(input.links.publicNotice)) throw new RenderRefusedError(input.channel, locale, 'links.public_notice', 'must be an http(s) address');
  if (!isWebUrl(noticePageOf(input))) throw new RenderRefusedError(input.channel, locale, 'links.notice_page', 'must be an http(s) address');
  return {
    notice: {
      headline: c.headline,
      nature_and_impact: c.nature_and_impact,
      measures: c.measures,
      self_protection: c.self_protection,
      remedies: c.remedies,
      sms_summary: c.sms_summary ?? null,
    },
    contact: { email: contact.email, phone: contact.phone, url: contact.url, hours: contact.hours ?? null },
    links: { public_notice: input.links.publicNotice, notice_page: noticePageOf(input) },
    incident: { title: input.incident.title, discovered_on: formatDate(input.incident.discoveredAt, locale, set.timeZone) },
    // Announcements are public: their scope has no recipient (nor data subject) at all, so a template cannot reach one.
    ...(recipient ? { recipient, subject: { name: subjectName } } : {}),
  };
}

function renderPart(part: LoadedPart, scope: object): string {
  return finish(part.engine.renderSync(part.templates, scope) as string, part.spec.format);
}

function prepare(set: TemplateSet, parts: readonly LoadedPart[], locale: string, input: RenderInput, recipient: RecipientScope | null, subjectName: string | null = null): Prepared {
  const scope = scopeFor(set, locale, input, recipient, subjectName);
  const placeholder = placeholderFor(set);
  return {
    locale,
    parts: parts.map((p) => ({ part: p.spec.part, format: p.spec.format, pieces: recipient?.name === placeholder ? renderPart(p, scope).split(placeholder) : [renderPart(p, scope)] })),
  };
}

function checkSms(set: TemplateSet, locale: string, text: string): SmsSegments {
  const segments = countSmsSegments(text);
  if (segments.parts > set.smsMaxParts) {
    throw new RenderRefusedError(
      'sms',
      locale,
      `content.locales.${locale}.sms_summary`,
      `the SMS takes ${segments.parts} parts (${segments.characters} ${segments.encoding === 'GSM-7' ? 'GSM-7 septets' : 'UCS-2 code units'}); at most ${set.smsMaxParts} are allowed — shorten sms_summary`,
    );
  }
  return segments;
}

function assemble(channel: NoticeChannel, locale: string, texts: Map<PartName, string>): RenderedNotice {
  switch (channel) {
    case 'email':
      return { channel, locale, subject: texts.get('subject')!, html: texts.get('html')!, text: texts.get('text')! };
    case 'page':
      return { channel, locale, html: texts.get('html')! };
    case 'inapp':
      return { channel, locale, subject: texts.get('subject')!, text: texts.get('text')! };
    default:
      return { channel, locale, text: texts.get('text')! };
  }
}

/** The rendering every recipient with the same notice, language, role and named-or-not shares, with a placeholder for the name. */
function sharedPrepared(set: TemplateSet, parts: readonly LoadedPart[], locale: string, input: RenderInput, named: boolean, isGuardian: boolean): Prepared {
  let byContent = preparedBySet.get(set);
  if (!byContent) preparedBySet.set(set, (byContent = new WeakMap()));
  let cache = byContent.get(input.content);
  if (!cache) byContent.set(input.content, (cache = new Map()));
  const key = `${input.channel}\u0000${locale}\u0000${isGuardian ? 1 : 0}${named ? 1 : 0}\u0000${input.links.publicNotice}\u0000${input.links.noticePage ?? ''}\u0000${input.incident.discoveredAt.getTime()}\u0000${input.incident.title}`;
  let hit = cache.get(key);
  if (!hit) {
    const recipient = input.channel === 'announcement' ? null : { name: named ? placeholderFor(set) : null, is_guardian: isGuardian };
    hit = prepare(set, parts, locale, input, recipient);
    if (input.channel === 'sms' && !named) hit.sms = checkSms(set, locale, hit.parts[0]!.pieces[0]!);
    // Titles and links rarely change within a version; bound the cache if they do.
    if (cache.size >= 256) cache.clear();
    cache.set(key, hit);
  }
  return hit;
}

const sharedByPrepared = new WeakMap<Prepared, SharedRendering>();
// One key per shared rendering made: equal keys, the very same rendering.
let sharedSeq = 0;

/**
 * The recipient's rendering with the name left as a slot, shared by everyone whose notice differs only by
 * the name; null where `renderNotice` would render this recipient alone (a named child, a template that
 * does more with the name than print it) and for SMS, whose parts depend on the name.
 */
export function renderSharedNotice(set: TemplateSet, input: RenderInput): { shared: SharedRendering; name: string | null } | null {
  if (input.channel === 'announcement' || input.channel === 'sms') return null;
  const { locale } = set.resolveLocale(input.locale ?? input.recipient?.locale ?? null);
  const parts = set.parts(locale, input.channel);
  const name = cleanName(input.recipient?.name);
  if (cleanName(input.recipient?.subjectName) !== null || (name !== null && !parts.every((p) => p.nameIsPlain))) return null;
  const prepared = sharedPrepared(set, parts, locale, input, name !== null, input.recipient?.isGuardian ?? false);
  let shared = sharedByPrepared.get(prepared);
  if (!shared) {
    const slot = placeholderFor(set);
    const texts = new Map<PartName, string>();
    for (const p of prepared.parts) texts.set(p.part, p.pieces.join(slot));
    shared = { key: `shared-${++sharedSeq}`, rendered: assemble(input.channel, locale, texts), slot };
    sharedByPrepared.set(prepared, shared);
  }
  return { shared, name };
}

export interface RenderOptions {
  /** Reuse the rendering of the same content for other recipients (default true); false renders from scratch. */
  reuse?: boolean;
}

/**
 * Renders `input.channel` for one recipient in their language (falling back along the chain; the
 * result says which was used). An SMS over the allowed parts is refused with RenderRefusedError.
 */
export function renderNotice(set: TemplateSet, input: RenderInput, options: RenderOptions = {}): RenderedNotice {
  const { locale } = set.resolveLocale(input.locale ?? input.recipient?.locale ?? null);
  const parts = set.parts(locale, input.channel);
  const name = input.channel === 'announcement' ? null : cleanName(input.recipient?.name);
  const isGuardian = input.channel !== 'announcement' && (input.recipient?.isGuardian ?? false);
  const subjectName = input.channel === 'announcement' ? null : cleanName(input.recipient?.subjectName);
  // A notice naming the child it is about is rendered for that child alone.
  const cacheable = options.reuse !== false && subjectName === null && (name === null || parts.every((p) => p.nameIsPlain));

  const prepared = cacheable ? sharedPrepared(set, parts, locale, input, name !== null, isGuardian) : prepare(set, parts, locale, input, { name, is_guardian: isGuardian }, subjectName);

  const texts = new Map<PartName, string>();
  for (const p of prepared.parts) {
    texts.set(p.part, p.pieces.length === 1 ? p.pieces[0]! : p.pieces.join(p.format === 'html' ? escapeHtml(name) : name!));
  }
  const rendered = assemble(input.channel, locale, texts);
  if (input.channel === 'sms') {
    const s = prepared.sms ?? checkSms(set, locale, rendered.text!);
    rendered.sms = { encoding: s.encoding, parts: s.parts, characters: s.characters };
  }
  return rendered;
}

/** The template layer as the notice service and the fan-out use it: load and check once, render many. */
export function createNoticeRenderer(files: Readonly<Record<string, string>>, options: TemplateSetOptions & RenderOptions = {}): NoticeRenderer & { readonly set: TemplateSet } {
  const set = loadTemplateSet(files, options);
  return {
    set,
    templatesHash: set.templatesHash,
    locales: set.locales,
    render: (input) => renderNotice(set, input, options),
    ...(options.reuse === false ? {} : { renderShared: (input: RenderInput) => renderSharedNotice(set, input) }),
  };
}
