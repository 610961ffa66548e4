// Loads and checks the notice templates, then renders them: refuses to start on a template missing an IV(v) element.
import { Liquid, type Template } from 'liquidjs';
import { parse as parseYaml } from 'yaml';
import { canonicalJson, sha256Hex } from '../lib/hash.js';
import { noticeLocales } from './content.js';
import { resolveLocale } from './locale-chain.js';
import { RenderRefusedError, type NoticeChannel, type NoticeRenderer, type RenderedNotice, type RenderInput } from './renderer.js';
import { smsSize } from './sms-segments.js';

/** What policy IV(v) requires in every notice body, plus how to reach the company. */
export const requiredElements = ['nature_and_impact', 'measures', 'self_protection', 'remedies', 'contact'] as const;

/** Every variable a template may declare. */
export const knownVariables = new Set([
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
  'recipient.name',
  'recipient.is_guardian',
  'links.public_notice',
  'incident.title',
  'incident.discovered_on',
]);

interface PartSpec {
  file: string;
  html: boolean;
  /** Carries the notice itself, so every required element must be there. */
  body: boolean;
}

const partsOf: Record<NoticeChannel, Record<string, PartSpec>> = {
  email: {
    subject: { file: 'email.subject.liquid', html: false, body: false },
    html: { file: 'email.html.liquid', html: true, body: true },
    text: { file: 'email.text.liquid', html: false, body: true },
  },
  sms: { text: { file: 'sms.liquid', html: false, body: true } },
  voice: { text: { file: 'voice.liquid', html: false, body: true } },
  letter: { html: { file: 'letter.html.liquid', html: true, body: true } },
  announcement: { text: { file: 'announcement.liquid', html: false, body: true } },
};

export class TemplateError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`templates/${file}: ${message}`);
    this.name = 'TemplateError';
  }
}

