// Email batching that survives personal greetings: one SendGrid body per shared rendering, each person's name a substitution.
import { canonicalJson, sha256Hex } from '../../lib/hash.js';
import type { RenderedNotice, SharedRendering } from '../../notices/renderer.js';
import { escapeHtml } from '../../notices/template-set.js';
import type { OutgoingMessage } from './types.js';

/** What POST /v3/mail/send takes per request and per personalization. */
export const mailSendLimits = {
  personalizations: 1000,
  substitutionsPerPersonalization: 100,
  /** Keys and values of one personalization's substitutions together, UTF-8. */
  substitutionBytes: 10_000,
} as const;

/** The person's own rendering: the shared one with the name in its slot, HTML-escaped in the html part. */
export function fillSlot(shared: SharedRendering, name: string | null): RenderedNotice {
  const r = shared.rendered;
  if (name === null) return r;
  const out: RenderedNotice = { ...r };
  // Split and join, not replaceAll with a string: a name holding `$&` or `$'` would be read as a pattern.
  if (r.subject !== undefined) out.subject = r.subject.split(shared.slot).join(name);
  if (r.text !== undefined) out.text = r.text.split(shared.slot).join(name);
  if (r.html !== undefined) out.html = r.html.split(shared.slot).join(escapeHtml(name));
  return out;
}

/** The proof of one rendering: the hash of exactly these fields (`hash`: any SHA-256 to hex, e.g. the host's native one). */
export const contentHashOfRendering = (rendered: RenderedNotice, hash: (text: string) => string = sha256Hex): string => hash(canonicalJson(rendered));

/** Where a name goes in the canonical JSON of a shared rendering: as written, or HTML-escaped. */
type Hole = 'plain' | 'html';
/** The canonical JSON of a shared rendering cut at its slots: `fixed` has one more entry than `holes`. */
interface ProofTemplate {
  fixed: string[];
  holes: Hole[];
}

const proofTemplates = new WeakMap<SharedRendering, ProofTemplate | null>();
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** JSON's escaping of a string without its quotes: per character for well-formed text, so pieces escaped apart join to the whole. */
const jsonInner = (s: string) => JSON.stringify(s).slice(1, -1);
const textFields = ['html', 'subject', 'text'] as const;

function proofTemplateOf(shared: SharedRendering): ProofTemplate | null {
  const r = shared.rendered;
  const fields = textFields.filter((f) => r[f] !== undefined);
  const markers = fields.map((f) => JSON.stringify(`\u0001${shared.slot}${f}\u0001`));
  const skeleton = canonicalJson({ ...r, ...Object.fromEntries(fields.map((f, i) => [f, JSON.parse(markers[i]!) as string])) });
  const at = markers.map((m) => skeleton.indexOf(m));
  if (at.some((i, k) => i === -1 || skeleton.indexOf(markers[k]!, i + 1) !== -1)) return null;
  const order = fields.map((f, k) => ({ f, at: at[k]!, marker: markers[k]! })).sort((a, b) => a.at - b.at);
  const fixed: string[] = [];
  const holes: Hole[] = [];
  let pos = 0;
  let open = '';
  for (const { f, at: i, marker } of order) {
    const pieces = r[f]!.split(shared.slot);
    if (pieces.some((p) => loneSurrogate.test(p))) return null;
    open += skeleton.slice(pos, i) + '"' + jsonInner(pieces[0]!);
    for (const piece of pieces.slice(1)) {
      fixed.push(open);
      holes.push(f === 'html' ? 'html' : 'plain');
      open = jsonInner(piece);
    }
    open += '"';
    pos = i + marker.length;
  }
  fixed.push(open + skeleton.slice(pos));
  return { fixed, holes };
}

/**
 * The proof of a named person's email, `contentHashOfRendering(fillSlot(shared, name))`, without building
 * their finished text: the shared rendering's canonical JSON is cut once at its slots and each person's
 * is one join of those pieces with their name escaped for JSON (and for HTML in the html part).
 */
