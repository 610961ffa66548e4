// Runbooks: Markdown with front matter and numbered steps, checked at start; a broken one names its file and line.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { natures, type Nature } from '../incidents/vocabulary.js';
import { parseAmount, resolveAnchor } from './due.js';
import { clockAnchors, RunbookError, requiredSections, stepRoles, type DueOffset, type Runbook, type RunbookStep, type StepRole } from './types.js';

// Callers import everything about runbooks from this one module.
export * from './types.js';
export * from './due.js';

const slugPattern = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const frontMatterKeys = ['slug', 'title', 'version', 'natures', 'roles'] as const;
const anchorNames = clockAnchors.map((a) => a.replace(/_(at|from)$/, '')).join(', ');

interface Line {
  text: string;
  /** 1-based line number in the file. */
  no: number;
}

interface Section {
  line: number;
  body: Line[];
}

interface FrontMatter {
  slug: string;
  slugLine: number;
  title: string;
  version: string;
  natures: Nature[];
  roles: Record<string, StepRole>;
  roleLines: Record<string, number>;
}

export function parseRunbook(file: string, text: string): Runbook {
  return parse(file, text).runbook;
}

/** Parses every runbook in a folder's map of relative path → text (README files and non-Markdown aside); slugs must be unique. */
export function loadRunbooks(files: Record<string, string>): Map<string, Runbook> {
  const out = new Map<string, Runbook>();
  for (const [file, text] of Object.entries(files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const name = file.slice(file.lastIndexOf('/') + 1);
    if (!name.endsWith('.md') || name.toLowerCase() === 'readme.md') continue;
    const { runbook, slugLine } = parse(file, text);
    const taken = out.get(runbook.slug);
    if (taken) throw new RunbookError(file, slugLine, `slug ${runbook.slug} is already used by ${taken.file}`);
    out.set(runbook.slug, runbook);
  }
  return out;
}

/** The runbooks that attach themselves to an incident of this nature, in slug order. */
export function runbooksForNature(runbooks: ReadonlyMap<string, Runbook>, nature: Nature): Runbook[] {
  return [...runbooks.values()].filter((r) => r.natures.includes(nature)).sort((a, b) => (a.slug < b.slug ? -1 : 1));
}

function parse(file: string, text: string): { runbook: Runbook; slugLine: number } {
  const fail = (line: number, problem: string): never => {
    throw new RunbookError(file, line, problem);
  };
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const lastLine = lines.length - (lines.at(-1) === '' ? 1 : 0);
  if (lines[0]?.trim() !== '---') fail(1, 'a runbook opens with front matter between two --- lines');
  const end = lines.findIndex((l, i) => i > 0 && l.trim() === '---');
  if (end === -1) fail(1, 'the front matter is never closed with ---');
  const meta = readFrontMatter(lines.slice(1, end).join('\n'), fail);

  const sections = splitSections(lines, end + 1, fail);
  for (const name of requiredSections) {
    if (!sections.has(name)) fail(lastLine, `the section "## ${name}" is missing`);
  }
  for (const [name, section] of sections) {
    if (!section.body.some((l) => l.text.trim())) fail(section.line, `the section "## ${name}" is empty`);
  }

  const rolesText = sectionText(sections.get('Roles')!);
  for (const fn of Object.keys(meta.roles)) {
    if (!rolesText.includes(`**${fn}**`)) fail(meta.roleLines[fn]!, `role ${fn} is not described under "## Roles" (write **${fn}**: what they do)`);
  }

  const preflightSection = sections.get('Preflight')!;
  const preflight = listItems(preflightSection.body);
  if (preflight.length === 0) fail(preflightSection.line, 'the Preflight section lists its checks as "- [ ] …" items');

  const steps = readSteps(sections.get('Steps')!, meta, fail);
  const runbook: Runbook = {
    slug: meta.slug,
    title: meta.title,
    version: meta.version,
    natures: meta.natures,
    roles: meta.roles,
    file,
    sections: Object.fromEntries([...sections].map(([name, s]) => [name, sectionText(s)])),
    preflight,
    steps,
  };
  return { runbook, slugLine: meta.slugLine };
}

function readFrontMatter(source: string, fail: (line: number, problem: string) => never): FrontMatter {
  // The YAML starts on line 2 of the file, after the opening ---.
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, uniqueKeys: true, prettyErrors: true });
  const lineOf = (node: Node | null | undefined): number => (node?.range ? 1 + lineCounter.linePos(node.range[0]).line : 1);
  const firstError = doc.errors[0];
  if (firstError) {
    const at = firstError.linePos?.[0]?.line ?? 1;
    fail(1 + at, `front matter is not valid YAML: ${firstError.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  if (!isMap(doc.contents)) return fail(2, `front matter must be keys and values: ${frontMatterKeys.join(', ')}`);

  const values = new Map<string, { node: Node | null; line: number }>();
  for (const pair of doc.contents.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const line = lineOf(pair.key as Node);
    if (!(frontMatterKeys as readonly string[]).includes(key)) fail(line, `unknown front matter key "${key}"; the keys are ${frontMatterKeys.join(', ')}`);
    values.set(key, { node: (pair.value as Node | null) ?? null, line });
  }
  const need = (key: string) => values.get(key) ?? fail(1, `front matter lacks ${key}`);
  const scalar = (node: Node | null): unknown => (isScalar(node) ? node.value : undefined);

  const slug = need('slug');
  const slugValue = scalar(slug.node);
  if (typeof slugValue !== 'string' || !slugPattern.test(slugValue)) fail(slug.line, 'slug must be lower-case words joined by hyphens');

  const title = need('title');
  const titleValue = scalar(title.node);
  if (typeof titleValue !== 'string' || !titleValue.trim()) fail(title.line, 'title must be text');

  const version = need('version');
  const versionValue = scalar(version.node);
  const versionOk = (typeof versionValue === 'number' && Number.isInteger(versionValue) && versionValue > 0) || (typeof versionValue === 'string' && versionValue.trim() !== '');
  if (!versionOk) fail(version.line, 'version must be a whole number from 1, or a version string');

  const attach = need('natures');
  const attachNatures: Nature[] = [];
  if (!isSeq(attach.node)) fail(attach.line, `natures must be a list (write [] to attach by hand only) of: ${natures.join(', ')}`);
  for (const item of (attach.node as { items: unknown[] }).items) {
    const value = scalar(item as Node);
    const line = lineOf(item as Node);
    if (!(natures as readonly unknown[]).includes(value)) fail(line, `unknown nature ${String(value)}; natures are ${natures.join(', ')}`);
    if (attachNatures.includes(value as Nature)) fail(line, `nature ${String(value)} is listed twice`);
    attachNatures.push(value as Nature);
  }

  const roles: Record<string, StepRole> = {};
  const roleLines: Record<string, number> = {};
  const declared = values.get('roles');
  if (declared && declared.node !== null) {
    if (!isMap(declared.node)) fail(declared.line, 'roles maps each function to an API role, e.g. "legal: approver"');
    for (const pair of declared.node.items) {
      const fn = isScalar(pair.key) ? String(pair.key.value) : '';
      const role = scalar(pair.value as Node);
      const line = lineOf(pair.key as Node);
      if (!slugPattern.test(fn)) fail(line, `role name "${fn}" must be lower-case words joined by hyphens`);
      if (!(stepRoles as readonly unknown[]).includes(role)) fail(line, `role ${fn} must map to one of ${stepRoles.join(', ')}`);
      if ((stepRoles as readonly string[]).includes(fn) && role !== fn) fail(line, `${fn} is an API role and cannot stand for ${String(role)}`);
      roles[fn] = role as StepRole;
      roleLines[fn] = line;
    }
  }

  return {
    slug: slugValue as string,
    slugLine: slug.line,
    title: (titleValue as string).trim(),
    version: String(versionValue),
    natures: attachNatures,
    roles,
    roleLines,
  };
}

/** `## Heading` sections from `start` on; headings inside fenced code do not count. */
function splitSections(lines: string[], start: number, fail: (line: number, problem: string) => never): Map<string, Section> {
  const sections = new Map<string, Section>();
  let current: Section | null = null;
  let fence: string | null = null;
  for (let i = start; i < lines.length; i++) {
    const text = lines[i]!;
    const marker = /^\s*(`{3,}|~{3,})/.exec(text)?.[1];
    if (marker && (fence === null || marker.startsWith(fence))) fence = fence === null ? marker : null;
    const heading = fence === null && !marker ? /^##\s+(.+?)\s*#*\s*$/.exec(text) : null;
    if (heading) {
      const name = heading[1]!;
      if (sections.has(name)) fail(i + 1, `the section "## ${name}" appears twice (first on line ${sections.get(name)!.line})`);
      current = { line: i + 1, body: [] };
      sections.set(name, current);
    } else if (current) {
      current.body.push({ text, no: i + 1 });
    }
  }
  return sections;
}

function sectionText(section: Section): string {
  return section.body
    .map((l) => l.text)
    .join('\n')
    .trim();
}

/** Top-level list items (`- …`, `- [ ] …`), with indented continuation lines joined on. */
function listItems(body: Line[]): string[] {
  const items: string[] = [];
  for (const { text } of body) {
    const item = /^[-*+]\s+(?:\[[ xX]\]\s+)?(.*)$/.exec(text);
    if (item) items.push(item[1]!.trim());
    else if (/^\s+\S/.test(text) && items.length > 0) items[items.length - 1] += ` ${text.trim()}`;
  }
  return items;
}

function readSteps(section: Section, meta: FrontMatter, fail: (line: number, problem: string) => never): RunbookStep[] {
  const steps: RunbookStep[] = [];
  const details = new Map<RunbookStep, string[]>();
  const firstSeen = new Map<number, number>();
  let phase: string | null = null;
  let current: RunbookStep | null = null;

  for (const { text, no } of section.body) {
    if (!text.trim()) {
      if (current) details.get(current)!.push('');
      continue;
    }
    const phaseHeading = /^###\s+(.+?)\s*#*\s*$/.exec(text);
    if (phaseHeading) {
      phase = phaseHeading[1]!;
      current = null;
      continue;
    }
    if (/^[ \t]/.test(text)) {
      if (!current) fail(no, 'an indented detail line must follow a step');
      details.get(current!)!.push(text);
      continue;
    }
    const numbered = /^(\d+)\.\s+(.*)$/.exec(text);
    if (!numbered) fail(no, 'under "## Steps" a line is a step ("N. [owner] [+2h from aware] What to do"), an indented detail line or a "### Phase" heading');
    const number = Number(numbered![1]);
    const seen = firstSeen.get(number);
    if (seen !== undefined) fail(no, `step ${number} is numbered twice (first on line ${seen})`);
    if (number !== steps.length + 1) fail(no, `step ${number} should be step ${steps.length + 1}: steps are numbered 1, 2, 3… in order`);
    firstSeen.set(number, no);
    current = readStep(numbered![2]!, number, no, phase, meta, fail);
    steps.push(current);
    details.set(current, []);
  }
  if (steps.length === 0) fail(section.line, 'the Steps section has no steps');
  for (const step of steps) step.detail = dedent(details.get(step)!);
  return steps;
}

function readStep(rest: string, number: number, line: number, phase: string | null, meta: FrontMatter, fail: (line: number, problem: string) => never): RunbookStep {
  const ownerMatch = /^\[([^\]]*)\]\s*/.exec(rest);
  if (!ownerMatch) return fail(line, `step ${number} needs an owner first: "${number}. [responder] What to do"`);
  const owner = ownerMatch[1]!.trim();
  const role = (stepRoles as readonly string[]).includes(owner) ? (owner as StepRole) : meta.roles[owner];
  if (!role) fail(line, `unknown role ${owner || '(empty)'}; use one of ${[...stepRoles, ...Object.keys(meta.roles).filter((r) => !(stepRoles as readonly string[]).includes(r))].join(', ')}`);

  let body = rest.slice(ownerMatch[0].length);
  let due: DueOffset | null = null;
  // A second bracket right after the owner is the due offset, unless it is a Markdown link.
  const dueMatch = /^\[([^\]]*)\](?!\()\s*/.exec(body);
  if (dueMatch) {
    const written = dueMatch[1]!.trim();
    const parts = /^(\S+)\s+from\s+(\S+)$/.exec(written);
    const minutes = parts ? parseAmount(parts[1]!) : null;
    if (!parts || minutes === null) fail(line, `bad due offset [${written}]: write it as [+30m from discovered], [+4h from aware] or [+1d12h from contained]`);
    const anchor = resolveAnchor(parts![2]!);
    if (!anchor) fail(line, `unknown clock anchor ${parts![2]}; use one of ${anchorNames} (or their field names, e.g. aware_at)`);
    due = { minutes: minutes!, anchor: anchor! };
    body = body.slice(dueMatch[0].length);
  }
  const text = body.trim();
  if (!text) fail(line, `step ${number} says nothing to do`);
  return { id: `${meta.slug}.${number}`, number, owner, role: role!, due, phase, text, detail: '', line };
}

function dedent(lines: string[]): string {
  while (lines.length > 0 && !lines.at(-1)!.trim()) lines.pop();
  const indents = lines.filter((l) => l.trim()).map((l) => /^[ \t]*/.exec(l)![0].length);
  const cut = indents.length > 0 ? Math.min(...indents) : 0;
  return lines
    .map((l) => l.slice(cut))
    .join('\n')
    .trim();
}
