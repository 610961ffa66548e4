// Loads the notice templates once, parses them, and refuses any that lacks an IV(v) element or uses a variable it has not declared.
import { Liquid, Output, Value, type Template } from 'liquidjs';
import { parse as parseYaml } from 'yaml';
import { canonicalJson, sha256Hex } from '../lib/hash.js';
import { noticeLocales } from './content.js';
import { createLocaleResolver, defaultLocaleFallbacks, type ResolvedLocale } from './locale.js';
import { noticeChannels, type NoticeChannel } from './renderer.js';
import { channelParts, channelVariables, noticeElements, TemplateError, type NoticeElement, type PartSpec } from './types.js';

export interface TemplateSetOptions {
  /** Locales that must have every channel; default: every notice language (en, zh-CN). */
  locales?: readonly string[];
  /** Used when the recipient's locale and its fallbacks have no templates; default `en`. */
  defaultLocale?: string;
  /** Extra fallback steps, e.g. `{ zh: ['zh-CN'] }` (the default). */
  localeFallbacks?: Readonly<Record<string, readonly string[]>>;
  /** An SMS over this many parts is refused; default 4. */
  smsMaxParts?: number;
  /** Time zone of `incident.discovered_on`; default UTC. */
  timeZone?: string;
}

export interface LoadedPart {
  spec: PartSpec;
  file: string;
  /** Parsed once at load. */
  templates: Template[];
  engine: Liquid;
  /**
   * True when `recipient.name` appears only as a plain `{{ recipient.name }}` or in `{% if recipient.name %}`:
   * then one rendering with a placeholder name serves every recipient.
   */
  nameIsPlain: boolean;
}

export interface TemplateSet {
  readonly locales: readonly string[];
  /** Hash of every template file: part of a notice version's proof. */
  readonly templatesHash: string;
  readonly smsMaxParts: number;
  readonly timeZone: string;
  readonly resolveLocale: (requested: string | null | undefined) => ResolvedLocale;
  parts(locale: string, channel: NoticeChannel): readonly LoadedPart[];
}