export function namedContentHash(shared: SharedRendering, name: string | null, hash: (text: string) => string = sha256Hex): string {
  let template = proofTemplates.get(shared);
  if (template === undefined) proofTemplates.set(shared, (template = proofTemplateOf(shared)));
  if (name === null || template === null || loneSurrogate.test(name)) return contentHashOfRendering(fillSlot(shared, name), hash);
  const plain = jsonInner(name);
  const html = template.holes.includes('html') ? jsonInner(escapeHtml(name)) : '';
  let json = template.fixed[0]!;
  for (let i = 0; i < template.holes.length; i++) json += (template.holes[i] === 'html' ? html : plain) + template.fixed[i + 1]!;
  return hash(json);
}

export interface MailPersonalization {
  to: { email: string }[];
  custom_args: { delivery_id: string };
  substitutions?: Record<string, string>;
}

export interface MailBody {
  from: { email: string };
  subject: string;
  personalizations: MailPersonalization[];
  content: { type: 'text/plain' | 'text/html'; value: string }[];
}

/** One request to make: its body and the messages it carries, in personalization order. */
export interface MailRequest {
  messages: OutgoingMessage[];
  body: MailBody;
}

export interface PlanOptions {
  from: string;
  /** Where the tags' random part comes from (tests pass their own to force a collision). */
  nonce?: () => string;
}

const randomNonce = () => Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join('');

/** Tags as SendGrid advises: no spaces and nothing HTML would encode. One for the html part, one for subject and text. */
const tagsOf = (nonce: string) => ({ html: `-bk${nonce}h-`, text: `-bk${nonce}t-` });

const occurrences = (s: string | undefined, token: string): number => {
  if (!s) return 0;
  let n = 0;
  for (let i = s.indexOf(token); i !== -1; i = s.indexOf(token, i + token.length)) n++;
  return n;
};

const encoder = new TextEncoder();
/** Whether a name fits one personalization's substitutions: checked exactly only when it might not. */
function substitutable(name: string, tagBytes: number): boolean {
  const bound = name.length * 3 * 2 + tagBytes;
  if (bound <= mailSendLimits.substitutionBytes) return true;
  return encoder.encode(name).length + encoder.encode(escapeHtml(name)).length + tagBytes <= mailSendLimits.substitutionBytes;
}

function bodyOf(from: string, content: RenderedNotice, personalizations: MailPersonalization[]): MailBody {
  const text = content.text ?? '';
  const html = content.html ?? content.text ?? '';
  return {
    from: { email: from },
    subject: content.subject ?? '',
    personalizations,
    content: [...(text ? [{ type: 'text/plain' as const, value: text }] : []), ...(html ? [{ type: 'text/html' as const, value: html }] : [])],
  };
}

/** Splits a group into requests in which each address appears once (SendGrid refuses the whole request otherwise) and at most 1000 people. */
function rounds(group: OutgoingMessage[]): OutgoingMessage[][] {
  const out: { seen: Set<string>; rows: OutgoingMessage[] }[] = [];
  let open = 0;
  for (const m of group) {
    const address = m.to.toLowerCase();
    // Rounds before `open` are full; a repeated address looks further on.
    while (open < out.length && out[open]!.rows.length >= mailSendLimits.personalizations) open++;
    let round: (typeof out)[number] | undefined;
    for (let i = open; i < out.length; i++) {
      const r = out[i]!;
      if (r.rows.length < mailSendLimits.personalizations && !r.seen.has(address)) {
        round = r;
        break;
      }
    }
    if (!round) out.push((round = { seen: new Set(), rows: [] }));
    round.seen.add(address);
    round.rows.push(m);
  }
  return out.map((r) => r.rows);
}

/** Each piece cut to the text within `reach` of a slot, a break that no tag holds where text was left out. */
const aroundSlots = (pieces: string[], reach: number): string[] =>
  pieces.map((p, i) => {
    const head = i === 0 ? '' : p.slice(0, reach);
    const tail = i === pieces.length - 1 ? '' : p.slice(-reach);
    return p.length <= head.length + tail.length ? p : `${head}\n${tail}`;
  });

const personalizationOf = (m: OutgoingMessage): MailPersonalization => ({ to: [{ email: m.to }], custom_args: { delivery_id: m.deliveryId } });

