// The console's stylesheet and its one small script, served by breachkit itself (no external requests).
import { sha256Hex } from '../lib/hash.js';
import { uploadProgressJs } from './upload-progress.js';

export const consoleCss = `
:root { color-scheme: light; --ink: #1b1f24; --muted: #4a5360; --line: #c9d0d8; --accent: #0b4fb3; --bad: #a11a1a; --good: #1d6b32; --warn-bg: #fff4d6; --bad-bg: #fdecec; --good-bg: #e8f5ec; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", sans-serif; color: var(--ink); background: #fff; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, summary:focus-visible { outline: 3px solid #f0a500; outline-offset: 2px; }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem; z-index: 10; }
header.top { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: center; justify-content: space-between; padding: .75rem 1.25rem; border-bottom: 1px solid var(--line); background: #f6f8fa; }
header.top .brand { font-weight: 700; color: var(--ink); text-decoration: none; }
header.top nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: 1rem; margin: 0; padding: 0; align-items: center; }
header.top form { display: inline; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem 1.25rem 3rem; }
h1 { font-size: 1.6rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .75rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; }
.table-wrap { overflow-x: auto; }
dl.facts { display: grid; grid-template-columns: minmax(9rem, max-content) 1fr; gap: .3rem 1rem; margin: 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
form.stack { display: grid; gap: 1rem; max-width: 40rem; }
form.inline { display: flex; flex-wrap: wrap; gap: .75rem; align-items: end; }
.field { display: grid; gap: .25rem; }
.field label, .field legend { font-weight: 600; }
.field .hint { color: var(--muted); font-size: .9rem; }
.field .problem { color: var(--bad); font-weight: 600; }
input[type=text], input[type=password], input[type=number], input[type=datetime-local], select, textarea { font: inherit; padding: .4rem .5rem; border: 1px solid #6b7480; border-radius: 4px; width: 100%; max-width: 100%; }
input[aria-invalid=true], textarea[aria-invalid=true], select[aria-invalid=true] { border: 2px solid var(--bad); }
fieldset { border: 1px solid var(--line); border-radius: 4px; }
fieldset.checks { display: flex; flex-wrap: wrap; gap: .25rem 1rem; }
fieldset.checks label { font-weight: 400; }
button { font: inherit; padding: .45rem 1rem; border-radius: 4px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
button.secondary { background: #fff; color: var(--accent); }
button.link { background: none; border: none; color: var(--accent); text-decoration: underline; padding: 0; }
.notice { padding: .75rem 1rem; border-radius: 4px; margin: 1rem 0; border: 1px solid var(--line); }
.notice.bad { background: var(--bad-bg); border-color: var(--bad); }
.notice.good { background: var(--good-bg); border-color: var(--good); }
.notice.warn { background: var(--warn-bg); border-color: #8a6100; }
.badge { display: inline-block; padding: 0 .5rem; border-radius: 999px; border: 1px solid var(--line); font-size: .9rem; background: #f6f8fa; }
.badge.critical, .badge.high { background: var(--bad-bg); border-color: var(--bad); color: #7a1010; }
.moves { display: flex; flex-wrap: wrap; gap: .5rem; }
ul.moves { list-style: none; padding: 0; margin: 0 0 1rem; }
.muted { color: var(--muted); }
code, .hash { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .85rem; overflow-wrap: anywhere; }
details > summary { cursor: pointer; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f6f8fa; padding: .5rem; border-radius: 4px; }
.side-by-side { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 22rem), 1fr)); gap: 1rem; }
.preview { border: 1px solid var(--line); border-radius: 4px; padding: .5rem .75rem; min-width: 0; }
.preview h4 { margin: .25rem 0 .5rem; }
.preview iframe { width: 100%; height: 28rem; border: 1px solid var(--line); background: #fff; }
.preview .problem { color: var(--bad); font-weight: 600; }
.chart { display: block; max-width: 100%; height: auto; margin: 1rem 0; border: 1px solid var(--line); }
.notice-editor { display: grid; gap: 1rem; }
.notice-editor fieldset { display: grid; gap: .75rem; min-width: 0; }
progress { width: 100%; max-width: 40rem; }
@media (max-width: 40rem) { dl.facts { grid-template-columns: 1fr; } dl.facts dd { margin-bottom: .5rem; } th, td { padding: .3rem; } }
`;

/** Times in the viewer's own zone (UTC stays in the title for hovering); nothing else depends on it. */
export const consoleJs = `(() => {
  const lang = document.documentElement.lang || 'en';
  const format = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' });
  for (const el of document.querySelectorAll('time[datetime]')) {
    const d = new Date(el.getAttribute('datetime'));
    if (Number.isNaN(d.getTime())) continue;
    el.title = el.textContent;
    el.textContent = format.format(d);
  }
  const next = document.querySelector('[data-continue]');
  if (next) location.replace(next.getAttribute('href'));
  // The delivery page: each progress event redraws the runs' figures; when nothing moves any more the page is loaded afresh once.
  const live = document.querySelector('[data-stream]');
  if (live && 'EventSource' in window) {
    const words = JSON.parse(live.getAttribute('data-words') || '{}');
    const say = (key, values) => (words[key] || key).replace(/\\{(\\w+)\\}/g, (_, k) => String(values && k in values ? values[k] : ''));
    const duration = (s) => s < 60 ? s + ' s' : s < 3600 ? Math.floor(s / 60) + ' min' + (s % 60 ? ' ' + (s % 60) + ' s' : '') : Math.floor(s / 3600) + ' h' + (Math.round((s % 3600) / 60) ? ' ' + Math.round((s % 3600) / 60) + ' min' : '');
    const source = new EventSource(live.getAttribute('data-stream'));
    source.addEventListener('progress', (event) => {
      const runs = JSON.parse(event.data).data;
      for (const run of runs) {
        const section = live.querySelector('[data-run="' + run.id + '"]');
        if (!section) continue;
        const field = (name) => section.querySelector('[data-field="' + name + '"]');
        const done = Math.max(0, run.planned - run.remaining - run.unknown);
        field('status').textContent = say('run_' + run.status);
        field('planned').textContent = String(run.planned);
        field('remaining').textContent = String(run.remaining);
        field('unknown').textContent = String(run.unknown);
        field('rate').textContent = say('perSecond', { n: run.rate_per_second });
        field('eta').textContent = run.remaining === 0 ? say('etaDone') : run.eta_seconds === null ? say('etaNone') : duration(run.eta_seconds);
        field('progress').setAttribute('value', String(done));
        field('progressText').textContent = say('progressOf', { done, planned: run.planned });
        const body = section.querySelector('tbody');
        body.replaceChildren(...run.counts.map((c) => {
          const row = document.createElement('tr');
          for (const text of [say('ch_' + c.channel), say('st_' + c.state), String(c.n)]) {
            const cell = document.createElement('td');
            cell.textContent = text;
            row.append(cell);
          }
          return row;
        }));
      }
      if (!runs.some((r) => r.status === 'running' && r.remaining > 0)) {
        source.close();
        // Loaded afresh without the word of what was just done ("done=started" would still say the run is sending).
        const fresh = new URL(location.href);
        fresh.searchParams.delete('done');
        if (fresh.href === location.href) location.reload();
        else location.replace(fresh.href);
      }
    });
  }
${uploadProgressJs}})();
`;

/** A short content hash in the asset URLs, so they can be cached for good and change when the content does. */
export const assetVersion = sha256Hex(consoleCss + consoleJs).slice(0, 12);