const htmlSpecial = /[&<>"'{}]/;
const htmlSpecialAll = /[&<>"'{}]/g;
const htmlEntities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;', '{': '&#123;', '}': '&#125;' };

/** HTML escaping for every output of an HTML template; braces too, so no `{{` reaches a mail system that templates again. */
export function escapeHtml(value: unknown): string {
  const s = value == null ? '' : String(value);
  return htmlSpecial.test(s) ? s.replace(htmlSpecialAll, (c) => htmlEntities[c]!) : s;
}

/** Plain text → escaped HTML paragraphs: blank lines split paragraphs, single newlines become `<br>`. */
function paragraphs(value: unknown): string {
  return String(value ?? '')
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
    .join('\n');
}

function createEngines(): { html: Liquid; text: Liquid } {
  const base = { strictVariables: true, strictFilters: true, ownPropertyOnly: true } as const;
  const html = new Liquid({ ...base, outputEscape: escapeHtml });
  // Escapes its input itself; templates follow it with `raw` so it is not escaped twice.
  html.registerFilter('paragraphs', paragraphs);
  return { html, text: new Liquid(base) };
}

/** Children of a parsed node, through liquidjs's own analysis hook (synchronous, partials off). */
function childrenOf(node: Template): Template[] {
  if (!node.children) return [];
  const it = node.children(false, true);
  let step = it.next();
  while (!step.done) step = it.next();
  return step.value;
}

function* walk(nodes: Template[]): Generator<Template> {
  for (const node of nodes) {
    yield node;
    yield* walk(childrenOf(node));
  }
}

function* valuesOf(node: Template): Generator<Value> {
  if (!node.arguments) return;
  for (const arg of node.arguments()) if (arg instanceof Value) yield arg;
}

const frontMatter = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/;

interface Declaration {
  variables: Set<string>;
  elements: Map<string, string>;
  /** The body, front matter replaced by as many blank lines so Liquid's errors point at the right line. */
  body: string;
}

function readDeclaration(file: string, source: string, channel: NoticeChannel): Declaration {
  const m = frontMatter.exec(source);
  if (!m) throw new TemplateError(file, 'front_matter', 'the file must open with a --- block declaring `variables` and `elements`');
  let meta: unknown;
  try {
    meta = parseYaml(m[1]!);
  } catch (err) {
    throw new TemplateError(file, 'front_matter', (err as Error).message.split('\n')[0]!);
  }
  const { variables, elements } = (meta ?? {}) as { variables?: unknown; elements?: unknown };
  if (!Array.isArray(variables) || !variables.every((v) => typeof v === 'string')) {
    throw new TemplateError(file, 'front_matter', '`variables` must be a list of variable paths, e.g. notice.measures');
  }
  const supplied = new Set<string>(channelVariables(channel));
  for (const v of variables) {
    if (!supplied.has(v)) throw new TemplateError(file, 'unknown_variable', channel === 'announcement' && v.startsWith('recipient.') ? `${v} (the public announcement carries no personal data)` : v);
  }
  if (typeof elements !== 'object' || elements === null || Array.isArray(elements)) {
    throw new TemplateError(file, 'front_matter', '`elements` must map each IV(v) element to the variable that shows it');
  }
  const map = new Map<string, string>();
  for (const [element, variable] of Object.entries(elements)) {
    if (!(noticeElements as readonly string[]).includes(element)) throw new TemplateError(file, 'unknown_element', `${element}; known: ${noticeElements.join(', ')}`);
    if (typeof variable !== 'string' || !variables.includes(variable)) throw new TemplateError(file, 'front_matter', `element ${element} must name one of the declared variables`);
    map.set(element, variable);
  }
  return { variables: new Set(variables), elements: map, body: '\n'.repeat(m[0].split('\n').length - 1) + source.slice(m[0].length) };
}

function parsePart(file: string, source: string, spec: PartSpec, channel: NoticeChannel, engine: Liquid): LoadedPart {
  const declared = readDeclaration(file, source, channel);
  if (spec.carriesElements) {
    for (const element of noticeElements) if (!declared.elements.has(element)) throw new TemplateError(file, 'missing_element', element satisfies NoticeElement);
  }

  let templates: Template[];
  try {
    templates = engine.parse(declared.body, file);
  } catch (err) {
    throw new TemplateError(file, 'syntax', (err as Error).message.split('\n')[0]!);
  }

  for (const v of engine.globalFullVariablesSync(templates)) if (!declared.variables.has(v)) throw new TemplateError(file, 'undeclared_variable', v);

  // An element counts only where its variable is printed, not merely tested in an `if`.
  const printed = new Set<string>();
  for (const node of walk(templates)) {
    if (node instanceof Output) for (const v of engine.globalFullVariablesSync([node])) printed.add(v);
    if (spec.format === 'html') {
      for (const value of valuesOf(node)) {
        value.filters.forEach((f, i) => {
          // `raw` is only for the output of `paragraphs`, which escapes on its own.
          if (f.name === 'raw' && value.filters[i - 1]?.name !== 'paragraphs') throw new TemplateError(file, 'unsafe_filter', 'raw is allowed only right after paragraphs');
        });
      }
    }
  }
  for (const [element, variable] of declared.elements) {
    if (!printed.has(variable)) throw new TemplateError(file, 'element_not_shown', `${element} at ${variable}`);
  }

  return { spec, file, templates, engine, nameIsPlain: nameIsPlain(engine, templates, declared.body) };
}

const plainNameUse = /\{\{-?\s*recipient\.name\s*-?\}\}|\{%-?\s*(?:if|elsif|unless)\s+recipient\.name\s*-?%\}/g;

function nameIsPlain(engine: Liquid, templates: Template[], body: string): boolean {
  const uses = (engine.analyzeSync(templates).globals['recipient'] ?? []).filter((v) => v.toString() === 'recipient.name').length;
  return uses === (body.match(plainNameUse)?.length ?? 0);
}

/**
 * Parses and checks every template: each locale must have every channel part, each body part must
 * declare all IV(v) elements plus contact details at variables it prints, and use only the variables
 * its front matter declares. `files` maps paths relative to the templates folder (`en/sms.liquid`) to
 * their text; other files (a README) are ignored, unknown `.liquid` files refused.
 */
export function loadTemplateSet(files: Readonly<Record<string, string>>, options: TemplateSetOptions = {}): TemplateSet {
  const locales = options.locales ?? noticeLocales;
  const engines = createEngines();
  const known = new Map<string, { locale: string; channel: NoticeChannel; spec: PartSpec }>();
  for (const locale of locales) {
    for (const channel of noticeChannels) for (const spec of channelParts[channel]) known.set(`${locale}/${spec.file}`, { locale, channel, spec });
  }
  // Report drafts for regulators live under obligations/ and are loaded by their own renderer.
  const liquidFiles = Object.keys(files)
    .filter((f) => f.endsWith('.liquid') && !f.startsWith('obligations/'))
    .sort();
  for (const f of liquidFiles) if (!known.has(f)) throw new TemplateError(f, 'unknown_template', `expected <locale>/<channel file> with locale one of ${locales.join(', ')}`);

  const byKey = new Map<string, LoadedPart[]>();
  for (const [path, { locale, channel, spec }] of known) {
    const source = files[path];
    if (source === undefined) throw new TemplateError(path, 'missing_template', `${channel} ${spec.part} for ${locale}`);
    const key = `${locale}/${channel}`;
    byKey.set(key, [...(byKey.get(key) ?? []), parsePart(path, source, spec, channel, spec.format === 'html' ? engines.html : engines.text)]);
  }

  return {
    locales,
    templatesHash: sha256Hex(canonicalJson(liquidFiles.map((f) => [f, files[f]]))),
    smsMaxParts: options.smsMaxParts ?? 4,
    timeZone: options.timeZone ?? 'UTC',
    resolveLocale: createLocaleResolver({ available: locales, defaultLocale: options.defaultLocale ?? 'en', fallbacks: options.localeFallbacks ?? defaultLocaleFallbacks }),
    parts: (locale, channel) => {
      const parts = byKey.get(`${locale}/${channel}`);
      if (!parts) throw new Error(`no templates for ${channel} in ${locale}`);
      return parts;
    },
  };
}