/**
 * Requests for one provider call. Messages sharing a rendering go together whatever their names: the body
 * carries the shared text with a tag where the name goes, and each personalization the name for each tag
 * (escaped for HTML, plain for subject and text). Tags are drawn at random per group and kept only when
 * the body holds them exactly where the names go and no person's finished text holds them, so neither
 * the notice text nor a name that looks like a tag is ever substituted; whoever a tag does not suit gets
 * a fresh draw, and after three draws a request of their own with their finished text. Messages without a
 * shared rendering group by identical content, as before.
 */
export function planMailRequests(messages: OutgoingMessage[], options: PlanOptions): MailRequest[] {
  const nonce = options.nonce ?? randomNonce;
  const byShared = new Map<string, OutgoingMessage[]>();
  const byContent = new Map<string, OutgoingMessage[]>();
  for (const m of messages) {
    const shared = m.shared;
    const fits = shared && (shared.name === null || substitutable(shared.name, 64));
    const key = fits ? shared.rendering.key : m.contentHash;
    const map = fits ? byShared : byContent;
    const group = map.get(key);
    if (group) group.push(m);
    else map.set(key, [m]);
  }

  const requests: MailRequest[] = [];
  const plain = (group: OutgoingMessage[]) => {
    for (const round of rounds(group)) requests.push({ messages: round, body: bodyOf(options.from, round[0]!.rendered, round.map(personalizationOf)) });
  };
  for (const group of byContent.values()) plain(group);

  for (const group of byShared.values()) {
    const shared = group[0]!.shared!.rendering;
    const r = shared.rendered;
    const slots = { html: occurrences(r.html, shared.slot), text: occurrences(r.subject, shared.slot) + occurrences(r.text, shared.slot) };
    if (slots.html + slots.text === 0) {
      // Nobody's name appears: one content for all.
      for (const round of rounds(group)) requests.push({ messages: round, body: bodyOf(options.from, r, round.map(personalizationOf)) });
      continue;
    }
    let left = group;
    for (let draw = 0; draw < 3 && left.length > 0; draw++) {
      const tags = tagsOf(nonce());
      const tagged: RenderedNotice = { ...r };
      if (r.subject !== undefined) tagged.subject = r.subject.replaceAll(shared.slot, tags.text);
      if (r.text !== undefined) tagged.text = r.text.replaceAll(shared.slot, tags.text);
      if (r.html !== undefined) tagged.html = r.html.replaceAll(shared.slot, tags.html);
      // The notice text itself must not hold a tag anywhere but where the names go.
      const bodyOk =
        occurrences(tagged.html, tags.html) === slots.html &&
        occurrences(tagged.subject, tags.text) + occurrences(tagged.text, tags.text) === slots.text &&
        ![tagged.subject, tagged.text].some((s) => s?.includes(tags.html)) &&
        !tagged.html?.includes(tags.text);
      if (!bodyOk) continue;
      // The body holds no tag but where names go, so a tag in a person's finished text takes in part of
      // their name: looking at each name with a tag's length of text either side is enough.
      const reach = Math.max(tags.html.length, tags.text.length) - 1;
      const near = textFields.flatMap((f) => (r[f] === undefined ? [] : [{ html: f === 'html', pieces: aroundSlots(r[f].split(shared.slot), reach) }]));
      const suits = (m: OutgoingMessage) => {
        const name = m.shared!.name!;
        const escaped = escapeHtml(name);
        return !near.some(({ html, pieces }) => {
          const s = pieces.join(html ? escaped : name);
          return s.includes(tags.html) || s.includes(tags.text);
        });
      };
      const fit: OutgoingMessage[] = [];
      const unfit: OutgoingMessage[] = [];
      for (const m of left) (suits(m) ? fit : unfit).push(m);
      left = unfit;
      for (const round of rounds(fit)) {
        const personalizations = round.map((m) => {
          const name = m.shared!.name!;
          return { ...personalizationOf(m), substitutions: { [tags.text]: name, [tags.html]: escapeHtml(name) } };
        });
        requests.push({ messages: round, body: bodyOf(options.from, tagged, personalizations) });
      }
    }
    for (const m of left) requests.push({ messages: [m], body: bodyOf(options.from, m.rendered, [personalizationOf(m)]) });
  }
  return requests;
}
