// Runbooks: Markdown with front matter and numbered steps, checked at start — a broken one names its file and line.
import { parse as parseYaml } from 'yaml';
import { natures, type Nature } from '../incidents/vocabulary.js';

/** Who does a step: the API roles, which key holders carry. */
export const stepRoles = ['responder', 'approver', 'admin'] as const;
export type StepRole = (typeof stepRoles)[number];

/** Clock anchors a step's due time can count from, by their short names, and the incident field each reads. */
export const anchorFields = {
  occurred: 'occurred_from',
  discovered: 'discovered_at',
  aware: 'aware_at',
  determined: 'determined_at',
  contained: 'contained_at',
  assessment_completed: 'assessment_completed_at',
  individuals_notified: 'individuals_notified_at',
  disposal_ended: 'disposal_ended_at',
} as const;
export type Anchor = keyof typeof anchorFields;

export interface RunbookStep {
  id: string;
  number: number;
  role: StepRole;
  due: { minutes: number; anchor: Anchor } | null;
  text: string;
  detail: string;
  line: number;
}

export interface Runbook {
  slug: string;
  title: string;
  version: string;
  natures: Nature[];
  file: string;
  sections: Record<string, string>;
  steps: RunbookStep[];
}

export const requiredSections = ['When to use', 'Roles', 'Preflight', 'Steps', 'Recovering an interrupted run'] as const;

export class RunbookError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    problem: string,
  ) {
    super(`runbooks/${file}:${line}: ${problem}`);
    this.name = 'RunbookError';
  }
}

const stepLine = /^(\d+)\.\s+\[([a-z_]+)\]\s+(?:\[\+(\d+)(m|h|d) from ([a-z_]+)\]\s+)?(\S.*)$/;
const unitMinutes = { m: 1, h: 60, d: 1440 } as const;

export function parseRunbook(file: string, text: string): Runbook {
  const lines = text.split(/\r?\n/);
  if (lines[0] !== '---') throw new RunbookError(file, 1, 'must open with front matter (---)');
  const end = lines.indexOf('---', 1);
  if (end === -1) throw new RunbookError(file, 1, 'front matter is never closed (---)');
  let meta: Record<string, unknown>;
  try {
    meta = (parseYaml(lines.slice(1, end).join('\n')) ?? {}) as Record<string, unknown>;
  } catch (err) {
    throw new RunbookError(file, 2, `front matter is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const metaLine = (key: string) => 1 + Math.max(1, lines.slice(0, end).findIndex((l) => l.startsWith(`${key}:`)));
  if (typeof meta.slug !== 'string' || !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(meta.slug)) throw new RunbookError(file, metaLine('slug'), 'slug must be lower-case words joined by hyphens');
  if (typeof meta.title !== 'string' || !meta.title.trim()) throw new RunbookError(file, metaLine('title'), 'title is required');
  if (typeof meta.version !== 'string' && typeof meta.version !== 'number') throw new RunbookError(file, metaLine('version'), 'version is required');
  const attach = meta.natures ?? [];
  if (!Array.isArray(attach) || attach.some((n) => !(natures as readonly string[]).includes(String(n)))) {
    throw new RunbookError(file, metaLine('natures'), `natures must be a list of: ${natures.join(', ')}`);
  }

  const sections: Record<string, string> = {};
  const sectionLine: Record<string, number> = {};
  let current: string | null = null;
  for (let i = end + 1; i < lines.length; i++) {
    const heading = /^## (.+)$/.exec(lines[i]!);
    if (heading) {
      current = heading[1]!.trim();
      if (current in sections) throw new RunbookError(file, i + 1, `the section "${current}" appears twice`);
      sections[current] = '';
      sectionLine[current] = i + 1;
    } else if (current) {
      sections[current] += `${lines[i]}\n`;
    }
  }
  for (const name of requiredSections) {
    if (!(name in sections)) throw new RunbookError(file, lines.length, `the section "## ${name}" is missing`);
  }

  const steps: RunbookStep[] = [];
  const stepText = sections.Steps!.split('\n');
  for (let k = 0; k < stepText.length; k++) {
    const raw = stepText[k]!;
    const lineNo = sectionLine.Steps! + 1 + k;
    if (!raw.trim()) continue;
    if (/^\s{2,}\S/.test(raw)) {
      const last = steps.at(-1);
      if (!last) throw new RunbookError(file, lineNo, 'detail before the first step');
      last.detail += `${raw.trim()}\n`;
      continue;
    }
    const m = stepLine.exec(raw);
    if (!m) throw new RunbookError(file, lineNo, 'a step reads "N. [role] [+2h from aware] What to do" (the due time is optional)');
    const [, num, role, amount, unit, anchor, textPart] = m;
    if (!(stepRoles as readonly string[]).includes(role!)) throw new RunbookError(file, lineNo, `unknown role ${role}; use one of ${stepRoles.join(', ')}`);
    if (anchor && !(anchor in anchorFields)) throw new RunbookError(file, lineNo, `unknown clock anchor ${anchor}; use one of ${Object.keys(anchorFields).join(', ')}`);
    const number = Number(num);
    if (number !== steps.length + 1) throw new RunbookError(file, lineNo, `step ${number} should be step ${steps.length + 1}`);
    steps.push({
      id: `${meta.slug}.${number}`,
      number,
      role: role as StepRole,
      due: amount ? { minutes: Number(amount) * unitMinutes[unit as keyof typeof unitMinutes], anchor: anchor as Anchor } : null,
      text: textPart!.trim(),
      detail: '',
      line: lineNo,
    });
  }
  if (steps.length === 0) throw new RunbookError(file, sectionLine.Steps!, 'the Steps section has no steps');
  for (const s of steps) s.detail = s.detail.trim();
  return { slug: meta.slug, title: meta.title.trim(), version: String(meta.version), natures: attach as Nature[], file, sections, steps };
}

/** Parses every runbook (README.md aside); slugs must be unique. */
export function loadRunbooks(files: Record<string, string>): Map<string, Runbook> {
  const out = new Map<string, Runbook>();
  for (const [file, text] of Object.entries(files).sort()) {
    if (!file.endsWith('.md') || file === 'README.md') continue;
    const runbook = parseRunbook(file, text);
    if (out.has(runbook.slug)) throw new RunbookError(file, 2, `slug ${runbook.slug} is already used by ${out.get(runbook.slug)!.file}`);
    out.set(runbook.slug, runbook);
  }
  return out;
}

export function runbooksForNature(runbooks: Map<string, Runbook>, nature: Nature): Runbook[] {
  return [...runbooks.values()].filter((r) => r.natures.includes(nature));
}

/** When a step is due, or which anchor it still waits for. */
export function dueOf(step: RunbookStep, anchors: Partial<Record<string, Date | null>>): { due_at: Date | null; waiting_on: Anchor | null } {
  if (!step.due) return { due_at: null, waiting_on: null };
  const at = anchors[anchorFields[step.due.anchor]];
  if (!at) return { due_at: null, waiting_on: step.due.anchor };
  return { due_at: new Date(at.getTime() + step.due.minutes * 60_000), waiting_on: null };
}
