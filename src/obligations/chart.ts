// The obligations as a Gantt-like SVG: one row per owed report, a bar from its clock start to its due
// time, marks for the anchor and the filing, and a line at now. Self-contained, so it can be embedded.
import { escapeHtml as escapeXml } from '../notices/template-set.js';
import type { Obligation, ObligationStatus } from './types.js';

const colours: Record<ObligationStatus, string> = {
  upcoming: '#2f6fb0',
  due_soon: '#c77800',
  overdue: '#b3261e',
  met: '#2e7d32',
  met_late: '#7b5e00',
  awaiting_anchor: '#6b6b6b',
  not_applicable: '#9e9e9e',
};

const statusWords: Record<ObligationStatus, string> = {
  upcoming: 'upcoming',
  due_soon: 'due soon',
  overdue: 'overdue',
  met: 'met',
  met_late: 'met late',
  awaiting_anchor: 'awaiting anchor',
  not_applicable: 'not applicable',
};

const t = (iso: string | null) => (iso ? Date.parse(iso) : null);

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function dayTicks(from: number, to: number): number[] {
  const span = to - from;
  const step = [3_600_000 * 6, 86_400_000, 86_400_000 * 7, 86_400_000 * 30, 86_400_000 * 365].find((s) => span / s <= 12) ?? 86_400_000 * 365;
  const first = Math.ceil(from / step) * step;
  const ticks: number[] = [];
  for (let x = first; x <= to; x += step) ticks.push(x);
  return ticks;
}

/** Draws the applicable obligations (the not-applicable ones are counted in the caption only). */
export function obligationsSvg(incident: { id: string; title: string }, obligations: Obligation[], now: Date): string {
  const rows = obligations
    .filter((o) => o.status !== 'not_applicable')
    .sort((a, b) => (t(a.target_at ?? a.due_at) ?? Infinity) - (t(b.target_at ?? b.due_at) ?? Infinity) || a.key.localeCompare(b.key));
  const skipped = obligations.length - rows.length;

  const times: number[] = [now.getTime()];
  for (const o of rows) {
    for (const s of o.stages) for (const v of [s.start_at, s.due_at, s.target_at, s.filed_at]) if (v) times.push(Date.parse(v));
    if (o.anchor.at) times.push(Date.parse(o.anchor.at));
  }
  const pad = Math.max((Math.max(...times) - Math.min(...times)) * 0.04, 3_600_000);
  const from = Math.min(...times) - pad;
  const to = Math.max(...times) + pad;

  const labelW = 350;
  const chartW = 640;
  const rowH = 24;
  const top = 56;
  const width = labelW + chartW + 20;
  const height = top + Math.max(rows.length, 1) * rowH + 48;
  const x = (ms: number) => labelW + ((ms - from) / (to - from)) * chartW;

  const out: string[] = [];
  const title = `Regulator and notice deadlines for incident ${incident.id}`;
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="t d" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="12">`,
    `<title id="t">${escapeXml(title)}</title>`,
    `<desc id="d">${rows.length} obligations drawn as bars from the start of each clock to its due time; a diamond marks a filing; the red line is now (${now.toISOString()}).</desc>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="600" fill="#111">${escapeXml(clip(`${incident.title} — deadlines`, 110))}</text>`,
  );
  for (const tick of dayTicks(from, to)) {
    const tx = x(tick).toFixed(1);
    out.push(`<line x1="${tx}" y1="${top - 8}" x2="${tx}" y2="${height - 40}" stroke="#e3e3e3"/>`);
    out.push(`<text x="${tx}" y="${top - 12}" text-anchor="middle" fill="#555" font-size="10">${new Date(tick).toISOString().slice(5, 16).replace('T', ' ')}</text>`);
  }
  rows.forEach((o, i) => {
    const y = top + i * rowH;
    const colour = colours[o.status];
    const label = `${o.rule_id}${o.target ? ` (${o.target})` : ''} — ${o.notifies.name}`;
    out.push(`<g><title>${escapeXml(`${label}: ${statusWords[o.status]}${o.due_at ? `, due ${o.due_at}` : ''}${o.awaiting_anchor ? `, waiting for ${o.awaiting_anchor}` : ''}`)}</title>`);
    out.push(`<text x="10" y="${y + 15}" fill="#111">${escapeXml(clip(label, 52))}</text>`);
    const required = o.stages.filter((s) => s.status !== 'not_applicable');
    if (!required.some((s) => s.start_at)) {
      out.push(`<text x="${labelW + 6}" y="${y + 15}" fill="${colour}">waiting for ${escapeXml(o.awaiting_anchor ?? o.anchor.name)}</text>`);
    }
    for (const s of required) {
      const start = t(s.start_at);
      const end = t(s.target_at ?? s.due_at);
      if (start === null || end === null) continue;
      const bx = x(start);
      const bw = Math.max(x(end) - bx, 2);
      const dash = s.immediate ? ' stroke-dasharray="3 2"' : '';
      const opacity = s.kind === 'initial' ? 0.85 : 0.45;
      out.push(`<rect x="${bx.toFixed(1)}" y="${y + 5}" width="${bw.toFixed(1)}" height="${rowH - 10}" rx="2" fill="${colour}" fill-opacity="${opacity}" stroke="${colour}"${dash}/>`);
      const filed = t(s.filed_at);
      if (filed !== null) {
        const fx = x(filed);
        const cy = y + rowH / 2;
        out.push(`<path d="M${fx.toFixed(1)} ${cy - 6} l6 6 l-6 6 l-6 -6 z" fill="#111"/>`);
      }
    }
    if (o.anchor.at) out.push(`<circle cx="${x(Date.parse(o.anchor.at)).toFixed(1)}" cy="${y + rowH / 2}" r="3" fill="#111"/>`);
    out.push(`<text x="${width - 12}" y="${y + 15}" text-anchor="end" fill="${colour}" font-size="11">${statusWords[o.status]}</text>`);
    out.push('</g>');
  });
  if (!rows.length) out.push(`<text x="10" y="${top + 15}" fill="#555">No obligation applies on the facts recorded so far.</text>`);
  const nx = x(now.getTime()).toFixed(1);
  out.push(`<line x1="${nx}" y1="${top - 8}" x2="${nx}" y2="${height - 40}" stroke="#d32f2f" stroke-width="1.5"/>`);
  out.push(`<text x="${nx}" y="${height - 28}" text-anchor="middle" fill="#d32f2f" font-size="11">now</text>`);
  const legend = (['upcoming', 'due_soon', 'overdue', 'met', 'met_late', 'awaiting_anchor'] as const)
    .map((s, i) => `<rect x="${10 + i * 120}" y="${height - 16}" width="10" height="10" fill="${colours[s]}"/><text x="${24 + i * 120}" y="${height - 7}" fill="#333" font-size="11">${statusWords[s]}</text>`)
    .join('');
  out.push(legend);
  if (skipped) out.push(`<text x="${width - 12}" y="${height - 7}" text-anchor="end" fill="#555" font-size="11">${skipped} rule(s) not applicable</text>`);
  out.push('</svg>');
  return out.join('\n');
}
