// Report drafts for regulators: `templates/obligations/<locale>/draft.md.liquid`, filled from the incident,
// the organisation profile and the rule's required content. The wording (and its labels, in the front
// matter) lives in the templates; this file only gathers the values.
import { Liquid, type Template } from 'liquidjs';
import { parse as parseYaml } from 'yaml';
import type { Incident } from '../incidents/service.js';
import type { Profile } from './profile.js';
import type { Obligation, StageResult } from './types.js';

const draftLocales = ['en', 'zh-CN'] as const;

export interface DraftRenderer {
  readonly locales: readonly string[];
  render(locale: string, values: DraftValues): string;
}

export interface DraftValues {
  generated_at: string;
  org: { name: string; contact: Profile['contact'] };
  rule: { id: string; law: string; article: string; jurisdiction: string; authority: string; required_content: string[]; source: string };
  stage: { key: string; name: string; due_at: string | null; due_local: string | null; time_zone: string; awaiting: string | null };
  incident: Record<string, unknown>;
  counts: { source: string; total: number | null; place: string; in_jurisdiction: number | null };
}

/** A draft template that is missing or broken: the start stops and names the file. */
export class DraftTemplateError extends Error {}

const frontMatter = /^---\r?\n([\s\S]*?)\r?\n---\r?\n/;

/** Loads every locale's draft template at start; a missing or broken one stops the start with its file named. */
export function createDraftRenderer(files: Readonly<Record<string, string>>, locales: readonly string[] = draftLocales): DraftRenderer {
  const engine = new Liquid({ strictVariables: true, strictFilters: true, outputEscape: undefined });
  const loaded = new Map<string, { labels: unknown; template: Template[] }>();
  for (const locale of locales) {
    const file = `obligations/${locale}/draft.md.liquid`;
    const source = files[file];
    if (source === undefined) throw new DraftTemplateError(`templates/${file} is missing`);
    const m = frontMatter.exec(source);
    if (!m) throw new DraftTemplateError(`templates/${file} must open with front matter holding its labels`);
    const meta = parseYaml(m[1]!) as { labels?: unknown } | null;
    if (!meta?.labels || typeof meta.labels !== 'object') throw new DraftTemplateError(`templates/${file}: front matter needs a labels map`);
    try {
      loaded.set(locale, { labels: meta.labels, template: engine.parse(source.slice(m[0].length), file) });
    } catch (err) {
      throw new DraftTemplateError(`templates/${file}: ${(err as Error).message}`);
    }
  }
  return {
    locales,
    render(locale, values) {
      const t = loaded.get(locale);
      if (!t) throw new DraftTemplateError(`no draft template for ${locale}`);
      return engine.renderSync(t.template, { ...values, labels: t.labels }) as string;
    },
  };
}

const tri = (v: boolean | null) => (v === null ? 'unknown' : v ? 'yes' : 'no');
const iso = (d: Date | null) => d?.toISOString() ?? null;

/** The stage a draft is for: the one asked for, else the first required stage still open, else the first. */
export function draftStage(o: Obligation, key: string | undefined): StageResult | undefined {
  if (key) return o.stages.find((s) => s.key === key);
  return o.stages.find((s) => s.required && !s.filed_at && s.status !== 'not_applicable') ?? o.stages[0];
}

export function draftValues(p: { incident: Incident; obligation: Obligation; stage: StageResult | undefined; profile: Profile; countsSource: string; total: number | null; place: string; inJurisdiction: number | null; now: Date }): DraftValues {
  const { incident: i, obligation: o, stage } = p;
  return {
    generated_at: p.now.toISOString(),
    org: { name: p.profile.name, contact: p.profile.contact },
    rule: { id: o.rule_id, law: o.law, article: o.article, jurisdiction: o.jurisdiction, authority: o.notifies.name, required_content: o.required_content, source: o.source.url },
    stage: {
      key: stage?.key ?? 'initial',
      name: stage?.name ?? 'report',
      due_at: stage?.target_at ?? stage?.due_at ?? null,
      due_local: stage?.target_local ?? stage?.due_local ?? null,
      time_zone: o.time_zone,
      awaiting: stage?.awaiting ?? o.awaiting_anchor,
    },
    incident: {
      id: i.id,
      title: i.title,
      summary: i.summary,
      nature: i.nature,
      severity: i.severity,
      occurred_from: iso(i.occurred_from),
      occurred_to: iso(i.occurred_to),
      discovered_at: iso(i.discovered_at),
      aware_at: iso(i.aware_at),
      determined_at: iso(i.determined_at),
      contained_at: iso(i.contained_at),
      disposal_ended_at: iso(i.disposal_ended_at),
      systems: i.systems,
      data_categories: i.data_categories,
      encrypted: tri(i.encrypted),
      measures: i.measures.map((m) => ({ description: m.description, state: m.state, at: m.at.toISOString() })),
      remedies: i.remedies.map((r) => ({ description: r.description, url: r.url ?? null })),
    },
    counts: { source: p.countsSource, total: p.total, place: p.place, in_jurisdiction: p.inJurisdiction },
  };
}