export interface TemplateOptions {
  /** Most SMS parts a notice may take (each part is charged and may arrive out of order). */
  smsMaxParts: number;
  fallbacks?: Record<string, string[]>;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function engine(html: boolean): Liquid {
  const liquid = new Liquid({ strictVariables: true, strictFilters: true, ownPropertyOnly: true, outputEscape: html ? 'escape' : undefined, cache: false });
  // Plain text to HTML paragraphs, escaped here; the template marks the result `raw`.
  liquid.registerFilter('paragraphs', (v: unknown) =>
    String(v ?? '')
      .split(/\n{2,}/)
      .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
      .join('\n'),
  );
  return liquid;
}

function splitFrontMatter(file: string, text: string): { meta: unknown; body: string } {
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(text);
  if (!m) throw new TemplateError(file, 'must open with front matter (---) declaring variables and elements');
  try {
    return { meta: parseYaml(m[1]!), body: text.slice(m[0].length) };
  } catch (err) {
    throw new TemplateError(file, `front matter is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
}

interface LoadedPart {
  template: Template[];
  html: boolean;
}

/** Reads every template of every channel and language, and checks each one; throws TemplateError naming the file. */
export function loadTemplates(files: Record<string, string>, options: TemplateOptions): NoticeRenderer {
  const html = engine(true);
  const text = engine(false);
  const loaded = new Map<string, LoadedPart>();
  for (const locale of noticeLocales) {
    for (const [channel, parts] of Object.entries(partsOf) as [NoticeChannel, Record<string, PartSpec>][]) {
      for (const [name, spec] of Object.entries(parts)) {
        const file = `${locale}/${spec.file}`;
        const source = files[file];
        if (source === undefined) throw new TemplateError(file, 'is missing');
        const { meta, body } = splitFrontMatter(file, source);
        const declared = checkMeta(file, meta, spec, channel);
        const liquid = spec.html ? html : text;
        let template: Template[];
        try {
          template = liquid.parse(body, file);
        } catch (err) {
          throw new TemplateError(file, `does not parse: ${(err as Error).message.split('\n')[0]}`);
        }
        const roots = new Set(liquid.globalVariablesSync(template));
        const used = liquid.fullVariablesSync(template).filter((v) => roots.has(v.split('.')[0]!));
        for (const v of used) {
          if (!declared.variables.has(v)) throw new TemplateError(file, `uses ${v}, which its declared variables do not include`);
        }
        for (const [element, variable] of Object.entries(declared.elements)) {
          if (!used.includes(variable)) throw new TemplateError(file, `declares element ${element} at ${variable}, but never uses ${variable}`);
        }
        loaded.set(`${locale}/${channel}/${name}`, { template, html: spec.html });
      }
    }
  }
  const templatesHash = sha256Hex(canonicalJson(Object.fromEntries(Object.entries(files).filter(([f]) => f.endsWith('.liquid')).sort())));
  return new LiquidRenderer(loaded, html, text, options, templatesHash);
}

function checkMeta(file: string, meta: unknown, spec: PartSpec, channel: NoticeChannel): { variables: Set<string>; elements: Record<string, string> } {
  if (typeof meta !== 'object' || meta === null) throw new TemplateError(file, 'front matter must declare variables and elements');
  const { variables, elements } = meta as { variables?: unknown; elements?: unknown };
  if (!Array.isArray(variables) || !variables.every((v) => typeof v === 'string')) throw new TemplateError(file, 'variables must be a list of names');
  for (const v of variables as string[]) {
    if (!knownVariables.has(v)) throw new TemplateError(file, `declares unknown variable ${v}`);
    if (channel === 'announcement' && v.startsWith('recipient.')) throw new TemplateError(file, `the public announcement may not use ${v}: it carries no personal data`);
  }
  if (typeof elements !== 'object' || elements === null || Array.isArray(elements)) throw new TemplateError(file, 'elements must map each required element to a variable');
  const map = elements as Record<string, unknown>;
  const declaredVars = new Set(variables as string[]);
  for (const [element, variable] of Object.entries(map)) {
    if (!(requiredElements as readonly string[]).includes(element)) throw new TemplateError(file, `unknown element ${element}`);
    if (typeof variable !== 'string' || !declaredVars.has(variable)) throw new TemplateError(file, `element ${element} must name one of its declared variables`);
  }
  if (spec.body) {
    for (const element of requiredElements) {
      if (!(element in map)) throw new TemplateError(file, `lacks the required element ${element}`);
    }
  }
  return { variables: declaredVars, elements: map as Record<string, string> };
}

class LiquidRenderer implements NoticeRenderer {
  readonly locales = noticeLocales;

  constructor(
    private readonly parts: Map<string, LoadedPart>,
    private readonly html: Liquid,
    private readonly text: Liquid,
    private readonly options: TemplateOptions,
    readonly templatesHash: string,
  ) {}

  render(input: RenderInput): RenderedNotice {
    const locale = resolveLocale(input.locale, this.locales, this.options.fallbacks) as (typeof noticeLocales)[number];
    const c = input.content.locales[locale];
    const scope = {
      notice: {
        headline: c.headline,
        nature_and_impact: c.nature_and_impact,
        measures: c.measures,
        self_protection: c.self_protection,
        remedies: c.remedies,
        sms_summary: c.sms_summary,
      },
      contact: { email: input.content.contact.email, phone: input.content.contact.phone, url: input.content.contact.url, hours: input.content.contact.hours ?? null },
      recipient: { name: input.recipient?.name ?? null, is_guardian: input.recipient?.isGuardian ?? false },
      links: { public_notice: input.links.publicNotice },
      incident: { title: input.incident.title, discovered_on: input.incident.discoveredAt.toISOString().slice(0, 10) },
    };
    const run = (name: string): string => {
      const part = this.parts.get(`${locale}/${input.channel}/${name}`)!;
      return (part.html ? this.html : this.text).renderSync(part.template, scope) as string;
    };
    switch (input.channel) {
      case 'email':
        return { channel: 'email', locale, subject: run('subject').trim(), html: run('html'), text: run('text').trim() };
      case 'letter':
        return { channel: 'letter', locale, html: run('html') };
      case 'sms': {
        const body = run('text').trim();
        const size = smsSize(body);
        if (size.parts > this.options.smsMaxParts) {
          throw new RenderRefusedError('sms', locale, `content.locales.${locale}.sms_summary`, `the SMS takes ${size.parts} parts (${size.encoding}); at most ${this.options.smsMaxParts} are allowed — shorten sms_summary`);
        }
        return { channel: 'sms', locale, text: body, sms: { encoding: size.encoding, parts: size.parts, characters: size.characters } };
      }
      default:
        return { channel: input.channel, locale, text: run('text').trim() };
    }
  }
}
